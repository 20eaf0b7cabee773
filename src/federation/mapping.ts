import type { Context } from '@fedify/fedify'
import { Application, Group, isActor, Service, type Actor } from '@fedify/vocab'
import type { Ctx } from '../core/context'
import { upsertRemoteActor, type RemoteActorData } from '../core/federation/actors'
import type { AccountRow } from '../db/schema'
import { isDomainRejected } from '../core/instance/domain-policy'

const text = (v: unknown) => (v == null ? '' : String(v))

/**
 * The stored fields of a remote actor. Null when it cannot be stored: no id, no inbox, or a name other servers
 * could not address.
 */
export async function remoteActorData(c: Context<unknown>, actor: Actor): Promise<RemoteActorData | null> {
  const id = actor.id
  const inbox = actor.inboxId
  const username = text(actor.preferredUsername)
  if (!id || !inbox || !username || username.length > 255 || /[\s@/]/.test(username)) return null
  if (inbox.origin !== id.origin) return null
  const [icon, image] = await Promise.all([actor.getIcon(c).catch(() => null), actor.getImage(c).catch(() => null)])
  const mediaUrl = (m: { url?: unknown } | null) => {
    const u = m?.url
    return u instanceof URL ? u.href : (u as { href?: URL } | undefined)?.href?.href ?? null
  }
  return {
    uri: id.href,
    username,
    domain: id.host,
    displayName: text(actor.name),
    note: text(actor.summary),
    url: actor.url instanceof URL ? actor.url.href : (actor.url as { href?: URL } | null)?.href?.href ?? null,
    inboxUrl: inbox.href,
    sharedInboxUrl: actor.endpoints?.sharedInbox?.href ?? null,
    followersUrl: actor.followersId?.href ?? null,
    followingUrl: actor.followingId?.href ?? null,
    outboxUrl: actor.outboxId?.href ?? null,
    locked: actor.manuallyApprovesFollowers ?? false,
    bot: actor instanceof Service || actor instanceof Application,
    actorType: actor instanceof Service ? 'Service' : actor instanceof Application ? 'Application' : actor instanceof Group ? 'Group' : 'Person',
    avatarUrl: mediaUrl(icon),
    headerUrl: mediaUrl(image),
  }
}

/** Whether a host is this instance's own: its ids are never fetched, nor stored as remote. */
export function isLocalHost(ctx: Ctx, host: string): boolean {
  const own = [ctx.config.domain, new URL(ctx.config.baseUrl).host].map((h) => h.toLowerCase())
  return own.includes(host.toLowerCase())
}

/**
 * Stores (or refreshes) what Fedify fetched or received as a remote account; null when it is not a storable actor,
 * or claims an id on this instance's own domain.
 */
export async function storeRemoteActor(c: Context<Ctx>, found: unknown): Promise<AccountRow | null> {
  if (!found || !isActor(found as Actor)) return null
  const data = await remoteActorData(c, found as Actor)
  if (!data || isLocalHost(c.data, data.domain) || await isDomainRejected(c.data, data.domain)) return null
  return upsertRemoteActor(c.data, data)
}
