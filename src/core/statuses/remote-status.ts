import { and, eq, inArray, isNotNull, notInArray, sql } from 'drizzle-orm'
import type { DbLike, Tx } from '../../db/client'
import { uuidParam } from '../../db/sql'
import {
  accounts, conversations, mediaAttachments, polls, statusMentions, statusTags, statuses,
  type MediaType, type StatusRow, type StatusVisibility,
} from '../../db/schema'
import type { Ctx } from '../context'
import { encodeId, newId } from '../ids'
import { enqueueRemoteMediaCache } from '../media/remote'
import { distributeNewStatus, type Recipient } from './distribute'
import { removeStatus } from './delete-status'
import { announceEdit, keepRevision } from './edit-status'
import { isContentType, sanitizeContent, type ContentType } from './format'
import { insertStatus, upsertTags } from './post-status'
import { normalizeLanguage } from './validate'

const MAX_CONTENT = 100_000
const MAX_TEXT = 100_000
const MAX_SPOILER = 1_000
const MAX_TAGS = 30
const MAX_EMOJIS = 50
const MAX_ATTACHMENTS = 16
const MAX_POLL_OPTIONS = 50

export interface RemoteAttachment {
  url: string
  mediaType: string | null
  description: string | null
  blurhash: string | null
  width: number | null
  height: number | null
}

export interface RemotePoll {
  options: { title: string; votes: number }[]
  multiple: boolean
  expiresAt: Date | null
  closed: boolean
  votersCount: number | null
}

/** A status as another server published it, already checked for origin, with its references resolved to local rows. */
export interface RemoteStatus {
  uri: string
  url: string | null
  accountId: string
  createdAt: Date
  editedAt: Date | null
  /** remote HTML; sanitized here */
  content: string
  /** the author's source (`source.content`) when given */
  text: string
  contentType: string | null
  spoilerText: string
  sensitive: boolean
  visibility: StatusVisibility
  language: string | null
  inReplyTo: StatusRow | null
  /** the parent it names, kept when it could not be had, so the reply is linked once it is stored */
  inReplyToUri: string | null
  quote: StatusRow | null
  /** the thread's `context` or `conversation` */
  conversationUri: string | null
  /** known accounts it addresses; `silent` for those addressed without a Mention tag */
  recipients: Recipient[]
  tags: string[]
  emojis: { shortcode: string; url: string }[]
  attachments: RemoteAttachment[]
  poll: RemotePoll | null
}

/**
 * The id of a status published elsewhere at `at`, so timelines order it by publication. Remote clocks repeat
 * (many servers publish whole seconds), so below the time it is random rather than a per-process sequence.
 */
function remoteStatusId(at: Date): string {
  const ms = Math.min(at.getTime(), Date.now())
  if (ms > Date.now() - 1000) return newId()
  const random = BigInt('0x' + crypto.getRandomValues(new Uint8Array(8)).reduce((h, b) => h + b.toString(16).padStart(2, '0'), ''))
  return encodeId((BigInt(ms) << 64n) | random)
}

export async function findStatusByUri(db: DbLike, uri: string): Promise<StatusRow | null> {
  const [row] = await db.select().from(statuses).where(eq(statuses.uri, uri)).limit(1)
  return row ?? null
}

const cleanTags = (names: string[]) =>
  [...new Set(names.map((n) => n.replace(/^#/, '').trim()).filter((n) => /^[\p{L}\p{N}_]{1,100}$/u.test(n)))].slice(0, MAX_TAGS)

const mediaTypeOf = (mime: string | null): MediaType => {
  const kind = mime?.split('/')[0]
  return kind === 'image' ? 'image' : kind === 'video' ? 'video' : kind === 'audio' ? 'audio' : 'unknown'
}

/** The thread a remote status joins: its parent's, or the one named by its `context`, made on first sight. */
async function threadOf(tx: Tx, s: RemoteStatus): Promise<string> {
  if (s.inReplyTo?.conversationId) return s.inReplyTo.conversationId
  if (s.conversationUri) {
    await tx.insert(conversations).values({ uri: s.conversationUri }).onConflictDoNothing()
    const [row] = await tx.select({ id: conversations.id }).from(conversations).where(eq(conversations.uri, s.conversationUri)).limit(1)
    return row.id
  }
  const [row] = await tx.insert(conversations).values({}).returning({ id: conversations.id })
  return row.id
}

/** Remote custom emoji are kept as the author's domain's emoji, which the renderers show by shortcode. */
export async function upsertRemoteEmojis(tx: Tx, accountId: string, emojis: RemoteStatus['emojis']) {
  const list = emojis.filter((e) => /^[A-Za-z0-9_+-]{1,100}$/.test(e.shortcode) && /^https?:\/\//.test(e.url)).slice(0, MAX_EMOJIS)
  if (!list.length) return
  const [author] = await tx.select({ domain: accounts.domain }).from(accounts).where(eq(accounts.id, accountId)).limit(1)
  if (!author?.domain) return
  for (const e of list) {
    await tx.execute(sql`insert into custom_emojis (id, shortcode, domain, remote_url, visible_in_picker)
      values (${uuidParam(newId())}, ${e.shortcode}, ${author.domain}, ${e.url}, false)
      on conflict (shortcode, coalesce(domain, '')) do update set remote_url = excluded.remote_url, updated_at = now()
      where custom_emojis.remote_url is distinct from excluded.remote_url`)
  }
}

/** Stores the attachments as remote media, whose caching is enqueued in the same transaction. */
async function insertAttachments(ctx: Ctx, tx: Tx, accountId: string, statusId: string, attachments: RemoteAttachment[]) {
  const list = attachments.filter((a) => /^https?:\/\//.test(a.url)).slice(0, MAX_ATTACHMENTS)
  if (!list.length) return
  await enqueueRemoteMediaCache(ctx, tx, { statusId })
  await tx.insert(mediaAttachments).values(list.map((a, position) => ({ ...remoteAttachmentColumns(accountId, a), statusId, position })))
}

/** The row of an attachment kept at its remote address (a status's, or a chat message's). */
export function remoteAttachmentColumns(accountId: string, a: RemoteAttachment) {
  return {
    accountId,
    type: mediaTypeOf(a.mediaType),
    mimeType: a.mediaType ?? 'application/octet-stream',
    remoteUrl: a.url,
    description: a.description?.slice(0, 1500) ?? null,
    blurhash: a.blurhash?.slice(0, 100) ?? null,
    meta: a.width && a.height ? { original: { width: a.width, height: a.height, size: `${a.width}x${a.height}`, aspect: a.width / a.height } } : {},
  }
}

const pollOptions = (poll: RemotePoll) =>
  poll.options.slice(0, MAX_POLL_OPTIONS).map((o) => ({ title: o.title.slice(0, 500), votes_count: Math.max(0, Math.floor(o.votes) || 0) }))

const pollFields = (poll: RemotePoll) => {
  const options = pollOptions(poll)
  const votes = options.reduce((n, o) => n + o.votes_count, 0)
  const ended = poll.closed ? (poll.expiresAt && poll.expiresAt < new Date() ? poll.expiresAt : new Date()) : poll.expiresAt
  return {
    options,
    multiple: poll.multiple,
    votesCount: votes,
    votersCount: poll.votersCount ?? (poll.multiple ? 0 : votes),
    expiresAt: ended,
    // a poll that ended over there was announced there; nothing to tell here
    endedNotifiedAt: poll.closed ? new Date() : null,
  }
}

/**
 * Stores a status received from another server through the same writing and delivery as a local post (thread,
 * mentions, tags, counters, home feeds, notifications, direct conversations, streaming). A status already stored
 * under the same URI is returned as it is.
 */
export async function storeRemoteStatus(ctx: Ctx, s: RemoteStatus): Promise<StatusRow> {
  const known = await findStatusByUri(ctx.db, s.uri)
  if (known) return known
  const [author] = await ctx.db.select({ username: accounts.username }).from(accounts).where(eq(accounts.id, s.accountId)).limit(1)
  try {
    return await ctx.db.transaction(async (tx) => {
      const conversationId = await threadOf(tx, s)
      const row = await insertStatus(ctx, tx, {
        id: remoteStatusId(s.createdAt),
        accountId: s.accountId,
        username: author?.username ?? '',
        appId: null,
        text: s.text.slice(0, MAX_TEXT),
        contentType: isContentType(s.contentType) ? s.contentType : 'text/html' satisfies ContentType,
        html: sanitizeContent(s.content.slice(0, MAX_CONTENT)),
        spoilerText: s.spoilerText.slice(0, MAX_SPOILER),
        sensitive: s.sensitive,
        visibility: s.visibility,
        listId: null,
        language: normalizeLanguage(s.language),
        inReplyTo: s.inReplyTo,
        conversationId,
        quote: s.quote,
        expiresAt: null,
        recipients: s.recipients,
        tags: cleanTags(s.tags),
        poll: null,
        mediaIds: [],
        remote: { uri: s.uri, url: s.url, createdAt: s.createdAt, inReplyToUri: s.inReplyToUri },
      })
      await upsertRemoteEmojis(tx, s.accountId, s.emojis)
      await insertAttachments(ctx, tx, s.accountId, row.id, s.attachments)
      if (s.poll) await tx.insert(polls).values({ statusId: row.id, hideTotals: false, ...pollFields(s.poll) })
      await distributeNewStatus(tx, row, s.recipients)
      return row
    })
  } catch (e) {
    // the same status arriving twice at once (personal and shared inbox): the other one stored it
    const stored = await findStatusByUri(ctx.db, s.uri)
    if (stored) return stored
    throw e
  }
}

const sameList = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

/**
 * An author's edit of a remote status: the previous revision goes to the edit history as with local edits, then
 * text, content warning, sensitivity, language, mentions, tags, emoji, media and poll follow the new version.
 * A poll whose only change is its counts is updated without a revision.
 */
export async function updateRemoteStatus(ctx: Ctx, statusId: string, s: RemoteStatus): Promise<StatusRow | null> {
  return ctx.db.transaction(async (tx) => {
    const [locked] = await tx.select().from(statuses).where(eq(statuses.id, statusId)).for('update')
    if (!locked || locked.local || locked.accountId !== s.accountId) return null
    const [poll] = await tx.select().from(polls).where(eq(polls.statusId, locked.id)).limit(1)
    const media = await tx.select({ id: mediaAttachments.id, url: mediaAttachments.remoteUrl }).from(mediaAttachments)
      .where(eq(mediaAttachments.statusId, locked.id)).orderBy(mediaAttachments.position)
    const content = sanitizeContent(s.content.slice(0, MAX_CONTENT))
    const spoilerText = s.spoilerText.slice(0, MAX_SPOILER)
    const language = normalizeLanguage(s.language)
    const previousOptions = poll ? poll.options.map((o) => o.title) : null
    const nextOptions = s.poll ? pollOptions(s.poll).map((o) => o.title) : null
    const pollChanged = !sameList(previousOptions, nextOptions) || (!!poll && !!s.poll && poll.multiple !== s.poll.multiple)
    const mediaChanged = !sameList(media.map((m) => m.url), s.attachments.slice(0, MAX_ATTACHMENTS).map((a) => a.url))
    const edited = pollChanged || mediaChanged || content !== locked.content || spoilerText !== locked.spoilerText
      || s.sensitive !== locked.sensitive || language !== locked.language

    if (s.poll && poll && !pollChanged) await tx.update(polls).set(pollFields(s.poll)).where(eq(polls.id, poll.id))
    // an edit older than the revision we have arrived late: the newer one stays
    const stale = !!s.editedAt && !!locked.editedAt && s.editedAt <= locked.editedAt
    if (!edited || stale) return locked

    await keepRevision(tx, locked, previousOptions, media.map((m) => m.id))
    if (mediaChanged) {
      // earlier media stay for the edit history, detached from the status
      await tx.update(mediaAttachments).set({ statusId: null }).where(eq(mediaAttachments.statusId, locked.id))
      await insertAttachments(ctx, tx, s.accountId, locked.id, s.attachments)
    }
    if (pollChanged) {
      if (poll) await tx.delete(polls).where(eq(polls.id, poll.id))
      if (s.poll) await tx.insert(polls).values({ statusId: locked.id, hideTotals: false, ...pollFields(s.poll) })
    }
    await updateRecipients(tx, locked.id, s.recipients)
    await tx.delete(statusTags).where(eq(statusTags.statusId, locked.id))
    const tagIds = await upsertTags(tx, cleanTags(s.tags))
    if (tagIds.length) await tx.insert(statusTags).values(tagIds.map((tagId) => ({ statusId: locked.id, tagId }))).onConflictDoNothing()
    await upsertRemoteEmojis(tx, s.accountId, s.emojis)
    const [row] = await tx.update(statuses).set({
      text: s.text.slice(0, MAX_TEXT),
      content,
      spoilerText,
      sensitive: s.sensitive,
      language,
      editedAt: s.editedAt ?? new Date(),
      updatedAt: new Date(),
    }).where(eq(statuses.id, locked.id)).returning()
    await announceEdit(ctx, tx, locked, row)
    return row
  })
}

/** New addressees are added; earlier ones keep their access as silent mentions, as with local edits. */
async function updateRecipients(tx: Tx, statusId: string, recipients: Recipient[]) {
  if (recipients.length) {
    await tx.insert(statusMentions).values(recipients.map((r) => ({ statusId, accountId: r.accountId, silent: r.silent })))
      .onConflictDoUpdate({ target: [statusMentions.statusId, statusMentions.accountId], set: { silent: sql`excluded.silent` } })
  }
  const written = recipients.filter((r) => !r.silent).map((r) => r.accountId)
  await tx.update(statusMentions).set({ silent: true })
    .where(and(eq(statusMentions.statusId, statusId), written.length ? notInArray(statusMentions.accountId, written) : isNotNull(statusMentions.accountId)))
}

/** The author's Delete of a remote status: removed through the same code as a local delete. */
export async function deleteRemoteStatus(ctx: Ctx, uri: string, authorId: string): Promise<boolean> {
  const status = await findStatusByUri(ctx.db, uri)
  if (!status || status.local || status.accountId !== authorId) return false
  return !!(await ctx.db.transaction((tx) => removeStatus(tx, status.id)))
}

/** Accounts known by their actor URIs (local or remote), for addressing. */
export async function accountsByUris(db: DbLike, uris: string[]): Promise<{ id: string; uri: string; domain: string | null }[]> {
  const list = [...new Set(uris)].slice(0, 500)
  if (!list.length) return []
  const rows = await db.select({ id: accounts.id, uri: accounts.uri, domain: accounts.domain }).from(accounts)
    .where(and(inArray(accounts.uri, list), sql`${accounts.suspendedAt} is null`))
  return rows.map((r) => ({ id: r.id, uri: r.uri!, domain: r.domain }))
}
