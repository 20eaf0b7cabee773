import { beforeAll, describe, expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import { notifications } from '../../src/db/schema'
import { getTestContext } from '../support/context'
import { makeUser, type MadeUser } from '../support/factories'
import { call, postStatus } from '../support/http'
import { expectShape } from '../support/shape'

let ctx: Ctx

beforeAll(async () => {
  ctx = await getTestContext()
  // the first request builds the app and warms the database connections: slow on a busy machine, so not in a test
  const warm = await makeUser(ctx)
  await call('GET', '/api/v2/notifications', { token: warm.token })
}, { timeout: 60_000 })

const post = (who: MadeUser, json: Record<string, unknown>) => postStatus<{ id: string }>(who, json)
const users = (n: number) => Promise.all(Array.from({ length: n }, () => makeUser(ctx)))
const policy = (who: MadeUser) => call('GET', '/api/v2/notifications/policy', { token: who.token })
const setPolicy = (who: MadeUser, json: Record<string, unknown>) => call('PATCH', '/api/v2/notifications/policy', { token: who.token, json })
const requests = (who: MadeUser, query: Record<string, string> = {}) => call('GET', '/api/v1/notifications/requests', { token: who.token, query })
const mention = (from: MadeUser, to: MadeUser, extra: Record<string, unknown> = {}) => post(from, { status: `hi @${to.account.username}`, ...extra })
const v1Senders = async (who: MadeUser, query: Record<string, string> = {}) =>
  (await call('GET', '/api/v1/notifications', { token: who.token, query })).json.map((n: any) => n.account.id)
const followAccount = (who: MadeUser, target: MadeUser) => call('POST', `/api/v1/accounts/${target.account.id}/follow`, { token: who.token })

describe('notification policy', () => {
  test('defaults, in the v2 and v1 shapes', async () => {
    const [alice] = await users(1)
    const res = await policy(alice)
    expect(res.status).toBe(200)
    expectShape(res.json, 'NotificationPolicy')
    expect(res.json).toEqual({
      for_not_following: 'accept', for_not_followers: 'accept', for_new_accounts: 'accept', for_private_mentions: 'accept',
      for_limited_accounts: 'filter', summary: { pending_requests_count: 0, pending_notifications_count: 0 },
    })
    const v1 = await call('GET', '/api/v1/notifications/policy', { token: alice.token })
    expect(v1.json).toEqual({
      filter_not_following: false, filter_not_followers: false, filter_new_accounts: false, filter_private_mentions: false,
      summary: { pending_requests_count: 0, pending_notifications_count: 0 },
    })
  })

  test('PATCH changes what is given; v1 takes booleans; bad values are 422; scopes are checked', async () => {
    const [alice] = await users(1)
    const res = await setPolicy(alice, { for_not_followers: 'filter', for_new_accounts: 'drop' })
    expect(res.status).toBe(200)
    expect(res.json.for_not_followers).toBe('filter')
    expect(res.json.for_new_accounts).toBe('drop')
    expect(res.json.for_not_following).toBe('accept')
    const v1 = await call('PUT', '/api/v1/notifications/policy', { token: alice.token, json: { filter_private_mentions: true, filter_not_followers: 'false' } })
    expect(v1.status).toBe(200)
    expect(v1.json.filter_private_mentions).toBe(true)
    expect(v1.json.filter_not_followers).toBe(false)
    expect(v1.json.filter_new_accounts).toBe(true)
    expect((await policy(alice)).json.for_private_mentions).toBe('filter')

    expect((await setPolicy(alice, { for_not_following: 'maybe' })).status).toBe(422)
    expect((await call('PATCH', '/api/v1/notifications/policy', { token: alice.token, json: { filter_not_following: 'perhaps' } })).status).toBe(422)
    expect((await policy(alice)).json.for_not_following).toBe('accept')
    expect((await call('GET', '/api/v2/notifications/policy')).status).toBe(401)
    const reader = await makeUser(ctx, { scopes: ['read:notifications'] })
    expect((await policy(reader)).status).toBe(200)
    expect((await setPolicy(reader, { for_not_following: 'filter' })).status).toBe(403)
    const writer = await makeUser(ctx, { scopes: ['write:notifications'] })
    expect((await policy(writer)).status).toBe(403)
    expect((await setPolicy(writer, { for_not_following: 'filter' })).status).toBe(200)
  })

  test('for_not_following: drop is Pleroma\'s block_from_strangers, both ways', async () => {
    const [alice, bob] = await users(2)
    const settings = async () => (await call('GET', '/api/v1/accounts/verify_credentials', { token: alice.token })).json.pleroma.notification_settings
    expect((await setPolicy(alice, { for_not_following: 'drop' })).status).toBe(200)
    expect((await settings()).block_from_strangers).toBe(true)
    await mention(bob, alice)
    expect(await v1Senders(alice, { include_filtered: 'true' })).toEqual([])
    expect((await requests(alice)).json).toEqual([])

    expect((await call('PUT', '/api/pleroma/notification_settings', { token: alice.token, json: { block_from_strangers: false } })).status).toBe(200)
    expect((await policy(alice)).json.for_not_following).toBe('accept')
    expect((await call('PUT', '/api/pleroma/notification_settings', { token: alice.token, json: { block_from_strangers: true } })).status).toBe(200)
    expect((await policy(alice)).json.for_not_following).toBe('drop')
    expect((await setPolicy(alice, { for_not_following: 'filter' })).status).toBe(200)
    expect((await settings()).block_from_strangers).toBe(false)
  })
})

describe('filtered notifications and requests', () => {
  test('a filtered notification waits in a request, shown with include_filtered and counted in the summary', async () => {
    const [alice, bob, carol] = await users(3)
    await setPolicy(alice, { for_not_following: 'filter' })
    expect((await followAccount(alice, carol)).status).toBe(200)
    const first = await mention(bob, alice)
    await mention(carol, alice)

    expect(await v1Senders(alice)).toEqual([carol.account.id])
    expect((await call('GET', '/api/v2/notifications', { token: alice.token })).json.notification_groups).toHaveLength(1)
    expect(await v1Senders(alice, { include_filtered: 'true' })).toEqual([carol.account.id, bob.account.id])
    expect((await call('GET', '/api/v1/notifications/unread_count', { token: alice.token })).json.count).toBe(1)

    const listed = await requests(alice)
    expect(listed.status).toBe(200)
    expect(listed.json).toHaveLength(1)
    const [req] = listed.json
    expectShape(req, 'NotificationRequest')
    expect(req.account.id).toBe(bob.account.id)
    expect(req.notifications_count).toBe('1')
    expect(req.last_status.id).toBe(first.id)
    expect((await policy(alice)).json.summary).toEqual({ pending_requests_count: 1, pending_notifications_count: 1 })

    await mention(bob, alice)
    const shown = await call('GET', `/api/v1/notifications/requests/${req.id}`, { token: alice.token })
    expect(shown.json.notifications_count).toBe('2')
    expectShape(shown.json, 'NotificationRequest')

    expect((await call('GET', '/api/v1/notifications/requests/merged', { token: alice.token })).json).toEqual({ merged: true })
  })

  test('accepting lets the held notifications and later ones through, even past a dropping policy', async () => {
    const [alice, bob, dave] = await users(3)
    await setPolicy(alice, { for_not_following: 'filter' })
    await mention(bob, alice)
    await mention(bob, alice)
    const [req] = (await requests(alice)).json
    const accepted = await call('POST', `/api/v1/notifications/requests/${req.id}/accept`, { token: alice.token })
    expect(accepted.status).toBe(200)
    expect(accepted.json).toEqual({})
    expect((await call('GET', `/api/v1/notifications/requests/${req.id}`, { token: alice.token })).status).toBe(404)
    expect(await v1Senders(alice)).toEqual([bob.account.id, bob.account.id])
    expect((await requests(alice)).json).toEqual([])
    expect((await policy(alice)).json.summary).toEqual({ pending_requests_count: 0, pending_notifications_count: 0 })

    await setPolicy(alice, { for_not_following: 'accept', for_not_followers: 'drop' })
    await mention(dave, alice)
    await mention(bob, alice)
    expect(await v1Senders(alice, { include_filtered: 'true' })).toEqual([bob.account.id, bob.account.id, bob.account.id])
  })

  test('accepted favourites join their group', async () => {
    const [alice, bob, carol] = await users(3)
    const own = await post(alice, { status: 'fave' })
    await setPolicy(alice, { for_not_following: 'filter' })
    await followAccount(alice, carol)
    await call('POST', `/api/v1/statuses/${own.id}/favourite`, { token: carol.token })
    await call('POST', `/api/v1/statuses/${own.id}/favourite`, { token: bob.token })
    const [held] = await ctx.db.select().from(notifications).where(and(eq(notifications.accountId, alice.account.id), eq(notifications.fromAccountId, bob.account.id)))
    expect(held.filtered).toBe(true)
    expect(held.groupKey).toBeNull()
    const [req] = (await requests(alice)).json
    await call('POST', `/api/v1/notifications/requests/${req.id}/accept`, { token: alice.token })
    const groups = (await call('GET', '/api/v2/notifications', { token: alice.token })).json.notification_groups
    expect(groups).toHaveLength(1)
    expect(groups[0].notifications_count).toBe(2)
  })

  test('dismissing drops the request and its notifications; a new one starts a new request', async () => {
    const [alice, bob] = await users(2)
    await setPolicy(alice, { for_not_following: 'filter' })
    await mention(bob, alice)
    const [req] = (await requests(alice)).json
    expect((await call('POST', `/api/v1/notifications/requests/${req.id}/dismiss`, { token: alice.token })).json).toEqual({})
    expect((await requests(alice)).json).toEqual([])
    expect(await v1Senders(alice, { include_filtered: 'true' })).toEqual([])
    await mention(bob, alice)
    const again = (await requests(alice)).json
    expect(again).toHaveLength(1)
    expect(again[0].id).not.toBe(req.id)
    expect(again[0].notifications_count).toBe('1')
  })

  test('a request whose notifications were all withdrawn is gone', async () => {
    const [alice, bob] = await users(2)
    const own = await post(alice, { status: 'undo' })
    await setPolicy(alice, { for_not_following: 'filter' })
    await call('POST', `/api/v1/statuses/${own.id}/favourite`, { token: bob.token })
    expect((await requests(alice)).json).toHaveLength(1)
    await call('POST', `/api/v1/statuses/${own.id}/unfavourite`, { token: bob.token })
    expect((await requests(alice)).json).toEqual([])
  })

  test('bulk accept and dismiss with id[]; another user\'s ids are ignored; none given is 422', async () => {
    const [alice, bob, carol, dave, mallory] = await users(5)
    for (const who of [alice, mallory]) await setPolicy(who, { for_not_following: 'filter' })
    for (const who of [bob, carol, dave]) await mention(who, alice)
    await mention(bob, mallory)
    const byAccount = new Map<string, string>((await requests(alice)).json.map((r: any) => [r.account.id, r.id]))
    const [malloryReq] = (await requests(mallory)).json

    const accept = await call('POST', '/api/v1/notifications/requests/accept', {
      token: alice.token, json: { id: [byAccount.get(bob.account.id), byAccount.get(carol.account.id), malloryReq.id] },
    })
    expect(accept.status).toBe(200)
    expect((await v1Senders(alice)).sort()).toEqual([bob.account.id, carol.account.id].sort())
    expect((await requests(mallory)).json.map((r: any) => r.id)).toEqual([malloryReq.id])

    const dismiss = await call('POST', '/api/v1/notifications/requests/dismiss', { token: alice.token, form: { 'id[]': byAccount.get(dave.account.id)! } })
    expect(dismiss.status).toBe(200)
    expect((await requests(alice)).json).toEqual([])
    expect((await call('POST', '/api/v1/notifications/requests/dismiss', { token: alice.token, json: {} })).status).toBe(422)
    expect((await call('POST', '/api/v1/notifications/requests/accept', { token: alice.token, json: { id: ['nope!'] } })).status).toBe(200)
  })

  test('another user\'s, unknown and malformed requests are 404; scopes are checked', async () => {
    const [alice, bob, mallory] = await users(3)
    await setPolicy(alice, { for_not_following: 'filter' })
    await mention(bob, alice)
    const [req] = (await requests(alice)).json
    expect((await call('GET', `/api/v1/notifications/requests/${req.id}`, { token: mallory.token })).status).toBe(404)
    for (const action of ['accept', 'dismiss']) {
      expect((await call('POST', `/api/v1/notifications/requests/${req.id}/${action}`, { token: mallory.token })).status).toBe(404)
      expect((await call('POST', `/api/v1/notifications/requests/AAAAAAAAAAAAAAAAAA/${action}`, { token: alice.token })).status).toBe(404)
    }
    expect((await call('GET', '/api/v1/notifications/requests/not-an-id', { token: alice.token })).json.error).toBeString()
    expect((await requests(alice)).json).toHaveLength(1)
    expect((await call('GET', '/api/v1/notifications/requests')).status).toBe(401)
    const writer = await makeUser(ctx, { scopes: ['write:notifications'] })
    expect((await requests(writer)).status).toBe(403)
    const reader = await makeUser(ctx, { scopes: ['read:notifications'] })
    expect((await call('POST', '/api/v1/notifications/requests/accept', { token: reader.token, json: { id: [req.id] } })).status).toBe(403)
  })

  test('requests page newest first with a Link header; a blocked sender\'s request is hidden', async () => {
    const [alice, bob, carol, dave] = await users(4)
    await setPolicy(alice, { for_not_following: 'filter' })
    for (const who of [bob, carol, dave]) await mention(who, alice)
    const all = (await requests(alice)).json
    expect(all.map((r: any) => r.account.id)).toEqual([dave.account.id, carol.account.id, bob.account.id])
    const first = await requests(alice, { limit: '2' })
    expect(first.json.map((r: any) => r.id)).toEqual(all.slice(0, 2).map((r: any) => r.id))
    expect(first.headers.get('link')).toContain(`max_id=${all[1].id}`)
    expect((await requests(alice, { max_id: all[1].id })).json.map((r: any) => r.id)).toEqual([all[2].id])

    await call('POST', `/api/v1/accounts/${carol.account.id}/block`, { token: alice.token })
    expect((await requests(alice)).json.map((r: any) => r.account.id)).toEqual([dave.account.id, bob.account.id])
    expect((await policy(alice)).json.summary.pending_notifications_count).toBe(2)
  })
})

describe('policy conditions', () => {
  test('for_not_followers filters only those who do not follow; for_private_mentions only direct mentions', async () => {
    const [alice, fan, stranger] = await users(3)
    await followAccount(fan, alice)
    await setPolicy(alice, { for_not_followers: 'filter' })
    await mention(fan, alice)
    await mention(stranger, alice)
    expect(await v1Senders(alice, { 'types[]': 'mention' })).toEqual([fan.account.id])

    const [bea, friend, other] = await users(3)
    await setPolicy(bea, { for_private_mentions: 'filter' })
    await mention(other, bea)
    await mention(other, bea, { visibility: 'direct' })
    await followAccount(bea, friend)
    await mention(friend, bea, { visibility: 'direct' })
    const shown = (await call('GET', '/api/v1/notifications', { token: bea.token })).json
    expect(shown.map((n: any) => `${n.account.id}:${n.status.visibility}`).sort())
      .toEqual([`${friend.account.id}:direct`, `${other.account.id}:public`].sort())
    expect((await requests(bea)).json.map((r: any) => r.account.id)).toEqual([other.account.id])
  })

  test('for_new_accounts: drop makes nothing; a silenced stranger is filtered by default', async () => {
    const [alice, newcomer] = await users(2)
    await setPolicy(alice, { for_new_accounts: 'drop' })
    await mention(newcomer, alice)
    expect(await ctx.db.select().from(notifications).where(eq(notifications.accountId, alice.account.id))).toEqual([])

    const silenced = await makeUser(ctx, { account: { silencedAt: new Date() } })
    const [bob] = await users(1)
    await mention(silenced, bob)
    expect(await v1Senders(bob)).toEqual([])
    expect((await requests(bob)).json.map((r: any) => r.account.id)).toEqual([silenced.account.id])
  })
})
