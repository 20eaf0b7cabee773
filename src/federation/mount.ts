import { Elysia } from 'elysia'
import type { Ctx } from '../core/context'
import { clearDeliveryFailures } from '../core/federation/domains'
import { localStatusAuthor } from '../core/federation/statuses'
import { localTombstone } from '../core/statuses/tombstones'
import { setRemoteResolver } from '../core/search/resolve'
import { hitRateLimits, rateLimitHeaders, tightest, type RateLimitHit } from '../core/security/rate-limit'
import { requestIp } from '../server/plugins/rate-limit'
import { activityActorHost, anySuspended, signerHosts } from './authorized-fetch'
import { isActivityShaped, isJsonLdError } from './inbox/body'

/** Paths Fedify may own; everything else (API, OAuth, discovery, media) never reaches it. */
const FEDERATION_PATH = /^\/(?:users\/[^/]+(?:\/(?:inbox|outbox|followers|following|collections\/(?:featured|tags)|statuses\/[^/]+(?:\/activity)?))?\/?|inbox\/?|actor\/?)$/

/** Other addresses of actors and statuses (profile and status pages, Pleroma's and Mastodon's aliases). */
const ALIAS_PATH = /^\/(?:@([A-Za-z0-9_]+)(?:\/([^/]+))?|(?:notice|objects)\/([^/]+))\/?$/

/** A client that asks for ActivityPub JSON by name (a browser or a plain fetch of an alias gets the page). */
const ASKS_FOR_ACTIVITYPUB = /application\/activity\+json|application\/ld\+json/i

const signed = (request: Request) => request.headers.has('signature') || request.headers.has('signature-input')

/** The host of the key that signed a request, from either signature scheme. */
function signerHost(request: Request): string | null {
  const header = `${request.headers.get('signature') ?? ''} ${request.headers.get('signature-input') ?? ''}`
  const keyId = /keyid="([^"]+)"/i.exec(header)?.[1]
  try {
    return keyId ? new URL(keyId).host : null
  } catch {
    return null
  }
}

/** The canonical path of an alias asked for as ActivityPub, or null. */
async function canonicalPath(ctx: Ctx, request: Request, path: string): Promise<string | null> {
  const alias = ALIAS_PATH.exec(path)
  if (!alias || request.method !== 'GET' || !ASKS_FOR_ACTIVITYPUB.test(request.headers.get('accept') ?? '')) return null
  const [, name, statusId, noticeId] = alias
  if (name && !statusId) return `/users/${name}`
  const id = statusId ?? noticeId
  const owner = await localStatusAuthor(ctx, id)
  if (!owner || (name && owner !== name)) return null
  return `/users/${owner}/statuses/${id}`
}

const STATUS_OBJECT_PATH = /^\/users\/[^/]+\/statuses\/[^/]+\/?$/

/**
 * A deleted local status that was public or unlisted answers 410 Gone with its Tombstone, so other servers drop
 * their copies; a private or direct one left no trace and stays a plain 404.
 */
async function goneStatus(ctx: Ctx, path: string): Promise<Response | null> {
  if (!STATUS_OBJECT_PATH.test(path)) return null
  const uri = new URL(path.replace(/\/$/, ''), ctx.config.baseUrl).href
  const deletedAt = await localTombstone(ctx.db, uri)
  if (!deletedAt) return null
  // Fedify's vocabulary (and the Temporal it installs) is half of the code: loaded by the first request that needs it.
  const { Tombstone } = await import('@fedify/vocab')
  const { Temporal } = globalThis as any
  const tombstone = new Tombstone({ id: new URL(uri), deleted: Temporal.Instant.from(deletedAt.toISOString()) })
  return new Response(JSON.stringify(await tombstone.toJsonLd()), {
    status: 410, headers: { 'content-type': 'application/activity+json', vary: 'Accept' },
  })
}

/** Largest activity accepted in an inbox. */
export const MAX_INBOX_BODY = 1_048_576

const jsonError = (status: number, error: string) =>
  new Response(JSON.stringify({ error }), { status, headers: { 'content-type': 'application/json' } })
const tooLarge = () => jsonError(413, 'Activity too large')

/**
 * The request as the public sees it: the stored base URL's scheme and host, so that signatures covering the target
 * URI (RFC 9421) verify behind a TLS-terminating proxy, and generated URIs are the instance's own.
 */
function publicRequest(request: Request, baseUrl: string, body: ArrayBuffer | null, path?: string): Request {
  const url = new URL(request.url)
  const target = new URL((path ?? url.pathname) + url.search, baseUrl)
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
  // Fedify and its vocabulary are the largest part of the code: loaded by the first request that needs them.
  setRemoteResolver(async (...args) => (await import('./lookup')).resolveRemote(...args))
  return new Elysia({ name: 'federation' }).onRequest(async ({ request, server }) => {
    const path = new URL(request.url).pathname
    let rewritten: string | undefined
    if (!FEDERATION_PATH.test(path)) {
      const canonical = await canonicalPath(ctx, request, path)
      if (!canonical) return
      // A signature covers the path it was made for: send a signed fetch to the canonical address instead.
      if (signed(request)) return new Response(null, { status: 308, headers: { location: new URL(canonical, ctx.config.baseUrl).href } })
      rewritten = canonical
    }
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
    if (body && !isActivityShaped(body)) return jsonError(400, 'Invalid activity')
    let passOn = false
    const { federationFor } = await import('./index')
    let response: Response
    try {
      response = await federationFor(ctx).fetch(publicRequest(request, ctx.config.baseUrl, body, rewritten), {
        contextData: ctx,
        onNotFound: () => { passOn = true; return new Response(null, { status: 404 }) },
        onNotAcceptable: () => { passOn = true; return new Response(null, { status: 406 }) },
      })
    } catch (e) {
      if (body && isJsonLdError(e)) return jsonError(400, 'Invalid activity')
      throw e
    }
    if (passOn && request.method === 'GET') {
      if (response.status === 404 && ASKS_FOR_ACTIVITYPUB.test(request.headers.get('accept') ?? '')) return (await goneStatus(ctx, rewritten ?? path)) ?? undefined
      return
    }
    if (request.method === 'POST' && response.ok) {
      // A host that delivers to us is up again.
      const host = signerHost(request)
      if (host) await clearDeliveryFailures(ctx, host)
    }
    return response
  })
}
