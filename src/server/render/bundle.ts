import { and, eq, inArray, sql } from 'drizzle-orm'
import type { Ctx } from '../../core/context'
import { participationIdsByConversation } from '../../core/conversations/conversations'
import { activeFilters } from '../../core/filters/filters'
import { compileFilters, type CompiledFilter } from '../../core/filters/match'
import { remoteMediaProxyBase } from '../../core/media/remote-links'
import { mediaStorage } from '../../core/media/storage'
import type { Viewer } from '../../core/oauth/authenticate'
import { escapeHtml } from '../../core/statuses/format'
import { filterVisibleStatusIds, visibleStatusSql } from '../../core/visibility'
import { uuidParam } from '../../db/sql'
import {
  accounts, bookmarks, conversationMutes, favourites, oauthApps, pollVotes, polls, statusMentions, statusPins, statusTags,
  mediaAttachments, statuses, tags, type AccountRow, type MediaAttachmentRow, type StatusRow,
} from '../../db/schema'
import { loadReactionSummaries, type ReactionSummary } from '../../core/reactions/queries'
import { loadPreviewCards } from '../../core/cards/fetch-card'
import { buildPreviewCard, type PreviewCardEntity } from './card'
import { loadAccountsWithUsers, renderAccounts, type AccountEntity } from './account'
import { loadStatusEmojis, type CustomEmojiEntity } from './emoji'
import { buildMediaAttachment, type MediaAttachmentEntity } from './media'

export type PollRow = typeof polls.$inferSelect

/** A status loaded because another one points at it (reblogged or quoted), with whether the viewer may see it. */
export interface RelatedStatus {
  row: StatusRow
  visible: boolean
}

export interface MentionEntity {
  id: string
  username: string
  acct: string
  url: string
}

/**
 * Everything `buildStatus` needs for a page, loaded with a fixed number of flat queries whatever the page size:
 * related statuses (up to three levels, each one query, only when present), accounts, rendered authors, mentions, tags, polls, own votes, viewer flags + pins,
 * parents' visibility and applications. No query runs while building.
 */
export interface StatusBundle {
  baseUrl: string
  viewerAccountId: string | null
  /** reblogged and quoted statuses, whether visible or not (a hidden quote still shows as "unauthorized") */
  related: Map<string, RelatedStatus>
  /** rendered Account entities of every author */
  authors: Map<string, AccountEntity>
  /** plain rows of authors and replied-to accounts, for `pleroma.in_reply_to_account_acct` */
  accountRows: Map<string, AccountRow>
  mentions: Map<string, MentionEntity[]>
  tags: Map<string, { name: string; url: string }[]>
  polls: Map<string, PollRow>
  ownVotes: Map<string, number[]>
  favourited: Set<string>
  reblogged: Set<string>
  /** the viewer's bookmarks: status id → the bookmark folder it is filed in, if any */
  bookmarked: Map<string, string | null>
  mutedConversations: Set<string>
  /** when the author pinned the status */
  pinnedAt: Map<string, Date>
  /** statuses whose parent the viewer may see */
  parentVisible: Set<string>
  applications: Map<string, { name: string; website: string | null }>
  /** MediaAttachment entities per status, in order */
  media: Map<string, MediaAttachmentEntity[]>
  /** the viewer's conversation participation per thread, for direct statuses (`pleroma.direct_conversation_id`) */
  participations: Map<string, string>
  /** the viewer's filters that apply now, loaded and compiled once for the page (for `filtered`) */
  filters: CompiledFilter[]
  /** custom emoji used in each status's content, content warning and poll options */
  emojis: Map<string, CustomEmojiEntity[]>
  /** Pleroma emoji reactions per status, as the viewer may see them */
  reactions: Map<string, ReactionSummary[]>
  /** PreviewCard entities of the statuses that have one */
  cards: Map<string, PreviewCardEntity>
}

const unique = <T>(values: (T | null | undefined)[]): T[] => [...new Set(values.filter((v): v is T => v !== null && v !== undefined))]

export const accountAcct = (a: Pick<AccountRow, 'username' | 'domain'>) => (a.domain ? `${a.username}@${a.domain}` : a.username)

async function loadRelated(ctx: Ctx, viewerAccountId: string | null, ids: string[], into: Map<string, RelatedStatus>) {
  const missing = ids.filter((id) => !into.has(id))
  if (!missing.length) return
  const rows = await ctx.db.select({ row: statuses, visible: sql<boolean>`${visibleStatusSql(viewerAccountId)}` })
    .from(statuses).where(inArray(statuses.id, missing))
  for (const r of rows) into.set(r.row.id, { row: r.row, visible: r.visible === true || (r.visible as unknown) === 't' })
}

/** Loads the bundle for `rows` (which the caller already filtered with the visibility rule). */
export async function loadStatusBundle(ctx: Ctx, rows: StatusRow[], viewer: Viewer | null): Promise<StatusBundle> {
  const viewerId = viewer?.accountId ?? null
  // The given rows passed the visibility rule already; a page may hold a status and the one it quotes or reblogs.
  const related = new Map<string, RelatedStatus>(rows.map((row) => [row.id, { row, visible: true }]))

  // Level 1: reblogged originals and quoted statuses. Level 2: their quotes (full for reblogged originals, shallow otherwise).
  await loadRelated(ctx, viewerId, unique(rows.flatMap((r) => [r.reblogOfId, r.quoteId])), related)
  const originals = unique(rows.map((r) => r.reblogOfId)).map((id) => related.get(id)).filter((r): r is RelatedStatus => !!r?.visible)
  const quotedOfGiven = unique(rows.map((r) => r.quoteId)).map((id) => related.get(id)).filter((r): r is RelatedStatus => !!r?.visible)
  await loadRelated(ctx, viewerId, unique([...originals, ...quotedOfGiven].map((r) => r.row.quoteId)), related)
  const quotedOfOriginals = unique(originals.map((r) => r.row.quoteId)).map((id) => related.get(id)).filter((r): r is RelatedStatus => !!r?.visible)
  // Level 3, only for a reblogged quote of a quote: enough to tell the innermost quote's state.
  await loadRelated(ctx, viewerId, unique(quotedOfOriginals.map((r) => r.row.quoteId)), related)

  // The statuses rendered in full.
  const full = new Map<string, StatusRow>()
  for (const r of [...rows, ...originals.map((o) => o.row), ...quotedOfGiven.map((q) => q.row), ...quotedOfOriginals.map((q) => q.row)]) full.set(r.id, r)
  const fullRows = [...full.values()]
  const ids = [...full.keys()]

  const authorIds = unique(fullRows.map((r) => r.accountId))
  const accountIds = unique([...authorIds, ...fullRows.map((r) => r.inReplyToAccountId)])
  const accountList = await loadAccountsWithUsers(ctx, accountIds)
  const accountRows = new Map(accountList.rows.map((a) => [a.id, a]))
  const authorRows = authorIds.map((id) => accountRows.get(id)).filter((a): a is AccountRow => !!a)
  const rendered = await renderAccounts(ctx, authorRows, viewer, { users: accountList.users })
  const authors = new Map(authorRows.map((a, i) => [a.id, rendered[i]]))

  const [mentionRows, tagRows, pollsWithVotes, flagRows, parentVisible, appRows, filterRows, mediaRows, cardRows] = await Promise.all([
    ctx.db.select({ statusId: statusMentions.statusId, id: accounts.id, username: accounts.username, domain: accounts.domain, url: accounts.url, uri: accounts.uri })
      .from(statusMentions).innerJoin(accounts, eq(accounts.id, statusMentions.accountId))
      .where(inArray(statusMentions.statusId, ids)),
    ctx.db.select({ statusId: statusTags.statusId, name: tags.name }).from(statusTags).innerJoin(tags, eq(tags.id, statusTags.tagId))
      .where(inArray(statusTags.statusId, ids)),
    // with the viewer's own choices, in the same statement
    ctx.db.select({
      poll: polls,
      // explicit qualifiers: drizzle leaves a single table's columns bare, which the subquery would take as its own
      own: viewerId
        ? sql<number[] | null>`(select array_agg(v.choice order by v.choice) from ${pollVotes} v
            where v.poll_id = ${polls}.id and v.account_id = ${uuidParam(viewerId)})`
        : sql<null>`null`,
    }).from(polls).where(inArray(polls.statusId, ids)),
    loadFlags(ctx, viewerId, ids, unique(fullRows.map((r) => r.conversationId))),
    filterVisibleStatusIds(ctx, viewerId, unique(fullRows.map((r) => r.inReplyToId))),
    (async () => {
      const appIds = unique(fullRows.map((r) => r.applicationId))
      return appIds.length ? ctx.db.select({ id: oauthApps.id, name: oauthApps.name, website: oauthApps.website }).from(oauthApps).where(inArray(oauthApps.id, appIds)) : []
    })(),
    viewerId ? activeFilters(ctx.db, viewerId) : [],
    ctx.db.select().from(mediaAttachments).where(inArray(mediaAttachments.statusId, ids)).orderBy(mediaAttachments.position, mediaAttachments.id),
    loadPreviewCards(ctx.db, ids),
  ])

  const pollRows = pollsWithVotes.map((p) => p.poll)
  const ownVotes = new Map<string, number[]>()
  for (const p of pollsWithVotes) if (p.own?.length) ownVotes.set(p.poll.id, p.own.map(Number))
  const participations = await participationIdsByConversation(ctx, viewerId,
    unique(fullRows.filter((r) => r.visibility === 'direct').map((r) => r.conversationId)))
  const [emojis, reactions] = await Promise.all([
    loadStatusEmojis(ctx, fullRows, accountRows, new Map(pollRows.map((p) => [p.statusId, p.options.map((o) => o.title)]))),
    loadReactionSummaries(ctx.db, ids, viewer),
  ])

  const base = ctx.config.baseUrl
  const storage = mediaStorage(ctx.config)
  const mentions = new Map<string, MentionEntity[]>()
  for (const m of mentionRows) {
    const list = mentions.get(m.statusId) ?? []
    list.push({ id: m.id, username: m.username, acct: accountAcct(m), url: m.url ?? m.uri ?? `${base}/@${m.username}` })
    mentions.set(m.statusId, list)
  }
  // In the order they are written; silent ones (not in the text) last.
  for (const r of fullRows) {
    const list = mentions.get(r.id)
    if (!list || list.length < 2) continue
    const at = (m: MentionEntity) => { const i = r.content.indexOf(`href="${escapeHtml(m.url)}"`); return i < 0 ? Infinity : i }
    list.sort((a, b) => at(a) - at(b) || a.acct.localeCompare(b.acct))
  }
  const tagMap = new Map<string, { name: string; url: string }[]>()
  for (const t of tagRows) {
    const name = t.name.toLowerCase()
    tagMap.set(t.statusId, [...(tagMap.get(t.statusId) ?? []), { name, url: `${base}/tags/${encodeURIComponent(name)}` }])
  }
  for (const r of fullRows) {
    const list = tagMap.get(r.id)
    if (!list || list.length < 2) continue
    const at = (t: { url: string }) => { const i = r.content.indexOf(`href="${escapeHtml(t.url)}"`); return i < 0 ? Infinity : i }
    list.sort((a, b) => at(a) - at(b) || a.name.localeCompare(b.name))
  }
  const parents = new Set(fullRows.filter((r) => r.inReplyToId && parentVisible.has(r.inReplyToId)).map((r) => r.id))

  return {
    baseUrl: base,
    viewerAccountId: viewerId,
    related,
    authors,
    accountRows,
    mentions,
    tags: tagMap,
    polls: new Map(pollRows.map((p) => [p.statusId, p])),
    ownVotes,
    ...flagRows,
    parentVisible: parents,
    applications: new Map(appRows.map((a) => [a.id, { name: a.name, website: a.website }])),
    media: groupMedia(ctx, mediaRows),
    participations,
    filters: compileFilters(filterRows),
    emojis,
    reactions,
    cards: new Map([...cardRows].map(([id, card]) => [id, buildPreviewCard(card, storage)])),
  }
}

function groupMedia(ctx: Ctx, rows: MediaAttachmentRow[]): Map<string, MediaAttachmentEntity[]> {
  const storage = mediaStorage(ctx.config)
  const proxyBase = remoteMediaProxyBase(ctx.config)
  const byStatus = new Map<string, MediaAttachmentEntity[]>()
  for (const row of rows) {
    if (!row.statusId) continue
    const list = byStatus.get(row.statusId) ?? []
    list.push(buildMediaAttachment(row, storage, proxyBase))
    byStatus.set(row.statusId, list)
  }
  return byStatus
}

type Flags = Pick<StatusBundle, 'favourited' | 'reblogged' | 'bookmarked' | 'mutedConversations' | 'pinnedAt'>

/** The viewer's favourites, reblogs, bookmarks and thread mutes, and the authors' pins, in one UNION ALL query. */
async function loadFlags(ctx: Ctx, viewerId: string | null, ids: string[], conversationIds: string[]): Promise<Flags> {
  const flags: Flags = { favourited: new Set(), reblogged: new Set(), bookmarked: new Map(), mutedConversations: new Set(), pinnedAt: new Map() }
  const kind = (k: 'pin' | 'favourite' | 'bookmark' | 'reblog' | 'mute') => sql<string>`${sql.raw(`'${k}'::text`)}`.as('kind')
  const noTime = sql<Date | null>`null::timestamptz`.mapWith(statusPins.createdAt).as('at')
  const noFolder = sql<string | null>`null::uuid`.mapWith(bookmarks.folderId).as('folder')
  const pins = ctx.db.select({ kind: kind('pin'), id: statusPins.statusId, at: sql<Date | null>`${statusPins.createdAt}`.mapWith(statusPins.createdAt).as('at'), folder: noFolder })
    .from(statusPins).innerJoin(statuses, and(eq(statuses.id, statusPins.statusId), eq(statuses.accountId, statusPins.accountId)))
    .where(inArray(statusPins.statusId, ids))
  if (!viewerId) {
    for (const r of await pins) if (r.at) flags.pinnedAt.set(r.id, r.at)
    return flags
  }
  const rows = await pins
    .unionAll(ctx.db.select({ kind: kind('favourite'), id: favourites.statusId, at: noTime, folder: noFolder }).from(favourites)
      .where(and(eq(favourites.accountId, viewerId), inArray(favourites.statusId, ids))))
    .unionAll(ctx.db.select({ kind: kind('bookmark'), id: bookmarks.statusId, at: noTime, folder: sql<string | null>`${bookmarks.folderId}`.mapWith(bookmarks.folderId).as('folder') }).from(bookmarks)
      .where(and(eq(bookmarks.accountId, viewerId), inArray(bookmarks.statusId, ids))))
    .unionAll(ctx.db.select({ kind: kind('reblog'), id: sql`${statuses.reblogOfId}`.mapWith(statuses.reblogOfId).as('id'), at: noTime, folder: noFolder }).from(statuses)
      .where(and(eq(statuses.accountId, viewerId), inArray(statuses.reblogOfId, ids))))
    .unionAll(ctx.db.select({ kind: kind('mute'), id: conversationMutes.conversationId, at: noTime, folder: noFolder }).from(conversationMutes)
      .where(and(eq(conversationMutes.accountId, viewerId), inArray(conversationMutes.conversationId, conversationIds))))
  for (const r of rows) {
    if (r.kind === 'pin' && r.at) flags.pinnedAt.set(r.id, new Date(r.at))
    else if (r.kind === 'favourite') flags.favourited.add(r.id)
    else if (r.kind === 'bookmark') flags.bookmarked.set(r.id, r.folder ?? null)
    else if (r.kind === 'reblog') flags.reblogged.add(r.id)
    else if (r.kind === 'mute') flags.mutedConversations.add(r.id)
  }
  return flags
}
