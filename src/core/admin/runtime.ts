// Live figures of a running server for `rookery top` and the admin runtime endpoint: what this process counts
// (requests, open streams) and what the database says (users, statuses, queued jobs).
import { count, eq, isNotNull, sql } from 'drizzle-orm'
import { resultRows } from '../../db/client'
import { accounts, statuses, users } from '../../db/schema'
import { ROOKERY_VERSION } from '../../version'
import type { Ctx } from '../context'

const WINDOW_SECONDS = 60

/** Request counts per second over the last minute, and gauges other modules report (open streams). */
class ProcessCounters {
  readonly startedAt = Date.now()
  requestsTotal = 0
  private readonly perSecond = new Array<number>(WINDOW_SECONDS).fill(0)
  private currentSecond = Math.floor(Date.now() / 1000)
  private streams: (() => number) | null = null

  private advance(nowSecond: number) {
    const gap = Math.min(nowSecond - this.currentSecond, WINDOW_SECONDS)
    for (let i = 1; i <= gap; i++) this.perSecond[(this.currentSecond + i) % WINDOW_SECONDS] = 0
    if (nowSecond > this.currentSecond) this.currentSecond = nowSecond
  }

  recordRequest(at = Date.now()) {
    const second = Math.floor(at / 1000)
    this.advance(second)
    this.requestsTotal++
    this.perSecond[second % WINDOW_SECONDS]++
  }

  /** Average requests per second over the last `seconds` complete seconds. */
  requestRate(seconds = 10, at = Date.now()): number {
    const now = Math.floor(at / 1000)
    this.advance(now)
    const span = Math.max(1, Math.min(seconds, WINDOW_SECONDS - 1))
    let sum = 0
    for (let i = 1; i <= span; i++) sum += this.perSecond[(now - i + WINDOW_SECONDS * 2) % WINDOW_SECONDS]
    return sum / span
  }

  /** The streaming server tells how many streams are open; null until it does. */
  reportStreams(read: () => number) {
    this.streams = read
  }

  activeStreams(): number | null {
    return this.streams ? this.streams() : null
  }
}

/** This process's counters (one server per process). */
export const processCounters = new ProcessCounters()

export interface ServerFigures {
  pid: number
  version: string
  uptime_seconds: number
  requests_total: number
  /** average over the last 10 seconds */
  requests_per_second: number
  /** null when streaming is not running in this process */
  active_streams: number | null
  memory_rss_bytes: number
}

/** What this process measured; only meaningful in a process that serves HTTP. */
export function serverFigures(): ServerFigures {
  return {
    pid: process.pid,
    version: ROOKERY_VERSION,
    uptime_seconds: Math.floor((Date.now() - processCounters.startedAt) / 1000),
    requests_total: processCounters.requestsTotal,
    requests_per_second: Math.round(processCounters.requestRate() * 100) / 100,
    active_streams: processCounters.activeStreams(),
    memory_rss_bytes: process.memoryUsage.rss(),
  }
}

export interface DatabaseFigures {
  users: { local: number; active: number; pending: number; remote: number }
  /** local: what local accounts posted (their counters); total: every stored status, estimated on large tables */
  statuses: { local: number; total: number; total_estimated: boolean }
  /** jobs waiting or running per queue; null when the job queue was never set up in this database */
  queue: Record<string, number> | null
}

/** Jobs not yet done per queue, read straight from pg-boss's table (no running server needed). */
export async function queueDepth(ctx: Ctx): Promise<Record<string, number> | null> {
  const [present] = resultRows<{ present: boolean }>(await ctx.db.execute(sql`select to_regclass('pgboss.job') is not null as present`))
  if (!present?.present) return null
  const rows = resultRows<{ name: string; n: number | string }>(await ctx.db.execute(
    sql`select name, count(*)::int as n from pgboss.job where state in ('created', 'retry', 'active') group by name order by name`,
  ))
  return Object.fromEntries(rows.map((r) => [r.name, Number(r.n)]))
}

/** Above this many rows the planner's estimate stands in for an exact count, which would scan the table every second. */
const EXACT_COUNT_LIMIT = 200_000

async function statusTotal(ctx: Ctx): Promise<{ total: number; estimated: boolean }> {
  const [estimate] = resultRows<{ n: number | string }>(await ctx.db.execute(sql`select reltuples::bigint as n from pg_class where oid = 'statuses'::regclass`))
  const guess = Number(estimate?.n ?? -1)
  if (guess > EXACT_COUNT_LIMIT) return { total: guess, estimated: true }
  const [{ n }] = await ctx.db.select({ n: count() }).from(statuses)
  return { total: Number(n), estimated: false }
}

export async function databaseFigures(ctx: Ctx): Promise<DatabaseFigures> {
  const [[people], [remote], posts, queue] = await Promise.all([
    ctx.db.select({
      local: count(),
      active: sql<number>`count(*) filter (where ${users.isActive} and ${users.isApproved} and ${accounts.suspendedAt} is null)::int`,
      pending: sql<number>`count(*) filter (where not ${users.isApproved})::int`,
      statuses: sql<string>`coalesce(sum(${accounts.statusesCount}), 0)::bigint`,
    }).from(users).innerJoin(accounts, eq(accounts.id, users.accountId)),
    ctx.db.select({ n: count() }).from(accounts).where(isNotNull(accounts.domain)),
    statusTotal(ctx),
    queueDepth(ctx),
  ])
  return {
    users: { local: Number(people.local), active: Number(people.active), pending: Number(people.pending), remote: Number(remote.n) },
    statuses: { local: Number(people.statuses), total: posts.total, total_estimated: posts.estimated },
    queue,
  }
}

export interface RuntimeSnapshot extends DatabaseFigures {
  at: string
  /** null when no server answered (the figures it alone knows are then not available) */
  server: ServerFigures | null
}

/** The admin runtime endpoint: this server's figures and the database's. */
export async function runtimeSnapshot(ctx: Ctx): Promise<RuntimeSnapshot> {
  return { at: new Date().toISOString(), server: serverFigures(), ...(await databaseFigures(ctx)) }
}
