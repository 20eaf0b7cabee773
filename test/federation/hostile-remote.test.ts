// Remote servers that do not play fair: malformed activities, objects of a third host carried inline, collections
// that never end, keys that change, actor documents claiming another id, and servers that answer a byte at a time.
// Each is met with a 4xx or a dropped activity, bounded reading, and stored data left as it was.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import { accounts, follows, remoteActors, statuses } from '../../src/db/schema'
import { limitedDocumentLoader } from '../../src/federation/loader'
import { lookupRemoteAccount, webfingerLinks } from '../../src/federation/lookup'
import { makeUser, type MadeUser } from '../support/factories'
import { startLiveServer, until, type LiveServer } from '../support/live-server'
import { startPeer, type Peer } from '../support/peer'
import { startRawActors, type RawActors } from '../support/raw-actor'

const PUBLIC = 'https://www.w3.org/ns/activitystreams#Public'
const AS = 'https://www.w3.org/ns/activitystreams'

let rookery: LiveServer
let raw: RawActors
let peer: Peer
let alice: MadeUser
let inbox: string

beforeAll(async () => {
  rookery = await startLiveServer({ federation: { allowPrivate: true } })
  raw = await startRawActors(['bob', 'kim', 'liar', 'hoarder', 'drip'], '127.0.0.11')
  peer = await startPeer(['carl'])
  alice = await makeUser(rookery.ctx)
  inbox = `${rookery.baseUrl}/inbox`
}, 60_000)

afterAll(async () => {
  await raw?.stop()
  await peer?.stop()
  await rookery?.stop()
}, 60_000)

let seq = 0
const rawId = (name: string, kind: string) => `${raw.baseUrl}/users/${name}/${kind}/${Date.now()}-${++seq}`

function note(name: string, fields: Record<string, unknown> = {}): Record<string, unknown> & { id: string } {
  return {
    id: rawId(name, 'statuses'),
    type: 'Note',
    attributedTo: raw.actorUri(name),
    content: '<p>hello</p>',
    published: new Date().toISOString(),
    to: [PUBLIC],
    ...fields,
  }
}

const create = (name: string, object: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  '@context': AS,
  id: rawId(name, 'creates'),
  type: 'Create',
  actor: raw.actorUri(name),
  to: [PUBLIC],
  object,
  ...extra,
})

/** POSTs `body` (a string as is, anything else as JSON) to the shared inbox, signed by `name`. */
async function deliver(name: string, body: unknown, init: { key?: CryptoKey; keyId?: string } = {}): Promise<Response> {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  return fetch(await raw.signed(name, inbox, { body: text, ...init }))
}

const storedStatus = async (uri: string) => (await rookery.ctx.db.select().from(statuses).where(eq(statuses.uri, uri)))[0]
const storedAccount = async (uri: string) => (await rookery.ctx.db.select().from(accounts).where(eq(accounts.uri, uri)))[0]

/** Delivers a plain post of `name` and waits until it is stored: the inbox and its jobs still work. */
async function stillWorks(name = 'bob') {
  const sentinel = note(name)
  expect((await deliver(name, create(name, sentinel))).status).toBe(202)
  return until(() => storedStatus(sentinel.id))
}

describe('malformed activities', () => {
  const nested = (depth: number) => {
    let object: Record<string, unknown> = { type: 'Note', content: 'bottom' }
    for (let i = 0; i < depth; i++) object = { type: 'Note', inReplyTo: object }
    return object
  }

  test('bodies that are not activities are refused with a 4xx or dropped, never a 500, and the inbox keeps working', async () => {
    const bob = raw.actorUri('bob')
    const cases: [string, unknown, string?][] = [
      ['not JSON', '{"type": "Create", "actor": '],
      ['JSON that is no object', '[1, 2, 3]'],
      ['a bare string', '"Create"'],
      ['null', 'null'],
      ['a numeric @context', { ...create('bob', note('bob')), '@context': 42 }],
      ['a @context that is not a context', { ...create('bob', note('bob')), '@context': { '@vocab': 5 } }],
      ['a @context on the sender that is not there', { ...create('bob', note('bob')), '@context': `${raw.baseUrl}/contexts/missing` }],
      ['a numeric type', { ...create('bob', note('bob')), type: 42 }],
      ['a numeric id', { ...create('bob', note('bob')), id: 12 }],
      ['an actor with a numeric id', { ...create('bob', note('bob')), actor: { id: 5 } }],
      ['two actors', { ...create('bob', note('bob')), actor: [bob, raw.actorUri('kim')] }],
      ['a numeric object', create('bob', 42 as any)],
      ['two objects in a Create', create('bob', [note('bob'), note('bob')] as any)],
      ['an attributedTo of two', create('bob', note('bob', { attributedTo: [bob, raw.actorUri('kim')] }))],
      ['content as objects', create('bob', note('bob', { content: [{ a: 1 }, { b: [2] }] }))],
      ['to as an object', create('bob', note('bob', { to: { id: PUBLIC, type: 'Collection', totalItems: 'many' } }))],
      ['a date that is no date', create('bob', note('bob', { published: 'yesterday-ish' }))],
      ['a Follow of a number', { '@context': AS, id: rawId('bob', 'follows'), type: 'Follow', actor: bob, object: 7 }],
      ['an Undo of nothing', { '@context': AS, id: rawId('bob', 'undos'), type: 'Undo', actor: bob }],
      ['a Delete of an array', { '@context': AS, id: rawId('bob', 'deletes'), type: 'Delete', actor: bob, object: [rawId('bob', 'statuses'), rawId('bob', 'statuses')] }],
      ['an enormous content', create('bob', note('bob', { content: `<p>${'a'.repeat(900_000)}</p>` }))],
      ['an enormous summary and name', create('bob', note('bob', { summary: 'w '.repeat(200_000), name: 'n'.repeat(300_000) }))],
      ['deep nesting', create('bob', nested(8_000))],
    ]
    const answers: Record<string, number> = {}
    for (const [what, body] of cases) answers[what] = (await deliver('bob', body)).status
    const serverErrors = Object.entries(answers).filter(([, status]) => status >= 500 || status < 200)
    expect(serverErrors).toEqual([])
    // what is no activity at all is refused at the door
    for (const what of ['not JSON', 'JSON that is no object', 'a bare string', 'null', 'deep nesting', 'a @context on the sender that is not there']) {
      expect([what, answers[what]]).toEqual([what, 400])
    }

    const sentinel = await stillWorks()
    // the ones taken (202) and dropped left nothing behind but what fits: at most the post with bounded text
    const created = await rookery.ctx.db.select({ uri: statuses.uri, content: statuses.content, spoiler: statuses.spoilerText }).from(statuses)
      .innerJoin(accounts, eq(accounts.id, statuses.accountId)).where(eq(accounts.uri, bob))
    expect(created.map((s) => s.uri)).toContain(sentinel.uri)
    for (const s of created) expect(s.content.length + s.spoiler.length).toBeLessThan(1_048_576)
  }, 120_000)

  test('an oversized body sent without a length up front (chunked) is 413 too', async () => {
    const chunks = new ReadableStream({
      start(c) {
        for (let i = 0; i < 12; i++) c.enqueue(new TextEncoder().encode('x'.repeat(100_000)))
        c.close()
      },
    })
    const streamed = await fetch(inbox, { method: 'POST', headers: { 'content-type': 'application/activity+json' }, body: chunks })
    expect(streamed.status).toBe(413)
    await stillWorks()
  }, 60_000)
})

describe('objects of a third host', () => {
  test('an Announce carrying another host\'s object inline stores the object as its origin serves it, not as carried', async () => {
    const path = `/users/carl/statuses/real-${Date.now()}`
    const uri = peer.serve(path, {
      '@context': AS, id: `${peer.baseUrl}${path}`, type: 'Note', attributedTo: peer.actorUri('carl').href,
      content: '<p>the real words</p>', published: new Date().toISOString(), to: [PUBLIC],
    }).href
    const forged = { id: uri, type: 'Note', attributedTo: peer.actorUri('carl').href, content: '<p>forged words</p>', to: [PUBLIC] }
    const announce = { '@context': AS, id: rawId('bob', 'announces'), type: 'Announce', actor: raw.actorUri('bob'), to: [PUBLIC], object: forged }
    expect((await deliver('bob', announce)).status).toBe(202)
    const original = await until(() => storedStatus(uri))
    expect(original.content).toContain('the real words')
    expect(original.content).not.toContain('forged')
    const [author] = await rookery.ctx.db.select().from(accounts).where(eq(accounts.id, original.accountId))
    expect(author.uri).toBe(peer.actorUri('carl').href)
    const reblog = await until(() => storedStatus(announce.id))
    expect(reblog.reblogOfId).toBe(original.id)

    // an inline object its origin does not serve is not taken on the announcer's word
    const missing = { ...forged, id: `${peer.baseUrl}/users/carl/statuses/never-${Date.now()}`, content: '<p>made up</p>' }
    const unbacked = { ...announce, id: rawId('bob', 'announces'), object: missing }
    expect((await deliver('bob', unbacked)).status).toBe(202)
    await stillWorks()
    expect(await storedStatus(missing.id)).toBeUndefined()
    expect(await storedStatus(unbacked.id)).toBeUndefined()
  }, 60_000)
})

describe('huge collections', () => {
  test('counts come from totalItems, clamped; no collection is walked page by page; the featured one is read up to the pin limit', async () => {
    const base = `${raw.baseUrl}/users/hoarder`
    const page = (n: number) => `${base}/outbox?page=${n}`
    raw.serve('/users/hoarder/followers', { '@context': AS, id: `${base}/followers`, type: 'OrderedCollection', totalItems: 5_000_000_000, first: `${base}/followers/1` })
    raw.serve('/users/hoarder/followers/1', { '@context': AS, id: `${base}/followers/1`, type: 'OrderedCollectionPage', next: `${base}/followers/1`, orderedItems: [] })
    raw.serve('/users/hoarder/following', { '@context': AS, id: `${base}/following`, type: 'OrderedCollection', totalItems: -12 })
    // an outbox whose pages lead to each other forever
    let pagesRead = 0
    raw.serve('/users/hoarder/outbox', (request: Request) => {
      const n = Number(new URL(request.url).searchParams.get('page') ?? 0)
      if (n) pagesRead++
      const body = n
        ? { '@context': AS, id: page(n), type: 'OrderedCollectionPage', next: page(n === 2 ? 1 : 2), orderedItems: [] }
        : { '@context': AS, id: `${base}/outbox`, type: 'OrderedCollection', totalItems: 3_000_000, first: page(1) }
      return Response.json(body, { headers: { 'content-type': 'application/activity+json' } })
    })
    // a featured collection claiming millions, listing far more than are ever pinned
    const pinned = Array.from({ length: 60 }, (_, i) => `${base}/statuses/pin-${i}`)
    for (const id of pinned) {
      raw.serve(new URL(id).pathname, { '@context': AS, id, type: 'Note', attributedTo: raw.actorUri('hoarder'), content: `<p>${id}</p>`, to: [PUBLIC], published: new Date().toISOString() })
    }
    raw.serve('/users/hoarder/featured', { '@context': AS, id: `${base}/featured`, type: 'OrderedCollection', totalItems: 2_000_000, orderedItems: pinned })
    raw.actorExtra.set('hoarder', {
      '@context': [AS, 'https://w3id.org/security/v1', { toot: 'http://joinmastodon.org/ns#', featured: { '@id': 'toot:featured', '@type': '@id' } }],
      followers: `${base}/followers`, following: `${base}/following`, outbox: `${base}/outbox`, featured: `${base}/featured`,
    })

    const account = await lookupRemoteAccount(rookery.ctx, { url: raw.actorUri('hoarder') })
    expect(account).not.toBeNull()
    expect(account).toMatchObject({ followersCount: 2 ** 31 - 1, followingCount: 0, statusesCount: 3_000_000 })
    const shown = await rookery.api(alice, 'GET', `/api/v1/accounts/${account!.id}`)
    expect(shown.body).toMatchObject({ followers_count: 2 ** 31 - 1, following_count: 0, statuses_count: 3_000_000 })

    const pins = await until(async () => {
      const listed = (await rookery.api(alice, 'GET', `/api/v1/accounts/${account!.id}/statuses?pinned=true&limit=40`)).body as any[]
      return listed.length ? listed : null
    }, 60_000)
    expect(pins.length).toBeLessThanOrEqual(20)
    const fetched = (prefix: string) => raw.received.filter((r) => r.method === 'GET' && r.path.startsWith(prefix))
    expect(fetched('/users/hoarder/statuses/').length).toBeLessThanOrEqual(20)
    // pages are never followed: the collections were read as documents only
    expect(pagesRead).toBe(0)
    expect(fetched('/users/hoarder/followers/1')).toEqual([])
    expect(fetched('/users/hoarder/outbox').length).toBeLessThanOrEqual(2)
  }, 90_000)
})

describe('key rotation', () => {
  test('a signature by a new key is taken once the actor document shows it; the old key is refused and the account kept', async () => {
    const kim = raw.actorUri('kim')
    const follow = { '@context': AS, id: rawId('kim', 'follows'), type: 'Follow', actor: kim, object: `${rookery.baseUrl}/users/${alice.account.username}` }
    expect((await deliver('kim', follow)).status).toBe(202)
    const account = await until(() => storedAccount(kim))
    const followOf = async () => (await rookery.ctx.db.select().from(follows)
      .where(and(eq(follows.accountId, account.id), eq(follows.targetAccountId, alice.account.id))))[0]
    await until(followOf)
    expect(await stillWorks('kim')).toBeDefined()

    const oldKey = await raw.rotateKey('kim')
    const fresh = note('kim', { content: '<p>signed with the new key</p>' })
    expect((await deliver('kim', create('kim', fresh))).status).toBe(202)
    await until(() => storedStatus(fresh.id))

    const stale = note('kim', { content: '<p>signed with the old key</p>' })
    expect((await deliver('kim', create('kim', stale), { key: oldKey })).status).toBe(401)
    const unknown = note('kim', { content: '<p>signed with a key the actor does not have</p>' })
    expect((await deliver('kim', create('kim', unknown), { keyId: `${kim}#another-key` })).status).toBe(401)
    await stillWorks('kim')
    expect(await storedStatus(stale.id)).toBeUndefined()
    expect(await storedStatus(unknown.id)).toBeUndefined()
    // the account, its follow and its posts are as they were
    expect(await storedAccount(kim)).toMatchObject({ id: account.id, username: 'kim', suspendedAt: null })
    expect(await followOf()).toBeDefined()
    expect(await storedStatus(fresh.id)).toBeDefined()
  }, 90_000)
})

describe('an actor document claiming another id', () => {
  test('an actor served on one host claiming an id on another is not stored, nor does it change the account it names', async () => {
    const carl = peer.actorUri('carl').href
    const real = await lookupRemoteAccount(rookery.ctx, { url: carl })
    expect(real?.uri).toBe(carl)
    const [realEndpoints] = await rookery.ctx.db.select().from(remoteActors).where(eq(remoteActors.accountId, real!.id))

    raw.actorExtra.set('liar', { id: carl, preferredUsername: 'carl', name: 'Impostor', inbox: `${raw.baseUrl}/users/liar/inbox` })
    expect(await lookupRemoteAccount(rookery.ctx, { url: raw.actorUri('liar') })).toBeNull()
    const searched = await rookery.api(alice, 'GET', `/api/v2/search?resolve=true&type=accounts&q=${encodeURIComponent(raw.actorUri('liar'))}`)
    expect(searched.status).toBe(200)
    expect(searched.body.accounts).toEqual([])
    expect(await storedAccount(raw.actorUri('liar'))).toBeUndefined()
    const [after] = await rookery.ctx.db.select().from(accounts).where(eq(accounts.id, real!.id))
    expect(after.displayName).toBe(real!.displayName)
    const [endpoints] = await rookery.ctx.db.select().from(remoteActors).where(eq(remoteActors.accountId, real!.id))
    expect(endpoints.inboxUrl).toBe(realEndpoints.inboxUrl)

    // nor through an Update of "itself" signed by the liar's key
    const update = { '@context': AS, id: rawId('liar', 'updates'), type: 'Update', actor: carl, object: { id: carl, type: 'Person', preferredUsername: 'carl', name: 'Impostor', inbox: `${raw.baseUrl}/users/liar/inbox` } }
    expect((await deliver('liar', update)).status).toBe(401)
    await stillWorks()
    expect((await rookery.ctx.db.select().from(accounts).where(eq(accounts.id, real!.id)))[0].displayName).toBe(real!.displayName)
  }, 60_000)
})

describe('slow servers', () => {
  /** an answer that starts at once and then sends a byte every 100 ms, for ever */
  const drip = () => {
    let timer: ReturnType<typeof setInterval> | undefined
    return new Response(new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode('{"@context": "https://www.w3.org/ns/activitystreams", "type": "Person", "name": "'))
        timer = setInterval(() => {
          try {
            c.enqueue(new TextEncoder().encode('z'))
          } catch {
            clearInterval(timer)
          }
        }, 100)
      },
      cancel() {
        clearInterval(timer)
      },
    }), { headers: { 'content-type': 'application/activity+json' } })
  }

  test('a document that drips its bytes is given up at the time limit', async () => {
    raw.serve('/drip/document', drip)
    const loader = limitedDocumentLoader({ allowPrivate: true, userAgent: { software: 'Rookery' }, timeoutMs: 500 })
    await expect(loader(`${raw.baseUrl}/drip/document`)).rejects.toThrow()
  }, 30_000)

  test('an actor and a WebFinger answer that drip are given up: nothing is stored and the lookup ends', async () => {
    raw.serve('/users/drip', drip)
    raw.serve('/.well-known/webfinger', drip)
    const host = new URL(raw.baseUrl).host
    expect(await webfingerLinks(rookery.ctx, 'drip', host)).toBeNull()
    expect(await lookupRemoteAccount(rookery.ctx, { url: raw.actorUri('drip') })).toBeNull()
    expect(await storedAccount(raw.actorUri('drip'))).toBeUndefined()
  }, 90_000)
})
