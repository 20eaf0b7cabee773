import { beforeAll, describe, expect, test } from 'bun:test'
import { and, desc, eq } from 'drizzle-orm'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js'
import type { Ctx } from '../../src/core/context'
import { notify } from '../../src/core/notifications/notify'
import type { Viewer } from '../../src/core/oauth/authenticate'
import type { Db } from '../../src/db/client'
import * as schema from '../../src/db/schema'
import { renderNotifications } from '../../src/server/render/notification'
import {
  accountDomainBlocks, accounts, blocks, follows, mutes, notifications, reports, statusReactions, users, type NotificationType,
} from '../../src/db/schema'
import { getTestContext } from '../support/context'
import { makeUser, uniqueName, type MadeUser } from '../support/factories'
import { call, postStatus } from '../support/http'
import { expectShape } from '../support/shape'

let ctx: Ctx

beforeAll(async () => {
  ctx = await getTestContext()
  // the first request builds the app and warms the database connections: slow on a busy machine, so not in a test
  const warm = await makeUser(ctx)
  await call('GET', '/api/v1/notifications', { token: warm.token })
}, { timeout: 60_000 })

const post = (who: MadeUser, json: Record<string, unknown>) => postStatus<{ id: string }>(who, json)
const list = (who: MadeUser, query: Record<string, string | string[]> = {}) => call('GET', '/api/v1/notifications', { token: who.token, query })
const follow = (follower: MadeUser, target: MadeUser, notifyOnPost = false) =>
  ctx.db.insert(follows).values({ accountId: follower.account.id, targetAccountId: target.account.id, notify: notifyOnPost }).onConflictDoNothing()
const rowsOf = (who: MadeUser, type: NotificationType) =>
  ctx.db.select().from(notifications).where(and(eq(notifications.accountId, who.account.id), eq(notifications.type, type)))
const users3 = () => Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx)])

describe('GET /api/v1/notifications', () => {
  test('lists mentions, favourites and reblogs newest first, in the Notification shape', async () => {
    const [alice, bob] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    const own = await post(alice, { status: 'mine' })
    const mention = await post(bob, { status: `hello @${alice.account.username}` })
    await call('POST', `/api/v1/statuses/${own.id}/favourite`, { token: bob.token })
    await call('POST', `/api/v1/statuses/${own.id}/reblog`, { token: bob.token })

    const res = await list(alice)
    expect(res.status).toBe(200)
    expect(res.json.map((n: any) => n.type)).toEqual(['reblog', 'favourite', 'mention'])
    for (const n of res.json) {
      expectShape(n, 'Notification')
      expect(n.account.id).toBe(bob.account.id)
      expect(n.group_key).toMatch(n.type === 'mention' ? /^ungrouped-\d+$/ : new RegExp(`^${n.type}-${own.id}-\\d+$`))
      expect(n.pleroma).toEqual({ is_seen: false, is_muted: false })
    }
    expect(res.json[2].status.id).toBe(mention.id)
    expect(res.json[0].status.id).toBe(own.id)
    expect(res.json[1].status.favourited).toBe(false) // rendered for alice, who did not favourite it
  })

  test('types[], include_types[], exclude_types[] and account_id filter; an unknown account is 404', async () => {
    const [alice, bob, carol] = await users3()
    const own = await post(alice, { status: 'filter me' })
    await post(bob, { status: `hi @${alice.account.username}` })
    await call('POST', `/api/v1/statuses/${own.id}/favourite`, { token: carol.token })

    const types = async (query: Record<string, string | string[]>) => (await list(alice, query)).json.map((n: any) => n.type).sort()
    expect(await types({ 'types[]': 'mention' })).toEqual(['mention'])
    expect(await types({ 'include_types[]': ['favourite', 'mention'] })).toEqual(['favourite', 'mention'])
    expect(await types({ 'exclude_types[]': 'mention' })).toEqual(['favourite'])
    expect(await types({ account_id: carol.account.id })).toEqual(['favourite'])
    expect(await types({ 'types[]': 'no-such-type' })).toEqual([])
    expect((await list(alice, { account_id: 'AAAAAAAAAAAAAAAAAA' })).status).toBe(404)
    expect((await list(alice, { account_id: 'not an id!' })).status).toBe(404)
  })

  test('pages with max_id / min_id / since_id and a Link header', async () => {
    const [alice, bob] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    for (let i = 0; i < 5; i++) await post(bob, { status: `ping ${i} @${alice.account.username}` })
    const all = (await list(alice)).json.map((n: any) => n.id)
    expect(all).toHaveLength(5)
    const first = await list(alice, { limit: '2' })
    expect(first.json.map((n: any) => n.id)).toEqual(all.slice(0, 2))
    const link = first.headers.get('link')!
    expect(link).toContain(`max_id=${all[1]}`)
    expect(link).toContain(`min_id=${all[0]}`)
    expect((await list(alice, { limit: '2', max_id: all[1] })).json.map((n: any) => n.id)).toEqual(all.slice(2, 4))
    expect((await list(alice, { limit: '2', min_id: all[4] })).json.map((n: any) => n.id)).toEqual(all.slice(2, 4))
    expect((await list(alice, { since_id: all[2] })).json.map((n: any) => n.id)).toEqual(all.slice(0, 2))
  })

  test('exclude_visibilities[] leaves out notifications about statuses of those visibilities', async () => {
    const [alice, bob] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    await post(bob, { status: `public @${alice.account.username}` })
    await post(bob, { status: `secret @${alice.account.username}`, visibility: 'direct' })
    const res = await list(alice, { 'exclude_visibilities[]': 'direct' })
    expect(res.json).toHaveLength(1)
    expect(res.json[0].status.visibility).toBe('public')
  })

  test('needs a token with read:notifications', async () => {
    const alice = await makeUser(ctx, { scopes: ['write'] })
    expect((await call('GET', '/api/v1/notifications')).status).toBe(401)
    expect((await list(alice)).status).toBe(403)
    const reader = await makeUser(ctx, { scopes: ['read:notifications'] })
    expect((await list(reader)).status).toBe(200)
  })
})

describe('privacy', () => {
  test('a notification about a status the recipient can no longer see is not returned anywhere', async () => {
    const [alice, carol] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    await follow(alice, carol, true)
    const secret = await post(carol, { status: 'followers only', visibility: 'private' })
    const [row] = await rowsOf(alice, 'status')
    expect(row.statusId).toBe(secret.id)
    expect((await list(alice)).json.map((n: any) => n.status?.id)).toEqual([secret.id])

    // alice stops following carol: the private status, and so the notification, is gone for her
    await ctx.db.delete(follows).where(and(eq(follows.accountId, alice.account.id), eq(follows.targetAccountId, carol.account.id)))
    expect((await list(alice)).json).toEqual([])
    expect((await call('GET', `/api/v1/notifications/${row.id}`, { token: alice.token })).status).toBe(404)
    expect((await call('GET', '/api/v1/notifications/unread_count', { token: alice.token })).json.count).toBe(0)
    const read = await call('POST', '/api/v1/pleroma/notifications/read', { token: alice.token, json: { max_id: row.id } })
    expect(read.json).toEqual([])
  })

  test('a direct status never reaches anyone outside it through a notification', async () => {
    const [alice, bob, carol] = await users3()
    const dm = await post(bob, { status: `just us @${alice.account.username}`, visibility: 'direct' })
    // even a forged notification to carol about it shows nothing
    await ctx.db.insert(notifications).values({ accountId: carol.account.id, fromAccountId: bob.account.id, type: 'mention', statusId: dm.id })
    expect((await list(carol)).json).toEqual([])
    expect((await list(alice)).json.map((n: any) => n.status.id)).toEqual([dm.id])
  })

  test('notifications of another user are 404, unknown and malformed ids too', async () => {
    const [alice, bob] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    await post(bob, { status: `hey @${alice.account.username}` })
    const [row] = await rowsOf(alice, 'mention')
    const own = await call('GET', `/api/v1/notifications/${row.id}`, { token: alice.token })
    expect(own.status).toBe(200)
    expectShape(own.json, 'Notification')
    expect((await call('GET', `/api/v1/notifications/${row.id}`, { token: bob.token })).status).toBe(404)
    // the integer position a push carries opens the same notification, for its owner only
    const bySeq = await call('GET', `/api/v1/notifications/${row.seq}`, { token: alice.token })
    expect(bySeq.status).toBe(200)
    expect(bySeq.json.id).toBe(row.id)
    expect((await call('GET', `/api/v1/notifications/${row.seq}`, { token: bob.token })).status).toBe(404)
    expect((await call('GET', '/api/v1/notifications/AAAAAAAAAAAAAAAAAA', { token: alice.token })).status).toBe(404)
    expect((await call('GET', '/api/v1/notifications/nope!', { token: alice.token })).status).toBe(404)
  })
})

describe('who gets notified', () => {
  test('blocks either way: nothing new, and earlier ones hidden', async () => {
    const [alice, bob, carol] = await users3()
    await post(bob, { status: `before @${alice.account.username}` })
    await ctx.db.insert(blocks).values({ accountId: alice.account.id, targetAccountId: bob.account.id })
    await post(bob, { status: `after @${alice.account.username}` })
    expect(await rowsOf(alice, 'mention')).toHaveLength(1)
    expect((await list(alice)).json).toEqual([])

    // carol blocks alice: alice's mention does not notify carol
    await ctx.db.insert(blocks).values({ accountId: carol.account.id, targetAccountId: alice.account.id })
    await post(alice, { status: `@${carol.account.username} hello?` })
    expect(await rowsOf(carol, 'mention')).toHaveLength(0)
  })

  test('mutes hiding notifications stop them (until they expire); with_muted shows earlier ones marked is_muted', async () => {
    const [alice, bob, carol] = await users3()
    await post(bob, { status: `before @${alice.account.username}` })
    await ctx.db.insert(mutes).values({ accountId: alice.account.id, targetAccountId: bob.account.id, hideNotifications: true })
    await post(bob, { status: `while muted @${alice.account.username}` })
    expect(await rowsOf(alice, 'mention')).toHaveLength(1)
    expect((await list(alice)).json).toEqual([])
    const withMuted = await list(alice, { with_muted: 'true' })
    expect(withMuted.json).toHaveLength(1)
    expect(withMuted.json[0].pleroma.is_muted).toBe(true)

    // a mute that keeps notifications: they come, flagged is_muted
    await ctx.db.insert(mutes).values({ accountId: alice.account.id, targetAccountId: carol.account.id, hideNotifications: false })
    await post(carol, { status: `soft @${alice.account.username}` })
    const shown = (await list(alice)).json
    expect(shown).toHaveLength(1)
    expect(shown[0].account.id).toBe(carol.account.id)
    expect(shown[0].pleroma.is_muted).toBe(true)

    // an expired mute is no mute
    await ctx.db.update(mutes).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(mutes.accountId, alice.account.id))
    await post(bob, { status: `after expiry @${alice.account.username}` })
    expect(await rowsOf(alice, 'mention')).toHaveLength(3)
    expect((await list(alice)).json.map((n: any) => n.pleroma.is_muted)).toEqual([false, false, false])
  })

  test('a blocked domain hides its accounts unless the recipient follows them', async () => {
    const alice = await makeUser(ctx)
    const domain = `${uniqueName('dom').toLowerCase().replace(/_/g, '-')}.example`
    const [remote] = await ctx.db.insert(accounts).values({ username: uniqueName('remote'), domain }).returning()
    await ctx.db.insert(notifications).values({ accountId: alice.account.id, fromAccountId: remote.id, type: 'follow' })
    expect((await list(alice)).json).toHaveLength(1)
    await ctx.db.insert(accountDomainBlocks).values({ accountId: alice.account.id, domain })
    expect((await list(alice)).json).toHaveLength(0)
    expect(await ctx.db.transaction((tx) => notify(tx, { type: 'follow', accountId: alice.account.id, fromAccountId: remote.id }))).toBeNull()
    await ctx.db.insert(follows).values({ accountId: alice.account.id, targetAccountId: remote.id })
    expect((await list(alice)).json).toHaveLength(1)
  })

  test('a muted thread gives no new notifications', async () => {
    const [alice, bob] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    const root = await post(alice, { status: 'a thread' })
    await post(bob, { status: `reply 1 @${alice.account.username}`, in_reply_to_id: root.id })
    expect((await call('POST', `/api/v1/statuses/${root.id}/mute`, { token: alice.token })).status).toBe(200)
    await post(bob, { status: `reply 2 @${alice.account.username}`, in_reply_to_id: root.id })
    await call('POST', `/api/v1/statuses/${root.id}/favourite`, { token: bob.token })
    expect((await list(alice)).json.map((n: any) => n.type)).toEqual(['mention'])
  })

  test('nothing for oneself, nor for remote accounts', async () => {
    const alice = await makeUser(ctx)
    const [remote] = await ctx.db.insert(accounts).values({ username: uniqueName('far'), domain: 'far.example' }).returning()
    await ctx.db.transaction(async (tx) => {
      expect(await notify(tx, { type: 'follow', accountId: alice.account.id, fromAccountId: alice.account.id })).toBeNull()
      expect(await notify(tx, { type: 'follow', accountId: remote.id, fromAccountId: alice.account.id })).toBeNull()
    })
  })
})

describe('notification sources', () => {
  test('`status` to subscribers: originals and self-replies; not replies to others, reblogs or direct statuses', async () => {
    const [alice, bob, carol] = await users3()
    await follow(alice, bob, true)
    await follow(carol, bob, false)
    const original = await post(bob, { status: 'news' })
    await post(bob, { status: 'more news', in_reply_to_id: original.id })
    const other = await post(carol, { status: 'carol here' })
    await post(bob, { status: 'replying to carol', in_reply_to_id: other.id })
    await call('POST', `/api/v1/statuses/${other.id}/reblog`, { token: bob.token })
    await post(bob, { status: `psst @${carol.account.username}`, visibility: 'direct' })
    await post(bob, { status: 'followers only', visibility: 'private' })
    await post(bob, { status: `you too @${alice.account.username}` })

    const res = await list(alice)
    expect(res.json.map((n: any) => `${n.type}:${n.status.content.replace(/<[^>]+>/g, '')}`)).toEqual([
      `mention:you too @${alice.account.username}`, 'status:followers only', 'status:more news', 'status:news',
    ])
    expectShape(res.json[1], 'Notification')
    expect(await rowsOf(carol, 'status')).toHaveLength(0)
  })

  test('`update` to those who reblogged an edited status', async () => {
    const [alice, bob, carol] = await users3()
    const original = await post(alice, { status: 'first take' })
    await call('POST', `/api/v1/statuses/${original.id}/reblog`, { token: bob.token })
    await call('POST', `/api/v1/statuses/${original.id}/favourite`, { token: carol.token })
    const edited = await call('PUT', `/api/v1/statuses/${original.id}`, { token: alice.token, json: { status: 'second take' } })
    expect(edited.status).toBe(200)
    const res = await list(bob, { 'types[]': 'update' })
    expect(res.json).toHaveLength(1)
    expectShape(res.json[0], 'Notification')
    expect(res.json[0].status.content).toContain('second take')
    expect(await rowsOf(carol, 'update')).toHaveLength(0)
  })

  test('emoji reactions, moves and reports render with their Pleroma fields; reports only when asked for', async () => {
    const [alice, bob, carol] = await users3()
    const own = await post(alice, { status: 'react to me' })
    await ctx.db.insert(statusReactions).values({ statusId: own.id, accountId: bob.account.id, emoji: '🎉' })
    await ctx.db.transaction(async (tx) => {
      await notify(tx, { type: 'pleroma:emoji_reaction', accountId: alice.account.id, fromAccountId: bob.account.id, statusId: own.id, emoji: '🎉' })
      await notify(tx, { type: 'move', accountId: alice.account.id, fromAccountId: bob.account.id, targetAccountId: carol.account.id })
    })
    const [report] = await ctx.db.insert(reports).values({ accountId: bob.account.id, targetAccountId: carol.account.id, comment: 'spam' }).returning()
    await ctx.db.transaction((tx) => notify(tx, { type: 'pleroma:report', accountId: alice.account.id, fromAccountId: bob.account.id, reportId: report.id }))

    const shown = (await list(alice)).json
    expect(shown.map((n: any) => n.type)).toEqual(['move', 'pleroma:emoji_reaction'])
    expect(shown[0].target.id).toBe(carol.account.id)
    expect(shown[1]).toMatchObject({ emoji: '🎉', emoji_url: null, status: { id: own.id } })

    const reportsOnly = (await list(alice, { 'include_types[]': 'pleroma:report' })).json
    expect(reportsOnly).toHaveLength(1)
    expect(reportsOnly[0].report).toMatchObject({ id: report.id, comment: 'spam', action_taken: false, state: 'open' })
    expect(reportsOnly[0].report.target_account.id).toBe(carol.account.id)
    expect(reportsOnly[0].report.actor.id).toBe(bob.account.id)
    expectShape(reportsOnly[0].report, 'Report')
  })
})

describe('rendering', () => {
  test('a page costs the same fixed number of queries for one notification or many', async () => {
    const [alice, bob, carol] = await users3()
    const own = await post(alice, { status: 'popular', poll: { options: ['a', 'b'], expires_in: 600 } })
    for (let i = 0; i < 4; i++) await post(bob, { status: `m${i} @${alice.account.username}` })
    await call('POST', `/api/v1/statuses/${own.id}/favourite`, { token: carol.token })
    await call('POST', `/api/v1/statuses/${own.id}/reblog`, { token: bob.token })
    await ctx.db.transaction((tx) => notify(tx, { type: 'move', accountId: alice.account.id, fromAccountId: bob.account.id, targetAccountId: carol.account.id }))
    const rows = await ctx.db.select().from(notifications).where(eq(notifications.accountId, alice.account.id)).orderBy(desc(notifications.id))
    expect(rows).toHaveLength(7)

    let queries = 0
    const logger = { logQuery: () => { queries++ } }
    const db = (ctx.database.kind === 'pglite'
      ? drizzlePglite(ctx.database.pglite!, { schema, logger })
      : drizzlePostgres((ctx.db as any).session.client, { schema, logger })) as unknown as Db
    const counting = { ...ctx, db }
    const viewer: Viewer = {
      tokenId: null, appId: null, scopes: ['read'], userId: alice.user.id, accountId: alice.account.id, username: alice.account.username, isAdmin: false, isModerator: false,
    }
    const one = await renderNotifications(counting, rows.filter((r) => r.type === 'favourite'), viewer)
    const forOne = queries
    queries = 0
    const all = await renderNotifications(counting, rows, viewer)
    expect(one).toHaveLength(1)
    expect(all).toHaveLength(7)
    expect(queries).toBe(forOne)
    expect(queries).toBeLessThanOrEqual(16)
  })
})

describe('dismissing and clearing', () => {
  test('POST /:id/dismiss and POST /dismiss remove one of one\'s own; someone else\'s is 404', async () => {
    const [alice, bob] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    await post(bob, { status: `one @${alice.account.username}` })
    await post(bob, { status: `two @${alice.account.username}` })
    const [a, b] = (await list(alice)).json.map((n: any) => n.id)
    expect((await call('POST', `/api/v1/notifications/${a}/dismiss`, { token: bob.token })).status).toBe(404)
    const res = await call('POST', `/api/v1/notifications/${a}/dismiss`, { token: alice.token })
    expect(res.status).toBe(200)
    expect(res.json).toEqual({})
    expect((await call('POST', `/api/v1/notifications/${a}/dismiss`, { token: alice.token })).status).toBe(404)
    expect((await call('POST', '/api/v1/notifications/dismiss', { token: alice.token, form: { id: b } })).status).toBe(200)
    expect((await list(alice)).json).toEqual([])
    expect((await call('POST', '/api/v1/notifications/dismiss', { token: alice.token, json: {} })).status).toBe(404)
  })

  test('destroy_multiple deletes only the caller\'s among ids[]; clear deletes all', async () => {
    const [alice, bob] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    for (let i = 0; i < 3; i++) await post(bob, { status: `n${i} @${alice.account.username}` })
    await post(alice, { status: `back @${bob.account.username}` })
    const ids = (await list(alice)).json.map((n: any) => n.id)
    const bobs = (await list(bob)).json.map((n: any) => n.id)
    const res = await call('DELETE', '/api/v1/notifications/destroy_multiple', { token: alice.token, query: { 'ids[]': [ids[0], ids[1], bobs[0], 'junk'] } })
    expect(res.status).toBe(200)
    expect(res.json).toEqual({})
    expect((await list(alice)).json.map((n: any) => n.id)).toEqual([ids[2]])
    expect((await list(bob)).json).toHaveLength(1)
    expect((await call('DELETE', '/api/v1/notifications/destroy_multiple', { token: alice.token })).status).toBe(422)

    const readOnly = await makeUser(ctx, { scopes: ['read'] })
    expect((await call('POST', '/api/v1/notifications/clear', { token: readOnly.token })).status).toBe(403)
    expect((await call('POST', '/api/v1/notifications/clear', { token: alice.token })).json).toEqual({})
    expect((await list(alice)).json).toEqual([])
    expect((await list(bob)).json).toHaveLength(1)
  })
})

describe('read state', () => {
  test('unread_count, then Pleroma read by id and by max_id; the notifications marker follows', async () => {
    const [alice, bob] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    for (let i = 0; i < 4; i++) await post(bob, { status: `unread ${i} @${alice.account.username}` })
    const ids: string[] = (await list(alice)).json.map((n: any) => n.id) // newest first
    const count = async (query: Record<string, string> = {}) =>
      (await call('GET', '/api/v1/notifications/unread_count', { token: alice.token, query })).json.count
    expect(await count()).toBe(4)
    expect(await count({ limit: '2' })).toBe(2)
    expect(await count({ 'types[]': 'favourite' })).toBe(0)

    const one = await call('POST', '/api/v1/pleroma/notifications/read', { token: alice.token, json: { id: ids[3] } })
    expect(one.status).toBe(200)
    expect(one.json.id).toBe(ids[3])
    expect(one.json.pleroma.is_seen).toBe(true)
    expect(await count()).toBe(3)
    let marker = (await call('GET', '/api/v1/markers', { token: alice.token, query: { 'timeline[]': 'notifications' } })).json.notifications
    expect(marker.last_read_id).toBe(ids[3])

    const upTo = await call('POST', '/api/v1/pleroma/notifications/read', { token: alice.token, form: { max_id: ids[1] } })
    expect(upTo.json.map((n: any) => n.id)).toEqual([ids[1], ids[2]])
    expect(upTo.json.every((n: any) => n.pleroma.is_seen)).toBe(true)
    expect(await count()).toBe(1)
    marker = (await call('GET', '/api/v1/markers', { token: alice.token, query: { 'timeline[]': 'notifications' } })).json.notifications
    expect(marker.last_read_id).toBe(ids[1])
    expect(marker.pleroma.unread_count).toBe(1)
    expect((await list(alice)).json.map((n: any) => n.pleroma.is_seen)).toEqual([false, true, true, true])

    expect((await call('POST', '/api/v1/pleroma/notifications/read', { token: alice.token, json: {} })).status).toBe(422)
    expect((await call('POST', '/api/v1/pleroma/notifications/read', { token: bob.token, json: { id: ids[0] } })).status).toBe(404)
    expect((await call('POST', '/api/v1/pleroma/notifications/read', { token: alice.token, json: { max_id: 'x!' } })).status).toBe(422)
  })
})

describe('notification settings', () => {
  test('block_from_strangers: only accounts one follows notify; shown in verify_credentials', async () => {
    const [alice, bob, carol] = await users3()
    const res = await call('PUT', '/api/pleroma/notification_settings', { token: alice.token, json: { block_from_strangers: true } })
    expect(res.status).toBe(200)
    expect(res.json).toEqual({ status: 'success' })
    const me = await call('GET', '/api/v1/accounts/verify_credentials', { token: alice.token })
    expect(me.json.pleroma.notification_settings).toEqual({ block_from_strangers: true, hide_notification_contents: false })

    await follow(alice, carol)
    await post(bob, { status: `stranger @${alice.account.username}` })
    await post(carol, { status: `friend @${alice.account.username}` })
    expect((await list(alice)).json.map((n: any) => n.account.id)).toEqual([carol.account.id])

    // others do not see one's settings
    const seen = await call('GET', `/api/v1/accounts/${alice.account.id}`, { token: bob.token })
    expect(seen.json.pleroma.notification_settings).toBeUndefined()
  })

  test('old keys map to the new ones; query parameters work too; bad values are 422; needs write:accounts', async () => {
    const alice = await makeUser(ctx)
    const settings = async () => (await ctx.db.select().from(users).where(eq(users.id, alice.user.id)))[0].notificationSettings
    await call('PUT', '/api/v1/pleroma/notification_settings', { token: alice.token, form: { non_follows: 'false', privacy_option: 'true', followers: 'true' } })
    expect(await settings()).toEqual({ block_from_strangers: true, hide_notification_contents: true })
    await call('PUT', '/api/pleroma/notification_settings', { token: alice.token, query: { hide_notification_contents: 'false' } })
    expect(await settings()).toEqual({ block_from_strangers: true, hide_notification_contents: false })
    await call('PUT', '/api/pleroma/notification_settings', { token: alice.token, json: { non_follows: true, unknown: 'x' } })
    expect(await settings()).toEqual({ block_from_strangers: false, hide_notification_contents: false })

    expect((await call('PUT', '/api/pleroma/notification_settings', { token: alice.token, json: { block_from_strangers: 'maybe' } })).status).toBe(422)
    expect((await call('PUT', '/api/pleroma/notification_settings', { json: { block_from_strangers: true } })).status).toBe(401)
    const reader = await makeUser(ctx, { scopes: ['read'] })
    expect((await call('PUT', '/api/pleroma/notification_settings', { token: reader.token, json: { block_from_strangers: true } })).status).toBe(403)
  })
})
