// Favourites (Like), reblogs (Announce) and profile changes (Update of the actor) between Rookery and a server that
// is not Rookery (a Fedify peer on loopback), both ways, with the refusals.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import { Accept, Announce, Follow, Like, Person, PUBLIC_COLLECTION, Undo, Update, type Activity } from '@fedify/vocab'
import { favourites, statusReactions, statuses } from '../../src/db/schema'
import { makeUser, type MadeUser } from '../support/factories'
import { startLiveServer, until, type LiveServer } from '../support/live-server'
import { startPeer, type Peer } from '../support/peer'

const PUBLIC = 'https://www.w3.org/ns/activitystreams#Public'
const CONTEXT = ['https://www.w3.org/ns/activitystreams', { misskey: 'https://misskey-hub.net/ns#', _misskey_reaction: 'misskey:_misskey_reaction' }]

let rookery: LiveServer
/** bob follows alice; dora does not; eve tries to act for others */
let peer: Peer
let alice: MadeUser
/** follows bob */
let carol: MadeUser
let aliceUri: string
let inbox: string
let bobUri: string
let seq = 0

const idOn = (name: string, kind: string) => peer.activityId(name, kind)
const actorOf = (name: string) => peer.actorUri(name).href

const likeJson = (name: string, object: string, extra: Record<string, unknown> = {}) =>
  ({ '@context': CONTEXT, id: idOn(name, 'likes'), type: 'Like', actor: actorOf(name), object, ...extra })

const undoJson = (name: string, object: unknown) =>
  ({ '@context': CONTEXT, id: idOn(name, 'undos'), type: 'Undo', actor: actorOf(name), object })

async function deliver(json: unknown, as = 'bob') {
  return peer.sendJson(json, inbox, as)
}

async function post(params: Record<string, unknown>): Promise<{ id: string; uri: string }> {
  const res = await rookery.api(alice, 'POST', '/api/v1/statuses', params)
  expect(res.status).toBe(200)
  return res.body
}

const favouritedBy = async (statusId: string) =>
  (await rookery.ctx.db.select({ accountId: favourites.accountId }).from(favourites).where(eq(favourites.statusId, statusId))).length

/** Sends `json`, then a Like of a fresh sentinel status by bob, and waits for that: the first was handled by then. */
async function deliverAndSettle(json: unknown, as: string) {
  await deliver(json, as)
  const sentinel = await post({ status: `sentinel ${++seq}`, visibility: 'public' })
  expect((await deliver(likeJson('bob', sentinel.uri))).status).toBeLessThan(300)
  await until(async () => (await favouritedBy(sentinel.id)) === 1)
  await Bun.sleep(300)
}

/** A public status by bob, delivered to Rookery; its id here. */
async function remoteStatus(): Promise<{ id: string; uri: string }> {
  const uri = idOn('bob', 'statuses')
  const note = { id: uri, type: 'Note', attributedTo: bobUri, content: '<p>from the peer</p>', published: new Date().toISOString(), to: [PUBLIC], cc: [`${bobUri}/followers`] }
  const res = await deliver({ '@context': CONTEXT, id: `${uri}/activity`, type: 'Create', actor: bobUri, to: note.to, cc: note.cc, object: note })
  expect(res.status).toBeLessThan(300)
  const row = await until(async () => (await rookery.ctx.db.select().from(statuses).where(eq(statuses.uri, uri)))[0])
  return { id: row.id, uri }
}

beforeAll(async () => {
  rookery = await startLiveServer({ federation: { allowPrivate: true } })
  peer = await startPeer(['bob', 'dora', 'eve'])
  alice = await makeUser(rookery.ctx)
  aliceUri = `${rookery.baseUrl}/users/${alice.account.username}`
  inbox = `${rookery.baseUrl}/inbox`
  bobUri = actorOf('bob')
  await peer.follow('bob', aliceUri)

  carol = await makeUser(rookery.ctx)
  const found = await rookery.api(carol, 'GET', `/api/v2/search?q=${encodeURIComponent(`@bob@${new URL(peer.baseUrl).host}`)}&resolve=true&type=accounts`)
  const bobId = found.body.accounts[0].id
  await rookery.api(carol, 'POST', `/api/v1/accounts/${bobId}/follow`)
  const follow = await peer.waitFor((a: Activity): a is Follow => a instanceof Follow && a.objectId?.href === bobUri)
  const carolActor = await peer.context().lookupObject(`${rookery.baseUrl}/users/${carol.account.username}`)
  await peer.send(new Accept({ id: new URL(`${peer.baseUrl}/accepts/${Date.now()}`), actor: new URL(bobUri), object: follow }), carolActor as any)
  await until(async () => (await rookery.api(carol, 'GET', `/api/v1/accounts/relationships?id[]=${bobId}`)).body[0]?.following)
}, 90_000)

afterAll(async () => {
  await peer?.stop()
  await rookery?.stop()
}, 60_000)

describe('outgoing', () => {
  test('favouriting a remote status sends Like to its author\'s inbox; unfavouriting sends Undo{Like}', async () => {
    const status = await remoteStatus()
    expect((await rookery.api(alice, 'POST', `/api/v1/statuses/${status.id}/favourite`)).status).toBe(200)
    const like = await peer.waitFor((a): a is Like => a instanceof Like && a.objectId?.href === status.uri)
    expect(like.actorId?.href).toBe(aliceUri)
    expect(like.id?.origin).toBe(new URL(rookery.baseUrl).origin)
    expect(peer.deliveries.find((d) => d.activity === like)?.recipient).toBe('bob')
    // favouriting again sends nothing more
    expect((await rookery.api(alice, 'POST', `/api/v1/statuses/${status.id}/favourite`)).status).toBe(200)

    expect((await rookery.api(alice, 'POST', `/api/v1/statuses/${status.id}/unfavourite`)).status).toBe(200)
    const undo = await peer.waitFor((a): a is Undo => a instanceof Undo && a.actorId?.href === aliceUri && a.id?.href === `${like.id!.href}/undo`)
    const undone = await undo.getObject(peer.context())
    expect(undone).toBeInstanceOf(Like)
    expect((undone as Like).objectId?.href).toBe(status.uri)
    expect(peer.received.filter((a) => a instanceof Like && a.objectId?.href === status.uri)).toHaveLength(1)
  }, 60_000)

  test('favouriting a local status sends nothing', async () => {
    const own = await post({ status: 'mine', visibility: 'public' })
    expect((await rookery.api(alice, 'POST', `/api/v1/statuses/${own.id}/favourite`)).status).toBe(200)
    await Bun.sleep(1000)
    expect(peer.received.some((a) => a instanceof Like && a.objectId?.href === own.uri)).toBe(false)
  }, 30_000)

  test('reblogging sends Announce (Public in to, followers and the author in cc); unreblog sends Undo{Announce}', async () => {
    const status = await remoteStatus()
    const reblog = await rookery.api(alice, 'POST', `/api/v1/statuses/${status.id}/reblog`)
    expect(reblog.status).toBe(200)
    const announce = await peer.waitFor((a): a is Announce => a instanceof Announce && a.objectId?.href === status.uri)
    expect(announce.actorId?.href).toBe(aliceUri)
    expect(announce.id?.href).toBe(reblog.body.uri)
    expect(announce.toIds.map((u) => u.href)).toEqual([PUBLIC_COLLECTION.href])
    expect(announce.ccIds.map((u) => u.href).sort()).toEqual([`${aliceUri}/followers`, bobUri].sort())

    expect((await rookery.api(alice, 'POST', `/api/v1/statuses/${status.id}/unreblog`)).status).toBe(200)
    const undo = await peer.waitFor((a): a is Undo => a instanceof Undo && a.actorId?.href === aliceUri && a.objectId?.href === announce.id?.href)
    const undone = await undo.getObject(peer.context())
    expect(undone).toBeInstanceOf(Announce)
  }, 60_000)

  test('an unlisted reblog: followers in to, Public in cc; a private reblog is refused', async () => {
    const status = await remoteStatus()
    expect((await rookery.api(alice, 'POST', `/api/v1/statuses/${status.id}/reblog`, { visibility: 'unlisted' })).status).toBe(200)
    const announce = await peer.waitFor((a): a is Announce => a instanceof Announce && a.objectId?.href === status.uri)
    expect(announce.toIds.map((u) => u.href)).toEqual([`${aliceUri}/followers`])
    expect(announce.ccIds.map((u) => u.href).sort()).toEqual([PUBLIC_COLLECTION.href, bobUri].sort())

    const own = await post({ status: 'followers only', visibility: 'private' })
    const refused = await rookery.api(alice, 'POST', `/api/v1/statuses/${own.id}/reblog`, { visibility: 'public' })
    // the author's own private status may be reblogged, but only privately: nothing leaves
    expect(refused.status === 422 || refused.body.visibility === 'private').toBe(true)
    await Bun.sleep(1000)
    expect(peer.received.some((a) => a instanceof Announce && a.objectId?.href === own.uri)).toBe(false)
  }, 60_000)

  test('a profile change sends Update{Person} to the followers\' shared inbox', async () => {
    const res = await rookery.api(alice, 'PATCH', '/api/v1/accounts/update_credentials', { display_name: 'Alice Changed' })
    expect(res.status).toBe(200)
    const update = await peer.waitFor((a): a is Update => a instanceof Update && a.objectId?.href === aliceUri)
    expect(update.actorId?.href).toBe(aliceUri)
    const person = await update.getObject(peer.context())
    expect(person).toBeInstanceOf(Person)
    expect(String((person as Person).name)).toBe('Alice Changed')
    expect(peer.deliveries.find((d) => d.activity === update)?.recipient).toBeNull()

    expect((await rookery.api(alice, 'PATCH', '/api/v1/profile', { note: 'new bio' })).status).toBe(200)
    await peer.waitFor((a): a is Update => a instanceof Update && a.objectId?.href === aliceUri && a !== update)
  }, 60_000)
})

describe('incoming', () => {
  test('a Like of a local status becomes a favourite with its notification; Undo{Like} takes it back', async () => {
    const status = await post({ status: 'like me', visibility: 'public' })
    const like = likeJson('bob', status.uri)
    expect((await deliver(like)).status).toBeLessThan(300)
    await until(async () => (await rookery.api(alice, 'GET', `/api/v1/statuses/${status.id}`)).body.favourites_count === 1)
    const notes = await until(async () => {
      const list = (await rookery.api(alice, 'GET', '/api/v1/notifications?types[]=favourite')).body
      return list.find((n: any) => n.status?.id === status.id) ? list : null
    })
    expect(notes.find((n: any) => n.status?.id === status.id).account.acct).toBe(`bob@${new URL(peer.baseUrl).host}`)

    // eve cannot take bob's Like back
    await deliverAndSettle(undoJson('eve', like), 'eve')
    expect(await favouritedBy(status.id)).toBe(1)

    expect((await deliver(undoJson('bob', like))).status).toBeLessThan(300)
    await until(async () => (await favouritedBy(status.id)) === 0)
    await until(async () => !(await rookery.api(alice, 'GET', '/api/v1/notifications?types[]=favourite')).body.some((n: any) => n.status?.id === status.id))
  }, 60_000)

  test('a Misskey reaction Like is an emoji reaction, not a favourite', async () => {
    const status = await post({ status: 'react to me', visibility: 'public' })
    expect((await deliver(likeJson('dora', status.uri, { _misskey_reaction: '🔥', content: '🔥' }), 'dora')).status).toBeLessThan(300)
    await until(async () => (await rookery.ctx.db.select().from(statusReactions).where(eq(statusReactions.statusId, status.id))).length === 1)
    expect(await favouritedBy(status.id)).toBe(0)
  }, 30_000)

  test('a Like with a forged actor is refused', async () => {
    const status = await post({ status: 'forge me', visibility: 'public' })
    const res = await deliver(likeJson('bob', status.uri), 'eve')
    expect(res.status).toBeGreaterThanOrEqual(400)
    await deliverAndSettle(likeJson('bob', status.uri, { id: `https://elsewhere.invalid/likes/${++seq}` }), 'bob')
    expect(await favouritedBy(status.id)).toBe(0)
  }, 30_000)

  test('a Like of a private status by a non-follower is refused; by a follower it counts', async () => {
    const status = await post({ status: 'followers only', visibility: 'private' })
    await deliverAndSettle(likeJson('dora', status.uri), 'dora')
    expect(await favouritedBy(status.id)).toBe(0)
    expect((await deliver(likeJson('bob', status.uri))).status).toBeLessThan(300)
    await until(async () => (await favouritedBy(status.id)) === 1)
  }, 30_000)

  test('a Like of a status that is not here, or not local, changes nothing', async () => {
    const remote = await remoteStatus()
    await deliverAndSettle(likeJson('dora', remote.uri), 'dora')
    await deliverAndSettle(likeJson('dora', `${rookery.baseUrl}/users/${alice.account.username}/statuses/999999`), 'dora')
    expect(await favouritedBy(remote.id)).toBe(0)
    const [row] = await rookery.ctx.db.select().from(favourites).where(and(eq(favourites.statusId, remote.id)))
    expect(row).toBeUndefined()
  }, 30_000)
})

const announceJson = (name: string, object: string, to: string[] = [PUBLIC], cc: string[] = [`${actorOf(name)}/followers`], id = idOn(name, 'announces')) =>
  ({ '@context': CONTEXT, id, type: 'Announce', actor: actorOf(name), object, to, cc, published: new Date().toISOString() })

const reblogOf = async (uri: string) => (await rookery.ctx.db.select().from(statuses).where(eq(statuses.uri, uri)))[0]
const homeOf = async (user: MadeUser) => (await rookery.api(user, 'GET', '/api/v1/timelines/home?limit=40')).body as any[]

describe('incoming Announce', () => {
  test('an Announce of a local status becomes a reblog: counted, notified, in the booster\'s followers\' homes; Undo removes it', async () => {
    const status = await post({ status: 'boost me', visibility: 'public' })
    const announce = announceJson('bob', status.uri)
    expect((await deliver(announce)).status).toBeLessThan(300)
    const reblog = await until(() => reblogOf(announce.id))
    expect(reblog.reblogOfId).toBe(status.id)
    expect(reblog.visibility).toBe('public')
    expect((await rookery.api(alice, 'GET', `/api/v1/statuses/${status.id}`)).body.reblogs_count).toBe(1)
    await until(async () => (await rookery.api(alice, 'GET', '/api/v1/notifications?types[]=reblog')).body.some((n: any) => n.status?.id === status.id))
    const entry = await until(async () => (await homeOf(carol)).find((s) => s.reblog?.id === status.id))
    expect(entry.account.acct).toBe(`bob@${new URL(peer.baseUrl).host}`)

    // eve cannot undo bob's Announce
    await deliverAndSettle(undoJson('eve', announce), 'eve')
    expect(await reblogOf(announce.id)).toBeDefined()

    expect((await deliver(undoJson('bob', announce))).status).toBeLessThan(300)
    await until(async () => !(await reblogOf(announce.id)))
    expect((await rookery.api(alice, 'GET', `/api/v1/statuses/${status.id}`)).body.reblogs_count).toBe(0)
    await until(async () => !(await rookery.api(alice, 'GET', '/api/v1/notifications?types[]=reblog')).body.some((n: any) => n.status?.id === status.id))
    await until(async () => !(await homeOf(carol)).some((s) => s.reblog?.id === status.id))
  }, 60_000)

  test('an unlisted Announce of a remote status not seen yet fetches it from its origin', async () => {
    const uri = idOn('dora', 'statuses')
    const path = new URL(uri).pathname
    peer.serve(path, { '@context': CONTEXT, id: uri, type: 'Note', attributedTo: actorOf('dora'), content: '<p>fetched</p>', published: new Date().toISOString(), to: [PUBLIC], cc: [] })
    const announce = announceJson('bob', uri, [`${bobUri}/followers`], [PUBLIC])
    expect((await deliver(announce)).status).toBeLessThan(300)
    const reblog = await until(() => reblogOf(announce.id))
    expect(reblog.visibility).toBe('unlisted')
    const original = await reblogOf(uri)
    expect(original?.id).toBe(reblog.reblogOfId!)
    expect(original?.local).toBe(false)
  }, 30_000)

  test('refused: an Announce of a private status, one not addressed to the public, and one with an id on another origin', async () => {
    const secret = await post({ status: 'followers only, no boosts', visibility: 'private' })
    const ofPrivate = announceJson('bob', secret.uri)
    await deliverAndSettle(ofPrivate, 'bob')
    const open = await post({ status: 'public one', visibility: 'public' })
    const notPublic = announceJson('bob', open.uri, [`${bobUri}/followers`], [])
    await deliverAndSettle(notPublic, 'bob')
    const elsewhere = announceJson('bob', open.uri, [PUBLIC], [], `https://elsewhere.invalid/announces/${++seq}`)
    await deliverAndSettle(elsewhere, 'bob')
    for (const a of [ofPrivate, notPublic, elsewhere]) expect(await reblogOf(a.id)).toBeUndefined()
    expect((await rookery.api(alice, 'GET', `/api/v1/statuses/${secret.id}`)).body.reblogs_count).toBe(0)
    expect((await rookery.api(alice, 'GET', `/api/v1/statuses/${open.id}`)).body.reblogs_count).toBe(0)
  }, 60_000)
})
