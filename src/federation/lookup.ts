import type { Ctx } from '../core/context'
import type { RemoteResolver } from '../core/search/resolve'
import type { AccountRow } from '../db/schema'
import { federationContext } from './index'
import { storeRemoteActor } from './mapping'
import { isPost, newBudget, resolveStatus } from './inbox/posts'

const WEBFINGER_TIMEOUT_MS = 10_000
const WEBFINGER_MAX_BYTES = 65_536

/**
 * The actor URL behind `user@domain` over plain http. Fedify asks WebFinger over https only; instances on loopback
 * (tests, with `federation.allowPrivate`) speak http, so only then is this second way tried.
 */
async function webfingerOverHttp(username: string, domain: string): Promise<URL | null> {
  const url = new URL(`http://${domain}/.well-known/webfinger`)
  url.searchParams.set('resource', `acct:${username}@${domain}`)
  const res = await fetch(url, {
    headers: { accept: 'application/jrd+json, application/json' },
    redirect: 'error',
    signal: AbortSignal.timeout(WEBFINGER_TIMEOUT_MS),
  })
  if (!res.ok) return null
  const body = await res.text()
  if (body.length > WEBFINGER_MAX_BYTES) return null
  const jrd = JSON.parse(body) as { links?: { rel?: string; type?: string; href?: string }[] }
  const self = jrd.links?.find((l) => l.rel === 'self' && /^application\/(activity\+json|ld\+json)/.test(l.type ?? '') && l.href)
  return self?.href ? new URL(self.href) : null
}

/**
 * Finds a remote actor by `user@domain` (WebFinger, then the actor document) or by its URL, through Fedify's
 * document loader (which refuses private addresses unless `federation.allowPrivate`), and stores it as an account.
 * Null when there is no actor there or it cannot be fetched.
 */
export async function lookupRemoteAccount(ctx: Ctx, query: { url: string } | { acct: { username: string; domain: string } }): Promise<AccountRow | null> {
  const c = federationContext(ctx)
  const lookup = (id: string | URL) => c.lookupObject(id).catch(() => null)
  if ('url' in query) return storeRemoteActor(c, await lookup(query.url))
  const { username, domain } = query.acct
  const found = await lookup(`acct:${username}@${domain}`)
  if (found || !ctx.config.federation.allowPrivate) return storeRemoteActor(c, found)
  const actorUrl = await webfingerOverHttp(username, domain).catch(() => null)
  return actorUrl ? storeRemoteActor(c, await lookup(actorUrl)) : null
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
