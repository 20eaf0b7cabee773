import { and, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm'
import { statuses, type AccountRow, type StatusRow } from '../../db/schema'
import { lookupAccount } from '../accounts/queries'
import type { Ctx } from '../context'
import { NotFoundError } from '../errors'
import { isId } from '../ids'
import { getStatusContext } from '../statuses/queries'
import type { TimelineOptions } from '../timelines/options'
import type { Page } from '../timelines/page'
import { hasTag, normalizeTag, statusPage } from '../timelines/timelines'
import { visibleWithReblogSql } from '../visibility'

/**
 * What the web pages and feeds show: exactly what an anonymous reader may see through the visibility rule, narrowed
 * further to posts meant for the open web. Private, direct, list and local-only posts never appear; neither does
 * anything of a suspended, deleted, deactivated or unapproved account.
 */

/** Public and unlisted posts are on the profile and reachable by link; only public ones go to hashtag pages and feeds. */
export type PublicReach = 'linked' | 'listed'

const REACH: Record<PublicReach, ('public' | 'unlisted')[]> = { linked: ['public', 'unlisted'], listed: ['public'] }

/** The author of `statuses` (or of the aliased table) is shown to anonymous readers. */
function authorShownSql(alias = 'statuses'): SQL {
  const author = sql.raw(`"${alias}"."account_id"`)
  return sql`exists (select 1 from accounts pa where pa.id = ${author} and pa.suspended_at is null and pa.deleted_at is null
    and not exists (select 1 from users pu where pu.account_id = pa.id and (not pu.is_active or not pu.is_approved)))`
}

/** The one condition every page and feed adds to the visibility rule (evaluated for no viewer). */
export function publicStatusSql(reach: PublicReach): SQL {
  return and(
    visibleWithReblogSql(null),
    inArray(statuses.visibility, REACH[reach]),
    isNull(statuses.reblogOfId),
    authorShownSql(),
  )!
}

const PAGE_OPTIONS: TimelineOptions = {
  onlyMedia: false, withMuted: true, excludeReplies: false, excludeReblogs: true, excludeVisibilities: [], replyVisibility: null,
}

/** An account whose profile anyone may open: `name` (local) or `name@domain` (known remote), visible to anonymous readers. */
export async function findPublicAccount(ctx: Ctx, name: string): Promise<AccountRow> {
  return lookupAccount(ctx, name, null)
}

/** A local account by nickname only, for `/users/:name`. */
export async function findPublicLocalAccount(ctx: Ctx, name: string): Promise<AccountRow> {
  if (name.includes('@')) throw new NotFoundError()
  const account = await lookupAccount(ctx, name, null)
  if (account.domain !== null) throw new NotFoundError()
  return account
}

/** An account's posts, newest first, keyset paged. */
export function publicAccountStatuses(ctx: Ctx, account: AccountRow, page: Page, reach: PublicReach): Promise<StatusRow[]> {
  return statusPage(ctx, null, page, PAGE_OPTIONS, [eq(statuses.accountId, account.id), publicStatusSql(reach)])
}

/** Public posts carrying a hashtag, newest first; silenced accounts stay out as on the public timelines. */
export function publicTagStatuses(ctx: Ctx, tag: string, page: Page): Promise<StatusRow[]> {
  const name = normalizeTag(tag)
  if (!name) return Promise.resolve([])
  return statusPage(ctx, null, page, PAGE_OPTIONS, [
    hasTag(name),
    publicStatusSql('listed'),
    sql`not exists (select 1 from accounts sa where sa.id = ${statuses.accountId} and sa.silenced_at is not null)`,
  ])
}

/** One post by id, if the pages may show it; anything else is a 404. */
export async function findPublicStatus(ctx: Ctx, id: string): Promise<StatusRow> {
  if (!isId(id)) throw new NotFoundError()
  const [row] = await ctx.db.select().from(statuses)
    .where(and(eq(statuses.id, id), publicStatusSql('linked'))).limit(1)
  if (!row) throw new NotFoundError()
  return row
}

/** The post's thread as an anonymous reader sees it, less the posts the pages may not show. */
export async function publicThread(ctx: Ctx, status: StatusRow): Promise<{ ancestors: StatusRow[]; descendants: StatusRow[] }> {
  const context = await getStatusContext(ctx, null, status.id)
  const ids = [...context.ancestors, ...context.descendants].map((s) => s.id)
  if (!ids.length) return context
  const shown = new Set((await ctx.db.select({ id: statuses.id }).from(statuses)
    .where(and(inArray(statuses.id, ids), publicStatusSql('linked')))).map((r) => r.id))
  return {
    ancestors: context.ancestors.filter((s) => shown.has(s.id)),
    descendants: context.descendants.filter((s) => shown.has(s.id)),
  }
}
