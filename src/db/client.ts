import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import type { ExtractTablesWithRelations } from 'drizzle-orm'
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import { acquireLock, readLock, DataDirLockedError } from './lock'
import { pgliteExtensions, pgliteFsBundle, pgliteModules } from './pglite-assets'
import * as schema from './schema'

export type Schema = typeof schema
export type Db = PgDatabase<PgQueryResultHKT, Schema>
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>
/** Anything queries can run on: the database or an open transaction. */
export type DbLike = Db | Tx

export interface Database {
  db: Db
  kind: 'postgres' | 'pglite'
  /** The embedded engine, when kind is pglite. */
  pglite?: PGlite
  /** How this process reached the database, for status output. */
  describe: string
  close(): Promise<void>
}

export interface OpenOptions {
  databaseUrl: string | null
  dataDir: string
  /** `serve` holds the data folder; other commands go through its socket when it runs. */
  role: 'serve' | 'cli' | 'test'
  /** In-memory PGlite (tests). */
  memory?: boolean
  poolSize?: number
}

export function openPostgres(url: string, poolSize = 10, label = url.replace(/\/\/[^@/]*@/, '//***@')): Database {
  const client = postgres(url, { max: poolSize, onnotice: () => {}, connection: { application_name: 'rookery' } })
  const db = drizzlePostgres(client, { schema }) as unknown as Db
  return { db, kind: 'postgres', describe: `PostgreSQL ${label}`, close: () => client.end({ timeout: 5 }) }
}

export async function openPglite(dataDir: string | null): Promise<Database> {
  if (dataDir) mkdirSync(dataDir, { recursive: true })
  const cacheDir = join(dataDir ?? join(process.env.TMPDIR ?? '/tmp', 'rookery-cache'), 'cache')
  const pglite = await PGlite.create({
    dataDir: dataDir ? join(dataDir, 'pg') : undefined,
    ...(await pgliteModules()),
    fsBundle: pgliteFsBundle(),
    extensions: pgliteExtensions(cacheDir),
  })
  const db = drizzlePglite(pglite, { schema }) as unknown as Db
  return { db, kind: 'pglite', pglite, describe: dataDir ? `embedded PGlite in ${dataDir}` : 'in-memory PGlite', close: () => pglite.close() }
}

/**
 * Opens the configured database. Embedded mode takes the data-folder lock; a CLI command that finds `serve`
 * holding it connects through the server's socket instead, so both see the same data.
 */
export async function openDatabase(opts: OpenOptions): Promise<Database> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.poolSize)
  if (opts.memory) return openPglite(null)
  const holder = readLock(opts.dataDir)
  if (holder) {
    if (opts.role === 'cli' && holder.socket) {
      const client = postgres({ path: holder.socket, database: 'template1', username: 'postgres', max: 1, onnotice: () => {} })
      const db = drizzlePostgres(client, { schema }) as unknown as Db
      return { db, kind: 'postgres', describe: `the running server (pid ${holder.pid}) via ${holder.socket}`, close: () => client.end({ timeout: 5 }) }
    }
    throw new DataDirLockedError(holder, opts.dataDir)
  }
  const lock = acquireLock(opts.dataDir, opts.role)
  try {
    const database = await openPglite(opts.dataDir)
    let socketServer: { stop(): Promise<void> } | null = null
    if (opts.role === 'serve') {
      const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket')
      const socket = join(opts.dataDir, '.s.PGSQL.rookery')
      const server = new PGLiteSocketServer({ db: database.pglite!, path: socket, maxConnections: 8 })
      await server.start()
      socketServer = server
      lock.update({ socket })
    }
    return {
      ...database,
      close: async () => {
        await socketServer?.stop()
        await database.close()
        lock.release()
      },
    }
  } catch (e) {
    lock.release()
    throw e
  }
}

/** Raw `execute` results differ between drivers: postgres.js returns the rows, PGlite an object holding them. */
export function resultRows<T = Record<string, unknown>>(result: unknown): T[] {
  return ((result as { rows?: T[] }).rows ?? result) as T[]
}
