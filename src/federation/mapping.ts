import type { Context } from '@fedify/fedify'
import { Application, Emoji, Group, isActor, PropertyValue, Service, type Actor } from '@fedify/vocab'
import type { Ctx } from '../core/context'
import { findAccountByUri, upsertRemoteActor, type RemoteActorData } from '../core/federation/actors'
import type { AccountRow } from '../db/schema'
import { MAX_ALIASES } from '../core/accounts/aliases'
import { isDomainRejected } from '../core/instance/domain-policy'

const text = (v: unknown) => (v == null ? '' : String(v))
type Json = Record<string, unknown>

const LITEPUB = 'http://litepub.social/ns#'

/**
 * Pleroma's `capabilities.acceptsChatMessages`, which Fedify's vocabulary does not know: read from the actor's
 * original JSON, compacted (as servers send it) or expanded. Undefined when the document has no `capabilities`.
 */
export function acceptsChatMessages(raw: Json | null): boolean | undefined {
  if (!raw) return undefined
  const compact = raw.capabilities
  if (compact && typeof compact === 'object' && !Array.isArray(compact)) return (compact as Json).acceptsChatMessages === true
  const expanded = [raw[`${LITEPUB}capabilities`]].flat()[0] as Json | undefined
  if (!expanded || typeof expanded !== 'object') return undefined
  const value = [expanded[`${LITEPUB}acceptsChatMessages`]].flat()[0]
  return value === true || (!!value && typeof value === 'object' && (value as Json)['@value'] === true)
}

/** The `totalItems` of a collection, if fetching it goes quickly and it says; null otherwise. */
async function totalOf(c: Context<unknown>, url: URL | null, origin: string): Promise<number | null> {
  if (!url || url.origin !== origin) return null
  const remote = await c.documentLoader(url.href).catch(() => null)
  const total = (remote?.document as Json | undefined)?.totalItems
  return typeof total === 'number' ? total : null
}

/**
 * The stored fields of a remote actor. Null when it cannot be stored: no id, no inbox, or a name other servers
 * could not address. `raw` is the actor's original JSON where the caller has it (an Update carries it).
 */
export async function remoteActorData(c: Context<unknown>, actor: Actor, raw?: Json | null): Promise<RemoteActorData | null> {
  const id = actor.id
  const inbox = actor.inboxId
  const username = text(actor.preferredUsername)
  if (!id || !inbox || !username || username.length > 255 || /[\s@/]/.test(username)) return null
  if (inbox.origin !== id.origin) return null
  const original = raw ?? (await actor.toJsonLd().catch(() => null) as Json | null)
  const [icon, image, fields, emojis, followers, following, statuses] = await Promise.all([
    actor.getIcon(c).catch(() => null),
    actor.getImage(c).catch(() => null),
    profileFields(c, actor),
    actorEmojis(c, actor),
    totalOf(c, actor.followersId, id.origin),
    totalOf(c, actor.followingId, id.origin),
    totalOf(c, actor.outboxId, id.origin),
  ])
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
    featuredUrl: actor.featuredId?.origin === id.origin ? actor.featuredId.href : null,
    alsoKnownAs: actor.aliasIds.filter((u) => /^https?:$/.test(u.protocol) && u.href.length <= 2048).slice(0, MAX_ALIASES).map((u) => u.href),
    fields,
    discoverable: actor.discoverable ?? false,
    indexable: actor.indexable ?? false,
    createdAt: actor.published ? new Date(actor.published.epochMilliseconds) : undefined,
    counts: { followers, following, statuses },
    emojis,
    // A fetched document without `capabilities` takes no chats; an actor embedded in an Update may just leave it out.
    acceptsChatMessages: acceptsChatMessages(original) ?? (raw ? undefined : false),
  }
}

/** `PropertyValue` attachments as profile fields; other attachments are not fields. */
async function profileFields(c: Context<unknown>, actor: Actor) {
  const fields: { name: string; value: string }[] = []
  for await (const item of actor.getAttachments({ documentLoader: c.documentLoader, contextLoader: c.contextLoader, suppressError: true })) {
    if (item instanceof PropertyValue && item.name != null) fields.push({ name: text(item.name), value: text(item.value) })
    if (fields.length >= 16) break
  }
  return fields
}

/** The custom emoji an actor declares in its `tag`, for its name, bio and fields. */
async function actorEmojis(c: Context<unknown>, actor: Actor) {
  const emojis: { shortcode: string; url: string }[] = []
  for await (const tag of actor.getTags({ documentLoader: c.documentLoader, contextLoader: c.contextLoader, suppressError: true })) {
    if (!(tag instanceof Emoji) || tag.name == null) continue
    const icon = await tag.getIcon(c).catch(() => null)
    const url = icon?.url instanceof URL ? icon.url.href : (icon?.url as { href?: URL } | undefined)?.href?.href
    if (url) emojis.push({ shortcode: text(tag.name).replace(/^:|:$/g, ''), url })
    if (emojis.length >= 50) break
  }
  return emojis
}

/** Whether a host is this instance's own: its ids are never fetched, nor stored as remote. */
export function isLocalHost(ctx: Ctx, host: string): boolean {
  const own = [ctx.config.domain, new URL(ctx.config.baseUrl).host].map((h) => h.toLowerCase())
  return own.includes(host.toLowerCase())
}

/**
 * The account an actor's `movedTo` names: known, or fetched and stored (once: its own `movedTo` is not followed).
 * Null when it cannot be had; a move to an account on this instance is taken when that account exists.
 */
async function movedToAccount(c: Context<Ctx>, actor: Actor): Promise<string | null> {
  const target = actor.successorId
  if (!target || target.href === actor.id?.href) return null
  const known = await findAccountByUri(c.data, target.href)
  if (known) return known.id
  if (isLocalHost(c.data, target.host)) return null
  const fetched = await c.lookupObject(target).catch(() => null)
  if (!fetched || !isActor(fetched)) return null
  return (await storeRemoteActor(c, fetched, { followMove: false }))?.id ?? null
}

/**
 * Stores (or refreshes) what Fedify fetched or received as a remote account; null when it is not a storable actor,
 * or claims an id on this instance's own domain.
 */
export async function storeRemoteActor(
  c: Context<Ctx>, found: unknown, opts: { raw?: Json | null; followMove?: boolean; refreshFeatured?: boolean } = {},
): Promise<AccountRow | null> {
  if (!found || !isActor(found as Actor)) return null
  const actor = found as Actor
  const data = await remoteActorData(c, actor, opts.raw)
  if (!data || isLocalHost(c.data, data.domain) || await isDomainRejected(c.data, data.domain)) return null
  if (opts.followMove !== false) data.movedToId = await movedToAccount(c, actor)
  if (opts.refreshFeatured) data.refreshFeatured = true
  return upsertRemoteActor(c.data, data)
}
