import { beforeAll, describe, expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js'
import type { Ctx } from '../../src/core/context'
import { newId } from '../../src/core/ids'
import type { Viewer } from '../../src/core/oauth/authenticate'
import { purgeExpiredMutes } from '../../src/core/relationships/mute'
import type { Db } from '../../src/db/client'
import * as schema from '../../src/db/schema'
import {
  accounts, endorsements, followRequests, follows, homeFeedEntries, listAccounts, lists, mutes, notifications, statuses, type AccountRow,
} from '../../src/db/schema'
import { renderAccounts } from '../../src/server/render/account'
import { renderRelationships } from '../../src/server/render/relationship'
import { getTestContext } from '../support/context'
import { makeUser, uniqueName, type MadeUser } from '../support/factories'
import { call } from '../support/http'
import { expectShape } from '../support/shape'

let ctx: Ctx

beforeAll(async () => {
  ctx = await getTestContext()
})

const users = (n: number, opts: Parameters<typeof makeUser>[1] = {}) => Promise.all(Array.from({ length: n }, () => makeUser(ctx, opts)))
const act = (who: MadeUser, target: { account: { id: string } } | string, action: string, json: Record<string, unknown> = {}) =>
  call('POST', `/api/v1/accounts/${typeof target === 'string' ? target : target.account.id}/${action}`, { token: who.token, json })
const relationship = async (who: MadeUser, target: MadeUser | AccountRow) => {
  const id = 'account' in target ? target.account.id : target.id
  const res = await call('GET', '/api/v1/accounts/relationships', { token: who.token, query: { 'id[]': id } })
  expect(res.status).toBe(200)
  return res.json[0]
}
const counts = async (who: MadeUser | AccountRow) => {
  const id = 'account' in who ? who.account.id : who.id
  const [row] = await ctx.db.select().from(accounts).where(eq(accounts.id, id))
  return { followers: row.followersCount, following: row.followingCount }
}
const notificationsOf = (who: MadeUser, from: MadeUser) =>
  ctx.db.select().from(notifications).where(and(eq(notifications.accountId, who.account.id), eq(notifications.fromAccountId, from.account.id)))
const post = async (who: MadeUser, status: string) => {
  const res = await call('POST', '/api/v1/statuses', { token: who.token, json: { status } })
  expect(res.status).toBe(200)
  return res.json.id as string
}
const feedAuthors = async (who: MadeUser) =>
  (await ctx.db.select({ author: statuses.accountId }).from(homeFeedEntries).innerJoin(statuses, eq(statuses.id, homeFeedEntries.statusId))
    .where(eq(homeFeedEntries.accountId, who.account.id))).map((e) => e.author)

const uniqueDomain = () => `${uniqueName('dom').toLowerCase().replace(/_/g, '-')}.example`

async function remoteAccount(domain = uniqueDomain()): Promise<AccountRow> {
  const [row] = await ctx.db.insert(accounts).values({
    username: uniqueName('remote'), domain, uri: `https://${domain}/users/x${newId()}`,
  }).returning()
  return row
}

describe('POST /api/v1/accounts/:id/follow', () => {
  test('follows an unlocked account: Relationship, counters once, a follow notification and the home feed', async () => {
    const [alice, bob] = await users(2)
    const earlier = await post(bob, 'written before the follow')
    const res = await act(alice, bob, 'follow')
    expect(res.status).toBe(200)
    expectShape(res.json, 'Relationship')
    expect(res.json).toMatchObject({
      id: bob.account.id, following: true, requested: false, showing_reblogs: true, notifying: false, subscribing: false,
      followed_by: false, blocking: false, muting: false, endorsed: false, note: '', languages: null,
    })
    expect(await counts(alice)).toEqual({ followers: 0, following: 1 })
    expect(await counts(bob)).toEqual({ followers: 1, following: 0 })
    expect((await notificationsOf(bob, alice)).map((n) => n.type)).toEqual(['follow'])
    const entries = await ctx.db.select().from(homeFeedEntries).where(eq(homeFeedEntries.accountId, alice.account.id))
    expect(entries.map((e) => e.statusId)).toContain(earlier)

    const again = await act(alice, bob, 'follow')
    expect(again.status).toBe(200)
    expect(again.json.following).toBe(true)
    expect(await counts(bob)).toEqual({ followers: 1, following: 0 })
    expect(await notificationsOf(bob, alice)).toHaveLength(1)
    expect((await relationship(bob, alice)).followed_by).toBe(true)
  })

  test('following again updates the options; reblogs off takes reblogs out of the home feed', async () => {
    const [alice, bob, carol] = await users(3)
    await act(alice, bob, 'follow', { reblogs: true })
    const original = await post(carol, 'boost me')
    const boost = await call('POST', `/api/v1/statuses/${original}/reblog`, { token: bob.token })
    expect(boost.status).toBe(200)
    expect((await ctx.db.select().from(homeFeedEntries).where(eq(homeFeedEntries.accountId, alice.account.id))).map((e) => e.statusId))
      .toContain(boost.json.id)

    const res = await call('POST', `/api/v1/accounts/${bob.account.id}/follow`, {
      token: alice.token, form: { reblogs: 'false', notify: 'true', 'languages[]': ['en', 'DE'] },
    })
    expect(res.status).toBe(200)
    expectShape(res.json, 'Relationship')
    expect(res.json).toMatchObject({ following: true, showing_reblogs: false, notifying: true, subscribing: true, languages: ['en', 'de'] })
    expect((await ctx.db.select().from(homeFeedEntries).where(eq(homeFeedEntries.accountId, alice.account.id))).map((e) => e.statusId))
      .not.toContain(boost.json.id)
    // Options not given stay as they are.
    const partial = await act(alice, bob, 'follow', { notify: false })
    expect(partial.json).toMatchObject({ showing_reblogs: false, notifying: false, languages: ['en', 'de'] })
    expect(await counts(bob)).toEqual({ followers: 1, following: 0 })
  })

  test('a locked account gets a follow request, with a follow_request notification', async () => {
    const [alice] = await users(1)
    const [locked] = await users(1, { account: { locked: true } })
    const res = await act(alice, locked, 'follow', { reblogs: false, languages: ['fr'] })
    expect(res.status).toBe(200)
    expectShape(res.json, 'Relationship')
    expect(res.json).toMatchObject({ following: false, requested: true, showing_reblogs: false, languages: ['fr'] })
    expect(await counts(locked)).toEqual({ followers: 0, following: 0 })
    expect((await notificationsOf(locked, alice)).map((n) => n.type)).toEqual(['follow_request'])
    expect((await relationship(locked, alice)).requested_by).toBe(true)
    const again = await act(alice, locked, 'follow')
    expect(again.json.requested).toBe(true)
    expect(await notificationsOf(locked, alice)).toHaveLength(1)
  })

  test('a silenced account only asks, even of an unlocked account; an existing follow stays', async () => {
    const [silenced] = await users(1, { account: { silencedAt: new Date() } })
    const [open, friend] = await users(2)
    const res = await act(silenced, open, 'follow')
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ following: false, requested: true })
    expect(await counts(open)).toEqual({ followers: 0, following: 0 })
    expect((await relationship(open, silenced)).requested_by).toBe(true)
    // silenced after following: the follow is kept
    expect((await act(friend, open, 'follow')).json.following).toBe(true)
    await ctx.db.update(accounts).set({ silencedAt: new Date() }).where(eq(accounts.id, friend.account.id))
    expect((await act(friend, open, 'follow')).json).toMatchObject({ following: true, requested: false })
  })

  test('refuses oneself (400), unknown, malformed, suspended and deleted accounts (404), and blocks either way (403)', async () => {
    const [alice, blocker, blocked] = await users(3)
    const [suspended] = await users(1, { account: { suspendedAt: new Date() } })
    const [deleted] = await users(1, { account: { deletedAt: new Date() } })
    expect((await act(alice, alice, 'follow')).status).toBe(400)
    expect((await act(alice, newId(), 'follow')).status).toBe(404)
    expect((await act(alice, 'not-an-id!', 'follow')).status).toBe(404)
    expect((await act(alice, suspended, 'follow')).status).toBe(404)
    expect((await act(alice, deleted, 'follow')).status).toBe(404)
    expect((await act(blocker, alice, 'block')).status).toBe(200)
    const refused = await act(alice, blocker, 'follow')
    expect(refused.status).toBe(403)
    expect(refused.json.error).toContain('blocked')
    expect((await act(alice, blocked, 'block')).status).toBe(200)
    expect((await act(alice, blocked, 'follow')).status).toBe(403)
    expect(await counts(alice)).toEqual({ followers: 0, following: 0 })
  })

  test('bad languages are 422; no token is 401; a token without follow scopes is 403', async () => {
    const [alice, bob] = await users(2)
    expect((await act(alice, bob, 'follow', { languages: ['english!'] })).status).toBe(422)
    expect((await call('POST', `/api/v1/accounts/${bob.account.id}/follow`)).status).toBe(401)
    const [reader] = await users(1, { scopes: ['read'] })
    expect((await act(reader, bob, 'follow')).status).toBe(403)
    const [follower] = await users(1, { scopes: ['follow'] })
    expect((await act(follower, bob, 'follow')).status).toBe(200)
  })
})

describe('POST /api/v1/follows (Pleroma: follow by address)', () => {
  test('follows a local account by nickname or by its full address and answers with the account', async () => {
    const [me, bob, carol, locked] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx), makeUser(ctx, { account: { locked: true } })])
    const byName = await call('POST', '/api/v1/follows', { token: me.token, form: { uri: bob.account.username } })
    expect(byName.status).toBe(200)
    expectShape(byName.json, 'Account')
    expect(byName.json.id).toBe(bob.account.id)
    expect((await relationship(me, bob)).following).toBe(true)
    const byAddress = await call('POST', '/api/v1/follows', { token: me.token, json: { uri: `@${carol.account.username}@${ctx.config.domain}`, reblogs: false } })
    expect(byAddress.json.id).toBe(carol.account.id)
    expect(await relationship(me, carol)).toMatchObject({ following: true, showing_reblogs: false })
    await call('POST', '/api/v1/follows', { token: me.token, json: { uri: locked.account.username } })
    expect(await relationship(me, locked)).toMatchObject({ following: false, requested: true })
  })

  test('unknown and missing addresses, and no token', async () => {
    const me = await makeUser(ctx)
    expect((await call('POST', '/api/v1/follows', { token: me.token, json: { uri: 'nobody_here_at_all' } })).status).toBe(404)
    expect((await call('POST', '/api/v1/follows', { token: me.token, json: {} })).status).toBe(422)
    expect((await call('POST', '/api/v1/follows', { json: { uri: me.account.username } })).status).toBe(401)
    const suspended = await makeUser(ctx, { account: { suspendedAt: new Date() } })
    expect((await call('POST', '/api/v1/follows', { token: me.token, json: { uri: suspended.account.username } })).status).toBe(404)
  })
})

describe('POST /api/v1/accounts/:id/unfollow and remove_from_followers', () => {
  test("turning reblogs off takes the account's reblogs out of the home feed; unfollowing takes the rest, and only theirs", async () => {
    const [alice, bob, carol] = await users(3)
    await act(alice, bob, 'follow')
    await act(alice, carol, 'follow')
    const own = await post(bob, 'my own words')
    const carols = await post(carol, 'worth sharing')
    const reblog = await call('POST', `/api/v1/statuses/${carols}/reblog`, { token: bob.token })
    expect(reblog.status).toBe(200)
    const feed = async () => (await ctx.db.select({ id: homeFeedEntries.statusId }).from(homeFeedEntries)
      .where(eq(homeFeedEntries.accountId, alice.account.id))).map((e) => e.id).sort()
    // the reblog does not enter: carol's status is in the feed already
    expect(await feed()).toEqual([own, carols].sort())
    const later = await post(carol, 'more to share')
    expect((await call('POST', `/api/v1/statuses/${later}/reblog`, { token: bob.token })).status).toBe(200)
    await act(alice, carol, 'unfollow')
    expect(await feed()).toEqual([own])

    const rebloggedAgain = await post(carol, 'and again')
    const again = await call('POST', `/api/v1/statuses/${rebloggedAgain}/reblog`, { token: bob.token })
    expect((await feed()).sort()).toEqual([own, again.json.id].sort())
    expect((await call('POST', `/api/v1/accounts/${bob.account.id}/follow`, { token: alice.token, json: { reblogs: false } })).status).toBe(200)
    expect(await feed()).toEqual([own])

    await post(alice, 'mine stays')
    await act(alice, bob, 'unfollow')
    expect(await feedAuthors(alice)).toEqual([alice.account.id])
  })

  test('unfollow undoes everything once: counters, notification, home feed, lists, endorsement', async () => {
    const [alice, bob] = await users(2)
    await post(bob, 'in the feed')
    await act(alice, bob, 'follow')
    expect(await feedAuthors(alice)).toContain(bob.account.id)
    const [list] = await ctx.db.insert(lists).values({ accountId: alice.account.id, title: 'friends' }).returning()
    await ctx.db.insert(listAccounts).values({ listId: list.id, accountId: bob.account.id })
    expect((await act(alice, bob, 'pin')).status).toBe(200)

    const res = await act(alice, bob, 'unfollow')
    expect(res.status).toBe(200)
    expectShape(res.json, 'Relationship')
    expect(res.json).toMatchObject({ following: false, requested: false, endorsed: false })
    expect(await counts(alice)).toEqual({ followers: 0, following: 0 })
    expect(await counts(bob)).toEqual({ followers: 0, following: 0 })
    expect(await notificationsOf(bob, alice)).toHaveLength(0)
    expect(await feedAuthors(alice)).not.toContain(bob.account.id)
    expect(await ctx.db.select().from(listAccounts).where(eq(listAccounts.listId, list.id))).toHaveLength(0)

    expect((await act(alice, bob, 'unfollow')).status).toBe(200)
    expect(await counts(bob)).toEqual({ followers: 0, following: 0 })
    expect((await act(alice, alice, 'unfollow')).status).toBe(400)
  })

  test('unfollow withdraws a pending request and its notification', async () => {
    const [alice] = await users(1)
    const [locked] = await users(1, { account: { locked: true } })
    await act(alice, locked, 'follow')
    const res = await act(alice, locked, 'unfollow')
    expect(res.json.requested).toBe(false)
    expect(await ctx.db.select().from(followRequests).where(eq(followRequests.accountId, alice.account.id))).toHaveLength(0)
    expect(await notificationsOf(locked, alice)).toHaveLength(0)
  })

  test('remove_from_followers makes a follower stop following', async () => {
    const [alice, fan] = await users(2)
    await post(alice, 'hello fans')
    await act(fan, alice, 'follow')
    const res = await act(alice, fan, 'remove_from_followers')
    expect(res.status).toBe(200)
    expectShape(res.json, 'Relationship')
    expect(res.json.followed_by).toBe(false)
    expect(await counts(alice)).toEqual({ followers: 0, following: 0 })
    expect(await counts(fan)).toEqual({ followers: 0, following: 0 })
    expect(await feedAuthors(fan)).not.toContain(alice.account.id)
    expect((await act(alice, alice, 'remove_from_followers')).status).toBe(400)
    expect((await act(alice, newId(), 'remove_from_followers')).status).toBe(404)
  })
})

describe('follow requests', () => {
  test('listed for the locked account; authorize makes a follow and turns the notification into a follow one', async () => {
    const [alice, carol] = await users(2)
    const [locked] = await users(1, { account: { locked: true } })
    await post(locked, 'private life')
    await act(alice, locked, 'follow', { notify: true, languages: ['en'] })
    await act(carol, locked, 'follow')
    const list = await call('GET', '/api/v1/follow_requests', { token: locked.token, query: { limit: '1' } })
    expect(list.status).toBe(200)
    expect(list.json.map((a: { id: string }) => a.id)).toEqual([carol.account.id])
    expectShape(list.json[0], 'Account')
    expect(list.headers.get('link')).toContain('max_id=')
    const next = await call('GET', '/api/v1/follow_requests', { token: locked.token, query: { limit: '1', max_id: /max_id=([^&>]+)/.exec(list.headers.get('link')!)![1] } })
    expect(next.json.map((a: { id: string }) => a.id)).toEqual([alice.account.id])
    const outgoing = await call('GET', '/api/v1/pleroma/outgoing_follow_requests', { token: alice.token })
    expect(outgoing.json.map((a: { id: string }) => a.id)).toEqual([locked.account.id])

    const [before] = await notificationsOf(locked, alice)
    const res = await call('POST', `/api/v1/follow_requests/${alice.account.id}/authorize`, { token: locked.token })
    expect(res.status).toBe(200)
    expectShape(res.json, 'Relationship')
    expect(res.json).toMatchObject({ id: alice.account.id, followed_by: true, requested_by: false })
    const rel = await relationship(alice, locked)
    expect(rel).toMatchObject({ following: true, requested: false, notifying: true, languages: ['en'] })
    expect(await counts(locked)).toEqual({ followers: 1, following: 0 })
    const after = await notificationsOf(locked, alice)
    expect(after.map((n) => [n.id, n.type])).toEqual([[before.id, 'follow']])
    expect(await feedAuthors(alice)).toContain(locked.account.id)
    // A repeated authorize answers the same; a second follow row or count never appears.
    expect((await call('POST', `/api/v1/follow_requests/${alice.account.id}/authorize`, { token: locked.token })).status).toBe(200)
    expect(await counts(locked)).toEqual({ followers: 1, following: 0 })
  })

  test('reject drops the request and its notification; unknown requests are 404', async () => {
    const [alice, stranger] = await users(2)
    const [locked] = await users(1, { account: { locked: true } })
    await act(alice, locked, 'follow')
    const res = await call('POST', `/api/v1/follow_requests/${alice.account.id}/reject`, { token: locked.token })
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ followed_by: false, requested_by: false })
    expect(await notificationsOf(locked, alice)).toHaveLength(0)
    expect((await relationship(alice, locked)).requested).toBe(false)
    expect((await call('POST', `/api/v1/follow_requests/${alice.account.id}/reject`, { token: locked.token })).status).toBe(404)
    expect((await call('POST', `/api/v1/follow_requests/${stranger.account.id}/authorize`, { token: locked.token })).status).toBe(404)
    expect((await call('POST', `/api/v1/follow_requests/${newId()}/authorize`, { token: locked.token })).status).toBe(404)
    expect((await call('POST', `/api/v1/follow_requests/${alice.account.id}/authorize`)).status).toBe(401)
    expect((await call('GET', '/api/v1/follow_requests')).status).toBe(401)
  })
})

describe('blocks', () => {
  test('blocking removes follows both ways, pending requests and home feed entries; relationship shows both sides', async () => {
    const [alice, bob] = await users(2)
    const [lockedBob] = await users(1, { account: { locked: true } })
    await post(alice, 'alice writes')
    await post(bob, 'bob writes')
    await act(alice, bob, 'follow')
    await act(bob, alice, 'follow')
    await act(lockedBob, alice, 'follow')
    await act(alice, lockedBob, 'follow')
    expect(await counts(alice)).toEqual({ followers: 2, following: 1 })

    const res = await act(alice, bob, 'block')
    expect(res.status).toBe(200)
    expectShape(res.json, 'Relationship')
    expect(res.json).toMatchObject({ blocking: true, following: false, followed_by: false })
    expect(await counts(alice)).toEqual({ followers: 1, following: 0 })
    expect(await counts(bob)).toEqual({ followers: 0, following: 0 })
    expect(await feedAuthors(alice)).not.toContain(bob.account.id)
    expect(await feedAuthors(bob)).not.toContain(alice.account.id)
    expect(await notificationsOf(alice, bob)).toHaveLength(0)
    expect((await relationship(bob, alice)).blocked_by).toBe(true)

    await act(alice, lockedBob, 'block')
    expect(await ctx.db.select().from(followRequests).where(eq(followRequests.accountId, alice.account.id))).toHaveLength(0)
    expect(await counts(alice)).toEqual({ followers: 0, following: 0 })

    expect((await act(alice, bob, 'block')).status).toBe(200)
    expect((await act(alice, alice, 'block')).status).toBe(400)
  })

  test('GET /api/v1/blocks pages newest first with a Link header; unblock', async () => {
    const [me, a, b, c] = await users(4)
    for (const t of [a, b, c]) await act(me, t, 'block')
    const first = await call('GET', '/api/v1/blocks', { token: me.token, query: { limit: '2' } })
    expect(first.status).toBe(200)
    expect(first.json.map((x: { id: string }) => x.id)).toEqual([c.account.id, b.account.id])
    for (const account of first.json) expectShape(account, 'Account')
    const link = first.headers.get('link')!
    expect(link).toContain('rel="next"')
    const maxId = /max_id=([^&>]+)/.exec(link)![1]
    const second = await call('GET', '/api/v1/blocks', { token: me.token, query: { limit: '2', max_id: maxId } })
    expect(second.json.map((x: { id: string }) => x.id)).toEqual([a.account.id])

    const res = await act(me, b, 'unblock')
    expect(res.json.blocking).toBe(false)
    const all = await call('GET', '/api/v1/blocks', { token: me.token })
    expect(all.json.map((x: { id: string }) => x.id)).toEqual([c.account.id, a.account.id])
    const [reader] = await users(1, { scopes: ['read:accounts'] })
    expect((await call('GET', '/api/v1/blocks', { token: reader.token })).status).toBe(403)
    expect((await call('GET', '/api/v1/blocks')).status).toBe(401)
  })
})

describe('mutes', () => {
  test('mute with notifications by default, or not; with a duration; listed with mute_expires_at', async () => {
    const [me, loud, quiet] = await users(3)
    const res = await act(me, loud, 'mute')
    expect(res.status).toBe(200)
    expectShape(res.json, 'Relationship')
    expect(res.json).toMatchObject({ muting: true, muting_notifications: true, muting_expires_at: null })
    const timed = await act(me, quiet, 'mute', { notifications: false, duration: 3600 })
    expect(timed.json).toMatchObject({ muting: true, muting_notifications: false })
    const expires = Date.parse(timed.json.muting_expires_at)
    expect(Math.abs(expires - (Date.now() + 3600_000))).toBeLessThan(60_000)

    const list = await call('GET', '/api/v1/mutes', { token: me.token })
    expect(list.status).toBe(200)
    expect(list.json.map((a: { id: string }) => a.id)).toEqual([quiet.account.id, loud.account.id])
    for (const a of list.json) expectShape(a, 'MutedAccount')
    expect(list.json[0].mute_expires_at).toBe(timed.json.muting_expires_at)
    expect(list.json[1].mute_expires_at).toBeNull()

    // Pleroma's expires_in means the same; 0 is for good.
    const pleroma = await act(me, quiet, 'mute', { expires_in: 0 })
    expect(pleroma.json.muting_expires_at).toBeNull()
    expect((await act(me, loud, 'unmute')).json.muting).toBe(false)
  })

  test('an expired mute is ignored at once and purged later', async () => {
    const [me, them] = await users(2)
    await act(me, them, 'mute', { duration: 60 })
    await ctx.db.update(mutes).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(mutes.accountId, me.account.id))
    expect((await relationship(me, them)).muting).toBe(false)
    expect((await call('GET', '/api/v1/mutes', { token: me.token })).json).toEqual([])
    expect(await purgeExpiredMutes(ctx.db)).toBeGreaterThanOrEqual(1)
    expect(await ctx.db.select().from(mutes).where(eq(mutes.accountId, me.account.id))).toHaveLength(0)
  })

  test('bad durations are 422; oneself is 400; wrong scope is 403', async () => {
    const [me, them] = await users(2)
    expect((await act(me, them, 'mute', { duration: -5 })).status).toBe(422)
    expect((await act(me, them, 'mute', { duration: 'soon' })).status).toBe(422)
    expect((await act(me, me, 'mute')).status).toBe(400)
    const [reader] = await users(1, { scopes: ['read', 'write:blocks'] })
    expect((await act(reader, them, 'mute')).status).toBe(403)
  })
})

describe('Pleroma subscribe / unsubscribe', () => {
  test('is the notify flag of a follow', async () => {
    const [me, them, stranger] = await users(3)
    await act(me, them, 'follow')
    const res = await call('POST', `/api/v1/pleroma/accounts/${them.account.id}/subscribe`, { token: me.token })
    expect(res.status).toBe(200)
    expectShape(res.json, 'Relationship')
    expect(res.json).toMatchObject({ subscribing: true, notifying: true, following: true })
    const off = await call('POST', `/api/v1/pleroma/accounts/${them.account.id}/unsubscribe`, { token: me.token })
    expect(off.json).toMatchObject({ subscribing: false, notifying: false })
    expect((await call('POST', `/api/v1/pleroma/accounts/${stranger.account.id}/subscribe`, { token: me.token })).status).toBe(422)
    expect((await call('POST', `/api/v1/pleroma/accounts/${newId()}/subscribe`, { token: me.token })).status).toBe(404)
  })
})

describe('endorsements', () => {
  test('only followed accounts; listed for the owner and publicly; unpin', async () => {
    const [me, friend, stranger] = await users(3)
    expect((await act(me, stranger, 'pin')).status).toBe(422)
    await act(me, friend, 'follow')
    const res = await act(me, friend, 'pin')
    expect(res.status).toBe(200)
    expectShape(res.json, 'Relationship')
    expect(res.json.endorsed).toBe(true)
    expect((await act(me, friend, 'endorse')).status).toBe(200)

    const own = await call('GET', '/api/v1/endorsements', { token: me.token })
    expect(own.json.map((a: { id: string }) => a.id)).toEqual([friend.account.id])
    expectShape(own.json[0], 'Account')
    for (const path of [`/api/v1/pleroma/accounts/${me.account.id}/endorsements`, `/api/v1/accounts/${me.account.id}/endorsements`]) {
      const pub = await call('GET', path)
      expect(pub.status).toBe(200)
      expect(pub.json.map((a: { id: string }) => a.id)).toEqual([friend.account.id])
    }
    expect((await call('GET', `/api/v1/pleroma/accounts/${newId()}/endorsements`)).status).toBe(404)
    expect((await act(me, friend, 'unpin')).json.endorsed).toBe(false)
    expect(await ctx.db.select().from(endorsements).where(eq(endorsements.accountId, me.account.id))).toHaveLength(0)
    expect((await call('GET', '/api/v1/endorsements')).status).toBe(401)
  })
})

describe('POST /api/v1/accounts/:id/note', () => {
  test('sets, replaces and clears a private note', async () => {
    const [me, them] = await users(2)
    const res = await act(me, them, 'note', { comment: 'met at the conference' })
    expect(res.status).toBe(200)
    expectShape(res.json, 'Relationship')
    expect(res.json.note).toBe('met at the conference')
    expect((await relationship(them, me)).note).toBe('')
    expect((await act(me, them, 'note', { comment: 'changed' })).json.note).toBe('changed')
    expect((await act(me, them, 'note', { comment: '' })).json.note).toBe('')
    expect((await act(me, them, 'note', { comment: 'x'.repeat(2001) })).status).toBe(422)
    expect((await act(me, them, 'note', { comment: { nested: true } })).status).toBe(422)
  })
})

describe('GET /api/v1/accounts/relationships', () => {
  test('answers in the order asked, skipping unknown and malformed ids; self is all false', async () => {
    const [me, a, b] = await users(3)
    await act(me, a, 'follow')
    await act(b, me, 'follow')
    const res = await call('GET', '/api/v1/accounts/relationships', {
      token: me.token, query: { 'id[]': [b.account.id, newId(), 'bad!', a.account.id, me.account.id, b.account.id] },
    })
    expect(res.status).toBe(200)
    expect(res.json.map((r: { id: string }) => r.id)).toEqual([b.account.id, a.account.id, me.account.id])
    for (const r of res.json) expectShape(r, 'Relationship')
    expect(res.json[0]).toMatchObject({ following: false, followed_by: true })
    expect(res.json[1]).toMatchObject({ following: true, followed_by: false })
    expect(res.json[2]).toMatchObject({ following: false, followed_by: false, blocking: false })
    const single = await call('GET', '/api/v1/accounts/relationships', { token: me.token, query: { id: a.account.id } })
    expect(single.json.map((r: { id: string }) => r.id)).toEqual([a.account.id])
    expect((await call('GET', '/api/v1/accounts/relationships', { token: me.token })).json).toEqual([])
    expect((await call('GET', '/api/v1/accounts/relationships', { query: { id: a.account.id } })).status).toBe(401)
  })
})

describe('followers and following', () => {
  test('page by follow with Link headers; with_relationships embeds pleroma.relationship', async () => {
    const [star, f1, f2, f3, viewer] = await users(5)
    for (const f of [f1, f2, f3]) await act(f, star, 'follow')
    await act(viewer, f2, 'follow')
    const first = await call('GET', `/api/v1/accounts/${star.account.id}/followers`, { token: viewer.token, query: { limit: '2', with_relationships: 'true' } })
    expect(first.status).toBe(200)
    expect(first.json.map((a: { id: string }) => a.id)).toEqual([f3.account.id, f2.account.id])
    for (const a of first.json) expectShape(a, 'Account')
    expect(first.json[1].pleroma.relationship).toMatchObject({ id: f2.account.id, following: true })
    expectShape(first.json[1].pleroma.relationship, 'Relationship')
    const maxId = /max_id=([^&>]+)/.exec(first.headers.get('link')!)![1]
    const second = await call('GET', `/api/v1/accounts/${star.account.id}/followers`, { query: { limit: '2', max_id: maxId } })
    expect(second.json.map((a: { id: string }) => a.id)).toEqual([f1.account.id])
    expect(second.json[0].pleroma.relationship).toEqual({})
    const minId = /min_id=([^&>]+)/.exec(second.headers.get('link')!)![1]
    const back = await call('GET', `/api/v1/accounts/${star.account.id}/followers`, { query: { limit: '2', min_id: minId } })
    expect(back.json.map((a: { id: string }) => a.id)).toEqual([f3.account.id, f2.account.id])

    const following = await call('GET', `/api/v1/accounts/${f1.account.id}/following`)
    expect(following.json.map((a: { id: string }) => a.id)).toEqual([star.account.id])
    expect((await call('GET', `/api/v1/accounts/${newId()}/followers`)).status).toBe(404)
  })

  test('hidden lists are empty for others, complete for the owner; an account that blocks the viewer hides them too', async () => {
    const [shy, fan, other] = await users(3, { account: { hideFollowers: true, hideFollows: true } })
    await act(fan, shy, 'follow')
    await act(shy, other, 'follow')
    for (const path of ['followers', 'following']) {
      const forOthers = await call('GET', `/api/v1/accounts/${shy.account.id}/${path}`, { token: other.token })
      expect(forOthers.status).toBe(200)
      expect(forOthers.json).toEqual([])
      expect((await call('GET', `/api/v1/accounts/${shy.account.id}/${path}`)).json).toEqual([])
      expect((await call('GET', `/api/v1/accounts/${shy.account.id}/${path}`, { token: shy.token })).json).toHaveLength(1)
    }
    const [open, blockedViewer] = await users(2)
    await act(fan, open, 'follow')
    await act(open, blockedViewer, 'block')
    expect((await call('GET', `/api/v1/accounts/${open.account.id}/followers`, { token: blockedViewer.token })).json).toEqual([])
    expect((await call('GET', `/api/v1/accounts/${open.account.id}/followers`)).json).toHaveLength(1)
  })

  test('suspended followers are left out', async () => {
    const [star, active, gone] = await users(3)
    await act(active, star, 'follow')
    await act(gone, star, 'follow')
    await ctx.db.update(accounts).set({ suspendedAt: new Date() }).where(eq(accounts.id, gone.account.id))
    const res = await call('GET', `/api/v1/accounts/${star.account.id}/followers`)
    expect(res.json.map((a: { id: string }) => a.id)).toEqual([active.account.id])
  })
})

describe('GET /api/v1/accounts/:id with_relationships', () => {
  test('embeds the viewer’s relationship only when asked and only for a viewer', async () => {
    const [me, them] = await users(2)
    await act(me, them, 'follow')
    const plain = await call('GET', `/api/v1/accounts/${them.account.id}`, { token: me.token })
    expect(plain.json.pleroma.relationship).toEqual({})
    const embedded = await call('GET', `/api/v1/accounts/${them.account.id}`, { token: me.token, query: { with_relationships: 'true' } })
    expect(embedded.status).toBe(200)
    expectShape(embedded.json, 'Account')
    expectShape(embedded.json.pleroma.relationship, 'Relationship')
    expect(embedded.json.pleroma.relationship).toMatchObject({ id: them.account.id, following: true })
    const anonymous = await call('GET', `/api/v1/accounts/${them.account.id}`, { query: { with_relationships: 'true' } })
    expect(anonymous.json.pleroma.relationship).toEqual({})
  })
})

describe('domain blocks', () => {
  test('block a domain: follows to and from it go; listed as strings with paging; unblock', async () => {
    const [me] = await users(1)
    const domain = uniqueDomain()
    const [remote, fan] = [await remoteAccount(domain), await remoteAccount(domain)]
    const elsewhere = await remoteAccount()
    await act(me, remote.id, 'follow')
    await act(me, elsewhere.id, 'follow')
    await ctx.db.insert(follows).values({ accountId: fan.id, targetAccountId: me.account.id })
    await ctx.db.update(accounts).set({ followersCount: 1 }).where(eq(accounts.id, me.account.id))
    await ctx.db.update(accounts).set({ followingCount: 1 }).where(eq(accounts.id, fan.id))

    const res = await call('POST', '/api/v1/domain_blocks', { token: me.token, form: { domain: `HTTPS://${domain.toUpperCase()}/` } })
    expect(res.status).toBe(200)
    expect(res.json).toEqual({})
    expect(await counts(me)).toEqual({ followers: 0, following: 1 })
    expect(await counts(remote)).toEqual({ followers: 0, following: 0 })
    expect(await counts(fan)).toEqual({ followers: 0, following: 0 })
    expect((await relationship(me, remote))).toMatchObject({ domain_blocking: true, following: false })
    expect((await relationship(me, elsewhere))).toMatchObject({ domain_blocking: false, following: true })

    const other = uniqueDomain()
    await call('POST', '/api/v1/domain_blocks', { token: me.token, json: { domain: other } })
    const page = await call('GET', '/api/v1/domain_blocks', { token: me.token, query: { limit: '1' } })
    expect(page.status).toBe(200)
    expect(page.json).toEqual([other])
    const maxId = /max_id=([^&>]+)/.exec(page.headers.get('link')!)![1]
    expect((await call('GET', '/api/v1/domain_blocks', { token: me.token, query: { max_id: maxId } })).json).toEqual([domain])

    const removed = await call('DELETE', '/api/v1/domain_blocks', { token: me.token, query: { domain } })
    expect(removed.status).toBe(200)
    expect((await call('GET', '/api/v1/domain_blocks', { token: me.token })).json).toEqual([other])
    // Clients also send the domain in a form body.
    expect((await call('DELETE', '/api/v1/domain_blocks', { token: me.token, form: { domain: other } })).status).toBe(200)
    expect((await call('GET', '/api/v1/domain_blocks', { token: me.token })).json).toEqual([])
    expect((await relationship(me, remote)).domain_blocking).toBe(false)
  })

  test('bad domains are 422; no token 401; read scope 403', async () => {
    const [me] = await users(1)
    for (const domain of ['', 'not a domain', 'bad_under.example', ctx.config.domain]) {
      expect((await call('POST', '/api/v1/domain_blocks', { token: me.token, json: { domain } })).status).toBe(422)
    }
    expect((await call('POST', '/api/v1/domain_blocks', { token: me.token, json: {} })).status).toBe(422)
    expect((await call('POST', '/api/v1/domain_blocks', { json: { domain: 'a.example' } })).status).toBe(401)
    const [reader] = await users(1, { scopes: ['read'] })
    expect((await call('POST', '/api/v1/domain_blocks', { token: reader.token, json: { domain: 'a.example' } })).status).toBe(403)
  })
})

describe('rendering relationships', () => {
  /** A context whose database counts every statement (a second drizzle instance over the same client, with a logger). */
  function countingContext(): { ctx: Ctx; queries: () => number; reset: () => void } {
    let n = 0
    const logger = { logQuery: () => { n++ } }
    const db = (ctx.database.kind === 'pglite'
      ? drizzlePglite(ctx.database.pglite!, { schema, logger })
      : drizzlePostgres((ctx.db as any).session.client, { schema, logger })) as unknown as Db
    return { ctx: { ...ctx, db }, queries: () => n, reset: () => { n = 0 } }
  }

  test('costs one query for 1 or 12 accounts, and accounts with relationships a fixed number more', async () => {
    const [me, ...others] = await users(13)
    for (const [i, other] of others.entries()) {
      if (i % 2) await act(me, other, 'follow')
      if (i % 3 === 0) await act(me, other, 'mute', { duration: 600 })
      if (i % 4 === 0) await act(other, me, 'follow')
    }
    const counting = countingContext()
    const one = await renderRelationships(counting.ctx, me.account.id, [others[1].account.id])
    expect(counting.queries()).toBe(1)
    expect(one[0].following).toBe(true)
    counting.reset()
    const all = await renderRelationships(counting.ctx, me.account.id, others.map((o) => o.account.id))
    expect(counting.queries()).toBe(1)
    expect(all.map((r) => r.following)).toEqual(others.map((_, i) => i % 2 === 1))
    expect(all.map((r) => r.muting)).toEqual(others.map((_, i) => i % 3 === 0))
    expect(all.map((r) => r.followed_by)).toEqual(others.map((_, i) => i % 4 === 0))

    const viewer: Viewer = {
      tokenId: null, appId: null, scopes: ['read'], userId: me.user.id, accountId: me.account.id, username: me.account.username, isAdmin: false, isModerator: false,
    }
    counting.reset()
    await renderAccounts(counting.ctx, [others[0].account], viewer, { withRelationships: true })
    const single = counting.queries()
    counting.reset()
    const rendered = await renderAccounts(counting.ctx, others.map((o) => o.account), viewer, { withRelationships: true })
    expect(counting.queries()).toBe(single)
    expect(rendered.map((a) => (a.pleroma.relationship as { following?: boolean }).following)).toEqual(others.map((_, i) => i % 2 === 1))
  })
})
