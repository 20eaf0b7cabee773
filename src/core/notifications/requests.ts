import { and, count, eq, inArray, not, sql } from 'drizzle-orm'
import type { DbLike } from '../../db/client'
import { notificationPermissions, notificationRequests, notifications, type NotificationRequestRow } from '../../db/schema'
import { uuidParam } from '../../db/sql'
import type { Ctx } from '../context'
import { NotFoundError, ValidationError } from '../errors'
import { isId } from '../ids'
import { hiddenAuthorsSql } from '../relationships/filters'
import { keyset, newestFirst, type Page } from '../timelines/page'
import { MAX_IDS_PER_REQUEST } from './actions'
import { groupKeyFor } from './notify'
import { hiddenFromViewerSql } from './rules'

/** Requests the viewer does not see: from accounts they block, or suspended or deleted ones. */
function visibleRequestSql(viewerAccountId: string) {
  const sender = sql`${notificationRequests.fromAccountId}`
  return not(sql`(${hiddenAuthorsSql(viewerAccountId, sender, { withMuted: true })}
    or exists (select 1 from blocks rb where rb.account_id = ${sender} and rb.target_account_id = ${uuidParam(viewerAccountId)})
    or exists (select 1 from accounts ra where ra.id = ${sender} and (ra.suspended_at is not null or ra.deleted_at is not null)))`)
}

/** `GET /api/v1/notifications/requests`: the viewer's pending requests, newest first. */
export async function listNotificationRequests(ctx: Ctx, viewerAccountId: string, page: Page): Promise<NotificationRequestRow[]> {
  const k = keyset(notificationRequests.id, page)
  const rows = await ctx.db.select().from(notificationRequests)
    .where(and(eq(notificationRequests.accountId, viewerAccountId), visibleRequestSql(viewerAccountId), ...k.where))
    .orderBy(k.orderBy).limit(page.limit)
  return newestFirst(rows, k.forwards)
}

/** One of the viewer's requests; another's, an unknown or a malformed id is 404. */
export async function getNotificationRequest(ctx: Ctx, viewerAccountId: string, id: string): Promise<NotificationRequestRow> {
  if (!isId(id)) throw new NotFoundError()
  const [row] = await ctx.db.select().from(notificationRequests)
    .where(and(eq(notificationRequests.id, id), eq(notificationRequests.accountId, viewerAccountId), visibleRequestSql(viewerAccountId))).limit(1)
  if (!row) throw new NotFoundError()
  return row
}

/**
 * Lets a request's notifications through: they join the viewer's notifications (grouped as when they came), the
 * sender's later ones are never filtered, and the request is gone.
 */
async function acceptRequest(tx: DbLike, request: NotificationRequestRow): Promise<void> {
  await tx.insert(notificationPermissions).values({ accountId: request.accountId, fromAccountId: request.fromAccountId }).onConflictDoNothing()
  const held = await tx.select({ id: notifications.id, type: notifications.type, statusId: notifications.statusId, createdAt: notifications.createdAt })
    .from(notifications)
    .where(and(eq(notifications.accountId, request.accountId), eq(notifications.fromAccountId, request.fromAccountId), eq(notifications.filtered, true)))
  const byKey = new Map<string | null, string[]>()
  for (const n of held) {
    const key = groupKeyFor(n, n.createdAt.getTime())
    byKey.set(key, [...byKey.get(key) ?? [], n.id])
  }
  for (const [groupKey, ids] of byKey) {
    await tx.update(notifications).set({ filtered: false, groupKey }).where(inArray(notifications.id, ids))
  }
  await tx.delete(notificationRequests).where(eq(notificationRequests.id, request.id))
}

/** Drops a request and the notifications it held. */
async function dismissRequest(tx: DbLike, request: NotificationRequestRow): Promise<void> {
  await tx.delete(notifications)
    .where(and(eq(notifications.accountId, request.accountId), eq(notifications.fromAccountId, request.fromAccountId), eq(notifications.filtered, true)))
  await tx.delete(notificationRequests).where(eq(notificationRequests.id, request.id))
}

const ACTIONS = { accept: acceptRequest, dismiss: dismissRequest }

/** `POST /api/v1/notifications/requests/:id/accept` or `/dismiss`. */
export async function resolveNotificationRequest(ctx: Ctx, viewerAccountId: string, id: string, action: keyof typeof ACTIONS): Promise<void> {
  const request = await getNotificationRequest(ctx, viewerAccountId, id)
  await ctx.db.transaction((tx) => ACTIONS[action](tx, request))
}

/** The bulk forms (`id[]`): the viewer's requests among the ids, in one transaction; others are ignored. */
export async function resolveNotificationRequests(ctx: Ctx, viewerAccountId: string, ids: string[], action: keyof typeof ACTIONS): Promise<void> {
  if (!ids.length) throw new ValidationError('Validation failed: id must be given')
  if (ids.length > MAX_IDS_PER_REQUEST) throw new ValidationError(`Validation failed: at most ${MAX_IDS_PER_REQUEST} ids at once`)
  const valid = ids.filter(isId)
  if (!valid.length) return
  await ctx.db.transaction(async (tx) => {
    const requests = await tx.select().from(notificationRequests)
      .where(and(eq(notificationRequests.accountId, viewerAccountId), inArray(notificationRequests.id, valid))).for('update')
    for (const request of requests) await ACTIONS[action](tx, request)
  })
}

/** How many filtered notifications each sender has waiting for the viewer (hidden ones not counted). */
export async function countHeldNotifications(ctx: Ctx, viewerAccountId: string, senderIds: string[]): Promise<Map<string, number>> {
  if (!senderIds.length) return new Map()
  const rows = await ctx.db.select({ from: notifications.fromAccountId, n: count() }).from(notifications)
    .where(and(
      eq(notifications.accountId, viewerAccountId), eq(notifications.filtered, true), inArray(notifications.fromAccountId, senderIds),
      not(hiddenFromViewerSql(viewerAccountId)),
    ))
    .groupBy(notifications.fromAccountId)
  return new Map(rows.map((r) => [r.from, Number(r.n)]))
}
