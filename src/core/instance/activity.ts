import { sql, type SQL } from 'drizzle-orm'
import { resultRows } from '../../db/client'
import type { Ctx } from '../context'

export interface ActivityWeek {
  /** Monday 00:00 UTC that starts the week */
  weekStart: Date
  /** local statuses written that week (reblogs excluded) */
  statuses: number
  /** distinct local users who signed in that week */
  logins: number
  /** local users created that week */
  registrations: number
}

const WEEK_MS = 7 * 24 * 60 * 60 * 1000

/** Monday 00:00 UTC of the week holding `at` (weeks start on Monday, as Postgres' `date_trunc('week')`). */
export function weekStart(at: Date): Date {
  const day = (at.getUTCDay() + 6) % 7
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() - day))
}

const weekOf = (column: SQL) => sql`extract(epoch from date_trunc('week', ${column} at time zone 'UTC'))::bigint`

async function countByWeek(ctx: Ctx, query: SQL): Promise<Map<number, number>> {
  const rows = resultRows<{ week: string | number; n: string | number }>(await ctx.db.execute(query))
  return new Map(rows.map((r) => [Number(r.week) * 1000, Number(r.n)]))
}

/**
 * Mastodon's `instance/activity`: the last `weeks` weeks, newest first, the current (partial) one included.
 * A login is a sign-in (a token issued to the user) or a recorded `last_sign_in_at`; each user counts once a week.
 */
export async function weeklyActivity(ctx: Ctx, opts: { weeks?: number; now?: Date } = {}): Promise<ActivityWeek[]> {
  const weeks = opts.weeks ?? 12
  const current = weekStart(opts.now ?? new Date())
  const since = new Date(current.getTime() - (weeks - 1) * WEEK_MS)
  const sinceIso = since.toISOString()

  const statuses = await countByWeek(ctx, sql`
    select ${weekOf(sql`created_at`)} as week, count(*) as n from statuses
    where local and reblog_of_id is null and created_at >= ${sinceIso}::timestamptz
    group by 1`)
  const logins = await countByWeek(ctx, sql`
    select week, count(distinct user_id) as n from (
      select user_id, ${weekOf(sql`created_at`)} as week from oauth_tokens
      where user_id is not null and created_at >= ${sinceIso}::timestamptz
      union all
      select id, ${weekOf(sql`last_sign_in_at`)} from users where last_sign_in_at >= ${sinceIso}::timestamptz
    ) sign_ins group by week`)
  const registrations = await countByWeek(ctx, sql`
    select ${weekOf(sql`created_at`)} as week, count(*) as n from users
    where created_at >= ${sinceIso}::timestamptz
    group by 1`)

  return Array.from({ length: weeks }, (_, i) => {
    const start = current.getTime() - i * WEEK_MS
    return {
      weekStart: new Date(start),
      statuses: statuses.get(start) ?? 0,
      logins: logins.get(start) ?? 0,
      registrations: registrations.get(start) ?? 0,
    }
  })
}
