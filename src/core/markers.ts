import { and, desc, eq, inArray, sql } from 'drizzle-orm'
import type { DbLike } from '../db/client'
import { markers, notifications } from '../db/schema'
import { uuidParam } from '../db/sql'
import type { Ctx } from './context'
import { ValidationError } from './errors'
import { isId } from './ids'
import { isPlainObject } from './params'
import { upToMarkerSql } from './notifications/groups'
import { countUnseenNotifications } from './notifications/queries'

export const MARKER_TIMELINES = ['home', 'notifications'] as const
export type MarkerTimeline = (typeof MARKER_TIMELINES)[number]

export interface Marker {
  timeline: MarkerTimeline
  lastReadId: string
  version: number
  updatedAt: Date
  /** notifications marker only: the notifications not seen yet (Pleroma) */
  unreadCount?: number
}

const isTimeline = (t: unknown): t is MarkerTimeline => MARKER_TIMELINES.includes(t as MarkerTimeline)

/** The viewer's markers for the timelines asked for (none asked: none returned, as Mastodon). */
export async function getMarkers(ctx: Ctx, accountId: string, timelines: string[]): Promise<Marker[]> {
  const wanted = [...new Set(timelines.filter(isTimeline))]
  if (!wanted.length) return []
  const rows = await ctx.db.select().from(markers).where(and(eq(markers.accountId, accountId), inArray(markers.timeline, wanted)))
  return withUnreadCount(ctx, accountId, rows.map(toMarker))
}

/**
 * `POST /api/v1/markers`: `{home: {last_read_id}, notifications: {last_read_id}}` (form or JSON). Each given timeline's
 * marker is created or moved, its version going up when it changes. Moving the notifications marker marks the
 * notifications up to it seen, as Pleroma does.
 */
export async function setMarkers(ctx: Ctx, accountId: string, input: Record<string, unknown>): Promise<Marker[]> {
  const updates: { timeline: MarkerTimeline; lastReadId: string }[] = []
  for (const timeline of MARKER_TIMELINES) {
    const given = input[timeline]
    if (given === undefined) continue
    const lastReadId = isPlainObject(given) ? given.last_read_id : undefined
    if (typeof lastReadId !== 'string' || !lastReadId) throw new ValidationError(`Validation failed: ${timeline} last_read_id can't be blank`)
    if (!isId(lastReadId)) throw new ValidationError(`Validation failed: ${timeline} last_read_id is invalid`)
    updates.push({ timeline, lastReadId })
  }
  if (!updates.length) return []
  const rows = await ctx.db.transaction(async (tx) => {
    const saved: Marker[] = []
    for (const u of updates) {
      saved.push(await upsertMarker(tx, accountId, u.timeline, u.lastReadId))
      if (u.timeline === 'notifications') {
        await tx.update(notifications).set({ seen: true })
          .where(and(eq(notifications.accountId, accountId), eq(notifications.seen, false), upToMarkerSql(u.lastReadId)))
      }
    }
    return saved
  })
  return withUnreadCount(ctx, accountId, rows)
}

/** Creates or moves one marker; the version goes up only when the position changes. */
async function upsertMarker(tx: DbLike, accountId: string, timeline: MarkerTimeline, lastReadId: string): Promise<Marker> {
  const [row] = await tx.insert(markers).values({ accountId, timeline, lastReadId, version: 0 })
    .onConflictDoUpdate({
      target: [markers.accountId, markers.timeline],
      set: {
        lastReadId: sql`excluded.last_read_id`,
        version: sql`case when ${markers.lastReadId} = excluded.last_read_id then ${markers.version} else ${markers.version} + 1 end`,
        updatedAt: sql`case when ${markers.lastReadId} = excluded.last_read_id then ${markers.updatedAt} else now() end`,
      },
    }).returning()
  return toMarker(row)
}

/**
 * After notifications were marked seen another way (Pleroma's `/notifications/read`), the notifications marker follows
 * to the newest seen one, as Pleroma keeps them in step.
 */
export async function syncNotificationsMarker(tx: DbLike, accountId: string): Promise<void> {
  const [newest] = await tx.select({ id: notifications.id }).from(notifications)
    .where(and(eq(notifications.accountId, accountId), eq(notifications.seen, true)))
    .orderBy(desc(notifications.id)).limit(1)
  if (!newest) return
  await tx.execute(sql`
    insert into markers (account_id, timeline, last_read_id, version) values (${uuidParam(accountId)}, 'notifications', ${newest.id}, 0)
    on conflict (account_id, timeline) do update set last_read_id = excluded.last_read_id, version = markers.version + 1, updated_at = now()
    where markers.last_read_id is distinct from excluded.last_read_id`)
}

function toMarker(row: typeof markers.$inferSelect): Marker {
  return { timeline: row.timeline as MarkerTimeline, lastReadId: row.lastReadId, version: row.version, updatedAt: row.updatedAt }
}

async function withUnreadCount(ctx: Ctx, accountId: string, list: Marker[]): Promise<Marker[]> {
  const notificationsMarker = list.find((m) => m.timeline === 'notifications')
  if (notificationsMarker) notificationsMarker.unreadCount = await countUnseenNotifications(ctx, accountId)
  return list
}
