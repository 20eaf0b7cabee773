import type { Context } from '@fedify/fedify'
import { Article, Note, Page, Question, type Object as APObject } from '@fedify/vocab'
import type { Ctx } from '../../core/context'
import { findAccountByUri, findRemoteActor } from '../../core/federation/actors'
import { applyContentPolicy } from '../../core/federation/content-policy'
import { domainPolicy } from '../../core/instance/domain-policy'
import { htmlToPlainText } from '../../core/statuses/format'
import {
  accountsByUris, findStatusByUri, storeRemoteStatus, type RemoteAttachment, type RemotePoll, type RemoteStatus,
} from '../../core/statuses/remote-status'
import type { AccountRow, StatusRow, StatusVisibility } from '../../db/schema'
import { storeRemoteActor } from '../mapping'
import { withPlainTerms } from './terms'

export type PostObject = Note | Article | Page | Question
export type Json = Record<string, unknown>

export const isPost = (o: unknown): o is PostObject => o instanceof Note || o instanceof Article || o instanceof Page || o instanceof Question

/** How far a reply chain is followed upwards, and how many objects one activity may make us fetch. */
export const MAX_THREAD_DEPTH = 5
export const MAX_FETCHES = 10
const MAX_MENTION_FETCHES = 5

/** `pool` is shared by everything one activity leads to; `depth` shrinks along a reply chain. */
export interface Budget { depth: number; pool: { fetches: number } }
export const newBudget = (): Budget => ({ depth: MAX_THREAD_DEPTH, pool: { fetches: MAX_FETCHES } })

const PUBLIC = new Set(['https://www.w3.org/ns/activitystreams#Public', 'as:Public', 'Public'])
const AP_MEDIA_TYPE = /^application\/(activity\+json|ld\+json)/

const asArray = (v: unknown): unknown[] => (v == null ? [] : Array.isArray(v) ? v : [v])
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null)
const hrefOf = (v: unknown): string | null => {
  for (const item of asArray(v)) {
    if (typeof item === 'string') return item
    if (item && typeof item === 'object') {
      const href = str((item as Json).href) ?? str((item as Json).url)
      if (href) return href
    }
  }
  return null
}
const httpUrl = (v: string | null) => (v && /^https?:\/\//i.test(v) && v.length <= 2048 ? v : null)
const types = (o: Json) => asArray(o.type).map(String)
const toDate = (v: unknown): Date | null => {
  if (v == null) return null
  const d = new Date(String(v))
  return Number.isNaN(d.getTime()) ? null : d
}

/**
 * The original JSON of an object: as embedded in the activity that carried it, or as fetched. Fedify's vocabulary
 * drops properties it does not know (`directMessage`, `conversation`, `quoteUrl` variants), so they are read here,
 * under their short names whatever context the JSON was compacted with.
 */
export async function rawObject(object: APObject, activityJson: Json | null): Promise<Json> {
  const embedded = activityJson?.object
  const sameOrigin = (() => {
    try {
      return new URL(String(activityJson?.id)).origin === object.id?.origin
    } catch {
      return false
    }
  })()
  // an object embedded by another origin was refetched from its own (Fedify), and that copy is the one to read
  if (sameOrigin && embedded && typeof embedded === 'object' && (embedded as Json).id === object.id?.href) return withPlainTerms(embedded as Json)
  return withPlainTerms((await object.toJsonLd()) as Json)
}

/**
 * The origin rule for a post an actor sends or a document serves: the object lives on the actor's host and is
 * attributed to that actor.
 */
export function ownedBy(object: PostObject, actorId: URL): boolean {
  return !!object.id && object.id.origin === actorId.origin && object.attributionId?.href === actorId.href
}

/** The account of an actor: known already, or fetched and stored. */
export async function accountOf(c: Context<Ctx>, actorId: URL, fetchActor: () => Promise<unknown>): Promise<AccountRow | null> {
  const known = await findAccountByUri(c.data, actorId.href)
  if (known?.suspendedAt) return null
  const remote = known?.domain ? await findRemoteActor(c.data, known.id) : null
  if (known && remote && Date.now() - remote.endpoints.fetchedAt.getTime() < ACTOR_REFRESH_MS) return known
  // Unknown, or known from long ago: fetched again (names, keys and inboxes change); a failed refetch keeps what we had.
  const stored = await storeRemoteActor(c, await fetchActor().catch(() => null))
  if (!stored && known && remote) return known
  return stored?.suspendedAt ? null : stored
}

/** How long a remote actor's stored profile is trusted before an activity from it refetches it. */
const ACTOR_REFRESH_MS = 24 * 60 * 60 * 1000

/** Mentioned actors not known yet are fetched (within the budget), so the status lists them as mentions. */
async function fetchMentioned(c: Context<Ctx>, hrefs: string[], known: Set<string>, budget: Budget) {
  const own = new URL(c.data.config.baseUrl).origin
  for (const href of hrefs.filter((h) => !known.has(h)).slice(0, MAX_MENTION_FETCHES)) {
    if (budget.pool.fetches <= 0) return
    let url: URL
    try {
      url = new URL(href)
    } catch {
      continue
    }
    if (url.origin === own) continue
    budget.pool.fetches--
    await storeRemoteActor(c, await c.lookupObject(url).catch(() => null)).catch(() => null)
  }
}

/**
 * A status by its URI: known already, or (within the budget) fetched from its own origin with its author, and
 * stored with its own reply chain. Null when it cannot be had.
 */
export async function resolveStatus(c: Context<Ctx>, uri: string, budget: Budget): Promise<StatusRow | null> {
  const known = await findStatusByUri(c.data.db, uri)
  if (known) return known
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    return null
  }
  if (budget.depth <= 0 || budget.pool.fetches <= 0 || !/^https?:$/.test(url.protocol)) return null
  if (url.origin === new URL(c.data.config.baseUrl).origin) return null
  budget.pool.fetches--
  // lookupObject refuses a document whose id is on another origin than the URL it came from
  const object = await c.lookupObject(url).catch(() => null)
  if (!isPost(object) || !object.attributionId || !ownedBy(object, object.attributionId)) return null
  const stored = await findStatusByUri(c.data.db, object.id!.href)
  if (stored) return stored
  const author = await accountOf(c, object.attributionId, () => object.getAttribution(c))
  if (!author) return null
  return receivePost(c, object, await rawObject(object, null), author, { depth: budget.depth - 1, pool: budget.pool }, null)
}

/** Visibility from addressing: Public in `to`, Public in `cc`, the author's followers, or only actors. */
export function visibilityOf(to: string[], cc: string[], followersUrl: string | null, directMessage: boolean): StatusVisibility {
  if (directMessage) return 'direct'
  if (to.some((u) => PUBLIC.has(u))) return 'public'
  if (cc.some((u) => PUBLIC.has(u))) return 'unlisted'
  if (followersUrl && [...to, ...cc].includes(followersUrl)) return 'private'
  return 'direct'
}

function readTags(raw: Json) {
  const mentions: string[] = []
  const hashtags: string[] = []
  const emojis: { shortcode: string; url: string }[] = []
  const links: string[] = []
  for (const tag of asArray(raw.tag).slice(0, 200)) {
    if (!tag || typeof tag !== 'object') continue
    const t = tag as Json
    const kind = types(t)
    if (kind.includes('Mention')) {
      const href = httpUrl(str(t.href))
      if (href) mentions.push(href)
    } else if (kind.includes('Hashtag')) {
      const name = str(t.name)
      if (name) hashtags.push(name)
    } else if (kind.includes('Emoji')) {
      const name = str(t.name)?.replace(/^:|:$/g, '')
      const url = httpUrl(hrefOf((t.icon as Json | undefined)?.url ?? t.icon))
      if (name && url) emojis.push({ shortcode: name, url })
    } else if (kind.includes('Link') && AP_MEDIA_TYPE.test(str(t.mediaType) ?? '')) {
      const href = httpUrl(str(t.href))
      if (href) links.push(href)
    }
  }
  return { mentions, hashtags, emojis, links }
}

/** An object's `attachment`s that have an http(s) URL, at most 16. */
export function readAttachments(raw: Json): RemoteAttachment[] {
  const out: RemoteAttachment[] = []
  for (const item of asArray(raw.attachment).slice(0, 16)) {
    if (!item || typeof item !== 'object') continue
    const a = item as Json
    const url = httpUrl(hrefOf(a.url) ?? str(a.href))
    if (!url) continue
    const linkType = Array.isArray(a.url) || typeof a.url !== 'object' ? null : str((a.url as Json).mediaType)
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : null)
    out.push({
      url,
      mediaType: str(a.mediaType) ?? linkType,
      description: str(a.name) ?? str(a.summary),
      blurhash: str(a.blurhash),
      width: num(a.width),
      height: num(a.height),
    })
  }
  return out
}

function readPoll(raw: Json): RemotePoll | null {
  const multiple = raw.anyOf !== undefined && raw.oneOf === undefined
  const options = asArray(multiple ? raw.anyOf : raw.oneOf).flatMap((o) => {
    if (!o || typeof o !== 'object') return []
    const title = str((o as Json).name)
    const votes = Number(((o as Json).replies as Json | undefined)?.totalItems ?? 0)
    return title ? [{ title, votes: Number.isFinite(votes) ? votes : 0 }] : []
  })
  if (options.length < 1) return null
  const closedAt = raw.closed === true ? new Date() : toDate(raw.closed)
  const voters = Number(raw.votersCount)
  return {
    options,
    multiple,
    expiresAt: toDate(raw.endTime) ?? closedAt,
    closed: !!closedAt && closedAt <= new Date(),
    votersCount: Number.isFinite(voters) && voters >= 0 ? voters : null,
  }
}

const textOf = (v: unknown): string => (v == null ? '' : String(v))
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)

/**
 * Turns a post object (origin already checked) into the remote status to store, resolving its references, as the
 * author's domain policy and the keyword policy shape it; null when they refuse it.
 */
export async function remoteStatusOf(
  c: Context<Ctx>, object: PostObject, raw: Json, author: AccountRow, budget: Budget, activityJson: Json | null,
): Promise<RemoteStatus | null> {
  const ctx = c.data
  const ids = (list: URL[]) => list.map((u) => u.href)
  let to = ids(object.toIds)
  let cc = ids(object.ccIds)
  if (!to.length && !cc.length && activityJson) {
    to = asArray(activityJson.to).map(String)
    cc = asArray(activityJson.cc).map(String)
  }
  const remote = await findRemoteActor(ctx, author.id)
  const visibility = visibilityOf(to, cc, remote?.endpoints.followersUrl ?? null, raw.directMessage === true)

  const tags = readTags(raw)
  const mentioned = new Set(tags.mentions)
  const addressed = [...to, ...cc].filter((u) => !PUBLIC.has(u) && u !== remote?.endpoints.followersUrl)
  const firstSeen = await accountsByUris(ctx.db, tags.mentions)
  await fetchMentioned(c, tags.mentions, new Set(firstSeen.map((a) => a.uri)), budget)
  const known = await accountsByUris(ctx.db, [...tags.mentions, ...addressed])
  const recipients = known.filter((a) => a.id !== author.id).map((a) => ({ accountId: a.id, silent: !mentioned.has(a.uri) }))

  const inReplyTo = object.replyTargetId ? await resolveStatus(c, object.replyTargetId.href, budget) : null
  const quoteUri = [raw.quote, raw.quoteUrl, raw.quoteUri, raw.quoteURL, raw._misskey_quote].map(hrefOf).find(Boolean) ?? tags.links[0] ?? null
  const quote = quoteUri ? await resolveStatus(c, quoteUri, { depth: Math.min(budget.depth, 1), pool: budget.pool }) : null

  const contentMap = raw.contentMap && typeof raw.contentMap === 'object' ? Object.keys(raw.contentMap as Json) : []
  const source = object.source
  const title = object instanceof Article || object instanceof Page ? textOf(object.name) : ''
  const content = (title ? `<p><strong>${escapeHtml(title)}</strong></p>` : '') + textOf(object.content)
  const url = object.url instanceof URL ? object.url.href : hrefOf(raw.url)
  const published = object.published ? new Date(object.published.epochMilliseconds) : new Date()
  const updated = object.updated ? new Date(object.updated.epochMilliseconds) : null
  const conversationUri = [raw.context, raw.conversation].map(str).find((v) => v && v.length <= 2048) ?? null

  const status: RemoteStatus = {
    uri: object.id!.href,
    url: httpUrl(url),
    accountId: author.id,
    createdAt: published > new Date() ? new Date() : published,
    editedAt: updated,
    content,
    text: source?.content ? textOf(source.content) : '',
    contentType: source?.mediaType ?? null,
    spoilerText: htmlToPlainText(textOf(object.summary)),
    sensitive: object.sensitive ?? false,
    visibility,
    language: contentMap[0] ?? null,
    inReplyTo,
    inReplyToUri: object.replyTargetId && object.replyTargetId.href.length <= 2048 ? object.replyTargetId.href : null,
    quote,
    conversationUri,
    recipients,
    tags: tags.hashtags,
    emojis: tags.emojis,
    attachments: readAttachments(raw),
    poll: object instanceof Question ? readPoll(raw) : null,
  }
  return await applyContentPolicy(ctx, await domainPolicy(ctx, author.domain), status)
}

/** Stores a post that arrived or was fetched (null: the content policy refused it); the caller checked the origin rule. */
export async function receivePost(
  c: Context<Ctx>, object: PostObject, raw: Json, author: AccountRow, budget: Budget, activityJson: Json | null,
): Promise<StatusRow | null> {
  const known = await findStatusByUri(c.data.db, object.id!.href)
  if (known) return known
  const status = await remoteStatusOf(c, object, raw, author, budget, activityJson)
  return status ? storeRemoteStatus(c.data, status) : null
}
