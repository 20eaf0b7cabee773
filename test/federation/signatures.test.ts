// Inbox POSTs must carry a valid signature of their actor's key; outgoing requests are signed with draft-cavage first;
// authorized-fetch mode and suspended domains.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import { accounts, follows } from '../../src/db/schema'
import { blockDomain, domainCandidates, isDomainSuspended, unblockDomain } from '../../src/core/instance/domain-blocks'
import { makeUser, type MadeUser } from '../support/factories'
import { startLiveServer, until, type LiveServer } from '../support/live-server'
import { startRawActors, type RawActors } from '../support/raw-actor'

const AP = 'application/activity+json'
let rookery: LiveServer
let remote: RawActors
let suspended: RawActors
let alice: MadeUser

beforeAll(async () => {
  rookery = await startLiveServer({ federation: { allowPrivate: true } })
  remote = await startRawActors(['bob', 'dora'], '127.0.0.5')
  suspended = await startRawActors(['eve'], '127.0.0.6')
  alice = await makeUser(rookery.ctx)
}, 60_000)

afterAll(async () => {
  await remote?.stop()
  await suspended?.stop()
  await rookery?.stop()
}, 60_000)

afterEach(() => {
  rookery.ctx.config.federation.authorizedFetch = false
})

let seq = 0
const actorUrl = () => `${rookery.baseUrl}/users/${alice.account.username}`
const inboxUrl = () => `${actorUrl()}/inbox`
const follow = (from: RawActors, name: string, object = actorUrl()) => JSON.stringify({
  '@context': 'https://www.w3.org/ns/activitystreams',
  id: `${from.baseUrl}/follows/${Date.now()}-${++seq}`,
  type: 'Follow',
  actor: from.actorUri(name),
  object,
})

async function storedAccount(uri: string) {
  const [row] = await rookery.ctx.db.select().from(accounts).where(eq(accounts.uri, uri))
  return row
}

async function followOf(uri: string) {
  const [row] = await rookery.ctx.db.select({ id: follows.id }).from(follows)
    .innerJoin(accounts, eq(accounts.id, follows.accountId))
    .where(and(eq(accounts.uri, uri), eq(follows.targetAccountId, alice.account.id)))
  return row
}

describe('inbox signatures', () => {
  test('an unsigned activity is refused and nothing is stored', async () => {
    const res = await fetch(inboxUrl(), { method: 'POST', headers: { 'content-type': AP }, body: follow(remote, 'dora') })
    expect(res.status).toBe(401)
    await Bun.sleep(300)
    expect(await storedAccount(remote.actorUri('dora'))).toBeUndefined()
    expect(await followOf(remote.actorUri('dora'))).toBeUndefined()
  }, 30_000)

  test('an activity signed by a key that is not its actor\'s is refused', async () => {
    // dora's Follow, signed with bob's (valid, fetchable) key
    const res = await fetch(await remote.signed('bob', inboxUrl(), { body: follow(remote, 'dora') }))
    expect(res.status).toBe(401)
    await Bun.sleep(300)
    expect(await storedAccount(remote.actorUri('dora'))).toBeUndefined()
    expect(await followOf(remote.actorUri('dora'))).toBeUndefined()
  }, 30_000)

  test('a body changed after signing is refused', async () => {
    const signed = await remote.signed('dora', inboxUrl(), { body: follow(remote, 'dora', `${rookery.baseUrl}/users/nobody`) })
    const tampered = new Request(signed.url, { method: 'POST', headers: signed.headers, body: follow(remote, 'dora') })
    const res = await fetch(tampered)
    expect(res.status).toBe(401)
    await Bun.sleep(300)
    expect(await followOf(remote.actorUri('dora'))).toBeUndefined()
  }, 30_000)

  test('a correctly signed Follow is taken, and the Accept goes out signed with draft-cavage first', async () => {
    const res = await fetch(await remote.signed('bob', inboxUrl(), { body: follow(remote, 'bob') }))
    expect(res.status).toBe(202)
    await until(() => followOf(remote.actorUri('bob')))
    const accept = await until(async () => remote.received.find((r) => r.method === 'POST' && r.path === '/users/bob/inbox'))
    expect(JSON.parse(accept.body).type).toBe('Accept')
    const signature = accept.headers.get('signature') ?? ''
    expect(signature).toContain(`keyId="${actorUrl()}#main-key"`)
    expect(signature).toMatch(/headers="\(request-target\) [^"]*digest[^"]*"/)
    expect(accept.headers.get('signature-input')).toBeNull()
    expect(accept.headers.get('digest') ?? '').toStartWith('SHA-256=')
  }, 60_000)
})

describe('authorized fetch', () => {
  const get = (url: string) => fetch(url, { headers: { accept: AP } })

  test('off: actors and collections answer unsigned requests', async () => {
    const actor = await get(actorUrl())
    expect(actor.status).toBe(200)
    expect((await actor.json()).followers).toBe(`${actorUrl()}/followers`)
    expect((await get(`${actorUrl()}/followers`)).status).toBe(200)
    expect((await get(`${actorUrl()}/outbox`)).status).toBe(200)
  }, 30_000)

  test('on: an unsigned request gets an actor\'s key only, and no collection', async () => {
    rookery.ctx.config.federation.authorizedFetch = true
    const actor = await get(actorUrl())
    expect(actor.status).toBe(200)
    const json = await actor.json()
    expect(json.publicKey.id).toBe(`${actorUrl()}#main-key`)
    expect(json.publicKey.publicKeyPem).toContain('BEGIN PUBLIC KEY')
    expect(json.inbox).toBe(inboxUrl())
    expect(json.followers).toBeUndefined()
    expect(json.outbox).toBeUndefined()
    for (const c of ['followers', 'following', 'outbox']) expect((await get(`${actorUrl()}/${c}`)).status).toBe(401)
    // the instance actor, which signs this instance's own fetches, stays readable
    const instance = await get(`${rookery.baseUrl}/actor`)
    expect(instance.status).toBe(200)
    expect((await instance.json()).type).toBe('Application')
  }, 30_000)

  test('on: a signed request sees everything', async () => {
    rookery.ctx.config.federation.authorizedFetch = true
    const actor = await fetch(await remote.signed('bob', actorUrl(), {}))
    expect(actor.status).toBe(200)
    expect((await actor.json()).followers).toBe(`${actorUrl()}/followers`)
    expect((await fetch(await remote.signed('bob', `${actorUrl()}/followers`, {}))).status).toBe(200)
    expect((await fetch(await remote.signed('bob', `${actorUrl()}/outbox`, {}))).status).toBe(200)
    // a signature that does not verify is no signature
    const signed = await remote.signed('bob', `${actorUrl()}/following`, {})
    const forged = new Request(signed.url, { headers: { ...Object.fromEntries(signed.headers), signature: signed.headers.get('signature')!.replace(/signature="[^"]+"/, 'signature="AAAA"') } })
    expect((await fetch(forged)).status).toBe(401)
  }, 30_000)

  test('a suspended domain gets nothing and its activities are dropped', async () => {
    await blockDomain(rookery.ctx, '127.0.0.6')
    try {
      expect(await isDomainSuspended(rookery.ctx, new URL(suspended.baseUrl).host)).toBe(true)
      rookery.ctx.config.federation.authorizedFetch = true
      expect((await fetch(await suspended.signed('eve', actorUrl(), {}))).status).toBe(403)
      expect((await fetch(await suspended.signed('eve', `${actorUrl()}/followers`, {}))).status).toBe(403)
      rookery.ctx.config.federation.authorizedFetch = false
      const posted = await fetch(await suspended.signed('eve', inboxUrl(), { body: follow(suspended, 'eve') }))
      expect(posted.status).toBe(403)
      // unsigned, claiming a suspended actor: refused before anything is fetched from it
      const unsigned = await fetch(inboxUrl(), { method: 'POST', headers: { 'content-type': AP }, body: follow(suspended, 'eve') })
      expect(unsigned.status).toBe(403)
      await Bun.sleep(300)
      // nothing was ever fetched from the suspended server, nor sent to it
      expect(suspended.received).toEqual([])
      expect(await storedAccount(suspended.actorUri('eve'))).toBeUndefined()
      expect(await followOf(suspended.actorUri('eve'))).toBeUndefined()
    } finally {
      await unblockDomain(rookery.ctx, '127.0.0.6')
    }
  }, 30_000)
})

test('a block covers the domain and its subdomains, with or without a port', () => {
  expect(domainCandidates('a.b.Example.org:8443')).toEqual(['a.b.example.org:8443', 'a.b.example.org', 'b.example.org', 'example.org'])
  expect(domainCandidates('127.0.0.6:1234')).toEqual(['127.0.0.6:1234', '127.0.0.6'])
  expect(domainCandidates('localhost')).toEqual(['localhost'])
})
