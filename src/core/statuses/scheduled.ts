import { and, count, eq, gte, inArray, lt, lte, ne, sql } from 'drizzle-orm'
import type { DbLike } from '../../db/client'
import { mediaAttachments, scheduledStatuses, type MediaAttachmentRow } from '../../db/schema'
import type { Ctx } from '../context'
import { NotFoundError, ValidationError } from '../errors'
import { isId } from '../ids'
import { keyset, newestFirst, type Page } from '../timelines/page'
import type { PostStatusParams } from './params'
import { postStatus, validatePostStatus, type Poster } from './post-status'

export type ScheduledStatusRow = typeof scheduledStatuses.$inferSelect

export const SCHEDULED_STATUS_QUEUE = 'statuses.scheduled'
/** Mastodon's rules: at least five minutes ahead, at most 300 pending and 25 on one (UTC) day. */
export const MIN_SCHEDULE_AHEAD_MS = 5 * 60 * 1000
export const MAX_SCHEDULED_TOTAL = 300
export const MAX_SCHEDULED_PER_DAY = 25

async function validateSchedule(tx: DbLike, accountId: string, scheduledAt: Date, ignoreId?: string) {
  if (scheduledAt.getTime() < Date.now() + MIN_SCHEDULE_AHEAD_MS) {
    throw new ValidationError('Validation failed: Scheduled at The scheduled date must be in the future')
  }
  const others = ignoreId ? ne(scheduledStatuses.id, ignoreId) : sql`true`
  const [{ total }] = await tx.select({ total: count() }).from(scheduledStatuses).where(and(eq(scheduledStatuses.accountId, accountId), others))
  if (total >= MAX_SCHEDULED_TOTAL) throw new ValidationError('Validation failed: You have exceeded the limit of scheduled posts')
  const day = new Date(Date.UTC(scheduledAt.getUTCFullYear(), scheduledAt.getUTCMonth(), scheduledAt.getUTCDate()))
  const next = new Date(day.getTime() + 86_400_000)
  const [{ sameDay }] = await tx.select({ sameDay: count() }).from(scheduledStatuses)
    .where(and(eq(scheduledStatuses.accountId, accountId), gte(scheduledStatuses.scheduledAt, day), lt(scheduledStatuses.scheduledAt, next), others))
  if (sameDay >= MAX_SCHEDULED_PER_DAY) throw new ValidationError('Validation failed: You have exceeded the limit of scheduled posts for that day')
}

/** Serializes scheduling per account, so concurrent requests cannot pass the limits together. */
const lockAccount = (tx: DbLike, accountId: string) => tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`scheduled:${accountId}`}))`)

async function enqueue(ctx: Ctx, tx: DbLike, row: ScheduledStatusRow) {
  const delay = Math.max(0, Math.ceil((row.scheduledAt.getTime() - Date.now()) / 1000))
  await ctx.jobs?.send(SCHEDULED_STATUS_QUEUE, { id: row.id }, { within: tx, startAfterSeconds: delay })
}

/**
 * Schedules a status: the parameters are validated as if posting now (so a bad one is refused today, not lost later)
 * and kept; its media are reserved so pruning leaves them alone.
 */
export async function scheduleStatus(ctx: Ctx, poster: Poster, params: PostStatusParams, scheduledAt: Date): Promise<ScheduledStatusRow> {
  const { visibility } = await validatePostStatus(ctx, poster, params)
  // The visibility is fixed now, as it would be when posting now; later changes of the default do not apply.
  if (!params.visibility) params = { ...params, visibility }
  return ctx.db.transaction(async (tx) => {
    await lockAccount(tx, poster.accountId)
    await validateSchedule(tx, poster.accountId, scheduledAt)
    const [row] = await tx.insert(scheduledStatuses).values({
      accountId: poster.accountId,
      appId: poster.appId ?? null,
      scheduledAt,
      params: params as Record<string, unknown>,
    }).returning()
    await reserveMedia(tx, poster.accountId, row.id, params.mediaIds ?? [])
    await enqueue(ctx, tx, row)
    return row
  })
}

async function reserveMedia(tx: DbLike, accountId: string, scheduledId: string | null, mediaIds: string[]) {
  const ids = mediaIds.filter(isId)
  if (!ids.length) return
  await tx.update(mediaAttachments).set({ scheduledStatusId: scheduledId })
    .where(and(eq(mediaAttachments.accountId, accountId), inArray(mediaAttachments.id, ids)))
}

export async function getScheduledStatus(ctx: Ctx, accountId: string, id: string): Promise<ScheduledStatusRow> {
  if (!isId(id)) throw new NotFoundError()
  const [row] = await ctx.db.select().from(scheduledStatuses).where(and(eq(scheduledStatuses.id, id), eq(scheduledStatuses.accountId, accountId))).limit(1)
  if (!row) throw new NotFoundError()
  return row
}

export async function listScheduledStatuses(ctx: Ctx, accountId: string, page: Page): Promise<ScheduledStatusRow[]> {
  const k = keyset(scheduledStatuses.id, page)
  const rows = await ctx.db.select().from(scheduledStatuses).where(and(eq(scheduledStatuses.accountId, accountId), ...k.where))
    .orderBy(k.orderBy).limit(page.limit)
  return newestFirst(rows, k.forwards)
}

/** Moves a scheduled status to another time (the only change Mastodon allows). */
export async function rescheduleStatus(ctx: Ctx, accountId: string, id: string, scheduledAt: Date | null): Promise<ScheduledStatusRow> {
  const current = await getScheduledStatus(ctx, accountId, id)
  if (!scheduledAt) return current
  return ctx.db.transaction(async (tx) => {
    await lockAccount(tx, accountId)
    await validateSchedule(tx, accountId, scheduledAt, current.id)
    const [row] = await tx.update(scheduledStatuses).set({ scheduledAt }).where(eq(scheduledStatuses.id, current.id)).returning()
    if (!row) throw new NotFoundError()
    await enqueue(ctx, tx, row)
    return row
  })
}

export async function cancelScheduledStatus(ctx: Ctx, accountId: string, id: string): Promise<void> {
  const current = await getScheduledStatus(ctx, accountId, id)
  await ctx.db.transaction(async (tx) => {
    await tx.update(mediaAttachments).set({ scheduledStatusId: null }).where(eq(mediaAttachments.scheduledStatusId, current.id))
    await tx.delete(scheduledStatuses).where(eq(scheduledStatuses.id, current.id))
  })
}

export interface PublishOutcome {
  published: string[]
  /** scheduled ids that could no longer be posted (e.g. the replied-to status is gone), with why */
  dropped: { id: string; error: string }[]
}

/**
 * Posts the due scheduled statuses (all of them, or just `onlyId`). Each one is claimed with `skip locked` and
 * removed in the same transaction that posts it, so concurrent runs and retries post it exactly once.
 */
export async function publishDueScheduledStatuses(ctx: Ctx, opts: { onlyId?: string; now?: Date; batch?: number } = {}): Promise<PublishOutcome> {
  const outcome: PublishOutcome = { published: [], dropped: [] }
  const now = opts.now ?? new Date()
  for (;;) {
    const claimed = await ctx.db.transaction(async (tx) => {
      const [row] = await tx.select().from(scheduledStatuses)
        .where(and(lte(scheduledStatuses.scheduledAt, now), opts.onlyId ? eq(scheduledStatuses.id, opts.onlyId) : sql`true`))
        .orderBy(scheduledStatuses.scheduledAt).limit(1).for('update', { skipLocked: true })
      if (!row) return null
      await tx.delete(scheduledStatuses).where(eq(scheduledStatuses.id, row.id))
      await tx.update(mediaAttachments).set({ scheduledStatusId: null }).where(eq(mediaAttachments.scheduledStatusId, row.id))
      try {
        await postStatus({ ...ctx, db: tx as unknown as Ctx['db'] }, { accountId: row.accountId, appId: row.appId }, row.params as PostStatusParams)
        outcome.published.push(row.id)
      } catch (e) {
        if (!(e instanceof ValidationError || e instanceof NotFoundError)) throw e
        outcome.dropped.push({ id: row.id, error: e.message })
      }
      return row
    })
    if (!claimed || opts.onlyId) break
  }
  for (const d of outcome.dropped) console.error(`[rookery] scheduled status ${d.id} could not be posted: ${d.error}`)
  return outcome
}

/** The media reserved by each scheduled status, in the order its parameters list them (one query). */
export async function scheduledMedia(ctx: Ctx, rows: ScheduledStatusRow[]): Promise<Map<string, MediaAttachmentRow[]>> {
  const out = new Map<string, MediaAttachmentRow[]>()
  if (!rows.length) return out
  const media = await ctx.db.select().from(mediaAttachments).where(inArray(mediaAttachments.scheduledStatusId, rows.map((r) => r.id)))
  for (const row of rows) {
    const order = ((row.params as PostStatusParams).mediaIds ?? [])
    out.set(row.id, media.filter((m) => m.scheduledStatusId === row.id).sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id)))
  }
  return out
}
