import { sql, type SQL } from 'drizzle-orm'
import type { Ctx } from '../../core/context'
import { participationIdsByAccount } from '../../core/conversations/conversations'
import { activeFiltersJsonSql, filtersFromJson, type FilterWithRules } from '../../core/filters/filters'
import { compileFilters, type CompiledFilter } from '../../core/filters/match'
import { remoteMediaProxyBase } from '../../core/media/remote-links'
import { mediaStorage } from '../../core/media/storage'
import type { Viewer } from '../../core/oauth/authenticate'
import { escapeHtml } from '../../core/statuses/format'
import { isStaff } from '../../core/accounts/queries'
import { idToUuid, uuidToId } from '../../core/ids'
import { visibleStatusSql, visibleToViewers } from '../../core/visibility'
import { runPrepared, runPreparedWith } from '../../db/prepared'
import { anyId, anyIdShape, rowFromJson, uuidArrayParam, type Binds } from '../../db/sql'
import { resultRows } from '../../db/client'
import {
  accounts, bookmarks, conversationMutes, favourites, oauthApps, pollVotes, polls, statusMentions, statusPins, statusTags,
  mediaAttachments, previewCards, statusPreviewCards, statuses, tags, type AccountRow, type UserRow, type MediaAttachmentRow, type StatusRow,
} from '../../db/schema'
import { reactionSummariesQuery, summariesFromRows, type ReactionSummary, type ReactionSummaryRow } from '../../core/reactions/queries'
import { buildPreviewCard, type PreviewCardEntity } from './card'
import {
  accountViewsFromJson, accountViewsJsonSql, buildAccounts, heldVersions, loadAccountParts, loadAccountViews, type AccountEntity, type AccountUser,
  type AccountView, type AccountViewsRead, type KeptAccountView,
} from './account'
import { loadStatusEmojis, type CustomEmojiEntity } from './emoji'
import { buildMediaAttachment, type MediaAttachmentEntity } from './media'
import { renderCacheOf, type RenderCache, type StatusParts } from './cache'

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
  accountRows: Map<string, AccountView>
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

/** A status pointed at, with the viewers (account ids; '' for anonymous) who may see it. */
interface LoadedRelated {
  row: StatusRow
  visibleTo: Set<string>
}

/**
 * Loads statuses pointed at (reblogged or quoted) that are not loaded yet, with which of the viewers may see each,
 * in the same statement: the visibility rule with the viewer as a column of the viewers array.
 */
async function loadRelated(ctx: Ctx, ids: string[], viewerIds: (string | null)[], into: Map<string, StatusRow>): Promise<LoadedRelated[]> {
  const missing = ids.filter((id) => !into.has(id))
  if (!missing.length) return []
  const accountIds = unique(viewerIds)
  const rows = await ctx.db.select({
    row: statuses,
    visibleTo: accountIds.length
      ? sql<string | null>`(select string_agg(v.viewer::text, ',') from unnest(${uuidArrayParam(accountIds)}) as v(viewer) where ${visibleStatusSql(sql`v.viewer`)})`
      : sql<null>`null`,
    anonymous: viewerIds.includes(null) ? sql<boolean>`${visibleStatusSql(null)}` : sql<boolean>`false`,
  }).from(statuses).where(anyId(statuses.id, missing))
  return rows.map(({ row, visibleTo, anonymous }): LoadedRelated => {
    const viewers = new Set(visibleTo ? visibleTo.split(',').map(uuidToId) : [])
    if (anonymous === true || (anonymous as unknown) === 't') viewers.add('')
    into.set(row.id, row)
    return { row, visibleTo: viewers }
  })
}

const viewerKey = (viewer: Viewer | null) => viewer?.accountId ?? ''

/** Accounts read by two statements as one read. */
function joinAccountViews(a: AccountViewsRead, b: AccountViewsRead): AccountViewsRead {
  return {
    views: {
      rows: [...a.views.rows, ...b.views.rows],
      users: new Map([...a.views.users, ...b.views.users]),
      remoteAcceptsChats: new Map([...a.views.remoteAcceptsChats, ...b.views.remoteAcceptsChats]),
    },
    fresh: [...a.fresh, ...b.fresh],
  }
}

/** Loads the bundle for `rows` (which the caller already filtered with the visibility rule). */
export async function loadStatusBundle(ctx: Ctx, rows: StatusRow[], viewer: Viewer | null, known?: KnownAccounts): Promise<StatusBundle> {
  const [bundle] = await loadStatusBundles(ctx, rows, [viewer], known)
  return bundle
}

/** Accounts (with their users, null for remote ones) the caller has already read, e.g. with the status itself. */
export interface KnownAccounts {
  rows?: AccountRow[]
  users?: Map<string, UserRow | null>
  /** for statuses just posted by their one viewer: what posting read of that viewer's state */
  newStatusViewer?: NewStatusViewer
  /** what was read with one status for one viewer (render/single-status.ts), used when the bundle is for just those */
  status?: ReadWithStatus
  /** accounts read as `accountViewsJsonSql` reads them (a single status's author), and the kept ones it stands for */
  views?: { read: AccountViewsRead; held: ReadonlyMap<string, KeptAccountView> }
}

/**
 * The viewer's state on statuses they posted themselves and that nobody could have seen before: none is pinned,
 * favourited, reblogged, bookmarked or reacted to; their thread may be muted and the viewer's filters apply, as read
 * in the posting transaction. Used only when the page is exactly those statuses (nothing reblogged or quoted).
 */
export interface NewStatusViewer {
  accountId: string
  threadMuted: boolean
  filters: FilterWithRules[]
}

/** What rendering one status takes besides its row and author, read in the statement that read them. */
export interface ReadWithStatus {
  id: string
  viewerId: string | null
  /** its parts, or null when not read (the render cache held some) */
  parts: { version: number; parts: StatusParts } | null
  /** its poll with the viewer's own choices, null for none, undefined when not read (the kept parts had none) */
  poll?: { poll: PollRow; own: number[] } | null
  state: ViewerState
}

/**
 * Bundles for the same `rows` for many viewers at once (a streamed status and everyone it goes to), one per viewer in
 * order. What does not depend on the viewer (statuses pointed at, authors, media, polls, mentions, tags, emoji,
 * cards, pins, applications) is loaded once and shared; each viewer-dependent part (visibility of reblogged, quoted
 * and replied-to statuses, favourites, reblogs, bookmarks, thread mutes, poll votes, filters, conversations, emoji
 * reactions) is one query for all viewers. A page for one viewer is the same code with one viewer, so a streamed
 * status is rendered exactly as the REST API renders it for that viewer.
 */
export async function loadStatusBundles(ctx: Ctx, rows: StatusRow[], viewers: (Viewer | null)[], known?: KnownAccounts): Promise<StatusBundle[]> {
  const distinct = [...new Map(viewers.map((v) => [viewerKey(v), v])).values()]
  const viewerIds = distinct.map((v) => v?.accountId ?? null)
  const accountViewerIds = unique(viewerIds)

  // Level 1: reblogged originals and quoted statuses; level 2: their quotes; level 3: quotes of reblogged originals'
  // quotes. Loaded whatever the viewers may see; which they may is decided per viewer below.
  const given = new Map(rows.map((row) => [row.id, row]))
  const loaded = new Map<string, StatusRow>(given)
  const level1 = await loadRelated(ctx, unique(rows.flatMap((r) => [r.reblogOfId, r.quoteId])), viewerIds, loaded)
  const level2 = await loadRelated(ctx, unique(level1.map((r) => r.row.quoteId)), viewerIds, loaded)
  const originalIds = new Set(unique(rows.map((r) => r.reblogOfId)))
  const quotesOfOriginals = new Set(unique([...loaded.values()].filter((r) => originalIds.has(r.id)).map((r) => r.quoteId)))
  const level3 = await loadRelated(ctx, unique(level2.filter((r) => quotesOfOriginals.has(r.row.id)).map((r) => r.row.quoteId)), viewerIds, loaded)
  const relatedRows = [...level1, ...level2, ...level3]
  const fullRows = [...loaded.values()]
  const ids = [...loaded.keys()]

  const authorIds = unique(fullRows.map((r) => r.accountId))
  const accountIds = unique([...authorIds, ...fullRows.map((r) => r.inReplyToAccountId)])
  const accountRows = new Map<string, AccountView>([...known?.rows ?? [], ...known?.views?.read.views.rows ?? []].map((a) => [a.id, a]))
  const accountUsers = new Map<string, AccountUser | null>(known?.users ?? [])
  // the accounts not given are read with the viewer state, or beside what was read with it
  const unreadAccounts = accountIds.filter((id) => !accountRows.has(id))

  const viewerIdOf = (v: Viewer | null) => v?.accountId ?? null
  const read = known?.status
  // what was read with the status serves only a bundle of that status alone (no statuses it points at), for its viewer
  const readWith = read && fullRows.length === 1 && fullRows[0].id === read.id && distinct.length === 1 && viewerIdOf(distinct[0]) === read.viewerId
    ? read : undefined

  const cache = ctx.db === ctx.database.db ? renderCacheOf(ctx.database) : null
  const { parts, missing } = keptStatusParts(cache, fullRows)
  const heldAccounts = new Map<string, KeptAccountView>(known?.views?.held)
  if (cache) for (const id of unreadAccounts) { const kept = cache.keptAccountView(id); if (kept) heldAccounts.set(id, kept) }
  if (read?.parts && read.poll !== undefined && missing.includes(read.id)) {
    read.parts.parts.hasPoll = !!read.poll
    parts.set(read.id, read.parts.parts)
    missing.splice(missing.indexOf(read.id), 1)
    cache?.keepStatusParts(read.id, read.parts.version, read.parts.parts, loaded.get(read.id)!.accountId)
  }
  const readPoll = readWith?.poll !== undefined ? readWith.poll : undefined
  const pollStatusIds = readPoll !== undefined ? [] : fullRows.filter((r) => !parts.has(r.id) || parts.get(r.id)!.hasPoll).map((r) => r.id)

  const knownState = readWith?.state ?? newStatusViewerState(known?.newStatusViewer, rows, ids, distinct)
  const [loadedParts, pollsWithVotes, { state: viewerState, accounts: accountViewsRead }, visibility] = await Promise.all([
    loadStatusParts(ctx, missing),
    readPoll !== undefined ? (readPoll ? [{ poll: readPoll.poll, own: readWith!.viewerId ? { [idToUuid(readWith!.viewerId)]: readPoll.own } : null }] : [])
    // with the viewers' own choices, in the same statement
    : pollStatusIds.length ? ctx.db.select({
      poll: polls,
      // explicit qualifiers: drizzle leaves a single table's columns bare, which the subquery would take as its own
      own: accountViewerIds.length
        ? sql<Record<string, number[]> | string | null>`(select json_object_agg(o.account_id, o.choices) from (
            select v.account_id, array_agg(v.choice order by v.choice) as choices from ${pollVotes} v
            where v.poll_id = ${polls}.id and v.account_id = any(${uuidArrayParam(accountViewerIds)}) group by v.account_id) o)`
        : sql<null>`null`,
    }).from(polls).where(anyId(polls.statusId, pollStatusIds)) : [],
    knownState
      ? loadAccountViews(ctx, unreadAccounts, heldAccounts).then((accounts) => ({ state: knownState, accounts }))
      : loadViewerState(ctx, accountViewerIds, ids, unique(fullRows.map((r) => r.conversationId)), distinct, unreadAccounts, heldAccounts),
    visibleToViewers(ctx, viewerIds, [{ ids: unique(fullRows.map((r) => r.inReplyToId)), withReblog: true }]),
  ])
  const accountViews = known?.views ? joinAccountViews(accountViewsRead, known.views.read) : accountViewsRead
  for (const a of accountViews.views.rows) accountRows.set(a.id, a)
  for (const [id, user] of accountViews.views.users) accountUsers.set(id, user)
  for (const view of accountViews.fresh) cache?.keepAccountView(view)
  const authorRows = authorIds.map((id) => accountRows.get(id)).filter((a): a is AccountView => !!a)
  const kept = keptAuthors(cache, authorRows, accountViews, heldAccounts, distinct)
  const toBuild = authorRows.filter((a) => kept.mustBuild(a.id))
  // remote authors given by the caller: their chat acceptance is not among what was read
  const acceptsChats = toBuild.some((a) => a.domain !== null && !accountViews.views.users.has(a.id)) ? undefined : accountViews.views.remoteAcceptsChats
  const emojiToken = cache?.emojiToken() ?? 0
  const accountParts = await loadAccountParts(ctx, toBuild, accountUsers, acceptsChats)
  const withPoll = new Set(pollsWithVotes.map((p) => p.poll.statusId))
  for (const id of missing) {
    const found = loadedParts.get(id)
    // gone since it was read: rendered bare, and nothing kept
    if (!found) { parts.set(id, { mentions: [], tags: [], media: [], card: null, application: null, hasPoll: withPoll.has(id) }); continue }
    found.parts.hasPoll = withPoll.has(id)
    parts.set(id, found.parts)
    cache?.keepStatusParts(id, found.version, found.parts, loaded.get(id)!.accountId)
  }

  const pollRows = pollsWithVotes.map((p) => p.poll)
  const participations = await participationIdsByAccount(ctx, accountViewerIds,
    unique(fullRows.filter((r) => r.visibility === 'direct').map((r) => r.conversationId)))
  const emojis = await loadStatusEmojis(ctx, fullRows, accountRows, new Map(pollRows.map((p) => [p.statusId, p.options.map((o) => o.title)])))

  const base = ctx.config.baseUrl
  const storage = mediaStorage(ctx.config)
  const mentions = new Map<string, MentionEntity[]>()
  const tagMap = new Map<string, { name: string; url: string }[]>()
  const cards = new Map<string, PreviewCardEntity>()
  const applications = new Map<string, { name: string; website: string | null }>()
  const mediaRows: MediaAttachmentRow[] = []
  for (const [statusId, p] of parts) {
    if (p.mentions.length) mentions.set(statusId, p.mentions.map((m) => ({ id: m.id, username: m.username, acct: accountAcct(m), url: m.url ?? m.uri ?? `${base}/@${m.username}` })))
    if (p.tags.length) tagMap.set(statusId, p.tags.map((t) => { const name = t.toLowerCase(); return { name, url: `${base}/tags/${encodeURIComponent(name)}` } }))
    if (p.card) cards.set(statusId, buildPreviewCard(p.card, storage))
    if (p.application) applications.set(p.application.id, { name: p.application.name, website: p.application.website })
    mediaRows.push(...p.media)
  }
  // In the order they are written; silent ones (not in the text) last.
  for (const r of fullRows) {
    const list = mentions.get(r.id)
    if (!list || list.length < 2) continue
    const at = (m: MentionEntity) => { const i = r.content.indexOf(`href="${escapeHtml(m.url)}"`); return i < 0 ? Infinity : i }
    list.sort((a, b) => at(a) - at(b) || a.acct.localeCompare(b.acct))
  }
  for (const r of fullRows) {
    const list = tagMap.get(r.id)
    if (!list || list.length < 2) continue
    const at = (t: { url: string }) => { const i = r.content.indexOf(`href="${escapeHtml(t.url)}"`); return i < 0 ? Infinity : i }
    list.sort((a, b) => at(a) - at(b) || a.name.localeCompare(b.name))
  }
  const ownVotesOf = (p: (typeof pollsWithVotes)[number]): Record<string, number[]> => (typeof p.own === 'string' ? JSON.parse(p.own) : p.own) ?? {}
  const votesByPoll = pollsWithVotes.map((p) => ({ pollId: p.poll.id, own: new Map(Object.entries(ownVotesOf(p)).map(([uuid, choices]) => [uuidToId(uuid), choices.map(Number)])) }))

  const shared = {
    baseUrl: base,
    accountRows,
    mentions,
    tags: tagMap,
    polls: new Map(pollRows.map((p) => [p.statusId, p])),
    pinnedAt: viewerState.pinnedAt,
    applications,
    media: groupMedia(ctx, mediaRows),
    emojis,
    cards,
  }
  const [parentsVisible] = visibility
  const bundles = new Map(distinct.map((viewer, i) => {
    const viewerId = viewer?.accountId ?? null
    const related = new Map<string, RelatedStatus>([...given.values()].map((row) => [row.id, { row, visible: true }]))
    for (const { row, visibleTo } of relatedRows) related.set(row.id, { row, visible: visibleTo.has(viewerId ?? '') })
    const built = buildAccounts(ctx, accountParts, viewer)
    const authors = new Map<string, AccountEntity>()
    toBuild.forEach((a, j) => {
      authors.set(a.id, built[j])
      if (kept.keepsFor(viewer, a.id)) cache!.keepAccountEntity(emojiToken, a.id, kept.versionOf(a.id)!, built[j])
    })
    for (const [id, entity] of kept.entities) if (!authors.has(id)) authors.set(id, entity)
    const parentVisible = parentsVisible.get(viewerId) ?? new Set()
    const ownVotes = new Map<string, number[]>()
    if (viewerId) for (const p of votesByPoll) { const choices = p.own.get(viewerId); if (choices?.length) ownVotes.set(p.pollId, choices) }
    const flags = viewerId ? viewerState.byViewer.get(viewerId) : undefined
    const bundle: StatusBundle = {
      ...shared,
      viewerAccountId: viewerId,
      related,
      authors,
      ownVotes,
      favourited: flags?.favourited ?? new Set(),
      reblogged: flags?.reblogged ?? new Set(),
      bookmarked: flags?.bookmarked ?? new Map(),
      mutedConversations: flags?.mutedConversations ?? new Set(),
      parentVisible: new Set(fullRows.filter((r) => r.inReplyToId && parentVisible.has(r.inReplyToId)).map((r) => r.id)),
      participations: (viewerId && participations.get(viewerId)) || new Map(),
      filters: compileFilters(flags?.filters ?? []),
      reactions: viewerState.reactions[i],
    }
    return [viewerKey(viewer), bundle]
  }))
  return viewers.map((v) => bundles.get(viewerKey(v))!)
}

/**
 * A status's viewer-independent parts (`StatusParts` but `hasPoll`) as one JSON value, for the status whose id and
 * application id the expressions give: a statement reads them with the status's `render_version`, from the same
 * snapshot, so they are exactly that version's.
 */
export function statusPartsJsonSql(id: SQL, applicationId: SQL): SQL {
  return sql`json_build_array(
    (select json_agg(json_build_array(a.id, a.username, a.domain, a.url, a.uri)) from ${statusMentions} sm
      join ${accounts} a on a.id = sm.account_id where sm.status_id = ${id}),
    (select json_agg(t.name) from ${statusTags} st join ${tags} t on t.id = st.tag_id where st.status_id = ${id}),
    (select json_agg(row_to_json(ma) order by ma.position, ma.id) from ${mediaAttachments} ma where ma.status_id = ${id}),
    (select row_to_json(pc) from ${statusPreviewCards} spc join ${previewCards} pc on pc.id = spc.card_id where spc.status_id = ${id}),
    (select json_build_array(o.id, o.name, o.website) from ${oauthApps} o where o.id = ${applicationId}))`
}

type PartsJson = [[string, string, string | null, string | null, string | null][] | null, string[] | null, Record<string, unknown>[] | null,
  Record<string, unknown> | null, [string, string, string | null] | null]

/** The parts from `statusPartsJsonSql`'s value (`hasPoll` false: the caller knows). */
export function statusPartsFromJson(value: unknown): StatusParts {
  const [mentions, tagNames, media, card, app] = jsonValue<PartsJson>(value)
  return {
    mentions: (mentions ?? []).map(([id, username, domain, url, uri]) => ({ id: uuidToId(id), username, domain, url, uri })),
    tags: tagNames ?? [],
    media: (media ?? []).map((m) => rowFromJson(mediaAttachments, m)),
    card: card ? rowFromJson(previewCards, card) : null,
    application: app ? { id: uuidToId(app[0]), name: app[1], website: app[2] } : null,
    hasPoll: false,
  }
}

/** The kept parts of the statuses whose version is the one read, and the ids of the others. */
function keptStatusParts(cache: RenderCache | null, rows: StatusRow[]): { parts: Map<string, StatusParts>; missing: string[] } {
  const parts = new Map<string, StatusParts>()
  const missing: string[] = []
  for (const row of rows) {
    const hit = cache?.statusPartsFor(row.id, row.renderVersion)
    if (hit) parts.set(row.id, hit)
    else missing.push(row.id)
  }
  return { parts, missing }
}

/**
 * The viewer-independent parts of these statuses (`hasPoll` is filled in from the page's polls query), in one
 * statement with the version they belong to. The caller's row may predate the status's last change (or come from a
 * transaction not yet committed); the version read here is the one the parts were read with, whichever process
 * wrote them, so they can be kept under it.
 */
async function loadStatusParts(ctx: Ctx, ids: string[]): Promise<Map<string, { version: number; parts: StatusParts }>> {
  const out = new Map<string, { version: number; parts: StatusParts }>()
  if (!ids.length) return out
  const rows = await runPrepared(ctx, `status-parts:${anyIdShape(ids)}`, (b) =>
    ctx.db.select({ id: statuses.id, version: statuses.renderVersion, parts: statusPartsJsonSql(sql.raw('"statuses"."id"'), sql.raw('"statuses"."application_id"')) })
      .from(statuses).where(anyId(statuses.id, ids, b)))
  for (const r of rows) out.set(r.id, { version: r.version, parts: statusPartsFromJson(r.parts) })
  return out
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

type ViewerFlags = Pick<StatusBundle, 'favourited' | 'reblogged' | 'bookmarked' | 'mutedConversations'> & { filters: FilterWithRules[] }

export interface ViewerState {
  /** when the author pinned each status (the same for every viewer) */
  pinnedAt: Map<string, Date>
  byViewer: Map<string, ViewerFlags>
  /** emoji reactions as each of the distinct viewers may see them, in their order */
  reactions: Map<string, ReactionSummary[]>[]
}

/**
 * Which authors' entities come from the render cache: an account every viewer of the bundle sees as anyone does (not
 * itself, no staff among the viewers), read at a known version (kept, or read anew in full), not moved, whose entity
 * is kept for that version. The others are built; `keepsFor` says which of those built for a viewer to keep.
 */
function keptAuthors(cache: RenderCache | null, authors: AccountView[], read: AccountViewsRead,
  held: ReadonlyMap<string, KeptAccountView>, viewers: (Viewer | null)[]) {
  const versions = new Map<string, number>()
  for (const [id, k] of held) versions.set(id, k.version)
  for (const k of read.fresh) versions.set(k.row.id, k.version)
  const anyStaff = viewers.some((v) => isStaff(v))
  const viewing = new Set(viewers.map((v) => v?.accountId).filter((id): id is string => !!id))
  const cacheable = (a: AccountView) => !!cache && !anyStaff && !a.movedToId && versions.has(a.id)
  const entities = new Map<string, AccountEntity>()
  for (const a of authors) {
    if (!cacheable(a)) continue
    const entity = cache!.accountEntityFor(a.id, versions.get(a.id)!)
    if (entity) entities.set(a.id, entity)
  }
  const byId = new Map(authors.map((a) => [a.id, a]))
  return {
    entities,
    versionOf: (id: string) => versions.get(id),
    /** built for some viewer: not kept, or an account among the viewers (it sees itself otherwise) */
    mustBuild: (id: string) => !entities.has(id) || viewing.has(id),
    /** whether the entity built for this viewer is the one anyone sees, to keep */
    keepsFor: (viewer: Viewer | null, id: string) => cacheable(byId.get(id)!) && !entities.has(id) && viewer?.accountId !== id,
  }
}

/** The viewer state `NewStatusViewer` stands for, when it applies to this page and these viewers. */
function newStatusViewerState(known: NewStatusViewer | undefined, rows: StatusRow[], ids: string[], viewers: (Viewer | null)[]): ViewerState | null {
  if (!known || viewers.length !== 1 || viewers[0]?.accountId !== known.accountId) return null
  if (ids.length !== rows.length || rows.some((r) => r.accountId !== known.accountId)) return null
  const mutedConversations = new Set(known.threadMuted ? rows.map((r) => r.conversationId).filter((id): id is string => !!id) : [])
  return {
    pinnedAt: new Map(),
    byViewer: new Map([[known.accountId, { favourited: new Set(), reblogged: new Set(), bookmarked: new Map(), mutedConversations, filters: known.filters }]]),
    reactions: summariesFromRows([], viewers),
  }
}

const jsonValue = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T

/**
 * The authors' pins, each viewer's favourites, reblogs, bookmarks, thread mutes and active filters, and the emoji
 * reactions as each viewer may see them (`core/reactions/queries.ts`), in one
 * statement of one row whatever the statuses: a scalar subquery per kind, per viewer. PostgreSQL settles on a generic
 * plan for it after five runs, where the UNION ALL of one select per kind it replaces, with the viewers as an array,
 * was planned anew on every run (bench/README.md, "Generic plans for a page").
 */
async function loadViewerState(ctx: Ctx, viewerIds: string[], ids: string[], conversationIds: string[], viewers: (Viewer | null)[],
  accountIds: string[], heldAccounts: ReadonlyMap<string, KeptAccountView>): Promise<{ state: ViewerState; accounts: AccountViewsRead }> {
  // a page's viewer (or none): prepared; many viewers (a streamed status) make a text per number of viewers
  const key = viewers.length <= 1 && viewerIds.length <= 1
    ? `viewer-state:${viewerIds.length}:${viewers.map((v) => (v?.accountId ? 'account' : 'anonymous')).join()}:${ids.length && viewers.length ? anyIdShape(ids) : ''}:${accountIds.length ? 'accounts' : ''}`
    : null
  const versions = heldVersions(accountIds, heldAccounts)
  const build = (b: Binds) => ctx.db.select({
    ...viewerStateColumns(ctx, b, viewerIds, ids, b.uuids(conversationIds), viewers),
    accounts: accountIds.length ? accountViewsJsonSql(accountIds, versions, b) : sql<unknown>`null::json`,
  }).from(sql`(values (1)) as page(one)`)
  const args = viewerStateArgs(viewerIds, ids, viewers, { conversations: conversationIds, accounts: accountIds, accountVersions: versions })
  const [row] = key ? await runPreparedWith(ctx, key, args, build) : await runPrepared(ctx, null, build)
  return { state: viewerStateFrom(row, viewers), accounts: accountViewsFromJson(row.accounts, heldAccounts) }
}

/**
 * The values `viewerStateColumns` binds for a page's one viewer (or none), by name (`runPreparedWith`), with `more`:
 * those of the statement's other columns.
 */
function viewerStateArgs(viewerIds: string[], ids: string[], viewers: (Viewer | null)[], more: Record<string, unknown>): Record<string, unknown> {
  return { viewer: viewerIds[0], staff: viewers.length === 1 && viewers[0]?.accountId ? isStaff(viewers[0]) : undefined,
    status: ids.length === 1 ? ids[0] : undefined, ids, ...more }
}

/** The columns of `loadViewerState`'s statement, which another statement may carry too (`conversationIds`: a `uuid[]`). */
export function viewerStateColumns(ctx: Ctx, b: Binds, viewerIds: string[], ids: string[], conversationIds: SQL, viewers: (Viewer | null)[]) {
  // one status as an equality, which an index on (account, status) answers in one probe where `= any(...)` of a
  // parameter made the generic plan walk all the viewer's favourites
  const statusIds = ids.length === 1 ? b.uuid(ids[0]) : b.uuids(ids)
  const among = (column: string) => (ids.length === 1 ? sql`${sql.raw(column)} = ${statusIds}` : sql`${sql.raw(column)} = any(${statusIds})`)
  // A page's one viewer as a VALUES row, not `unnest` of an array: PostgreSQL estimates an array parameter at ten
  // elements in a generic plan, which then costs ten times a page's single viewer, and it kept planning anew
  // instead. Several viewers (a streamed status and everyone it goes to) as an array.
  const viewerRows = viewerIds.length === 0
    ? sql`(select null::uuid as id where false) as v`
    : viewerIds.length === 1
      ? sql`(values (${b.uuid(viewerIds[0])})) as v(id)`
      : sql`unnest(${b.uuids(viewerIds)}) as v(id)`
  const reactions = ids.length > 0 && viewers.length > 0 ? reactionSummariesQuery(ctx.db, ids, viewers, {}, b) : null
  return {
    pins: sql<unknown>`(select json_agg(json_build_array(p.status_id, p.created_at)) from ${statusPins} p
      join ${statuses} s on s.id = p.status_id and s.account_id = p.account_id where ${among('p.status_id')})`,
    viewers: sql<unknown>`(select json_agg(json_build_object(
      'viewer', v.id,
      'favourited', (select json_agg(f.status_id) from ${favourites} f where f.account_id = v.id and ${among('f.status_id')}),
      'reblogged', (select json_agg(r.reblog_of_id) from ${statuses} r where r.account_id = v.id and ${among('r.reblog_of_id')}),
      'bookmarked', (select json_agg(json_build_array(b.status_id, b.folder_id)) from ${bookmarks} b where b.account_id = v.id and ${among('b.status_id')}),
      'muted', (select json_agg(m.conversation_id) from ${conversationMutes} m where m.account_id = v.id and m.conversation_id = any(${conversationIds})),
      'filters', ${activeFiltersJsonSql(sql`v.id`)}
    )) from ${viewerRows})`,
    reactions: reactions ? sql<unknown>`(select json_agg(r) from (${reactions}) r)` : sql<unknown>`null::json`,
  }
}

/** The viewer state from the values of `viewerStateColumns`. */
export function viewerStateFrom(row: { pins: unknown; viewers: unknown; reactions: unknown }, viewers: (Viewer | null)[]): ViewerState {
  const state: ViewerState = { pinnedAt: new Map(), byViewer: new Map(), reactions: [] }
  for (const [id, at] of jsonValue<[string, string][] | null>(row.pins) ?? []) state.pinnedAt.set(uuidToId(id), new Date(at))
  type Json = { viewer: string; favourited: string[] | null; reblogged: string[] | null; bookmarked: [string, string | null][] | null; muted: string[] | null; filters: unknown }
  for (const v of jsonValue<Json[] | null>(row.viewers) ?? []) {
    state.byViewer.set(uuidToId(v.viewer), {
      favourited: new Set((v.favourited ?? []).map(uuidToId)),
      reblogged: new Set((v.reblogged ?? []).map(uuidToId)),
      bookmarked: new Map((v.bookmarked ?? []).map(([id, folder]) => [uuidToId(id), folder ? uuidToId(folder) : null])),
      mutedConversations: new Set((v.muted ?? []).map(uuidToId)),
      filters: filtersFromJson(v.filters),
    })
  }
  type ReactionJson = Omit<ReactionSummaryRow, 'statusId' | 'accountIds'> & { status_id: string; account_ids: string }
  state.reactions = summariesFromRows((jsonValue<ReactionJson[] | null>(row.reactions) ?? [])
    .map(({ status_id, account_ids, ...r }) => ({ ...r, statusId: uuidToId(status_id), accountIds: account_ids })), viewers)
  return state
}
