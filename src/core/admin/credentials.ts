// An admin editing someone's profile and login (Pleroma's `PATCH /admin/users/:nickname/credentials`).
import { and, eq, ne, sql } from 'drizzle-orm'
import { users } from '../../db/schema'
import { hashPassword } from '../accounts/passwords'
import { updateCredentials } from '../accounts/update-credentials'
import { validateEmail, validatePassword } from '../accounts/validation'
import type { Ctx } from '../context'
import { ValidationError } from '../errors'
import { revokeUserTokens } from '../oauth/tokens'
import { logAction, loggedUser, type Actor } from './moderation-log'
import { findLocalUser, type LocalUser } from './users'

/** Pleroma's admin parameter names and the profile settings they change (by their update_credentials names). */
const RENAMED: Record<string, string> = {
  name: 'display_name',
  bio: 'note',
  is_locked: 'locked',
  locked: 'locked',
  is_discoverable: 'discoverable',
  fields: 'fields_attributes',
}
const SAME = [
  'no_rich_text', 'default_scope', 'hide_follows', 'hide_followers', 'hide_followers_count', 'hide_follows_count', 'hide_favorites',
  'allow_following_move', 'show_role', 'skip_thread_containment', 'actor_type', 'accepts_chat_messages',
]

/**
 * Changes a local user's profile settings, e-mail address and password. A new password signs the user out
 * everywhere; unlike Pleroma it is not also marked for reset, so the user can log in with what the admin handed over
 * (`force_password_reset` exists for the other case). Everything is checked before anything changes.
 */
export async function updateUserAsAdmin(ctx: Ctx, handleOrId: string, input: Record<string, unknown>, actor: Actor = null): Promise<LocalUser> {
  const target = await findLocalUser(ctx, handleOrId)
  const email = input.email !== undefined && input.email !== null && input.email !== '' ? validateEmail(input.email) : undefined
  const passwordHash = input.password !== undefined && input.password !== null && input.password !== '' ? await hashPassword(validatePassword(input.password)) : undefined
  if (email && email.toLowerCase() !== target.user.email.toLowerCase()) {
    const [taken] = await ctx.db.select({ id: users.id }).from(users).where(and(eq(users.email, email), ne(users.id, target.user.id))).limit(1)
    if (taken) throw new ValidationError('Validation failed: Email has already been taken', { details: { email: [{ error: 'ERR_TAKEN', description: 'has already been taken' }] } })
  }
  const profile: Record<string, unknown> = {}
  for (const [from, to] of Object.entries(RENAMED)) if (input[from] !== undefined) profile[to] = input[from]
  for (const key of SAME) if (input[key] !== undefined) profile[key] = input[key]
  if (Object.keys(profile).length) {
    await updateCredentials(ctx, {
      tokenId: null, appId: null, scopes: [], isAdmin: target.user.isAdmin, isModerator: target.user.isModerator,
      userId: target.user.id, accountId: target.account.id, username: target.account.username,
    }, profile)
  }
  return ctx.db.transaction(async (tx) => {
    if (email || passwordHash) {
      await tx.update(users).set({
        ...(email ? { email } : {}),
        ...(passwordHash ? { passwordHash, passwordResetPending: false } : {}),
        updatedAt: sql`now()` as unknown as Date,
      }).where(eq(users.id, target.user.id))
      if (passwordHash) await revokeUserTokens(ctx, target.user.id, tx)
    }
    const subject = [loggedUser(target.account)]
    await logAction(tx, actor, 'updated_users', { subject, fields: Object.keys(input).filter((k) => k !== 'password') },
      (who) => `${who} updated users: @${subject[0].nickname}`)
    return findLocalUser(ctx, target.account.id, tx)
  })
}
