import { and, eq, or, sql } from 'drizzle-orm'
import type { DbLike } from '../../db/client'
import { blocks, type AccountRow } from '../../db/schema'
import { getAccount } from '../accounts/queries'
import type { Ctx } from '../context'
import { BadRequestError, NotFoundError } from '../errors'

/**
 * The account a relationship action is about (by id, or nickname as Pleroma allows): suspended, deleted and
 * not yet approved or deactivated accounts are 404, as they are everywhere else.
 */
export async function relationshipTarget(ctx: Ctx, idOrNickname: string): Promise<AccountRow> {
  const row = await getAccount(ctx, idOrNickname, null)
  if (row.deletedAt) throw new NotFoundError()
  return row
}

/** Refuses an action on one's own account. */
export function assertNotSelf(actorId: string, target: AccountRow, message: string) {
  if (actorId === target.id) throw new BadRequestError(message)
}

/** Which of the two accounts blocks the other: `actor`, `target`, both or neither. */
export async function blockBetween(db: DbLike, actorId: string, targetId: string): Promise<{ actorBlocks: boolean; targetBlocks: boolean }> {
  const rows = await db.select({ accountId: blocks.accountId }).from(blocks).where(or(
    and(eq(blocks.accountId, actorId), eq(blocks.targetAccountId, targetId)),
    and(eq(blocks.accountId, targetId), eq(blocks.targetAccountId, actorId)),
  ))
  return { actorBlocks: rows.some((r) => r.accountId === actorId), targetBlocks: rows.some((r) => r.accountId === targetId) }
}

/** Serialises actions on one pair of accounts, so a follow and a block racing each other end in one consistent state. */
export async function lockPair(tx: DbLike, a: string, b: string) {
  const [first, second] = [a, b].sort()
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`rel:${first}:${second}`}, 0))`)
}
