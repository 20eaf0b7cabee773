// Local accounts as ActivityPub actors, served by Fedify in front of the API.
import { describe, expect, test } from 'bun:test'
import { Application, Collection, CryptographicKey, Emoji, Hashtag, OrderedCollection, Person, Service } from '@fedify/vocab'
import { customEmojis } from '../../src/db/schema'
import { makeUser, uniqueName } from '../support/factories'
import { call } from '../support/http'
import { getTestContext, TEST_DOMAIN } from '../support/context'
import { followAccount } from '../../src/core/relationships/follow'

const AP = 'application/activity+json'
const LD = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
const base = `https://${TEST_DOMAIN}`

// Parsing must not fetch anything: contexts are preloaded and every other document is refused.
const documentLoader = async (url: string) => { throw new Error(`unexpected fetch of ${url}`) }

async function getAp(path: string, accept = AP) {
  const res = await call('GET', path, { headers: { accept } })
  return res
}

describe('actors', () => {
  test('a local account is a Person with keys, collections and its profile', async () => {
    const alice = await makeUser(undefined, { account: { displayName: 'Alice A.', note: '<p>hi</p>', locked: true, fields: [{ name: 'site', value: 'example' }] } })
    const res = await getAp(`/users/${alice.account.username}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('application/activity+json')
    const person = await Person.fromJsonLd(res.json, { documentLoader, contextLoader: undefined })
    expect(person).toBeInstanceOf(Person)
    expect(person.id?.href).toBe(`${base}/users/${alice.account.username}`)
    expect(person.id?.href).toBe(alice.account.uri!)
    expect(person.preferredUsername?.toString()).toBe(alice.account.username)
    expect(person.name?.toString()).toBe('Alice A.')
    expect(person.manuallyApprovesFollowers).toBe(true)
    expect(person.inboxId?.href).toBe(`${base}/users/${alice.account.username}/inbox`)
    expect(person.endpoints?.sharedInbox?.href).toBe(`${base}/inbox`)
    expect(person.followersId?.href).toBe(`${base}/users/${alice.account.username}/followers`)
    expect(person.followingId?.href).toBe(`${base}/users/${alice.account.username}/following`)
    expect(person.outboxId?.href).toBe(`${base}/users/${alice.account.username}/outbox`)
    const key = await person.getPublicKey({ documentLoader })
    expect(key).toBeInstanceOf(CryptographicKey)
    expect(key?.id?.href).toBe(`${base}/users/${alice.account.username}#main-key`)
    expect((key?.publicKey?.algorithm as RsaHashedKeyAlgorithm).modulusLength).toBe(2048)
    const multikeys = []
    for await (const k of person.getAssertionMethods({ documentLoader })) multikeys.push(k)
    expect(multikeys.map((k) => k.publicKey?.algorithm.name)).toEqual(['RSASSA-PKCS1-v1_5', 'Ed25519'])
    const fields = []
    for await (const a of person.getAttachments({ documentLoader })) fields.push(a)
    expect(fields).toHaveLength(1)

    // the keys are made once and kept
    const again = await Person.fromJsonLd((await getAp(`/users/${alice.account.username}`, LD)).json, { documentLoader })
    expect((await again.getPublicKey({ documentLoader }))?.publicKey).toEqual(key!.publicKey)
  }, 30_000)

  test('a moved account names its successor; custom emoji of its name and bio are tags; featured tags are a collection', async () => {
    const ctx = await getTestContext()
    const target = await makeUser(ctx)
    const emoji = { shortcode: uniqueName('actoremoji').replace(/_/g, '') }
    await ctx.db.insert(customEmojis).values({ shortcode: emoji.shortcode, fileKey: `emoji/${emoji.shortcode}.png` })
    const alice = await makeUser(ctx, { account: { displayName: `Alice :${emoji.shortcode}:`, noteSource: 'plain bio', movedToId: target.account.id } })
    expect((await call('POST', '/api/v1/featured_tags', { token: alice.token, json: { name: 'rooks' } })).status).toBe(200)

    const json = (await getAp(`/users/${alice.account.username}`)).json
    const person = await Person.fromJsonLd(json, { documentLoader })
    expect(person.successorId?.href).toBe(target.account.uri!)
    const tags = []
    for await (const t of person.getTags({ documentLoader })) tags.push(t)
    expect(tags).toHaveLength(1)
    expect(tags[0]).toBeInstanceOf(Emoji)
    expect(tags[0].name?.toString()).toBe(`:${emoji.shortcode}:`)

    expect(person.featuredTagsId?.href).toBe(`${base}/users/${alice.account.username}/collections/tags`)
    const collection = await Collection.fromJsonLd((await getAp(`/users/${alice.account.username}/collections/tags`)).json, { documentLoader })
    const items = []
    for await (const item of collection.getItems({ documentLoader })) items.push(item)
    expect(items.map((h) => (h as Hashtag).name?.toString())).toEqual(['#rooks'])
    expect((await getAp('/users/nobody-here/collections/tags')).status).toBe(404)
  }, 30_000)

  test('WebFinger\'s self link is the actor Fedify serves', async () => {
    const dan = await makeUser()
    const jrd = await call('GET', '/.well-known/webfinger', { query: { resource: `acct:${dan.account.username}@${TEST_DOMAIN}` } })
    expect(jrd.status).toBe(200)
    const self = (jrd.json.links as { rel: string; type?: string; href: string }[]).find((l) => l.rel === 'self' && l.type === AP)
    expect(self?.href).toBe(`${base}/users/${dan.account.username}`)
    const actor = await getAp(new URL(self!.href).pathname)
    expect(actor.json.id).toBe(self!.href)
  })

  test('a bot is a Service', async () => {
    const bot = await makeUser(undefined, { account: { bot: true } })
    const res = await getAp(`/users/${bot.account.username}`)
    expect(res.status).toBe(200)
    expect(await Service.fromJsonLd(res.json, { documentLoader })).toBeInstanceOf(Service)
  })

  test('the instance actor is an Application at /actor', async () => {
    const res = await getAp('/actor')
    expect(res.status).toBe(200)
    const app = await Application.fromJsonLd(res.json, { documentLoader })
    expect(app.preferredUsername?.toString()).toBe(TEST_DOMAIN)
    expect((await app.getPublicKey({ documentLoader }))?.id?.href).toContain('#main-key')
  })

  test('unknown, suspended and deactivated accounts are 404', async () => {
    expect((await getAp('/users/nobody_here_at_all')).status).toBe(404)
    const gone = await makeUser(undefined, { account: { suspendedAt: new Date() } })
    expect((await getAp(`/users/${gone.account.username}`)).status).toBe(404)
    const off = await makeUser(undefined, { user: { isActive: false } })
    expect((await getAp(`/users/${off.account.username}`)).status).toBe(404)
  })

  test('followers and following list actor URIs; hidden lists show no one', async () => {
    const ctx = await getTestContext()
    const [a, b, c] = await Promise.all([makeUser(), makeUser(), makeUser(undefined, { account: { hideFollowers: true, hideFollowersCount: true } })])
    await followAccount(ctx, b.account.id, a.account)
    await followAccount(ctx, a.account.id, c.account)
    const followers = await getAp(`/users/${a.account.username}/followers`)
    expect(followers.status).toBe(200)
    const collection = await OrderedCollection.fromJsonLd(followers.json, { documentLoader }).catch(() => Collection.fromJsonLd(followers.json, { documentLoader }))
    expect(collection.totalItems).toBe(1)
    const first = await getAp(new URL(collection.firstId!.href).pathname + new URL(collection.firstId!.href).search)
    expect(first.status).toBe(200)
    expect(JSON.stringify(first.json)).toContain(b.account.uri!)
    const following = await getAp(`/users/${a.account.username}/following`)
    expect(following.json.totalItems).toBe(1)

    const hidden = await getAp(`/users/${c.account.username}/followers`)
    expect(hidden.status).toBe(200)
    expect(hidden.json.totalItems).toBeUndefined()
    expect(JSON.stringify(hidden.json)).not.toContain(a.account.uri!)
    expect(hidden.json.first).toBeUndefined()
  })

  test('HTML and the API on the same paths go on to the app', async () => {
    const alice = await makeUser()
    const html = await call('GET', `/users/${alice.account.username}`, { headers: { accept: 'text/html' } })
    expect(html.headers.get('content-type') ?? '').not.toContain('activity+json')
    const api = await call('GET', `/api/v1/accounts/${alice.account.id}`)
    expect(api.status).toBe(200)
  })

  test('an unsigned inbox POST is refused and an oversized one is 413', async () => {
    const alice = await makeUser()
    const unsigned = await call('POST', `/users/${alice.account.username}/inbox`, {
      headers: { 'content-type': AP }, json: {
        '@context': 'https://www.w3.org/ns/activitystreams', id: 'https://elsewhere.test/follows/1', type: 'Follow',
        actor: 'https://elsewhere.test/users/x', object: alice.account.uri,
      },
    })
    expect(unsigned.status, unsigned.text).toBe(401)
    const big = await call('POST', '/inbox', { headers: { 'content-type': AP }, json: { type: 'Note', content: 'x'.repeat(1_100_000) } })
    expect(big.status).toBe(413)
  })
})
