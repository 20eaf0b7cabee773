import { eq, sql } from 'drizzle-orm'
import { users } from '../../db/schema'
import type { Ctx } from '../context'
import { revokeUserTokens } from '../oauth/tokens'
import { confirmCurrentPassword } from './current-password'

/**
 * `POST /api/pleroma/disable_account`: the user deactivates their own account. They are signed out everywhere, the
 * profile is hidden and logins are refused until an admin activates the account again (`rookery user activate`).
 */
export async function disableOwnAccount(ctx: Ctx, userId: string, password: unknown): Promise<void> {
  await confirmCurrentPassword(ctx, userId, password)
  await ctx.db.transaction(async (tx) => {
    await tx.update(users).set({ isActive: false, updatedAt: sql`now()` as unknown as Date }).where(eq(users.id, userId))
    await revokeUserTokens(ctx, userId, tx)
  })
}
