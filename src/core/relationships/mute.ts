import { and, eq, isNotNull, lte, sql } from 'drizzle-orm'
import type { DbLike } from '../../db/client'
import { mutes, type AccountRow } from '../../db/schema'
import type { Ctx } from '../context'
import { ValidationError } from '../errors'
import { parseBool } from '../params'
import { assertNotSelf } from './target'

export interface MuteOptions {
  /** also hide the account's notifications (default true) */
  notifications: boolean
  /** seconds until the mute ends by itself; null for good */
  durationSeconds: number | null
}

/** The longest mute with an end: Mastodon offers up to a week in its UI; a year keeps dates sane. */
const MAX_DURATION_SECONDS = 365 * 86_400

/** Mastodon's `notifications` and `duration`, and Pleroma's `expires_in` (same meaning); 0 means for good. */
export function readMuteOptions(input: Record<string, unknown>): MuteOptions {
  const raw = input.duration ?? input.expires_in
  let durationSeconds: number | null = null
  if (raw !== undefined && raw !== null && raw !== '') {
    const n = Number(raw)
    if (!Number.isInteger(n) || n < 0 || n > MAX_DURATION_SECONDS) {
      throw new ValidationError(`Validation failed: duration must be a whole number of seconds from 0 to ${MAX_DURATION_SECONDS}`)
    }
    durationSeconds = n || null
  }
  return { notifications: parseBool(input.notifications) ?? true, durationSeconds }
}

/** Mutes an account, or changes an existing mute's options; an expired mute is renewed. */
export async function muteAccount(ctx: Ctx, actorId: string, target: AccountRow, options: MuteOptions): Promise<void> {
  assertNotSelf(actorId, target, 'Can not mute yourself')
  const expiresAt = options.durationSeconds ? new Date(Date.now() + options.durationSeconds * 1000) : null
  await ctx.db.insert(mutes)
    .values({ accountId: actorId, targetAccountId: target.id, hideNotifications: options.notifications, expiresAt })
    .onConflictDoUpdate({ target: [mutes.accountId, mutes.targetAccountId], set: { hideNotifications: options.notifications, expiresAt } })
}

export async function unmuteAccount(ctx: Ctx, actorId: string, target: AccountRow): Promise<void> {
  await ctx.db.delete(mutes).where(and(eq(mutes.accountId, actorId), eq(mutes.targetAccountId, target.id)))
}

/** A mute counts only until it expires; reads check this, the maintenance job deletes the rest. */
export const activeMuteSql = (alias = 'mutes') => sql.raw(`("${alias}".expires_at is null or "${alias}".expires_at > now())`)

/** Deletes mutes whose time ran out; returns how many. */
export async function purgeExpiredMutes(db: DbLike): Promise<number> {
  const gone = await db.delete(mutes).where(and(isNotNull(mutes.expiresAt), lte(mutes.expiresAt, sql`now()`))).returning({ id: mutes.id })
  return gone.length
}
