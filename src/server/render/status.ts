import { eq } from 'drizzle-orm'
import type { Ctx } from '../../core/context'
import { loadMediaByIds } from '../../core/media/attachments'
import { remoteMediaProxyBase } from '../../core/media/remote-links'
import { mediaStorage } from '../../core/media/storage'
import type { Viewer } from '../../core/oauth/authenticate'
import { htmlToPlainText } from '../../core/statuses/format'
import type { StatusRevision } from '../../core/statuses/queries'
import { accounts, type StatusRow, type StatusVisibility } from '../../db/schema'
import { renderAccounts, type AccountEntity } from './account'
import { accountAcct, loadStatusBundle, loadStatusBundles, type KnownAccounts, type PollRow, type StatusBundle } from './bundle'
import { buildEmojiReactions, loadRevisionEmojis, type CustomEmojiEntity, type EmojiReactionEntity } from './emoji'
import { buildMediaAttachment, type MediaAttachmentEntity } from './media'
import type { PreviewCardEntity } from './card'
import { buildFilterResults, type FilterResultEntity } from './filter'

export interface RenderOptions {
  /** Include the source `text` (DELETE answers, for redrafting). */
  source?: boolean
}

/** Mastodon knows four visibilities: list posts show as private, local-only ones as public with `local_only`. */
export const MASTODON_VISIBILITY: Record<StatusVisibility, 'public' | 'unlisted' | 'private' | 'direct'> = {
  public: 'public', unlisted: 'unlisted', local: 'public', private: 'private', direct: 'direct', list: 'private',
}

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null)

/** Mastodon's Poll entity for the bundle's viewer; per-option counts hidden while `hide_totals` polls run (but not from the author). */
export function buildPoll(poll: PollRow, authorId: string, bundle: Pick<StatusBundle, 'viewerAccountId' | 'ownVotes'>, now = Date.now()) {
  const viewer = bundle.viewerAccountId
  const expired = !!poll.expiresAt && poll.expiresAt.getTime() <= now
  const own = viewer === authorId
  const hideCounts = poll.hideTotals && !expired && !own
  const ownVotes = viewer ? bundle.ownVotes.get(poll.id) ?? [] : null
  return {
    id: poll.id,
    expires_at: iso(poll.expiresAt),
    expired,
    multiple: poll.multiple,
    votes_count: poll.votesCount,
    voters_count: poll.votersCount,
    options: poll.options.map((o) => ({ title: o.title, votes_count: hideCounts ? null : o.votes_count })),
    emojis: [] as unknown[],
    voted: viewer ? own || ownVotes!.length > 0 : null,
    own_votes: ownVotes,
    pleroma: { non_anonymous: false },
  }
}

type QuoteEntity =
  | { state: 'accepted' | 'unauthorized' | 'deleted'; quoted_status: StatusEntity | null }
  | { state: 'accepted' | 'unauthorized' | 'deleted'; quoted_status_id: string | null }

export type PollEntity = ReturnType<typeof buildPoll>

export interface QuoteApproval {
  automatic: ('public' | 'followers' | 'following')[]
  manual: never[]
  current_user: 'automatic' | 'manual' | 'denied' | 'unknown'
}

/** Mastodon 4.5's summary of who may quote: anyone for public/unlisted/local, only the author for private, nobody for direct. */
export function buildQuoteApproval(row: StatusRow, viewerAccountId: string | null): QuoteApproval {
  if (row.visibility === 'public' || row.visibility === 'unlisted' || row.visibility === 'local') {
    return { automatic: ['public'], manual: [], current_user: viewerAccountId ? 'automatic' : 'unknown' }
  }
  const own = row.visibility === 'private' && viewerAccountId === row.accountId
  return { automatic: [], manual: [], current_user: own ? 'automatic' : viewerAccountId ? 'denied' : 'unknown' }
}

/** Mastodon's Status entity with Pleroma's `pleroma` object. */
export interface StatusEntity {
  id: string
  uri: string
  url: string | null
  created_at: string
  account: AccountEntity
  content: string
  visibility: 'public' | 'unlisted' | 'private' | 'direct'
  local_only: boolean
  sensitive: boolean
  spoiler_text: string
  media_attachments: MediaAttachmentEntity[]
  application: { name: string; website: string | null } | null
  mentions: { id: string; username: string; acct: string; url: string }[]
  tags: { name: string; url: string }[]
  emojis: CustomEmojiEntity[]
  reblogs_count: number
  favourites_count: number
  replies_count: number
  quotes_count: number
  in_reply_to_id: string | null
  in_reply_to_account_id: string | null
  reblog: StatusEntity | null
  quote: QuoteEntity | null
  quote_approval: QuoteApproval
  poll: PollEntity | null
  card: PreviewCardEntity | null
  language: string | null
  text: string | null
  edited_at: string | null
  favourited: boolean
  reblogged: boolean
  muted: boolean
  bookmarked: boolean
  pinned: boolean
  filtered: FilterResultEntity[]
  pleroma: {
    local: boolean
    visibility: StatusVisibility
    conversation_id: string | null
    direct_conversation_id: string | null
    context: string | null
    in_reply_to_account_acct: string | null
    content: { 'text/plain': string }
    spoiler_text: { 'text/plain': string }
    content_type: string
    expires_at: string | null
    thread_muted: boolean
    /** the viewer's bookmark folder holding it */
    bookmark_folder: string | null
    emoji_reactions: EmojiReactionEntity[]
    parent_visible: boolean
    pinned_at: string | null
    quotes_count: number
    quote_id: string | null
    quote_url: string | null
    quote_visible: boolean
    quote: StatusEntity | null
    local_only: boolean
  }
}

/** Builds one Status entity from a row and its bundle. Pure and synchronous. */
export function buildStatus(row: StatusRow, bundle: StatusBundle, opts: RenderOptions = {}): StatusEntity {
  return buildOwnStatus(row, bundle, opts, true)
}

/**
 * Mastodon 4.5's `quote`: the quoted status in full for a listed status (and a reblogged one), a ShallowQuote
 * (id only) one level further down; "unauthorized" when the viewer may not see it, "deleted" when it is gone.
 */
function buildQuote(row: StatusRow, bundle: StatusBundle, full: boolean): QuoteEntity | null {
  if (!row.quoteId) return null
  const quoted = bundle.related.get(row.quoteId)
  if (!quoted) return full ? { state: 'deleted', quoted_status: null } : { state: 'deleted', quoted_status_id: null }
  if (!quoted.visible) return full ? { state: 'unauthorized', quoted_status: null } : { state: 'unauthorized', quoted_status_id: null }
  if (full && bundle.authors.has(quoted.row.accountId)) return { state: 'accepted', quoted_status: buildOwnStatus(quoted.row, bundle, {}, false) }
  return { state: 'accepted', quoted_status_id: quoted.row.id }
}

function buildOwnStatus(row: StatusRow, bundle: StatusBundle, opts: RenderOptions, fullQuote: boolean): StatusEntity {
  const account = bundle.authors.get(row.accountId) as AccountEntity
  const original = row.reblogOfId ? bundle.related.get(row.reblogOfId) : undefined
  const reblog = original?.visible && bundle.authors.has(original.row.accountId)
    ? buildOwnStatus(original.row, bundle, {}, true)
    : null
  const poll = bundle.polls.get(row.id)
  const replyAccount = row.inReplyToAccountId ? bundle.accountRows.get(row.inReplyToAccountId) : undefined
  const app = row.applicationId ? bundle.applications.get(row.applicationId) : undefined
  const pinnedAt = bundle.pinnedAt.get(row.id) ?? null
  const quote = buildQuote(row, bundle, fullQuote)
  const quotedRow = row.quoteId ? bundle.related.get(row.quoteId) : undefined
  const url = row.url ?? row.uri ?? `${bundle.baseUrl}/@${account.username}/${row.id}`
  const threadMuted = !!row.conversationId && bundle.mutedConversations.has(row.conversationId)

  return {
    id: row.id,
    uri: row.uri ?? url,
    url: reblog ? reblog.url : url,
    created_at: row.createdAt.toISOString(),
    account,
    content: row.content,
    visibility: MASTODON_VISIBILITY[row.visibility],
    local_only: row.visibility === 'local',
    // media of an account moderators marked sensitive (Mastodon's `sensitive` action) always show as sensitive
    sensitive: row.sensitive || (!!bundle.accountRows.get(row.accountId)?.sensitizedAt && !!bundle.media.get(row.id)?.length),
    spoiler_text: row.spoilerText,
    media_attachments: bundle.media.get(row.id) ?? [],
    application: app ? { name: app.name, website: app.website } : null,
    mentions: bundle.mentions.get(row.id) ?? [],
    tags: bundle.tags.get(row.id) ?? [],
    emojis: bundle.emojis.get(row.id) ?? [],
    reblogs_count: row.reblogsCount,
    favourites_count: row.favouritesCount,
    replies_count: row.repliesCount,
    quotes_count: row.quotesCount,
    in_reply_to_id: row.inReplyToId,
    in_reply_to_account_id: row.inReplyToAccountId,
    reblog,
    quote,
    quote_approval: buildQuoteApproval(row, bundle.viewerAccountId),
    poll: poll ? buildPoll(poll, row.accountId, bundle) : null,
    card: bundle.cards.get(row.id) ?? null,
    language: row.language,
    text: opts.source ? row.text : null,
    edited_at: iso(row.editedAt),
    // A reblog carries the viewer's actions on the original at its top level too, as Pleroma answers.
    favourited: bundle.favourited.has(row.reblogOfId ?? row.id),
    reblogged: bundle.reblogged.has(row.reblogOfId ?? row.id),
    muted: threadMuted,
    bookmarked: bundle.bookmarked.has(row.reblogOfId ?? row.id),
    pinned: !!pinnedAt,
    filtered: buildFilterResults(row, bundle),
    pleroma: {
      local: row.local,
      visibility: row.visibility,
      conversation_id: row.conversationId,
      direct_conversation_id: row.visibility === 'direct' && row.conversationId ? bundle.participations.get(row.conversationId) ?? null : null,
      context: row.conversationId ? `${bundle.baseUrl}/contexts/${row.conversationId}` : null,
      in_reply_to_account_acct: replyAccount ? accountAcct(replyAccount) : null,
      content: { 'text/plain': htmlToPlainText(row.content) },
      spoiler_text: { 'text/plain': row.spoilerText },
      content_type: row.contentType,
      expires_at: iso(row.expiresAt),
      thread_muted: threadMuted,
      bookmark_folder: bundle.bookmarked.get(row.reblogOfId ?? row.id) ?? null,
      emoji_reactions: buildEmojiReactions(bundle.reactions.get(row.id)),
      parent_visible: bundle.parentVisible.has(row.id),
      pinned_at: iso(pinnedAt),
      quotes_count: row.quotesCount,
      quote_id: row.quoteId,
      quote_url: quotedRow?.visible ? quotedRow.row.url ?? quotedRow.row.uri : null,
      quote_visible: !!quotedRow?.visible,
      quote: quote && 'quoted_status' in quote ? quote.quoted_status : null,
      local_only: row.visibility === 'local',
    },
  }
}

/** A page of statuses, rendered with one bundle (a fixed number of queries, whatever the page size). */
export async function renderStatuses(ctx: Ctx, rows: StatusRow[], viewer: Viewer | null, opts: RenderOptions = {}, known?: KnownAccounts): Promise<StatusEntity[]> {
  if (!rows.length) return []
  const bundle = await loadStatusBundle(ctx, rows, viewer, known)
  return rows.map((row) => buildStatus(row, bundle, opts))
}

/**
 * One status as each of many viewers sees it (a streamed status), in order: one bundle's shared parts for all, the
 * viewer-dependent parts loaded for all viewers at once. Each entity is what `renderStatus` gives that viewer.
 */
export async function renderStatusForViewers(ctx: Ctx, row: StatusRow, viewers: (Viewer | null)[]): Promise<StatusEntity[]> {
  if (!viewers.length) return []
  const bundles = await loadStatusBundles(ctx, [row], viewers)
  return bundles.map((bundle) => buildStatus(row, bundle))
}

export async function renderStatus(ctx: Ctx, row: StatusRow, viewer: Viewer | null, opts: RenderOptions = {}, known?: KnownAccounts): Promise<StatusEntity> {
  const [entity] = await renderStatuses(ctx, [row], viewer, opts, known)
  return entity
}

/** Mastodon's StatusSource, with Pleroma's `content_type`. */
export function buildStatusSource(row: StatusRow) {
  return { id: row.id, text: row.text, spoiler_text: row.spoilerText, content_type: row.contentType }
}

/** Mastodon's StatusEdit list (oldest first, the current revision last). */
export async function renderStatusHistory(ctx: Ctx, status: StatusRow, revisions: StatusRevision[], viewer: Viewer | null) {
  const [[author], media] = await Promise.all([
    ctx.db.select().from(accounts).where(eq(accounts.id, status.accountId)).limit(1),
    loadMediaByIds(ctx.db, revisions.flatMap((r) => r.mediaIds)),
  ])
  const [account] = await renderAccounts(ctx, [author], viewer)
  const emojis = await loadRevisionEmojis(ctx, author.domain, revisions)
  const storage = mediaStorage(ctx.config)
  return revisions.map((r, i) => ({
    content: r.content,
    spoiler_text: r.spoilerText,
    sensitive: r.sensitive,
    created_at: r.createdAt.toISOString(),
    account,
    poll: r.pollOptions ? { options: r.pollOptions.map((title) => ({ title })) } : null,
    media_attachments: r.mediaIds.flatMap((id) => {
      const row = media.get(id)
      return row ? [buildMediaAttachment(row, storage, remoteMediaProxyBase(ctx.config))] : []
    }),
    emojis: emojis.get(String(i)) ?? [],
    pleroma: { content: { 'text/plain': htmlToPlainText(r.content) } },
  }))
}
