// Local statuses fetched by other servers: content negotiation on the status addresses, who may fetch what, and the
// outbox and featured collections.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Accept, Follow, Note, type Recipient } from '@fedify/vocab'
import { makeUser, type MadeUser } from '../support/factories'
import { startLiveServer, type LiveServer } from '../support/live-server'
import { startPeer, type Peer } from '../support/peer'

const AS = 'application/activity+json'
const LD = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'

let rookery: LiveServer
let peer: Peer
let alice: MadeUser
let aliceUri: string
const posted: Record<'public' | 'unlisted' | 'private' | 'direct' | 'local', { id: string; uri: string }> = {} as any

const get = (path: string, accept?: string) =>
  fetch(path.startsWith('http') ? path : `${rookery.baseUrl}${path}`, { headers: accept ? { accept } : {}, redirect: 'manual' })

/** Fetches as a peer actor, with a signed request. */
async function signedLookup(uri: string, as: string) {
  const c = peer.context()
  const documentLoader = await c.getDocumentLoader({ identifier: as })
  return c.lookupObject(uri, { documentLoader })
}

beforeAll(async () => {
  rookery = await startLiveServer({ federation: { allowPrivate: true } })
  peer = await startPeer(['bob', 'dora'])
  alice = await makeUser(rookery.ctx)
  aliceUri = `${rookery.baseUrl}/users/${alice.account.username}`
  const actor = await peer.context().lookupObject(aliceUri) as unknown as Recipient
  const followId = new URL(`${peer.baseUrl}/users/bob/follows/${Date.now()}`)
  await peer.send(new Follow({ id: followId, actor: peer.actorUri('bob'), object: actor.id }), actor)
  await peer.waitFor((a): a is Accept => a instanceof Accept && a.objectId?.href === followId.href)
  for (const visibility of ['public', 'unlisted', 'private', 'direct', 'local'] as const) {
    const res = await rookery.api(alice, 'POST', '/api/v1/statuses', { status: `a ${visibility} post #tagged`, visibility, language: 'en' })
    expect(res.status).toBe(200)
    posted[visibility] = res.body
  }
}, 90_000)

afterAll(async () => {
  await peer?.stop()
  await rookery?.stop()
}, 60_000)

describe('a status by its addresses', () => {
  test('the status URI answers ActivityPub JSON for both media types', async () => {
    for (const accept of [AS, LD]) {
      const res = await get(posted.public.uri, accept)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toContain('application/activity+json')
      const json = await res.json() as Record<string, any>
      expect(json).toMatchObject({ id: posted.public.uri, type: 'Note', attributedTo: aliceUri })
      expect(json.content).toContain('a public post')
      expect(json.contentMap.en).toContain('a public post')
      expect(json.source).toEqual({ content: 'a public post #tagged', mediaType: 'text/plain' })
      expect(json.to).toEqual(['https://www.w3.org/ns/activitystreams#Public'])
      expect(json.cc).toEqual([`${aliceUri}/followers`])
      // Pleroma's thread id travels as both `context` and `conversation`
      expect(json.conversation).toStartWith(`${rookery.baseUrl}/contexts/`)
      expect(json.context).toBe(json.conversation)
      expect(json.tag).toMatchObject({ type: 'Hashtag', name: '#tagged' })
    }
  }, 60_000)

  test('the Create of a status is served at its id', async () => {
    const res = await get(`${posted.public.uri}/activity`, AS)
    expect(res.status).toBe(200)
    const json = await res.json() as Record<string, any>
    expect(json).toMatchObject({ id: `${posted.public.uri}/activity`, type: 'Create', actor: aliceUri })
    expect(json.object).toMatchObject({ id: posted.public.uri, type: 'Note' })
  }, 60_000)

  test('the aliases /@name/:id, /notice/:id and /objects/:id answer the same Note; /@name answers the actor', async () => {
    const id = posted.unlisted.id
    for (const path of [`/@${alice.account.username}/${id}`, `/notice/${id}`, `/objects/${id}`]) {
      const res = await get(path, AS)
      expect(res.status).toBe(200)
      expect(await res.json()).toMatchObject({ id: posted.unlisted.uri, type: 'Note' })
    }
    const actor = await get(`/@${alice.account.username}`, LD)
    expect(actor.status).toBe(200)
    expect(await actor.json()).toMatchObject({ id: aliceUri, type: 'Person' })
    // another account's name with this status id is not an address of it
    const bobby = await makeUser(rookery.ctx)
    expect((await get(`/@${bobby.account.username}/${id}`, AS)).status).toBe(404)
  }, 60_000)

  test('browsers still get the pages', async () => {
    const page = await get(`/@${alice.account.username}/${posted.public.id}`, 'text/html')
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toContain('text/html')
    const profile = await get(`/@${alice.account.username}`, 'text/html')
    expect(profile.status).toBe(200)
    expect(profile.headers.get('content-type')).toContain('text/html')
    for (const alias of [`/notice/${posted.public.id}`, posted.public.uri]) {
      const redirect = await get(alias, 'text/html')
      expect(redirect.status).toBe(302)
      expect(redirect.headers.get('location')).toContain(`/@${alice.account.username}/${posted.public.id}`)
    }
    // a private status has no page for anyone who is not signed in
    expect((await get(posted.private.uri, 'text/html')).status).toBe(404)
  }, 60_000)

  test('anonymous readers get public and unlisted statuses only; private, direct and local-only are 404', async () => {
    expect((await get(posted.unlisted.uri, AS)).status).toBe(200)
    for (const v of ['private', 'direct', 'local'] as const) {
      const res = await get(posted[v].uri, AS)
      expect(res.status).toBe(404)
      expect(await res.text()).not.toContain(`a ${v} post`)
      for (const alias of [`/notice/${posted[v].id}`, `/@${alice.account.username}/${posted[v].id}`]) {
        const aliased = await get(alias, AS)
        expect(aliased.status).toBe(404)
        expect(await aliased.text()).not.toContain(`a ${v} post`)
      }
    }
    expect((await get(`${posted.private.uri}/activity`, AS)).status).toBe(404)
    expect((await get(`${aliceUri}/statuses/000000000000000000`, AS)).status).toBe(404)
    expect((await get(`${aliceUri}/statuses/not-an-id`, AS)).status).toBe(404)
  }, 60_000)

  test('a signed fetch by a follower gets a private status; by a non-follower it does not', async () => {
    const seen = await signedLookup(posted.private.uri, 'bob')
    expect(seen).toBeInstanceOf(Note)
    expect(seen?.id?.href).toBe(posted.private.uri)
    expect(await signedLookup(posted.private.uri, 'dora')).toBeNull()
    // direct statuses are for the mentioned only, and local-only ones for nobody outside
    expect(await signedLookup(posted.direct.uri, 'bob')).toBeNull()
    expect(await signedLookup(posted.local.uri, 'bob')).toBeNull()
  }, 60_000)
})

describe('collections', () => {
  test('the outbox lists public and unlisted statuses as Create activities, newest first, a page at a time', async () => {
    const res = await get(`${aliceUri}/outbox`, AS)
    expect(res.status).toBe(200)
    const collection = await res.json() as Record<string, any>
    expect(collection).toMatchObject({ type: 'OrderedCollection', totalItems: 2 })
    const first = await (await get(typeof collection.first === 'string' ? collection.first : collection.first.id, AS)).json() as Record<string, any>
    const items = first.orderedItems as Record<string, any>[]
    expect(items.map((i) => i.type)).toEqual(['Create', 'Create'])
    expect(items.map((i) => i.object.id)).toEqual([posted.unlisted.uri, posted.public.uri])
    expect(items[0].id).toBe(`${posted.unlisted.uri}/activity`)
    expect(first.next).toBeUndefined()
    // an unknown account has no outbox; a malformed cursor gives an empty page
    expect((await get(`${rookery.baseUrl}/users/nobody_here/outbox`, AS)).status).toBe(404)
    const bad = await get(`${aliceUri}/outbox?cursor=zzz`, AS)
    expect(bad.status).toBe(200)
    expect((await bad.json() as Record<string, any>).orderedItems ?? []).toEqual([])
  }, 60_000)

  test('the outbox pages by id', async () => {
    const carol = await makeUser(rookery.ctx)
    const ids: string[] = []
    for (let i = 0; i < 22; i++) ids.push((await rookery.api(carol, 'POST', '/api/v1/statuses', { status: `n${i}`, visibility: 'public' })).body.uri)
    const outbox = `${rookery.baseUrl}/users/${carol.account.username}/outbox`
    const collection = await (await get(outbox, AS)).json() as Record<string, any>
    expect(collection.totalItems).toBe(22)
    const page1 = await (await get(collection.first, AS)).json() as Record<string, any>
    expect(page1.orderedItems).toHaveLength(20)
    const page2 = await (await get(page1.next, AS)).json() as Record<string, any>
    expect(page2.orderedItems.map((i: any) => i.object.id)).toEqual([ids[1], ids[0]])
    expect(page2.next).toBeUndefined()
  }, 60_000)

  test('the actor names its featured collection, which holds its public pins', async () => {
    const actor = await (await get(aliceUri, AS)).json() as Record<string, any>
    expect(actor.featured).toBe(`${aliceUri}/collections/featured`)
    expect((await rookery.api(alice, 'POST', `/api/v1/statuses/${posted.public.id}/pin`)).status).toBe(200)
    const featured = await (await get(actor.featured, AS)).json() as Record<string, any>
    expect(featured.type).toBe('OrderedCollection')
    const items = Array.isArray(featured.orderedItems) ? featured.orderedItems : [featured.orderedItems]
    expect(items.map((i: any) => i.id)).toEqual([posted.public.uri])
  }, 60_000)
})
