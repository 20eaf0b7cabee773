import { createHash, randomInt } from 'node:crypto'
import { existsSync, mkdirSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { PGlite } from '@electric-sql/pglite'
import type { ExtractTablesWithRelations } from 'drizzle-orm'
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core'
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import { DatabaseAvailability, type ConnectAttempt } from './availability'
import { acquireLock, readLock, DataDirLockedError } from './lock'
import { pgliteExtensions, pgliteFsBundle, pgliteModules } from './pglite-assets'
import { servePgliteSocket, type PgliteSocketServer } from './pglite-socket'
import * as schema from './schema'

export type Schema = typeof schema
export type Db = PgDatabase<PgQueryResultHKT, Schema>
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>
/** Anything queries can run on: the database or an open transaction. */
export type DbLike = Db | Tx

/** Every statement Drizzle sends, for whoever watches (the tests that count a page's queries). */
export class QueryWatch {
  private readonly listeners = new Set<(sql: string, params: unknown[]) => void>()
  logQuery(sql: string, params: unknown[]) {
    for (const listener of this.listeners) listener(sql, params)
  }
  /** Calls `listener` with each statement's text and parameters until the returned function is called. */
  watch(listener: (sql: string, params: unknown[]) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }
}

export interface Database {
  db: Db
  queries: QueryWatch
  kind: 'postgres' | 'pglite'
  /** The embedded engine, when kind is pglite. */
  pglite?: PGlite
  /** How this process reached the database, for status output. */
  describe: string
  /**
   * The embedded database as `serve` shares it with other commands: calls `fn` after each piece of work they did
   * through its socket (what they NOTIFY reaches them, not this process). Returns a function that stops it.
   */
  onSharedWork?(fn: () => void): () => void
  /**
   * On PostgreSQL, this process's number among those sharing the database: every connection names it (the setting
   * `rookery.job_owner`), so a job taken through any of them is recorded as this process's (see `src/core/jobs.ts`).
   */
  jobOwner?: number
  /** Reachability of a PostgreSQL server; the embedded database runs in-process and has none. */
  availability?: DatabaseAvailability
  close(): Promise<void>
}

export interface OpenOptions {
  databaseUrl: string | null
  dataDir: string
  /** `serve` (or `worker`) holds the data folder; other commands go through its socket when it runs. */
  role: 'serve' | 'worker' | 'cli' | 'test'
  /** In-memory PGlite (tests). */
  memory?: boolean
  poolSize?: number
  /** Connections of their own for transactions (PostgreSQL); 0 or none: transactions share the pool. */
  writePoolSize?: number
  /** See `PgliteOptions.durable`. */
  pgliteFsync?: boolean
}

/**
 * Drizzle sends a statement unnamed (parsed and planned on every run) unless it was built with `.prepare(name)`.
 * postgres.js can instead name each parameterized statement on first use and reuse it on that connection, keyed by
 * its text: this hands Drizzle a client that asks for that, inside transactions and savepoints too (a post writes
 * about ten statements in one). Transactions begin on `writer` (the same client unless a write pool is set).
 */
function namedStatements(client: postgres.Sql, writer: postgres.Sql = client): postgres.Sql {
  const unsafe = client.unsafe
  const named: typeof unsafe = (query, parameters, options) =>
    unsafe(query, parameters, parameters?.length ? { ...options, prepare: true } : options)
  // begin(fn) / begin(options, fn) and savepoint(fn) / savepoint(name, fn) hand `fn` a client of their own
  const scoped = (open: (...args: unknown[]) => unknown) => (...args: unknown[]) => {
    const fn = args.pop() as (sql: postgres.Sql) => unknown
    return open(...args, (sql: postgres.Sql) => fn(namedStatements(sql)))
  }
  return new Proxy(client, {
    get: (target, key) => {
      if (key === 'unsafe') return named
      if (key === 'begin') return scoped((Reflect.get(writer, key) as (...args: unknown[]) => unknown).bind(writer))
      if (key === 'savepoint') return scoped((Reflect.get(target, key) as (...args: unknown[]) => unknown).bind(target))
      return Reflect.get(target, key)
    },
  })
}

/** The session setting naming the process a connection belongs to. */
export const JOB_OWNER_SETTING = 'rookery.job_owner'

export function openPostgres(url: string, poolSize = 10, label = url.replace(/\/\/[^@/]*@/, '//***@'), writePoolSize = 0): Database {
  const jobOwner = randomInt(1, 2 ** 31)
  // A short connect timeout: while the server is unreachable, requests should fail fast, not queue for 30 s.
  const availability = new DatabaseAvailability(() => client`select 1`)
  // postgres.js (patched) hands the factory the one host an attempt is at, so a URL's later hosts are tried in turn.
  const socket = ({ path, host, port }: { path?: string | false; host: string[]; port: number[] }, attempt?: ConnectAttempt) =>
    availability.connect(() => (path ? connect(path) : connect(port[0], host[0])), attempt)
  const options = (max: number) => ({
    max,
    connect_timeout: 3,
    // Attempts refused while the database is down count as failures; postgres.js's growing backoff (up to 20 s) would
    // then delay the first connection after it is back.
    backoff: () => 0.25,
    socket, // postgres.js supports it; its types do not declare it
    onnotice: () => {},
    // Every query here is short: compiling one whose estimated cost is high (the many-condition visibility filters
    // push estimates past JIT's threshold) took longer than running it.
    connection: { application_name: 'rookery', jit: 'off', [JOB_OWNER_SETTING]: String(jobOwner) },
  } as postgres.Options<{}>)
  const client = postgres(url, options(poolSize))
  // With a write pool, transactions begin on connections of their own: a transaction holds its connection until it
  // commits, and then reads do not wait for one behind open transactions, nor transactions behind reads.
  const writer = writePoolSize > 0 ? postgres(url, options(writePoolSize)) : client
  const queries = new QueryWatch()
  const db = drizzlePostgres(namedStatements(client, writer), { schema, logger: queries }) as unknown as Db
  // Drizzle makes the client it is given pass dates and JSON through as text (its own column types encode them): the
  // transactions' client must do the same, or a JSON parameter is encoded twice and a timestamp read as a Date.
  if (writer !== client) {
    Object.assign(writer.options.parsers, client.options.parsers)
    Object.assign(writer.options.serializers, client.options.serializers)
  }
  return { db, queries, kind: 'postgres', describe: `PostgreSQL ${label}`, jobOwner, availability, close: async () => {
    await Promise.all([client.end({ timeout: 5 }), writer !== client && writer.end({ timeout: 5 })])
  } }
}

/** Shared buffers of the embedded engine. */
export const PGLITE_SHARED_BUFFERS = '16MB'

export interface PgliteOptions {
  /** Sync each commit to the disk, so that it survives a crash of the machine (`DurableNodeFS`); on by default. */
  durable?: boolean
  /**
   * For crash testing only: keep what is written in memory until it is fsynced, so that killing the process loses
   * what a power cut would (`WriteBackCache`). Off unless `ROOKERY_CRASH_TEST_POWER_LOSS=1`.
   */
  simulatePowerLoss?: boolean
}

export async function openPglite(dataDir: string | null, opts: PgliteOptions = {}): Promise<Database> {
  // Loaded here: a PostgreSQL process never needs the embedded engine's code.
  const [{ PGlite }, { drizzle: drizzlePglite }, { DurableNodeFS, durableStartParams, POWER_LOSS_SIMULATION_ENV }] = await Promise.all([
    import('@electric-sql/pglite'), import('drizzle-orm/pglite'), import('./pglite-durable-fs'),
  ])
  if (dataDir) mkdirSync(dataDir, { recursive: true })
  const cacheDir = join(dataDir ?? join(process.env.TMPDIR ?? '/tmp', 'rookery-cache'), 'cache')
  const durable = !!dataDir && (opts.durable ?? true)
  const simulatePowerLoss = !!dataDir && (opts.simulatePowerLoss ?? process.env[POWER_LOSS_SIMULATION_ENV] === '1')
  const pgDir = dataDir ? join(dataDir, 'pg') : undefined
  const fileSystem = pgDir && (durable || simulatePowerLoss) ? new DurableNodeFS(pgDir, { fsync: durable, simulatePowerLoss }) : null
  const created = !!pgDir && !existsSync(join(pgDir, 'PG_VERSION'))
  const pglite = await PGlite.create({
    ...(fileSystem ? { fs: fileSystem } : { dataDir: pgDir }),
    // PostgreSQL's default 128 MB of shared buffers fill the WebAssembly heap, which never gives memory back: 16 MB
    // keeps a small instance's working set and halves the process's memory (bench/README.md, "Start and memory").
    startParams: [...(durable ? durableStartParams(PGlite.defaultStartParams) : PGlite.defaultStartParams), '-c', `shared_buffers=${PGLITE_SHARED_BUFFERS}`],
    ...(await pgliteModules({ initdb: !pgDir || created })),
    fsBundle: pgliteFsBundle(),
    extensions: pgliteExtensions(cacheDir),
  })
  if (created && durable) fileSystem!.syncAll()
  const queries = new QueryWatch()
  const db = drizzlePglite(pglite, { schema, logger: queries }) as unknown as Db
  return { db, queries, kind: 'pglite', pglite, describe: !dataDir ? 'in-memory PGlite' : `embedded PGlite in ${dataDir}${simulatePowerLoss ? ' (power-loss simulation for crash testing: unsynced writes are kept in memory)' : ''}`, close: () => pglite.close() }
}

/** Where `serve` exposes the embedded database; unix socket paths are limited to about 104 bytes. */
export function pgliteSocketPath(dataDir: string): string {
  const inside = join(dataDir, '.s.PGSQL.rookery')
  if (Buffer.byteLength(inside) <= 100) return inside
  return join(tmpdir(), `rookery-${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}.sock`)
}

/** Connects to the database a running `serve` exposes on its socket. */
export function openServerSocket(socket: string, pid: number): Database {
  // No named prepared statements: the embedded backend is shared and would keep them after we disconnect.
  const client = postgres({ path: socket, database: 'postgres', username: 'postgres', max: 1, prepare: false, onnotice: () => {} })
  const queries = new QueryWatch()
  const db = drizzlePostgres(client, { schema, logger: queries }) as unknown as Db
  return { db, queries, kind: 'postgres', describe: `embedded PGlite of the running server (pid ${pid})`, close: () => client.end({ timeout: 5 }) }
}

/**
 * Opens the configured database. Embedded mode takes the data-folder lock; a CLI command that finds `serve`
 * holding it connects through the server's socket instead, so both see the same data.
 */
export async function openDatabase(opts: OpenOptions): Promise<Database> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.poolSize, undefined, opts.writePoolSize)
  if (opts.memory) return openPglite(null)
  const holder = readLock(opts.dataDir)
  if (holder) {
    if (opts.role === 'cli' && holder.socket) return openServerSocket(holder.socket, holder.pid)
    throw new DataDirLockedError(holder, opts.dataDir)
  }
  const lock = acquireLock(opts.dataDir, opts.role)
  let database: Database | null = null
  try {
    database = await openPglite(opts.dataDir, { durable: opts.pgliteFsync })
    let socketServer: PgliteSocketServer | null = null
    const sharedWork = new Set<() => void>()
    if (opts.role === 'serve' || opts.role === 'worker') {
      socketServer = await servePgliteSocket(database.pglite!, pgliteSocketPath(opts.dataDir), () => { for (const fn of sharedWork) fn() })
      lock.update({ socket: socketServer.path })
    }
    const opened = database
    return {
      ...opened,
      onSharedWork(fn) {
        sharedWork.add(fn)
        return () => { sharedWork.delete(fn) }
      },
      close: async () => {
        await socketServer?.stop()
        await opened.close()
        lock.release()
      },
    }
  } catch (e) {
    await database?.close().catch(() => {})
    lock.release()
    throw e
  }
}

/** Raw `execute` results differ between drivers: postgres.js returns the rows, PGlite an object holding them. */
export function resultRows<T = Record<string, unknown>>(result: unknown): T[] {
  return ((result as { rows?: T[] }).rows ?? result) as T[]
}
