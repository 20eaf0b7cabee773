import { Command } from 'commander'
import { databaseFigures, type DatabaseFigures, type ServerFigures } from '../../core/admin/runtime'
import type { Ctx } from '../../core/context'
import { federationDeliveries } from '../../core/federation/deliveries'
import { unavailableDomainCount } from '../../core/federation/domains'
import { fetchServerFigures } from '../../server/control'
import { startCommand, withDatabase, type GlobalOptions } from '../context'
import { isTerminal } from '../output'
import { positiveInt } from '../options'
import { bytes } from './db'

export interface TopSnapshot extends DatabaseFigures {
  at: string
  /** null when no server answers on this configuration's control socket */
  server: ServerFigures | null
  federation: FederationFigures
}

export interface FederationFigures {
  /** deliveries waiting (first try or retry) or running */
  queued: number
  retrying: number
  /** deliveries given up after every retry */
  failed: number
  /** hosts skipped after failing for long */
  unavailable_domains: number
  /** the receiving domains with the most failed deliveries, worst first */
  failing: { domain: string; failed: number; retrying: number; last_error: string | null }[]
}

const FAILING_SHOWN = 3

async function federationFigures(ctx: Ctx): Promise<FederationFigures> {
  const [{ queues, domains }, unavailable] = await Promise.all([federationDeliveries(ctx), unavailableDomainCount(ctx)])
  const sum = (pick: (q: (typeof queues)[number]) => number) => queues.reduce((n, q) => n + pick(q), 0)
  return {
    queued: sum((q) => q.queued + q.active),
    retrying: sum((q) => q.retrying),
    failed: sum((q) => q.failed),
    unavailable_domains: unavailable,
    failing: domains.filter((d) => d.failed || d.retrying).slice(0, FAILING_SHOWN)
      .map((d) => ({ domain: d.domain, failed: d.failed, retrying: d.retrying, last_error: d.lastError })),
  }
}

async function snapshot(ctx: Ctx): Promise<TopSnapshot> {
  const [figures, server, federation] = await Promise.all([databaseFigures(ctx), fetchServerFigures(ctx.config), federationFigures(ctx)])
  return { at: new Date().toISOString(), server, ...figures, federation }
}

const grouped = (n: number) => n.toLocaleString('en-US')

function duration(seconds: number): string {
  const d = Math.floor(seconds / 86_400)
  const h = Math.floor((seconds % 86_400) / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  if (d) return `${d}d ${h}h`
  if (h) return `${h}h ${m}m`
  return m ? `${m}m ${seconds % 60}s` : `${seconds}s`
}

const NO_SERVER = 'n/a (no server running for this configuration)'

/** The dashboard's lines, shared by the live view and the one-shot snapshot. */
export function snapshotRows(s: TopSnapshot): [string, string][] {
  const server = s.server
  const queue = s.queue
  const queued = queue ? Object.values(queue).reduce((a, b) => a + b, 0) : 0
  return [
    ['Server', server ? `pid ${server.pid} · up ${duration(server.uptime_seconds)} · Rookery ${server.version} · ${bytes(server.memory_rss_bytes)} memory` : NO_SERVER],
    ['Requests', server ? `${server.requests_per_second.toFixed(1)}/s over the last 10s · ${grouped(server.requests_total)} since start` : 'n/a'],
    ['Streams', server ? (server.active_streams === null ? 'n/a (streaming not running)' : `${grouped(server.active_streams)} open`) : 'n/a'],
    ['Users', `${grouped(s.users.local)} local (${grouped(s.users.active)} active, ${grouped(s.users.pending)} pending) · ${grouped(s.users.remote)} remote accounts`],
    ['Posts', `${grouped(s.statuses.local)} by local users · ${s.statuses.total_estimated ? '≈' : ''}${grouped(s.statuses.total)} stored`],
    ['Queue', queue === null
      ? 'n/a (the job queue has not been set up in this database yet)'
      : `${grouped(queued)} waiting or running${queued ? ` (${Object.entries(queue).filter(([, n]) => n).map(([name, n]) => `${name} ${n}`).join(', ')})` : ''}`],
    ['Federation', `${grouped(s.federation.queued)} deliveries queued (${grouped(s.federation.retrying)} retrying) · ${grouped(s.federation.failed)} failed · ${grouped(s.federation.unavailable_domains)} domains unavailable`],
    ...s.federation.failing.map((d): [string, string] => ['  failing', `${d.domain}: ${grouped(d.failed)} failed, ${grouped(d.retrying)} retrying${d.last_error ? ` · ${d.last_error.slice(0, 60)}` : ''}`]),
  ]
}

export function topCommand() {
  return new Command('top')
    .description('live dashboard of the instance: users, posts, job queue, federation deliveries, request rate and open streams')
    .option('-i, --interval <seconds>', 'seconds between refreshes', positiveInt, 1)
    .option('--json', 'print one snapshot as JSON and exit')
    .addHelpText('after', `
On a terminal the figures refresh until you press q (or Ctrl-C). Piped, or with --json, one snapshot is printed.
Request rate, open streams and memory come from the running server (over a private socket next to its data);
without a running server they show "n/a". The rest is read from the database.

Examples:
  $ rookery top
  $ rookery top --interval 5
  $ rookery top --json | jq .queue`)
    .action(async (opts: { interval: number } & GlobalOptions, cmd: Command) => {
      const run = await startCommand(cmd)
      const live = run.out.mode === 'tty' && isTerminal()
      await withDatabase(run, async (ctx) => {
        if (!live) {
          const s = await snapshot(ctx)
          await run.out.result(s, [{ kind: 'fields', rows: snapshotRows(s) }])
          return
        }
        const { runDashboard } = await import('../top-view')
        await runDashboard(ctx.config.domain, () => snapshot(ctx), opts.interval * 1000)
      }, { migrate: false })
    })
}
