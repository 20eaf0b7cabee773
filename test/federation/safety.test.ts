// Outbound fetch limits (private addresses, size, time, redirects), the inbox rate limit, remote names that never
// collide with local ones, and the count of known domains.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { Person } from '@fedify/vocab'
import { eq, isNotNull, sql } from 'drizzle-orm'
import { DEFAULT_RATE_LIMITS, type Config } from '../../src/config'
import type { Ctx } from '../../src/core/context'
import { accounts } from '../../src/db/schema'
import { federationContext } from '../../src/federation'
import { limitedDocumentLoader } from '../../src/federation/loader'
import { lookupRemoteAccount } from '../../src/federation/lookup'
import { storeRemoteActor } from '../../src/federation/mapping'
import { makeUser, type MadeUser } from '../support/factories'
import { startLiveServer, type LiveServer } from '../support/live-server'
import { startPeer, type Peer } from '../support/peer'
import { startRawActors, type RawActors } from '../support/raw-actor'

let rookery: LiveServer
let raw: RawActors
let peer: Peer
let alice: MadeUser

beforeAll(async () => {
  rookery = await startLiveServer({ federation: { allowPrivate: true } })
  alice = await makeUser(rookery.ctx)
  // a remote actor with the same name as a local account
  raw = await startRawActors(['bob', alice.account.username], '127.0.0.7')
  peer = await startPeer(['carl'])
}, 60_000)

afterAll(async () => {
  await raw?.stop()
  await peer?.stop()
  await rookery?.stop()
}, 60_000)

const strict = (): Ctx => ({
  ...rookery.ctx,
  config: { ...rookery.ctx.config, federation: { ...rookery.ctx.config.federation, allowPrivate: false } },
})

describe('outbound fetches', () => {
  test('an actor on a loopback address is not fetched unless private addresses are allowed', async () => {
    const ctx = strict()
    const before = raw.received.length
    expect(await lookupRemoteAccount(ctx, { url: raw.actorUri('bob') })).toBeNull()
    expect(await lookupRemoteAccount(ctx, { acct: { username: 'bob', domain: new URL(raw.baseUrl).host } })).toBeNull()
    expect(await lookupRemoteAccount(ctx, { url: peer.actorUri('carl').href })).toBeNull()
    expect(await lookupRemoteAccount(ctx, { acct: { username: 'carl', domain: new URL(peer.baseUrl).host } })).toBeNull()
    expect(raw.received.length).toBe(before)
    const [stored] = await rookery.ctx.db.select().from(accounts).where(eq(accounts.uri, raw.actorUri('bob')))
    expect(stored).toBeUndefined()

    // the same lookups with private addresses allowed (tests on one machine)
    expect((await lookupRemoteAccount(rookery.ctx, { url: raw.actorUri('bob') }))?.uri).toBe(raw.actorUri('bob'))
    // signed by the instance actor, draft-cavage first, for servers in authorized-fetch mode
    const get = raw.received.find((r) => r.method === 'GET' && r.path === '/users/bob')
    expect(get?.headers.get('signature') ?? '').toContain(`keyId="${rookery.baseUrl}/actor#main-key"`)
    expect((await lookupRemoteAccount(rookery.ctx, { acct: { username: 'carl', domain: new URL(peer.baseUrl).host } }))?.uri).toBe(peer.actorUri('carl').href)
  }, 60_000)

  test('the document loader refuses private addresses, large and slow documents and redirect loops', async () => {
    const big = JSON.stringify({ '@context': 'https://www.w3.org/ns/activitystreams', type: 'Note', content: 'x'.repeat(2_000_000) })
    let port = 0
    const server = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      async fetch(request: Request): Promise<Response> {
        const path = new URL(request.url).pathname
        if (path === '/big') return new Response(big, { headers: { 'content-type': 'application/activity+json' } })
        if (path === '/chunked') {
          return new Response(new ReadableStream({
            start(c) {
              for (let i = 0; i < 30; i++) c.enqueue(new TextEncoder().encode('x'.repeat(100_000)))
              c.close()
            },
          }), { headers: { 'content-type': 'application/activity+json' } })
        }
        if (path === '/slow') {
          await Bun.sleep(3000)
          return Response.json({})
        }
        if (path === '/loop') return new Response(null, { status: 302, headers: { location: '/loop2' } })
        if (path === '/loop2') return new Response(null, { status: 302, headers: { location: '/loop' } })
        if (path === '/small') return new Response(JSON.stringify({ '@context': 'https://www.w3.org/ns/activitystreams', id: `http://127.0.0.1:${port}/small`, type: 'Note' }), { headers: { 'content-type': 'application/activity+json' } })
        return new Response(null, { status: 404 })
      },
    })
    port = server.port!
    try {
      const base = `http://127.0.0.1:${port}`
      const userAgent = { software: 'Rookery' }
      await expect(limitedDocumentLoader({ allowPrivate: false, userAgent })(`${base}/small`)).rejects.toThrow()
      await expect(limitedDocumentLoader({ allowPrivate: false, userAgent })('http://169.254.169.254/latest/meta-data')).rejects.toThrow()
      await expect(limitedDocumentLoader({ allowPrivate: false, userAgent })('http://[::1]/x')).rejects.toThrow()
      const open = limitedDocumentLoader({ allowPrivate: true, userAgent, timeoutMs: 500 })
      expect((await open(`${base}/small`)).document).toMatchObject({ type: 'Note' })
      await expect(open(`${base}/big`)).rejects.toThrow(/larger than/)
      await expect(open(`${base}/chunked`)).rejects.toThrow(/larger than/)
      const started = Date.now()
      await expect(open(`${base}/slow`)).rejects.toThrow()
      expect(Date.now() - started).toBeLessThan(2500)
      await expect(open(`${base}/loop`)).rejects.toThrow(/redirection/i)
    } finally {
      await server.stop(true)
    }
  }, 30_000)
})

describe('inbox rate limit', () => {
  const saved = () => structuredClone(rookery.ctx.config.rateLimits)
  let original: Config['rateLimits']
  beforeAll(() => { original = saved() })
  afterEach(() => { rookery.ctx.config.rateLimits = original })

  const follow = () => JSON.stringify({
    '@context': 'https://www.w3.org/ns/activitystreams', id: `${raw.baseUrl}/f/${crypto.randomUUID()}`, type: 'Follow',
    actor: raw.actorUri('bob'), object: `${rookery.baseUrl}/users/${alice.account.username}`,
  })
  const inbox = () => `${rookery.baseUrl}/inbox`

  test('per remote address', async () => {
    rookery.ctx.config.rateLimits = { enabled: true, limits: { ...DEFAULT_RATE_LIMITS, inboxIp: { limit: 2, periodSeconds: 60 } } }
    const post = () => fetch(inbox(), { method: 'POST', headers: { 'content-type': 'application/activity+json' }, body: follow() })
    expect((await post()).status).toBe(401)
    expect((await post()).status).toBe(401)
    const limited = await post()
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await limited.json()).toEqual({ error: 'Too many requests' })
    // other requests are not held by it
    expect((await fetch(`${rookery.baseUrl}/users/${alice.account.username}`, { headers: { accept: 'application/activity+json' } })).status).toBe(200)
  }, 30_000)

  test('per signing domain', async () => {
    rookery.ctx.config.rateLimits = { enabled: true, limits: { ...DEFAULT_RATE_LIMITS, inboxDomain: { limit: 2, periodSeconds: 60 } } }
    const statuses = []
    for (let i = 0; i < 3; i++) statuses.push((await fetch(await raw.signed('bob', inbox(), { body: follow() }))).status)
    expect(statuses).toEqual([202, 202, 429])
    // an unsigned delivery from the same address is not in that domain's bucket
    expect((await fetch(inbox(), { method: 'POST', headers: { 'content-type': 'application/activity+json' }, body: follow() })).status).toBe(401)
  }, 30_000)
})

describe('remote names', () => {
  test('a remote actor named like a local account is user@domain and never shadows it', async () => {
    const remote = await lookupRemoteAccount(rookery.ctx, { url: raw.actorUri(alice.account.username) })
    expect(remote).not.toBeNull()
    expect(remote!.id).not.toBe(alice.account.id)
    expect(remote!.username).toBe(alice.account.username)
    expect(remote!.domain).toBe(new URL(raw.baseUrl).host)
    const auth = { authorization: `Bearer ${alice.token}` }
    const shown = await (await fetch(`${rookery.baseUrl}/api/v1/accounts/${remote!.id}`, { headers: auth })).json()
    expect(shown.acct).toBe(`${alice.account.username}@${new URL(raw.baseUrl).host}`)
    const local = await (await fetch(`${rookery.baseUrl}/api/v1/accounts/lookup?acct=${alice.account.username}`, { headers: auth })).json()
    expect(local.id).toBe(alice.account.id)
    expect(local.acct).toBe(alice.account.username)
    const [own] = await rookery.ctx.db.select().from(accounts).where(eq(accounts.id, alice.account.id))
    expect(own.domain).toBeNull()
    expect(own.uri).toBe(`${rookery.baseUrl}/users/${alice.account.username}`)
  }, 30_000)

  test('an actor claiming an id on this instance is not stored as remote', async () => {
    const c = federationContext(rookery.ctx)
    const impostor = new Person({
      id: new URL(`${rookery.baseUrl}/users/impostor`),
      preferredUsername: 'impostor',
      inbox: new URL(`${rookery.baseUrl}/users/impostor/inbox`),
    })
    expect(await storeRemoteActor(c, impostor)).toBeNull()
    const [row] = await rookery.ctx.db.select().from(accounts).where(eq(accounts.username, 'impostor'))
    expect(row).toBeUndefined()
    // and this instance's own URLs are never looked up as remote
    expect(await lookupRemoteAccount(rookery.ctx, { url: `${rookery.baseUrl}/users/${alice.account.username}` })).toBeNull()
    expect(await lookupRemoteAccount(rookery.ctx, { acct: { username: alice.account.username, domain: rookery.ctx.config.domain } })).toBeNull()
  }, 30_000)
})

test('the instance counts the remote domains it knows', async () => {
  const known = async () => {
    const [row] = await rookery.ctx.db.select({ n: sql<number>`count(distinct lower(${accounts.domain}))::int` }).from(accounts).where(isNotNull(accounts.domain))
    return Number(row.n)
  }
  const count = async () => (await (await fetch(`${rookery.baseUrl}/api/v1/instance`)).json()).stats.domain_count
  expect(await count()).toBe(await known())
  const before = await count()
  const other = await startRawActors(['dana'], '127.0.0.8')
  try {
    expect(await lookupRemoteAccount(rookery.ctx, { url: other.actorUri('dana') })).not.toBeNull()
    expect(await count()).toBe(before + 1)
    // a second account on a known domain adds no domain
    expect(await lookupRemoteAccount(rookery.ctx, { url: raw.actorUri('bob') })).not.toBeNull()
    expect(await count()).toBe(before + 1)
  } finally {
    await other.stop()
  }
}, 30_000)
