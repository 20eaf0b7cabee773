// A local status's deletion as other servers see it: its Delete reaches every remote account that interacted with
// it, not only followers, and its URI answers 410 Gone with a Tombstone, only for statuses that were public or unlisted.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { Delete, type Activity } from '@fedify/vocab'
import { statuses, statusTombstones } from '../../src/db/schema'
import { makeUser, type MadeUser } from '../support/factories'
import { startLiveServer, until, type LiveServer } from '../support/live-server'
import { startPeer, type Peer } from '../support/peer'

const PUBLIC = 'https://www.w3.org/ns/activitystreams#Public'
const AS = 'application/activity+json'

let rookery: LiveServer
/** one peer (one host, one shared inbox) per way of interacting, none of them following alice */
let fan: Peer
let booster: Peer
let replier: Peer
let bystander: Peer
let alice: MadeUser
let inbox: string
let seq = 0

const idOn = (peer: Peer, kind: string) => `${peer.actorUri().href}/${kind}/${Date.now()}-${++seq}`
async function deliver(peer: Peer, json: Record<string, unknown>) {
  const res = await peer.sendJson({ '@context': 'https://www.w3.org/ns/activitystreams', ...json }, inbox)
  expect(res.status).toBeLessThan(300)
}
async function post(params: Record<string, unknown>): Promise<{ id: string; uri: string }> {
  const res = await rookery.api(alice, 'POST', '/api/v1/statuses', params)
  expect(res.status).toBe(200)
  return res.body
}
const deleteOf = (uri: string) => (a: Activity): a is Delete => a instanceof Delete && a.objectId?.href === uri
const get = (uri: string, accept = AS) => fetch(uri, { headers: { accept } })

beforeAll(async () => {
  rookery = await startLiveServer({ federation: { allowPrivate: true } })
  ;[fan, booster, replier, bystander] = await Promise.all([startPeer(['fan']), startPeer(['booster']), startPeer(['replier']), startPeer(['bystander'])])
  alice = await makeUser(rookery.ctx)
  inbox = `${rookery.baseUrl}/inbox`
}, 60_000)

afterAll(async () => {
  await Promise.all([fan, booster, replier, bystander].map((p) => p?.stop()))
  await rookery?.stop()
}, 60_000)

describe('Delete of a local status', () => {
  test('reaches the remote accounts that favourited, reblogged or replied to it', async () => {
    const status = await post({ status: 'interact with me', visibility: 'public' })
    await deliver(fan, { id: idOn(fan, 'likes'), type: 'Like', actor: fan.actorUri().href, object: status.uri })
    await deliver(booster, { id: idOn(booster, 'announces'), type: 'Announce', actor: booster.actorUri().href, object: status.uri, to: [PUBLIC] })
    const reply = idOn(replier, 'statuses')
    await deliver(replier, {
      id: `${reply}/activity`, type: 'Create', actor: replier.actorUri().href, to: [PUBLIC],
      object: { id: reply, type: 'Note', attributedTo: replier.actorUri().href, inReplyTo: status.uri, content: '<p>a reply</p>', to: [PUBLIC] },
    })
    await until(async () => {
      const s = (await rookery.api(alice, 'GET', `/api/v1/statuses/${status.id}`)).body
      return s.favourites_count === 1 && s.reblogs_count === 1 && s.replies_count === 1
    })

    expect((await rookery.api(alice, 'DELETE', `/api/v1/statuses/${status.id}`)).status).toBe(200)
    for (const peer of [fan, booster, replier]) {
      const del = await peer.waitFor(deleteOf(status.uri))
      expect(del.actorId?.href).toBe(`${rookery.baseUrl}/users/${alice.account.username}`)
    }
    // the reply stays, as replies to a deleted local status do
    expect((await rookery.ctx.db.select().from(statuses).where(eq(statuses.uri, reply))).length).toBe(1)
    // someone who never interacted and does not follow hears nothing
    expect(bystander.received.some(deleteOf(status.uri))).toBe(false)
  }, 90_000)
})

describe('a deleted status\'s URI', () => {
  test('a public or unlisted one answers 410 Gone with a Tombstone', async () => {
    for (const visibility of ['public', 'unlisted']) {
      const status = await post({ status: `soon gone (${visibility})`, visibility })
      expect((await get(status.uri)).status).toBe(200)
      expect((await rookery.api(alice, 'DELETE', `/api/v1/statuses/${status.id}`)).status).toBe(200)
      const res = await get(status.uri)
      expect(res.status).toBe(410)
      expect(res.headers.get('content-type')).toContain('application/activity+json')
      const json = await res.json() as Record<string, unknown>
      expect(json.type).toBe('Tombstone')
      expect(json.id).toBe(status.uri)
      expect(typeof json.deleted).toBe('string')
      // the page and the client API still say it is not found
      expect((await get(status.uri, 'text/html')).status).toBe(404)
      expect((await rookery.api(alice, 'GET', `/api/v1/statuses/${status.id}`)).status).toBe(404)
    }
  }, 60_000)

  test('a private or direct one is a plain 404, as if it never existed', async () => {
    for (const visibility of ['private', 'direct']) {
      const status = await post({ status: `secret (${visibility})`, visibility })
      expect((await rookery.api(alice, 'DELETE', `/api/v1/statuses/${status.id}`)).status).toBe(200)
      expect((await get(status.uri)).status).toBe(404)
      expect((await rookery.ctx.db.select().from(statusTombstones).where(eq(statusTombstones.uri, status.uri))).length).toBe(0)
    }
  }, 60_000)

  test('a status that never existed, and a remote one\'s tombstone, are 404 here', async () => {
    const unknown = `${rookery.baseUrl}/users/${alice.account.username}/statuses/0000000000000000000000`
    expect((await get(unknown)).status).toBe(404)
    const remoteUri = `${rookery.baseUrl}/users/${alice.account.username}/statuses/1111111111111111111111`
    await rookery.ctx.db.insert(statusTombstones).values({ uri: remoteUri, local: false })
    expect((await get(remoteUri)).status).toBe(404)
    await rookery.ctx.db.delete(statusTombstones).where(eq(statusTombstones.uri, remoteUri))
  })
})
