// Invites as Pleroma's admin API hands them out, and invitations sent by e-mail.
import { validateEmail } from '../accounts/validation'
import type { Ctx } from '../context'
import { ValidationError } from '../errors'
import { createInvite, inviteState, inviteUrl, type InviteRow } from '../invites'
import { sendMail } from '../mail'
import { logAction, type Actor } from './moderation-log'

export type InviteType = 'one_time' | 'reusable' | 'date_limited' | 'reusable_date_limited'

/** Pleroma's kinds of invite: single use or not, with an expiry or not. */
export function inviteType(invite: Pick<InviteRow, 'maxUse' | 'expiresAt'>): InviteType {
  const single = invite.maxUse === 1
  if (invite.expiresAt) return single ? 'date_limited' : 'reusable_date_limited'
  return single ? 'one_time' : 'reusable'
}

/** Used up, for Pleroma: revoked, or no uses left. */
export function inviteUsed(invite: InviteRow): boolean {
  const state = inviteState(invite)
  return state === 'revoked' || state === 'used'
}

/**
 * An expiry as admins write it: a day (`2025-12-31`, valid through the end of that day UTC, as Pleroma's date-limited
 * invites are) or an exact ISO 8601 time.
 */
export function parseInviteExpiry(value: unknown): Date {
  const text = typeof value === 'string' ? value.trim() : ''
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const day = new Date(`${text}T00:00:00Z`)
    if (!Number.isNaN(day.getTime()) && day.toISOString().slice(0, 10) === text) return new Date(day.getTime() + 86_400_000)
  } else if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(text)) {
    const at = new Date(text)
    if (!Number.isNaN(at.getTime())) return at
  }
  throw new ValidationError('Validation failed: expires_at must be a date (2025-12-31) or a date and time (2025-12-31T18:00:00Z)')
}

export interface StaffInviteOptions {
  /** Pleroma's default is a single use */
  maxUse?: number
  expiresAt?: Date | null
}

/** `POST /api/v1/pleroma/admin/users/invite_token`: single use unless `maxUse` says otherwise. */
export async function createStaffInvite(ctx: Ctx, opts: StaffInviteOptions, actor: Actor): Promise<InviteRow> {
  const invite = await createInvite(ctx, { maxUse: opts.maxUse ?? 1, expiresAt: opts.expiresAt ?? null })
  await logAction(ctx.db, actor, 'invite_create', { invite: { id: invite.id, max_use: invite.maxUse } },
    (who) => `${who} created an invite (${inviteType(invite)})`)
  return invite
}

export interface InviteEmail {
  email: string
  /** the invitee's name, for the greeting */
  name?: string
  /** who invites, shown in the message (default: the instance) */
  inviter?: string
}

/**
 * Mails an invite link (over SMTP, or to the server log when none is configured). Returns the address it went to,
 * the link, and whether the mail was handed over. With `onlyOverSmtp` nothing is logged without SMTP (the command
 * line prints the link itself instead).
 */
export async function sendInviteEmail(ctx: Ctx, invite: InviteRow, to: InviteEmail, opts: { onlyOverSmtp?: boolean } = {}): Promise<{ email: string; url: string; delivered: boolean }> {
  const email = validateEmail(to.email)
  const name = to.name?.trim().slice(0, 100)
  const url = inviteUrl(ctx, invite)
  if (opts.onlyOverSmtp && !ctx.config.mail.smtpUrl) return { email, url, delivered: false }
  const instance = ctx.config.instance.name
  const from = to.inviter ? `@${to.inviter}` : `The team of ${instance}`
  const delivered = await sendMail(ctx.config, {
    to: email,
    subject: `Invitation to ${instance}`,
    text: `${name ? `Hello ${name},\n\n` : ''}${from} invites you to join ${instance} (${ctx.config.domain}).\n\n`
      + `Sign up with this link:\n\n${url}\n\n`
      + (invite.expiresAt ? `The link is valid until ${invite.expiresAt.toISOString().replace(/\.\d{3}Z$/, 'Z')}.\n` : ''),
  })
  return { email, url, delivered }
}

/** `POST /api/v1/pleroma/admin/users/email_invite`: a single-use invite, mailed to `email`. */
export async function emailInvite(ctx: Ctx, to: InviteEmail, actor: Actor): Promise<{ invite: InviteRow; email: string; url: string; delivered: boolean }> {
  const email = validateEmail(to.email)
  const invite = await createInvite(ctx, { maxUse: 1 })
  const sent = await sendInviteEmail(ctx, invite, { ...to, email, inviter: to.inviter ?? actor?.username })
  await logAction(ctx.db, actor, 'invite_email', { invite: { id: invite.id }, email }, (who) => `${who} sent an invite to ${email}`)
  return { invite, ...sent }
}
