import { timingSafeEqual } from 'node:crypto'
import type { Ctx } from '../../core/context'
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../../core/errors'
import { processCounters } from '../../core/admin/runtime'
import { databaseConnections, queueFigures } from '../../core/admin/metrics'
import { budgetBytes, budgetCollections } from '../../core/memory-budget'
import { normalizeIp } from '../../core/security/client-ip'
import { ROOKERY_VERSION } from '../../version'
import type { Base } from '../base'
import { httpStats } from '../observability/requests'
import { CONTENT_TYPE, Exposition } from '../observability/prometheus'

type Server = { requestIP(request: Request): { address: string } | null } | null

const PROXY_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip']

function isLoopback(address: string | null): boolean {
  return !!address && (address.startsWith('127.') || address === '0000:0000:0000:0000:0000:0000:0000:0001')
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * Off: 404, as if there were no such page. With a token: `Authorization: Bearer <token>` from anywhere. Without one:
 * only a client on this machine, connected directly. A request a proxy passed on (it names the client in a forwarding
 * header) is refused even from loopback, since a proxy on this machine would otherwise open the figures to everyone.
 */
function admit(ctx: Ctx, request: Request, server: Server) {
  const { enabled, token } = ctx.config.metrics
  if (!enabled) throw new NotFoundError()
  if (token) {
    const [scheme, value = ''] = (request.headers.get('authorization') ?? '').trim().split(/\s+/, 2)
    if (!/^bearer$/i.test(scheme) || !sameToken(value, token)) throw new UnauthorizedError('A valid metrics token is required')
    return
  }
  let peer: string | null = null
  try {
    peer = normalizeIp(server?.requestIP(request)?.address)
  } catch {}
  if (!isLoopback(peer) || PROXY_HEADERS.some((h) => request.headers.has(h))) throw new ForbiddenError('Metrics are open to this machine only')
}

/** Database-side figures; a database that cannot answer leaves them out and says so in `rookery_database_up`. */
async function databaseSection(ctx: Ctx, out: Exposition) {
  const availability = ctx.database.availability
  const started = performance.now()
  let up = availability ? availability.up : true
  let queues = null
  let connections: Record<string, number> | null = null
  if (up) {
    try {
      queues = await queueFigures(ctx)
      connections = ctx.database.kind === 'postgres' ? await databaseConnections(ctx) : null
    } catch {
      up = false
    }
  }
  out.family('rookery_database_up', 'gauge', 'Whether the database answered this scrape (1) or not (0).', [[{ kind: ctx.database.kind }, up ? 1 : 0]])
  out.family('rookery_database_scrape_seconds', 'gauge', 'Time the database queries of this scrape took.', [[{}, (performance.now() - started) / 1000]])
  if (connections) {
    out.family('rookery_database_connections', 'gauge', 'Connections to this database by state, from every process (pg_stat_activity).',
      Object.entries(connections).map(([state, n]) => [{ state }, n]))
  }
  if (queues) {
    out.family('rookery_jobs', 'gauge', 'Jobs in the durable queue per queue and state (created, retry, active, completed, cancelled, failed); federation deliveries are the federation.* queues.',
      queues.states.map((s) => [{ queue: s.queue, state: s.state }, s.jobs]))
    out.family('rookery_jobs_oldest_waiting_seconds', 'gauge', 'Age of the oldest job that is due and not yet started, per queue.',
      Object.entries(queues.oldestWaitingSeconds).map(([queue, s]) => [{ queue }, s]))
  }
}

async function exposition(ctx: Ctx): Promise<string> {
  const out = new Exposition()
  const memory = process.memoryUsage()
  out.family('rookery_build_info', 'gauge', 'The running version.', [[{ version: ROOKERY_VERSION }, 1]])
  out.family('process_start_time_seconds', 'gauge', 'Start time of the process since the Unix epoch, in seconds.', [[{}, Math.floor(processCounters.startedAt / 1000)]])
  out.family('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', [[{}, memory.rss]])
  out.family('rookery_heap_used_bytes', 'gauge', 'JavaScript heap in use, in bytes.', [[{}, memory.heapUsed]])
  out.family('rookery_heap_total_bytes', 'gauge', 'JavaScript heap reserved, in bytes.', [[{}, memory.heapTotal]])
  out.family('rookery_memory_budget_bytes', 'gauge', 'Resident memory this process aims to stay under (memoryBudgetMb; 0 for none).', [[{}, budgetBytes(ctx.config.memoryBudgetMb)]])
  out.family('rookery_memory_budget_collections_total', 'counter', 'Full collections made because the resident memory was above the budget.', [[{}, budgetCollections()]])
  out.family('rookery_http_requests_total', 'counter', 'HTTP requests answered, by method, route template and status class.', httpStats.requests.samples())
  httpStats.duration.write(out, 'rookery_http_request_duration_seconds', 'Time to answer HTTP requests, by method, route template and status class.')
  out.family('rookery_http_requests_in_flight', 'gauge', 'HTTP requests being answered now (this scrape included).', [[{}, httpStats.inFlight]])
  const streams = processCounters.activeStreams()
  if (streams !== null) out.family('rookery_streaming_connections', 'gauge', 'Open streaming connections (WebSocket and server-sent events).', [[{}, streams]])
  await databaseSection(ctx, out)
  return out.text()
}

/** Prometheus metrics of this process and its database (see `metrics` in the configuration). */
export const metricsApi = (app: Base) =>
  app
    .get('/metrics', async (c) => {
      admit(c.ctx, c.request, (c as unknown as { server?: Server }).server ?? null)
      return new Response(await exposition(c.ctx), { headers: { 'content-type': CONTENT_TYPE, 'cache-control': 'no-store' } })
    }, { auth: 'client' })
