import { and, eq, ne, sql } from 'drizzle-orm'
import { users } from '../../db/schema'
import type { Ctx } from '../context'
import { AppError, ValidationError } from '../errors'
import { confirmCurrentPassword } from './current-password'
import { sendConfirmationEmail } from './email-confirmation'
import { validateEmail } from './validation'

export type ChangeEmailResult = 'changed' | 'confirmation_sent' | 'unchanged'

/**
 * `POST /api/pleroma/change_email`. Where e-mail confirmation is required, the new address only takes over once the
 * link mailed to it is opened (it waits in `unconfirmed_email`); otherwise it changes at once, as in Pleroma.
 */
export async function changeEmail(ctx: Ctx, userId: string, password: unknown, email: unknown): Promise<ChangeEmailResult> {
  const { user } = await confirmCurrentPassword(ctx, userId, password)
  let address: string
  try {
    address = validateEmail(email)
  } catch (e) {
    if (!(e instanceof AppError)) throw e
    throw new ValidationError(`${e.message.replace(/^Validation failed: /, '')}.`)
  }
  if (address.toLowerCase() === user.email.toLowerCase()) {
    if (user.unconfirmedEmail) await ctx.db.update(users).set({ unconfirmedEmail: null }).where(eq(users.id, userId))
    return 'unchanged'
  }
  const [taken] = await ctx.db.select({ id: users.id }).from(users).where(and(eq(users.email, address), ne(users.id, userId))).limit(1)
  if (taken) throw new ValidationError('Email has already been taken.')
  if (ctx.config.accountActivationRequired) {
    await ctx.db.update(users).set({ unconfirmedEmail: address, updatedAt: sql`now()` as unknown as Date }).where(eq(users.id, userId))
    await sendConfirmationEmail(ctx, user, { newEmail: address })
    return 'confirmation_sent'
  }
  await ctx.db.update(users).set({ email: address, unconfirmedEmail: null, updatedAt: sql`now()` as unknown as Date }).where(eq(users.id, userId))
  return 'changed'
}
