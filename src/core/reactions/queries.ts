import { and, eq, inArray, sql, type SQL } from 'drizzle-orm'
import type { DbLike } from '../../db/client'
import { accounts, mutes, statusReactions, type AccountRow } from '../../db/schema'
import { anyId, inlineBinds, type Binds } from '../../db/sql'
import type { Ctx } from '../context'
import { isId, uuidToId } from '../ids'
import { getVisibleStatus } from '../visibility'
import { parseReactionEmoji } from './emoji'
import { findLocalEmoji } from '../emoji/queries'
import { isStaff, listedAccountForViewerSql, type ViewerColumns } from '../accounts/queries'
import type { Viewer } from '../oauth/authenticate'

/** One emoji's reactions on a status, as the viewer may see them. */
export interface ReactionSummary {
  /** the unicode emoji, or a custom emoji's shortcode (without colons) */
  name: string
  count: number
  me: boolean
  /** the custom emoji's image, null for unicode */
  url: string | null
  /** who reacted, in order */
  accountIds: string[]
}

export interface SummaryOptions {
  /** include reactions of accounts the viewer mutes (Pleroma's `with_muted`) */
  withMuted?: boolean
  /** only this emoji (already normalized) */
  emoji?: string
}

/**
 * Reactions of many statuses in one query, grouped by emoji and ordered by first use. Only reactions of accounts the
 * viewer may see listed count (`listedAccountSql`), and unless `withMuted` not those of accounts the viewer mutes.
 */
export async function loadReactionSummaries(db: DbLike, statusIds: string[], viewer: Viewer | null, opts: SummaryOptions = {}): Promise<Map<string, ReactionSummary[]>> {
  return (await loadReactionSummariesFor(db, statusIds, [viewer], opts))[0]
}

/** `loadReactionSummaries` for many viewers in one statement (one row of viewer columns each); one map per viewer, in order. */
export async function loadReactionSummariesFor(db: DbLike, statusIds: string[], viewers: (Viewer | null)[], opts: SummaryOptions = {}): Promise<Map<string, ReactionSummary[]>[]> {
  const query = reactionSummariesQuery(db, statusIds, viewers, opts)
  return summariesFromRows(query ? await query : [], viewers)
}

/** One emoji on one status as a viewer (by `reactionViewerKey`) may see it: a row of `reactionSummariesQuery`. */
export interface ReactionSummaryRow {
  viewer: string
  statusId: string
  emoji: string
  url: string | null
  count: number
  me: boolean
  /** the first reaction's id, for the order of first use */
  first: string
  /** the reactors' uuids, comma-separated, in order */
  accountIds: string
}

export const reactionViewerKey = (v: Viewer | null) => v?.accountId ?? ''

/**
 * The statement of `loadReactionSummariesFor`, null when there is nothing to read. A page embeds it in a larger
 * statement (its columns are named as `ReactionSummaryRow`'s, snake-cased), then hands the rows to `summariesFromRows`.
 */
export function reactionSummariesQuery(db: DbLike, statusIds: string[], viewers: (Viewer | null)[], opts: SummaryOptions = {}, binds: Binds = inlineBinds) {
  const ids = [...new Set(statusIds.filter(isId))]
  if (!ids.length || !viewers.length) return null
  const distinct = [...new Map(viewers.map((v) => [reactionViewerKey(v), v])).values()]
  // an anonymous reader's row written out: only a viewer's values are bound
  const rowsOfViewers = sql.join(distinct.map((v) => (v?.accountId
    ? sql`(${binds.value(reactionViewerKey(v))}::text, ${binds.uuid(v.accountId)}, ${binds.value(isStaff(v))}::boolean)`
    : sql`(''::text, null::uuid, false)`)), sql`, `)
  const viewer: ViewerColumns = { accountId: sql`v.account_id`, staff: sql`v.staff` }
  const reactor = statusReactions.accountId
  const conditions: SQL[] = [anyId(statusReactions.statusId, ids, binds), listedAccountForViewerSql(viewer)]
  if (opts.emoji !== undefined) conditions.push(eq(statusReactions.emoji, binds.forColumn(statusReactions.emoji, opts.emoji)))
  if (!opts.withMuted) {
    conditions.push(sql`not exists (select 1 from ${mutes} m where m.account_id = v.account_id and m.target_account_id = ${reactor}
      and (m.expires_at is null or m.expires_at > now()))`)
  }
  return db.select({
    viewer: sql<string>`v.label`.as('viewer'),
    statusId: sql<string>`${statusReactions.statusId}`.mapWith(statusReactions.statusId).as('status_id'),
    emoji: sql<string>`${statusReactions.emoji}`.as('emoji'),
    url: sql<string | null>`max(${statusReactions.emojiUrl})`.as('url'),
    count: sql<number>`count(*)::int`.as('count'),
    me: sql<boolean>`coalesce(bool_or(${reactor} = v.account_id), false)`.as('me'),
    first: sql<string>`(array_agg(${statusReactions.id}::text order by ${statusReactions.id}))[1]`.as('first'),
    accountIds: sql<string>`array_to_string(array_agg(${reactor}::text order by ${statusReactions.id}), ',')`.as('account_ids'),
  })
    .from(statusReactions)
    .innerJoin(accounts, eq(accounts.id, reactor))
    .innerJoin(sql`(values ${rowsOfViewers}) as v(label, account_id, staff)`, sql`true`)
    .where(and(...conditions))
    .groupBy(sql`v.label`, statusReactions.statusId, statusReactions.emoji)
}

/** The rows of `reactionSummariesQuery` as one map of summaries per viewer, in the order of `viewers`. */
export function summariesFromRows(rows: ReactionSummaryRow[], viewers: (Viewer | null)[]): Map<string, ReactionSummary[]>[] {
  const byViewer = new Map(viewers.map((v) => [reactionViewerKey(v), new Map<string, ReactionSummary[]>()]))
  const sorted = [...rows].sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0))
  for (const r of sorted) {
    const summaries = byViewer.get(r.viewer)
    if (!summaries) continue
    const list = summaries.get(r.statusId) ?? []
    list.push({
      name: r.emoji,
      count: Number(r.count),
      me: r.me === true || (r.me as unknown) === 't',
      url: r.url,
      accountIds: r.accountIds ? r.accountIds.split(',').map(uuidToId) : [],
    })
    summaries.set(r.statusId, list)
  }
  return viewers.map((v) => byViewer.get(reactionViewerKey(v))!)
}

/** Normalizes an emoji given in a URL to the form reactions are stored in; null when it cannot be one. */
export async function storedReactionName(db: DbLike, raw: unknown): Promise<string | null> {
  const parsed = parseReactionEmoji(raw)
  if (!parsed) return null
  if (parsed.kind === 'unicode') return parsed.emoji
  return (await findLocalEmoji(db, parsed.shortcode))?.shortcode ?? parsed.shortcode
}

export interface ReactionWithAccounts extends ReactionSummary {
  accounts: AccountRow[]
}

/**
 * `GET /api/v1/pleroma/statuses/:id/reactions[/:emoji]`: the reactions of a status the viewer may see, with the
 * accounts that reacted (loaded in one query for all emoji).
 */
export async function listStatusReactions(ctx: Ctx, viewer: Viewer | null, statusId: string, emoji?: string, opts: { withMuted?: boolean } = {}): Promise<ReactionWithAccounts[]> {
  const viewerId = viewer?.accountId ?? null
  const row = await getVisibleStatus(ctx, viewerId, statusId)
  const target = row.reblogOfId ? await getVisibleStatus(ctx, viewerId, row.reblogOfId) : row
  let name: string | undefined
  if (emoji !== undefined) {
    const stored = await storedReactionName(ctx.db, emoji)
    if (stored === null) return []
    name = stored
  }
  const summaries = (await loadReactionSummaries(ctx.db, [target.id], viewer, { ...opts, emoji: name })).get(target.id) ?? []
  const accountIds = [...new Set(summaries.flatMap((s) => s.accountIds))]
  const rows = accountIds.length ? await ctx.db.select().from(accounts).where(inArray(accounts.id, accountIds)) : []
  const byId = new Map(rows.map((a) => [a.id, a]))
  return summaries.map((s) => ({ ...s, accounts: s.accountIds.map((id) => byId.get(id)).filter((a): a is AccountRow => !!a) }))
}
