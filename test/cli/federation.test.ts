// `rookery federation lookup | deliveries | refresh` as real processes, against a Fedify peer on loopback.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq, sql } from 'drizzle-orm'
import { accounts } from '../../src/db/schema'
import { upsertRemoteActor } from '../../src/core/federation/actors'
import { QUEUES, startJobs } from '../../src/core/jobs'
import { startPeer, type Peer } from '../support/peer'
import { cliEnvironment, inspect, rookery, type CliEnv } from './run'

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
