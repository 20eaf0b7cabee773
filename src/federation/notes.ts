// Local statuses as ActivityPub objects (Note, or Question for polls) and the activities that carry them.
import type { Context } from '@fedify/fedify'
import {
  Collection, Create, Delete, Document, Emoji, Hashtag, Image, LanguageString, Mention, Note, PUBLIC_COLLECTION, Question,
  Source, Tombstone, Update,
} from '@fedify/vocab'
import type { Ctx } from '../core/context'
import type { FederatedStatusData } from '../core/federation/statuses'
import type { StatusRow, StatusVisibility } from '../db/schema'

const { Temporal } = globalThis as any
const instant = (d: Date) => Temporal.Instant.from(new Date(d).toISOString())

export interface Addressing {
  to: URL[]
  cc: URL[]
}

/**
 * `to` and `cc` from the visibility: public = Public in `to`, followers in `cc`; unlisted = followers in `to`,
 * Public in `cc`; private = followers and the addressed; direct = the addressed only. Addressed accounts go with
 * Public posts into `cc`, otherwise into `to`.
 */
export function addressing(visibility: StatusVisibility, followers: URL, addressed: URL[]): Addressing {
  switch (visibility) {
    case 'public': return { to: [PUBLIC_COLLECTION], cc: [followers, ...addressed] }
    case 'unlisted': return { to: [followers], cc: [PUBLIC_COLLECTION, ...addressed] }
    case 'private': return { to: [followers, ...addressed], cc: [] }
    default: return { to: addressed, cc: [] }
  }
}

const numberIn = (meta: Record<string, unknown>, key: string): number | null => {
  const original = meta.original as Record<string, unknown> | undefined
  const v = original?.[key] ?? meta[key]
  return typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : null
}

export const contextUri = (baseUrl: string, conversationId: string) => new URL(`/contexts/${conversationId}`, baseUrl)

/** A local status as a Note, or a Question when it has a poll. Pure over `data`. */
export function statusObject(c: Context<Ctx>, row: StatusRow, data: FederatedStatusData): Note | Question {
  const base = data.baseUrl
  const username = data.authors.get(row.accountId)!
  const addressed = data.addressed.get(row.id) ?? []
  const { to, cc } = addressing(row.visibility, c.getFollowersUri(username), addressed.map((a) => new URL(a.uri)))
  const tags = [
    ...addressed.map((a) => new Mention({ href: new URL(a.uri), name: `@${a.acct}` })),
    ...(data.tags.get(row.id) ?? []).map((name) => new Hashtag({ href: new URL(`/tags/${encodeURIComponent(name)}`, base), name: `#${name}` })),
    ...(data.emojis.get(row.id) ?? []).map((e) => new Emoji({
      id: new URL(`/emojis/${encodeURIComponent(e.shortcode)}`, base),
      name: `:${e.shortcode}:`,
      icon: new Image({ url: new URL(e.url, base) }),
    })),
  ]
  const attachments = (data.media.get(row.id) ?? []).map(({ row: m, url }) => new Document({
    mediaType: m.mimeType,
    url: new URL(url),
    name: m.description || null,
    width: numberIn(m.meta, 'width'),
    height: numberIn(m.meta, 'height'),
  }))
  const parent = row.inReplyToId ? data.referenced.get(row.inReplyToId) : undefined
  const quote = row.quoteId ? data.referenced.get(row.quoteId) : undefined
  const values = {
    id: new URL(row.uri!),
    url: row.url ? new URL(row.url) : null,
    attribution: c.getActorUri(username),
    tos: to,
    ccs: cc,
    contents: row.language ? [row.content, new LanguageString(row.content, row.language)] : [row.content],
    source: new Source({ content: row.text, mediaType: row.contentType }),
    summary: row.spoilerText || null,
    sensitive: row.sensitive || !!row.spoilerText,
    published: instant(row.createdAt),
    updated: row.editedAt ? instant(row.editedAt) : null,
    replyTarget: parent ? new URL(parent.uri) : null,
    tags,
    attachments,
    contexts: row.conversationId ? [contextUri(base, row.conversationId)] : [],
    quote: quote ? new URL(quote.uri) : null,
    quoteUrl: quote ? new URL(quote.uri) : null,
  }
  const poll = data.polls.get(row.id)
  if (!poll) return new Note(values)
  const ended = !!poll.expiresAt && poll.expiresAt.getTime() <= Date.now()
  const hidden = poll.hideTotals && !ended
  const options = poll.options.map((o) => new Note({
    name: o.title, replies: new Collection({ totalItems: hidden ? 0 : o.votes_count }),
  }))
  return new Question({
    ...values,
    ...(poll.multiple ? { inclusiveOptions: options } : { exclusiveOptions: options }),
    endTime: poll.expiresAt ? instant(poll.expiresAt) : null,
    closed: ended ? instant(poll.expiresAt!) : null,
    voters: hidden ? 0 : poll.votersCount,
  })
}

/**
 * The object as served to a GET: Fedify's JSON plus what its vocabulary drops (Pleroma's `conversation`, Mastodon's
 * attachment `blurhash`), with `to` and `cc` always arrays of full IRIs, re-read so that Fedify serves this JSON.
 */
export async function servedStatusObject(c: Context<Ctx>, row: StatusRow, data: FederatedStatusData): Promise<Note | Question> {
  const object = statusObject(c, row, data)
  const hashes = (data.media.get(row.id) ?? []).map((m) => m.row.blurhash)
  const json = await object.toJsonLd({ format: 'compact', contextLoader: c.contextLoader }) as Record<string, unknown>
  // Readers that do no JSON-LD processing (Akkoma, many others) only know the full Public IRI.
  for (const key of ['to', 'cc']) {
    const value = json[key]
    if (value === undefined) continue
    json[key] = (Array.isArray(value) ? value : [value]).map((v) => (v === 'as:Public' || v === 'Public' ? PUBLIC_COLLECTION.href : v))
  }
  if (row.conversationId) json.conversation = contextUri(data.baseUrl, row.conversationId).href
  const attachments = json.attachment == null ? [] : Array.isArray(json.attachment) ? json.attachment : [json.attachment]
  attachments.forEach((a, i) => {
    if (hashes[i] && a && typeof a === 'object') (a as Record<string, unknown>).blurhash = hashes[i]
  })
  const context = Array.isArray(json['@context']) ? json['@context'] : [json['@context']]
  json['@context'] = [...context, { ostatus: 'http://ostatus.org#', conversation: 'ostatus:conversation', toot: 'http://joinmastodon.org/ns#', blurhash: 'toot:blurhash' }]
  const Type = object instanceof Question ? Question : Note
  return Type.fromJsonLd(json, { contextLoader: c.contextLoader, documentLoader: c.documentLoader })
}

export const createActivityId = (row: Pick<StatusRow, 'uri'>) => new URL(`${row.uri}/activity`)

export function createActivity(c: Context<Ctx>, row: StatusRow, data: FederatedStatusData): Create {
  const object = statusObject(c, row, data)
  return new Create({
    id: createActivityId(row),
    actor: object.attributionId,
    tos: object.toIds,
    ccs: object.ccIds,
    published: object.published,
    object,
  })
}

export function updateActivity(c: Context<Ctx>, row: StatusRow, data: FederatedStatusData): Update {
  const object = statusObject(c, row, data)
  const at = row.editedAt ?? row.updatedAt
  return new Update({
    id: new URL(`${row.uri}#updates/${new Date(at).getTime()}`),
    actor: object.attributionId,
    tos: object.toIds,
    ccs: object.ccIds,
    updated: instant(at),
    object,
  })
}

/** The Delete of a gone status, addressed as its Create was. */
export function deleteActivity(c: Context<Ctx>, gone: { uri: string; visibility: StatusVisibility; username: string; addressed: URL[] }): Delete {
  const { to, cc } = addressing(gone.visibility, c.getFollowersUri(gone.username), gone.addressed)
  return new Delete({
    id: new URL(`${gone.uri}#delete`),
    actor: c.getActorUri(gone.username),
    tos: to,
    ccs: cc,
    object: new Tombstone({ id: new URL(gone.uri) }),
  })
}
