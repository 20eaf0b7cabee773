import { Command, InvalidArgumentError } from 'commander'
import { runDoctor, type CheckState } from '../../core/admin/doctor'
import { startCommand, type GlobalOptions } from '../context'
import { CliError } from '../errors'
import type { Block } from '../output'

const STATE_LABEL: Record<CheckState, string> = { ok: 'ok', warn: 'warning', fail: 'FAILED', skip: 'skipped' }

function seconds(value: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0 || n > 120) throw new InvalidArgumentError('give a number of seconds between 0 and 120')
  return n
}

export function doctorCommand() {
  return new Command('doctor')
    .description('check the installation: configuration, database, migrations, identity, media, disk, jobs, clock and the public URL')
    .option('--offline', 'do not ask the public URL for the instance')
    .option('--timeout <seconds>', 'how long each network or database check may take', seconds, 5)
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `
Each check says ok, warning, FAILED or skipped, with what to do about anything not ok. The exit code is 1 when a check
failed (warnings alone exit 0), so it can run from a monitoring system. With the embedded database it works while
rookery serve runs (through the server) and while it is stopped.

Examples:
  $ rookery doctor
  $ rookery doctor --offline --json | jq '.checks[] | select(.state != "ok")'`)
    .action(async (opts: GlobalOptions & { offline?: boolean; timeout: number }, cmd: Command) => {
      const run = await startCommand(cmd)
      const checks = await run.out.task('Checking', () => runDoctor(run.config, { network: !opts.offline, timeoutMs: opts.timeout * 1000 }))
      const failed = checks.filter((c) => c.state === 'fail')
      const blocks: Block[] = [{
        kind: 'table',
        columns: ['Check', 'State', 'Detail'],
        rows: checks.map((c) => [c.name, STATE_LABEL[c.state], c.detail]),
        empty: 'No checks ran.',
      }]
      for (const c of checks) if (c.fix) blocks.push({ kind: c.state === 'fail' ? 'warning' : 'note', text: `${c.name}: ${c.fix}` })
      if (!failed.length) blocks.push({ kind: 'success', text: checks.some((c) => c.state === 'warn') ? 'No check failed; see the warnings above.' : 'Everything looks right.' })
      await run.out.result({ ok: failed.length === 0, checks }, blocks)
      if (failed.length) throw new CliError(`${failed.length} check${failed.length === 1 ? '' : 's'} failed: ${failed.map((c) => c.name).join(', ')}`)
    })
}
