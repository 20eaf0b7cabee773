// Pleroma's scrobbles over ActivityPub: a `Listen` whose object is an `Audio` (title, artist, album, length, link),
// sent to the scrobbler's followers, addressed as a status of the same visibility would be.
import type { Context, InboxContext } from '@fedify/fedify'
import { Audio, Listen, PUBLIC_COLLECTION, type Recipient } from '@fedify/vocab'
import type { Ctx } from '../core/context'
import { findAccountById } from '../core/federation/actors'
import { deliveryTargets } from '../core/federation/statuses'
import { findScrobble, receiveScrobble } from '../core/scrobbles/scrobbles'
import { accountOf, type Json } from './inbox/posts'

const { Temporal } = globalThis as any

/**
 * Sends a local scrobble to the scrobbler's remote followers. Fedify's vocabulary has no artist or album, so the
 * Audio carries the title as its `name`, the link as its `url` and the length as its `duration`.
 */
export async function sendListen(c: Context<Ctx>, scrobbleId: string): Promise<void> {
  const ctx = c.data
  const scrobble = await findScrobble(ctx, scrobbleId)
  if (!scrobble?.uri || scrobble.visibility === 'direct') return
  const account = await findAccountById(ctx, scrobble.accountId)
  if (!account || account.domain || account.suspendedAt || account.deletedAt) return
  const targets = await deliveryTargets(ctx, account.id, scrobble.visibility, [])
  if (!targets.followers.length) return
  const followers = c.getFollowersUri(account.username)
  const addressing = scrobble.visibility === 'public' ? { to: PUBLIC_COLLECTION, cc: followers }
    : scrobble.visibility === 'unlisted' ? { to: followers, cc: PUBLIC_COLLECTION }
      : { to: followers }
  const published = Temporal.Instant.from(scrobble.createdAt.toISOString())
  const listen = new Listen({
    id: new URL(scrobble.uri),
    actor: c.getActorUri(account.username),
    ...addressing,
    published,
    object: new Audio({
      name: scrobble.title,
      url: scrobble.externalLink ? new URL(scrobble.externalLink) : null,
      duration: scrobble.length !== null ? Temporal.Duration.from({ milliseconds: scrobble.length }) : null,
      attribution: c.getActorUri(account.username),
    }),
  })
  const recipients = targets.followers.map((t): Recipient => ({
    id: new URL(t.uri), inboxId: new URL(t.inboxUrl), endpoints: t.sharedInboxUrl ? { sharedInbox: new URL(t.sharedInboxUrl) } : null,
  }))
  await c.sendActivity({ identifier: account.username }, recipients, listen, { preferSharedInbox: true, excludeBaseUris: [new URL(ctx.config.baseUrl)] })
}

const PUBLIC = PUBLIC_COLLECTION.href
const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined)

/** The visibility a Listen's addressing means, as for statuses (Public in `to`: public, in `cc`: unlisted). */
function visibilityOf(json: Json): string {
  const list = (v: unknown) => (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((x) => (typeof x === 'string' ? x : (x as Json)?.id))
  const isPublic = (x: unknown) => x === PUBLIC || x === 'as:Public' || x === 'Public'
  if (list(json.to).some(isPublic)) return 'public'
  if (list(json.cc).some(isPublic)) return 'unlisted'
  return 'private'
}

/**
 * An incoming Listen by its actor, stored as the remote account's scrobble. Pleroma's own fields (`title`, `artist`,
 * `album`, `length`, `externalLink`) are read from the activity as sent; the standard ones stand in when absent.
 */
export async function onListen(c: InboxContext<Ctx>, listen: Listen): Promise<void> {
  const actorId = listen.actorId
  const id = listen.id
  if (!actorId || !id || id.origin !== actorId.origin) return
  const json = await listen.toJsonLd().catch(() => null) as Json | null
  const object = json && typeof json.object === 'object' && json.object !== null ? json.object as Json : null
  if (!json || !object) return
  const author = await accountOf(c, actorId, () => listen.getActor(c))
  if (!author?.domain) return
  const url = typeof object.url === 'string' ? object.url : str((object.url as Json | undefined)?.href)
  const duration = str(object.duration)
  let length: number | undefined = object.length !== undefined ? Number(object.length) : undefined
  if (length === undefined && duration) {
    try {
      length = Math.round(Temporal.Duration.from(duration).total({ unit: 'milliseconds' }))
    } catch {
      length = undefined
    }
  }
  const published = str(json.published)
  await receiveScrobble(c.data, author.id, id.href, {
    title: str(object.title) ?? str(object.name),
    artist: str(object.artist),
    album: str(object.album),
    length,
    externalLink: str(object.externalLink) ?? url,
    visibility: visibilityOf(json),
  }, published && !Number.isNaN(Date.parse(published)) ? new Date(published) : null)
}
