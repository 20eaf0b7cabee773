import { Elysia } from 'elysia'
import { Counter, Histogram } from './prometheus'

/** What is known about a request while it runs: its route template once routed, its account once authenticated. */
export interface RequestInfo {
  startedAt: number
  route: string | null
  accountId: string | null
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

function finish(request: Request, info: RequestInfo, status: number) {
  const seconds = (performance.now() - info.startedAt) / 1000
  const labels = {
    method: METHODS.has(request.method) ? request.method : 'OTHER',
    // Requests no route took (ActivityPub documents answered by Fedify, unknown paths, early refusals) share one label.
    route: info.route ?? 'none',
    status: statusClass(status),
  }
  httpStats.requests.inc(labels)
  httpStats.duration.observe(labels, seconds)
}

/** Times every request the app handles, whichever hook answers it, and counts it by route template and status class. */
export function observabilityPlugin() {
  return new Elysia({ name: 'plugin.observability' })
    .wrap((handle, request) => (async (...args: unknown[]) => {
      const info: RequestInfo = { startedAt: performance.now(), route: null, accountId: null }
      infos.set(request, info)
      httpStats.inFlight++
      let status = 500
      try {
        const response = await (handle as (...a: unknown[]) => unknown)(...args)
        // A WebSocket upgrade answers nothing here; Bun switches protocols.
        status = response instanceof Response ? response.status : 101
        return response
      } finally {
        httpStats.inFlight--
        finish(request, info, status)
      }
    }) as never)
    .onTransform({ as: 'global' }, ({ request, route }) => {
      const info = infos.get(request)
      if (info && route) info.route = route
    })
}
