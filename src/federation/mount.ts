import { Elysia } from 'elysia'
import type { Ctx } from '../core/context'
import { clearDeliveryFailures } from '../core/federation/domains'
import { localStatusAuthor } from '../core/federation/statuses'
import { setRemoteResolver } from '../core/search/resolve'
import { federationFor } from './index'
import { resolveRemote } from './lookup'

/** Paths Fedify may own; everything else (API, OAuth, discovery, media) never reaches it. */
const FEDERATION_PATH = /^\/(?:users\/[^/]+(?:\/(?:inbox|outbox|followers|following|collections\/featured|statuses\/[^/]+(?:\/activity)?))?\/?|inbox\/?|actor\/?)$/

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

/** Largest activity accepted in an inbox. */
export const MAX_INBOX_BODY = 1_048_576

const tooLarge = () => new Response(JSON.stringify({ error: 'Activity too large' }), { status: 413, headers: { 'content-type': 'application/json' } })

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
 * ActivityPub in front of the API: actor documents, collections and inboxes answer from Fedify when the client asks
 * for ActivityPub JSON; anything Fedify has no answer for (an HTML page, an unknown path) goes on to the app.
 */
export function federationMount(ctx: Ctx) {
  setRemoteResolver(resolveRemote)
  return new Elysia({ name: 'federation' }).onRequest(async ({ request }) => {
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
      if (Number(request.headers.get('content-length') ?? 0) > MAX_INBOX_BODY) return tooLarge()
      body = await request.arrayBuffer()
      if (body.byteLength > MAX_INBOX_BODY) return tooLarge()
    }
    let passOn = false
    const response = await federationFor(ctx).fetch(publicRequest(request, ctx.config.baseUrl, body, rewritten), {
      contextData: ctx,
      onNotFound: () => { passOn = true; return new Response(null, { status: 404 }) },
      onNotAcceptable: () => { passOn = true; return new Response(null, { status: 406 }) },
    })
    if (passOn && request.method === 'GET') return
    if (request.method === 'POST' && response.ok) {
      // A host that delivers to us is up again.
      const host = signerHost(request)
      if (host) await clearDeliveryFailures(ctx, host)
    }
    return response
  })
}
