import { eq } from 'drizzle-orm'
import { users } from '../../db/schema'
import type { Ctx } from '../context'
import { NotFoundError, ValidationError } from '../errors'
import { parseBool } from '../params'
import { syncPolicyWithStrangers } from './policy'

export type NotificationSettings = typeof users.$inferSelect.notificationSettings

/**
 * Pleroma's `PUT /api/pleroma/notification_settings`. The current keys are `block_from_strangers` (only notifications from
 * accounts one follows) and `hide_notification_contents` (push notifications without the text). Older Pleroma clients send
 * `followers`, `follows`, `non_followers`, `non_follows` and `privacy_option`: `non_follows: false` (nothing from accounts one
 * does not follow) is `block_from_strangers`, `privacy_option` is `hide_notification_contents`; the follower-based switches
 * have no counterpart and are accepted without effect. Unknown keys are ignored; a value that is not a boolean is refused.
 */
export async function updateNotificationSettings(ctx: Ctx, userId: string, input: Record<string, unknown>): Promise<NotificationSettings> {
  const flag = (key: string): boolean | undefined => {
    const value = input[key]
    if (value === undefined) return undefined
    const parsed = parseBool(value)
    if (parsed === undefined) throw new ValidationError(`Validation failed: ${key} must be a boolean`)
    return parsed
  }
  const nonFollows = flag('non_follows')
  const privacyOption = flag('privacy_option')
  for (const ignored of ['followers', 'follows', 'non_followers']) flag(ignored)
  const blockFromStrangers = flag('block_from_strangers') ?? (nonFollows === undefined ? undefined : !nonFollows)
  const hideContents = flag('hide_notification_contents') ?? privacyOption

  return ctx.db.transaction(async (tx) => {
    const [user] = await tx.select({ accountId: users.accountId, settings: users.notificationSettings }).from(users).where(eq(users.id, userId)).for('update')
    if (!user) throw new NotFoundError()
    const settings: NotificationSettings = {
      block_from_strangers: blockFromStrangers ?? user.settings.block_from_strangers ?? false,
      hide_notification_contents: hideContents ?? user.settings.hide_notification_contents ?? false,
    }
    await tx.update(users).set({ notificationSettings: settings, updatedAt: new Date() }).where(eq(users.id, userId))
    if (settings.block_from_strangers !== !!user.settings.block_from_strangers) await syncPolicyWithStrangers(tx, user.accountId)
    return settings
  })
}
