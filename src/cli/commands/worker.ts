import { Command } from 'commander'
import { cliConfig, type GlobalOptions } from '../context'
import { governMemory } from '../../core/memory-budget'
import { restoreJitThresholds } from '../jit'
import { write } from '../output'
import { ROOKERY_VERSION as VERSION } from '../../version'

export function workerCommand() {
  return new Command('worker')
    .description('run the background job queues (deliveries, fan-out, push, previews, imports...) without HTTP')
    .option('--json', 'print the startup line as JSON')
    .addHelpText('after', `
Pair it with \`rookery serve --no-jobs\` to scale the HTTP side and the background side apart: any number of each
against one PostgreSQL database (DATABASE_URL). The embedded database serves one process at a time, so there the
worker runs only while no server holds the data folder. SIGINT or SIGTERM stops it after the jobs it holds.

Examples:
  $ rookery worker
  $ DATABASE_URL=postgres://rookery@db/rookery rookery worker --json`)
    .action(async (_opts: GlobalOptions, cmd: Command) => {
      const config = cliConfig(cmd)
      const { startWorkerProcess } = await import('../../workers')
      const { stopOnSignals } = await import('../../server/serve')
      const worker = await startWorkerProcess(config)
      restoreJitThresholds()
      governMemory(config.memoryBudgetMb)
      stopOnSignals(worker)
      const database = worker.ctx.database.describe
      if (cmd.optsWithGlobals<GlobalOptions>().json) {
        await write(process.stdout, JSON.stringify({ version: VERSION, worker: true, base_url: config.baseUrl, database, pid: process.pid }) + '\n')
      } else {
        await write(process.stdout, `Rookery ${VERSION} worker running for ${config.baseUrl} (database: ${database})\n`)
      }
      await new Promise(() => {}) // runs until a signal stops it
    })
}
