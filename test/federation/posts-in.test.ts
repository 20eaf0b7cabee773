// Posts from a server that is not Rookery (a Fedify peer on loopback) arriving in signed activities, checked over the
// client API for a follower (alice), a non-follower (carol), an addressee (dave) and anonymous readers.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { Accept, Follow, type Activity } from '@fedify/vocab'
import { statuses } from '../../src/db/schema'
import { makeUser, type MadeUser } from '../support/factories'
import { startLiveServer, until, type LiveServer } from '../support/live-server'
import { startPeer, type Peer } from '../support/peer'

const PUBLIC = 'https://www.w3.org/ns/activitystreams#Public'
const CONTEXT = [
  'https://www.w3.org/ns/activitystreams',
  {
    sensitive: 'as:sensitive',
    Hashtag: 'as:Hashtag',
    toot: 'http://joinmastodon.org/ns#',
    Emoji: 'toot:Emoji',
    blurhash: 'toot:blurhash',
    litepub: 'http://litepub.social/ns#',
    directMessage: 'litepub:directMessage',
    ostatus: 'http://ostatus.org#',
    conversation: 'ostatus:conversation',
    votersCount: 'toot:votersCount',
    quoteUrl: 'as:quoteUrl',
  },
]

let rookery: LiveServer
let peer: Peer
let peerHost: string
let alice: MadeUser
let carol: MadeUser
let dave: MadeUser
let inbox: string
let bobUri: string

let seq = 0
const noteId = (name = 'bob') => `${peer.baseUrl}/users/${name}/statuses/${Date.now()}-${++seq}`

function note(fields: Record<string, unknown>, name = 'bob'): Record<string, any> & { id: string } {
  const actor = peer.actorUri(name).href
  return {
    id: (fields.id as string | undefined) ?? noteId(name),
    type: 'Note',
    attributedTo: actor,
    content: '<p>hello</p>',
    published: new Date().toISOString(),
    to: [PUBLIC],
    cc: [`${actor}/followers`],
    ...fields,
  }
}

const activity = (type: string, object: unknown, name = 'bob', extra: Record<string, unknown> = {}) => ({
  '@context': CONTEXT,
  id: `${peer.baseUrl}/users/${name}/activities/${type.toLowerCase()}-${Date.now()}-${++seq}`,
  type,
  actor: peer.actorUri(name).href,
  ...(object && typeof object === 'object' && 'to' in object ? { to: (object as any).to, cc: (object as any).cc } : {}),
  object,
  ...extra,
})

async function deliver(json: unknown, name = 'bob') {
  const res = await peer.sendJson(json, inbox, name)
  expect(res.status).toBeLessThan(300)
}

const storedStatus = (uri: string) => until(async () => {
  const [row] = await rookery.ctx.db.select().from(statuses).where(eq(statuses.uri, uri))
  return row
})

/** Sends `json`, then a public sentinel after it, and waits for the sentinel: the first was processed or dropped by then. */
async function deliverAndSettle(json: unknown, name = 'bob') {
  await deliver(json, name)
  const sentinel = note({})
  await deliver(activity('Create', sentinel))
  await storedStatus(sentinel.id)
  await Bun.sleep(500)
}

const exists = async (uri: string) => (await rookery.ctx.db.select({ id: statuses.id }).from(statuses).where(eq(statuses.uri, uri))).length > 0

beforeAll(async () => {
  rookery = await startLiveServer({ federation: { allowPrivate: true } })
  peer = await startPeer(['bob', 'eve', 'fay'])
  peerHost = new URL(peer.baseUrl).host
  inbox = `${rookery.baseUrl}/inbox`
  bobUri = peer.actorUri('bob').href
  ;[alice, carol, dave] = await Promise.all([makeUser(rookery.ctx), makeUser(rookery.ctx), makeUser(rookery.ctx)])

  // alice follows bob over the API, and bob accepts
  const found = await rookery.api(alice, 'GET', `/api/v2/search?q=${encodeURIComponent(`@bob@${peerHost}`)}&resolve=true&type=accounts`)
  const bobId = found.body.accounts[0].id
  await rookery.api(alice, 'POST', `/api/v1/accounts/${bobId}/follow`)
  const follow = await peer.waitFor((a: Activity): a is Follow => a instanceof Follow && a.objectId?.href === bobUri)
  const aliceActor = await peer.context().lookupObject(`${rookery.baseUrl}/users/${alice.account.username}`)
  await peer.send(new Accept({ id: new URL(`${peer.baseUrl}/accepts/${Date.now()}`), actor: new URL(bobUri), object: follow }), aliceActor as any)
  await until(async () => (await rookery.api(alice, 'GET', `/api/v1/accounts/relationships?id[]=${bobId}`)).body[0]?.following)
}, 90_000)

afterAll(async () => {
  await peer?.stop()
  await rookery?.stop()
}, 60_000)

const homeIds = async (user: MadeUser) => (await rookery.api(user, 'GET', '/api/v1/timelines/home?limit=40')).body.map((s: any) => s.uri)
const federatedUris = async (user: MadeUser | null) => (await rookery.api(user, 'GET', '/api/v1/timelines/public?remote=true&limit=40')).body.map((s: any) => s.uri)

describe('addressing decides who sees a remote status', () => {
  test('public: in the follower\'s home, the federated timeline, and readable by anyone; content is sanitized', async () => {
    const n = note({
      content: '<p>Hallo <a href="https://example.com/tags/fedi" rel="tag">#fedi</a> :blobcat:</p><script>alert(1)</script><img src=x onerror=alert(2)>',
      contentMap: { de: '<p>Hallo</p>' },
      summary: 'cw <b>here</b>',
      sensitive: true,
      url: `${peer.baseUrl}/@bob/123`,
      tag: [
        { type: 'Hashtag', name: '#fedi', href: 'https://example.com/tags/fedi' },
        { type: 'Emoji', name: ':blobcat:', icon: { type: 'Image', url: `${peer.baseUrl}/emoji/blobcat.png` } },
      ],
      attachment: [{ type: 'Document', mediaType: 'image/png', url: `${peer.baseUrl}/media/1.png`, name: 'a cat', blurhash: 'UABC', width: 40, height: 20 }],
      source: { content: 'Hallo #fedi :blobcat:', mediaType: 'text/markdown' },
    })
    await deliver(activity('Create', n))
    const row = await storedStatus(n.id)
    expect(row.local).toBe(false)

    const seen = await rookery.api(carol, 'GET', `/api/v1/statuses/${row.id}`)
    expect(seen.status).toBe(200)
    expect(seen.body.content).not.toContain('<script')
    expect(seen.body.content).not.toContain('onerror')
    expect(seen.body.content).toContain('Hallo')
    expect(seen.body).toMatchObject({
      uri: n.id, url: n.url, visibility: 'public', sensitive: true, spoiler_text: 'cw here', language: 'de',
      account: { acct: `bob@${peerHost}` },
    })
    expect(seen.body.tags.map((t: any) => t.name)).toEqual(['fedi'])
    expect(seen.body.emojis).toEqual([expect.objectContaining({ shortcode: 'blobcat', url: `${peer.baseUrl}/emoji/blobcat.png` })])
    expect(seen.body.media_attachments).toEqual([expect.objectContaining({
      type: 'image', url: `${peer.baseUrl}/media/1.png`, remote_url: `${peer.baseUrl}/media/1.png`, description: 'a cat', blurhash: 'UABC',
    })])
    expect(seen.body.created_at).toBe(new Date(n.published).toISOString())

    expect((await rookery.api(null, 'GET', `/api/v1/statuses/${row.id}`)).status).toBe(200)
    expect(await homeIds(alice)).toContain(n.id)
    expect(await homeIds(carol)).not.toContain(n.id)
    expect(await federatedUris(null)).toContain(n.id)
    const local = (await rookery.api(null, 'GET', '/api/v1/timelines/public?local=true&limit=40')).body.map((s: any) => s.uri)
    expect(local).not.toContain(n.id)
  }, 60_000)

  test('unlisted: in the follower\'s home, readable by anyone, not in the federated timeline', async () => {
    const n = note({ to: [`${bobUri}/followers`], cc: [PUBLIC], content: '<p>quiet</p>' })
    await deliver(activity('Create', n))
    const row = await storedStatus(n.id)
    expect(row.visibility).toBe('unlisted')
    expect(await homeIds(alice)).toContain(n.id)
    expect(await federatedUris(null)).not.toContain(n.id)
    expect((await rookery.api(null, 'GET', `/api/v1/statuses/${row.id}`)).status).toBe(200)
  }, 60_000)

  test('private: the follower sees it; a non-follower and anonymous readers never do', async () => {
    const n = note({ to: [`${bobUri}/followers`], cc: [], content: '<p>followers only</p>' })
    await deliver(activity('Create', n))
    const row = await storedStatus(n.id)
    expect(row.visibility).toBe('private')
    expect(await homeIds(alice)).toContain(n.id)
    expect((await rookery.api(alice, 'GET', `/api/v1/statuses/${row.id}`)).status).toBe(200)
    expect((await rookery.api(carol, 'GET', `/api/v1/statuses/${row.id}`)).status).toBe(404)
    expect((await rookery.api(null, 'GET', `/api/v1/statuses/${row.id}`)).status).toBe(404)
    expect(await homeIds(carol)).not.toContain(n.id)
    expect(await federatedUris(carol)).not.toContain(n.id)
    const searched = await rookery.api(carol, 'GET', `/api/v2/search?q=${encodeURIComponent(n.id)}&resolve=true`)
    expect(searched.body.statuses).toEqual([])
  }, 60_000)

  test('direct: only the mentioned account sees it, with a mention notification and a conversation', async () => {
    const daveUri = `${rookery.baseUrl}/users/${dave.account.username}`
    const n = note({
      to: [daveUri], cc: [], directMessage: true,
      content: `<p><span class="h-card"><a href="${daveUri}" class="u-url mention">@<span>${dave.account.username}</span></a></span> psst</p>`,
      tag: [{ type: 'Mention', href: daveUri, name: `@${dave.account.username}@${new URL(rookery.baseUrl).host}` }],
      context: `${peer.baseUrl}/contexts/dm-${seq}`,
    })
    await deliver(activity('Create', n))
    const row = await storedStatus(n.id)
    expect(row.visibility).toBe('direct')

    const shown = await rookery.api(dave, 'GET', `/api/v1/statuses/${row.id}`)
    expect(shown.status).toBe(200)
    expect(shown.body.mentions.map((m: any) => m.id)).toEqual([dave.account.id])
    for (const other of [alice, carol, null]) expect((await rookery.api(other, 'GET', `/api/v1/statuses/${row.id}`)).status).toBe(404)
    expect(await homeIds(alice)).not.toContain(n.id)

    const notes = await rookery.api(dave, 'GET', '/api/v1/notifications?types[]=mention')
    expect(notes.body.map((x: any) => x.status?.uri)).toContain(n.id)
    const conversations = await rookery.api(dave, 'GET', '/api/v1/conversations')
    const conversation = conversations.body.find((c: any) => c.last_status?.uri === n.id)
    expect(conversation).toBeDefined()
    expect(conversation.accounts.map((a: any) => a.acct)).toEqual([`bob@${peerHost}`])
    expect((await rookery.api(carol, 'GET', '/api/v1/conversations')).body.some((c: any) => c.last_status?.uri === n.id)).toBe(false)

    // a second message in the same remote context joins the same conversation
    const again = note({ ...n, id: noteId(), content: '<p>again</p>' })
    await deliver(activity('Create', again))
    const second = await storedStatus(again.id)
    expect(second.conversationId).toBe(row.conversationId)
  }, 60_000)

  test('a mentioned remote actor not known yet is fetched and listed among the mentions', async () => {
    const fayUri = peer.actorUri('fay').href
    const n = note({ content: '<p>@fay hi</p>', tag: [{ type: 'Mention', href: fayUri, name: `@fay@${peerHost}` }], cc: [`${bobUri}/followers`, fayUri] })
    await deliver(activity('Create', n))
    const row = await storedStatus(n.id)
    const shown = await rookery.api(carol, 'GET', `/api/v1/statuses/${row.id}`)
    expect(shown.body.mentions.map((m: any) => m.acct)).toEqual([`fay@${peerHost}`])
  }, 60_000)

  test('an addressee not mentioned in the text gets the status as a silent mention', async () => {
    const daveUri = `${rookery.baseUrl}/users/${dave.account.username}`
    const n = note({ to: [`${bobUri}/followers`, daveUri], cc: [], content: '<p>also for dave</p>' })
    await deliver(activity('Create', n))
    const row = await storedStatus(n.id)
    expect(row.visibility).toBe('private')
    expect((await rookery.api(dave, 'GET', `/api/v1/statuses/${row.id}`)).status).toBe(200)
    expect((await rookery.api(carol, 'GET', `/api/v1/statuses/${row.id}`)).status).toBe(404)
  }, 60_000)
})

describe('threads', () => {
  test('a reply to a local status joins its thread and notifies its author', async () => {
    const posted = await rookery.api(alice, 'POST', '/api/v1/statuses', { status: 'local root', visibility: 'public' })
    expect(posted.status).toBe(200)
    const aliceUri = `${rookery.baseUrl}/users/${alice.account.username}`
    const n = note({
      inReplyTo: posted.body.uri,
      cc: [`${bobUri}/followers`, aliceUri],
      content: `<p>@${alice.account.username} nice</p>`,
      tag: [{ type: 'Mention', href: aliceUri, name: `@${alice.account.username}` }],
    })
    await deliver(activity('Create', n))
    const row = await storedStatus(n.id)
    expect(row.inReplyToId).toBe(posted.body.id)

    const context = await rookery.api(carol, 'GET', `/api/v1/statuses/${posted.body.id}/context`)
    expect(context.body.descendants.map((s: any) => s.uri)).toEqual([n.id])
    const root = await rookery.api(alice, 'GET', `/api/v1/statuses/${posted.body.id}`)
    expect(root.body.replies_count).toBe(1)
    const notes = await rookery.api(alice, 'GET', '/api/v1/notifications?types[]=mention')
    expect(notes.body.map((x: any) => x.status?.uri)).toContain(n.id)
  }, 60_000)

  test('an unknown parent is fetched from its origin, and its own parent too', async () => {
    const grandId = `${peer.baseUrl}/users/bob/statuses/grand-${Date.now()}`
    const parentId = `${peer.baseUrl}/users/bob/statuses/parent-${Date.now()}`
    peer.serve(new URL(grandId).pathname, { '@context': CONTEXT, ...note({ id: grandId, content: '<p>grandparent</p>' }) })
    peer.serve(new URL(parentId).pathname, { '@context': CONTEXT, ...note({ id: parentId, inReplyTo: grandId, content: '<p>parent</p>' }) })
    const n = note({ inReplyTo: parentId, content: '<p>child</p>' })
    await deliver(activity('Create', n))
    const row = await storedStatus(n.id)
    const context = await rookery.api(carol, 'GET', `/api/v1/statuses/${row.id}/context`)
    expect(context.body.ancestors.map((s: any) => s.uri)).toEqual([grandId, parentId])
  }, 60_000)

  test('a parent that cannot be fetched leaves the reply stored without it', async () => {
    const n = note({ inReplyTo: `${peer.baseUrl}/users/bob/statuses/missing-${Date.now()}`, content: '<p>orphan</p>' })
    await deliver(activity('Create', n))
    const row = await storedStatus(n.id)
    expect(row.inReplyToId).toBeNull()
  }, 60_000)

  test('a reply stored before its unreachable parent joins it when the parent arrives', async () => {
    const parent = note({ content: '<p>parent later</p>' })
    const reply = note({ inReplyTo: parent.id, content: '<p>reply first</p>' }, 'eve')
    const aside = note({ inReplyTo: parent.id, content: '<p>followers only</p>', to: [`${peer.actorUri('eve').href}/followers`], cc: [] }, 'eve')
    await deliver(activity('Create', reply, 'eve'), 'eve')
    await deliver(activity('Create', aside, 'eve'), 'eve')
    expect((await storedStatus(reply.id)).inReplyToId).toBeNull()
    expect((await storedStatus(aside.id)).inReplyToId).toBeNull()

    await deliver(activity('Create', parent))
    const parentRow = await storedStatus(parent.id)
    // linked in the transaction that stored the parent
    const [replyRow] = await rookery.ctx.db.select().from(statuses).where(eq(statuses.uri, reply.id))
    expect(replyRow).toMatchObject({ inReplyToId: parentRow.id, inReplyToAccountId: parentRow.accountId, conversationId: parentRow.conversationId })
    const [asideRow] = await rookery.ctx.db.select().from(statuses).where(eq(statuses.uri, aside.id))
    expect(asideRow).toMatchObject({ inReplyToId: parentRow.id, visibility: 'private' })

    const context = await rookery.api(carol, 'GET', `/api/v1/statuses/${parentRow.id}/context`)
    expect(context.status).toBe(200)
    expect(context.body.descendants.map((s: any) => s.uri)).toEqual([reply.id])
    const shown = await rookery.api(carol, 'GET', `/api/v1/statuses/${parentRow.id}`)
    // the followers-only reply is not counted, as on Mastodon
    expect(shown.body.replies_count).toBe(1)
    const replyShown = await rookery.api(carol, 'GET', `/api/v1/statuses/${replyRow.id}`)
    expect(replyShown.body).toMatchObject({ in_reply_to_id: parentRow.id, in_reply_to_account_id: parentRow.accountId, visibility: 'public' })
    const up = await rookery.api(null, 'GET', `/api/v1/statuses/${replyRow.id}/context`)
    expect(up.body.ancestors.map((s: any) => s.uri)).toEqual([parent.id])
  }, 60_000)

  test('a waiting reply is linked only by its parent\'s exact URI; a status refused by the origin rule links nothing', async () => {
    const parentId = `${peer.baseUrl}/users/bob/statuses/later-${Date.now()}`
    const thirdHostParent = `http://127.0.0.9:1/users/x/statuses/${Date.now()}`
    const reply = note({ inReplyTo: parentId, content: '<p>waiting</p>' }, 'eve')
    const hostile = note({ inReplyTo: thirdHostParent, content: '<p>names a third host</p>' }, 'eve')
    await deliver(activity('Create', reply, 'eve'), 'eve')
    await deliver(activity('Create', hostile, 'eve'), 'eve')
    await storedStatus(reply.id)
    await storedStatus(hostile.id)

    // a status with a similar URI, and bob claiming the third host's URI, change nothing
    await deliverAndSettle(activity('Create', note({ id: `${parentId}-other` })))
    await deliverAndSettle(activity('Create', note({ id: thirdHostParent })))
    expect(await exists(thirdHostParent)).toBe(false)
    for (const uri of [reply.id, hostile.id]) {
      const [row] = await rookery.ctx.db.select().from(statuses).where(eq(statuses.uri, uri))
      expect(row.inReplyToId).toBeNull()
    }
    // a reply naming itself as its parent is not its own reply
    const selfId = noteId('eve')
    await deliver(activity('Create', note({ id: selfId, inReplyTo: selfId }, 'eve'), 'eve'), 'eve')
    const self = await storedStatus(selfId)
    expect(self.inReplyToId).toBeNull()
    expect(self.repliesCount).toBe(0)
  }, 60_000)
})

describe('edits and deletes', () => {
  test('an Update by the author edits the status and keeps its history; another actor\'s Update is ignored', async () => {
    const n = note({ content: '<p>first</p>' })
    await deliver(activity('Create', n))
    const row = await storedStatus(n.id)

    const forged = note({ ...n, content: '<p>forged</p>', updated: new Date().toISOString() })
    await deliverAndSettle(activity('Update', forged, 'eve'), 'eve')
    expect((await rookery.api(alice, 'GET', `/api/v1/statuses/${row.id}`)).body.content).toContain('first')

    const edited = note({ ...n, content: '<p>second</p>', summary: 'now with cw', updated: new Date().toISOString() })
    await deliver(activity('Update', edited))
    const shown = await until(async () => {
      const s = await rookery.api(alice, 'GET', `/api/v1/statuses/${row.id}`)
      return s.body.edited_at && s.body
    })
    expect(shown.content).toContain('second')
    expect(shown.spoiler_text).toBe('now with cw')
    const history = await rookery.api(alice, 'GET', `/api/v1/statuses/${row.id}/history`)
    expect(history.body.map((h: any) => h.content)).toEqual([expect.stringContaining('first'), expect.stringContaining('second')])

    // an older revision arriving late changes nothing
    const late = note({ ...n, content: '<p>stale</p>', updated: new Date(Date.now() - 60_000).toISOString() })
    await deliverAndSettle(activity('Update', late))
    expect((await rookery.api(alice, 'GET', `/api/v1/statuses/${row.id}`)).body.content).toContain('second')
  }, 60_000)

  test('a Delete (Tombstone or bare id) by the author removes the status; another actor\'s Delete is ignored', async () => {
    const a = note({})
    const b = note({})
    await deliver(activity('Create', a))
    await deliver(activity('Create', b))
    const rowA = await storedStatus(a.id)
    const rowB = await storedStatus(b.id)

    await deliverAndSettle(activity('Delete', { id: a.id, type: 'Tombstone' }, 'eve'), 'eve')
    expect((await rookery.api(alice, 'GET', `/api/v1/statuses/${rowA.id}`)).status).toBe(200)

    await deliver(activity('Delete', { id: a.id, type: 'Tombstone' }, 'bob', { to: [PUBLIC] }))
    await deliver(activity('Delete', b.id, 'bob', { to: [PUBLIC] }))
    await until(async () => !(await exists(a.id)) && !(await exists(b.id)))
    expect((await rookery.api(alice, 'GET', `/api/v1/statuses/${rowA.id}`)).status).toBe(404)
    expect((await rookery.api(alice, 'GET', `/api/v1/statuses/${rowB.id}`)).status).toBe(404)
    expect(await homeIds(alice)).not.toContain(a.id)
  }, 60_000)
})

describe('the origin rule and hostile input', () => {
  test('a Create of an object on another host, or attributed to someone else, is refused', async () => {
    const elsewhere = note({ id: `http://127.0.0.2:9/users/bob/statuses/${Date.now()}` })
    const notTheirs = note({}, 'bob')
    await deliver(activity('Create', elsewhere))
    await deliverAndSettle(activity('Create', notTheirs, 'eve'), 'eve')
    expect(await exists(elsewhere.id)).toBe(false)
    expect(await exists(notTheirs.id)).toBe(false)
  }, 60_000)

  test('an unsigned POST to an inbox is refused', async () => {
    const n = note({})
    for (const path of ['/inbox', `/users/${alice.account.username}/inbox`]) {
      const res = await fetch(`${rookery.baseUrl}${path}`, {
        method: 'POST', headers: { 'content-type': 'application/activity+json' }, body: JSON.stringify(activity('Create', n)),
      })
      expect(res.status).toBe(401)
    }
    await Bun.sleep(1000)
    expect(await exists(n.id)).toBe(false)
  }, 60_000)

  test('an Update of a status never received (its Create late or lost) stores the edited status', async () => {
    const n = note({ content: '<p>never created</p>' })
    await deliver(activity('Update', n))
    const row = await storedStatus(n.id)
    expect(row.content).toBe('<p>never created</p>')
    expect(row.local).toBe(false)
  }, 60_000)

  test('an Update of someone else\'s status never received stores nothing', async () => {
    const n = note({ content: '<p>not yours</p>' }, 'eve')
    await deliverAndSettle(activity('Update', n, 'bob'))
    expect(await exists(n.id)).toBe(false)
  }, 60_000)

  test('the same Create twice stores one status', async () => {
    const n = note({ content: '<p>once</p>' })
    await deliver(activity('Create', n))
    await storedStatus(n.id)
    await deliverAndSettle(activity('Create', n))
    const rows = await rookery.ctx.db.select().from(statuses).where(eq(statuses.uri, n.id))
    expect(rows).toHaveLength(1)
    expect((await homeIds(alice)).filter((u: string) => u === n.id)).toHaveLength(1)
  }, 60_000)
})

describe('polls and quotes', () => {
  test('a Question becomes a status with a poll', async () => {
    const q = note({
      type: 'Question', content: '<p>which?</p>',
      oneOf: [{ type: 'Note', name: 'this', replies: { type: 'Collection', totalItems: 3 } }, { type: 'Note', name: 'that', replies: { type: 'Collection', totalItems: 1 } }],
      endTime: new Date(Date.now() + 86_400_000).toISOString(), votersCount: 4,
    })
    await deliver(activity('Create', q))
    const row = await storedStatus(q.id)
    const shown = await rookery.api(carol, 'GET', `/api/v1/statuses/${row.id}`)
    expect(shown.body.poll).toMatchObject({
      multiple: false, expired: false, votes_count: 4, voters_count: 4,
      options: [{ title: 'this', votes_count: 3 }, { title: 'that', votes_count: 1 }],
    })
  }, 60_000)

  test('an Update of a Question with new counts only updates the poll, without an edit', async () => {
    const options = (a: number, b: number) => [
      { type: 'Note', name: 'yes', replies: { type: 'Collection', totalItems: a } },
      { type: 'Note', name: 'no', replies: { type: 'Collection', totalItems: b } },
    ]
    const q = note({ type: 'Question', content: '<p>poll</p>', anyOf: options(0, 0), endTime: new Date(Date.now() + 86_400_000).toISOString() })
    await deliver(activity('Create', q))
    const row = await storedStatus(q.id)
    await deliver(activity('Update', { ...q, anyOf: options(2, 5), votersCount: 6 }))
    const shown = await until(async () => {
      const s = await rookery.api(carol, 'GET', `/api/v1/statuses/${row.id}`)
      return s.body.poll?.votes_count === 7 && s.body
    })
    expect(shown.poll).toMatchObject({ multiple: true, voters_count: 6, options: [{ title: 'yes', votes_count: 2 }, { title: 'no', votes_count: 5 }] })
    expect(shown.edited_at).toBeNull()
  }, 60_000)

  test('an Article keeps its title; a FEP-e232 link quotes; Pleroma\'s conversation groups a thread', async () => {
    const quoted = note({ content: '<p>quoted by link</p>' })
    await deliver(activity('Create', quoted))
    const quotedRow = await storedStatus(quoted.id)
    const conversation = `tag:${peerHost},2026:objectId=${Date.now()}:objectType=Conversation`
    const article = note({
      type: 'Article', name: 'A <title>', content: '<p>body</p>', conversation,
      tag: [{ type: 'Link', mediaType: 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"', href: quoted.id, name: `RE: ${quoted.id}` }],
    })
    await deliver(activity('Create', article))
    const row = await storedStatus(article.id)
    expect(row.quoteId).toBe(quotedRow.id)
    expect(row.content).toContain('<strong>A &lt;title&gt;</strong>')
    expect(row.content).toContain('body')
    const sibling = note({ content: '<p>same conversation</p>', conversation })
    await deliver(activity('Create', sibling))
    expect((await storedStatus(sibling.id)).conversationId).toBe(row.conversationId)
  }, 60_000)

  test('quoteUrl to a known status sets the quote', async () => {
    const quoted = note({ content: '<p>quotable</p>' })
    await deliver(activity('Create', quoted))
    const quotedRow = await storedStatus(quoted.id)
    const n = note({ content: '<p>look</p>', quoteUrl: quoted.id })
    await deliver(activity('Create', n))
    const row = await storedStatus(n.id)
    expect(row.quoteId).toBe(quotedRow.id)
  }, 60_000)
})

describe('terms under their full names', () => {
  test('an object compacted with its activity\'s bare context (as Fedify-based servers send it) keeps its hashtags, emoji and counts', async () => {
    const tag = `prefixed${Date.now().toString(36)}`
    const q = note({
      type: 'Question', content: `<p>#${tag} :blink:</p>`,
      tag: [
        { type: 'as:Hashtag', href: `${peer.baseUrl}/tags/${tag}`, name: `#${tag}` },
        { type: 'http://joinmastodon.org/ns#Emoji', name: ':blink:', icon: { type: 'Image', url: `${peer.baseUrl}/emoji/blink.png` } },
      ],
      oneOf: [{ type: 'Note', name: 'one', replies: { type: 'Collection', totalItems: 2 } }, { type: 'Note', name: 'two', replies: { type: 'Collection', totalItems: 1 } }],
      endTime: new Date(Date.now() + 86_400_000).toISOString(),
      'http://joinmastodon.org/ns#votersCount': 3,
    })
    await deliver({ ...activity('Create', q), '@context': 'https://www.w3.org/ns/activitystreams' })
    const row = await storedStatus(q.id)
    const shown = (await rookery.api(carol, 'GET', `/api/v1/statuses/${row.id}`)).body
    expect(shown.tags.map((t: any) => t.name)).toEqual([tag])
    expect(shown.emojis).toEqual([expect.objectContaining({ shortcode: 'blink', url: `${peer.baseUrl}/emoji/blink.png` })])
    expect(shown.poll).toMatchObject({ voters_count: 3, votes_count: 3 })
    const tagged = (await rookery.api(null, 'GET', `/api/v1/timelines/tag/${tag}`)).body
    expect(tagged.map((s: any) => s.uri)).toEqual([q.id])
  }, 60_000)
})

describe('search by URL', () => {
  test('a signed-in user resolves a remote status by its URL; it is stored with its author', async () => {
    const id = `${peer.baseUrl}/users/bob/statuses/served-${Date.now()}`
    peer.serve(new URL(id).pathname, { '@context': CONTEXT, ...note({ id, content: '<p>found by url</p>' }) })
    expect((await rookery.api(null, 'GET', `/api/v2/search?q=${encodeURIComponent(id)}&resolve=true`)).status).toBe(401)
    const res = await rookery.api(carol, 'GET', `/api/v2/search?q=${encodeURIComponent(id)}&resolve=true`)
    expect(res.status).toBe(200)
    expect(res.body.statuses.map((s: any) => s.uri)).toEqual([id])
    expect(res.body.statuses[0]).toMatchObject({ content: '<p>found by url</p>', account: { acct: `bob@${peerHost}` } })
    const missing = await rookery.api(carol, 'GET', `/api/v2/search?q=${encodeURIComponent(`${peer.baseUrl}/users/bob/statuses/none`)}&resolve=true`)
    expect(missing.body.statuses).toEqual([])
  }, 60_000)

  test('a document whose id is on another origin than its URL is not stored', async () => {
    const path = `/spoofed/${Date.now()}`
    const claimed = `http://127.0.0.2:9/users/bob/statuses/${Date.now()}`
    peer.serve(path, { '@context': CONTEXT, ...note({ id: claimed }) })
    const res = await rookery.api(carol, 'GET', `/api/v2/search?q=${encodeURIComponent(`${peer.baseUrl}${path}`)}&resolve=true`)
    expect(res.body.statuses).toEqual([])
    expect(await exists(claimed)).toBe(false)
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

  test('a status URL on a private address is not fetched', async () => {
    const erin = await makeUser(closed.ctx)
    const id = `${peer.baseUrl}/users/bob/statuses/private-net-${Date.now()}`
    peer.serve(new URL(id).pathname, { '@context': CONTEXT, ...note({ id, content: '<p>not for you</p>' }) })
    const res = await fetch(`${closed.baseUrl}/api/v2/search?q=${encodeURIComponent(id)}&resolve=true`, { headers: { authorization: `Bearer ${erin.token}` } })
    expect(res.status).toBe(200)
    expect((await res.json() as any).statuses).toEqual([])
    expect(await exists(id)).toBe(false)
  }, 60_000)
})
