import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { Command } from 'commander'
import { assertRestorable, backupDatabase, backupTables, checkTarget, moveDatabase, readBackupHeader, restoreDatabase, type TableCount } from '../../core/admin/backup'
import { databaseStatus, vacuumDatabase } from '../../core/admin/database'
import { openPostgres } from '../../db/client'
import { readLock } from '../../db/lock'
import { startCommand, withDatabase, type CommandRun, type GlobalOptions } from '../context'
import { CliError } from '../errors'
import type { Block } from '../output'

/** 1536 → "1.5 KiB". */
export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = n
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}

function statusCommand() {
  return new Command('status')
    .description('show the database: where it is, its size, migrations and the largest tables')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `
Connection details never include the password. Row counts come from PostgreSQL's statistics (exact after
"rookery db vacuum").

Examples:
  $ rookery db status
  $ rookery db status --json | jq '.tables[] | select(.name == "statuses")'`)
    .action(async (_opts: GlobalOptions, cmd: Command) => {
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
        const status = await databaseStatus(ctx)
        const { connection: c, migrations: m } = status
        const rows: [string, string][] = [['Database', c.description]]
        if (c.host) rows.push(['Host', `${c.host}:${c.port}`], ['Name', c.database ?? ''], ['User', c.user ?? ''])
        if (c.ssl) rows.push(['SSL', c.ssl])
        if (c.dataDir) rows.push(['Data folder', c.dataDir])
        rows.push(
          ['Server', `PostgreSQL ${status.serverVersion}${status.kind === 'pglite' ? ' (PGlite)' : ''}`],
          ['Size', bytes(status.sizeBytes)],
          ['Migrations', `${m.applied} of ${m.total} applied${m.last ? ` (last: ${m.last})` : ''}`],
        )
        const blocks: Block[] = [
          { kind: 'fields', rows },
          { kind: 'table', columns: ['Table', 'Rows', 'Size'], rows: status.tables.map((t) => [t.name, String(t.rows), bytes(t.bytes)]), empty: 'No tables yet.' },
        ]
        if (m.pending.length) blocks.push({ kind: 'warning', text: `${m.pending.length} migration${m.pending.length === 1 ? '' : 's'} pending: run "rookery migrate"` })
        await run.out.result({
          kind: status.kind,
          connection: c,
          server_version: status.serverVersion,
          size_bytes: status.sizeBytes,
          migrations: m,
          tables: status.tables,
        }, blocks)
      }, { migrate: false })
    })
}

function vacuumCommand() {
  return new Command('vacuum')
    .description('VACUUM ANALYZE the database: reuse the space of deleted rows and refresh the query planner statistics')
    .option('--full', 'rewrite every table to give space back to the system (locks each table while it runs)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `
A plain vacuum runs alongside the server. --full takes an exclusive lock on each table while rewriting it, so the
server waits on that table meanwhile, and it needs free disk space as large as the biggest table: run it when the
instance is quiet.

Examples:
  $ rookery db vacuum
  $ rookery db vacuum --full`)
    .action(async (opts: { full?: boolean }, cmd: Command) => {
      const run = await startCommand(cmd)
      if (opts.full) await run.out.note('warning: VACUUM FULL locks each table while rewriting it; requests touching that table wait until it is done')
      await withDatabase(run, async (ctx) => {
        const done = await run.out.task(opts.full ? 'Running VACUUM FULL ANALYZE' : 'Running VACUUM ANALYZE', () => vacuumDatabase(ctx, { full: opts.full }))
        const change = done.beforeBytes - done.afterBytes
        await run.out.result(
          { full: done.full, before_bytes: done.beforeBytes, after_bytes: done.afterBytes, seconds: done.seconds },
          [{ kind: 'success', text: `${done.full ? 'VACUUM FULL ANALYZE' : 'VACUUM ANALYZE'} done in ${done.seconds}s: ${bytes(done.afterBytes)}${change > 0 ? ` (${bytes(change)} given back)` : ''}` }],
        )
      }, { migrate: false })
    })
}

function mediaNote(run: CommandRun): string {
  const { media } = run.config
  return media.s3
    ? `Uploaded files are not in the backup: they stay in the bucket ${media.s3.bucket}.`
    : `Uploaded files are not in the backup: they stay in ${media.dir}; copy that folder alongside it.`
}

/** The embedded database may not be replaced under a running server. */
function refuseWhileServing(run: CommandRun, doing: string) {
  if (run.config.databaseUrl) return
  const holder = readLock(run.config.dataDir)
  if (holder) throw new CliError(`rookery serve (pid ${holder.pid}) is running on ${run.config.dataDir}: stop it before ${doing}`)
}

/** A progress line per table with rows; empty tables only move the bar. */
const tableLine = (t: TableCount) => (t.rows ? `${t.name}: ${t.rows} row${t.rows === 1 ? '' : 's'}` : '')

function backupCommand() {
  return new Command('backup')
    .description('write a consistent backup of the whole database to a file (gzip\'d JSON lines)')
    .argument('<file>', 'where to write it, e.g. rookery-2026-01-31.jsonl.gz')
    .option('--force', 'overwrite the file when it exists')
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', `
Every table of the instance and of its job queue is read in one snapshot, so the backup is consistent even while
"rookery serve" runs (on the embedded database the server waits for the backup meanwhile, usually a few seconds).
The file is the same for PGlite and PostgreSQL and names the migration level and the instance's domain; it holds
keys, tokens and password hashes, so keep it as private as the database. Uploaded media files are not in it.

Examples:
  $ rookery db backup /var/backups/rookery-$(date +%F).jsonl.gz
  $ rookery db backup backup.jsonl.gz --json | jq .rows`)
    .action(async (file: string, opts: { force?: boolean }, cmd: Command) => {
      const run = await startCommand(cmd)
      const path = resolve(file)
      if (existsSync(path) && !opts.force) throw new CliError(`${file} exists: choose another name or add --force to overwrite it`)
      await withDatabase(run, async (ctx) => {
        const total = (await backupTables(ctx.db)).length
        const done = await run.out.progress(`Backing up to ${file}`, total, (step) =>
          backupDatabase(ctx, path, { onTable: (t) => step(tableLine(t)) }))
        await run.out.result({
          file: done.file,
          bytes: done.bytes,
          rows: done.rows,
          seconds: done.seconds,
          migration_level: done.header.migrations.level,
          domain: done.header.instance.domain,
          tables: done.tables,
        }, [
          { kind: 'success', text: `Backed up ${done.rows} rows of ${done.tables.length} tables to ${file} (${bytes(done.bytes)}) in ${done.seconds}s` },
        ])
        await run.out.note(mediaNote(run))
      }, { migrate: false, claimIdentity: false })
    })
}

function restoreCommand() {
  return new Command('restore')
    .description('load a backup into an empty database (the configured one: DATABASE_URL or the data folder)')
    .argument('<file>', 'a file written by "rookery db backup"')
    .option('--force', 'empty the target database first when it already holds data')
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', `
The target is made ready (migrations, job queue) and filled in one transaction: a failed restore leaves nothing
behind. It must be empty unless --force is given, and this Rookery must be at the backup's migration level; restore
an older backup with the version that made it, then start the new version to upgrade. Stop "rookery serve" first.
Start the restored instance with the same domain (ROOKERY_DOMAIN) as the backup's: it is part of every address.

Examples:
  $ rookery db restore rookery-2026-01-31.jsonl.gz
  $ rookery --data-dir /var/lib/rookery db restore rookery-2026-01-31.jsonl.gz --json
  $ DATABASE_URL=postgres://rookery@localhost/rookery rookery db restore rookery-2026-01-31.jsonl.gz`)
    .action(async (file: string, opts: { force?: boolean }, cmd: Command) => {
      const run = await startCommand(cmd)
      const path = resolve(file)
      if (!existsSync(path)) throw new CliError(`cannot read ${file}: no such file`)
      const header = await readBackupHeader(path)
      assertRestorable(header)
      refuseWhileServing(run, 'restoring into its database')
      await withDatabase(run, async (ctx) => {
        const done = await run.out.progress(`Restoring ${file}`, header.tables.length, (step) =>
          restoreDatabase(ctx, path, { force: opts.force, onTable: (t) => step(tableLine(t)) }))
        const blocks: Block[] = [
          { kind: 'success', text: `Restored ${done.rows} rows into ${done.tables.length} tables from ${file} (made ${done.header.created_at} by Rookery ${done.header.rookery_version}) in ${done.seconds}s` },
        ]
        if (done.domainMismatch) blocks.push({ kind: 'warning', text: `the backup is of ${done.domainMismatch}, but this configuration names ${run.config.domain}: start the instance with ROOKERY_DOMAIN=${done.domainMismatch}` })
        await run.out.result({
          file: path,
          rows: done.rows,
          seconds: done.seconds,
          sequences: done.sequences,
          backup: { created_at: done.header.created_at, rookery_version: done.header.rookery_version, domain: done.header.instance.domain, migration_level: done.header.migrations.level },
          domain_mismatch: done.domainMismatch,
          tables: done.tables,
        }, blocks)
        await run.out.note('Uploaded media files are not in backups: put the media folder (or the bucket settings) of the old instance in place.')
      }, { migrate: false, claimIdentity: false })
    })
}

function moveCommand() {
  return new Command('move')
    .description('copy the whole database into an empty PostgreSQL database, typically from the embedded one')
    .requiredOption('--to <url>', 'the new database, e.g. postgres://rookery:secret@localhost/rookery')
    .option('--force', 'empty the target database first when it already holds data')
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', `
Stop "rookery serve" first: anything written after the copy would stay behind. The data is read in one snapshot,
loaded in one transaction, and the row counts of every table are compared afterwards. Keys, tokens, the job queue
and the instance settings come along, so clients stay logged in. The old database is left as it was. Uploaded
media files stay where they are: keep ROOKERY_DATA_DIR (or ROOKERY_MEDIA_DIR) as it is so they are found.

Examples:
  $ rookery db move --to postgres://rookery:secret@localhost/rookery
  $ rookery --data-dir /var/lib/rookery db move --to "$NEW_DATABASE_URL" --json`)
    .action(async (opts: { to: string; force?: boolean }, cmd: Command) => {
      const run = await startCommand(cmd)
      let url: URL
      try {
        url = new URL(opts.to)
      } catch {
        throw new CliError('--to must be a PostgreSQL URL such as postgres://user:password@host/database', 2)
      }
      if (!/^postgres(ql)?:$/.test(url.protocol)) throw new CliError('--to must be a PostgreSQL URL such as postgres://user:password@host/database', 2)
      if (run.config.databaseUrl && run.config.databaseUrl === opts.to) throw new CliError('--to names the database this instance already uses')
      refuseWhileServing(run, 'moving its database')
      const masked = opts.to.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')
      const target = openPostgres(opts.to, 2, masked)
      try {
        await checkTarget(target.db, { force: opts.force })
        await withDatabase(run, async (ctx) => {
          const total = (await backupTables(ctx.db)).length
          const done = await run.out.progress(`Moving to ${masked}`, total, (step) =>
            moveDatabase(ctx, target, { force: opts.force, onTable: (t) => step(tableLine(t)) }))
          const where = run.config.media.s3 ? `in the bucket ${run.config.media.s3.bucket}` : `in ${run.config.media.dir}`
          const next = [
            `Next: stop using the old database by setting DATABASE_URL=${masked} (environment, or "databaseUrl" in rookery.json), then start "rookery serve".`,
            `Uploaded files stay ${where}; keep the media settings as they are.${run.config.databaseUrl ? '' : ` The embedded data folder ${run.config.dataDir} is left as it was: keep it until the new setup runs well.`}`,
          ]
          await run.out.result({
            to: masked,
            rows: done.rows,
            seconds: done.seconds,
            sequences: done.sequences,
            tables: done.checked,
            next,
          }, [
            { kind: 'success', text: `Moved ${done.rows} rows of ${done.checked.length} tables in ${done.seconds}s; row counts match table by table` },
            ...next.map((text) => ({ kind: 'note' as const, text })),
          ])
        }, { claimIdentity: false })
      } finally {
        await target.close()
      }
    })
}

export function dbCommand() {
  return new Command('db')
    .description('inspect and maintain the database')
    .addCommand(statusCommand())
    .addCommand(vacuumCommand())
    .addCommand(backupCommand())
    .addCommand(restoreCommand())
    .addCommand(moveCommand())
    .addHelpText('after', `
Examples:
  $ rookery db status
  $ rookery db vacuum
  $ rookery db backup rookery.jsonl.gz
  $ rookery db restore rookery.jsonl.gz
  $ rookery db move --to postgres://rookery:secret@localhost/rookery`)
}
