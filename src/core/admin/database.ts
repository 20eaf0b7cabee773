// Database housekeeping for `rookery db`: what is stored where, and VACUUM.
import { sql } from 'drizzle-orm'
import type { Config } from '../../config'
import { resultRows } from '../../db/client'
import { migrationStatus } from '../../db/migrate'
import type { Ctx } from '../context'

export interface TableSize {
  name: string
  /** live rows as the statistics collector or planner last saw them (exact after VACUUM ANALYZE) */
  rows: number
  /** table, indexes and TOAST */
  bytes: number
}

export interface DatabaseStatus {
  /** pglite: the embedded database (reached directly or through the running server's socket) */
  kind: 'postgres' | 'pglite'
  /** how this process reached the database, without secrets */
  connection: ConnectionInfo
  serverVersion: string
  sizeBytes: number
  migrations: { total: number; applied: number; pending: string[]; last: string | null }
  tables: TableSize[]
}

export interface ConnectionInfo {
  description: string
  host?: string
  port?: number
  database?: string
  user?: string
  ssl?: string
  dataDir?: string
}

/** Where the database is, never with the password. */
export function connectionInfo(ctx: Ctx): ConnectionInfo {
  return connectionInfoFor(ctx.config, ctx.database.describe)
}

export function connectionInfoFor(config: Config, description: string): ConnectionInfo {
  if (!config.databaseUrl) return { description, dataDir: config.dataDir }
  try {
    const url = new URL(config.databaseUrl)
    return {
      description,
      host: decodeURIComponent(url.hostname) || url.searchParams.get('host') || 'localhost',
      port: Number(url.port || 5432),
      database: decodeURIComponent(url.pathname.replace(/^\//, '')) || undefined,
      user: decodeURIComponent(url.username) || undefined,
      ssl: url.searchParams.get('sslmode') ?? url.searchParams.get('ssl') ?? undefined,
    }
  } catch {
    return { description }
  }
}

const num = (v: unknown) => Number(v ?? 0)

export async function databaseStatus(ctx: Ctx, opts: { tables?: number } = {}): Promise<DatabaseStatus> {
  const limit = opts.tables ?? 15
  const [[version], [size], tables, migrations] = await Promise.all([
    ctx.db.execute(sql`select current_setting('server_version') as version`).then((r) => resultRows<{ version: string }>(r)),
    ctx.db.execute(sql`select pg_database_size(current_database())::bigint as bytes`).then((r) => resultRows<{ bytes: string }>(r)),
    ctx.db.execute(sql`
      select c.relname as name,
             coalesce(s.n_live_tup, greatest(c.reltuples, 0))::bigint as rows,
             pg_total_relation_size(c.oid)::bigint as bytes
        from pg_class c
        join pg_namespace n on n.oid = c.relnamespace
        left join pg_stat_user_tables s on s.relid = c.oid
       where c.relkind = 'r' and n.nspname = 'public'
       order by pg_total_relation_size(c.oid) desc, c.relname
       limit ${limit}`).then((r) => resultRows<{ name: string; rows: string; bytes: string }>(r)),
    migrationStatus(ctx.db),
  ])
  const applied = migrations.filter((m) => m.applied)
  return {
    kind: ctx.config.databaseUrl ? 'postgres' : 'pglite',
    connection: connectionInfo(ctx),
    serverVersion: version?.version ?? 'unknown',
    sizeBytes: num(size?.bytes),
    migrations: {
      total: migrations.length,
      applied: applied.length,
      pending: migrations.filter((m) => !m.applied).map((m) => m.tag),
      last: applied.at(-1)?.tag ?? null,
    },
    tables: tables.map((t) => ({ name: t.name, rows: num(t.rows), bytes: num(t.bytes) })),
  }
}

/**
 * `VACUUM ANALYZE` the whole database: reclaims dead rows for reuse and refreshes the planner's statistics, without
 * blocking reads or writes. `full` rewrites every table to give space back to the system, holding an exclusive lock
 * on each table while it does (the server stalls on that table meanwhile).
 */
export async function vacuumDatabase(ctx: Ctx, opts: { full?: boolean } = {}): Promise<{ full: boolean; beforeBytes: number; afterBytes: number; seconds: number }> {
  const size = async () => num(resultRows<{ bytes: string }>(await ctx.db.execute(sql`select pg_database_size(current_database())::bigint as bytes`))[0]?.bytes)
  const beforeBytes = await size()
  const started = performance.now()
  await ctx.db.execute(opts.full ? sql`vacuum (full, analyze)` : sql`vacuum (analyze)`)
  return { full: !!opts.full, beforeBytes, afterBytes: await size(), seconds: Math.round((performance.now() - started) / 10) / 100 }
}
