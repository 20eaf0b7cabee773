import { and, eq, getTableColumns, sql } from 'drizzle-orm'
import { accounts, bookmarks, favourites, statuses, type AccountRow, type StatusRow } from '../../db/schema'
import { uuidParam } from '../../db/sql'
import type { Ctx } from '../context'
import { ForbiddenError } from '../errors'
import { getVisibleStatus, visibleWithReblogSql } from '../visibility'
import { keyedPage, keyset, type KeyedPage, type Page } from './page'
import { notHiddenByViewerSql } from './viewer-filters'

type Interaction = typeof favourites | typeof bookmarks

/** The statuses an account favourited or bookmarked, most recent action first; only those the viewer may see. */
async function statusesBy(ctx: Ctx, table: Interaction, ownerId: string, viewerAccountId: string | null, page: Page): Promise<KeyedPage<StatusRow>> {
  const k = keyset(table.id, page)
  const rows = await ctx.db.select({ key: table.id, item: getTableColumns(statuses) }).from(table)
    .innerJoin(statuses, eq(statuses.id, table.statusId))
    .where(and(eq(table.accountId, ownerId), ...k.where, visibleWithReblogSql(viewerAccountId), notHiddenByViewerSql(viewerAccountId, { withMuted: true })))
    .orderBy(k.orderBy).limit(page.limit)
  return keyedPage(rows, k.forwards)
}

export const ownFavourites = (ctx: Ctx, accountId: string, page: Page) => statusesBy(ctx, favourites, accountId, accountId, page)
export const ownBookmarks = (ctx: Ctx, accountId: string, page: Page) => statusesBy(ctx, bookmarks, accountId, accountId, page)

/** Pleroma's `/api/v1/pleroma/accounts/:id/favourites`: refused when the account hides its favourites from others. */
export async function accountFavourites(ctx: Ctx, account: AccountRow, viewerAccountId: string | null, page: Page): Promise<KeyedPage<StatusRow>> {
  if (account.hideFavorites && account.id !== viewerAccountId) throw new ForbiddenError("Can't get favorites")
  return statusesBy(ctx, favourites, account.id, viewerAccountId, page)
}

/** Accounts the viewer is shown: not deleted or suspended, and neither blocking nor blocked by the viewer. */
function shownAccountSql(viewerAccountId: string | null) {
  const alive = sql`${accounts.suspendedAt} is null and ${accounts.deletedAt} is null`
  if (!viewerAccountId) return alive
  const viewer = uuidParam(viewerAccountId)
  return sql`(${alive} and not exists (select 1 from blocks b where (b.account_id = ${viewer} and b.target_account_id = ${accounts.id})
    or (b.account_id = ${accounts.id} and b.target_account_id = ${viewer})))`
}

/** Who favourited a status the viewer may see, newest first. */
export async function favouritedBy(ctx: Ctx, viewerAccountId: string | null, statusId: string, page: Page): Promise<KeyedPage<AccountRow>> {
  const status = await getVisibleStatus(ctx, viewerAccountId, statusId)
  const k = keyset(favourites.id, page)
  const rows = await ctx.db.select({ key: favourites.id, item: getTableColumns(accounts) }).from(favourites)
    .innerJoin(accounts, eq(accounts.id, favourites.accountId))
    .where(and(eq(favourites.statusId, status.id), ...k.where, shownAccountSql(viewerAccountId)))
    .orderBy(k.orderBy).limit(page.limit)
  return keyedPage(rows, k.forwards)
}

/** Who reblogged a status the viewer may see: only reblogs the viewer may see themselves, newest first. */
export async function rebloggedBy(ctx: Ctx, viewerAccountId: string | null, statusId: string, page: Page): Promise<KeyedPage<AccountRow>> {
  const status = await getVisibleStatus(ctx, viewerAccountId, statusId)
  const k = keyset(statuses.id, page)
  const rows = await ctx.db.select({ key: statuses.id, item: getTableColumns(accounts) }).from(statuses)
    .innerJoin(accounts, eq(accounts.id, statuses.accountId))
    .where(and(eq(statuses.reblogOfId, status.id), ...k.where, visibleWithReblogSql(viewerAccountId), shownAccountSql(viewerAccountId)))
    .orderBy(k.orderBy).limit(page.limit)
  return keyedPage(rows, k.forwards)
}
