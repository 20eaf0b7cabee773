// Logical backups for `rookery db backup|restore|move`: every table of the application and of its job queue, read in
// one snapshot and written as gzip'd JSON lines, the same format from PGlite and PostgreSQL. Uploaded files are not
// part of it: they stay in the media folder or bucket.
//
// File layout, one JSON object per line:
//   {"kind":"header", format, version, created_at, rookery_version, source, instance, migrations, pgboss_version, tables}
//   {"kind":"table","name":"public.accounts","columns":[...]}   then one {"row":{...}} per row, then
//   {"kind":"end","name":"public.accounts","rows":N}
//   {"kind":"sequence","name":"public.x_seq","value":"42","called":true}
//   {"kind":"done","tables":{"public.accounts":N,...}}
// Row values are PostgreSQL's own JSON rendering (row_to_json), loaded back with json_to_recordset, so no value
// passes through a JavaScript number or date on its way; json(b) columns are written as their text.
import { once } from 'node:events'
import { createReadStream, createWriteStream, renameSync, rmSync, statSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { pipeline } from 'node:stream/promises'
import { createGunzip, createGzip } from 'node:zlib'
import { sql, type SQL } from 'drizzle-orm'
import { resultRows, type Database, type DbLike } from '../../db/client'
import { migrate, migrationStatus } from '../../db/migrate'
import { MIGRATIONS } from '../../db/migrations.gen'
import { ROOKERY_VERSION } from '../../version'
import { startJobs } from '../jobs'
import { ValidationError } from '../errors'
import type { Ctx } from '../context'

export const BACKUP_FORMAT = 'rookery-backup'
export const BACKUP_FORMAT_VERSION = 1
/** Rows per keyset page read from the source. */
const READ_BATCH = 1000
/** Rows (or bytes of JSON) per insert on restore. */
const WRITE_BATCH_ROWS = 1000
const WRITE_BATCH_BYTES = 4 * 1024 * 1024

const APP_SCHEMA = 'public'
const QUEUE_SCHEMA = 'pgboss'
/** pg-boss's tables in the order their foreign keys need; its `version` row belongs to the installation, not the data. */
const QUEUE_TABLES = ['queue', 'schedule', 'subscription', 'job', 'archive']

export interface BackupHeader {
  kind: 'header'
  format: typeof BACKUP_FORMAT
  version: number
  created_at: string
  rookery_version: string
  source: 'postgres' | 'pglite'
  instance: { domain: string; base_url: string }
  migrations: { level: number; last: string | null; tags: string[] }
  pgboss_version: number | null
  tables: string[]
}

type Entry =
  | BackupHeader
  | { kind: 'table'; name: string; columns: string[] }
  | { kind: 'rows'; rows: string[] }
  | { kind: 'end'; name: string; rows: number }
  | { kind: 'sequence'; name: string; value: string; called: boolean }
  | { kind: 'done'; tables: Record<string, number> }

export interface TableCount {
  name: string
  rows: number
}

export class BackupRefusedError extends ValidationError {}

const ident = (name: string) => '"' + name.replaceAll('"', '""') + '"'
const qualified = (name: string) => name.split('.').map(ident).join('.')

async function query<T>(db: DbLike, q: SQL): Promise<T[]> {
  return resultRows<T>(await db.execute(q))
}

interface TableInfo {
  name: string
  columns: { name: string; type: string }[]
  key: { name: string; type: string }[]
}

/** The tables a backup holds: the application's and the job queue's (partitions are read through their parent). */
export async function backupTables(db: DbLike): Promise<string[]> {
  const rows = await query<{ schema: string; name: string }>(db, sql`
    select n.nspname as schema, c.relname as name
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind in ('r', 'p') and not c.relispartition and n.nspname in (${APP_SCHEMA}, ${QUEUE_SCHEMA})
     order by n.nspname <> ${APP_SCHEMA}, c.relname`)
  const app = rows.filter((r) => r.schema === APP_SCHEMA).map((r) => `${r.schema}.${r.name}`)
  const queue = QUEUE_TABLES.filter((t) => rows.some((r) => r.schema === QUEUE_SCHEMA && r.name === t)).map((t) => `${QUEUE_SCHEMA}.${t}`)
  return [...app, ...queue]
}

async function tableInfo(db: DbLike, name: string): Promise<TableInfo> {
  const columns = await query<{ name: string; type: string; generated: boolean }>(db, sql`
    select a.attname as name, format_type(a.atttypid, a.atttypmod) as type, a.attgenerated <> '' as generated
      from pg_attribute a
     where a.attrelid = ${qualified(name)}::regclass and a.attnum > 0 and not a.attisdropped
     order by a.attnum`)
  const key = await query<{ name: string; type: string }>(db, sql`
    select a.attname as name, format_type(a.atttypid, a.atttypmod) as type
      from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
     where i.indrelid = ${qualified(name)}::regclass and i.indisprimary
     order by array_position(i.indkey::int2[], a.attnum)`)
  return { name, columns: columns.filter((c) => !c.generated).map(({ name, type }) => ({ name, type })), key }
}

const isJson = (type: string) => type === 'json' || type === 'jsonb'

async function pgbossVersion(db: DbLike): Promise<number | null> {
  const [present] = await query<{ ok: boolean }>(db, sql`select to_regclass('pgboss.version') is not null as ok`)
  if (!present?.ok) return null
  const [row] = await query<{ version: number }>(db, sql`select version from pgboss.version limit 1`)
  return row ? Number(row.version) : null
}

/** Reads one table in keyset pages (by its primary key, or by row position when it has none). */
async function readTable(tx: DbLike, table: TableInfo, emit: (e: Entry) => Promise<void>): Promise<number> {
  // json(b) values travel as their text, so a JSON null stays apart from an SQL NULL
  const cols = sql.raw(table.columns.map((c) => (isJson(c.type) ? `${ident(c.name)}::text as ${ident(c.name)}` : ident(c.name))).join(', '))
  const from = sql.raw(qualified(table.name))
  const keyCols = table.key.length ? table.key : [{ name: 'ctid', type: 'tid' }]
  const keyList = sql.raw(keyCols.map((k) => ident(k.name)).join(', '))
  const keyOut = sql.raw(keyCols.map((k, i) => `r.${ident(k.name)}::text as k${i}`).join(', '))
  const inner = table.key.length ? cols : sql`ctid, ${cols}`
  const rowJson = table.key.length ? sql`row_to_json(r)::text` : sql`(to_jsonb(r) - 'ctid')::text`
  let after: string[] | null = null
  let count = 0
  for (;;) {
    const where: SQL = after
      ? sql`where (${keyList}) > (${sql.join(after.map((v, i) => sql`cast(${v} as ${sql.raw(keyCols[i].type)})`), sql`, `)})`
      : sql``
    const page: Record<string, string>[] = await query<Record<string, string>>(tx, sql`
      select ${rowJson} as j, ${keyOut}
        from (select ${inner} from ${from} ${where} order by ${keyList} limit ${READ_BATCH}) r
       order by ${sql.raw(keyCols.map((k) => `r.${ident(k.name)}`).join(', '))}`)
    if (!page.length) break
    await emit({ kind: 'rows', rows: page.map((r) => r.j) })
    count += page.length
    const last = page[page.length - 1]
    after = keyCols.map((_, i) => last[`k${i}`])
    if (page.length < READ_BATCH) break
  }
  return count
}

/**
 * Reads the whole database in one read-only snapshot and hands each piece to `emit` in order. On the embedded
 * database reached through a running server, the server waits for the snapshot to finish.
 */
async function snapshot(ctx: Ctx, emit: (e: Entry) => Promise<void>, onTable?: (t: TableCount) => void): Promise<TableCount[]> {
  const counts: TableCount[] = []
  await ctx.db.transaction(async (tx) => {
    await tx.execute(sql`set transaction isolation level repeatable read, read only`)
    const applied = (await migrationStatus(tx as any)).filter((m) => m.applied)
    const tables = await backupTables(tx)
    await emit({
      kind: 'header',
      format: BACKUP_FORMAT,
      version: BACKUP_FORMAT_VERSION,
      created_at: new Date().toISOString(),
      rookery_version: ROOKERY_VERSION,
      source: ctx.database.kind === 'pglite' || !ctx.config.databaseUrl ? 'pglite' : 'postgres',
      instance: { domain: ctx.config.domain, base_url: ctx.config.baseUrl },
      migrations: { level: applied.length, last: applied.at(-1)?.tag ?? null, tags: applied.map((m) => m.tag) },
      pgboss_version: await pgbossVersion(tx),
      tables,
    })
    for (const name of tables) {
      const info = await tableInfo(tx, name)
      await emit({ kind: 'table', name, columns: info.columns.map((c) => c.name) })
      const rows = await readTable(tx, info, emit)
      await emit({ kind: 'end', name, rows })
      counts.push({ name, rows })
      onTable?.({ name, rows })
    }
    const sequences = await query<{ schema: string; name: string }>(tx, sql`
      select n.nspname as schema, c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where c.relkind = 'S' and n.nspname in (${APP_SCHEMA}, ${QUEUE_SCHEMA}) order by 1, 2`)
    for (const s of sequences) {
      const name = `${s.schema}.${s.name}`
      const [state] = await query<{ value: string; called: boolean }>(tx, sql`select last_value::text as value, is_called as called from ${sql.raw(qualified(name))}`)
      await emit({ kind: 'sequence', name, value: state.value, called: state.called })
    }
    await emit({ kind: 'done', tables: Object.fromEntries(counts.map((c) => [c.name, c.rows])) })
  })
  return counts
}

/** A bounded hand-over between a producer and an async-iterating consumer; either side's failure stops the other. */
class Channel<T> implements AsyncIterable<T> {
  private items: T[] = []
  private closed = false
  private error: unknown = null
  private wake: (() => void) | null = null
  constructor(private readonly limit = 8) {}

  private signal() {
    const w = this.wake
    this.wake = null
    w?.()
  }

  private wait() {
    return new Promise<void>((resolve) => (this.wake = resolve))
  }

  async push(item: T) {
    while (this.items.length >= this.limit && !this.error) await this.wait()
    if (this.error) throw this.error
    this.items.push(item)
    this.signal()
  }

  close(error?: unknown) {
    this.closed = true
    if (error) this.error = error
    this.signal()
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    try {
      for (;;) {
        if (this.items.length) {
          const item = this.items.shift()!
          this.signal()
          yield item
        } else if (this.error) {
          throw this.error
        } else if (this.closed) {
          return
        } else {
          await this.wait()
        }
      }
    } finally {
      if (!this.closed || this.items.length) this.close(this.error ?? new Error('the reader of the backup stopped'))
    }
  }
}

/** Runs the snapshot as an async stream of entries. */
function snapshotStream(ctx: Ctx, onTable?: (t: TableCount) => void): { entries: AsyncIterable<Entry>; done: Promise<TableCount[]> } {
  const channel = new Channel<Entry>()
  const done = snapshot(ctx, (e) => channel.push(e), onTable)
  done.then(() => channel.close(), (e) => channel.close(e))
  return { entries: channel, done }
}

function entryLines(e: Entry): string {
  return e.kind === 'rows' ? e.rows.map((r) => `{"row":${r}}\n`).join('') : JSON.stringify(e) + '\n'
}

export interface BackupSummary {
  file: string
  bytes: number
  seconds: number
  header: BackupHeader
  tables: TableCount[]
  rows: number
}

/** Writes a consistent backup of the whole database to `file` (written beside it first, then renamed into place). */
export async function backupDatabase(ctx: Ctx, file: string, opts: { onTable?: (t: TableCount) => void } = {}): Promise<BackupSummary> {
  const started = performance.now()
  const partial = `${file}.partial`
  const gzip = createGzip()
  const written = pipeline(gzip, createWriteStream(partial))
  written.catch(() => {})
  let header: BackupHeader | null = null
  const { entries, done } = snapshotStream(ctx, opts.onTable)
  try {
    let buffered = ''
    for await (const e of entries) {
      if (e.kind === 'header') header = e
      buffered += entryLines(e)
      if (buffered.length >= 256 * 1024) {
        if (!gzip.write(buffered)) await Promise.race([once(gzip, 'drain'), written])
        buffered = ''
      }
    }
    const tables = await done
    gzip.end(buffered)
    await written
    renameSync(partial, file)
    return { file, bytes: statSync(file).size, seconds: Math.round(performance.now() - started) / 1000, header: header!, tables, rows: tables.reduce((n, t) => n + t.rows, 0) }
  } catch (e) {
    await done.catch(() => {})
    gzip.destroy()
    await written.catch(() => {})
    rmSync(partial, { force: true })
    throw e
  }
}

function notABackup(file: string, why: string): BackupRefusedError {
  return new BackupRefusedError(`${file} is not a Rookery backup (${why})`)
}

/** The entries of a backup file, streamed; the header first. */
async function* readBackup(file: string): AsyncGenerator<Entry> {
  const input = createReadStream(file).pipe(createGunzip())
  const lines = createInterface({ input, crlfDelay: Infinity })
  let first = true
  let rows: string[] = []
  let bytes = 0
  try {
    for await (const line of lines) {
      if (first) {
        first = false
        let header: BackupHeader
        try {
          header = JSON.parse(line)
        } catch {
          throw notABackup(file, 'its first line is not JSON')
        }
        if (header?.kind !== 'header' || header.format !== BACKUP_FORMAT) throw notABackup(file, 'no backup header')
        if (header.version !== BACKUP_FORMAT_VERSION) throw new BackupRefusedError(`${file} is in backup format ${header.version}; this Rookery reads format ${BACKUP_FORMAT_VERSION}`)
        yield header
        continue
      }
      if (line.startsWith('{"row":')) {
        rows.push(line.slice(7, -1))
        bytes += line.length
        if (rows.length >= WRITE_BATCH_ROWS || bytes >= WRITE_BATCH_BYTES) {
          yield { kind: 'rows', rows }
          rows = []
          bytes = 0
        }
        continue
      }
      if (!line) continue
      if (rows.length) {
        yield { kind: 'rows', rows }
        rows = []
        bytes = 0
      }
      yield JSON.parse(line) as Entry
    }
  } catch (e) {
    if ((e as { code?: string }).code === 'Z_DATA_ERROR' || (e as { code?: string }).code === 'Z_BUF_ERROR') throw notABackup(file, 'not gzip data, or cut short')
    throw e
  } finally {
    input.destroy()
  }
  if (first) throw notABackup(file, 'it is empty')
}

/** The header of a backup file, for a look before restoring it. */
export async function readBackupHeader(file: string): Promise<BackupHeader> {
  const entries = readBackup(file)
  try {
    const { value } = await entries.next()
    return value as BackupHeader
  } finally {
    await entries.return(undefined)
  }
}

/** Refuses a backup made at another migration level than this build's, saying which version can restore it. */
export function assertRestorable(header: BackupHeader) {
  const problem = levelProblem(header)
  if (problem) throw new BackupRefusedError(problem)
}

function levelProblem(header: BackupHeader): string | null {
  const ours = MIGRATIONS.map((m) => m.tag)
  const theirs = header.migrations.tags
  if (theirs.length === ours.length && theirs.every((t, i) => t === ours[i])) return null
  const describe = (tags: string[]) => `migration level ${tags.length}${tags.length ? ` (${tags.at(-1)})` : ''}`
  const made = `This backup was made by Rookery ${header.rookery_version} at ${describe(theirs)}; this Rookery ${ROOKERY_VERSION} is at ${describe(ours)}.`
  const newer = theirs.length > ours.length || theirs.some((t, i) => ours[i] !== undefined && ours[i] !== t)
  return newer
    ? `${made} Restore it with the Rookery version that made it (or a newer one that has the same migrations), not this one.`
    : `${made} Restore it with the Rookery version that made it, then start this version on the restored database to apply the newer migrations; or run "rookery migrate" on the source and back it up again.`
}

export interface RestoreSummary {
  seconds: number
  header: BackupHeader
  tables: TableCount[]
  rows: number
  sequences: number
  /** the domain the backup was made on, when it is not the one this configuration names */
  domainMismatch: string | null
}

async function appTablesWithRows(db: DbLike): Promise<string[]> {
  const tables = (await backupTables(db)).filter((t) => t.startsWith(`${APP_SCHEMA}.`))
  const full: string[] = []
  for (const t of tables) {
    const [row] = await query<{ any: boolean }>(db, sql`select exists (select 1 from ${sql.raw(qualified(t))}) as any`)
    if (row?.any) full.push(t)
  }
  return full
}

/** Refuses a target that holds data (unless `force`) or that a newer Rookery has migrated. */
export async function checkTarget(db: DbLike, opts: { force?: boolean } = {}) {
  const [known] = await query<{ ok: boolean }>(db, sql`select to_regclass('drizzle.__drizzle_migrations') is not null as ok`)
  if (known?.ok) {
    const [row] = await query<{ n: string }>(db, sql`select count(*)::text as n from drizzle.__drizzle_migrations`)
    if (Number(row.n) > MIGRATIONS.length) throw new BackupRefusedError(`the target database has ${row.n} migrations applied, more than this Rookery knows (${MIGRATIONS.length}): it belongs to a newer version`)
  }
  const full = await appTablesWithRows(db)
  if (full.length && !opts.force) {
    throw new BackupRefusedError(`the target database is not empty (${full.length} table${full.length === 1 ? '' : 's'} with rows, e.g. ${full.slice(0, 3).join(', ')}); use an empty one, or add --force to replace everything in it`)
  }
}

/** Loads the entries that follow the header into `target`, in one transaction. */
async function load(target: Database, header: BackupHeader, entries: AsyncIterator<Entry>, opts: { force?: boolean; onTable?: (t: TableCount) => void }) {
  const tables: TableCount[] = []
  let sequences = 0
  let done: Record<string, number> | null = null
  await target.db.transaction(async (tx) => {
    if (opts.force) {
      const app = (await backupTables(tx)).filter((t) => t.startsWith(`${APP_SCHEMA}.`))
      if (app.length) await tx.execute(sql.raw(`truncate table ${app.map(qualified).join(', ')}`))
    }
    if (header.pgboss_version !== null) {
      // The target's own queue rows stay (or are overwritten below); its jobs and schedules give way to the backup's.
      for (const t of ['schedule', 'subscription', 'job', 'archive']) await tx.execute(sql.raw(`delete from ${QUEUE_SCHEMA}.${t}`))
    }
    // Foreign keys are set aside while loading (rows come in key order, not in reference order) and checked again at the end.
    const foreignKeys = await query<{ tbl: string; name: string; def: string }>(tx, sql`
      select conrelid::regclass::text as tbl, conname as name, pg_get_constraintdef(oid) as def
        from pg_constraint where contype = 'f' and connamespace = ${APP_SCHEMA}::regnamespace`)
    for (const fk of foreignKeys) await tx.execute(sql.raw(`alter table ${fk.tbl} drop constraint ${ident(fk.name)}`))
    // Rows come back as they were written: the triggers that keep values derived from other rows (render versions, tag
    // histories, home feeds) or tell other processes of a change must not fire on them.
    const triggered = await query<{ tbl: string }>(tx, sql`
      select distinct t.tgrelid::regclass::text as tbl from pg_trigger t join pg_class c on c.oid = t.tgrelid
       where not t.tgisinternal and c.relnamespace = ${APP_SCHEMA}::regnamespace`)
    for (const t of triggered) await tx.execute(sql.raw(`alter table ${t.tbl} disable trigger user`))

    let current: { name: string; rows: number; insert: string; shape: string; conflict: string } | null = null
    for (let next = await entries.next(); !next.done; next = await entries.next()) {
      const e = next.value
      if (e.kind === 'table') {
        const info = await tableInfo(tx, e.name).catch(() => null)
        if (!info) throw new BackupRefusedError(`the backup has a table ${e.name} that this database does not have`)
        const missing = e.columns.filter((c) => !info.columns.some((i) => i.name === c))
        if (missing.length) throw new BackupRefusedError(`the backup has columns ${missing.join(', ')} in ${e.name} that this database does not have`)
        const columns = e.columns.map((c) => info.columns.find((i) => i.name === c)!)
        const cols = e.columns.map(ident).join(', ')
        const values = columns.map((c) => (isJson(c.type) ? `x.${ident(c.name)}::${c.type}` : `x.${ident(c.name)}`)).join(', ')
        const shape = columns.map((c) => `${ident(c.name)} ${isJson(c.type) ? 'text' : c.type}`).join(', ')
        current = {
          name: e.name,
          rows: 0,
          insert: `insert into ${qualified(e.name)} (${cols}) overriding system value select ${values} from json_to_recordset(`,
          shape: `) as x(${shape})`,
          // the target's own queues are already there: the backup's settings replace theirs
          conflict: e.name === `${QUEUE_SCHEMA}.queue`
            ? ` on conflict (name) do update set ${e.columns.filter((c) => c !== 'name').map((c) => `${ident(c)} = excluded.${ident(c)}`).join(', ')}`
            : '',
        }
      } else if (e.kind === 'rows') {
        if (!current) throw new BackupRefusedError('the backup is damaged: rows outside a table')
        const json = `[${e.rows.join(',')}]`
        if (current.name === `${QUEUE_SCHEMA}.queue`) {
          // each queue needs its partition of the job table, which pg-boss's create_queue makes
          await tx.execute(sql`select pgboss.create_queue(q.name, '{}'::json) from json_populate_recordset(null::pgboss.queue, ${json}::json) q`)
        }
        await tx.execute(sql`${sql.raw(current.insert)}${json}::json${sql.raw(current.shape)}${sql.raw(current.conflict)}`)
        current.rows += e.rows.length
      } else if (e.kind === 'end') {
        if (!current || current.name !== e.name) throw new BackupRefusedError(`the backup is damaged: the end of ${e.name} comes unexpectedly`)
        if (current.rows !== e.rows) throw new BackupRefusedError(`the backup is damaged: ${e.name} should have ${e.rows} rows, it has ${current.rows}`)
        tables.push({ name: e.name, rows: e.rows })
        opts.onTable?.({ name: e.name, rows: e.rows })
        current = null
      } else if (e.kind === 'sequence') {
        const [exists] = await query<{ ok: boolean }>(tx, sql`select to_regclass(${qualified(e.name)}) is not null as ok`)
        if (exists?.ok) {
          await tx.execute(sql`select setval(${qualified(e.name)}::regclass, ${e.value}::bigint, ${e.called})`)
          sequences++
        }
      } else if (e.kind === 'done') {
        done = e.tables
      }
    }
    if (!done) throw new BackupRefusedError('the backup is cut short: its last part is missing')
    for (const fk of foreignKeys) await tx.execute(sql.raw(`alter table ${fk.tbl} add constraint ${ident(fk.name)} ${fk.def}`))
    for (const t of triggered) await tx.execute(sql.raw(`alter table ${t.tbl} enable trigger user`))
    for (const t of tables) {
      const [row] = await query<{ n: string }>(tx, sql`select count(*)::text as n from ${sql.raw(qualified(t.name))}`)
      if (Number(row.n) !== t.rows) throw new Error(`after loading, ${t.name} has ${row.n} rows instead of ${t.rows}`)
    }
  })
  return { tables, sequences }
}

/**
 * Loads a backup (as entries, header first) into `target`: an empty database, or one whose tables are emptied first
 * with `force`. Migrations are applied up to the backup's level (which must be this build's) before the data goes in.
 */
async function restoreEntries(target: Database, domain: string, entries: AsyncIterator<Entry>, opts: { force?: boolean; onTable?: (t: TableCount) => void }): Promise<RestoreSummary> {
  const started = performance.now()
  const first = await entries.next()
  if (first.done || first.value.kind !== 'header') throw new BackupRefusedError('the backup has no header')
  const header = first.value
  assertRestorable(header)

  await checkTarget(target.db, opts)
  await migrate(target.db)
  if (header.pgboss_version !== null) {
    const ours = await pgbossVersion(target.db)
    if (ours === null) await (await startJobs(target, { supervise: false, queues: [] })).stop()
    const installed = await pgbossVersion(target.db)
    if (installed !== header.pgboss_version) throw new BackupRefusedError(`the backup's job queue is at pg-boss schema ${header.pgboss_version}, this Rookery's at ${installed}: restore it with the Rookery version that made it`)
  }
  const { tables, sequences } = await load(target, header, entries, opts)
  return {
    seconds: Math.round(performance.now() - started) / 1000,
    header,
    tables,
    rows: tables.reduce((n, t) => n + t.rows, 0),
    sequences,
    domainMismatch: header.instance.domain === domain ? null : header.instance.domain,
  }
}

/** Restores a backup file into the context's database. */
export async function restoreDatabase(ctx: Ctx, file: string, opts: { force?: boolean; onTable?: (t: TableCount) => void } = {}): Promise<RestoreSummary> {
  const entries = readBackup(file)
  try {
    return await restoreEntries(ctx.database, ctx.config.domain, entries, opts)
  } finally {
    await entries.return(undefined)
  }
}

export interface MoveSummary extends RestoreSummary {
  /** rows per table in the source snapshot and in the target after the move */
  checked: { name: string; source: number; target: number }[]
}

/**
 * Copies the context's database into `target` (an empty PostgreSQL database) from one snapshot, without a file in
 * between, then compares the row counts table by table.
 */
export async function moveDatabase(ctx: Ctx, target: Database, opts: { force?: boolean; onTable?: (t: TableCount) => void } = {}): Promise<MoveSummary> {
  const { entries, done } = snapshotStream(ctx)
  const iterator = entries[Symbol.asyncIterator]()
  let restored: RestoreSummary
  try {
    restored = await restoreEntries(target, ctx.config.domain, iterator, opts)
  } catch (e) {
    await iterator.return?.(undefined)
    await done.catch(() => {})
    throw e
  }
  const source = await done
  const checked: MoveSummary['checked'] = []
  for (const t of source) {
    const [row] = await query<{ n: string }>(target.db, sql`select count(*)::text as n from ${sql.raw(qualified(t.name))}`)
    checked.push({ name: t.name, source: t.rows, target: Number(row.n) })
  }
  const wrong = checked.filter((c) => c.source !== c.target)
  if (wrong.length) throw new Error(`row counts differ after the move: ${wrong.map((c) => `${c.name} ${c.source} → ${c.target}`).join(', ')}`)
  return { ...restored, checked }
}
