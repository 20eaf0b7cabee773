import { and, eq, getTableColumns, gte, inArray, lt, sql, type SQL } from 'drizzle-orm'
import { homeFeedEntries, statuses, type StatusRow } from '../../db/schema'
import { uuidParam } from '../../db/sql'
import type { Ctx } from '../context'
import { visibleWithReblogSql } from '../visibility'
import { homeFeedHorizon } from './home-feed'
import { optionConditions, type TimelineOptions } from './options'
import { keyset, newestFirst, type Page } from './page'
import { notHiddenByViewerSql, replyVisibilitySql } from './viewer-filters'

/** Runs one page of a status timeline: the visibility rule, the viewer's own filters and the options always apply. */
export async function statusPage(ctx: Ctx, viewerAccountId: string | null, page: Page, opts: TimelineOptions, where: SQL[]): Promise<StatusRow[]> {
  const k = keyset(statuses.id, page)
  const rows = await ctx.db.select().from(statuses).where(and(
    ...where,
    ...k.where,
    ...optionConditions(opts),
    visibleWithReblogSql(viewerAccountId),
    notHiddenByViewerSql(viewerAccountId, { withMuted: opts.withMuted }),
    replyVisibilitySql(viewerAccountId, opts.replyVisibility),
  )).orderBy(k.orderBy).limit(page.limit)
  return newestFirst(rows, k.forwards)
}

/**
 * The home timeline: the viewer's own statuses and those of followed accounts (reblogs unless turned off, replies
 * only to accounts the viewer follows too). Recent pages come from the feed written at posting time, through its
 * primary key; pages past the feed's horizon are read from the follow graph. Accounts in the viewer's exclusive
 * lists stay out.
 */
export async function homeTimeline(ctx: Ctx, viewerAccountId: string, page: Page, opts: TimelineOptions): Promise<StatusRow[]> {
  const horizon = homeFeedHorizon()
  const viewer = uuidParam(viewerAccountId)
  const filters = [
    ...optionConditions(opts),
    sql`not exists (select 1 from list_accounts la join lists l on l.id = la.list_id
      where l.account_id = ${viewer} and l.exclusive and la.account_id = ${statuses.accountId} and ${statuses.accountId} <> ${viewer})`,
    visibleWithReblogSql(viewerAccountId),
    notHiddenByViewerSql(viewerAccountId, { withMuted: opts.withMuted }),
    replyVisibilitySql(viewerAccountId, opts.replyVisibility),
  ]
  const fromFeed = async (p: Page) => {
    const k = keyset(homeFeedEntries.statusId, p)
    const rows = await ctx.db.select(getTableColumns(statuses)).from(homeFeedEntries)
      .innerJoin(statuses, eq(statuses.id, homeFeedEntries.statusId))
      .where(and(eq(homeFeedEntries.accountId, viewerAccountId), gte(homeFeedEntries.statusId, horizon), ...k.where, ...filters))
      .orderBy(k.orderBy).limit(p.limit)
    return newestFirst(rows, k.forwards)
  }
  const fromGraph = async (p: Page) => {
    const k = keyset(statuses.id, p)
    const rows = await ctx.db.select().from(statuses).where(and(
      lt(statuses.id, horizon),
      sql`(${statuses.accountId} = ${viewer} or exists (select 1 from follows f where f.account_id = ${viewer}
        and f.target_account_id = ${statuses.accountId} and (${statuses.reblogOfId} is null or f.show_reblogs)))`,
      sql`(${statuses.inReplyToAccountId} is null or ${statuses.inReplyToAccountId} in (${statuses.accountId}, ${viewer})
        or exists (select 1 from follows rf where rf.account_id = ${viewer} and rf.target_account_id = ${statuses.inReplyToAccountId}))`,
      ...k.where,
      ...filters,
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

/** Public statuses (and local-only ones), never reblogs; `local`/`remote`/`instance` narrow by origin. */
function publicConditions(scope: PublicScope): SQL[] {
  const where: SQL[] = [inArray(statuses.visibility, ['public', 'local']), sql`${statuses.reblogOfId} is null`]
  if (scope.local) where.push(eq(statuses.local, true))
  if (scope.remote) where.push(eq(statuses.local, false))
  if (scope.instance) {
    where.push(sql`exists (select 1 from accounts a where a.id = ${statuses.accountId} and lower(a.domain::text) = ${scope.instance.toLowerCase()})`)
  }
  return where
}

export function publicTimeline(ctx: Ctx, viewerAccountId: string | null, page: Page, opts: TimelineOptions, scope: PublicScope) {
  return statusPage(ctx, viewerAccountId, page, opts, publicConditions(scope))
}

export interface TagQuery {
  /** the path's hashtag plus `any[]`: at least one of them */
  any: string[]
  /** every one of these too */
  all: string[]
  /** none of these */
  none: string[]
}

const normalizeTag = (t: string) => t.trim().replace(/^#/, '').toLowerCase()

const hasTag = (name: string) => sql`exists (select 1 from status_tags st join tags t on t.id = st.tag_id
  where st.status_id = ${statuses.id} and t.name = ${name})`

/** Public statuses carrying the hashtags asked for. */
export function tagTimeline(ctx: Ctx, viewerAccountId: string | null, page: Page, opts: TimelineOptions, scope: PublicScope, q: TagQuery) {
  const any = [...new Set(q.any.map(normalizeTag).filter(Boolean))]
  const all = [...new Set(q.all.map(normalizeTag).filter(Boolean))]
  const none = [...new Set(q.none.map(normalizeTag).filter(Boolean))]
  if (!any.length) return Promise.resolve([])
  const where = publicConditions(scope)
  where.push(sql`exists (select 1 from status_tags st join tags t on t.id = st.tag_id
    where st.status_id = ${statuses.id} and t.name in ${any})`)
  for (const name of all) where.push(hasTag(name))
  for (const name of none) where.push(sql`not ${hasTag(name)}`)
  return statusPage(ctx, viewerAccountId, page, opts, where)
}
