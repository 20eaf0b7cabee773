import { and, asc, isNotNull, lte } from 'drizzle-orm'
import { statuses } from '../../db/schema'
import type { Ctx } from '../context'
import { removeStatus } from './delete-status'

/**
 * Deletes statuses whose `expires_in` has run out (Pleroma's ActivityExpiration), a batch at a time.
 * Safe to run from several workers at once: each row is deleted (and its counters undone) by exactly one of them.
 */
export async function deleteExpiredStatuses(ctx: Ctx, opts: { now?: Date; batchSize?: number } = {}): Promise<number> {
  const due = await ctx.db.select({ id: statuses.id }).from(statuses)
    .where(and(isNotNull(statuses.expiresAt), lte(statuses.expiresAt, opts.now ?? new Date())))
    .orderBy(asc(statuses.expiresAt)).limit(opts.batchSize ?? 100)
  let deleted = 0
  for (const { id } of due) {
    if (await ctx.db.transaction((tx) => removeStatus(tx, id, ctx))) deleted++
  }
  return deleted
}
