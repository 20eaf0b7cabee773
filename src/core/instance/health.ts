import { sql } from 'drizzle-orm'
import { isUnavailableError } from '../../db/availability'
import { resultRows } from '../../db/client'
import type { Ctx } from '../context'

export interface Health {
  healthy: boolean
  database: 'postgres' | 'pglite'
  /** why the check failed; never the driver's own message, which may hold host names */
  problem: string | null
  /** since when requests are refused because the database cannot be reached */
  unavailableSince: Date | null
  /** round trip of `select 1`, in milliseconds */
  latencyMs: number | null
  /** connections the pool may open, and ours the server currently sees busy / idle */
  poolSize: number
  active: number
  idle: number
  /** resident memory of this process, in MB */
  memoryUsedMb: number
  uptimeSeconds: number
}

const DEFAULT_TIMEOUT_MS = 3000

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** postgres.js pools are sized at open; PGlite is a single in-process backend. */
function poolSize(ctx: Ctx): number {
  if (ctx.database.kind === 'pglite') return 1
  const client = (ctx.db as unknown as { $client?: { options?: { max?: number } } }).$client
  return client?.options?.max ?? 0
}

/**
 * Liveness of the server and its database (Pleroma's healthcheck): healthy when a `select 1` round trip
 * succeeds within the timeout. The connection counts come from `pg_stat_activity` (our own sessions only).
 */
export async function checkHealth(ctx: Ctx, opts: { timeoutMs?: number } = {}): Promise<Health> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const base = {
    database: ctx.database.kind,
    poolSize: poolSize(ctx),
    memoryUsedMb: Math.round((process.memoryUsage().rss / 1024 / 1024) * 100) / 100,
    uptimeSeconds: Math.floor((Date.now() - ctx.startedAt.getTime()) / 1000),
  }
  const availability = ctx.database.availability
  const unhealthy = (problem: string) => ({ ...base, healthy: false, problem, unavailableSince: availability?.unavailableSince ?? null, latencyMs: null, active: 0, idle: 0 })
  const started = performance.now()
  if (availability && !availability.up) {
    // Known to be down: one shared probe tells whether it is back, without a query of our own queuing for a connection.
    if (!(await availability.probeNow())) return unhealthy('database unavailable')
  } else {
    try {
      await withTimeout(ctx.db.execute(sql`select 1`), timeoutMs)
    } catch (e) {
      const timedOut = (e as Error).message === 'timeout'
      if (timedOut || isUnavailableError(e)) availability?.markDown()
      return unhealthy(timedOut ? `database did not answer within ${timeoutMs} ms` : 'database unavailable')
    }
  }
  const latencyMs = Math.round((performance.now() - started) * 100) / 100
  let active = 0
  let idle = 0
  try {
    const [row] = resultRows<{ active: number; idle: number }>(await withTimeout(ctx.db.execute(sql`
      select count(*) filter (where state = 'active')::int as active,
             count(*) filter (where state like 'idle%')::int as idle
      from pg_stat_activity
      where datname = current_database()
        and (application_name = 'rookery' or backend_type = 'standalone backend')`), timeoutMs))
    active = Number(row?.active ?? 0)
    idle = Number(row?.idle ?? 0)
  } catch {
    // Connection counts are informative only; a role without access to pg_stat_activity is still healthy.
  }
  return { ...base, healthy: true, problem: null, unavailableSince: null, latencyMs, active, idle }
}
