import { Command } from 'commander'
import { cliConfig, type GlobalOptions } from '../context'
import { governMemory } from '../../core/memory-budget'
import { write } from '../output'
import { restoreJitThresholds } from '../jit'
import { port } from '../options'
import { ROOKERY_VERSION as VERSION } from '../../version'

export function serveCommand() {
  return new Command('serve')
    .description('run the API server (applies pending migrations first)')
    .option('-p, --port <port>', 'port to listen on (default: $PORT or 4000; 0 picks a free one)', port)
    .option('-H, --host <host>', 'address to listen on (default: $ROOKERY_HOST or 127.0.0.1; 0.0.0.0 for every interface)')
    .option('--no-jobs', 'serve HTTP only: leave the job queues to `rookery worker` processes')
    .option('--json', 'print the startup line as JSON')
    .addHelpText('after', `
With no DATABASE_URL, the data lives in an embedded PostgreSQL (PGlite) in ROOKERY_DATA_DIR (default ./data).
While the server runs, other rookery commands on the same folder go through it; a second server is refused.
SIGINT or SIGTERM stops it cleanly.

Examples:
  $ rookery serve
  $ rookery serve --port 8080 --host 0.0.0.0
  $ rookery serve --no-jobs          # beside one or more \`rookery worker\` (PostgreSQL)
  $ DATABASE_URL=postgres://rookery@localhost/rookery rookery serve
  $ ROOKERY_DOMAIN=social.example.org ROOKERY_DATA_DIR=/var/lib/rookery rookery serve`)
    .action(async (opts: { port?: number; host?: string; jobs: boolean } & GlobalOptions, cmd: Command) => {
      const config = cliConfig(cmd, { ...(opts.port !== undefined ? { port: opts.port } : {}), ...(opts.host ? { host: opts.host } : {}) })
      const { startServer, stopOnSignals } = await import('../../server/serve') // admin commands need not load the HTTP stack
      const server = await startServer(config, { jobs: opts.jobs })
      restoreJitThresholds() // it has answered (and its workers are up): what runs from now on is the work
      governMemory(config.memoryBudgetMb)
      stopOnSignals(server)
      const database = server.ctx.database.describe
      if (cmd.optsWithGlobals<GlobalOptions>().json) {
        await write(process.stdout, JSON.stringify({ version: VERSION, url: server.url, base_url: config.baseUrl, database, jobs: opts.jobs, pid: process.pid }) + '\n')
      } else {
        const loopback = (url: string) => url.replace(/\/\/(localhost|127\.0\.0\.1|\[::1\])(?=[:/]|$)/, '//localhost')
        const publicUrl = loopback(config.baseUrl) !== loopback(server.url) ? `, public URL ${config.baseUrl}` : ''
        await write(process.stdout, `Rookery ${VERSION} listening on ${server.url}${publicUrl} (database: ${database}${opts.jobs ? '' : '; jobs left to workers'})\n`)
      }
      await new Promise(() => {}) // runs until a signal stops it
    })
}
