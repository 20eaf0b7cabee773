import { Command } from 'commander'
import { instanceOverview } from '../../core/admin/instance'
import { startCommand, withDatabase, type GlobalOptions } from '../context'

function showCommand() {
  return new Command('show')
    .description('show the instance: name, domain, version, registrations and how many users and statuses it has')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `
Users are local users who can log in; statuses are those written by local users.

Examples:
  $ rookery instance show
  $ rookery instance show --json | jq .users`)
    .action(async (_opts: GlobalOptions, cmd: Command) => {
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
        const o = await instanceOverview(ctx)
        await run.out.result({
          name: o.name, domain: o.domain, base_url: o.baseUrl, version: o.version, registrations: o.registrations,
          contact_email: o.contactEmail, users: o.users, active_users_month: o.activeUsersMonth, statuses: o.statuses, known_domains: o.knownDomains,
        }, [{
          kind: 'fields',
          rows: [
            ['Name', o.name],
            ['Domain', o.domain],
            ['URL', o.baseUrl],
            ['Version', `Rookery ${o.version}`],
            ['Registrations', o.registrations],
            ['Contact', o.contactEmail || '(none)'],
            ['Users', `${o.users} (${o.activeUsersMonth} active this month)`],
            ['Statuses', String(o.statuses)],
            ['Known domains', String(o.knownDomains)],
          ],
        }])
      })
    })
}

export function instanceCommand() {
  return new Command('instance')
    .description('information about this instance')
    .addCommand(showCommand())
    .addHelpText('after', `
Examples:
  $ rookery instance show`)
}
