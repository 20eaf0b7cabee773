// `rookery federation lookup | deliveries | refresh | instances` as real processes, against a Fedify peer on loopback.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq, sql } from 'drizzle-orm'
import { accounts, knownInstances, statuses, unavailableDomains } from '../../src/db/schema'
import { blockDomain } from '../../src/core/instance/domain-blocks'
import { upsertRemoteActor } from '../../src/core/federation/actors'
import { QUEUES, startJobs } from '../../src/core/jobs'
import { startPeer, type Peer } from '../support/peer'
import { cliEnvironment, inspect, rookery, unique, type CliEnv } from './run'

let cli: CliEnv
let peer: Peer
const PRIVATE = { ROOKERY_FEDERATION_ALLOW_PRIVATE: 'true' }

beforeAll(async () => {
  cli = await cliEnvironment()
  peer = await startPeer(['carl'])
}, 60_000)

afterAll(async () => {
  await peer?.stop()
  await cli?.cleanup()
}, 60_000)

const host = () => new URL(peer.baseUrl).host

describe('federation lookup', () => {
  test('fetches an actor by URL (JSON) and by address (fields)', async () => {
    const byUrl = await rookery(cli, ['federation', 'lookup', peer.actorUri('carl').href, '--json'], { env: PRIVATE })
    expect(byUrl.code).toBe(0)
    expect(byUrl.json()).toMatchObject({ id: peer.actorUri('carl').href, type: 'Person', preferredUsername: 'carl', name: 'Peer carl' })

    const byAcct = await rookery(cli, ['federation', 'lookup', `@carl@${host()}`], { env: PRIVATE })
    expect(byAcct.code).toBe(0)
    expect(byAcct.stdout).toContain(`Handle:`)
    expect(byAcct.stdout).toContain(`carl@${host()}`)
    expect(byAcct.stdout).toContain(`${peer.baseUrl}/users/carl/inbox`)
  }, 120_000)

  test('refuses loopback addresses unless allowed, and says when nothing is there', async () => {
    const refused = await rookery(cli, ['federation', 'lookup', peer.actorUri('carl').href])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('Nothing found')
    const missing = await rookery(cli, ['federation', 'lookup', `nobody@${host()}`], { env: PRIVATE })
    expect(missing.code).toBe(1)
    const nonsense = await rookery(cli, ['federation', 'lookup', 'not a handle'], { env: PRIVATE })
    expect(nonsense.code).toBe(1)
  }, 120_000)
})

describe('federation refresh', () => {
  test('refetches a stored remote account; an unknown one is an error', async () => {
    const unknown = await rookery(cli, ['federation', 'refresh', `carl@${host()}`], { env: PRIVATE })
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain('No remote account')

    const ctx = await inspect(cli)
    try {
      await upsertRemoteActor(ctx, {
        uri: peer.actorUri('carl').href, username: 'carl', domain: host(), displayName: 'Old name', note: '', url: null,
        inboxUrl: `${peer.baseUrl}/users/carl/inbox`, sharedInboxUrl: null, followersUrl: null, followingUrl: null, outboxUrl: null,
        locked: true, bot: false, actorType: 'Person', avatarUrl: null, headerUrl: null,
      })
    } finally {
      await ctx.database.close()
    }
    const refreshed = await rookery(cli, ['federation', 'refresh', `carl@${host()}`, '--json'], { env: PRIVATE })
    expect(refreshed.code).toBe(0)
    expect(refreshed.json()).toMatchObject({ acct: `carl@${host()}`, display_name: 'Peer carl', locked: false, uri: peer.actorUri('carl').href })

    // unreachable now: the stored account stays as it is
    await peer.stop()
    const offline = await rookery(cli, ['federation', 'refresh', `carl@${host()}`])
    expect(offline.code).toBe(1)
    expect(offline.stderr).toContain('unchanged')
    const after = await inspect(cli)
    try {
      const [row] = await after.db.select().from(accounts).where(eq(accounts.uri, peer.actorUri('carl').href))
      expect(row.displayName).toBe('Peer carl')
    } finally {
      await after.database.close()
    }
  }, 120_000)
})

describe('federation deliveries', () => {
  test('queue depth and failures per domain', async () => {
    const none = await rookery(cli, ['federation', 'deliveries', '--json'])
    expect(none.code).toBe(0)
    expect(none.json().domains).toEqual([])

    const ctx = await inspect(cli)
    try {
      const jobs = await startJobs(ctx.database, { supervise: false, queues: QUEUES })
      try {
        await jobs.send('federation.outbox', { message: { inbox: 'https://a.example/users/x/inbox' } })
        await jobs.send('federation.outbox', { message: { inbox: 'https://a.example/inbox' } })
        const failed = await jobs.send('federation.outbox', { message: { inbox: 'https://b.example:8443/inbox' } })
        await jobs.send('federation.inbox', { message: {} })
        await ctx.db.execute(sql`update pgboss.job set state = 'failed', output = '{"message":"HTTP 503"}'::jsonb, completed_on = now() where id = ${failed}`)
      } finally {
        await jobs.stop()
      }
    } finally {
      await ctx.database.close()
    }

    const json = await rookery(cli, ['federation', 'deliveries', '--json'])
    expect(json.code).toBe(0)
    const out = json.json()
    expect(out.domains).toEqual([
      { domain: 'b.example:8443', queued: 0, retrying: 0, failed: 1, last_error: 'HTTP 503', last_failed_at: expect.any(String) },
      { domain: 'a.example', queued: 2, retrying: 0, failed: 0, last_error: null, last_failed_at: null },
    ])
    expect(out.queues).toContainEqual({ queue: 'federation.outbox', queued: 2, retrying: 0, active: 0, failed: 1 })
    expect(out.queues).toContainEqual({ queue: 'federation.inbox', queued: 1, retrying: 0, active: 0, failed: 0 })

    const plain = await rookery(cli, ['federation', 'deliveries'])
    expect(plain.code).toBe(0)
    expect(plain.stdout).toMatch(/DOMAIN\s+QUEUED\s+RETRYING\s+FAILED/)
    expect(plain.stdout).toMatch(/b\.example:8443\s+0\s+0\s+1\s+\S+\s+HTTP 503/)
  }, 120_000)
})

describe('federation instances', () => {
  test('known servers with software, reachability, counts and moderation; one in detail; an unknown one is an error', async () => {
    const known = `known-${unique('h').toLowerCase().replace(/_/g, '-')}.example`
    const failing = `failing-${unique('h').toLowerCase().replace(/_/g, '-')}.example`
    // the first command brings the database up to date
    expect((await rookery(cli, ['federation', 'instances', '--json'])).code).toBe(0)
    const ctx = await inspect(cli)
    try {
      const username = unique('u')
      const remote = await upsertRemoteActor(ctx, {
        uri: `https://${known}/users/${username}`, username, domain: known, displayName: '', note: '', url: null,
        inboxUrl: `https://${known}/users/${username}/inbox`, sharedInboxUrl: null, followersUrl: null, followingUrl: null, outboxUrl: null,
        locked: false, bot: false, actorType: 'Person', avatarUrl: null, headerUrl: null,
      })
      await ctx.db.insert(statuses).values({ accountId: remote.id, local: false, uri: `https://${known}/s/1`, content: '<p>x</p>' })
      await ctx.db.insert(knownInstances).values({ domain: known, softwareName: 'mastodon', softwareVersion: '4.5.0', nodeinfoFetchedAt: new Date() })
      const since = new Date(Date.now() - 2 * 86_400_000)
      await ctx.db.insert(unavailableDomains).values({ domain: failing, failureCount: 12, firstFailureAt: since, lastFailureAt: new Date(), unavailableAt: new Date() })
      await blockDomain(ctx, failing, 'suspend')
    } finally {
      await ctx.database.close()
    }

    const json = await rookery(cli, ['federation', 'instances', '--json'])
    expect(json.code).toBe(0)
    const list = json.json() as any[]
    expect(list.find((i) => i.domain === known)).toMatchObject({
      software: { name: 'mastodon', version: '4.5.0' }, accounts: 1, statuses: 1, followers: 0, follows: 0, reports_from: 0,
      reachability: { failure_count: 0, unavailable_since: null }, moderation: { severity: null, rejected: false, allowed: null },
    })
    expect(list.find((i) => i.domain === failing)).toMatchObject({
      software: null, accounts: 0, reachability: { failure_count: 12, unavailable_since: expect.any(String), failing_since: expect.any(String) },
      moderation: { severity: 'suspend', rejected: true },
    })

    const plain = await rookery(cli, ['federation', 'instances'])
    expect(plain.code).toBe(0)
    expect(plain.stdout).toMatch(/DOMAIN\s+SOFTWARE\s+REACH\s+ACCOUNTS\s+STATUSES\s+FOLLOWERS\s+FOLLOWS\s+REPORTS\s+MODERATION/)
    expect(plain.stdout).toMatch(new RegExp(`${failing.replace(/\./g, '\\.')}\\s+unavailable\\s+0\\s+0\\s+0\\s+0\\s+0\\s+suspend`))

    const one = await rookery(cli, ['federation', 'instances', known.toUpperCase()])
    expect(one.code).toBe(0)
    expect(one.stdout).toMatch(/Software:\s+mastodon 4\.5\.0/)
    expect(one.stdout).toMatch(/Accounts:\s+1/)
    const missing = await rookery(cli, ['federation', 'instances', 'never-seen.example'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('No server never-seen.example is known here')
  }, 120_000)
})
