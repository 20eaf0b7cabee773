import { beforeAll, describe, expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import { follows, notifications } from '../../src/db/schema'
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
const grouped = (who: MadeUser, query: Record<string, string | string[]> = {}) =>
  call('GET', '/api/v2/notifications', { token: who.token, query })
const favourite = (who: MadeUser, statusId: string) => call('POST', `/api/v1/statuses/${statusId}/favourite`, { token: who.token })
const users = (n: number) => Promise.all(Array.from({ length: n }, () => makeUser(ctx)))

describe('GET /api/v2/notifications', () => {
  test('favourites of one status make one group; mentions stay single; accounts and statuses come once', async () => {
    const [alice, bob, carol, dave] = await users(4)
    const own = await post(alice, { status: 'liked a lot' })
    const mention = await post(dave, { status: `hi @${alice.account.username}` })
    await favourite(bob, own.id)
    await favourite(carol, own.id)
    await favourite(dave, own.id)

    const res = await grouped(alice)
    expect(res.status).toBe(200)
    expectShape(res.json, 'GroupedNotificationsResults')
    const groups = res.json.notification_groups
    expect(groups.map((g: any) => g.type)).toEqual(['favourite', 'mention'])
    const [fav, ment] = groups
    expect(fav.notifications_count).toBe(3)
    expect(fav.sample_account_ids).toEqual([dave.account.id, carol.account.id, bob.account.id])
    expect(fav.status_id).toBe(own.id)
    expect(fav.group_key).toMatch(new RegExp(`^favourite-${own.id}-\\d+$`))
    expect(typeof fav.most_recent_notification_id).toBe('number')
    expect(fav.page_max_id).toBe(String(fav.most_recent_notification_id))
    expect(Number(fav.page_min_id)).toBeLessThan(Number(fav.page_max_id))
    expect(typeof fav.latest_page_notification_at).toBe('string')
    expect(ment.group_key).toBe(`ungrouped-${ment.most_recent_notification_id}`)
    expect(ment.notifications_count).toBe(1)
    expect(ment.status_id).toBe(mention.id)
    // dave is in both groups, listed once; both statuses once
    expect(res.json.accounts.map((a: any) => a.id).sort()).toEqual([bob.account.id, carol.account.id, dave.account.id].sort())
    expect(res.json.statuses.map((s: any) => s.id).sort()).toEqual([own.id, mention.id].sort())
    expect(res.json.partial_accounts).toBeUndefined()

    // v1 shows the same keys
    const v1 = (await call('GET', '/api/v1/notifications', { token: alice.token })).json
    expect(new Set(v1.map((n: any) => n.group_key))).toEqual(new Set([fav.group_key, ment.group_key]))
  })

  test('follows group by default; grouped_types[] chooses which types group', async () => {
    const [alice, bob, carol] = await users(3)
    const own = await post(alice, { status: 'reblog me' })
    for (const who of [bob, carol]) {
      expect((await call('POST', `/api/v1/accounts/${alice.account.id}/follow`, { token: who.token })).status).toBe(200)
      expect((await call('POST', `/api/v1/statuses/${own.id}/reblog`, { token: who.token })).status).toBe(200)
    }
    const byType = (res: any) => res.json.notification_groups.map((g: any) => `${g.type}:${g.notifications_count}`).sort()
    expect(byType(await grouped(alice))).toEqual(['follow:2', 'reblog:2'])
    expect(byType(await grouped(alice, { 'grouped_types[]': 'reblog' }))).toEqual(['follow:1', 'follow:1', 'reblog:2'])
    const none = await grouped(alice, { 'grouped_types[]': 'no-such-type' })
    expect(byType(none)).toEqual(['follow:1', 'follow:1', 'reblog:1', 'reblog:1'])
    for (const g of none.json.notification_groups) expect(g.group_key).toBe(`ungrouped-${g.most_recent_notification_id}`)
  })

  test('an accepted follow request joins the follows group', async () => {
    const alice = await makeUser(ctx, { account: { locked: true } })
    const [bob, carol] = await users(2)
    await call('POST', `/api/v1/accounts/${alice.account.id}/follow`, { token: bob.token })
    await call('POST', `/api/v1/accounts/${alice.account.id}/follow`, { token: carol.token })
    expect((await grouped(alice)).json.notification_groups.map((g: any) => `${g.type}:${g.notifications_count}`))
      .toEqual(['follow_request:1', 'follow_request:1'])
    for (const who of [bob, carol]) {
      expect((await call('POST', `/api/v1/follow_requests/${who.account.id}/authorize`, { token: alice.token })).status).toBe(200)
    }
    const groups = (await grouped(alice)).json.notification_groups
    expect(groups.map((g: any) => `${g.type}:${g.notifications_count}`)).toEqual(['follow:2'])
    expect(groups[0].group_key).toMatch(/^follow-\d+$/)
  })

  test('expand_accounts=partial_avatars gives the first account of each group in full, the others partially', async () => {
    const [alice, bob, carol, dave] = await users(4)
    const own = await post(alice, { status: 'avatars' })
    for (const who of [bob, carol, dave]) await favourite(who, own.id)
    const res = await grouped(alice, { expand_accounts: 'partial_avatars' })
    expectShape(res.json, 'GroupedNotificationsResults')
    expect(res.json.accounts.map((a: any) => a.id)).toEqual([dave.account.id])
    expect(res.json.partial_accounts.map((a: any) => a.id).sort()).toEqual([bob.account.id, carol.account.id].sort())
    for (const p of res.json.partial_accounts) {
      expectShape(p, 'PartialAccountWithAvatar')
      expect(p.note).toBeUndefined()
    }
  })

  test('types[], exclude_types[] and account_id filter the groups; an unknown account is 404', async () => {
    const [alice, bob, carol] = await users(3)
    const own = await post(alice, { status: 'filters' })
    await post(bob, { status: `hey @${alice.account.username}` })
    await favourite(carol, own.id)
    const types = async (query: Record<string, string | string[]>) =>
      (await grouped(alice, query)).json.notification_groups.map((g: any) => g.type).sort()
    expect(await types({ 'types[]': 'mention' })).toEqual(['mention'])
    expect(await types({ 'exclude_types[]': 'mention' })).toEqual(['favourite'])
    expect(await types({ account_id: carol.account.id })).toEqual(['favourite'])
    expect((await grouped(alice, { account_id: 'AAAAAAAAAAAAAAAAAA' })).status).toBe(404)
  })

  test('pages by group with max_id, min_id and since_id and a Link header', async () => {
    const [alice, bob, carol] = await users(3)
    const own = await post(alice, { status: 'paged' })
    await favourite(bob, own.id)
    for (let i = 0; i < 3; i++) await post(bob, { status: `ping ${i} @${alice.account.username}` })
    await favourite(carol, own.id)

    const all = (await grouped(alice)).json.notification_groups
    expect(all.map((g: any) => g.type)).toEqual(['favourite', 'mention', 'mention', 'mention'])
    const ids = all.map((g: any) => g.most_recent_notification_id)
    const first = await grouped(alice, { limit: '2' })
    expect(first.json.notification_groups.map((g: any) => g.group_key)).toEqual(all.slice(0, 2).map((g: any) => g.group_key))
    // the favourite group's older favourite lies below this page: only the newer one is in its page range
    expect(first.json.notification_groups[0].page_min_id).toBe(String(ids[0]))
    const link = first.headers.get('link')!
    expect(link).toContain(`max_id=${ids[1]}`)
    expect(link).toContain(`min_id=${ids[0]}`)
    expect(link).toContain('/api/v2/notifications?')

    const next = await grouped(alice, { limit: '2', max_id: String(ids[1]) })
    expect(next.json.notification_groups.map((g: any) => g.most_recent_notification_id)).toEqual(ids.slice(2, 4))
    const last = await grouped(alice, { limit: '2', max_id: String(ids[3]) })
    // the rest of the favourite group, older than the mentions
    expect(last.json.notification_groups.map((g: any) => g.type)).toEqual(['favourite'])
    expect(last.json.notification_groups[0].sample_account_ids).toEqual([bob.account.id])

    const up = await grouped(alice, { limit: '2', min_id: String(ids[3]) })
    expect(up.json.notification_groups.map((g: any) => g.most_recent_notification_id)).toEqual(ids.slice(1, 3))
    const since = await grouped(alice, { since_id: String(ids[2]) })
    expect(since.json.notification_groups.map((g: any) => g.most_recent_notification_id)).toEqual(ids.slice(0, 2))
    // a v1 id of one's own notification stands for it; other ids that are not integers are ignored
    const v1 = (await call('GET', '/api/v1/notifications', { token: alice.token })).json
    const byV1 = await grouped(alice, { limit: '2', max_id: v1[1].id })
    expect(byV1.json.notification_groups.map((g: any) => g.most_recent_notification_id)).toEqual(ids.slice(2, 4))
    const [, mallory] = await users(2)
    expect((await grouped(mallory, { max_id: v1[1].id })).json.notification_groups).toEqual([])
    expect((await grouped(alice, { max_id: 'not-a-number' })).json.notification_groups).toHaveLength(4)
    expect((await grouped(alice, { limit: '1000' })).status).toBe(200)
  })

  test('needs a token with read:notifications', async () => {
    const writer = await makeUser(ctx, { scopes: ['write'] })
    expect((await call('GET', '/api/v2/notifications')).status).toBe(401)
    expect((await grouped(writer)).status).toBe(403)
    expect((await call('GET', '/api/v2/notifications/unread_count', { token: writer.token })).status).toBe(403)
    const reader = await makeUser(ctx, { scopes: ['read:notifications'] })
    expect((await grouped(reader)).status).toBe(200)
    expect((await call('POST', '/api/v2/notifications/x/dismiss', { token: reader.token })).status).toBe(403)
  })
})

describe('privacy', () => {
  test('blocked and muted senders leave their groups; a status the viewer lost sight of takes its group along', async () => {
    const [alice, bob, carol, dave, erin] = await users(5)
    const own = await post(alice, { status: 'popular' })
    for (const who of [bob, carol, dave]) await favourite(who, own.id)
    await ctx.db.insert(follows).values({ accountId: alice.account.id, targetAccountId: erin.account.id, notify: true })
    const secret = await post(erin, { status: 'followers only', visibility: 'private' })

    const before = (await grouped(alice)).json.notification_groups
    expect(before.map((g: any) => g.type)).toEqual(['status', 'favourite'])

    expect((await call('POST', `/api/v1/accounts/${bob.account.id}/block`, { token: alice.token })).status).toBe(200)
    expect((await call('POST', `/api/v1/accounts/${carol.account.id}/mute`, { token: alice.token, json: { notifications: true } })).status).toBe(200)
    await ctx.db.delete(follows).where(and(eq(follows.accountId, alice.account.id), eq(follows.targetAccountId, erin.account.id)))

    const after = await grouped(alice)
    expect(after.json.notification_groups).toHaveLength(1)
    const [fav] = after.json.notification_groups
    expect(fav.notifications_count).toBe(1)
    expect(fav.sample_account_ids).toEqual([dave.account.id])
    expect(after.json.accounts.map((a: any) => a.id)).toEqual([dave.account.id])
    expect(after.json.statuses.map((s: any) => s.id)).toEqual([own.id])
    expect(JSON.stringify(after.json)).not.toContain(secret.id)
    const statusGroup = before.find((g: any) => g.type === 'status')
    expect((await call('GET', `/api/v2/notifications/${statusGroup.group_key}`, { token: alice.token })).status).toBe(404)
    const accounts = await call('GET', `/api/v2/notifications/${fav.group_key}/accounts`, { token: alice.token })
    expect(accounts.json.map((a: any) => a.id)).toEqual([dave.account.id])
  })

  test('a forged notification about someone else\'s direct status shows nothing', async () => {
    const [alice, bob, carol] = await users(3)
    const dm = await post(bob, { status: `just us @${alice.account.username}`, visibility: 'direct' })
    await ctx.db.insert(notifications).values({ accountId: carol.account.id, fromAccountId: bob.account.id, type: 'mention', statusId: dm.id })
    const res = await grouped(carol)
    expect(res.json).toEqual({ accounts: [], statuses: [], notification_groups: [] })
  })
})

describe('one group', () => {
  test('show, its accounts and dismiss; another user\'s or an unknown group is 404', async () => {
    const [alice, bob, carol, mallory] = await users(4)
    const own = await post(alice, { status: 'one group' })
    await favourite(bob, own.id)
    await favourite(carol, own.id)
    const [fav] = (await grouped(alice)).json.notification_groups

    const shown = await call('GET', `/api/v2/notifications/${fav.group_key}`, { token: alice.token })
    expect(shown.status).toBe(200)
    expectShape(shown.json, 'GroupedNotificationsResults')
    expect(shown.json.notification_groups).toHaveLength(1)
    const g = shown.json.notification_groups[0]
    expect(g.notifications_count).toBe(2)
    expect(g.most_recent_notification_id).toBe(fav.most_recent_notification_id)
    expect(g.page_min_id).toBeUndefined()
    expect(shown.json.statuses.map((s: any) => s.id)).toEqual([own.id])

    const accounts = await call('GET', `/api/v2/notifications/${fav.group_key}/accounts`, { token: alice.token })
    expect(accounts.json.map((a: any) => a.id)).toEqual([carol.account.id, bob.account.id])
    for (const a of accounts.json) expectShape(a, 'Account')
    expect((await call('GET', `/api/v2/notifications/${fav.group_key}/accounts`, { token: alice.token, query: { limit: '1' } })).json).toHaveLength(1)

    for (const path of [`/api/v2/notifications/${fav.group_key}`, `/api/v2/notifications/${fav.group_key}/accounts`]) {
      expect((await call('GET', path, { token: mallory.token })).status).toBe(404)
    }
    expect((await call('POST', `/api/v2/notifications/${fav.group_key}/dismiss`, { token: mallory.token })).status).toBe(404)
    expect((await call('GET', '/api/v2/notifications/ungrouped-999999999999', { token: alice.token })).status).toBe(404)
    expect((await call('GET', '/api/v2/notifications/no-such-group', { token: alice.token })).json.error).toBeString()

    const dismissed = await call('POST', `/api/v2/notifications/${fav.group_key}/dismiss`, { token: alice.token })
    expect(dismissed.status).toBe(200)
    expect(dismissed.json).toEqual({})
    expect((await grouped(alice)).json.notification_groups).toEqual([])
    expect((await call('POST', `/api/v2/notifications/${fav.group_key}/dismiss`, { token: alice.token })).status).toBe(404)
  })

  test('a group\'s accounts page with max_id, since_id and min_id and a Link header', async () => {
    const [alice, ...fans] = await users(5)
    const own = await post(alice, { status: 'many fans' })
    for (const fan of fans) await favourite(fan, own.id)
    const [fav] = (await grouped(alice)).json.notification_groups
    const path = `/api/v2/notifications/${fav.group_key}/accounts`
    const newestFirst = [...fans].reverse().map((f) => f.account.id)

    const first = await call('GET', path, { token: alice.token, query: { limit: '2' } })
    expect(first.json.map((a: any) => a.id)).toEqual(newestFirst.slice(0, 2))
    const link = first.headers.get('link')!
    const next = new URL(/<([^>]+)>; rel="next"/.exec(link)![1])
    expect(next.pathname).toBe(path)
    const second = await call('GET', path, { token: alice.token, query: Object.fromEntries(next.searchParams) })
    expect(second.json.map((a: any) => a.id)).toEqual(newestFirst.slice(2, 4))
    const prev = new URL(/<([^>]+)>; rel="prev"/.exec(second.headers.get('link')!)![1])
    expect((await call('GET', path, { token: alice.token, query: Object.fromEntries(prev.searchParams) })).json.map((a: any) => a.id))
      .toEqual(newestFirst.slice(0, 2))
    const since = { since_id: prev.searchParams.get('min_id')!, limit: '1' }
    expect((await call('GET', path, { token: alice.token, query: since })).json.map((a: any) => a.id)).toEqual([newestFirst[0]])

    const past = await call('GET', path, { token: alice.token, query: { max_id: '1' } })
    expect(past.status).toBe(200)
    expect(past.json).toEqual([])
    expect(past.headers.get('link')).toBeNull()
  })

  test('an ungrouped notification is addressed by ungrouped-<id>', async () => {
    const [alice, bob] = await users(2)
    await post(bob, { status: `hello @${alice.account.username}` })
    const [g] = (await grouped(alice)).json.notification_groups
    const shown = await call('GET', `/api/v2/notifications/${g.group_key}`, { token: alice.token })
    expect(shown.json.notification_groups[0].sample_account_ids).toEqual([bob.account.id])
    expect((await call('POST', `/api/v2/notifications/${g.group_key}/dismiss`, { token: alice.token })).status).toBe(200)
    expect((await call('GET', '/api/v1/notifications', { token: alice.token })).json).toEqual([])
  })
})

describe('GET /api/v2/notifications/unread_count', () => {
  test('counts groups after the notifications marker, whichever id the marker holds', async () => {
    const [alice, bob, carol] = await users(3)
    const own = await post(alice, { status: 'count me' })
    await post(bob, { status: `one @${alice.account.username}` })
    await favourite(bob, own.id)
    await favourite(carol, own.id)
    const count = async (query: Record<string, string | string[]> = {}) =>
      (await call('GET', '/api/v2/notifications/unread_count', { token: alice.token, query })).json.count
    expect(await count()).toBe(2)
    expect(await count({ limit: '1' })).toBe(1)
    expect(await count({ 'types[]': 'mention' })).toBe(1)
    expect(await count({ 'grouped_types[]': 'reblog' })).toBe(3)

    const groups = (await grouped(alice)).json.notification_groups
    const mention = groups.find((g: any) => g.type === 'mention')
    const marker = await call('POST', '/api/v1/markers', { token: alice.token, json: { notifications: { last_read_id: String(mention.most_recent_notification_id) } } })
    expect(marker.status).toBe(200)
    expect(await count()).toBe(1)
    // the v1 unread count follows: the mention was marked seen
    expect((await call('GET', '/api/v1/notifications/unread_count', { token: alice.token })).json.count).toBe(2)

    const newestV1 = (await call('GET', '/api/v1/notifications', { token: alice.token })).json[0].id
    await call('POST', '/api/v1/markers', { token: alice.token, json: { notifications: { last_read_id: newestV1 } } })
    expect(await count()).toBe(0)
    expect((await call('GET', '/api/v2/notifications/unread_count', { token: alice.token, query: { account_id: 'nope' } })).status).toBe(404)
  })
})

describe('instance', () => {
  test('the v2 instance advertises Mastodon API version 2, which grouped notifications complete', async () => {
    const res = await call('GET', '/api/v2/instance')
    expect(res.json.api_versions).toEqual({ mastodon: 2 })
  })
})
