import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Ctx } from '../../src/core/context'
import { pruneOrphanMedia } from '../../src/core/media/prune'
import { blockAccount, unblockAccount } from '../../src/core/relationships/block'
import { muteAccount } from '../../src/core/relationships/mute'
import { eq } from 'drizzle-orm'
import { accounts, chatMessages, chats, notifications, remoteActors } from '../../src/db/schema'
import type { App } from '../../src/server/app'
import { contextWith } from '../support/context'
import { makeUser, uniqueName, type MadeUser } from '../support/factories'
import { call as callApp, type CallOptions } from '../support/http'
import { fileOf, pngFixture } from '../support/media-fixtures'
import { streamingServer } from '../support/websocket'

let ctx: Ctx
let app: App
let server: Awaited<ReturnType<typeof streamingServer>>
let mediaDir: string

beforeAll(async () => {
  mediaDir = mkdtempSync(join(tmpdir(), 'rookery-chats-test-'))
  const base = await contextWith({})
  ctx = await contextWith({ media: { dir: mediaDir, baseUrl: null, s3: null }, limits: { ...base.config.limits, maxTootChars: 100 } })
  server = await streamingServer(ctx)
  app = server.app
})

afterAll(async () => {
  await server.stop()
  rmSync(mediaDir, { recursive: true, force: true })
})

const api = (method: string, path: string, opts: CallOptions = {}) => callApp(method, path, { ...opts, app })

async function chatWith(me: MadeUser, other: MadeUser): Promise<{ id: string; [key: string]: unknown }> {
  const res = await api('POST', `/api/v1/pleroma/chats/by-account-id/${other.account.id}`, { token: me.token })
  expect(res.status).toBe(200)
  return res.json
}

async function send(me: MadeUser, chatId: string, json: Record<string, unknown>) {
  const res = await api('POST', `/api/v1/pleroma/chats/${chatId}/messages`, { token: me.token, json })
  expect(res.status).toBe(200)
  return res.json
}

const messages = (me: MadeUser, chatId: string, query: Record<string, string> = {}) =>
  api('GET', `/api/v1/pleroma/chats/${chatId}/messages`, { token: me.token, query })

async function upload(me: MadeUser): Promise<string> {
  const res = await api('POST', '/api/v1/media', { token: me.token, multipart: { file: fileOf(pngFixture(8, 8), 'image/png', 'pic.png') } })
  expect(res.status).toBe(200)
  return res.json.id
}

describe('chats', () => {
  test('create-or-get is idempotent and renders Pleroma\'s Chat', async () => {
    const [alice, bob] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    const first = await chatWith(alice, bob)
    const again = await chatWith(alice, bob)
    expect(again.id).toBe(first.id)
    expect(first).toEqual({ id: expect.any(String), account: expect.objectContaining({ id: bob.account.id }), unread: 0, last_message: null, updated_at: expect.any(String) })
    const shown = await api('GET', `/api/v1/pleroma/chats/${first.id}`, { token: alice.token })
    expect(shown.status).toBe(200)
    expect(shown.json.id).toBe(first.id)
    // the other side has its own chat
    const theirs = await chatWith(bob, alice)
    expect(theirs.id).not.toBe(first.id)
  })

  test('messages: formatted content, unread counts, reading, last_message, notification', async () => {
    const [alice, bob] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    const chat = await chatWith(alice, bob)
    const msg = await send(alice, chat.id, { content: 'hi <b>there</b> https://example.com/x @' + bob.account.username, idempotency_key: 'k1' })
    expect(msg).toEqual({
      id: expect.any(String), chat_id: chat.id, account_id: alice.account.id, content: expect.any(String), created_at: expect.any(String),
      emojis: [], attachment: null, card: null, unread: false, idempotency_key: 'k1',
    })
    expect(msg.content).not.toContain('<b>')
    expect(msg.content).toContain('href="https://example.com/x"')

    const bobChats = await api('GET', '/api/v1/pleroma/chats', { token: bob.token })
    expect(bobChats.status).toBe(200)
    expect(bobChats.json).toHaveLength(1)
    const bobChat = bobChats.json[0]
    expect(bobChat.account.id).toBe(alice.account.id)
    expect(bobChat.unread).toBe(1)
    expect(bobChat.last_message).toEqual({ ...msg, chat_id: bobChat.id, unread: true })

    const inBob = await messages(bob, bobChat.id)
    expect(inBob.json.map((m: { id: string; unread: boolean }) => [m.id, m.unread])).toEqual([[msg.id, true]])

    // chat notifications are not shown by default, as Pleroma
    const plain = await api('GET', '/api/v1/notifications', { token: bob.token })
    expect(plain.json.filter((n: { type: string }) => n.type === 'pleroma:chat_mention')).toEqual([])
    const notes = await api('GET', '/api/v1/notifications', { token: bob.token, query: { 'include_types[]': 'pleroma:chat_mention' } })
    expect(notes.json).toHaveLength(1)
    expect(notes.json[0]).toMatchObject({ type: 'pleroma:chat_mention', account: { id: alice.account.id }, chat_message: { id: msg.id, chat_id: bobChat.id } })

    const read = await api('POST', `/api/v1/pleroma/chats/${bobChat.id}/read`, { token: bob.token, json: { last_read_id: msg.id } })
    expect(read.status).toBe(200)
    expect(read.json.unread).toBe(0)
    const second = await send(alice, chat.id, { content: 'again' })
    expect((await api('GET', `/api/v1/pleroma/chats/${bobChat.id}`, { token: bob.token })).json.unread).toBe(1)
    const one = await api('POST', `/api/v1/pleroma/chats/${bobChat.id}/messages/${second.id}/read`, { token: bob.token })
    expect(one.status).toBe(200)
    expect(one.json).toMatchObject({ id: second.id, unread: false })
    expect((await api('GET', `/api/v1/pleroma/chats/${bobChat.id}`, { token: bob.token })).json.unread).toBe(0)

    // the newest chat comes first for alice
    const carol = await makeUser(ctx)
    const other = await chatWith(alice, carol)
    await send(alice, other.id, { content: 'newer' })
    expect((await api('GET', '/api/v1/pleroma/chats', { token: alice.token })).json.map((c: { id: string }) => c.id)).toEqual([other.id, chat.id])
  })

  test('messages are paged newest first with Link headers', async () => {
    const [alice, bob] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    const chat = await chatWith(alice, bob)
    const sent: string[] = []
    for (let i = 0; i < 5; i++) sent.push((await send(alice, chat.id, { content: `m${i}` })).id)
    const page1 = await messages(alice, chat.id, { limit: '2' })
    expect(page1.json.map((m: { id: string }) => m.id)).toEqual([sent[4], sent[3]])
    const link = page1.headers.get('link')!
    expect(link).toContain(`max_id=${sent[3]}`)
    expect(link).toContain(`min_id=${sent[4]}`)
    const page2 = await messages(alice, chat.id, { limit: '2', max_id: sent[3] })
    expect(page2.json.map((m: { id: string }) => m.id)).toEqual([sent[2], sent[1]])
    const newer = await messages(alice, chat.id, { limit: '2', min_id: sent[1] })
    expect(newer.json.map((m: { id: string }) => m.id)).toEqual([sent[3], sent[2]])
    const since = await messages(alice, chat.id, { since_id: sent[2] })
    expect(since.json.map((m: { id: string }) => m.id)).toEqual([sent[4], sent[3]])
  })

  test('v2 list pages by latest activity and leaves muted accounts out unless with_muted', async () => {
    const [me, a, b, c] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    const ca = await chatWith(me, a)
    const cb = await chatWith(me, b)
    const cc = await chatWith(me, c)
    await send(me, cb.id, { content: 'b' })
    await send(me, ca.id, { content: 'a' })
    await send(me, cc.id, { content: 'c' })
    const all = await api('GET', '/api/v2/pleroma/chats', { token: me.token })
    expect(all.json.map((x: { id: string }) => x.id)).toEqual([cc.id, ca.id, cb.id])
    const first = await api('GET', '/api/v2/pleroma/chats', { token: me.token, query: { limit: '2' } })
    expect(first.json.map((x: { id: string }) => x.id)).toEqual([cc.id, ca.id])
    expect(first.headers.get('link')).toContain(`max_id=${ca.id}`)
    const rest = await api('GET', '/api/v2/pleroma/chats', { token: me.token, query: { max_id: ca.id } })
    expect(rest.json.map((x: { id: string }) => x.id)).toEqual([cb.id])
    const newer = await api('GET', '/api/v2/pleroma/chats', { token: me.token, query: { min_id: cb.id, limit: '1' } })
    expect(newer.json.map((x: { id: string }) => x.id)).toEqual([ca.id])

    await muteAccount(ctx, me.account.id, a.account, { notifications: true, durationSeconds: null })
    const unmuted = await api('GET', '/api/v2/pleroma/chats', { token: me.token })
    expect(unmuted.json.map((x: { id: string }) => x.id)).toEqual([cc.id, cb.id])
    const withMuted = await api('GET', '/api/v2/pleroma/chats', { token: me.token, query: { with_muted: 'true' } })
    expect(withMuted.json.map((x: { id: string }) => x.id)).toEqual([cc.id, ca.id, cb.id])
  })

  test('someone else\'s chat or message is 404, and only one\'s own messages can be deleted', async () => {
    const [alice, bob, eve] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    const chat = await chatWith(alice, bob)
    const msg = await send(alice, chat.id, { content: 'private' })
    for (const [method, path] of [
      ['GET', `/api/v1/pleroma/chats/${chat.id}`],
      ['GET', `/api/v1/pleroma/chats/${chat.id}/messages`],
      ['POST', `/api/v1/pleroma/chats/${chat.id}/messages`],
      ['DELETE', `/api/v1/pleroma/chats/${chat.id}/messages/${msg.id}`],
      ['POST', `/api/v1/pleroma/chats/${chat.id}/read`],
      ['POST', `/api/v1/pleroma/chats/${chat.id}/messages/${msg.id}/read`],
    ] as const) {
      const res = await api(method, path, { token: eve.token, json: { content: 'x', last_read_id: msg.id } })
      expect([path, res.status, res.json]).toEqual([path, 404, { error: 'Record not found' }])
    }
    expect((await api('GET', '/api/v1/pleroma/chats/nonsense', { token: alice.token })).status).toBe(404)
    expect((await api('POST', '/api/v1/pleroma/chats/by-account-id/nonsense', { token: alice.token })).status).toBe(404)
    expect((await api('GET', '/api/v1/pleroma/chats/0000000000000000000', { token: alice.token })).status).toBe(404)

    const bobChat = await chatWith(bob, alice)
    expect((await api('DELETE', `/api/v1/pleroma/chats/${bobChat.id}/messages/${msg.id}`, { token: bob.token })).status).toBe(404)
    const gone = await api('DELETE', `/api/v1/pleroma/chats/${chat.id}/messages/${msg.id}`, { token: alice.token })
    expect(gone.status).toBe(200)
    expect(gone.json.id).toBe(msg.id)
    expect((await messages(bob, bobChat.id)).json).toEqual([])
    expect((await api('DELETE', `/api/v1/pleroma/chats/${chat.id}/messages/${msg.id}`, { token: alice.token })).status).toBe(404)
    // its notification went with it
    const notes = await api('GET', '/api/v1/notifications', { token: bob.token, query: { 'include_types[]': 'pleroma:chat_mention' } })
    expect(notes.json).toEqual([])
  })

  test('blocks either way refuse chats and hide them; accepts_chat_messages is respected', async () => {
    const [alice, bob, carol] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    const chat = await chatWith(alice, bob)
    await blockAccount(ctx, bob.account.id, alice.account)
    const refused = await api('POST', `/api/v1/pleroma/chats/${chat.id}/messages`, { token: alice.token, json: { content: 'hello?' } })
    expect(refused.status).toBe(422)
    expect(typeof refused.json.error).toBe('string')
    expect((await api('POST', `/api/v1/pleroma/chats/by-account-id/${bob.account.id}`, { token: alice.token })).status).toBe(422)
    expect((await api('POST', `/api/v1/pleroma/chats/by-account-id/${alice.account.id}`, { token: bob.token })).status).toBe(422)
    expect((await api('GET', '/api/v1/pleroma/chats', { token: alice.token })).json).toEqual([])
    await unblockAccount(ctx, bob.account.id, alice.account)
    expect((await api('GET', '/api/v1/pleroma/chats', { token: alice.token })).json.map((c: { id: string }) => c.id)).toEqual([chat.id])

    const cred = await api('PATCH', '/api/v1/accounts/update_credentials', { token: carol.token, json: { accepts_chat_messages: false } })
    expect(cred.status).toBe(200)
    expect(cred.json.pleroma.accepts_chat_messages).toBe(false)
    const toCarol = await chatWith(alice, carol)
    const no = await api('POST', `/api/v1/pleroma/chats/${toCarol.id}/messages`, { token: alice.token, json: { content: 'hi' } })
    expect(no.status).toBe(422)
    expect(no.json.error).toContain('does not accept')
  })

  test('a chat with a remote account keeps only the local side; the remote server keeps the other', async () => {
    const alice = await makeUser(ctx)
    const username = uniqueName('remote')
    const [remote] = await ctx.db.insert(accounts).values({
      username, domain: 'remote.example', uri: `https://remote.example/users/${username}`, url: `https://remote.example/@${username}`,
    }).returning()
    // an actor whose document says it takes chat messages
    await ctx.db.insert(remoteActors).values({ accountId: remote.id, inboxUrl: `https://remote.example/users/${username}/inbox`, acceptsChatMessages: true })
    const chat = await api('POST', `/api/v1/pleroma/chats/by-account-id/${remote.id}`, { token: alice.token })
    expect(chat.status).toBe(200)
    const sent = await api('POST', `/api/v1/pleroma/chats/${chat.json.id}/messages`, { token: alice.token, json: { content: 'over there' } })
    expect(sent.status).toBe(200)
    const [stored] = await ctx.db.select().from(chatMessages).where(eq(chatMessages.accountId, alice.account.id))
    expect(stored.uri).toStartWith(`${ctx.config.baseUrl}/`)
    expect(await ctx.db.select().from(chats).where(eq(chats.accountId, remote.id))).toEqual([])
    expect(await ctx.db.select().from(notifications).where(eq(notifications.accountId, remote.id))).toEqual([])
  })

  test('malformed and missing input is refused', async () => {
    const [alice, bob] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    const chat = await chatWith(alice, bob)
    const post = (json: Record<string, unknown>) => api('POST', `/api/v1/pleroma/chats/${chat.id}/messages`, { token: alice.token, json })
    expect((await post({})).status).toBe(422)
    expect((await post({ content: '   ' })).status).toBe(422)
    expect((await post({ content: 'x'.repeat(101) })).status).toBe(422)
    expect((await post({ content: 'x', media_id: 'nonsense' })).status).toBe(422)
    expect((await api('POST', `/api/v1/pleroma/chats/${chat.id}/read`, { token: alice.token, json: {} })).status).toBe(422)
    expect((await api('POST', `/api/v1/pleroma/chats/${chat.id}/read`, { token: alice.token, json: { last_read_id: 'not an id!' } })).status).toBe(422)
    const form = await api('POST', `/api/v1/pleroma/chats/${chat.id}/messages`, { token: alice.token, form: { content: 'by form' } })
    expect(form.status).toBe(200)
    const bad = await app.handle(new Request(`http://localhost/api/v1/pleroma/chats/${chat.id}/messages`, {
      method: 'POST', headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' }, body: '{"content": ',
    }))
    expect(bad.status).toBe(400)
    expect(await bad.json()).toEqual({ error: expect.any(String) })
  })

  test('the instance advertises chats and their length limit', async () => {
    const v1 = await api('GET', '/api/v1/instance')
    expect(v1.json.pleroma.metadata.features).toContain('pleroma_chat_messages')
    expect(v1.json.chat_limit).toBe(100)
  })

  test('tokens need the chat scopes', async () => {
    const [alice, bob] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    const chat = await chatWith(alice, bob)
    expect((await api('GET', '/api/v1/pleroma/chats')).status).toBe(401)
    const readOnly = await makeUser(ctx, { scopes: ['read:chats'] })
    expect((await api('GET', '/api/v1/pleroma/chats', { token: readOnly.token })).status).toBe(200)
    expect((await api('POST', `/api/v1/pleroma/chats/by-account-id/${bob.account.id}`, { token: readOnly.token })).status).toBe(403)
    const statusesOnly = await makeUser(ctx, { scopes: ['read:statuses', 'write:statuses'] })
    expect((await api('GET', '/api/v1/pleroma/chats', { token: statusesOnly.token })).status).toBe(403)
    expect((await api('GET', `/api/v1/pleroma/chats/${chat.id}`, { token: statusesOnly.token })).status).toBe(403)
  })

  test('media: the sender\'s own unattached upload, kept from pruning', async () => {
    const [alice, bob] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    const chat = await chatWith(alice, bob)
    const bobsUpload = await upload(bob)
    expect((await api('POST', `/api/v1/pleroma/chats/${chat.id}/messages`, { token: alice.token, json: { media_id: bobsUpload } })).status).toBe(422)
    const mine = await upload(alice)
    const msg = await send(alice, chat.id, { media_id: mine })
    expect(msg.content).toBe('')
    expect(msg.attachment).toMatchObject({ id: mine, type: 'image' })
    // used once only, and not attachable to a status afterwards
    expect((await api('POST', `/api/v1/pleroma/chats/${chat.id}/messages`, { token: alice.token, json: { media_id: mine } })).status).toBe(422)
    expect((await api('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'x', media_ids: [mine] } })).status).toBe(422)
    await pruneOrphanMedia(ctx, { olderThanMs: 0, now: new Date(Date.now() + 60_000) })
    const shown = await messages(alice, chat.id)
    expect(shown.json[0].attachment).toMatchObject({ id: mine })
  })

  test('pleroma:chat_update reaches both sides on user:pleroma_chat and user streams', async () => {
    const [alice, bob] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    const bobChats = await server.open(`stream=user:pleroma_chat&access_token=${bob.token}`)
    const aliceUser = await server.open(`stream=user&access_token=${alice.token}`)
    const chat = await chatWith(alice, bob)
    const msg = await send(alice, chat.id, { content: 'live' })
    const toBob = await bobChats.next((m) => m.event === 'pleroma:chat_update')
    expect(toBob.body).toMatchObject({ account: { id: alice.account.id }, unread: 1, last_message: { id: msg.id, unread: true } })
    const toAlice = await aliceUser.next((m) => m.event === 'pleroma:chat_update')
    expect(toAlice.body).toMatchObject({ id: chat.id, unread: 0, last_message: { id: msg.id, unread: false } })
  })
})
