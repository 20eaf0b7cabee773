// Local statuses delivered to servers that are not Rookery (Fedify peers on loopback): Create, Update and Delete,
// addressed by visibility, to followers and the mentioned only.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import {
  Accept, Create, Delete, Document, Emoji, Follow, Hashtag, Image, Mention, Note, PUBLIC_COLLECTION, Question, Tombstone, Update, type Activity,
  type Recipient,
} from '@fedify/vocab'
import { accounts, customEmojis, statuses } from '../../src/db/schema'
import { fileOf, pngFixture } from '../support/media-fixtures'
import { makeUser, type MadeUser } from '../support/factories'
import { startLiveServer, type LiveServer } from '../support/live-server'
import { startPeer, type Peer } from '../support/peer'

let rookery: LiveServer
/** bob follows alice; dora does not */
let peer: Peer
/** carl, on a server where nobody follows alice */
let other: Peer
let alice: MadeUser
let aliceUri: string
let followersUri: string
let carlAcct: string

async function post(params: Record<string, unknown>): Promise<{ id: string; uri: string }> {
  const res = await rookery.api(alice, 'POST', '/api/v1/statuses', params)
  expect(res.status).toBe(200)
  return res.body
}

async function recipientOf(user: MadeUser): Promise<Recipient> {
  const actor = await peer.context().lookupObject(`${rookery.baseUrl}/users/${user.account.username}`)
  expect(actor?.id?.href).toBe(`${rookery.baseUrl}/users/${user.account.username}`)
  return actor as unknown as Recipient
}

const about = <T extends typeof Create | typeof Update | typeof Delete>(Type: T, uri: string) =>
  (a: Activity): a is InstanceType<T> => a instanceof Type && a.objectId?.href === uri

async function noteOf(activity: Activity, on: Peer = peer): Promise<Note | Question> {
  const object = await activity.getObject(on.context())
  expect(object instanceof Note || object instanceof Question).toBe(true)
  return object as Note | Question
}

const hrefs = (urls: URL[]) => urls.map((u) => u.href)

beforeAll(async () => {
  rookery = await startLiveServer({ federation: { allowPrivate: true } })
  peer = await startPeer(['bob', 'dora'])
  other = await startPeer(['carl'])
  alice = await makeUser(rookery.ctx)
  aliceUri = `${rookery.baseUrl}/users/${alice.account.username}`
  followersUri = `${aliceUri}/followers`
  const to = await recipientOf(alice)
  const followId = new URL(`${peer.baseUrl}/users/bob/follows/${Date.now()}`)
  await peer.send(new Follow({ id: followId, actor: peer.actorUri('bob'), object: to.id }), to)
  await peer.waitFor((a): a is Accept => a instanceof Accept && a.objectId?.href === followId.href)
  // carl becomes known here, so that alice can mention him
  carlAcct = `carl@${new URL(other.baseUrl).host}`
  const found = await rookery.api(alice, 'GET', `/api/v2/search?q=${encodeURIComponent(`@${carlAcct}`)}&resolve=true&type=accounts`)
  expect(found.body.accounts.map((a: { acct: string }) => a.acct)).toEqual([carlAcct])
}, 90_000)

afterAll(async () => {
  await other?.stop()
  await peer?.stop()
  await rookery?.stop()
}, 60_000)

describe('posting', () => {
  test('a public status reaches the follower as a Create: Public in to, followers in cc, content, tags', async () => {
    const status = await post({ status: 'Hello #fediverse, from here', visibility: 'public', language: 'en', spoiler_text: 'greeting' })
    const create = await peer.waitFor(about(Create, status.uri))
    expect(create.id?.href).toBe(`${status.uri}/activity`)
    expect(create.actorId?.href).toBe(aliceUri)
    expect(hrefs(create.toIds)).toEqual([PUBLIC_COLLECTION.href])
    expect(hrefs(create.ccIds)).toEqual([followersUri])
    const note = await noteOf(create)
    expect(note).toBeInstanceOf(Note)
    expect(note.attributionId?.href).toBe(aliceUri)
    expect(note.url?.toString()).toBe(`${rookery.baseUrl}/@${alice.account.username}/${status.id}`)
    expect(String(note.content)).toContain('from here')
    expect(note.contents.some((c) => typeof c !== 'string' && c.locale.baseName === 'en')).toBe(true)
    expect(String(note.summary)).toBe('greeting')
    expect(note.sensitive).toBe(true)
    expect(note.source?.content).toBe('Hello #fediverse, from here')
    expect(note.source?.mediaType).toBe('text/plain')
    expect(note.published).not.toBeNull()
    expect(note.contextIds[0]?.href).toStartWith(`${rookery.baseUrl}/contexts/`)
    const tags = await Array.fromAsync(note.getTags(peer.context()))
    const hashtag = tags.find((t) => t instanceof Hashtag) as Hashtag
    expect(String(hashtag.name)).toBe('#fediverse')
    expect(hashtag.href?.href).toBe(`${rookery.baseUrl}/tags/fediverse`)
    // one delivery to the shared inbox
    expect(peer.deliveries.filter((d) => d.activity === create).map((d) => d.recipient)).toEqual([null])
  }, 60_000)

  test('unlisted: followers in to, Public in cc', async () => {
    const status = await post({ status: 'quietly public', visibility: 'unlisted' })
    const create = await peer.waitFor(about(Create, status.uri))
    expect(hrefs(create.toIds)).toEqual([followersUri])
    expect(hrefs(create.ccIds)).toEqual([PUBLIC_COLLECTION.href])
  }, 60_000)

  test('private: to the followers collection, never to a non-follower; mentioned accounts get it too', async () => {
    const status = await post({ status: 'followers only', visibility: 'private' })
    const create = await peer.waitFor(about(Create, status.uri))
    expect(hrefs(create.toIds)).toEqual([followersUri])
    expect(create.ccIds).toEqual([])
    expect(hrefs((await noteOf(create)).toIds)).toEqual([followersUri])

    const mentioning = await post({ status: `for followers and @${carlAcct}`, visibility: 'private' })
    const toCarl = await other.waitFor(about(Create, mentioning.uri))
    expect(hrefs(toCarl.toIds)).toEqual([followersUri, other.actorUri('carl').href])
    const tags = await Array.fromAsync((await noteOf(toCarl, other)).getTags(other.context()))
    expect(tags.filter((t) => t instanceof Mention).map((t) => [t.href?.href, String(t.name)]))
      .toEqual([[other.actorUri('carl').href, `@${carlAcct}`]])
    // the first private post never went to carl's server
    expect(other.received.some(about(Create, status.uri))).toBe(false)
  }, 60_000)

  test('direct: only the mentioned, at their personal inbox; followers get nothing', async () => {
    const status = await post({ status: `@${carlAcct} just between us`, visibility: 'direct' })
    const create = await other.waitFor(about(Create, status.uri))
    expect(hrefs(create.toIds)).toEqual([other.actorUri('carl').href])
    expect(create.ccIds).toEqual([])
    expect(other.deliveries.filter((d) => d.activity === create).map((d) => d.recipient)).toEqual(['carl'])
    // a later public post arrives at bob's server, the direct one never does
    const later = await post({ status: 'after the direct one', visibility: 'public' })
    await peer.waitFor(about(Create, later.uri))
    expect(peer.received.some(about(Create, status.uri))).toBe(false)
  }, 60_000)

  test('local-only and list statuses never leave the instance', async () => {
    const local = await post({ status: `only here, even for @${carlAcct}`, visibility: 'local' })
    const list = await rookery.api(alice, 'POST', '/api/v1/lists', { title: 'friends' })
    expect(list.status).toBe(200)
    const listed = await post({ status: 'for a list', visibility: `list:${list.body.id}` })
    const later = await post({ status: `after the local one @${carlAcct}`, visibility: 'public' })
    await peer.waitFor(about(Create, later.uri))
    await other.waitFor(about(Create, later.uri))
    for (const uri of [local.uri, listed.uri]) {
      expect(peer.received.some(about(Create, uri))).toBe(false)
      expect(other.received.some(about(Create, uri))).toBe(false)
    }
  }, 60_000)

  test('a reply to a remote status names its parent and its author', async () => {
    const [bob] = await rookery.ctx.db.select().from(accounts).where(eq(accounts.uri, peer.actorUri('bob').href))
    const parentUri = `${peer.baseUrl}/users/bob/notes/${Date.now()}`
    const [parent] = await rookery.ctx.db.insert(statuses).values({
      accountId: bob.id, uri: parentUri, url: parentUri, content: '<p>what do you think?</p>', visibility: 'public', local: false,
    }).returning()
    const reply = await post({ status: 'I agree', in_reply_to_id: parent.id, visibility: 'public' })
    const create = await peer.waitFor(about(Create, reply.uri))
    const note = await noteOf(create)
    expect(note.replyTargetId?.href).toBe(parentUri)
    expect(hrefs(note.ccIds)).toEqual([followersUri, peer.actorUri('bob').href])
    const tags = await Array.fromAsync(note.getTags(peer.context()))
    expect(tags.filter((t) => t instanceof Mention).map((t) => t.href?.href)).toEqual([peer.actorUri('bob').href])
  }, 60_000)

  test('a reply reaches the author of its parent even when nobody on that server follows', async () => {
    const [carl] = await rookery.ctx.db.select().from(accounts).where(eq(accounts.uri, other.actorUri('carl').href))
    const parentUri = `${other.baseUrl}/users/carl/notes/${Date.now()}`
    const [parent] = await rookery.ctx.db.insert(statuses).values({
      accountId: carl.id, uri: parentUri, url: parentUri, content: '<p>anyone?</p>', visibility: 'public', local: false,
    }).returning()
    const reply = await post({ status: 'me!', in_reply_to_id: parent.id, visibility: 'unlisted' })
    const create = await other.waitFor(about(Create, reply.uri))
    expect((await noteOf(create, other)).replyTargetId?.href).toBe(parentUri)
    expect(hrefs(create.ccIds)).toEqual([PUBLIC_COLLECTION.href, other.actorUri('carl').href])
  }, 60_000)

  test('a poll goes out as a Question with its options', async () => {
    const status = await post({ status: 'tea or coffee?', visibility: 'public', poll: { options: ['tea', 'coffee'], expires_in: 3600 } })
    const create = await peer.waitFor(about(Create, status.uri))
    const question = await noteOf(create)
    expect(question).toBeInstanceOf(Question)
    const options = await Array.fromAsync((question as Question).getExclusiveOptions(peer.context()))
    expect(options.map((o) => String(o.name))).toEqual(['tea', 'coffee'])
    expect((question as Question).endTime).not.toBeNull()
  }, 60_000)

  test('a quote carries quoteUrl and quote', async () => {
    const quoted = await post({ status: 'quote me', visibility: 'public' })
    const status = await post({ status: 'quoting', visibility: 'public', quote_id: quoted.id })
    const note = await noteOf(await peer.waitFor(about(Create, status.uri)))
    expect(note.quoteUrl?.href).toBe(quoted.uri)
  }, 60_000)
})

describe('attachments and emoji', () => {
  test('media and custom emoji: Document attachments with their description and size, Emoji tags', async () => {
    const form = new FormData()
    form.append('file', fileOf(pngFixture(64, 48), 'image/png', 'red.png'))
    form.append('description', 'a red square')
    const upload = await fetch(`${rookery.baseUrl}/api/v2/media`, { method: 'POST', headers: { authorization: `Bearer ${alice.token}` }, body: form })
    expect(upload.status).toBeLessThan(300)
    const media = await upload.json() as { id: string; url: string; blurhash: string | null }
    const shortcode = `blob${Date.now()}`
    await rookery.ctx.db.insert(customEmojis).values({ shortcode, fileKey: `test/${shortcode}.png` })
    const status = await post({ status: `look :${shortcode}:`, visibility: 'public', media_ids: [media.id] })
    const note = await noteOf(await peer.waitFor(about(Create, status.uri)))
    const [attachment] = await Array.fromAsync(note.getAttachments(peer.context()))
    expect(attachment).toBeInstanceOf(Document)
    const doc = attachment as Document
    expect(doc.mediaType).toBe('image/png')
    expect(String(doc.name)).toBe('a red square')
    expect([doc.width, doc.height]).toEqual([64, 48])
    expect((doc.url as URL).href).toBe(new URL(media.url, rookery.baseUrl).href)
    const emoji = (await Array.fromAsync(note.getTags(peer.context()))).find((t) => t instanceof Emoji) as Emoji
    expect(String(emoji.name)).toBe(`:${shortcode}:`)
    const icon = await emoji.getIcon(peer.context())
    expect(icon).toBeInstanceOf(Image)
    expect((icon!.url as URL).href).toContain(`${shortcode}.png`)
    // what Fedify's vocabulary has no word for is in the served object
    const served = await (await fetch(status.uri, { headers: { accept: 'application/activity+json' } })).json() as Record<string, any>
    const servedAttachment = Array.isArray(served.attachment) ? served.attachment[0] : served.attachment
    expect(media.blurhash).toBeString()
    expect(servedAttachment.blurhash).toBe(media.blurhash)
    expect(servedAttachment.name).toBe('a red square')
  }, 60_000)
})

describe('editing and deleting', () => {
  test('an edit goes out as an Update of the Note, a deletion as a Delete of a Tombstone', async () => {
    const status = await post({ status: 'first version', visibility: 'public' })
    await peer.waitFor(about(Create, status.uri))
    const edited = await rookery.api(alice, 'PUT', `/api/v1/statuses/${status.id}`, { status: 'second version' })
    expect(edited.status).toBe(200)
    const update = await peer.waitFor(about(Update, status.uri))
    expect(update.actorId?.href).toBe(aliceUri)
    expect(hrefs(update.toIds)).toEqual([PUBLIC_COLLECTION.href])
    const note = await noteOf(update)
    expect(String(note.content)).toContain('second version')
    expect(note.updated).not.toBeNull()

    const deleted = await rookery.api(alice, 'DELETE', `/api/v1/statuses/${status.id}`)
    expect(deleted.status).toBe(200)
    const del = await peer.waitFor(about(Delete, status.uri))
    expect(del.actorId?.href).toBe(aliceUri)
    expect(hrefs(del.toIds)).toEqual([PUBLIC_COLLECTION.href])
    expect(await del.getObject(peer.context())).toBeInstanceOf(Tombstone)
  }, 60_000)

  test('deleting a direct status tells only its addressees', async () => {
    const status = await post({ status: `@${carlAcct} a secret`, visibility: 'direct' })
    await other.waitFor(about(Create, status.uri))
    expect((await rookery.api(alice, 'DELETE', `/api/v1/statuses/${status.id}`)).status).toBe(200)
    const del = await other.waitFor(about(Delete, status.uri))
    expect(hrefs(del.toIds)).toEqual([other.actorUri('carl').href])
    const later = await post({ status: 'after the secret', visibility: 'public' })
    await peer.waitFor(about(Create, later.uri))
    expect(peer.received.some(about(Delete, status.uri))).toBe(false)
  }, 60_000)

  test('an edit that changes nothing sends nothing; someone else cannot edit or delete', async () => {
    const status = await post({ status: 'stable', visibility: 'public' })
    await peer.waitFor(about(Create, status.uri))
    expect((await rookery.api(alice, 'PUT', `/api/v1/statuses/${status.id}`, { status: 'stable' })).status).toBe(200)
    const mallory = await makeUser(rookery.ctx)
    expect((await rookery.api(mallory, 'PUT', `/api/v1/statuses/${status.id}`, { status: 'defaced' })).status).toBe(403)
    expect((await rookery.api(mallory, 'DELETE', `/api/v1/statuses/${status.id}`)).status).toBe(403)
    const later = await post({ status: 'after the non-edit', visibility: 'public' })
    await peer.waitFor(about(Create, later.uri))
    expect(peer.received.some(about(Update, status.uri))).toBe(false)
    expect(peer.received.some(about(Delete, status.uri))).toBe(false)
  }, 60_000)
})
