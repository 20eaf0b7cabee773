// Pleroma's moderation log: one row per staff action, written in the transaction of the action itself.
import { and, count, desc, gte, ilike, lte, sql, type SQL } from 'drizzle-orm'
import { escapeLike } from '../../db/sql'
import type { DbLike } from '../../db/client'
import { moderationLog, type ModerationLogRow } from '../../db/schema'
import type { Ctx } from '../context'
import { ValidationError } from '../errors'

export interface StaffMember {
  accountId: string
  username: string
}

/** Who acted: a staff member through the API, or null for the command line (someone with access to the server). */
export type Actor = StaffMember | null

/** A user as the log records it; the nickname is kept as it was when the action happened. */
export interface LoggedUser {
  id: string
  nickname: string
  type: 'user'
}

export function loggedUser(account: { id: string; username: string; domain?: string | null }): LoggedUser {
  return { id: account.id, nickname: account.domain ? `${account.username}@${account.domain}` : account.username, type: 'user' }
}

/** The staff member behind an API request. */
export const actorOf = (viewer: StaffMember): StaffMember => ({ accountId: viewer.accountId, username: viewer.username })

const actorName = (actor: Actor) => (actor ? `@${actor.username}` : 'The command line')
export const nicknamesText = (users: { nickname: string }[]) => users.map((u) => `@${u.nickname}`).join(', ')

/**
 * Records an action. `describe` receives the actor's name ("@admin") and returns the rest of Pleroma's message,
 * e.g. `(who) => `${who} deactivated users: @alice``.
 */
export async function logAction(db: DbLike, actor: Actor, action: string, data: Record<string, unknown>, describe: (who: string) => string): Promise<void> {
  const message = describe(actorName(actor))
  await db.insert(moderationLog).values({
    actorAccountId: actor?.accountId ?? null,
    action,
    data: {
      actor: actor ? { id: actor.accountId, nickname: actor.username, type: 'user' } : null,
      action,
      ...data,
      message,
    },
    message,
  })
}

export interface ModerationLogQuery {
  page?: number
  pageSize?: number
  /** ISO 8601 date-times bounding the entries' time */
  startDate?: string
  endDate?: string
  /** only actions by this account */
  userId?: string
  /** part of the message */
  search?: string
}

function parseDate(value: string, name: string): Date {
  const date = new Date(value)
  if (Number.isNaN(date.getTime())) throw new ValidationError(`Validation failed: ${name} is not a valid date`)
  return date
}

/** Newest first, paged by page number as Pleroma does; `total` counts every matching entry. */
export async function listModerationLog(ctx: Ctx, query: ModerationLogQuery = {}): Promise<{ items: ModerationLogRow[]; total: number }> {
  const page = query.page ?? 1
  const pageSize = query.pageSize ?? 50
  const where: SQL[] = []
  if (query.startDate) where.push(gte(moderationLog.createdAt, parseDate(query.startDate, 'start_date')))
  if (query.endDate) where.push(lte(moderationLog.createdAt, parseDate(query.endDate, 'end_date')))
  if (query.userId) where.push(sql`${moderationLog.data}->'actor'->>'id' = ${query.userId}`)
  if (query.search?.trim()) where.push(ilike(moderationLog.message, `%${escapeLike(query.search.trim())}%`))
  const condition = where.length ? and(...where) : undefined
  const [items, [{ n }]] = await Promise.all([
    ctx.db.select().from(moderationLog).where(condition).orderBy(desc(moderationLog.id)).limit(pageSize).offset((page - 1) * pageSize),
    ctx.db.select({ n: count() }).from(moderationLog).where(condition),
  ])
  return { items, total: Number(n) }
}
