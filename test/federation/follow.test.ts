// Follows from a server that is not Rookery (a Fedify peer on loopback), signed and verified for real.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import { Accept, Follow, Reject, Undo, type Activity, type Recipient } from '@fedify/vocab'
import { accounts, followRequests, follows, remoteActors } from '../../src/db/schema'
import { makeUser, type MadeUser } from '../support/factories'
import { startLiveServer, until, type LiveServer } from '../support/live-server'
import { startPeer, type Peer } from '../support/peer'

let rookery: LiveServer
let peer: Peer

beforeAll(async () => {
  rookery = await startLiveServer({ federation: { allowPrivate: true } })
  peer = await startPeer(['bob', 'dora'])
}, 60_000)

afterAll(async () => {
  await peer?.stop()
  await rookery?.stop()
}, 60_000)

let seq = 0
const followId = (name: string) => new URL(`${peer.baseUrl}/users/${name}/follows/${Date.now()}-${++seq}`)

async function recipientOf(user: MadeUser): Promise<Recipient> {
  const actor = await peer.context().lookupObject(`${rookery.baseUrl}/users/${user.account.username}`)
  expect(actor?.id?.href).toBe(`${rookery.baseUrl}/users/${user.account.username}`)
  return actor as unknown as Recipient
}

const answerTo = <T extends typeof Accept | typeof Reject>(Type: T, id: URL) =>
  (a: Activity): a is InstanceType<T> => a instanceof Type && a.objectId?.href === id.href

async function followRow(followerUri: string, targetId: string) {
  const [row] = await rookery.ctx.db.select({ uri: follows.uri }).from(follows)
    .innerJoin(accounts, eq(accounts.id, follows.accountId))
    .where(and(eq(accounts.uri, followerUri), eq(follows.targetAccountId, targetId)))
  return row
}

describe('a remote account follows a local one', () => {
  test('an unlocked account is followed at once and the peer gets an Accept; Undo ends it', async () => {
    const alice = await makeUser(rookery.ctx)
    const to = await recipientOf(alice)
    const id = followId('bob')
    await peer.send(new Follow({ id, actor: peer.actorUri('bob'), object: to.id }), to)

    const accept = await peer.waitFor(answerTo(Accept, id))
    expect(accept.actorId?.href).toBe(`${rookery.baseUrl}/users/${alice.account.username}`)
    const row = await followRow(peer.actorUri('bob').href, alice.account.id)
    expect(row.uri).toBe(id.href)

    // bob is stored as a remote account with his inbox
    const [bob] = await rookery.ctx.db.select().from(accounts).innerJoin(remoteActors, eq(remoteActors.accountId, accounts.id))
      .where(eq(accounts.uri, peer.actorUri('bob').href))
    expect(bob.accounts).toMatchObject({ username: 'bob', domain: new URL(peer.baseUrl).host, displayName: 'Peer bob' })
    expect(bob.remote_actors.inboxUrl).toBe(`${peer.baseUrl}/users/bob/inbox`)

    // and is listed among alice's followers
    const followers = await fetch(`${rookery.baseUrl}/users/${alice.account.username}/followers?cursor=`, { headers: { accept: 'application/activity+json' } })
    expect(JSON.stringify(await followers.json())).toContain(peer.actorUri('bob').href)

    await peer.send(new Undo({
      id: new URL(`${id.href}/undo`), actor: peer.actorUri('bob'),
      object: new Follow({ id, actor: peer.actorUri('bob'), object: to.id }),
    }), to)
    await until(async () => !(await followRow(peer.actorUri('bob').href, alice.account.id)))
    const [after] = await rookery.ctx.db.select().from(accounts).where(eq(accounts.id, alice.account.id))
    expect(after.followersCount).toBe(0)
  }, 90_000)

  test('a locked account gets a request; authorizing it over the API sends the Accept', async () => {
    const carol = await makeUser(rookery.ctx, { account: { locked: true } })
    const to = await recipientOf(carol)
    const id = followId('bob')
    await peer.send(new Follow({ id, actor: peer.actorUri('bob'), object: to.id }), to)

    const request = await until(async () => {
      const [r] = await rookery.ctx.db.select().from(followRequests).where(eq(followRequests.targetAccountId, carol.account.id))
      return r
    })
    expect(request.uri).toBe(id.href)
    expect(await followRow(peer.actorUri('bob').href, carol.account.id)).toBeUndefined()

    const listed = await fetch(`${rookery.baseUrl}/api/v1/follow_requests`, { headers: { authorization: `Bearer ${carol.token}` } })
    const requesters = await listed.json() as { id: string; acct: string }[]
    expect(requesters.map((a) => a.acct)).toEqual([`bob@${new URL(peer.baseUrl).host}`])

    const res = await fetch(`${rookery.baseUrl}/api/v1/follow_requests/${requesters[0].id}/authorize`, {
      method: 'POST', headers: { authorization: `Bearer ${carol.token}` },
    })
    expect(res.status).toBe(200)
    await peer.waitFor(answerTo(Accept, id))
    expect((await followRow(peer.actorUri('bob').href, carol.account.id))?.uri).toBe(id.href)
  }, 90_000)

  test('rejecting a request sends a Reject; someone else cannot reject it', async () => {
    const erin = await makeUser(rookery.ctx, { account: { locked: true } })
    const mallory = await makeUser(rookery.ctx)
    const to = await recipientOf(erin)
    const id = followId('dora')
    await peer.send(new Follow({ id, actor: peer.actorUri('dora'), object: to.id }), to, 'dora')
    const request = await until(async () => {
      const [r] = await rookery.ctx.db.select().from(followRequests).where(eq(followRequests.targetAccountId, erin.account.id))
      return r
    })
    const denied = await fetch(`${rookery.baseUrl}/api/v1/follow_requests/${request.accountId}/reject`, {
      method: 'POST', headers: { authorization: `Bearer ${mallory.token}` },
    })
    expect(denied.status).toBe(404)
    const res = await fetch(`${rookery.baseUrl}/api/v1/follow_requests/${request.accountId}/reject`, {
      method: 'POST', headers: { authorization: `Bearer ${erin.token}` },
    })
    expect(res.status).toBe(200)
    await peer.waitFor(answerTo(Reject, id))
    expect(peer.received.some(answerTo(Accept, id))).toBe(false)
  }, 90_000)

  test('removing a remote follower sends it a Reject of its Follow', async () => {
    const ivy = await makeUser(rookery.ctx)
    const to = await recipientOf(ivy)
    const id = followId('dora')
    await peer.send(new Follow({ id, actor: peer.actorUri('dora'), object: to.id }), to, 'dora')
    await peer.waitFor(answerTo(Accept, id))
    const [dora] = await rookery.ctx.db.select().from(accounts).where(eq(accounts.uri, peer.actorUri('dora').href))
    const res = await fetch(`${rookery.baseUrl}/api/v1/accounts/${dora.id}/remove_from_followers`, {
      method: 'POST', headers: { authorization: `Bearer ${ivy.token}` },
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ id: dora.id, followed_by: false })
    const reject = await peer.waitFor(answerTo(Reject, id))
    expect(reject.actorId?.href).toBe(`${rookery.baseUrl}/users/${ivy.account.username}`)
    expect(await followRow(peer.actorUri('dora').href, ivy.account.id)).toBeUndefined()
  }, 90_000)

  test('an Undo by someone other than the follower changes nothing', async () => {
    const frank = await makeUser(rookery.ctx)
    const to = await recipientOf(frank)
    const id = followId('bob')
    await peer.send(new Follow({ id, actor: peer.actorUri('bob'), object: to.id }), to)
    await peer.waitFor(answerTo(Accept, id))
    await peer.send(new Undo({
      id: new URL(`${id.href}/undo-by-dora`), actor: peer.actorUri('dora'),
      object: new Follow({ id, actor: peer.actorUri('bob'), object: to.id }),
    }), to, 'dora')
    await Bun.sleep(3000) // longer than a queue poll
    expect(await followRow(peer.actorUri('bob').href, frank.account.id)).toBeDefined()
  }, 90_000)
})

describe('without federation.allowPrivate', () => {
  let closed: LiveServer
  let stranger: Peer // an actor whose key no instance on this database has fetched yet
  beforeAll(async () => {
    closed = await startLiveServer()
    stranger = await startPeer(['hank'])
  }, 60_000)
  afterAll(async () => {
    await stranger?.stop()
    await closed?.stop()
  }, 60_000)

  test('an actor on a private address is not fetched, so its signed Follow is refused', async () => {
    const gina = await makeUser(closed.ctx)
    const target = new URL(`${closed.baseUrl}/users/${gina.account.username}`)
    const to: Recipient = { id: target, inboxId: new URL(`${target.href}/inbox`), endpoints: null }
    const follow = new Follow({ id: new URL(`${stranger.baseUrl}/follows/1`), actor: stranger.actorUri('hank'), object: target })
    await expect(stranger.send(follow, to, 'hank')).rejects.toThrow(/401/)
    await Bun.sleep(2500) // longer than a queue poll: nothing was queued either
    const [r] = await closed.ctx.db.select().from(followRequests).where(eq(followRequests.targetAccountId, gina.account.id))
    expect(r).toBeUndefined()
    expect(await followRow(stranger.actorUri('hank').href, gina.account.id)).toBeUndefined()
  }, 60_000)
})
