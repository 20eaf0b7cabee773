import { and, count, eq, inArray, not, sql, type SQL } from 'drizzle-orm'
import { accounts, notifications, type NotificationRow, type NotificationType, type StatusVisibility } from '../../db/schema'
import type { Ctx } from '../context'
import { NotFoundError } from '../errors'
import { isId } from '../ids'
import { parseBool, parseStringArray } from '../params'
import { keyset, newestFirst, type Page } from '../timelines/page'
import { hiddenFromViewerSql } from './rules'

export const NOTIFICATION_TYPES: readonly NotificationType[] = [
  'mention', 'status', 'reblog', 'favourite', 'follow', 'follow_request', 'poll', 'update', 'move',
  'pleroma:emoji_reaction', 'pleroma:report', 'pleroma:chat_mention', 'admin.sign_up', 'admin.report',
]

/** Pleroma: report and chat notifications come only when asked for by type. */
const NOT_BY_DEFAULT: NotificationType[] = ['pleroma:report', 'pleroma:chat_mention']

/** The filters `GET /api/v1/notifications` (and the unread count) understand. */
export interface NotificationFilter {
  /** `types[]` and Pleroma's `include_types[]`: only these (empty: every type shown by default) */
  types: string[]
  excludeTypes: string[]
  excludeVisibilities: StatusVisibility[]
  /** only from this account */
  accountId: string | null
  /** Pleroma: include notifications from muted accounts */
  withMuted: boolean
  /** Mastodon: include notifications the policy filtered */
  includeFiltered: boolean
}

/** Mastodon knows four visibilities; excluding one also excludes what Rookery shows as it (local as public, list as private). */
const VISIBILITY_GROUPS: Record<string, StatusVisibility[]> = {
  public: ['public', 'local'], unlisted: ['unlisted'], private: ['private', 'list'], direct: ['direct'], local: ['local'], list: ['list'],
}

export function readNotificationFilter(input: Record<string, unknown>): NotificationFilter {
  const accountId = input.account_id === undefined || input.account_id === '' ? null : String(input.account_id)
  return {
    types: [...parseStringArray(input.types), ...parseStringArray(input.include_types)],
    excludeTypes: parseStringArray(input.exclude_types),
    excludeVisibilities: [...new Set(parseStringArray(input.exclude_visibilities).flatMap((v) => VISIBILITY_GROUPS[v] ?? []))],
    accountId,
    withMuted: parseBool(input.with_muted) ?? false,
    includeFiltered: parseBool(input.include_filtered) ?? false,
  }
}

/** An `account_id` filter must name an existing account (Pleroma answers 404 otherwise). */
export async function checkAccountFilter(ctx: Ctx, filter: NotificationFilter) {
  if (!filter.accountId) return
  if (!isId(filter.accountId)) throw new NotFoundError('Account is not found')
  const [found] = await ctx.db.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, filter.accountId)).limit(1)
  if (!found) throw new NotFoundError('Account is not found')
}

export function filterConditions(viewerAccountId: string, filter: NotificationFilter): SQL[] {
  const where: SQL[] = [
    eq(notifications.accountId, viewerAccountId),
    not(hiddenFromViewerSql(viewerAccountId, { withMuted: filter.withMuted })),
  ]
  if (!filter.includeFiltered) where.push(eq(notifications.filtered, false))
  const types = filter.types.filter((t) => NOTIFICATION_TYPES.includes(t as NotificationType))
  if (filter.types.length) where.push(types.length ? inArray(notifications.type, types as NotificationType[]) : sql`false`)
  else where.push(not(inArray(notifications.type, NOT_BY_DEFAULT)))
  const excluded = filter.excludeTypes.filter((t) => NOTIFICATION_TYPES.includes(t as NotificationType))
  if (excluded.length) where.push(not(inArray(notifications.type, excluded as NotificationType[])))
  if (filter.accountId) where.push(eq(notifications.fromAccountId, filter.accountId))
  if (filter.excludeVisibilities.length) {
    where.push(sql`not exists (select 1 from statuses xs where xs.id = ${notifications.statusId} and xs.visibility in ${filter.excludeVisibilities})`)
  }
  return where
}

/** One page of the viewer's notifications, newest first, without the hidden ones (see `hiddenFromViewerSql`). */
export async function listNotifications(ctx: Ctx, viewerAccountId: string, page: Page, filter: NotificationFilter): Promise<NotificationRow[]> {
  await checkAccountFilter(ctx, filter)
  const k = keyset(notifications.id, page)
  const rows = await ctx.db.select().from(notifications)
    .where(and(...filterConditions(viewerAccountId, filter), ...k.where))
    .orderBy(k.orderBy).limit(page.limit)
  return newestFirst(rows, k.forwards)
}

export const NO_FILTER: NotificationFilter = {
  types: [], excludeTypes: [], excludeVisibilities: [], accountId: null, withMuted: false, includeFiltered: false,
}

/** One of the viewer's own notifications, if the viewer may still see it; 404 otherwise. */
/** A notification's integer position (v2 ids, Web Push's `notification_id`): all digits, shorter than a flake id. */
const SEQ_ID = /^[0-9]{1,17}$/

/** One of the viewer's notifications, by its id or by its integer position, as mobile clients open a push with. */
export async function getNotification(ctx: Ctx, viewerAccountId: string, id: string): Promise<NotificationRow> {
  const bySeq = SEQ_ID.test(id)
  if (!bySeq && !isId(id)) throw new NotFoundError()
  const [row] = await ctx.db.select().from(notifications).where(and(
    bySeq ? eq(notifications.seq, Number(id)) : eq(notifications.id, id),
    eq(notifications.accountId, viewerAccountId),
    not(hiddenFromViewerSql(viewerAccountId)),
  )).limit(1)
  if (!row) throw new NotFoundError()
  return row
}

/** Rows by id (the viewer's own, still visible), in the order given. */
export async function getNotificationsByIds(ctx: Ctx, viewerAccountId: string, ids: string[]): Promise<NotificationRow[]> {
  const valid = ids.filter(isId)
  if (!valid.length) return []
  const rows = await ctx.db.select().from(notifications).where(and(
    inArray(notifications.id, valid),
    eq(notifications.accountId, viewerAccountId),
    not(hiddenFromViewerSql(viewerAccountId)),
  ))
  const byId = new Map(rows.map((r) => [r.id, r]))
  return valid.map((id) => byId.get(id)).filter((r): r is NotificationRow => !!r)
}

/** How many notifications the viewer has not seen yet, among those the filter shows, counting up to `limit`. */
export async function countUnseenNotifications(ctx: Ctx, viewerAccountId: string, filter: NotificationFilter = NO_FILTER, limit?: number): Promise<number> {
  await checkAccountFilter(ctx, filter)
  const unseen = ctx.db.select({ id: notifications.id }).from(notifications)
    .where(and(...filterConditions(viewerAccountId, filter), eq(notifications.seen, false)))
  const [{ n }] = await ctx.db.select({ n: count() }).from((limit ? unseen.limit(limit) : unseen).as('unseen'))
  return Number(n)
}
