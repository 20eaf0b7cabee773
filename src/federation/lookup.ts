import { validatePublicUrl } from '@fedify/vocab-runtime'
import type { Ctx } from '../core/context'
import { isDomainSuspended } from '../core/instance/domain-blocks'
import type { RemoteResolver } from '../core/search/resolve'
import type { AccountRow } from '../db/schema'
import { federationContext, INSTANCE_ACTOR } from './index'
import { cappedResponse, FETCH_TIMEOUT_MS, limitedDocumentLoader } from './loader'
import { isLocalHost, storeRemoteActor } from './mapping'
import { isPost, newBudget, resolveStatus } from './inbox/posts'

const WEBFINGER_MAX_BYTES = 65_536
const WEBFINGER_MAX_REDIRECTS = 3

export interface JrdLink {
  rel?: string
  type?: string
  href?: string
  template?: string
}

/** GET with the outbound limits: public addresses only (each redirect too) unless allowed, time and size bounds. */
async function limitedGet(ctx: Ctx, url: URL, accept: string, maxBytes: number): Promise<Response | null> {
  let current = url
  for (let hop = 0; hop <= WEBFINGER_MAX_REDIRECTS; hop++) {
    if (!ctx.config.federation.allowPrivate) await validatePublicUrl(current.href)
    const res = await fetch(current, { headers: { accept }, redirect: 'manual', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) })
    const location = res.headers.get('location')
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel().catch(() => {})
      current = new URL(location, current)
      if (current.protocol !== 'https:' && current.protocol !== 'http:') return null
      continue
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => {})
      return null
    }
    return cappedResponse(current.href, res, maxBytes)
  }
  return null
}

/**
 * The WebFinger links of `user@domain`: over https, and over plain http too when `federation.allowPrivate` (instances
 * on loopback in tests speak http). Null when the domain has no such account or cannot be reached within the limits.
 */
export async function webfingerLinks(ctx: Ctx, username: string, domain: string): Promise<JrdLink[] | null> {
  const schemes = ctx.config.federation.allowPrivate ? ['https', 'http'] : ['https']
  for (const scheme of schemes) {
    try {
      const url = new URL(`${scheme}://${domain}/.well-known/webfinger`)
      if (url.host !== domain.toLowerCase()) return null
      url.searchParams.set('resource', `acct:${username}@${domain}`)
      const res = await limitedGet(ctx, url, 'application/jrd+json, application/json', WEBFINGER_MAX_BYTES)
      if (!res) continue
      const jrd = await res.json() as { links?: unknown }
      return Array.isArray(jrd.links) ? jrd.links.filter((l): l is JrdLink => typeof l === 'object' && l !== null) : []
    } catch {}
  }
  return null
}

/** The actor URL behind `user@domain`, from its WebFinger `self` link. */
async function webfingerActor(ctx: Ctx, username: string, domain: string): Promise<URL | null> {
  const links = await webfingerLinks(ctx, username, domain)
  const self = links?.find((l) => l.rel === 'self' && /^application\/(activity\+json|ld\+json)/.test(l.type ?? '') && l.href)
  try {
    return self?.href ? new URL(self.href) : null
  } catch {
    return null
  }
}

/**
 * An actor or object fetched (not stored) by its URL; null for this instance's own URLs and suspended domains.
 * Requests are signed by the instance actor and never cached; `fresh` also holds if the instance actor's keys
 * cannot be had (a refresh must see the server's current answer).
 */
export async function fetchRemoteObject(ctx: Ctx, url: URL, opts: { fresh?: boolean } = {}): Promise<unknown> {
  if (isLocalHost(ctx, url.host) || await isDomainSuspended(ctx, url.host)) return null
  const c = federationContext(ctx)
  // Signed by the instance actor, so that servers in authorized-fetch mode (GoToSocial always) answer; not cached.
  const signed = await c.getDocumentLoader({ identifier: INSTANCE_ACTOR }).catch(() => null)
  const documentLoader = signed ?? (opts.fresh
    ? limitedDocumentLoader({ allowPrivate: ctx.config.federation.allowPrivate, userAgent: { software: 'Rookery', url: new URL(ctx.config.baseUrl) } })
    : undefined)
  return c.lookupObject(url, { documentLoader, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS * 2) }).catch(() => null)
}

/** The actor URL of an address, or the URL itself; null when it names this instance or a suspended one. */
export async function remoteActorUrl(ctx: Ctx, query: { url: string } | { acct: { username: string; domain: string } }): Promise<URL | null> {
  if ('url' in query) {
    try {
      return new URL(query.url)
    } catch {
      return null
    }
  }
  const { username, domain } = query.acct
  if (isLocalHost(ctx, domain) || await isDomainSuspended(ctx, domain)) return null
  return webfingerActor(ctx, username, domain)
}

/**
 * Finds a remote actor by `user@domain` (WebFinger, then the actor document) or by its URL, within the outbound
 * limits (private addresses refused unless `federation.allowPrivate`, time and size bounds), and stores it as an
 * account. Null when there is no actor there or it cannot be fetched.
 */
export async function lookupRemoteAccount(ctx: Ctx, query: { url: string } | { acct: { username: string; domain: string } }, opts: { fresh?: boolean } = {}): Promise<AccountRow | null> {
  const url = await remoteActorUrl(ctx, query)
  return url ? storeRemoteActor(federationContext(ctx), await fetchRemoteObject(ctx, url, opts)) : null
}

/** The search hook: remote accounts by address or profile URL, remote statuses by URL (stored with their author). */
export const resolveRemote: RemoteResolver = async (ctx, query) => {
  if ('url' in query) {
    const c = federationContext(ctx)
    const found = await c.lookupObject(query.url).catch(() => null)
    if (isPost(found)) {
      const status = found.id ? await resolveStatus(c, found.id.href, newBudget()) : null
      return status ? { kind: 'status', statusId: status.id } : null
    }
    const account = await storeRemoteActor(c, found)
    return account ? { kind: 'account', accountId: account.id } : null
  }
  const account = await lookupRemoteAccount(ctx, query)
  return account ? { kind: 'account', accountId: account.id } : null
}

/** `user@domain` (with or without `@`/`acct:`) or a URL, as a lookup query; null when it is neither. */
export function parseRemoteQuery(query: string): { url: string } | { acct: { username: string; domain: string } } | null {
  const q = query.trim()
  if (/^https?:\/\/\S+$/i.test(q)) return { url: q }
  const m = /^(?:acct:)?@?([^@\s/]+)@([^@\s/]+)$/i.exec(q)
  return m ? { acct: { username: m[1], domain: m[2] } } : null
}

/** An actor or object fetched (bypassing the cache) by address or URL and not stored, with the document as its server sent it. */
export async function lookupRemote(ctx: Ctx, query: string): Promise<{ object: { id?: URL | null; toJsonLd(): Promise<unknown> }; json: unknown } | null> {
  const parsed = parseRemoteQuery(query)
  const url = parsed ? await remoteActorUrl(ctx, parsed) : null
  const object = url ? await fetchRemoteObject(ctx, url, { fresh: true }) as { id?: URL | null; toJsonLd(): Promise<unknown> } | null : null
  return object ? { object, json: await object.toJsonLd() } : null
}
