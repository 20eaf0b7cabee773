import { Command } from 'commander'
import { databaseStatus, vacuumDatabase } from '../../core/admin/database'
import { startCommand, withDatabase, type GlobalOptions } from '../context'
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

export function dbCommand() {
  return new Command('db')
    .description('inspect and maintain the database')
    .addCommand(statusCommand())
    .addCommand(vacuumCommand())
    .addHelpText('after', `
Examples:
  $ rookery db status
  $ rookery db vacuum`)
}
