// Announcements: what users see and do (Mastodon), what admins write (Pleroma's admin API), and the stream events.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { deletePack } from '../../src/core/emoji/packs'
import type { App } from '../../src/server/app'
import { emojiTestEnv, makeAdmin, makeCustomEmoji, type EmojiTestEnv } from '../support/emoji'
import { makeUser, type MadeUser } from '../support/factories'
import { call, postStatus, type CallOptions } from '../support/http'
import { expectShape } from '../support/shape'
import { streamingServer } from '../support/websocket'

let env: EmojiTestEnv
let app: App
let admin: MadeUser
let alice: MadeUser
let bob: MadeUser
let pack: string
let blob: string
let server: Awaited<ReturnType<typeof streamingServer>>

const api = (method: string, path: string, opts: CallOptions = {}) => call(method, path, { app, ...opts })
const ADMIN = '/api/v1/pleroma/admin/announcements'

async function announce(json: Record<string, unknown>) {
  const res = await api('POST', ADMIN, { token: admin.token, json })
  expect(res.status).toBe(200)
  return res.json as { id: string; content: string; [k: string]: any }
}

const listFor = async (who: MadeUser, query: Record<string, string> = {}) => {
  const res = await api('GET', '/api/v1/announcements', { token: who.token, query })
  expect(res.status).toBe(200)
  return res.json as any[]
}

beforeAll(async () => {
  env = await emojiTestEnv()
  server = await streamingServer(env.ctx)
  app = server.app
  admin = await makeAdmin(env.ctx)
  ;[alice, bob] = await Promise.all([makeUser(env.ctx), makeUser(env.ctx)])
  ;({ pack, shortcode: blob } = await makeCustomEmoji(env, admin, 'apack'))
})

afterAll(async () => {
  await deletePack(env.ctx, pack).catch(() => {})
  await server.stop()
  env.cleanup()
})

describe('admin announcements (Pleroma)', () => {
  test('create renders links, mentions, hashtags, custom emoji and linked statuses', async () => {
    const linked = await postStatus(alice, { status: 'read this' }) as { id: string; url: string }
    const made = await announce({
      content: `Welcome @${alice.account.username}! See #Rules and ${linked.url} :${blob}:`,
      starts_at: new Date(Date.now() - 60_000).toISOString(),
    })
    expectShape(made, 'Announcement')
    expect(made.content).toContain('<p>')
    expect(made.content).toContain(`href="${linked.url}"`)
    expect(made.mentions).toEqual([{ id: alice.account.id, username: alice.account.username, url: expect.any(String), acct: alice.account.username }])
    expect(made.tags).toEqual([{ name: 'rules', url: expect.stringContaining('/tags/rules') }])
    expect(made.statuses).toEqual([{ id: linked.id, url: linked.url }])
    expect(made.emojis.map((e: any) => e.shortcode)).toEqual([blob])
    expect(made.pleroma.raw_content).toContain('Welcome')
    expect(made.published).toBe(true)
    expect(made.all_day).toBe(false)

    const one = await api('GET', `${ADMIN}/${made.id}`, { token: admin.token })
    expect(one.status).toBe(200)
    expect(one.json.id).toBe(made.id)
    const list = await api('GET', ADMIN, { token: admin.token, query: { limit: '50' } })
    expect(list.json.map((a: any) => a.id)).toContain(made.id)
    // the old prefix answers the same
    expect((await api('GET', `/api/pleroma/admin/announcements/${made.id}`, { token: admin.token })).json.id).toBe(made.id)
  })

  test('edit, validation and delete', async () => {
    const made = await announce({ content: 'first words' })
    const edited = await api('PATCH', `${ADMIN}/${made.id}`, { token: admin.token, json: { content: 'second words', all_day: true, ends_at: '2999-01-01T00:00:00Z' } })
    expect(edited.status).toBe(200)
    expect(edited.json.content).toContain('second words')
    expect(edited.json.all_day).toBe(true)
    expect(edited.json.ends_at).toBe('2999-01-01T00:00:00.000Z')

    expect((await api('POST', ADMIN, { token: admin.token, json: {} })).status).toBe(422)
    expect((await api('POST', ADMIN, { token: admin.token, json: { content: '   ' } })).status).toBe(422)
    expect((await api('POST', ADMIN, { token: admin.token, json: { content: 'x', starts_at: 'yesterday-ish' } })).status).toBe(422)
    const backwards = await api('POST', ADMIN, { token: admin.token, json: { content: 'x', starts_at: '2030-01-02T00:00:00Z', ends_at: '2030-01-01T00:00:00Z' } })
    expect(backwards.status).toBe(422)
    expect(typeof backwards.json.error).toBe('string')

    expect((await api('DELETE', `${ADMIN}/${made.id}`, { token: admin.token })).status).toBe(200)
    expect((await api('GET', `${ADMIN}/${made.id}`, { token: admin.token })).status).toBe(404)
    expect((await api('DELETE', `${ADMIN}/${made.id}`, { token: admin.token })).status).toBe(404)
    expect((await api('PATCH', `${ADMIN}/${made.id}`, { token: admin.token, json: { content: 'x' } })).status).toBe(404)
  })

  test('only admins with admin scopes', async () => {
    expect((await api('GET', ADMIN)).status).toBe(401)
    expect((await api('GET', ADMIN, { token: alice.token })).status).toBe(403)
    expect((await api('POST', ADMIN, { token: alice.token, json: { content: 'mine now' } })).status).toBe(403)
    const readOnly = await makeUser(env.ctx, { scopes: ['read', 'admin:read'], user: { isAdmin: true } })
    expect((await api('POST', ADMIN, { token: readOnly.token, json: { content: 'nope' } })).status).toBe(403)
    expect((await api('GET', ADMIN, { token: readOnly.token })).status).toBe(200)
  })
})

describe('announcements for users (Mastodon)', () => {
  test('only published, started and not ended ones; dismissed ones only with with_dismissed', async () => {
    const current = await announce({ content: 'now showing' })
    const draft = await announce({ content: 'a draft', published: false })
    const future = await announce({ content: 'later', starts_at: new Date(Date.now() + 3600_000).toISOString() })
    const ended = await announce({ content: 'over', starts_at: '2020-01-01T00:00:00Z', ends_at: '2020-01-02T00:00:00Z' })
    const seen = await listFor(alice)
    for (const a of seen) expectShape(a, 'Announcement')
    const ids = seen.map((a) => a.id)
    expect(ids).toContain(current.id)
    for (const hidden of [draft, future, ended]) expect(ids).not.toContain(hidden.id)
    expect(seen.find((a) => a.id === current.id)!.read).toBe(false)
    expect(seen[0].pleroma).toBeUndefined()

    expect((await api('POST', `/api/v1/announcements/${current.id}/dismiss`, { token: alice.token })).status).toBe(200)
    expect((await api('POST', `/api/v1/announcements/${current.id}/dismiss`, { token: alice.token })).status).toBe(200)
    expect((await listFor(alice)).map((a) => a.id)).not.toContain(current.id)
    const all = await listFor(alice, { with_dismissed: 'true' })
    expect(all.find((a) => a.id === current.id)!.read).toBe(true)
    // another user's read state is their own
    expect((await listFor(bob)).find((a) => a.id === current.id)!.read).toBe(false)

    for (const hidden of [draft, future, ended]) {
      expect((await api('POST', `/api/v1/announcements/${hidden.id}/dismiss`, { token: alice.token })).status).toBe(404)
      expect((await api('PUT', `/api/v1/announcements/${hidden.id}/reactions/${encodeURIComponent('👍')}`, { token: alice.token })).status).toBe(404)
    }
    // publishing a draft shows it
    expect((await api('PATCH', `${ADMIN}/${draft.id}`, { token: admin.token, json: { published: true } })).status).toBe(200)
    expect((await listFor(bob)).map((a) => a.id)).toContain(draft.id)
  })

  test('reactions: unicode and local custom emoji, counted per name with me', async () => {
    const a = await announce({ content: 'react to me' })
    const thumbs = encodeURIComponent('👍')
    expect((await api('PUT', `/api/v1/announcements/${a.id}/reactions/${thumbs}`, { token: alice.token })).status).toBe(200)
    expect((await api('PUT', `/api/v1/announcements/${a.id}/reactions/${thumbs}`, { token: alice.token })).status).toBe(200)
    expect((await api('PUT', `/api/v1/announcements/${a.id}/reactions/${thumbs}`, { token: bob.token })).status).toBe(200)
    expect((await api('PUT', `/api/v1/announcements/${a.id}/reactions/${blob}`, { token: bob.token })).status).toBe(200)

    const forAlice = (await listFor(alice)).find((x) => x.id === a.id)!
    expectShape(forAlice, 'Announcement')
    expect(forAlice.reactions).toEqual([
      { name: '👍', count: 2, me: true },
      { name: blob, count: 1, me: false, url: expect.stringContaining('/emoji/'), static_url: expect.any(String) },
    ])
    expect((await listFor(bob)).find((x) => x.id === a.id)!.reactions.map((r: any) => r.me)).toEqual([true, true])

    expect((await api('DELETE', `/api/v1/announcements/${a.id}/reactions/${thumbs}`, { token: alice.token })).status).toBe(200)
    expect((await listFor(alice)).find((x) => x.id === a.id)!.reactions[0]).toEqual({ name: '👍', count: 1, me: false })

    const notEmoji = await api('PUT', `/api/v1/announcements/${a.id}/reactions/${encodeURIComponent('hello there')}`, { token: alice.token })
    expect(notEmoji.status).toBe(422)
    expect(typeof notEmoji.json.error).toBe('string')
    expect((await api('PUT', `/api/v1/announcements/${a.id}/reactions/nosuchemoji`, { token: alice.token })).status).toBe(422)
    expect((await api('PUT', `/api/v1/announcements/${a.id}/reactions/${thumbs}`)).status).toBe(401)
    const readOnly = await makeUser(env.ctx, { scopes: ['read'] })
    expect((await api('PUT', `/api/v1/announcements/${a.id}/reactions/${thumbs}`, { token: readOnly.token })).status).toBe(403)
    expect((await api('POST', `/api/v1/announcements/${a.id}/dismiss`, { token: readOnly.token })).status).toBe(403)
  })

  test('needs a user token with read', async () => {
    expect((await api('GET', '/api/v1/announcements')).status).toBe(401)
    const narrow = await makeUser(env.ctx, { scopes: ['write'] })
    expect((await api('GET', '/api/v1/announcements', { token: narrow.token })).status).toBe(403)
    expect((await api('POST', '/api/v1/announcements/nope/dismiss', { token: alice.token })).status).toBe(404)
  })
})

describe('stream events', () => {
  test('announcement, announcement.reaction and announcement.delete reach user streams', async () => {
    const socket = await server.open(`stream=user&access_token=${bob.token}`)
    const made = await announce({ content: 'streamed news' })
    const shown = await socket.next((m) => m.event === 'announcement' && m.body?.id === made.id)
    expectShape(shown.body, 'Announcement')
    expect(shown.body.read).toBe(false)

    expect((await api('PUT', `/api/v1/announcements/${made.id}/reactions/${encodeURIComponent('🎉')}`, { token: alice.token })).status).toBe(200)
    const reaction = await socket.next((m) => m.event === 'announcement.reaction' && m.body?.announcement_id === made.id)
    expect(reaction.body).toEqual({ name: '🎉', count: 1, announcement_id: made.id })

    // a draft is never streamed; unpublishing a shown one withdraws it
    const draft = await announce({ content: 'quiet draft', published: false })
    expect((await api('PATCH', `${ADMIN}/${made.id}`, { token: admin.token, json: { published: false } })).status).toBe(200)
    expect((await socket.next((m) => m.event === 'announcement.delete')).payload).toBe(made.id)
    expect(socket.pending().some((m) => m.body?.id === draft.id)).toBe(false)

    const other = await announce({ content: 'short lived' })
    await socket.next((m) => m.event === 'announcement' && m.body?.id === other.id)
    expect((await api('DELETE', `${ADMIN}/${other.id}`, { token: admin.token })).status).toBe(200)
    expect((await socket.next((m) => m.event === 'announcement.delete')).payload).toBe(other.id)
  })
})
