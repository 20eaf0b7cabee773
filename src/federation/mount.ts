import { Elysia } from 'elysia'
import type { Ctx } from '../core/context'
import { setRemoteResolver } from '../core/search/resolve'
import { federationFor } from './index'
import { resolveRemote } from './lookup'
import { hitRateLimits, rateLimitHeaders, tightest, type RateLimitHit } from '../core/security/rate-limit'
import { requestIp } from '../server/plugins/rate-limit'
import { activityActorHost, anySuspended, signerHosts } from './authorized-fetch'

/** Paths Fedify may own; everything else (API, OAuth, discovery, media) never reaches it. */
const FEDERATION_PATH = /^\/(?:users\/[^/]+(?:\/(?:inbox|outbox|followers|following))?\/?|inbox\/?|actor\/?)$/

/** Largest activity accepted in an inbox. */
export const MAX_INBOX_BODY = 1_048_576

const jsonError = (status: number, error: string) =>
  new Response(JSON.stringify({ error }), { status, headers: { 'content-type': 'application/json' } })
const tooLarge = () => jsonError(413, 'Activity too large')

/**
 * The request as the public sees it: the stored base URL's scheme and host, so that signatures covering the target
 * URI (RFC 9421) verify behind a TLS-terminating proxy, and generated URIs are the instance's own.
 */
function publicRequest(request: Request, baseUrl: string, body: ArrayBuffer | null): Request {
  const url = new URL(request.url)
  const target = new URL(url.pathname + url.search, baseUrl)
  return new Request(target, { method: request.method, headers: request.headers, body })
}

/**
 * Inbox deliveries count per remote address and per domain of the signing key (the API limiter never sees them: a
 * response from here skips its hook). Over a limit: 429 with `Retry-After`, which delivering servers honour.
 */
async function inboxRateLimited(ctx: Ctx, request: Request, ip: string): Promise<Response | null> {
  if (!ctx.config.rateLimits.enabled) return null
  const hits: RateLimitHit[] = [{ name: 'inboxIp', subject: { kind: 'ip', ip } }]
  for (const domain of new Set(signerHosts(request))) hits.push({ name: 'inboxDomain', subject: { kind: 'domain', domain } })
  let states
  try {
    states = await hitRateLimits(ctx.db, ctx.config, hits)
  } catch {
    return null
  }
  const state = tightest(states)
  if (!state?.exceeded) return null
  return new Response(JSON.stringify({ error: 'Too many requests' }), {
    status: 429,
    headers: { ...rateLimitHeaders(state), 'content-type': 'application/json' },
  })
}

/**
 * ActivityPub in front of the API: actor documents, collections and inboxes answer from Fedify when the client asks
 * for ActivityPub JSON; anything Fedify has no answer for (an HTML page, an unknown path) goes on to the app.
 */
export function federationMount(ctx: Ctx) {
  setRemoteResolver(resolveRemote)
  return new Elysia({ name: 'federation' }).onRequest(async ({ request, server }) => {
    const path = new URL(request.url).pathname
    if (!FEDERATION_PATH.test(path)) return
    let body: ArrayBuffer | null = null
    if (request.method === 'POST') {
      const limited = await inboxRateLimited(ctx, request, requestIp(ctx, request, server))
      if (limited) return limited
      if (Number(request.headers.get('content-length') ?? 0) > MAX_INBOX_BODY) return tooLarge()
      body = await request.arrayBuffer()
      if (body.byteLength > MAX_INBOX_BODY) return tooLarge()
    }
    // Suspended servers get nothing, and their activities are dropped before any of their keys is fetched.
    if (await anySuspended(ctx, [...signerHosts(request), activityActorHost(body)])) return jsonError(403, 'Domain blocked')
    let passOn = false
    const response = await federationFor(ctx).fetch(publicRequest(request, ctx.config.baseUrl, body), {
      contextData: ctx,
      onNotFound: () => { passOn = true; return new Response(null, { status: 404 }) },
      onNotAcceptable: () => { passOn = true; return new Response(null, { status: 406 }) },
    })
    if (passOn && request.method === 'GET') return
    return response
  })
}
