import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import { deletePack } from '../../src/core/emoji/packs'
import { parseReactionEmoji } from '../../src/core/reactions/emoji'
import { blocks, mutes, notifications, users } from '../../src/db/schema'
import { emojiTestEnv, makeAdmin, makeCustomEmoji, type EmojiTestEnv } from '../support/emoji'
import { makeUser, type MadeUser } from '../support/factories'
import { call, type CallOptions } from '../support/http'
import { expectShape } from '../support/shape'

let env: EmojiTestEnv
let alice: MadeUser
let bob: MadeUser
let carol: MadeUser
let pack: string
let blob: string

const api = (method: string, path: string, opts: CallOptions = {}) => call(method, path, { app: env.app, ...opts })
const post = async (who: MadeUser, json: Record<string, unknown>) => {
  const res = await api('POST', '/api/v1/statuses', { token: who.token, json })
  expect(res.status).toBe(200)
  return res.json as { id: string }
}
const react = (who: MadeUser | null, id: string, emoji: string, method = 'PUT') =>
  api(method, `/api/v1/pleroma/statuses/${id}/reactions/${encodeURIComponent(emoji)}`, { token: who?.token })
const reactionNotifications = (who: MadeUser, statusId: string) =>
  env.ctx.db.select().from(notifications)
    .where(and(eq(notifications.accountId, who.account.id), eq(notifications.type, 'pleroma:emoji_reaction'), eq(notifications.statusId, statusId)))

beforeAll(async () => {
  env = await emojiTestEnv()
  const admin = await makeAdmin(env.ctx)
  ;[alice, bob, carol] = await Promise.all([makeUser(env.ctx), makeUser(env.ctx), makeUser(env.ctx)])
  ;({ pack, shortcode: blob } = await makeCustomEmoji(env, admin, 'rpack'))
})

afterAll(async () => {
  await deletePack(env.ctx, pack).catch(() => {})
  env.cleanup()
})

describe('which texts are reaction emoji', () => {
  test('single unicode emoji of every shape, custom shortcodes; nothing else', () => {
    for (const e of ['👍', '☕', '👍🏽', '👩‍👩‍👧', '🏳️‍🌈', '🇫🇷', '🇫', '1️⃣', '🧑🏿‍❤️‍💋‍🧑🏻']) {
      expect(parseReactionEmoji(e)).toEqual({ kind: 'unicode', emoji: e })
    }
    // missing variation selectors are added, as Pleroma's fully_qualify_emoji does
    expect(parseReactionEmoji('❤')).toEqual({ kind: 'unicode', emoji: '❤️' })
    expect(parseReactionEmoji('🏳‍🌈')).toEqual({ kind: 'unicode', emoji: '🏳️‍🌈' })
    expect(parseReactionEmoji(':blob:')).toEqual({ kind: 'custom', shortcode: 'blob' })
    expect(parseReactionEmoji('blob_cat-2')).toEqual({ kind: 'custom', shortcode: 'blob_cat-2' })
    for (const bad of ['👍👍', 'a👍', '<b>', ':a:b:', '', 'x'.repeat(101), '\u200D', ':../x:', 'é']) {
      expect(parseReactionEmoji(bad)).toBeNull()
    }
  })
})

describe('PUT /api/v1/pleroma/statuses/:id/reactions/:emoji', () => {
  test('adds a reaction once, counts it, notifies the author and shows it in the status', async () => {
    const s = await post(alice, { status: 'react to me' })
    const first = await react(bob, s.id, '🏳️‍🌈')
    expect(first.status).toBe(200)
    expectShape(first.json, 'Status')
    expect(first.json.pleroma.emoji_reactions).toEqual([{ name: '🏳️‍🌈', count: 1, me: true, url: null, account_ids: [bob.account.id] }])
    const again = await react(bob, s.id, '🏳️‍🌈')
    expect(again.json.pleroma.emoji_reactions[0].count).toBe(1)
    await react(carol, s.id, '🏳️‍🌈')
    await react(carol, s.id, '👍🏽')

    const asAlice = await api('GET', `/api/v1/statuses/${s.id}`, { token: alice.token })
    expect(asAlice.json.pleroma.emoji_reactions).toEqual([
      { name: '🏳️‍🌈', count: 2, me: false, url: null, account_ids: [bob.account.id, carol.account.id] },
      { name: '👍🏽', count: 1, me: false, url: null, account_ids: [carol.account.id] },
    ])
    const anonymous = await api('GET', `/api/v1/statuses/${s.id}`)
    expect(anonymous.json.pleroma.emoji_reactions.map((r: { me: boolean }) => r.me)).toEqual([false, false])

    const notes = await reactionNotifications(alice, s.id)
    expect(notes.map((n) => [n.fromAccountId, n.emoji]).sort()).toEqual(
      [[bob.account.id, '🏳️‍🌈'], [carol.account.id, '🏳️‍🌈'], [carol.account.id, '👍🏽']].sort())
    const listed = await api('GET', '/api/v1/notifications', { token: alice.token, query: { types: ['pleroma:emoji_reaction'] } })
    expect(listed.json.some((n: any) => n.type === 'pleroma:emoji_reaction' && n.emoji === '👍🏽' && n.status.id === s.id)).toBe(true)
  })

  test('an unqualified emoji is stored fully qualified', async () => {
    const s = await post(alice, { status: 'heart' })
    const res = await react(bob, s.id, '❤')
    expect(res.json.pleroma.emoji_reactions[0].name).toBe('❤️')
    const removed = await react(bob, s.id, '❤', 'DELETE')
    expect(removed.json.pleroma.emoji_reactions).toEqual([])
  })

  test('custom emoji by :shortcode: or shortcode, with their image URL', async () => {
    const s = await post(alice, { status: 'custom' })
    const res = await react(bob, s.id, `:${blob}:`)
    expect(res.status).toBe(200)
    const url = `${env.ctx.config.baseUrl}/emoji/${pack}/${blob}.png`
    expect(res.json.pleroma.emoji_reactions).toEqual([{ name: blob, count: 1, me: true, url, account_ids: [bob.account.id] }])
    const bare = await react(carol, s.id, blob)
    expect(bare.json.pleroma.emoji_reactions[0]).toMatchObject({ name: blob, count: 2 })
    const [note] = (await reactionNotifications(alice, s.id)).filter((n) => n.fromAccountId === bob.account.id)
    expect(note).toMatchObject({ emoji: `:${blob}:`, emojiUrl: url })

    const undone = await react(bob, s.id, blob, 'DELETE')
    expect(undone.json.pleroma.emoji_reactions).toEqual([{ name: blob, count: 1, me: false, url, account_ids: [carol.account.id] }])
    expect((await reactionNotifications(alice, s.id)).map((n) => n.fromAccountId)).toEqual([carol.account.id])
  })

  test('invalid emoji, unknown custom emoji and several emoji are refused with 400', async () => {
    const s = await post(alice, { status: 'bad reactions' })
    for (const bad of ['👍👍', 'ab<c', ':nosuchemoji_xyz:', 'nosuchemoji_xyz', 'é']) {
      const res = await react(bob, s.id, bad)
      expect(res.status).toBe(400)
      expect(res.json.error).toBeString()
    }
    expect((await api('GET', `/api/v1/statuses/${s.id}`)).json.pleroma.emoji_reactions).toEqual([])
  })

  test('needs a token with write:statuses; hidden, unknown and malformed statuses are 404', async () => {
    const s = await post(alice, { status: 'scopes' })
    expect((await react(null, s.id, '👍')).status).toBe(401)
    const reader = await makeUser(env.ctx, { scopes: ['read'] })
    expect((await react(reader, s.id, '👍')).status).toBe(403)

    const secret = await post(alice, { status: 'followers only', visibility: 'private' })
    expect((await react(bob, secret.id, '👍')).status).toBe(404)
    expect((await react(bob, secret.id, '👍', 'DELETE')).status).toBe(404)
    const dm = await post(alice, { status: `@${carol.account.username} direct`, visibility: 'direct' })
    expect((await react(bob, dm.id, '👍')).status).toBe(404)
    expect((await react(carol, dm.id, '👍')).status).toBe(200)
    expect((await react(bob, '0000000000000000000', '👍')).status).toBe(404)
    expect((await react(bob, 'not-an-id', '👍')).status).toBe(404)
    expect((await api('GET', `/api/v1/pleroma/statuses/${secret.id}/reactions`, { token: bob.token })).status).toBe(404)
  })

  test('removing a reaction that is not there answers the status unchanged', async () => {
    const s = await post(alice, { status: 'nothing to remove' })
    const res = await react(bob, s.id, '👍', 'DELETE')
    expect(res.status).toBe(200)
    expect(res.json.pleroma.emoji_reactions).toEqual([])
  })

  test('reacting to a reblog reacts to the original', async () => {
    const s = await post(alice, { status: 'boosted' })
    const reblog = await api('POST', `/api/v1/statuses/${s.id}/reblog`, { token: carol.token })
    const res = await react(bob, reblog.json.id, '🎉')
    expect(res.status).toBe(200)
    expect(res.json.reblog.pleroma.emoji_reactions).toEqual([{ name: '🎉', count: 1, me: true, url: null, account_ids: [bob.account.id] }])
    expect(res.json.pleroma.emoji_reactions).toEqual([])
  })

  test('Akkoma and Mastodon-style aliases', async () => {
    const s = await post(alice, { status: 'aliases' })
    const put = await api('PUT', `/api/v1/statuses/${s.id}/emoji_reactions/${encodeURIComponent('👍')}`, { token: bob.token })
    expect(put.json.pleroma.emoji_reactions[0]).toMatchObject({ name: '👍', me: true })
    const react2 = await api('POST', `/api/v1/statuses/${s.id}/react/${encodeURIComponent('🔥')}`, { token: bob.token })
    expect(react2.json.pleroma.emoji_reactions.map((r: { name: string }) => r.name)).toEqual(['👍', '🔥'])
    const unreact = await api('POST', `/api/v1/statuses/${s.id}/unreact/${encodeURIComponent('🔥')}`, { token: bob.token })
    expect(unreact.json.pleroma.emoji_reactions.map((r: { name: string }) => r.name)).toEqual(['👍'])
    const del = await api('DELETE', `/api/v1/statuses/${s.id}/emoji_reactions/${encodeURIComponent('👍')}`, { token: bob.token })
    expect(del.json.pleroma.emoji_reactions).toEqual([])
  })
})

describe('GET /api/v1/pleroma/statuses/:id/reactions', () => {
  test('groups by emoji in order of first use, with accounts, me and url; filters by emoji', async () => {
    const s = await post(alice, { status: 'who reacted' })
    await react(bob, s.id, '👍')
    await react(carol, s.id, `:${blob}:`)
    await react(carol, s.id, '👍')

    const res = await api('GET', `/api/v1/pleroma/statuses/${s.id}/reactions`, { token: bob.token })
    expect(res.status).toBe(200)
    expect(res.json.map((r: any) => [r.name, r.count, r.me, r.accounts.map((a: any) => a.id)])).toEqual([
      ['👍', 2, true, [bob.account.id, carol.account.id]],
      [blob, 1, false, [carol.account.id]],
    ])
    expect(res.json[0].url).toBeNull()
    expect(res.json[1].url).toBe(`${env.ctx.config.baseUrl}/emoji/${pack}/${blob}.png`)
    for (const r of res.json) for (const a of r.accounts) expectShape(a, 'Account')

    const one = await api('GET', `/api/v1/pleroma/statuses/${s.id}/reactions/${encodeURIComponent('👍')}`)
    expect(one.json.map((r: any) => [r.name, r.count, r.me])).toEqual([['👍', 2, false]])
    const custom = await api('GET', `/api/v1/pleroma/statuses/${s.id}/reactions/${encodeURIComponent(`:${blob}:`)}`)
    expect(custom.json.map((r: any) => r.name)).toEqual([blob])
    expect((await api('GET', `/api/v1/pleroma/statuses/${s.id}/reactions/${encodeURIComponent('🦄')}`)).json).toEqual([])
    expect((await api('GET', `/api/v1/pleroma/statuses/${s.id}/reactions/not%20an%20emoji`)).json).toEqual([])
    expect((await api('GET', '/api/v1/pleroma/statuses/nope/reactions')).status).toBe(404)
  })

  test('hides reactions of accounts blocking or blocked by the viewer, and muted ones unless with_muted', async () => {
    const s = await post(alice, { status: 'blocks and mutes' })
    const [blocker, blocked, muted, viewer] = await Promise.all([makeUser(env.ctx), makeUser(env.ctx), makeUser(env.ctx), makeUser(env.ctx)])
    for (const who of [blocker, blocked, muted, bob]) await react(who, s.id, '👀')
    await env.ctx.db.insert(blocks).values([
      { accountId: blocker.account.id, targetAccountId: viewer.account.id },
      { accountId: viewer.account.id, targetAccountId: blocked.account.id },
    ])
    await env.ctx.db.insert(mutes).values({ accountId: viewer.account.id, targetAccountId: muted.account.id })

    const seen = await api('GET', `/api/v1/pleroma/statuses/${s.id}/reactions`, { token: viewer.token })
    expect(seen.json[0].accounts.map((a: any) => a.id)).toEqual([bob.account.id])
    expect(seen.json[0].count).toBe(1)
    const withMuted = await api('GET', `/api/v1/pleroma/statuses/${s.id}/reactions`, { token: viewer.token, query: { with_muted: 'true' } })
    expect(withMuted.json[0].accounts.map((a: any) => a.id)).toEqual([muted.account.id, bob.account.id])
    const status = await api('GET', `/api/v1/statuses/${s.id}`, { token: viewer.token })
    expect(status.json.pleroma.emoji_reactions).toEqual([{ name: '👀', count: 1, me: false, url: null, account_ids: [bob.account.id] }])
    const everyone = await api('GET', `/api/v1/pleroma/statuses/${s.id}/reactions`)
    expect(everyone.json[0].count).toBe(4)

    // a deactivated reactor disappears for everyone
    await env.ctx.db.update(users).set({ isActive: false }).where(eq(users.id, muted.user.id))
    expect((await api('GET', `/api/v1/pleroma/statuses/${s.id}/reactions`)).json[0].count).toBe(3)
  })
})
