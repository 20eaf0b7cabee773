import { and, eq, getTableColumns, inArray, sql, type SQL } from 'drizzle-orm'
import { homeFeedEntries, statuses, type StatusRow } from '../../db/schema'
import { uuidParam } from '../../db/sql'
import type { Ctx } from '../context'
import { visibleWithReblogSql } from '../visibility'
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
 * The home timeline: the viewer's feed entries (own statuses, followed accounts' statuses and reblogs, written at
 * posting time), read newest first through the feed's primary key. Accounts in the viewer's exclusive lists stay out.
 */
export async function homeTimeline(ctx: Ctx, viewerAccountId: string, page: Page, opts: TimelineOptions): Promise<StatusRow[]> {
  const k = keyset(homeFeedEntries.statusId, page)
  const viewer = uuidParam(viewerAccountId)
  const rows = await ctx.db.select(getTableColumns(statuses)).from(homeFeedEntries)
    .innerJoin(statuses, eq(statuses.id, homeFeedEntries.statusId))
    .where(and(
      eq(homeFeedEntries.accountId, viewerAccountId),
      ...k.where,
      ...optionConditions(opts),
      sql`not exists (select 1 from list_accounts la join lists l on l.id = la.list_id
        where l.account_id = ${viewer} and l.exclusive and la.account_id = ${statuses.accountId} and ${statuses.accountId} <> ${viewer})`,
      visibleWithReblogSql(viewerAccountId),
      notHiddenByViewerSql(viewerAccountId, { withMuted: opts.withMuted }),
      replyVisibilitySql(viewerAccountId, opts.replyVisibility),
    )).orderBy(k.orderBy).limit(page.limit)
  return newestFirst(rows, k.forwards)
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
