import { Command } from 'commander'
import { maskedConfig } from '../../core/admin/config'
import { startCommand, type GlobalOptions } from '../context'

/** `{ a: { b: 1 } }` → `[['a.b', '1']]`; lists and empty objects stay on one line. */
function flatten(value: unknown, prefix = ''): [string, string][] {
  if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length) {
    return Object.entries(value).flatMap(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k))
  }
  const text = value === null ? '(none)' : typeof value === 'string' ? (value === '' ? '""' : value) : JSON.stringify(value)
  return [[prefix, text]]
}

function showCommand() {
  return new Command('show')
    .description('print the effective configuration (file, environment and flags merged), secrets masked')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `
Passwords, secret keys and the password inside URLs (DATABASE_URL, ROOKERY_SMTP_URL) show as ********.
Nothing is read from the database, so this works without one.

Examples:
  $ rookery config show
  $ rookery config show --json | jq .registrations
  $ ROOKERY_CONFIG=/etc/rookery.json rookery config show`)
    .action(async (_opts: GlobalOptions, cmd: Command) => {
      const run = await startCommand(cmd)
      const config = maskedConfig(run.config)
      await run.out.result(config, [{ kind: 'fields', rows: flatten(config) }])
    })
}

export function configCommand() {
  return new Command('config')
    .description('inspect the configuration')
    .addCommand(showCommand())
    .addHelpText('after', `
Examples:
  $ rookery config show`)
}
