import { and, desc, eq, inArray, isNull, ne, or, sql } from 'drizzle-orm'
import {
  accounts, favourites, previewCards, statusPreviewCards, statuses, statusTags, tags, trends,
  type PreviewCardRow, type StatusRow, type TrendKind, type TrendReview, type TrendRow,
} from '../../db/schema'
import { resultRows } from '../../db/client'
import type { Ctx } from '../context'
import { NotFoundError } from '../errors'
import { idAtTime, idToUuid, isId, uuidToId } from '../ids'
import type { Jobs } from '../jobs'
import { pruneTagHistory, type TagRef } from '../tags/tags'
import { visibleStatusSql } from '../visibility'

export const TRENDS_QUEUE = 'trends.refresh'
/** Uses older than this no longer count. */
export const TRENDS_WINDOW_HOURS = 48
/** A use loses half its weight every this many hours. */
export const TRENDS_HALF_LIFE_HOURS = 6
/** Something trends only when at least this many different accounts took part. */
export const TRENDS_MIN_ACCOUNTS = 2

interface Score { targetId: string; score: number; accounts: number; uses: number }

/**
 * Who counts: public, original statuses of discoverable, unsuspended, unsilenced accounts, within the window.
 * Each account counts once per target, with the weight of its latest use (so one account posting a hundred times
 * weighs like one post).
 */
const eligibleStatus = () => sql`s.visibility = 'public' and s.reblog_of_id is null
  and s.id >= ${idToUuid(idAtTime(Date.now() - TRENDS_WINDOW_HOURS * 3600_000))}::uuid
  and s.created_at > now() - make_interval(hours => ${TRENDS_WINDOW_HOURS})
  and a.discoverable and a.suspended_at is null and a.silenced_at is null`

const decayed = (at: string) =>
  sql.raw(`sum(power(0.5, extract(epoch from (now() - ${at})) / ${TRENDS_HALF_LIFE_HOURS * 3600}.0))`)

async function scoreUses(ctx: Ctx, targetsSql: ReturnType<typeof sql>): Promise<Score[]> {
  const rows = resultRows<{ target_id: string; score: number; accounts: number; uses: number }>(await ctx.db.execute(sql`
    with uses as (${targetsSql}),
    per_account as (select target_id, account_id, max(used_at) as used_at, count(*) as n from uses group by target_id, account_id)
    select target_id::text as target_id, ${decayed('used_at')} as score, count(*)::int as accounts, sum(n)::int as uses
    from per_account group by target_id having count(*) >= ${TRENDS_MIN_ACCOUNTS}`))
  return rows.map((r) => ({ targetId: uuidToId(r.target_id), score: Number(r.score), accounts: Number(r.accounts), uses: Number(r.uses) }))
}

const tagUses = () => sql`select st.tag_id as target_id, s.account_id, s.created_at as used_at
  from ${statusTags} st join ${statuses} s on s.id = st.status_id join ${accounts} a on a.id = s.account_id where ${eligibleStatus()}`

const linkUses = () => sql`select spc.card_id as target_id, s.account_id, s.created_at as used_at
  from ${statusPreviewCards} spc join ${statuses} s on s.id = spc.status_id join ${accounts} a on a.id = s.account_id where ${eligibleStatus()}`

/** A status trends by the distinct accounts favouriting or reblogging it (its author aside). */
const statusUses = () => sql`select s.id as target_id, f.account_id, f.created_at as used_at
    from ${favourites} f join ${statuses} s on s.id = f.status_id join ${accounts} a on a.id = s.account_id
    where ${eligibleStatus()} and f.account_id <> s.account_id
  union all
  select s.id as target_id, r.account_id, r.created_at as used_at
    from ${statuses} r join ${statuses} s on s.id = r.reblog_of_id join ${accounts} a on a.id = s.account_id
    where ${eligibleStatus()} and r.account_id <> s.account_id`

/** The periodic job: recomputes every score; moderators' verdicts stay. */
export async function refreshTrends(ctx: Ctx): Promise<Record<TrendKind, number>> {
  const [tagScores, linkScores, statusScores] = [await scoreUses(ctx, tagUses()), await scoreUses(ctx, linkUses()), await scoreUses(ctx, statusUses())]
  const all: [TrendKind, Score[]][] = [['tag', tagScores], ['link', linkScores], ['status', statusScores]]
  await ctx.db.transaction(async (tx) => {
    await tx.update(trends).set({ score: 0, accounts: 0, uses: 0, updatedAt: new Date() })
    for (const [kind, scores] of all) {
      if (!scores.length) continue
      await tx.insert(trends).values(scores.map((s) => ({ kind, ...s })))
        .onConflictDoUpdate({
          target: [trends.kind, trends.targetId],
          set: { score: sql`excluded.score`, accounts: sql`excluded.accounts`, uses: sql`excluded.uses`, updatedAt: new Date() },
        })
    }
    await tx.delete(trends).where(and(eq(trends.score, 0), isNull(trends.review)))
  })
  return { tag: tagScores.length, link: linkScores.length, status: statusScores.length }
}

/** The trends job also forgets tags' kept daily counts once they are older than a history shows. */
export async function registerTrendJobs(ctx: Ctx & { jobs: Jobs }): Promise<void> {
  await ctx.jobs.work(TRENDS_QUEUE, async () => {
    await refreshTrends(ctx)
    await pruneTagHistory(ctx.db)
  })
  await ctx.jobs.schedule(TRENDS_QUEUE, '*/10 * * * *')
}

export interface TrendPage { limit: number; offset: number }

export function trendPage(input: Record<string, unknown>, defaultLimit: number, maxLimit: number): TrendPage {
  const limit = Number(input.limit)
  const offset = Number(input.offset)
  return {
    limit: Number.isFinite(limit) && limit > 0 ? Math.min(Math.floor(limit), maxLimit) : defaultLimit,
    offset: Number.isFinite(offset) && offset > 0 ? Math.min(Math.floor(offset), 10_000) : 0,
  }
}

/** Trending rows of a kind, best first: scored, not rejected (or, for moderators, everything with a score or a verdict). */
async function ranked(ctx: Ctx, kind: TrendKind, page: TrendPage, all = false): Promise<TrendRow[]> {
  const shown = all ? undefined : and(sql`${trends.score} > 0`, or(isNull(trends.review), ne(trends.review, 'rejected')))
  return ctx.db.select().from(trends).where(and(eq(trends.kind, kind), shown))
    .orderBy(desc(trends.score), desc(trends.targetId)).limit(page.limit).offset(page.offset)
}

function inOrder<T>(rows: TrendRow[], byId: Map<string, T>): { trend: TrendRow; item: T }[] {
  return rows.flatMap((trend) => {
    const item = byId.get(trend.targetId)
    return item ? [{ trend, item }] : []
  })
}

export async function trendingTags(ctx: Ctx, page: TrendPage, all = false): Promise<{ trend: TrendRow; item: TagRef }[]> {
  const rows = await ranked(ctx, 'tag', page, all)
  if (!rows.length) return []
  const found = await ctx.db.select({ id: tags.id, name: tags.name }).from(tags).where(inArray(tags.id, rows.map((r) => r.targetId)))
  return inOrder(rows, new Map(found.map((t) => [t.id, t])))
}

export async function trendingLinks(ctx: Ctx, page: TrendPage, all = false): Promise<{ trend: TrendRow; item: PreviewCardRow }[]> {
  const rows = await ranked(ctx, 'link', page, all)
  if (!rows.length) return []
  const found = await ctx.db.select().from(previewCards).where(inArray(previewCards.id, rows.map((r) => r.targetId)))
  return inOrder(rows, new Map(found.map((c) => [c.id, c])))
}

/** Trending statuses the viewer may see; a status that stopped being public or discoverable drops out at once. */
export async function trendingStatuses(ctx: Ctx, viewerAccountId: string | null, page: TrendPage, all = false): Promise<{ trend: TrendRow; item: StatusRow }[]> {
  const rows = await ranked(ctx, 'status', page, all)
  if (!rows.length) return []
  const found = await ctx.db.select({ status: statuses }).from(statuses).innerJoin(accounts, eq(accounts.id, statuses.accountId))
    .where(and(
      inArray(statuses.id, rows.map((r) => r.targetId)),
      all ? undefined : and(eq(statuses.visibility, 'public'), eq(accounts.discoverable, true)),
      visibleStatusSql(viewerAccountId),
    ))
  return inOrder(rows, new Map(found.map((r) => [r.status.id, r.status])))
}

/** A moderator's verdict on a trending tag, status or link (404 when it is not in the trends). */
export async function reviewTrend(ctx: Ctx, kind: TrendKind, targetId: string, review: TrendReview): Promise<TrendRow> {
  if (!isId(targetId)) throw new NotFoundError()
  const [row] = await ctx.db.update(trends).set({ review, reviewedAt: new Date() })
    .where(and(eq(trends.kind, kind), eq(trends.targetId, targetId))).returning()
  if (!row) throw new NotFoundError()
  return row
}
