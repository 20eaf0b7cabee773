// Looking up and following accounts of a server that is not Rookery (a Fedify peer on loopback), over the client API.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { Accept, Follow, Reject, Undo, type Activity, type Recipient } from '@fedify/vocab'
import { accounts, remoteActors } from '../../src/db/schema'
import { makeUser, type MadeUser } from '../support/factories'
import { startLiveServer, until, type LiveServer } from '../support/live-server'
import { startPeer, type Peer } from '../support/peer'

let rookery: LiveServer
let peer: Peer
let peerHost: string

beforeAll(async () => {
  rookery = await startLiveServer({ federation: { allowPrivate: true } })
  peer = await startPeer(['bob', 'dora', 'ivan', 'june', 'kim'])
  peerHost = new URL(peer.baseUrl).host
}, 60_000)

afterAll(async () => {
  await peer?.stop()
  await rookery?.stop()
}, 60_000)

async function recipientOf(user: MadeUser): Promise<Recipient> {
  const actor = await peer.context().lookupObject(`${rookery.baseUrl}/users/${user.account.username}`)
  expect(actor?.id?.href).toBe(`${rookery.baseUrl}/users/${user.account.username}`)
  return actor as unknown as Recipient
}

const followFrom = (user: MadeUser, name: string) => (a: Activity): a is Follow =>
  a instanceof Follow && a.actorId?.href === `${rookery.baseUrl}/users/${user.account.username}` && a.objectId?.href === peer.actorUri(name).href

/** Resolves `name@peer` through search and returns its account id here. */
async function resolve(user: MadeUser, name: string): Promise<string> {
  const { status, body } = await rookery.api(user, 'GET', `/api/v2/search?q=${encodeURIComponent(`@${name}@${peerHost}`)}&resolve=true&type=accounts`)
  expect(status).toBe(200)
  expect(body.accounts.map((a: { acct: string }) => a.acct)).toEqual([`${name}@${peerHost}`])
  return body.accounts[0].id
}

const relationship = async (user: MadeUser, id: string) => (await rookery.api(user, 'GET', `/api/v1/accounts/relationships?id[]=${id}`)).body[0]

describe('remote account lookup', () => {
  test('search with resolve finds @user@domain through WebFinger and stores the actor', async () => {
    const alice = await makeUser(rookery.ctx)
    const id = await resolve(alice, 'bob')
    const [row] = await rookery.ctx.db.select().from(accounts).innerJoin(remoteActors, eq(remoteActors.accountId, accounts.id))
      .where(eq(accounts.id, id))
    expect(row.accounts).toMatchObject({ username: 'bob', domain: peerHost, uri: peer.actorUri('bob').href, displayName: 'Peer bob' })
    expect(row.remote_actors.inboxUrl).toBe(`${peer.baseUrl}/users/bob/inbox`)
    // a second search finds the same account
    expect(await resolve(alice, 'bob')).toBe(id)
  }, 60_000)

  test('search with resolve finds an actor by its URL; an unknown one is not found', async () => {
    const alice = await makeUser(rookery.ctx)
    const byUrl = await rookery.api(alice, 'GET', `/api/v2/search?q=${encodeURIComponent(peer.actorUri('dora').href)}&resolve=true`)
    expect(byUrl.status).toBe(200)
    expect(byUrl.body.accounts.map((a: { acct: string }) => a.acct)).toEqual([`dora@${peerHost}`])
    const missing = await rookery.api(alice, 'GET', `/api/v2/search?q=${encodeURIComponent(`@nobody@${peerHost}`)}&resolve=true`)
    expect(missing.status).toBe(200)
    expect(missing.body.accounts).toEqual([])
  }, 60_000)

  test('resolving needs a signed-in user', async () => {
    const res = await rookery.api(null, 'GET', `/api/v2/search?q=${encodeURIComponent(`@ivan@${peerHost}`)}&resolve=true`)
    expect(res.status).toBe(401)
    expect(res.body.error).toBeString()
    const lookup = await rookery.api(null, 'GET', `/api/v1/accounts/lookup?acct=ivan@${peerHost}`)
    expect(lookup.status).toBe(404)
  }, 60_000)

  test('accounts/lookup resolves a remote address for a signed-in user', async () => {
    const alice = await makeUser(rookery.ctx)
    const res = await rookery.api(alice, 'GET', `/api/v1/accounts/lookup?acct=${encodeURIComponent(`ivan@${peerHost}`)}`)
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ username: 'ivan', acct: `ivan@${peerHost}` })
    const missing = await rookery.api(alice, 'GET', `/api/v1/accounts/lookup?acct=${encodeURIComponent(`nobody@${peerHost}`)}`)
    expect(missing.status).toBe(404)
  }, 60_000)
})

describe('a local account follows a remote one', () => {
  test('the follow is requested until the peer accepts; unfollowing sends an Undo', async () => {
    const alice = await makeUser(rookery.ctx)
    const bobId = await resolve(alice, 'bob')
    const followed = await rookery.api(alice, 'POST', `/api/v1/accounts/${bobId}/follow`)
    expect(followed.status).toBe(200)
    expect(followed.body).toMatchObject({ id: bobId, following: false, requested: true })

    const follow = await peer.waitFor(followFrom(alice, 'bob'))
    expect(follow.id?.href).toStartWith(`${rookery.baseUrl}/`)
    const to = await recipientOf(alice)
    await peer.send(new Accept({ id: new URL(`${peer.baseUrl}/accepts/${Date.now()}`), actor: peer.actorUri('bob'), object: follow }), to)

    const rel = await until(async () => {
      const r = await relationship(alice, bobId)
      return r.following && r
    })
    expect(rel).toMatchObject({ following: true, requested: false })
    const [me] = await rookery.ctx.db.select().from(accounts).where(eq(accounts.id, alice.account.id))
    expect(me.followingCount).toBe(1)

    const unfollowed = await rookery.api(alice, 'POST', `/api/v1/accounts/${bobId}/unfollow`)
    expect(unfollowed.body).toMatchObject({ following: false, requested: false })
    const undo = await peer.waitFor((a): a is Undo => a instanceof Undo && a.actorId?.href === follow.actorId?.href)
    const undone = await undo.getObject(peer.context())
    expect(undone).toBeInstanceOf(Follow)
    expect(undone?.id?.href).toBe(follow.id!.href)
  }, 90_000)

  test('a Reject (by the Follow id only) ends the request', async () => {
    const carol = await makeUser(rookery.ctx)
    const doraId = await resolve(carol, 'dora')
    expect((await rookery.api(carol, 'POST', `/api/v1/accounts/${doraId}/follow`)).body.requested).toBe(true)
    const follow = await peer.waitFor(followFrom(carol, 'dora'))
    const to = await recipientOf(carol)
    await peer.send(new Reject({ id: new URL(`${peer.baseUrl}/rejects/${Date.now()}`), actor: peer.actorUri('dora'), object: follow.id }), to, 'dora')
    const rel = await until(async () => {
      const r = await relationship(carol, doraId)
      return !r.requested && r
    })
    expect(rel).toMatchObject({ following: false, requested: false })
  }, 90_000)

  test('an Accept embedding a Follow with an id of its own is matched by the follower', async () => {
    const grace = await makeUser(rookery.ctx)
    const doraId = await resolve(grace, 'dora')
    await rookery.api(grace, 'POST', `/api/v1/accounts/${doraId}/follow`)
    const follow = await peer.waitFor(followFrom(grace, 'dora'))
    const to = await recipientOf(grace)
    const restated = new Follow({ id: new URL(`${peer.baseUrl}/restated/${Date.now()}`), actor: follow.actorId, object: peer.actorUri('dora') })
    await peer.send(new Accept({ id: new URL(`${peer.baseUrl}/accepts/${Date.now()}`), actor: peer.actorUri('dora'), object: restated }), to, 'dora')
    const rel = await until(async () => {
      const r = await relationship(grace, doraId)
      return r.following && r
    })
    expect(rel).toMatchObject({ following: true, requested: false })
  }, 90_000)

  test('an Accept from an account other than the followed one changes nothing', async () => {
    const erin = await makeUser(rookery.ctx)
    const juneId = await resolve(erin, 'june')
    await rookery.api(erin, 'POST', `/api/v1/accounts/${juneId}/follow`)
    const follow = await peer.waitFor(followFrom(erin, 'june'))
    const to = await recipientOf(erin)
    await peer.send(new Accept({ id: new URL(`${peer.baseUrl}/accepts/forged-${Date.now()}`), actor: peer.actorUri('ivan'), object: follow }), to, 'ivan')
    await Bun.sleep(3000) // longer than a queue poll
    expect(await relationship(erin, juneId)).toMatchObject({ following: false, requested: true })
  }, 90_000)

  test('blocking a remote account undoes the follow both ways over the wire', async () => {
    const hugo = await makeUser(rookery.ctx)
    const ivanId = await resolve(hugo, 'ivan')
    await rookery.api(hugo, 'POST', `/api/v1/accounts/${ivanId}/follow`)
    const ours = await peer.waitFor(followFrom(hugo, 'ivan'))
    const to = await recipientOf(hugo)
    await peer.send(new Accept({ id: new URL(`${peer.baseUrl}/accepts/${Date.now()}`), actor: peer.actorUri('ivan'), object: ours }), to, 'ivan')
    const theirs = new URL(`${peer.baseUrl}/users/ivan/follows/${Date.now()}`)
    await peer.send(new Follow({ id: theirs, actor: peer.actorUri('ivan'), object: to.id }), to, 'ivan')
    await until(async () => {
      const r = await relationship(hugo, ivanId)
      return r.following && r.followed_by
    })

    const blocked = await rookery.api(hugo, 'POST', `/api/v1/accounts/${ivanId}/block`)
    expect(blocked.body).toMatchObject({ blocking: true, following: false, followed_by: false })
    const undo = await peer.waitFor((a): a is Undo => a instanceof Undo && a.actorId?.href === ours.actorId?.href)
    expect((await undo.getObject(peer.context()))?.id?.href).toBe(ours.id!.href)
    await peer.waitFor((a): a is Reject => a instanceof Reject && a.objectId?.href === theirs.href)
  }, 90_000)

  test('following needs a token with the follow scope and a known account', async () => {
    const frank = await makeUser(rookery.ctx)
    const bobId = await resolve(frank, 'bob')
    expect((await rookery.api(null, 'POST', `/api/v1/accounts/${bobId}/follow`)).status).toBe(401)
    const readOnly = await makeUser(rookery.ctx, { scopes: ['read'] })
    expect((await rookery.api(readOnly, 'POST', `/api/v1/accounts/${bobId}/follow`)).status).toBe(403)
    expect((await rookery.api(frank, 'POST', '/api/v1/accounts/000000000000000000/follow')).status).toBe(404)
  }, 60_000)
})

describe('without federation.allowPrivate', () => {
  let closed: LiveServer
  beforeAll(async () => {
    closed = await startLiveServer()
  }, 60_000)
  afterAll(async () => {
    await closed?.stop()
  }, 60_000)

  test('an account on a private address is not looked up, by URL or address', async () => {
    const gina = await makeUser(closed.ctx)
    const res = await fetch(`${closed.baseUrl}/api/v2/search?q=${encodeURIComponent(peer.actorUri('kim').href)}&resolve=true`, {
      headers: { authorization: `Bearer ${gina.token}` },
    })
    expect(res.status).toBe(200)
    expect((await res.json() as { accounts: unknown[] }).accounts).toEqual([])
    const lookup = await fetch(`${closed.baseUrl}/api/v1/accounts/lookup?acct=${encodeURIComponent(`kim@${peerHost}`)}`, {
      headers: { authorization: `Bearer ${gina.token}` },
    })
    expect(lookup.status).toBe(404)
  }, 60_000)
})
