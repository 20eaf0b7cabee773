import type { RequestContext } from '@fedify/fedify'
import type { Ctx } from '../core/context'
import { isDomainSuspended } from '../core/instance/domain-blocks'

/** The hosts a request claims to come from: its signature's key id (draft-cavage or RFC 9421). */
export function signerHosts(request: Request): string[] {
  const header = `${request.headers.get('signature') ?? ''} ${request.headers.get('signature-input') ?? ''}`
  const hosts: string[] = []
  for (const m of header.matchAll(/keyid="([^"]+)"/gi)) {
    try {
      hosts.push(new URL(m[1]).host)
    } catch {}
  }
  return hosts
}

/** The host of an activity's `actor`, read from the raw inbox body without parsing it as JSON-LD. */
export function activityActorHost(body: ArrayBuffer | null): string | null {
  if (!body) return null
  try {
    const json = JSON.parse(new TextDecoder().decode(body)) as { actor?: unknown }
    const actor = Array.isArray(json.actor) ? json.actor[0] : json.actor
    const id = typeof actor === 'string' ? actor : (actor as { id?: unknown } | null)?.id
    return typeof id === 'string' ? new URL(id).host : null
  } catch {
    return null
  }
}

/** Whether any of these hosts is suspended by the admin. */
export async function anySuspended(ctx: Ctx, hosts: (string | null)[]): Promise<boolean> {
  for (const host of new Set(hosts)) if (host && await isDomainSuspended(ctx, host)) return true
  return false
}

/**
 * In authorized-fetch mode, whether a GET may see a document: it must carry a valid signature whose key is not on a
 * suspended domain. Always true otherwise. Used as Fedify's `authorize()` predicate on actors, objects and collections.
 */
export async function fetchAuthorized(c: RequestContext<Ctx>): Promise<boolean> {
  if (!c.data.config.federation.authorizedFetch) return true
  const key = await c.getSignedKey().catch(() => null)
  if (!key?.id) return false
  return !(await anySuspended(c.data, [key.id.host, key.ownerId?.host ?? null]))
}
