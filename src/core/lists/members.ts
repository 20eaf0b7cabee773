import { and, asc, eq, inArray, sql } from 'drizzle-orm'
import type { DbLike } from '../../db/client'
import { accounts, follows, listAccounts, lists, type AccountRow } from '../../db/schema'
import { uuidParam } from '../../db/sql'
import type { Ctx } from '../context'
import { NotFoundError, ValidationError } from '../errors'
import { isId } from '../ids'
import { keyset, newestFirst, type Page } from '../timelines/page'
import { getOwnList, type ListRow } from './lists'
import { listedAccountSql, visibleAccountSql } from '../accounts/queries'
import type { UserViewer } from '../oauth/authenticate'

/** At most this many accounts are added or removed per request. */
export const MAX_MEMBERS_PER_REQUEST = 100

/**
 * A list's members, newest account id first (Mastodon pages list members by account id); `page` null returns them all
 * (`limit=0`). Only accounts the owner may see listed (`listedAccountSql`).
 */
export async function listMembers(ctx: Ctx, owner: UserViewer, listId: string, page: Page | null): Promise<AccountRow[]> {
  const list = await getOwnList(ctx, owner.accountId, listId)
  const base = and(eq(listAccounts.listId, list.id), listedAccountSql(owner))
  const query = ctx.db.select({ account: accounts }).from(listAccounts).innerJoin(accounts, eq(accounts.id, listAccounts.accountId))
  if (!page) return (await query.where(base).orderBy(asc(accounts.id))).map((r) => r.account)
  const k = keyset(accounts.id, page)
  const rows = await query.where(and(base, ...k.where)).orderBy(k.orderBy).limit(page.limit)
  return newestFirst(rows, k.forwards).map((r) => r.account)
}

function readAccountIds(ids: string[]): string[] {
  const unique = [...new Set(ids)]
  if (unique.length > MAX_MEMBERS_PER_REQUEST) {
    throw new ValidationError(`Validation failed: at most ${MAX_MEMBERS_PER_REQUEST} accounts can be given at once`)
  }
  return unique
}

/**
 * Adds accounts to one of the owner's lists, all or none. Each must exist (else 404, as Mastodon's `Account.find`)
 * and be followed by the owner (else 422); the owner may add themselves. Accounts already on the list stay as they are.
 */
export async function addMembers(ctx: Ctx, ownerId: string, listId: string, accountIds: string[]): Promise<void> {
  const list = await getOwnList(ctx, ownerId, listId)
  const ids = readAccountIds(accountIds)
  if (!ids.length) return
  if (!ids.every(isId)) throw new NotFoundError()
  await ctx.db.transaction(async (tx) => {
    const found = await tx.select({ id: accounts.id, followId: follows.id }).from(accounts)
      .leftJoin(follows, and(eq(follows.accountId, ownerId), eq(follows.targetAccountId, accounts.id)))
      .where(and(inArray(accounts.id, ids), visibleAccountSql(null)))
    if (found.length !== ids.length) throw new NotFoundError()
    const notFollowed = found.filter((a) => a.id !== ownerId && !a.followId)
    if (notFollowed.length) throw new ValidationError('Validation failed: Account follow relationship missing')
    await tx.insert(listAccounts).values(ids.map((accountId) => ({ listId: list.id, accountId }))).onConflictDoNothing()
  })
}

/** Removes accounts from one of the owner's lists; ids that are not members are ignored. */
export async function removeMembers(ctx: Ctx, ownerId: string, listId: string, accountIds: string[]): Promise<void> {
  const list = await getOwnList(ctx, ownerId, listId)
  const ids = readAccountIds(accountIds).filter(isId)
  if (!ids.length) return
  await ctx.db.delete(listAccounts).where(and(eq(listAccounts.listId, list.id), inArray(listAccounts.accountId, ids)))
}

/** `GET /api/v1/accounts/:id/lists`: the owner's lists that contain the account, oldest first. */
export async function listsContaining(ctx: Ctx, ownerId: string, accountId: string): Promise<ListRow[]> {
  const rows = await ctx.db.select({ list: lists }).from(lists)
    .innerJoin(listAccounts, and(eq(listAccounts.listId, lists.id), eq(listAccounts.accountId, accountId)))
    .where(eq(lists.accountId, ownerId)).orderBy(asc(lists.id))
  return rows.map((r) => r.list)
}

/**
 * After `ownerId` stops following `targetId` (unfollow, block, removal from followers): the target leaves every list
 * of the owner, as Mastodon ties list memberships to the follow. Call it inside the unfollow's transaction.
 */
export async function removeFromOwnersLists(tx: DbLike, ownerId: string, targetId: string): Promise<void> {
  if (ownerId === targetId) return
  await tx.execute(sql`delete from list_accounts la using lists l
    where l.id = la.list_id and l.account_id = ${uuidParam(ownerId)} and la.account_id = ${uuidParam(targetId)}`)
}
