// A tag's history (Mastodon's Tag `history`): its uses and distinct authors on each of the last seven UTC days, kept
// per tag and day, so that a request reads them and counts again only a day whose count may still change.
import { beforeAll, describe, expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import { takeAccountAction, undoAccountAction } from '../../src/core/admin/accounts'
import type { Ctx } from '../../src/core/context'
import { encodeId } from '../../src/core/ids'
import { findOrCreateTag, HISTORY_DAYS, HISTORY_FRESH_MS, tagHistories, type TagHistoryDay, type TagRef } from '../../src/core/tags/tags'
import { anyId } from '../../src/db/sql'
import { accounts, statuses, statusTags, tagHistoryDays, tags, type StatusVisibility } from '../../src/db/schema'
import { getTestContext } from '../support/context'
import { makeUser, uniqueName, type MadeUser } from '../support/factories'
import { call } from '../support/http'
import { callCounting } from '../support/queries'

let ctx: Ctx

beforeAll(async () => {
  ctx = await getTestContext()
})

const DAY = 86_400_000
const dayOf = (at: number) => Math.floor(at / DAY)

/** Ids for rows inserted at past moments, of a worker number of their own (see `pastIds`). */
const worker = BigInt(Math.floor(Math.random() * 2 ** 47)) | 1n
let sequence = 0n
const idAt = (at: number) => encodeId((BigInt(at) << 64n) | (worker << 16n) | (++sequence & 0xffffn))

/** A name of letters only that no other test uses. */
const tagName = (prefix: string) => uniqueName(prefix).replace(/[^a-z]/gi, (c) => 'abcdefghij'[Number(c)] ?? 'x')
const newTag = () => findOrCreateTag(ctx.db, tagName('hist'))

interface Use { tag: TagRef; author: MadeUser; at: number; visibility?: StatusVisibility; reblogOf?: string }

/** A status written at `at` (its id of that moment too), tagged `tag`. */
async function postAt({ tag, author, at, visibility = 'public', reblogOf }: Use) {
  const [s] = await ctx.db.insert(statuses)
    .values({ id: idAt(at), accountId: author.account.id, visibility, reblogOfId: reblogOf ?? null, createdAt: new Date(at) }).returning()
  await ctx.db.insert(statusTags).values({ statusId: s.id, tagId: tag.id })
  return s
}

/** The history the uses make at `now`, counted here from the list: each day's uses and distinct authors. */
function expectedHistory(tag: TagRef, uses: Use[], now: number): TagHistoryDay[] {
  const today = dayOf(now)
  return Array.from({ length: HISTORY_DAYS }, (_, i) => {
    const day = today - i
    const on = uses.filter((u) => u.tag === tag && dayOf(u.at) === day)
    return { day: String(day * 86_400), uses: String(on.length), accounts: String(new Set(on.map((u) => u.author.account.id)).size) }
  })
}

const keptRows = (of: TagRef[]) =>
  ctx.db.select().from(tagHistoryDays).where(anyId(tagHistoryDays.tagId, of.map((t) => t.id))).orderBy(tagHistoryDays.tagId, tagHistoryDays.day)

const forgetKept = (of: TagRef[]) => ctx.db.delete(tagHistoryDays).where(anyId(tagHistoryDays.tagId, of.map((t) => t.id)))

/** A moment `back` UTC days before today: `n` hours into that day; today, `n` minutes ago (but not before it began). */
function dayAt(back: number, n: number) {
  const now = Date.now()
  const start = (dayOf(now) - back) * DAY
  return back === 0 ? Math.max(start, now - n * 60_000) : start + n * 3600_000
}

describe('tag history', () => {
  test('each of the last seven UTC days, today first, as counted from the statuses; kept, zeros too', async () => {
    const [u1, u2, u3, reader] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    const [a, b, unused] = [await newTag(), await newTag(), await newTag()]
    const plan: [TagRef, number, MadeUser[]][] = [
      [a, 0, [u1, u1, u2]], [a, 1, [u3]], [a, 3, [u1, u2, u3]], [a, 6, [u2]], [a, 7, [u1]], [a, 9, [u1, u2]],
      [b, 0, [u2]], [b, 2, [u2, u2]], [b, 5, [u1, u3]], [b, 6, [u3, u3, u1]],
    ]
    const uses: Use[] = plan.flatMap(([tag, back, authors]) => authors.map((author, i) => ({ tag, author, at: dayAt(back, i + 1) })))
    for (const use of uses) await postAt(use)
    for (const tag of [a, b, unused]) expect((await call('POST', `/api/v1/tags/${tag.name}/follow`, { token: reader.token })).status).toBe(200)
    await forgetKept([a, b, unused])

    const counted = await call('GET', '/api/v1/followed_tags', { token: reader.token })
    expect(counted.status).toBe(200)
    const history = (json: { name: string; history: TagHistoryDay[] }[], tag: TagRef) => json.find((t) => t.name === tag.name)!.history
    for (const tag of [a, b, unused]) expect(history(counted.json, tag)).toEqual(expectedHistory(tag, uses, Date.now()))
    expect(history(counted.json, a)[0]).toMatchObject({ uses: '3', accounts: '2' })
    expect(history(counted.json, unused).every((d) => d.uses === '0' && d.accounts === '0')).toBe(true)

    // every shown day is kept, those without uses as 0, and nothing outside the week
    const today = dayOf(Date.now())
    const kept = await keptRows([a, b, unused])
    expect(kept).toHaveLength(3 * HISTORY_DAYS)
    expect(kept.every((r) => r.day > today - HISTORY_DAYS && r.day <= today)).toBe(true)
    expect(kept.filter((r) => r.tagId === unused.id).every((r) => r.uses === 0 && r.accounts === 0)).toBe(true)

    const again = await call('GET', '/api/v1/followed_tags', { token: reader.token })
    expect(again.json).toEqual(counted.json)
    const single = await call('GET', `/api/v1/tags/${b.name}`)
    expect(single.json.history).toEqual(expectedHistory(b, uses, Date.now()))
  })

  test('private and direct statuses, reblogs, and statuses of suspended or deleted accounts never count', async () => {
    const [u1, u2, u3, suspended, deleted] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    await ctx.db.update(accounts).set({ suspendedAt: new Date() }).where(eq(accounts.id, suspended.account.id))
    await ctx.db.update(accounts).set({ deletedAt: new Date() }).where(eq(accounts.id, deleted.account.id))
    const tag = await newTag()
    const counting: Use[] = [
      { tag, author: u1, at: dayAt(0, 1) },
      { tag, author: u2, at: dayAt(1, 2), visibility: 'unlisted' },
      { tag, author: u3, at: dayAt(2, 3), visibility: 'local' },
    ]
    const shown = await Promise.all(counting.map(postAt))
    const hidden: Use[] = [
      { tag, author: u2, at: dayAt(0, 2), visibility: 'private' },
      { tag, author: u3, at: dayAt(0, 3), visibility: 'direct' },
      { tag, author: u1, at: dayAt(1, 4), visibility: 'private' },
      { tag, author: u3, at: dayAt(3, 4), visibility: 'direct' },
      { tag, author: u3, at: dayAt(0, 4), reblogOf: shown[0].id },
      { tag, author: suspended, at: dayAt(0, 5) },
      { tag, author: suspended, at: dayAt(2, 5) },
      { tag, author: deleted, at: dayAt(1, 6) },
    ]
    for (const use of hidden) await postAt(use)

    const res = await call('GET', `/api/v1/tags/${tag.name}`)
    expect(res.status).toBe(200)
    expect(res.json.history).toEqual(expectedHistory(tag, counting, Date.now()))
    expect(res.json.history.slice(0, 4).map((d: TagHistoryDay) => d.uses)).toEqual(['1', '1', '1', '0'])
    expect((await keptRows([tag])).reduce((n, r) => n + r.uses, 0)).toBe(counting.length)
  })

  test('an author suspended, deleted or reinstated after the days were counted is counted again; other changes keep them', async () => {
    const [u1, u2] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    const tag = await newTag()
    const uses: Use[] = [{ tag, author: u1, at: dayAt(2, 1) }, { tag, author: u2, at: dayAt(2, 2) }, { tag, author: u2, at: dayAt(0, 1) }]
    for (const use of uses) await postAt(use)
    const history = async () => (await call('GET', `/api/v1/tags/${tag.name}`)).json.history
    const without = (who: MadeUser) => expectedHistory(tag, uses.filter((u) => u.author !== who), Date.now())
    expect(await history()).toEqual(expectedHistory(tag, uses, Date.now()))

    await takeAccountAction(ctx, u2.account.id, 'suspend')
    expect(await history()).toEqual(without(u2))
    await undoAccountAction(ctx, u2.account.id, 'unsuspend')
    expect(await history()).toEqual(expectedHistory(tag, uses, Date.now()))
    await ctx.db.update(accounts).set({ deletedAt: new Date() }).where(eq(accounts.id, u1.account.id))
    expect(await history()).toEqual(without(u1))

    const kept = await keptRows([tag])
    await takeAccountAction(ctx, u2.account.id, 'silence')
    await ctx.db.update(accounts).set({ statusesCount: 5, displayName: 'renamed' }).where(eq(accounts.id, u2.account.id))
    expect(await keptRows([tag])).toEqual(kept)
  })

  test('an ended day is counted once, settled; today again once its count is older than the freshness window', async () => {
    const [u1, u2] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    const tag = await newTag()
    // "today" is a day in the past here, so that no test run crosses its midnight
    const today = dayOf(Date.now()) - 2
    const noon = today * DAY + 12 * 3600_000
    const uses: Use[] = [
      { tag, author: u1, at: (today - 1) * DAY + 3600_000 },
      { tag, author: u2, at: (today - 1) * DAY + 7200_000 },
      { tag, author: u1, at: today * DAY + 3600_000 },
    ]
    for (const use of uses) await postAt(use)
    const historyAt = async (now: number) => (await tagHistories(ctx.db, [tag.id], now)).get(tag.id)!

    expect(await historyAt(noon)).toEqual(expectedHistory(tag, uses, noon))
    const late = [{ tag, author: u2, at: (today - 1) * DAY + 3 * 3600_000 }, { tag, author: u2, at: today * DAY + 2 * 3600_000 }]
    for (const use of late) await postAt(use)

    // within the window nothing is counted again
    expect(await historyAt(noon + HISTORY_FRESH_MS - 1)).toEqual(expectedHistory(tag, uses, noon))
    // past it, today is counted again; yesterday, counted well after it ended, stays as counted
    const later = noon + HISTORY_FRESH_MS + 1
    const shown = await historyAt(later)
    expect(shown[0]).toEqual(expectedHistory(tag, [...uses, ...late], later)[0])
    expect(shown[0]).toMatchObject({ uses: '2', accounts: '2' })
    expect(shown[1]).toEqual(expectedHistory(tag, uses, later)[1])
    expect(shown[1]).toMatchObject({ uses: '2', accounts: '2' })
    const [yesterday] = await ctx.db.select().from(tagHistoryDays).where(and(eq(tagHistoryDays.tagId, tag.id), eq(tagHistoryDays.day, today - 1)))
    expect(yesterday.countedAt.getTime()).toBe(noon)

    // a day counted just after its end is counted again once the window has passed, then no more
    const midnight = (today + 1) * DAY
    expect((await historyAt(midnight + 60_000))[1]).toMatchObject({ uses: '2', accounts: '2' })
    const lastMinute = { tag, author: u1, at: midnight - 1000 }
    await postAt(lastMinute)
    expect((await historyAt(midnight + 2 * 60_000))[1]).toMatchObject({ uses: '2' })
    expect((await historyAt(midnight + 60_000 + HISTORY_FRESH_MS + 1))[1]).toMatchObject({ uses: '3', accounts: '2' })
    await postAt({ tag, author: u2, at: midnight - 2000 })
    expect((await historyAt(midnight + 60 * 60_000))[1]).toEqual(expectedHistory(tag, [...uses, ...late, lastMinute], midnight + 60 * 60_000)[1])
  })

  test('concurrent requests counting the same days agree and keep one row per tag and day', async () => {
    const [u1, u2] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    const several = [await newTag(), await newTag(), await newTag()]
    const uses: Use[] = several.flatMap((tag, t) => [0, 1, 4].flatMap((back) => [u1, u2].slice(0, 1 + ((t + back) % 2)).map((author) => ({ tag, author, at: dayAt(back, t + 1) }))))
    for (const use of uses) await postAt(use)
    const now = Date.now()
    const results = await Promise.all(Array.from({ length: 4 }, (_, i) => tagHistories(ctx.db, i % 2 ? [...several].reverse().map((t) => t.id) : several.map((t) => t.id), now)))
    for (const result of results) for (const tag of several) expect(result.get(tag.id)).toEqual(expectedHistory(tag, uses, now))
    expect(await keptRows(several)).toHaveLength(several.length * HISTORY_DAYS)
  })

  test('a name nobody used (no tag yet) shows seven days of zeros, without reading or keeping counts', async () => {
    expect((await tagHistories(ctx.db, [''])).size).toBe(0)
    const res = await callCounting(ctx, 'GET', `/api/v1/tags/${tagName('never')}`)
    expect(res.status).toBe(200)
    expect(res.json.id).toBe('')
    expect(res.json.history.map((d: TagHistoryDay) => [d.uses, d.accounts])).toEqual(Array(HISTORY_DAYS).fill(['0', '0']))
    expect(res.statements.filter((s) => /tag_history_days|status_tags/.test(s))).toEqual([])
  })
})

describe('statements per request', () => {
  /** The token lookup (cached, see token-cache.test.ts) is left out: these are the statements of the page itself. */
  const authentication = (s: string) => s.includes('"oauth_tokens"."token_hash"') || s.startsWith('update "oauth_tokens"')

  async function followedTagsStatements(who: MadeUser) {
    const r = await callCounting(ctx, 'GET', '/api/v1/followed_tags', { token: who.token, query: { limit: '40' } })
    expect(r.status).toBe(200)
    return { json: r.json, statements: r.statements.filter((s) => !authentication(s)) }
  }

  test('the same for 1 tag or 8, counted or kept; kept counts are read without reading statuses', async () => {
    const [few, many, author] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    const several: TagRef[] = []
    for (let i = 0; i < 8; i++) several.push(await newTag())
    for (const [i, tag] of several.entries()) await postAt({ tag, author, at: dayAt(i % HISTORY_DAYS, 1) })
    for (const [who, followed] of [[few, several.slice(0, 1)], [many, several]] as const) {
      for (const tag of followed) expect((await call('POST', `/api/v1/tags/${tag.name}/follow`, { token: who.token })).status).toBe(200)
    }

    const counts: Record<string, { cold: number; warm: number }> = {}
    for (const [label, who] of [['few', few], ['many', many]] as const) {
      await forgetKept(several)
      const cold = await followedTagsStatements(who)
      const warm = await followedTagsStatements(who)
      expect(warm.json).toEqual(cold.json)
      expect(cold.statements.filter((s) => s.includes('"status_tags"') || s.includes('status_tags st'))).toHaveLength(1)
      expect(warm.statements.filter((s) => /status_tags|statuses/.test(s))).toEqual([])
      counts[label] = { cold: cold.statements.length, warm: warm.statements.length }
    }
    expect(counts.many).toEqual(counts.few)
    expect(counts.few.cold).toBe(counts.few.warm + 1)
  })
})

describe('the kept counts', () => {
  test('go with their tag', async () => {
    const tag = await newTag()
    await tagHistories(ctx.db, [tag.id])
    expect(await keptRows([tag])).toHaveLength(HISTORY_DAYS)
    await ctx.db.delete(tags).where(eq(tags.id, tag.id))
    expect(await keptRows([tag])).toEqual([])
  })
})
