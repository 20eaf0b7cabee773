import { and, eq, inArray, lte } from 'drizzle-orm'
import { notifications, type NotificationRow } from '../../db/schema'
import type { Ctx } from '../context'
import { NotFoundError, ValidationError } from '../errors'
import { isId } from '../ids'
import { syncNotificationsMarker } from '../markers'
import { getNotification, getNotificationsByIds } from './queries'

/** Deletes one of the viewer's notifications; someone else's or an unknown one is 404. */
export async function dismissNotification(ctx: Ctx, accountId: string, id: unknown): Promise<void> {
  if (!isId(id)) throw new NotFoundError()
  const gone = await ctx.db.delete(notifications)
    .where(and(eq(notifications.id, id), eq(notifications.accountId, accountId))).returning({ id: notifications.id })
  if (!gone.length) throw new NotFoundError()
}

/** Deletes every notification of the viewer. */
export async function clearNotifications(ctx: Ctx, accountId: string): Promise<void> {
  await ctx.db.delete(notifications).where(eq(notifications.accountId, accountId))
}

export const MAX_IDS_PER_REQUEST = 100

/** Deletes the viewer's notifications among `ids`; other ids are ignored. */
export async function destroyNotifications(ctx: Ctx, accountId: string, ids: string[]): Promise<void> {
  if (!ids.length) throw new ValidationError('Validation failed: ids must be given')
  if (ids.length > MAX_IDS_PER_REQUEST) throw new ValidationError(`Validation failed: at most ${MAX_IDS_PER_REQUEST} ids at once`)
  const valid = ids.filter(isId)
  if (!valid.length) return
  await ctx.db.delete(notifications).where(and(eq(notifications.accountId, accountId), inArray(notifications.id, valid)))
}

/** Pleroma answers `read` with max_id with at most this many of the notifications it marked. */
const MAX_MARKED_RETURNED = 80

/**
 * Pleroma's `POST /api/v1/pleroma/notifications/read`: with `id`, that notification is marked seen and returned; with
 * `max_id`, every unseen one up to it is, and those (newest first, up to 80) are returned. The notifications marker follows.
 */
export async function markNotificationsRead(ctx: Ctx, accountId: string, by: { id?: unknown; maxId?: unknown }): Promise<NotificationRow[]> {
  if (by.id !== undefined && by.id !== '') {
    const row = await getNotification(ctx, accountId, String(by.id))
    await ctx.db.transaction(async (tx) => {
      await tx.update(notifications).set({ seen: true }).where(eq(notifications.id, row.id))
      await syncNotificationsMarker(tx, accountId)
    })
    return [{ ...row, seen: true }]
  }
  if (by.maxId !== undefined && by.maxId !== '') {
    if (!isId(by.maxId)) throw new ValidationError('Validation failed: max_id is invalid')
    const maxId = by.maxId
    const marked = await ctx.db.transaction(async (tx) => {
      const rows = await tx.update(notifications).set({ seen: true })
        .where(and(eq(notifications.accountId, accountId), eq(notifications.seen, false), lte(notifications.id, maxId)))
        .returning({ id: notifications.id })
      if (rows.length) await syncNotificationsMarker(tx, accountId)
      return rows.map((r) => r.id).sort().reverse()
    })
    return getNotificationsByIds(ctx, accountId, marked.slice(0, MAX_MARKED_RETURNED))
  }
  throw new ValidationError('Validation failed: id or max_id must be given')
}
