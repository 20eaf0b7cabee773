// Account moves between Rookery and a server that is not Rookery (a Fedify peer on loopback), both ways: the target
// must list the origin in `alsoKnownAs`, followers who allow it follow the target, every follower is notified.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { Accept, Follow, Move, Person, Update, type Activity } from '@fedify/vocab'
import { accounts } from '../../src/db/schema'
import { makeUser, TEST_PASSWORD, type MadeUser } from '../support/factories'
import { startLiveServer, until, type LiveServer } from '../support/live-server'
import { startPeer, type Peer } from '../support/peer'

const CONTEXT = 'https://www.w3.org/ns/activitystreams'

let rookery: LiveServer
let peer: Peer
let inbox: string
let peerHost: string

const idOn = (name: string, kind: string) => peer.activityId(name, kind)
const actorOf = (name: string) => peer.actorUri(name).href
const uriOf = (user: MadeUser) => `${rookery.baseUrl}/users/${user.account.username}`
const deliver = (json: unknown, as: string) => peer.sendJson(json, inbox, as)

async function lookup(user: MadeUser, name: string): Promise<string> {
  const found = await rookery.api(user, 'GET', `/api/v2/search?q=${encodeURIComponent(`@${name}@${peerHost}`)}&resolve=true&type=accounts`)
  return found.body.accounts[0].id
}

/** The local `user` follows `name` on the peer, accepted. */
async function followsPeer(user: MadeUser, name: string): Promise<string> {
  const id = await lookup(user, name)
  await rookery.api(user, 'POST', `/api/v1/accounts/${id}/follow`)
  const follow = await peer.waitFor((a: Activity): a is Follow => a instanceof Follow && a.objectId?.href === actorOf(name) && a.actorId?.href === uriOf(user))
  const actor = await peer.context().lookupObject(uriOf(user))
  await peer.send(new Accept({ id: new URL(idOn(name, 'accepts')), actor: peer.actorUri(name), object: follow }), actor as any, name)
  await until(async () => (await rookery.api(user, 'GET', `/api/v1/accounts/relationships?id[]=${id}`)).body[0]?.following)
  return id
}

const moveNotes = async (user: MadeUser) => (await rookery.api(user, 'GET', '/api/v1/notifications?types[]=move')).body as any[]
const followOf = (user: MadeUser, name: string) => (a: Activity): a is Follow =>
  a instanceof Follow && a.actorId?.href === uriOf(user) && a.objectId?.href === actorOf(name)

beforeAll(async () => {
  rookery = await startLiveServer({ federation: { allowPrivate: true } })
  peer = await startPeer(['bob', 'dora', 'eve', 'newbob', 'newalice'])
  peerHost = new URL(peer.baseUrl).host
  inbox = `${rookery.baseUrl}/inbox`
}, 90_000)

afterAll(async () => {
  await peer?.stop()
  await rookery?.stop()
}, 60_000)

describe('outgoing', () => {
  test('moving to a remote account that lists us sends Move and the profile naming the target to remote followers and moves local ones that allow it', async () => {
    const alice = await makeUser(rookery.ctx)
    const carol = await makeUser(rookery.ctx)
    const dave = await makeUser(rookery.ctx, { user: { allowFollowingMove: false } })
    // bob on the peer follows alice
    await peer.follow('bob', uriOf(alice))
    for (const user of [carol, dave]) expect((await rookery.api(user, 'POST', `/api/v1/accounts/${alice.account.id}/follow`)).status).toBe(200)

    const refused = await rookery.api(alice, 'POST', '/api/pleroma/move_account', { password: TEST_PASSWORD, target_account: `dora@${peerHost}` })
    expect(refused.body).toEqual({ error: 'Target account must have the origin in `alsoKnownAs`' })

    peer.alsoKnownAs('newalice', [uriOf(alice)])
    const res = await rookery.api(alice, 'POST', '/api/pleroma/move_account', { password: TEST_PASSWORD, target_account: `newalice@${peerHost}` })
    expect(res.body).toEqual({ status: 'success' })
    const move = await peer.waitFor((a): a is Move => a instanceof Move && a.actorId?.href === uriOf(alice))
    expect(move.objectId?.href).toBe(uriOf(alice))
    expect(move.targetId?.href).toBe(actorOf('newalice'))
    const update = await peer.waitFor((a): a is Update => a instanceof Update && a.actorId?.href === uriOf(alice))
    const profile = await update.getObject()
    expect(profile).toBeInstanceOf(Person)
    expect((profile as Person).successorId?.href).toBe(actorOf('newalice'))

    await peer.waitFor(followOf(carol, 'newalice'))
    for (const user of [carol, dave]) await until(async () => (await moveNotes(user)).find((n) => n.account.id === alice.account.id))
    const note = (await moveNotes(carol)).find((n) => n.account.id === alice.account.id)
    expect(note.target.acct).toBe(`newalice@${peerHost}`)
    await Bun.sleep(500)
    expect(peer.received.some(followOf(dave, 'newalice'))).toBe(false)
    expect((await rookery.api(alice, 'GET', `/api/v1/accounts/${alice.account.id}`)).body.moved?.acct).toBe(`newalice@${peerHost}`)
  }, 90_000)

  test('remote aliases: added by address, listed, removed', async () => {
    const user = await makeUser(rookery.ctx)
    expect((await rookery.api(user, 'PUT', '/api/pleroma/aliases', { alias: `dora@${peerHost}` })).body).toEqual({ status: 'success' })
    expect((await rookery.api(user, 'GET', '/api/pleroma/aliases')).body).toEqual({ aliases: [`dora@${peerHost}`] })
    expect((await rookery.api(user, 'GET', '/api/v1/accounts/verify_credentials')).body.pleroma.also_known_as).toEqual([actorOf('dora')])
    expect((await rookery.api(user, 'PUT', '/api/pleroma/aliases', { alias: `nobody@${peerHost}` })).status).toBe(404)
    expect((await rookery.api(user, 'DELETE', '/api/pleroma/aliases', { alias: `dora@${peerHost}` })).body).toEqual({ status: 'success' })
    expect((await rookery.api(user, 'GET', '/api/pleroma/aliases')).body).toEqual({ aliases: [] })
  }, 30_000)
})

describe('incoming', () => {
  test('a Move whose target lists the origin moves local followers that allow it and notifies all', async () => {
    const erin = await makeUser(rookery.ctx)
    const fay = await makeUser(rookery.ctx, { user: { allowFollowingMove: false } })
    const bobId = await followsPeer(erin, 'bob')
    await followsPeer(fay, 'bob')
    peer.alsoKnownAs('newbob', [actorOf('bob')])
    const move = { '@context': CONTEXT, id: idOn('bob', 'moves'), type: 'Move', actor: actorOf('bob'), object: actorOf('bob'), target: actorOf('newbob') }
    expect((await deliver(move, 'bob')).status).toBeLessThan(300)
    await peer.waitFor(followOf(erin, 'newbob'))
    for (const user of [erin, fay]) await until(async () => (await moveNotes(user)).find((n) => n.account.id === bobId))
    const rel = (await rookery.api(erin, 'GET', `/api/v1/accounts/relationships?id[]=${bobId}`)).body[0]
    expect(rel.following).toBe(false)
    expect((await rookery.api(fay, 'GET', `/api/v1/accounts/relationships?id[]=${bobId}`)).body[0].following).toBe(true)
    const [bob] = await rookery.ctx.db.select().from(accounts).where(eq(accounts.id, bobId))
    expect(bob.movedToId).not.toBeNull()
    expect(peer.received.some(followOf(fay, 'newbob'))).toBe(false)
  }, 90_000)

  test('refused: a Move whose target does not list the origin, and one moving another actor', async () => {
    const gil = await makeUser(rookery.ctx)
    const eveId = await followsPeer(gil, 'eve')
    expect((await deliver({ '@context': CONTEXT, id: idOn('eve', 'moves'), type: 'Move', actor: actorOf('eve'), object: actorOf('eve'), target: actorOf('dora') }, 'eve')).status).toBeLessThan(300)
    expect((await deliver({ '@context': CONTEXT, id: idOn('eve', 'moves'), type: 'Move', actor: actorOf('eve'), object: actorOf('dora'), target: actorOf('eve') }, 'eve')).status).toBeLessThan(300)
    // settled: a Move that is believed, after the two above, arrives and is handled
    peer.alsoKnownAs('newbob', [actorOf('bob'), actorOf('dora')])
    const doraId = await followsPeer(gil, 'dora')
    expect((await deliver({ '@context': CONTEXT, id: idOn('dora', 'moves'), type: 'Move', actor: actorOf('dora'), object: actorOf('dora'), target: actorOf('newbob') }, 'dora')).status).toBeLessThan(300)
    await until(async () => (await moveNotes(gil)).find((n) => n.account.id === doraId))
    await Bun.sleep(500)
    expect((await moveNotes(gil)).some((n) => n.account.id === eveId)).toBe(false)
    const [eve] = await rookery.ctx.db.select().from(accounts).where(eq(accounts.id, eveId))
    expect(eve.movedToId).toBeNull()
    expect((await rookery.api(gil, 'GET', `/api/v1/accounts/relationships?id[]=${eveId}`)).body[0].following).toBe(true)
  }, 90_000)
})
