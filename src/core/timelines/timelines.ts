import { and, asc, desc, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm'
import type { PgColumn } from 'drizzle-orm/pg-core'
import type { TypedQueryBuilder } from 'drizzle-orm/query-builders/query-builder'
import { homeFeedEntries, statuses, statusTags, tags, type StatusRow } from '../../db/schema'
import { runPrepared, runPreparedWith, type Preparable } from '../../db/prepared'
import { constantLimit, inlineBinds, uuidParam, type Binds } from '../../db/sql'
import type { Ctx } from '../context'
import { viewerShape, visibleWithReblogSql } from '../visibility'
import { homeFeedHorizon } from './home-feed'
import { optionArgs, optionConditions, optionsShape, type TimelineOptions } from './options'
import { fillFromBatches, keyset, keysetArgs, keysetShape, newestFirst, type CandidateBatch, type Page } from './page'
import { notHiddenByViewerSql, replyVisibilitySql } from './viewer-filters'

/**
 * A timeline's own conditions, built with the given binds: `key` names what shapes them (the same key must always
 * build the same conditions), so that the page's statement is prepared once; a null key builds it anew each time.
 */
export interface PageConditions {
  key: string | null
  where: (binds: Binds) => SQL[]
  /** the values `where` binds besides the viewer's id, by name (`runPreparedWith`) */
  args?: Record<string, unknown>
}

/** The values a timeline's statement binds, by name: the viewer's, the page's bounds, the options' and `own`. */
const timelineArgs = (viewerAccountId: string | null, page: Page, opts: TimelineOptions, own?: Record<string, unknown>) =>
  ({ viewer: viewerAccountId, ...keysetArgs(page), ...optionArgs(opts), ...own })

/** What every status timeline applies besides its own conditions: the visibility rule, the viewer's filters, the options. */
function timelineConditions(b: Binds, viewerAccountId: string | null, opts: TimelineOptions): SQL[] {
  const viewer = viewerAccountId ? b.uuid(viewerAccountId) : null
  return [
    ...optionConditions(opts, b),
    visibleWithReblogSql(viewer),
    notHiddenByViewerSql(viewer, { withMuted: opts.withMuted }),
    replyVisibilitySql(viewer, opts.replyVisibility),
  ]
}

/** Runs one page of a status timeline: the visibility rule, the viewer's own filters and the options always apply. */
export async function statusPage(ctx: Ctx, viewerAccountId: string | null, page: Page, opts: TimelineOptions, conditions: SQL[] | PageConditions): Promise<StatusRow[]> {
  const own = Array.isArray(conditions) ? { key: null, where: () => conditions } : conditions
  const build = (b: Binds) => {
    const k = keyset(statuses.id, page, b)
    return ctx.db.select().from(statuses).where(and(...own.where(b), ...k.where, ...timelineConditions(b, viewerAccountId, opts)))
      .orderBy(k.orderBy).limit(constantLimit(page.limit))
  }
  const rows = own.key
    ? await runPreparedWith(ctx, `status-page:${own.key}:${viewerShape(viewerAccountId)}:${keysetShape(page)}:${optionsShape(opts)}:${page.limit}`,
      timelineArgs(viewerAccountId, page, opts, own.args), build)
    : await runPrepared(ctx, null, build)
  return newestFirst(rows, !!page.minId)
}

/** A query of candidate status ids in reading order, its one column made by `candidateId`, for `candidateBatch`. */
export type CandidateQuery = TypedQueryBuilder<{ id: SQL.Aliased<string> }, { id: string }[]> & Preparable<{ id: string }[]>

/** A candidate query's column: the status id as `id`, read back as a flake id. */
export const candidateId = (column: PgColumn) => sql<string>`${column}`.mapWith(statuses.id).as('id')

/** Where a timeline's candidates come from, for `candidateBatch`. */
export interface CandidateSource {
  /** names everything that shapes `candidates` and `where` but the cursor's bounds */
  key: string
  /** the candidate ids from the cursor on, in reading order, at most a batch */
  candidates: (b: Binds) => CandidateQuery
  /** the timeline's own conditions on the statuses kept of them */
  where: (b: Binds) => SQL[]
  /** the values `candidates` and `where` bind besides the viewer's id and the cursor's bounds, by name */
  args: Record<string, unknown>
}

/**
 * One batch of candidates and the statuses of it a page keeps, in one statement. The candidates (in reading order,
 * limited to the batch, from `cursor`) are a CTE; of them, the statuses that `where` and the timeline's conditions let
 * through are read through the primary key in the page's order, at most `page.limit`, each row carrying the batch's
 * size and edge. When the batch keeps nothing, the candidates are read again alone to learn where it ended.
 */
export async function candidateBatch(ctx: Ctx, page: Page, cursor: Page, viewerAccountId: string | null, opts: TimelineOptions,
  source: CandidateSource): Promise<CandidateBatch<StatusRow>> {
  const forwards = !!page.minId
  const args = timelineArgs(viewerAccountId, cursor, opts, source.args)
  const key = `${source.key}:${keysetShape(cursor)}:${viewerShape(viewerAccountId)}:${optionsShape(opts)}:${forwards ? 'forwards' : 'backwards'}:${page.limit}`
  const rows = await runPreparedWith(ctx, `candidate-batch:${key}`, args, (b) => {
    const batch = ctx.db.$with('candidates').as(source.candidates(b))
    return ctx.db.with(batch).select({
      status: statuses,
      size: sql<number>`(select count(*) from ${batch})`.mapWith(Number),
      // the last candidate in reading order (PostgreSQL has no min or max of uuids)
      edge: sql<string | null>`(select id from ${batch} order by id ${sql.raw(forwards ? 'desc' : 'asc')} limit 1)`.mapWith(statuses.id),
    }).from(statuses)
      // an array, not `in (select ...)`: the statuses are then read by the primary key in page order, and the
      // conditions stop being checked once the page is full
      .where(and(sql`${statuses.id} = any(array(select id from ${batch}))`, ...source.where(b), ...timelineConditions(b, viewerAccountId, opts)))
      .orderBy(forwards ? asc(statuses.id) : desc(statuses.id)).limit(constantLimit(page.limit))
  })
  if (rows.length) return { rows: rows.map((r) => r.status), size: rows[0].size, edge: rows[0].edge ?? undefined }
  const ids = (await runPreparedWith(ctx, `candidates:${source.key}:${keysetShape(cursor)}:${viewerShape(viewerAccountId)}`, args, source.candidates))
    .map((c) => c.id)
  return { rows: [], size: ids.length, edge: ids[ids.length - 1] }
}

/** How many feed entries are read per round while filling a home page. */
const FEED_CANDIDATES = 60

/**
 * The home timeline: the viewer's own statuses and those of followed accounts (reblogs unless turned off, replies
 * only to accounts the viewer follows too). Recent pages come from the feed written at posting time, through its
 * primary key; pages past the feed's horizon are read from the follow graph. Accounts in the viewer's exclusive
 * lists stay out.
 */
export async function homeTimeline(ctx: Ctx, viewerAccountId: string, page: Page, opts: TimelineOptions): Promise<StatusRow[]> {
  const horizon = homeFeedHorizon()
  const notInExclusiveList = (b: Binds) => {
    const viewer = b.uuid(viewerAccountId)
    return sql`not exists (select 1 from list_accounts la join lists l on l.id = la.list_id
      where l.account_id = ${viewer} and l.exclusive and la.account_id = ${statuses.accountId} and ${statuses.accountId} <> ${viewer})`
  }
  // The feed is read through its primary key a batch of candidates at a time, then filtered.
  const fromFeed = (p: Page) => fillFromBatches(p, FEED_CANDIDATES, (cursor) => candidateBatch(ctx, p, cursor, viewerAccountId, opts, {
    key: 'home',
    candidates: (b) => {
      const k = keyset(homeFeedEntries.statusId, cursor, b)
      return ctx.db.select({ id: candidateId(homeFeedEntries.statusId) }).from(homeFeedEntries)
        .where(and(eq(homeFeedEntries.accountId, b.forColumn(homeFeedEntries.accountId, viewerAccountId)),
          gte(homeFeedEntries.statusId, b.forColumn(homeFeedEntries.statusId, horizon)), ...k.where))
        .orderBy(k.orderBy).limit(constantLimit(FEED_CANDIDATES))
    },
    where: (b) => [notInExclusiveList(b)],
    args: { horizon },
  }))
  const fromGraph = async (p: Page) => {
    const viewer = uuidParam(viewerAccountId)
    const k = keyset(statuses.id, p)
    const rows = await ctx.db.select().from(statuses).where(and(
      lt(statuses.id, horizon),
      sql`(${statuses.accountId} = ${viewer} or exists (select 1 from follows f where f.account_id = ${viewer}
        and f.target_account_id = ${statuses.accountId} and (${statuses.reblogOfId} is null or f.show_reblogs)))`,
      sql`(${statuses.inReplyToAccountId} is null or ${statuses.inReplyToAccountId} in (${statuses.accountId}, ${viewer})
        or exists (select 1 from follows rf where rf.account_id = ${viewer} and rf.target_account_id = ${statuses.inReplyToAccountId}))`,
      ...k.where,
      notInExclusiveList(inlineBinds),
      ...timelineConditions(inlineBinds, viewerAccountId, opts),
    )).orderBy(k.orderBy).limit(p.limit)
    return newestFirst(rows, k.forwards)
  }
  if (page.minId && page.minId < horizon) {
    // Paging forwards from before the horizon: the oldest newer statuses first, crossing into the feed if needed.
    const older = await fromGraph(page)
    if (older.length >= page.limit) return older
    return [...(await fromFeed({ ...page, limit: page.limit - older.length })), ...older]
  }
  const recent = page.maxId && page.maxId <= horizon ? [] : await fromFeed(page)
  if (page.minId || recent.length >= page.limit) return recent
  const before = recent.length ? recent[recent.length - 1].id : page.maxId && page.maxId < horizon ? page.maxId : horizon
  return [...recent, ...(await fromGraph({ maxId: before, sinceId: page.sinceId, limit: page.limit - recent.length }))]
}

export interface PublicScope {
  local: boolean
  remote: boolean
  /** only statuses of accounts on this domain */
  instance?: string | null
}

/**
 * Public statuses (and local-only ones), never reblogs; `local`/`remote`/`instance` narrow by origin. Accounts a
 * moderator silenced stay out, except for their own followers (and themselves), as on Mastodon.
 */
function publicConditions(scope: PublicScope, viewerAccountId: string | null): PageConditions {
  return {
    key: `public:${+scope.local}${+scope.remote}${scope.instance ? 'instance' : ''}`,
    where: (b) => {
      const viewer = viewerAccountId ? b.uuid(viewerAccountId) : null
      const where: SQL[] = [
        // Constants written into the text, not bound: with parameters here PostgreSQL's generic plan cannot tell how
        // many statuses match, and it kept planning every page anew (bench/README.md, "Generic plans for a page").
        sql`${statuses.visibility} in ('public', 'local')`,
        sql`${statuses.reblogOfId} is null`,
        sql`(not exists (select 1 from accounts sa where sa.id = ${statuses.accountId} and sa.silenced_at is not null)${viewer
          ? sql` or ${statuses.accountId} = ${viewer} or exists (select 1 from follows sf where sf.account_id = ${viewer} and sf.target_account_id = ${statuses.accountId})`
          : sql``})`,
      ]
      if (scope.local) where.push(sql`${statuses.local}`)
      if (scope.remote) where.push(sql`not ${statuses.local}`)
      if (scope.instance) {
        where.push(sql`exists (select 1 from accounts a where a.id = ${statuses.accountId} and lower(a.domain::text) = ${b.value(scope.instance.toLowerCase())})`)
      }
      return where
    },
    args: { instance: scope.instance?.toLowerCase() },
  }
}

export function publicTimeline(ctx: Ctx, viewerAccountId: string | null, page: Page, opts: TimelineOptions, scope: PublicScope) {
  return statusPage(ctx, viewerAccountId, page, opts, publicConditions(scope, viewerAccountId))
}

export interface TagQuery {
  /** the path's hashtag plus `any[]`: at least one of them */
  any: string[]
  /** every one of these too */
  all: string[]
  /** none of these */
  none: string[]
}

/** `#Tag` or `tag` as stored: without the `#`, lower case. */
export const normalizeTag = (t: string) => t.trim().replace(/^#/, '').toLowerCase()

/** The status carries the hashtag `name` (normalized). */
export const hasTag = (name: string, binds: Binds = inlineBinds) => sql`exists (select 1 from status_tags st join tags t on t.id = st.tag_id
  where st.status_id = ${statuses.id} and t.name = ${binds.value(name)})`

/** How many tagged status ids are read from the tag index per round while filling a page. */
const TAG_CANDIDATES = 200

/**
 * Public statuses carrying the hashtags asked for. Driven by the tag index (`status_tags (tag_id, status_id)`, read
 * backwards): candidate ids are read newest first a batch at a time and filtered like any timeline, until the page is
 * full.
 */
export async function tagTimeline(ctx: Ctx, viewerAccountId: string | null, page: Page, opts: TimelineOptions, scope: PublicScope, q: TagQuery): Promise<StatusRow[]> {
  const any = [...new Set(q.any.map(normalizeTag).filter(Boolean))]
  const all = [...new Set(q.all.map(normalizeTag).filter(Boolean))]
  const none = [...new Set(q.none.map(normalizeTag).filter(Boolean))]
  if (!any.length) return []
  const tagRows = await ctx.db.select({ id: tags.id }).from(tags).where(inArray(tags.name, any))
  if (!tagRows.length) return []
  const tagIds = tagRows.map((t) => t.id)
  const publicOnes = publicConditions(scope, viewerAccountId)
  return fillFromBatches(page, TAG_CANDIDATES, (cursor) => candidateBatch(ctx, page, cursor, viewerAccountId, opts, {
    key: `tag:${publicOnes.key}:${tagIds.length}:${all.length}:${none.length}`,
    candidates: (b) => {
      const k = keyset(statusTags.statusId, cursor, b)
      return ctx.db.selectDistinct({ id: candidateId(statusTags.statusId) }).from(statusTags)
        .where(and(inArray(statusTags.tagId, tagIds.map((id) => b.forColumn(statusTags.tagId, id))), ...k.where))
        .orderBy(k.orderBy).limit(constantLimit(TAG_CANDIDATES))
    },
    where: (b) => [
      ...publicOnes.where(b),
      ...all.map((name) => hasTag(name, b)),
      ...none.map((name) => sql`not ${hasTag(name, b)}`),
    ],
    args: {
      ...publicOnes.args,
      ...Object.fromEntries(tagIds.map((id, i) => [`tag${i}`, id])),
      ...Object.fromEntries(all.map((name, i) => [`all${i}`, name])),
      ...Object.fromEntries(none.map((name, i) => [`none${i}`, name])),
    },
  }))
}
