import { Command } from 'commander'
import { migrate, migrationStatus } from '../../db/migrate'
import { startCommand, withDatabase } from '../context'

export function migrateCommand() {
  const cmd = new Command('migrate')
    .description('apply or inspect the database migrations embedded in this build (default: up)')
    .addHelpText('after', `
Examples:
  $ rookery migrate            # same as "migrate up"
  $ rookery migrate status
  $ rookery migrate status --json`)

  cmd.command('up', { isDefault: true })
    .description('apply every pending migration')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `
"serve" applies pending migrations on start, so this is only needed to migrate ahead of a start
(for example before switching traffic to a new version).

Examples:
  $ rookery migrate up
  $ DATABASE_URL=postgres://rookery@localhost/rookery rookery migrate up --json`)
    .action(async (_opts: unknown, command: Command) => {
      const run = await startCommand(command)
      await withDatabase(run, async (ctx) => {
        const applied = await run.out.task('Applying migrations', () => migrate(ctx.db))
        const total = (await migrationStatus(ctx.db)).length
        await run.out.result(
          { applied, total, database: ctx.database.describe },
          [applied.length
            ? { kind: 'success', text: `Applied ${applied.length} migration${applied.length === 1 ? '' : 's'}: ${applied.join(', ')}` }
            : { kind: 'success', text: `The database schema is up to date (${total} migration${total === 1 ? '' : 's'} applied)` }],
        )
      }, { migrate: false })
    })

  cmd.command('status')
    .description('list the embedded migrations and whether each is applied')
    .option('--json', 'print the list as JSON')
    .addHelpText('after', `
Exits with 0 whether or not migrations are pending; scripts can check the "applied" fields of --json.

Examples:
  $ rookery migrate status
  $ rookery migrate status --json | jq '.[] | select(.applied | not)'`)
    .action(async (_opts: unknown, command: Command) => {
      const run = await startCommand(command)
      await withDatabase(run, async (ctx) => {
        const status = await migrationStatus(ctx.db)
        const pending = status.filter((m) => !m.applied).length
        await run.out.result(
          status.map((m) => ({ name: m.tag, applied: m.applied })),
          [
            { kind: 'table', columns: ['Migration', 'Status'], rows: status.map((m) => [m.tag, m.applied ? 'applied' : 'pending']), empty: 'This build has no migrations.' },
            pending
              ? { kind: 'warning', text: `${pending} pending: run "rookery migrate" (or start the server) to apply` }
              : { kind: 'note', text: `Database: ${ctx.database.describe}` },
          ],
        )
      }, { migrate: false })
    })
  return cmd
}
