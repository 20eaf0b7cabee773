import { beforeAll, describe, expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import { blocks, follows, notifications, statuses } from '../../src/db/schema'
import { getTestContext } from '../support/context'
import { makeUser, type MadeUser } from '../support/factories'
import { call, postStatus } from '../support/http'
import { expectShape } from '../support/shape'

let ctx: Ctx
let alice: MadeUser
let bob: MadeUser
let carol: MadeUser

beforeAll(async () => {
  ctx = await getTestContext()
  ;[alice, bob, carol] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx)])
})

const post = (who: MadeUser, json: Record<string, unknown>) => postStatus<{ id: string; reblogs_count: number; favourites_count: number }>(who, json)
const show = async (who: MadeUser | null, id: string) => call('GET', `/api/v1/statuses/${id}`, { token: who?.token })
const act = (who: MadeUser, id: string, action: string, json?: Record<string, unknown>) =>
  call('POST', `/api/v1/statuses/${id}/${action}`, { token: who.token, json: json ?? {} })
const notificationsOf = (who: MadeUser, type: string, statusId: string) =>
  ctx.db.select().from(notifications).where(and(eq(notifications.accountId, who.account.id), eq(notifications.type, type as never), eq(notifications.statusId, statusId)))

describe('reblog', () => {
  test('wraps the original, counts once, notifies the author; a second reblog answers with the same one', async () => {
    const original = await post(alice, { status: 'boost me' })
    const first = await act(bob, original.id, 'reblog')
    expect(first.status).toBe(200)
    expectShape(first.json, 'Status')
    expect(first.json.reblog.id).toBe(original.id)
    expect(first.json.reblog.reblogged).toBe(true)
    // The reblog itself says so too, as Pleroma answers, and only to the one who reblogged.
    expect(first.json.reblogged).toBe(true)
    expect((await show(bob, first.json.id)).json.reblogged).toBe(true)
    expect((await show(alice, first.json.id)).json.reblogged).toBe(false)
    expect(first.json.reblog.reblogs_count).toBe(1)
    expect(first.json.account.id).toBe(bob.account.id)
    const again = await act(bob, original.id, 'reblog')
    expect(again.json.id).toBe(first.json.id)
    expect((await show(alice, original.id)).json.reblogs_count).toBe(1)
    expect(await notificationsOf(alice, 'reblog', original.id)).toHaveLength(1)

    // Reblogging the reblog targets the original.
    const viaReblog = await act(carol, first.json.id, 'reblog')
    expect(viaReblog.json.reblog.id).toBe(original.id)
    expect(viaReblog.json.reblog.reblogs_count).toBe(2)
  })

  test('unreblog removes it, moves the counter back once and withdraws the notification', async () => {
    const original = await post(alice, { status: 'boost then unboost' })
    const reblog = await act(bob, original.id, 'reblog')
    const undone = await act(bob, original.id, 'unreblog')
    expect(undone.status).toBe(200)
    expect(undone.json.id).toBe(original.id)
    expect(undone.json.reblogged).toBe(false)
    expect(undone.json.reblogs_count).toBe(0)
    expect((await show(bob, reblog.json.id)).status).toBe(404)
    const twice = await act(bob, original.id, 'unreblog')
    expect(twice.json.reblogs_count).toBe(0)
    expect(await notificationsOf(alice, 'reblog', original.id)).toHaveLength(0)
  })

  test('visibility parameter: unlisted and private reblogs; invalid values are 422', async () => {
    const original = await post(alice, { status: 'boost privately' })
    const reblog = await act(bob, original.id, 'reblog', { visibility: 'private' })
    expect(reblog.json.visibility).toBe('private')
    // carol does not follow bob: a private reblog is not hers to see
    expect((await show(carol, reblog.json.id)).status).toBe(404)
    expect((await act(carol, original.id, 'reblog', { visibility: 'direct' })).status).toBe(422)
    expect((await act(carol, original.id, 'reblog', { visibility: 'nonsense' })).status).toBe(422)
  })

  test('private statuses are reblogged only by their author; direct ones never', async () => {
    const priv = await post(alice, { status: 'followers only', visibility: 'private' })
    await ctx.db.insert(follows).values({ accountId: bob.account.id, targetAccountId: alice.account.id })
    expect((await act(bob, priv.id, 'reblog')).status).toBe(422)
    const own = await act(alice, priv.id, 'reblog')
    expect(own.status).toBe(200)
    expect(own.json.visibility).toBe('private')
    const dm = await post(alice, { status: `@${bob.account.username} secret`, visibility: 'direct' })
    expect((await act(bob, dm.id, 'reblog')).status).toBe(422)
    expect((await act(alice, dm.id, 'reblog')).status).toBe(422)
  })

  test('a status the account cannot see is 404, not 422 (existence does not leak)', async () => {
    const dm = await post(alice, { status: `@${bob.account.username} only bob`, visibility: 'direct' })
    for (const action of ['reblog', 'favourite', 'bookmark', 'mute']) {
      const res = await act(carol, dm.id, action)
      expect(res.status).toBe(404)
      expect(res.json.error).toBeString()
    }
  })
})

describe('favourite', () => {
  test('counts only real changes and notifies once; unfavourite undoes both', async () => {
    const s = await post(alice, { status: 'like me' })
    const fav = await act(bob, s.id, 'favourite')
    expect(fav.status).toBe(200)
    expect(fav.json.favourited).toBe(true)
    expect(fav.json.favourites_count).toBe(1)
    expect((await act(bob, s.id, 'favourite')).json.favourites_count).toBe(1)
    expect(await notificationsOf(alice, 'favourite', s.id)).toHaveLength(1)
    const unfav = await act(bob, s.id, 'unfavourite')
    expect(unfav.json.favourited).toBe(false)
    expect(unfav.json.favourites_count).toBe(0)
    expect((await act(bob, s.id, 'unfavourite')).json.favourites_count).toBe(0)
    expect(await notificationsOf(alice, 'favourite', s.id)).toHaveLength(0)
  })

  test('favouriting one’s own status counts but does not notify', async () => {
    const s = await post(alice, { status: 'self like' })
    expect((await act(alice, s.id, 'favourite')).json.favourites_count).toBe(1)
    expect(await notificationsOf(alice, 'favourite', s.id)).toHaveLength(0)
  })

  test('an account blocked by the author cannot favourite what it cannot see', async () => {
    const s = await post(alice, { status: 'blocked favourite' })
    await ctx.db.insert(blocks).values({ accountId: alice.account.id, targetAccountId: carol.account.id })
    expect((await act(carol, s.id, 'favourite')).status).toBe(404)
    await ctx.db.delete(blocks).where(eq(blocks.accountId, alice.account.id))
  })

  test('needs a token and the favourites scope; unknown ids are 404', async () => {
    const s = await post(alice, { status: 'scopes' })
    expect((await call('POST', `/api/v1/statuses/${s.id}/favourite`)).status).toBe(401)
    const readOnly = await makeUser(ctx, { scopes: ['read'] })
    expect((await act(readOnly, s.id, 'favourite')).status).toBe(403)
    const granular = await makeUser(ctx, { scopes: ['write:favourites'] })
    expect((await act(granular, s.id, 'favourite')).status).toBe(200)
    expect((await act(bob, 'AAAAAAAAAAAAAAAAAA', 'favourite')).status).toBe(404)
    expect((await act(bob, 'not-an-id', 'favourite')).status).toBe(404)
  })
})

describe('bookmarks', () => {
  test('bookmark, list with Link headers, unbookmark', async () => {
    const user = await makeUser(ctx)
    const made = []
    for (let i = 0; i < 3; i++) made.push(await post(alice, { status: `bookmark ${i}` }))
    for (const s of made) expect((await act(user, s.id, 'bookmark')).json.bookmarked).toBe(true)
    const page = await call('GET', '/api/v1/bookmarks', { token: user.token, query: { limit: '2' } })
    expect(page.status).toBe(200)
    expect(page.json.map((s: any) => s.id)).toEqual([made[2].id, made[1].id])
    expect(page.json.every((s: any) => s.bookmarked)).toBe(true)
    const link = page.headers.get('link')!
    expect(link).toContain('rel="next"')
    const next = new URL(/<([^>]+)>; rel="next"/.exec(link)![1])
    const rest = await call('GET', `/api/v1/bookmarks${next.search}`, { token: user.token })
    expect(rest.json.map((s: any) => s.id)).toEqual([made[0].id])
    expect((await act(user, made[0].id, 'unbookmark')).json.bookmarked).toBe(false)
    expect((await call('GET', '/api/v1/bookmarks', { token: user.token })).json).toHaveLength(2)
    expect((await call('GET', '/api/v1/bookmarks')).status).toBe(401)
  })

  test('a bookmarked status that became invisible drops out of the list', async () => {
    const user = await makeUser(ctx)
    const priv = await post(alice, { status: `@${user.account.username} for you`, visibility: 'direct' })
    await act(user, priv.id, 'bookmark')
    expect((await call('GET', '/api/v1/bookmarks', { token: user.token })).json).toHaveLength(1)
    await ctx.db.insert(blocks).values({ accountId: alice.account.id, targetAccountId: user.account.id })
    expect((await call('GET', '/api/v1/bookmarks', { token: user.token })).json).toHaveLength(0)
  })
})

describe('favourites lists', () => {
  test('/api/v1/favourites pages by favourite order, newest favourite first', async () => {
    const user = await makeUser(ctx)
    const a = await post(alice, { status: 'older status' })
    const b = await post(alice, { status: 'newer status' })
    await act(user, b.id, 'favourite')
    await act(user, a.id, 'favourite')
    const res = await call('GET', '/api/v1/favourites', { token: user.token })
    expect(res.json.map((s: any) => s.id)).toEqual([a.id, b.id])
    expect(res.headers.get('link')).toContain('max_id=')
  })

  test('Pleroma account favourites honour hide_favorites', async () => {
    const shy = await makeUser(ctx, { account: { hideFavorites: true } })
    const open = await makeUser(ctx, { account: { hideFavorites: false } })
    const s = await post(alice, { status: 'fav for lists' })
    await act(shy, s.id, 'favourite')
    await act(open, s.id, 'favourite')
    const hidden = await call('GET', `/api/v1/pleroma/accounts/${shy.account.id}/favourites`, { token: bob.token })
    expect(hidden.status).toBe(403)
    expect(hidden.json.error).toBeString()
    const own = await call('GET', `/api/v1/pleroma/accounts/${shy.account.id}/favourites`, { token: shy.token })
    expect(own.json.map((x: any) => x.id)).toEqual([s.id])
    const shown = await call('GET', `/api/v1/pleroma/accounts/${open.account.id}/favourites`)
    expect(shown.json.map((x: any) => x.id)).toEqual([s.id])
  })
})

describe('favourited_by and reblogged_by', () => {
  test('list accounts, hide blocked ones, and are 404 for statuses the viewer cannot see', async () => {
    const s = await post(alice, { status: 'who liked this' })
    const fans = await Promise.all([makeUser(ctx), makeUser(ctx)])
    for (const f of fans) { await act(f, s.id, 'favourite'); await act(f, s.id, 'reblog') }
    const favs = await call('GET', `/api/v1/statuses/${s.id}/favourited_by`)
    expect(favs.status).toBe(200)
    expect(favs.json.map((a: any) => a.id)).toEqual([fans[1].account.id, fans[0].account.id])
    for (const a of favs.json) expectShape(a, 'Account')
    const reblogs = await call('GET', `/api/v1/statuses/${s.id}/reblogged_by`)
    expect(reblogs.json.map((a: any) => a.id)).toEqual([fans[1].account.id, fans[0].account.id])

    const viewer = await makeUser(ctx)
    await ctx.db.insert(blocks).values({ accountId: viewer.account.id, targetAccountId: fans[0].account.id })
    const filtered = await call('GET', `/api/v1/statuses/${s.id}/favourited_by`, { token: viewer.token })
    expect(filtered.json.map((a: any) => a.id)).toEqual([fans[1].account.id])

    const dm = await post(alice, { status: `@${bob.account.username} hush`, visibility: 'direct' })
    await act(bob, dm.id, 'favourite')
    expect((await call('GET', `/api/v1/statuses/${dm.id}/favourited_by`, { token: carol.token })).status).toBe(404)
    expect((await call('GET', `/api/v1/statuses/${dm.id}/favourited_by`)).status).toBe(404)
    expect((await call('GET', `/api/v1/statuses/${dm.id}/favourited_by`, { token: bob.token })).json).toHaveLength(1)
  })

  test('private reblogs are listed only to those who may see them', async () => {
    const s = await post(alice, { status: 'quietly boosted' })
    const booster = await makeUser(ctx)
    await act(booster, s.id, 'reblog', { visibility: 'private' })
    expect((await call('GET', `/api/v1/statuses/${s.id}/reblogged_by`)).json).toHaveLength(0)
    expect((await call('GET', `/api/v1/statuses/${s.id}/reblogged_by`, { token: booster.token })).json).toHaveLength(1)
  })
})

describe('pins', () => {
  test('own statuses only, up to the limit, shown as pinned and on the profile', async () => {
    const user = await makeUser(ctx)
    const mine = []
    for (let i = 0; i < ctx.config.limits.maxPinnedStatuses + 1; i++) mine.push(await post(user, { status: `pin ${i}` }))
    for (const s of mine.slice(0, -1)) {
      const res = await act(user, s.id, 'pin')
      expect(res.status).toBe(200)
      expect(res.json.pinned).toBe(true)
    }
    const over = await act(user, mine[mine.length - 1].id, 'pin')
    expect(over.status).toBe(422)
    expect((await act(user, mine[0].id, 'pin')).status).toBe(200) // pinning again is fine
    const pinned = await call('GET', `/api/v1/accounts/${user.account.id}/statuses`, { query: { pinned: 'true' } })
    expect(pinned.json.map((s: any) => s.id)).toEqual(mine.slice(0, -1).map((s) => s.id).reverse())
    expect(pinned.json[0].pleroma.pinned_at).toBeString()
    const unpin = await act(user, mine[0].id, 'unpin')
    expect(unpin.json.pinned).toBe(false)

    const other = await post(alice, { status: 'not yours' })
    expect((await act(user, other.id, 'pin')).status).toBe(422)
    const dm = await post(user, { status: `@${alice.account.username} dm`, visibility: 'direct' })
    expect((await act(user, dm.id, 'pin')).status).toBe(422)
  })
})

describe('thread mutes', () => {
  test('mute and unmute set `muted` for the viewer only', async () => {
    const s = await post(alice, { status: 'noisy thread' })
    const muted = await act(bob, s.id, 'mute')
    expect(muted.status).toBe(200)
    expect(muted.json.muted).toBe(true)
    expect(muted.json.pleroma.thread_muted).toBe(true)
    expect((await show(alice, s.id)).json.muted).toBe(false)
    expect((await act(bob, s.id, 'unmute')).json.muted).toBe(false)
  })
})

describe('deleting a reblogged status', () => {
  test('takes the reblogs and their counts with it', async () => {
    const s = await post(alice, { status: 'short lived' })
    const booster = await makeUser(ctx)
    await act(booster, s.id, 'reblog')
    await call('DELETE', `/api/v1/statuses/${s.id}`, { token: alice.token })
    const left = await ctx.db.select().from(statuses).where(eq(statuses.reblogOfId, s.id))
    expect(left).toHaveLength(0)
  })
})
