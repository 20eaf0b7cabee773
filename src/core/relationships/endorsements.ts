import { and, count, eq } from 'drizzle-orm'
import { endorsements, follows, type AccountRow } from '../../db/schema'
import type { Ctx } from '../context'
import { ValidationError } from '../errors'
import { lockPair } from './target'

/** Pleroma's default `max_endorsed_users`. */
export const MAX_ENDORSEMENTS = 20

/** Features a followed account on the actor's profile (Mastodon's endorse, Pleroma's pin). Endorsing again is a no-op. */
export async function endorseAccount(ctx: Ctx, actorId: string, target: AccountRow): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    // one endorsement at a time per account, so the limit holds under concurrent requests
    await lockPair(tx, actorId, actorId)
    const [following] = await tx.select({ id: follows.id }).from(follows)
      .where(and(eq(follows.accountId, actorId), eq(follows.targetAccountId, target.id))).limit(1)
    if (!following) throw new ValidationError('Validation failed: You must be following the account you want to endorse')
    const [already] = await tx.select({ id: endorsements.id }).from(endorsements)
      .where(and(eq(endorsements.accountId, actorId), eq(endorsements.targetAccountId, target.id))).limit(1)
    if (already) return
    const [{ n }] = await tx.select({ n: count() }).from(endorsements).where(eq(endorsements.accountId, actorId))
    if (Number(n) >= MAX_ENDORSEMENTS) throw new ValidationError('Validation failed: You have already pinned the maximum number of users')
    await tx.insert(endorsements).values({ accountId: actorId, targetAccountId: target.id }).onConflictDoNothing()
  })
}

export async function unendorseAccount(ctx: Ctx, actorId: string, target: AccountRow): Promise<void> {
  await ctx.db.delete(endorsements).where(and(eq(endorsements.accountId, actorId), eq(endorsements.targetAccountId, target.id)))
}
