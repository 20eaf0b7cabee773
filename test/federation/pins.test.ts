// Pinned statuses between Rookery and a server that is not Rookery (a Fedify peer on loopback): Add and Remove on the
// featured collection both ways, and a remote actor's featured collection read when it is first seen.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { Add, Remove } from '@fedify/vocab'
import { statuses } from '../../src/db/schema'
import { makeUser, type MadeUser } from '../support/factories'
import { startLiveServer, until, type LiveServer } from '../support/live-server'
import { startPeer, type Peer } from '../support/peer'

const PUBLIC = 'https://www.w3.org/ns/activitystreams#Public'
const CONTEXT = 'https://www.w3.org/ns/activitystreams'

let rookery: LiveServer
/** bob follows alice; pat is first seen with pins; eve acts for others */
let peer: Peer
let alice: MadeUser
let carol: MadeUser
let aliceUri: string
let inbox: string
let peerHost: string
let seq = 0

const idOn = (name: string, kind: string) => peer.activityId(name, kind)
const actorOf = (name: string) => peer.actorUri(name).href
const deliver = (json: unknown, as = 'bob') => peer.sendJson(json, inbox, as)
const noteJson = (name: string, uri: string, text: string) =>
  ({ id: uri, type: 'Note', attributedTo: actorOf(name), content: `<p>${text}</p>`, published: new Date().toISOString(), to: [PUBLIC], cc: [] })

async function accountId(name: string): Promise<string> {
  const found = await rookery.api(carol, 'GET', `/api/v2/search?q=${encodeURIComponent(`@${name}@${peerHost}`)}&resolve=true&type=accounts`)
  return found.body.accounts[0].id
}

const pinnedOf = async (id: string) =>
  ((await rookery.api(carol, 'GET', `/api/v1/accounts/${id}/statuses?pinned=true`)).body as any[]).map((s) => s.uri)

async function remoteStatus(name: string): Promise<string> {
  const uri = idOn(name, 'statuses')
  expect((await deliver({ '@context': CONTEXT, id: `${uri}/activity`, type: 'Create', actor: actorOf(name), to: [PUBLIC], object: noteJson(name, uri, 'pin me') }, name)).status).toBeLessThan(300)
  await until(async () => (await rookery.ctx.db.select().from(statuses).where(eq(statuses.uri, uri)))[0])
  return uri
}

/** Sends `json`, then a Like of a fresh status by bob, and waits for that: the first was handled by then. */
async function deliverAndSettle(json: unknown, as: string) {
  await deliver(json, as)
  const res = await rookery.api(alice, 'POST', '/api/v1/statuses', { status: `sentinel ${++seq}`, visibility: 'public' })
  expect((await deliver({ '@context': CONTEXT, id: idOn('bob', 'likes'), type: 'Like', actor: actorOf('bob'), object: res.body.uri })).status).toBeLessThan(300)
  await until(async () => (await rookery.api(alice, 'GET', `/api/v1/statuses/${res.body.id}`)).body.favourites_count === 1)
  await Bun.sleep(300)
}

beforeAll(async () => {
  rookery = await startLiveServer({ federation: { allowPrivate: true } })
  peer = await startPeer(['bob', 'pat', 'eve', 'quinn'])
  peerHost = new URL(peer.baseUrl).host
  alice = await makeUser(rookery.ctx)
  carol = await makeUser(rookery.ctx)
  aliceUri = `${rookery.baseUrl}/users/${alice.account.username}`
  inbox = `${rookery.baseUrl}/inbox`
  await peer.follow('bob', aliceUri)
}, 90_000)

afterAll(async () => {
  await peer?.stop()
  await rookery?.stop()
}, 60_000)

describe('outgoing', () => {
  test('pinning a public status sends Add to the featured collection; unpinning sends Remove', async () => {
    const res = await rookery.api(alice, 'POST', '/api/v1/statuses', { status: 'pinned', visibility: 'public' })
    expect((await rookery.api(alice, 'POST', `/api/v1/statuses/${res.body.id}/pin`)).status).toBe(200)
    const add = await peer.waitFor((a): a is Add => a instanceof Add && a.objectId?.href === res.body.uri)
    expect(add.actorId?.href).toBe(aliceUri)
    expect(add.targetId?.href).toBe(`${aliceUri}/collections/featured`)
    expect((await rookery.api(alice, 'POST', `/api/v1/statuses/${res.body.id}/unpin`)).status).toBe(200)
    const remove = await peer.waitFor((a): a is Remove => a instanceof Remove && a.objectId?.href === res.body.uri)
    expect(remove.targetId?.href).toBe(`${aliceUri}/collections/featured`)
  }, 60_000)

  test('pinning a private status sends nothing', async () => {
    const res = await rookery.api(alice, 'POST', '/api/v1/statuses', { status: 'followers only', visibility: 'private' })
    expect((await rookery.api(alice, 'POST', `/api/v1/statuses/${res.body.id}/pin`)).status).toBe(200)
    await Bun.sleep(1000)
    expect(peer.received.some((a) => a instanceof Add && a.objectId?.href === res.body.uri)).toBe(false)
  }, 30_000)
})

describe('incoming', () => {
  test('a remote actor seen for the first time has the pins of its featured collection', async () => {
    const uri = `${peer.baseUrl}/users/pat/statuses/pinned-1`
    peer.serve(new URL(uri).pathname, { '@context': CONTEXT, ...noteJson('pat', uri, 'pinned by pat') })
    peer.serve('/users/pat/featured', { '@context': CONTEXT, id: `${actorOf('pat')}/featured`, type: 'OrderedCollection', totalItems: 1, orderedItems: [uri] })
    const id = await accountId('pat')
    expect(await until(async () => {
      const pinned = await pinnedOf(id)
      return pinned.length ? pinned : null
    })).toEqual([uri])
  }, 60_000)

  test('an Update of the actor reads its featured collection again', async () => {
    const first = `${peer.baseUrl}/users/quinn/statuses/pinned-1`
    const second = `${peer.baseUrl}/users/quinn/statuses/pinned-2`
    for (const [uri, text] of [[first, 'first pin'], [second, 'second pin']]) {
      peer.serve(new URL(uri).pathname, { '@context': CONTEXT, ...noteJson('quinn', uri, text) })
    }
    const featured = (items: string[]) =>
      peer.serve('/users/quinn/featured', { '@context': CONTEXT, id: `${actorOf('quinn')}/featured`, type: 'OrderedCollection', totalItems: items.length, orderedItems: items })
    featured([first])
    const id = await accountId('quinn')
    await until(async () => (await pinnedOf(id)).length > 0)

    featured([second])
    const profile = await (await fetch(actorOf('quinn'), { headers: { accept: 'application/activity+json' } })).json() as Record<string, unknown>
    const update = { '@context': profile['@context'], id: idOn('quinn', 'updates'), type: 'Update', actor: actorOf('quinn'), to: [PUBLIC], object: { ...profile, '@context': undefined } }
    expect((await deliver(update, 'quinn')).status).toBeLessThan(300)
    expect(await until(async () => {
      const pinned = await pinnedOf(id)
      return pinned[0] === second ? pinned : null
    })).toEqual([second])
  }, 60_000)

  test('Add pins a status of the actor, Remove unpins it; another actor\'s Add is refused', async () => {
    const id = await accountId('bob')
    const uri = await remoteStatus('bob')
    const featured = `${actorOf('bob')}/featured`
    await deliverAndSettle({ '@context': CONTEXT, id: idOn('eve', 'adds'), type: 'Add', actor: actorOf('eve'), object: uri, target: featured }, 'eve')
    expect(await pinnedOf(id)).toEqual([])

    expect((await deliver({ '@context': CONTEXT, id: idOn('bob', 'adds'), type: 'Add', actor: actorOf('bob'), object: uri, target: featured })).status).toBeLessThan(300)
    await until(async () => (await pinnedOf(id)).includes(uri))
    expect((await deliver({ '@context': CONTEXT, id: idOn('bob', 'removes'), type: 'Remove', actor: actorOf('bob'), object: uri, target: featured })).status).toBeLessThan(300)
    await until(async () => !(await pinnedOf(id)).includes(uri))
  }, 60_000)

  test('an Add of another actor\'s status, or to another collection, pins nothing', async () => {
    const id = await accountId('bob')
    const patStatus = await remoteStatus('pat')
    await deliverAndSettle({ '@context': CONTEXT, id: idOn('bob', 'adds'), type: 'Add', actor: actorOf('bob'), object: patStatus, target: `${actorOf('bob')}/featured` }, 'bob')
    const own = await remoteStatus('bob')
    await deliverAndSettle({ '@context': CONTEXT, id: idOn('bob', 'adds'), type: 'Add', actor: actorOf('bob'), object: own, target: `${actorOf('bob')}/elsewhere` }, 'bob')
    expect(await pinnedOf(id)).toEqual([])
  }, 60_000)
})
