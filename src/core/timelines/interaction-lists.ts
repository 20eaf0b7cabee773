import { and, eq, getTableColumns, type SQL } from 'drizzle-orm'
import { accounts, bookmarks, favourites, statuses, type AccountRow, type StatusRow } from '../../db/schema'
import { listedAccountSql } from '../accounts/queries'
import { getOwnFolder } from '../bookmarks/folders'
import type { Ctx } from '../context'
import { isGiven } from '../params'
import { ForbiddenError } from '../errors'
import type { Viewer } from '../oauth/authenticate'
import { getVisibleStatus, visibleWithReblogSql } from '../visibility'
import { keyedPage, keyset, type KeyedPage, type Page } from './page'
import { notHiddenByViewerSql } from './viewer-filters'

type Interaction = typeof favourites | typeof bookmarks

/** The statuses an account favourited or bookmarked, most recent action first; only those the viewer may see. */
async function statusesBy(ctx: Ctx, table: Interaction, ownerId: string, viewerAccountId: string | null, page: Page, extra?: SQL): Promise<KeyedPage<StatusRow>> {
  const k = keyset(table.id, page)
  const rows = await ctx.db.select({ key: table.id, item: getTableColumns(statuses) }).from(table)
    .innerJoin(statuses, eq(statuses.id, table.statusId))
    .where(and(eq(table.accountId, ownerId), extra, ...k.where, visibleWithReblogSql(viewerAccountId), notHiddenByViewerSql(viewerAccountId, { withMuted: true })))
    .orderBy(k.orderBy).limit(page.limit)
  return keyedPage(rows, k.forwards)
}

export const ownFavourites = (ctx: Ctx, accountId: string, page: Page) => statusesBy(ctx, favourites, accountId, accountId, page)
/** The account's bookmarks, or with `folderId` only those filed in that folder of theirs (404 for any other). */
export async function ownBookmarks(ctx: Ctx, accountId: string, page: Page, folderId?: unknown): Promise<KeyedPage<StatusRow>> {
  if (!isGiven(folderId)) return statusesBy(ctx, bookmarks, accountId, accountId, page)
  const folder = await getOwnFolder(ctx, accountId, folderId)
  return statusesBy(ctx, bookmarks, accountId, accountId, page, eq(bookmarks.folderId, folder.id))
}

/** Pleroma's `/api/v1/pleroma/accounts/:id/favourites`: refused when the account hides its favourites from others. */
export async function accountFavourites(ctx: Ctx, account: AccountRow, viewerAccountId: string | null, page: Page): Promise<KeyedPage<StatusRow>> {
  if (account.hideFavorites && account.id !== viewerAccountId) throw new ForbiddenError("Can't get favorites")
  return statusesBy(ctx, favourites, account.id, viewerAccountId, page)
}

/** Who favourited a status the viewer may see, newest first. */
export async function favouritedBy(ctx: Ctx, viewer: Viewer | null, statusId: string, page: Page): Promise<KeyedPage<AccountRow>> {
  const status = await getVisibleStatus(ctx, viewer?.accountId ?? null, statusId)
  const k = keyset(favourites.id, page)
  const rows = await ctx.db.select({ key: favourites.id, item: getTableColumns(accounts) }).from(favourites)
    .innerJoin(accounts, eq(accounts.id, favourites.accountId))
    .where(and(eq(favourites.statusId, status.id), ...k.where, listedAccountSql(viewer)))
    .orderBy(k.orderBy).limit(page.limit)
  return keyedPage(rows, k.forwards)
}

/** Who reblogged a status the viewer may see: only reblogs the viewer may see themselves, newest first. */
export async function rebloggedBy(ctx: Ctx, viewer: Viewer | null, statusId: string, page: Page): Promise<KeyedPage<AccountRow>> {
  const viewerAccountId = viewer?.accountId ?? null
  const status = await getVisibleStatus(ctx, viewerAccountId, statusId)
  const k = keyset(statuses.id, page)
  const rows = await ctx.db.select({ key: statuses.id, item: getTableColumns(accounts) }).from(statuses)
    .innerJoin(accounts, eq(accounts.id, statuses.accountId))
    .where(and(eq(statuses.reblogOfId, status.id), ...k.where, visibleWithReblogSql(viewerAccountId), listedAccountSql(viewer)))
    .orderBy(k.orderBy).limit(page.limit)
  return keyedPage(rows, k.forwards)
}
