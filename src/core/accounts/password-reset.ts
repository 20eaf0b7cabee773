import { eq, sql } from 'drizzle-orm'
import { users } from '../../db/schema'
import type { Ctx } from '../context'
import { ValidationError } from '../errors'
import { sendMail } from '../mail'
import { revokeUserTokens } from '../oauth/tokens'
import { runDetached } from './email-confirmation'
import { consumeEmailToken, issueEmailToken, peekEmailToken } from './email-tokens'
import { findUserByEmailOrNickname } from './lookup-user'
import { hashPassword } from './passwords'
import { validatePassword } from './validation'

export const passwordResetUrl = (ctx: Ctx, token: string) => `${ctx.config.baseUrl}/api/v1/pleroma/password_reset/${token}`

/**
 * `POST /auth/password` (email or nickname): mails a reset link to an active local user. The caller answers 204
 * at once, whatever the account, and the lookup and mail run afterwards, so neither the answer nor its timing tells
 * which accounts exist.
 */
export function requestPasswordReset(ctx: Ctx, emailOrNickname: unknown): Promise<void> {
  return runDetached(async () => {
    const found = await findUserByEmailOrNickname(ctx.db, ctx.config.domain, emailOrNickname)
    if (!found || !found.user.isActive) return
    const token = await issueEmailToken(ctx.db, found.user.id, 'password_reset')
    await sendMail(ctx.config, {
      to: found.user.email,
      subject: `Reset your password on ${ctx.config.instance.name}`,
      text: `Someone asked to reset the password of @${found.account.username} on ${ctx.config.domain}. `
        + `To choose a new password, open:\n\n${passwordResetUrl(ctx, token)}\n\n`
        + 'The link works once and expires in six hours. If you did not ask for this, ignore this message: your password stays as it is.\n',
    })
  })
}

/** The account a reset link is for, while the link still works. */
export async function findPasswordReset(ctx: Ctx, token: unknown) {
  const row = await peekEmailToken(ctx.db, token, ['password_reset'])
  return row && row.user.isActive ? { user: row.user, account: row.account } : null
}

/**
 * Sets the new password of a reset link, uses the link up and signs the user out everywhere.
 * Returns false when the link is unknown, used or expired; throws 422 for an unacceptable password.
 */
export async function resetPassword(ctx: Ctx, token: unknown, password: unknown, confirmation: unknown): Promise<boolean> {
  const valid = validatePassword(password)
  if (confirmation !== undefined && confirmation !== valid) throw new ValidationError('Password confirmation does not match')
  if (!(await findPasswordReset(ctx, token))) return false
  const passwordHash = await hashPassword(valid)
  return ctx.db.transaction(async (tx) => {
    const used = await consumeEmailToken(tx, token, ['password_reset'])
    if (!used) return false
    await tx.update(users).set({ passwordHash, passwordResetPending: false, updatedAt: sql`now()` as unknown as Date })
      .where(eq(users.id, used.userId))
    await revokeUserTokens(ctx, used.userId, tx)
    return true
  })
}
