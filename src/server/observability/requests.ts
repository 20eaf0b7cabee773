import { Elysia } from 'elysia'
import type { Config } from '../../config'
import { logRequest, type LogFormat } from './log'
import { Counter, Histogram } from './prometheus'

/** What is known about a request while it runs: its route template once routed, its account once authenticated. */
export interface RequestInfo {
  id: string
  startedAt: number
  route: string | null
  accountId: string | null
  logFormat: LogFormat
}

/** An id a proxy (or client) sent is kept when it is short and plain, so that its logs and ours name the same request. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:@+=\/-]{1,128}$/

export function requestIdFor(request: Request): string {
  const given = request.headers.get('x-request-id')
  return given && SANE_REQUEST_ID.test(given) ? given : crypto.randomUUID()
}

/** Sets a header on any answer: some Responses (redirects, fetched ones) have immutable headers and are copied first. */
function withHeader(response: Response, name: string, value: string): Response {
  try {
    response.headers.set(name, value)
    return response
  } catch {
    const copy = new Response(response.body, response)
    copy.headers.set(name, value)
    return copy
  }
}

const infos = new WeakMap<Request, RequestInfo>()

export const requestInfo = (request: Request): RequestInfo | undefined => infos.get(request)

/** Called by the `auth` macro once the viewer is known. */
export function noteAccount(request: Request, accountId: string | null | undefined) {
  const info = infos.get(request)
  if (info && accountId) info.accountId = accountId
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])

/** Seconds; from a cached answer to a slow search or an upload. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/** What this process counted of its HTTP traffic, for `/metrics`. Label values are bounded: route templates, not paths. */
export const httpStats = {
  requests: new Counter(),
  duration: new Histogram(DURATION_BUCKETS),
  inFlight: 0,
}

export function statusClass(status: number): string {
  return status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'other'
}

function finish(config: Config, request: Request, info: RequestInfo, status: number) {
  const seconds = (performance.now() - info.startedAt) / 1000
  const method = METHODS.has(request.method) ? request.method : 'OTHER'
  const labels = {
    method,
    // Requests no route took (ActivityPub documents answered by Fedify, unknown paths, early refusals) share one label.
    route: info.route ?? 'none',
    status: statusClass(status),
  }
  httpStats.requests.inc(labels)
  httpStats.duration.observe(labels, seconds)
  if (!config.logRequests) return
  let path = '?'
  try {
    path = new URL(request.url).pathname // never the query: it may carry an access token
  } catch {}
  logRequest(info.logFormat, { method, path, route: info.route, status, durationMs: seconds * 1000, requestId: info.id, accountId: info.accountId })
}

/**
 * Gives every request an id (answered in `X-Request-Id`), times it whichever hook answers it, counts it by route
 * template and status class, and logs it when request logging is on.
 */
export function observabilityPlugin(config: Config) {
  return new Elysia({ name: 'plugin.observability' })
    .wrap((handle, request) => (async (...args: unknown[]) => {
      const info: RequestInfo = { id: requestIdFor(request), startedAt: performance.now(), route: null, accountId: null, logFormat: config.logFormat }
      infos.set(request, info)
      httpStats.inFlight++
      let status = 500
      try {
        const response = await (handle as (...a: unknown[]) => unknown)(...args)
        // A WebSocket upgrade answers nothing here; Bun switches protocols.
        if (!(response instanceof Response)) {
          status = 101
          return response
        }
        status = response.status
        return withHeader(response, 'x-request-id', info.id)
      } finally {
        httpStats.inFlight--
        finish(config, request, info, status)
      }
    }) as never)
    .onTransform({ as: 'global' }, ({ request, route }) => {
      const info = infos.get(request)
      if (info && route) info.route = route
    })
}
