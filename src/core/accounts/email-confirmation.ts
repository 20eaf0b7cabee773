import { and, eq, isNull, ne, sql } from 'drizzle-orm'
import { users, type UserRow } from '../../db/schema'
import type { Ctx } from '../context'
import { ForbiddenError, NotFoundError, ValidationError } from '../errors'
import { isId } from '../ids'
import { sendMail } from '../mail'
import { consumeEmailToken, issueEmailToken } from './email-tokens'
import { findUserByEmailOrNickname } from './lookup-user'
import { validateEmail } from './validation'

/** Pleroma's confirmation link: `GET /api/account/confirm_email/:user_id/:token`. */
export const confirmationUrl = (ctx: Ctx, userId: string, token: string) => `${ctx.config.baseUrl}/api/account/confirm_email/${userId}/${token}`

/**
 * Mails a confirmation link: for the account's address (`confirm`), or for a new address that replaces the old one
 * once confirmed (`change_email`).
 */
export async function sendConfirmationEmail(ctx: Ctx, user: Pick<UserRow, 'id' | 'email'>, opts: { newEmail?: string } = {}): Promise<void> {
  const to = opts.newEmail ?? user.email
  const token = await issueEmailToken(ctx.db, user.id, opts.newEmail ? 'change_email' : 'confirm', opts.newEmail ?? null)
  const name = ctx.config.instance.name
  await sendMail(ctx.config, {
    to,
    subject: opts.newEmail ? `Confirm your new e-mail address on ${name}` : `Confirm your e-mail address on ${name}`,
    text: `Open this link to confirm ${to} for your account on ${ctx.config.domain}:\n\n${confirmationUrl(ctx, user.id, token)}\n\n`
      + 'The link works once and expires in two days. If you did not ask for this, ignore this message.\n',
  })
}

/**
 * `POST /api/v1/pleroma/accounts/confirmation_resend` (email or nickname). Sends a new link to an unconfirmed user;
 * says nothing either way, so the answer does not tell which addresses have accounts. The work runs after the
 * answer is sent, for the same reason.
 */
export function resendConfirmation(ctx: Ctx, emailOrNickname: unknown): Promise<void> {
  return runDetached(async () => {
    const found = await findUserByEmailOrNickname(ctx.db, ctx.config.domain, emailOrNickname)
    if (!found || found.user.confirmedAt || !found.user.isActive) return
    await sendConfirmationEmail(ctx, found.user)
  })
}

/**
 * `POST /api/v1/emails/confirmations`: mails a new confirmation link to the user, first switching to `email` when one
 * is given (a typo made at sign-up). Only while the address awaits confirmation, as Mastodon.
 */
export async function resendOwnConfirmation(ctx: Ctx, userId: string, email?: unknown): Promise<void> {
  let [user] = await ctx.db.select().from(users).where(eq(users.id, userId)).limit(1)
  if (!user) throw new NotFoundError()
  if (user.confirmedAt) throw new ForbiddenError('This method is only available while the e-mail is awaiting confirmation')
  if (email !== undefined && email !== null && email !== '') {
    const address = validateEmail(email)
    if (address.toLowerCase() !== user.email.toLowerCase()) {
      const [taken] = await ctx.db.select({ id: users.id }).from(users).where(and(eq(users.email, address), ne(users.id, userId))).limit(1)
      if (taken) throw new ValidationError('Validation failed: Email has already been taken')
      ;[user] = await ctx.db.update(users).set({ email: address, updatedAt: new Date() }).where(eq(users.id, userId)).returning()
    }
  }
  await sendConfirmationEmail(ctx, user)
}

/** Runs mail work without making the caller wait (or fail); the returned promise settles when it is done, for tests. */
export function runDetached(work: () => Promise<void>): Promise<void> {
  return work().catch((e) => console.error('[rookery] e-mail task failed:', e))
}

/**
 * Uses a confirmation link: confirms the account's address, or switches to the new address it was sent to
 * (if nobody took that address meanwhile). Unknown, used and expired links are 404.
 */
export async function confirmEmail(ctx: Ctx, userId: string, token: string): Promise<UserRow> {
  if (!isId(userId)) throw new NotFoundError('Invalid or expired confirmation link')
  return ctx.db.transaction(async (tx) => {
    const used = await consumeEmailToken(tx, token, ['confirm', 'change_email'], userId)
    if (!used) throw new NotFoundError('Invalid or expired confirmation link')
    if (used.kind === 'change_email' && used.email) {
      const [taken] = await tx.select({ id: users.id }).from(users).where(and(eq(users.email, used.email), ne(users.id, userId))).limit(1)
      if (taken) throw new NotFoundError('This e-mail address is already in use')
      const [user] = await tx.update(users).set({
        email: used.email,
        unconfirmedEmail: null,
        confirmedAt: sql`coalesce(${users.confirmedAt}, now())` as unknown as Date,
        updatedAt: sql`now()` as unknown as Date,
      }).where(eq(users.id, userId)).returning()
      return user
    }
    const [user] = await tx.update(users).set({ confirmedAt: sql`now()` as unknown as Date, updatedAt: sql`now()` as unknown as Date })
      .where(and(eq(users.id, userId), isNull(users.confirmedAt))).returning()
    if (user) return user
    const [already] = await tx.select().from(users).where(eq(users.id, userId)).limit(1)
    if (!already) throw new NotFoundError('Invalid or expired confirmation link')
    return already
  })
}
