import { eq, sql } from 'drizzle-orm'
import { users } from '../../db/schema'
import type { Ctx } from '../context'
import { AppError, ValidationError } from '../errors'
import { revokeUserTokens } from '../oauth/tokens'
import { confirmCurrentPassword } from './current-password'
import { hashPassword } from './passwords'
import { validatePassword } from './validation'

export interface ChangePasswordInput {
  password: unknown
  newPassword: unknown
  newPasswordConfirmation: unknown
}

/**
 * `POST /api/pleroma/change_password`. As in Pleroma, a new password revokes every token of the user, the one used
 * for this request included: clients sign in again.
 */
export async function changePassword(ctx: Ctx, userId: string, input: ChangePasswordInput): Promise<void> {
  await confirmCurrentPassword(ctx, userId, input.password)
  if (input.newPassword !== input.newPasswordConfirmation) throw new ValidationError('New password does not match confirmation.')
  let password: string
  try {
    password = validatePassword(input.newPassword)
  } catch (e) {
    if (!(e instanceof AppError)) throw e
    throw new ValidationError(`${e.message.replace(/^Validation failed: Password/, 'New password')}.`)
  }
  const passwordHash = await hashPassword(password)
  await ctx.db.transaction(async (tx) => {
    await tx.update(users).set({ passwordHash, passwordResetPending: false, updatedAt: sql`now()` as unknown as Date }).where(eq(users.id, userId))
    await revokeUserTokens(ctx, userId, tx)
  })
}
