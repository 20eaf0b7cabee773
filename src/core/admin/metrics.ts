// What `/metrics` reads from the database: job queue states and ages, and the database's own connections.
import { sql } from 'drizzle-orm'
import { resultRows } from '../../db/client'
import type { Ctx } from '../context'

export interface QueueState {
  queue: string
  state: string
  jobs: number
}

export interface QueueFigures {
  states: QueueState[]
  /** seconds the oldest job due to run has waited, per queue with such a job */
  oldestWaitingSeconds: Record<string, number>
}

/** Jobs per queue and state (created, retry, active, completed, cancelled, failed), straight from pg-boss's table. */
export async function queueFigures(ctx: Ctx): Promise<QueueFigures | null> {
  const [present] = resultRows<{ present: boolean }>(await ctx.db.execute(sql`select to_regclass('pgboss.job') is not null as present`))
  if (!present?.present) return null
  const rows = resultRows<{ name: string; state: string; n: number | string; waited: number | string | null }>(await ctx.db.execute(sql`
    select name, state::text as state, count(*)::int as n,
      extract(epoch from now() - min(created_on) filter (where state in ('created', 'retry') and start_after <= now()))::float8 as waited
    from pgboss.job group by name, state order by name, state`))
  const oldestWaitingSeconds: Record<string, number> = {}
  for (const r of rows) {
    if (r.waited === null) continue
    oldestWaitingSeconds[r.name] = Math.max(oldestWaitingSeconds[r.name] ?? 0, Math.max(0, Number(r.waited)))
  }
  return { states: rows.map((r) => ({ queue: r.name, state: r.state, jobs: Number(r.n) })), oldestWaitingSeconds }
}

/** Connections to this database by state, as PostgreSQL sees them (every process, not only this one). */
export async function databaseConnections(ctx: Ctx): Promise<Record<string, number>> {
  const rows = resultRows<{ state: string | null; n: number | string }>(await ctx.db.execute(
    sql`select coalesce(state, 'unknown') as state, count(*)::int as n from pg_stat_activity where datname = current_database() group by 1`,
  ))
  return Object.fromEntries(rows.map((r) => [r.state ?? 'unknown', Number(r.n)]))
}
