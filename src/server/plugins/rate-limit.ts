import { Elysia } from 'elysia'
import type { Ctx } from '../../core/context'
import { clientIp } from '../../core/security/client-ip'
import { hitRateLimits, pruneRateLimits, rateLimitHeaders, requestLimits, tightest } from '../../core/security/rate-limit'

const SESSION_COOKIE = /(?:^|;\s*)_pleroma_key=([^;]+)/
const PRUNE_INTERVAL_MS = 60_000

type Server = { requestIP(request: Request): { address: string } | null } | null

/** The credentials a request presents, unchecked: enough to pick its buckets before authentication runs. */
function presented(request: Request, input: Record<string, unknown>): { token: string | null; basicLogin: string | null } {
  const header = request.headers.get('authorization')?.trim() ?? ''
  const [scheme, value = ''] = header.split(/\s+/, 2)
  if (/^bearer$/i.test(scheme) && value) return { token: value, basicLogin: null }
  if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(value, 'base64').toString('utf8')
    const i = decoded.indexOf(':')
    return { token: null, basicLogin: i > 0 ? decoded.slice(0, i) : null }
  }
  if (typeof input.access_token === 'string' && input.access_token) return { token: input.access_token, basicLogin: null }
  const cookie = SESSION_COOKIE.exec(request.headers.get('cookie') ?? '')
  if (cookie) {
    try {
      return { token: decodeURIComponent(cookie[1]), basicLogin: null }
    } catch {}
  }
  return { token: null, basicLogin: null }
}

/** The client's address as the limits see it (see clientIp); `unknown` for in-process requests without a socket. */
export function requestIp(ctx: Ctx, request: Request, server: Server): string {
  let peer: string | null = null
  try {
    peer = server?.requestIP(request)?.address ?? null
  } catch {}
  return clientIp(peer, request.headers.get('x-forwarded-for'), ctx.config.trustedProxies) ?? 'unknown'
}

/**
 * Counts every routed request in its buckets (one statement) before authentication and the handler run; over a limit
 * the answer is 429 `{"error": "Too many requests"}` with `X-RateLimit-*` and `Retry-After`, as Mastodon sends.
 */
export const rateLimitPlugin = (ctx: Ctx) => {
  let lastPrune = 0
  return new Elysia({ name: 'plugin.rate-limit', seed: ctx.startedAt.getTime() })
    .onBeforeHandle({ as: 'global' }, async (c) => {
      if (!ctx.config.rateLimits.enabled) return
      const { request, set } = c
      const input = ((c as unknown as { input?: Record<string, unknown> }).input) ?? {}
      const server = (c as unknown as { server?: Server }).server ?? null
      const hits = requestLimits({
        method: request.method,
        path: new URL(request.url).pathname,
        input,
        ...presented(request, input),
        ip: requestIp(ctx, request, server),
      })
      if (!hits.length) return
      let states
      try {
        states = await hitRateLimits(ctx.db, ctx.config, hits)
      } catch (e) {
        console.error('[rookery] rate limit counters unavailable:', (e as Error).message)
        return
      }
      if (Date.now() - lastPrune > PRUNE_INTERVAL_MS) {
        lastPrune = Date.now()
        pruneRateLimits(ctx.db).catch(() => {})
      }
      const state = tightest(states)
      if (!state) return
      const headers = rateLimitHeaders(state)
      if (!state.exceeded) {
        Object.assign(set.headers, headers)
        return
      }
      return new Response(JSON.stringify({ error: 'Too many requests' }), {
        status: 429,
        headers: { ...headers, 'content-type': 'application/json; charset=utf-8' },
      })
    })
}
