import { beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js'
import type { Ctx } from '../../src/core/context'
import type { Viewer } from '../../src/core/oauth/authenticate'
import type { Db } from '../../src/db/client'
import * as schema from '../../src/db/schema'
import { bookmarks, conversationMutes, favourites, pollVotes, polls, statusPins, statuses, type StatusRow } from '../../src/db/schema'
import { renderStatuses } from '../../src/server/render/status'
import { getTestContext } from '../support/context'
import { makeUser, type MadeUser } from '../support/factories'
import { call } from '../support/http'
import { expectShape } from '../support/shape'

let ctx: Ctx
let alice: MadeUser
let bob: MadeUser

beforeAll(async () => {
  ctx = await getTestContext()
  alice = await makeUser(ctx)
  bob = await makeUser(ctx)
})

const post = async (user: MadeUser, json: Record<string, unknown>) => {
  const res = await call('POST', '/api/v1/statuses', { token: user.token, json })
  expect(res.status).toBe(200)
  return res.json
}
const viewerOf = (user: MadeUser): Viewer => ({
  tokenId: null, appId: null, scopes: ['read'], userId: user.user.id, accountId: user.account.id, username: user.account.username, isAdmin: false, isModerator: false,
})

/** A context whose database counts every statement (a second drizzle instance over the same client, with a logger). */
function countingContext(): { ctx: Ctx; queries: () => number; reset: () => void } {
  let n = 0
  const logger = { logQuery: () => { n++ } }
  const db = (ctx.database.kind === 'pglite'
    ? drizzlePglite(ctx.database.pglite!, { schema, logger })
    : drizzlePostgres((ctx.db as any).session.client, { schema, logger })) as unknown as Db
  return { ctx: { ...ctx, db }, queries: () => n, reset: () => { n = 0 } }
}

describe('rendering a page of statuses', () => {
  test('costs the same fixed number of queries for 1 and for 20 statuses', async () => {
    const author = await makeUser(ctx)
    const rows: StatusRow[] = []
    for (let i = 0; i < 20; i++) {
      const s = await post(author, {
        status: `status ${i} @${bob.account.username} @${alice.account.username} #tag${i} #shared https://example.com/${i}`,
        poll: { options: ['yes', 'no'], expires_in: 600 },
        in_reply_to_id: i > 0 ? rows[i - 1].id : undefined,
      })
      rows.push((await ctx.db.select().from(statuses).where(eq(statuses.id, s.id)))[0])
      await ctx.db.insert(favourites).values({ accountId: bob.account.id, statusId: s.id })
    }
    const counting = countingContext()
    const viewer = viewerOf(bob)

    counting.reset()
    const one = await renderStatuses(counting.ctx, rows.slice(1, 2), viewer)
    const forOne = counting.queries()
    counting.reset()
    const twenty = await renderStatuses(counting.ctx, rows, viewer)
    const forTwenty = counting.queries()

    expect(one).toHaveLength(1)
    expect(twenty).toHaveLength(20)
    expect(twenty.every((s) => s.favourited && s.mentions.length === 2 && s.tags.length === 2 && s.poll?.options.length === 2)).toBe(true)
    expect(forTwenty).toBe(forOne)
    expect(forOne).toBeLessThanOrEqual(13)

    counting.reset()
    await renderStatuses(counting.ctx, rows, null)
    expect(counting.queries()).toBeLessThanOrEqual(forOne)
  })
})

describe('viewer flags', () => {
  test('favourited, bookmarked, pinned, muted and reblogged reflect the viewer', async () => {
    const s = await post(alice, { status: 'flag me' })
    await ctx.db.insert(favourites).values({ accountId: bob.account.id, statusId: s.id })
    await ctx.db.insert(bookmarks).values({ accountId: bob.account.id, statusId: s.id })
    await ctx.db.insert(statusPins).values({ accountId: alice.account.id, statusId: s.id })
    await ctx.db.insert(conversationMutes).values({ accountId: bob.account.id, conversationId: s.pleroma.conversation_id })
    await ctx.db.insert(statuses).values({ accountId: bob.account.id, reblogOfId: s.id, visibility: 'public' })

    const asBob = await call('GET', `/api/v1/statuses/${s.id}`, { token: bob.token })
    expect(asBob.json).toMatchObject({ favourited: true, bookmarked: true, reblogged: true, muted: true, pinned: true })
    expect(asBob.json.pleroma.thread_muted).toBe(true)
    expect(asBob.json.pleroma.pinned_at).toBeString()

    const asAlice = await call('GET', `/api/v1/statuses/${s.id}`, { token: alice.token })
    expect(asAlice.json).toMatchObject({ favourited: false, bookmarked: false, reblogged: false, muted: false, pinned: true })
    const anonymous = await call('GET', `/api/v1/statuses/${s.id}`)
    expect(anonymous.json).toMatchObject({ favourited: false, bookmarked: false, reblogged: false, muted: false })
  })
})

describe('reblogs', () => {
  test('render the original nested; a reblog of a hidden status is itself hidden', async () => {
    const original = await post(alice, { status: 'original' })
    const [reblog] = await ctx.db.insert(statuses).values({ accountId: bob.account.id, reblogOfId: original.id, visibility: 'public' }).returning()
    const res = await call('GET', `/api/v1/statuses/${reblog.id}`)
    expect(res.status).toBe(200)
    expectShape(res.json, 'Status')
    expect(res.json.account.id).toBe(bob.account.id)
    expect(res.json.reblog.id).toBe(original.id)
    expect(res.json.reblog.content).toBe('<p>original</p>')
    expect(res.json.content).toBe('')

    const priv = await post(alice, { status: 'private original', visibility: 'private' })
    const [hiddenReblog] = await ctx.db.insert(statuses).values({ accountId: bob.account.id, reblogOfId: priv.id, visibility: 'public' }).returning()
    expect((await call('GET', `/api/v1/statuses/${hiddenReblog.id}`)).status).toBe(404)
  })
})

describe('pages holding a status and the one it refers to', () => {
  test('a reblog and its original, a quote and the quoted status, rendered together', async () => {
    const original = await post(alice, { status: 'both on one page' })
    const [reblog] = await ctx.db.insert(statuses).values({ accountId: bob.account.id, reblogOfId: original.id, visibility: 'public' }).returning()
    const quoting = await post(bob, { status: 'quoting it', quote_id: original.id })
    const res = await call('GET', '/api/v1/statuses', { query: { 'id[]': [original.id, reblog.id, quoting.id] } })
    expect(res.json.map((s: any) => s.id)).toEqual([original.id, reblog.id, quoting.id])
    expect(res.json[1].reblog.id).toBe(original.id)
    expect(res.json[2].quote.state).toBe('accepted')
    expect(res.json[2].quote.quoted_status.id).toBe(original.id)
  })

  test('a reblogged quote of a quote shows the innermost quote by id', async () => {
    const inner = await post(alice, { status: 'inner' })
    const middle = await post(bob, { status: 'middle', quote_id: inner.id })
    const outer = await post(alice, { status: 'outer', quote_id: middle.id })
    const [reblog] = await ctx.db.insert(statuses).values({ accountId: bob.account.id, reblogOfId: outer.id, visibility: 'public' }).returning()
    const res = await call('GET', `/api/v1/statuses/${reblog.id}`)
    expect(res.json.reblog.quote.quoted_status.id).toBe(middle.id)
    expect(res.json.reblog.quote.quoted_status.quote).toEqual({ state: 'accepted', quoted_status_id: inner.id })
    const direct = await call('GET', `/api/v1/statuses/${outer.id}`)
    expect(direct.json.quote.quoted_status.quote).toEqual({ state: 'accepted', quoted_status_id: inner.id })
  })
})

describe('polls', () => {
  test('hide_totals hides per-option counts from others until the poll ends; own votes are shown', async () => {
    const s = await post(alice, { status: 'secret ballot', poll: { options: ['a', 'b', 'c'], expires_in: 600, hide_totals: true, multiple: true } })
    const [poll] = await ctx.db.select().from(polls).where(eq(polls.statusId, s.id))
    await ctx.db.insert(pollVotes).values([{ pollId: poll.id, accountId: bob.account.id, choice: 2 }, { pollId: poll.id, accountId: bob.account.id, choice: 0 }])
    await ctx.db.update(polls).set({ votesCount: 2, votersCount: 1, options: [{ title: 'a', votes_count: 1 }, { title: 'b', votes_count: 0 }, { title: 'c', votes_count: 1 }] }).where(eq(polls.id, poll.id))

    const asBob = await call('GET', `/api/v1/statuses/${s.id}`, { token: bob.token })
    expectShape(asBob.json.poll, 'Poll')
    expect(asBob.json.poll).toMatchObject({ voted: true, own_votes: [0, 2], votes_count: 2, voters_count: 1 })
    expect(asBob.json.poll.options.map((o: any) => o.votes_count)).toEqual([null, null, null])
    const asAlice = await call('GET', `/api/v1/statuses/${s.id}`, { token: alice.token })
    expect(asAlice.json.poll.options.map((o: any) => o.votes_count)).toEqual([1, 0, 1])
    const anonymous = await call('GET', `/api/v1/statuses/${s.id}`)
    expect(anonymous.json.poll).toMatchObject({ voted: null, own_votes: null })

    await ctx.db.update(polls).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(polls.id, poll.id))
    const ended = await call('GET', `/api/v1/statuses/${s.id}`, { token: bob.token })
    expect(ended.json.poll.expired).toBe(true)
    expect(ended.json.poll.options.map((o: any) => o.votes_count)).toEqual([1, 0, 1])
  })
})

describe('quotes', () => {
  test('a quote of a status that became hidden or was deleted says so', async () => {
    const quoted = await post(bob, { status: 'quote me' })
    const quoting = await post(alice, { status: 'quoting', quote_id: quoted.id })
    await ctx.db.update(statuses).set({ visibility: 'direct' }).where(eq(statuses.id, quoted.id))
    const hidden = await call('GET', `/api/v1/statuses/${quoting.id}`)
    expect(hidden.json.quote).toEqual({ state: 'unauthorized', quoted_status: null })
    expect(hidden.json.pleroma.quote_visible).toBe(false)
    await ctx.db.delete(statuses).where(eq(statuses.id, quoted.id))
    const gone = await call('GET', `/api/v1/statuses/${quoting.id}`)
    expect(gone.json.quote).toEqual({ state: 'deleted', quoted_status: null })
  })
})
