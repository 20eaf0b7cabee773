import { and, eq, sql } from 'drizzle-orm'
import type { DbLike } from '../../db/client'
import { blocks, notifications, users, type NotificationType } from '../../db/schema'

export interface NotificationInput {
  type: NotificationType
  /** the recipient */
  accountId: string
  /** who caused it */
  fromAccountId: string
  statusId?: string | null
  targetAccountId?: string | null
  reportId?: string | null
  emoji?: string | null
  emojiUrl?: string | null
}

/**
 * Records a notification inside the caller's transaction, if the recipient is a local user who should get it:
 * never to oneself, never from an account the recipient blocks. Returns the new row's id, or null when skipped.
 */
export async function notify(tx: DbLike, n: NotificationInput): Promise<string | null> {
  if (n.accountId === n.fromAccountId) return null
  const [local] = await tx.select({ id: users.id }).from(users).where(eq(users.accountId, n.accountId)).limit(1)
  if (!local) return null
  const [blocked] = await tx.select({ id: blocks.id }).from(blocks)
    .where(and(eq(blocks.accountId, n.accountId), eq(blocks.targetAccountId, n.fromAccountId))).limit(1)
  if (blocked) return null
  const [row] = await tx.insert(notifications).values({
    type: n.type,
    accountId: n.accountId,
    fromAccountId: n.fromAccountId,
    statusId: n.statusId ?? null,
    targetAccountId: n.targetAccountId ?? null,
    reportId: n.reportId ?? null,
    emoji: n.emoji ?? null,
    emojiUrl: n.emojiUrl ?? null,
  }).returning({ id: notifications.id })
  return row.id
}

/** Removes the notifications an undone action caused (unfavourite, unreblog, unfollow, reaction removed...). */
export async function withdrawNotifications(tx: DbLike, where: { type: NotificationType; fromAccountId: string; statusId?: string; accountId?: string; emoji?: string }) {
  await tx.delete(notifications).where(and(
    eq(notifications.type, where.type),
    eq(notifications.fromAccountId, where.fromAccountId),
    where.statusId ? eq(notifications.statusId, where.statusId) : sql`true`,
    where.accountId ? eq(notifications.accountId, where.accountId) : sql`true`,
    where.emoji ? eq(notifications.emoji, where.emoji) : sql`true`,
  ))
}
