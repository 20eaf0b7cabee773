import { and, asc, desc, eq, gt, inArray, lt, lte, not, sql, type SQL } from 'drizzle-orm'
import { resultRows } from '../../db/client'
import { accounts, markers, notifications, type AccountRow, type NotificationRow, type NotificationType } from '../../db/schema'
import type { Ctx } from '../context'
import { NotFoundError } from '../errors'
import { isId, uuidToId } from '../ids'
import { parseStringArray } from '../params'
import { checkAccountFilter, filterConditions, NO_FILTER, type NotificationFilter } from './queries'

/** The types Mastodon groups, and groups by default when `grouped_types` is not given. */
export const GROUPABLE_TYPES: readonly NotificationType[] = ['favourite', 'reblog', 'follow']

/** Accounts named per group (`sample_account_ids`), as Mastodon. */
const SAMPLE_ACCOUNTS = 8
/** Notifications read per step while collecting a page of groups, and at most this many steps per page. */
const SCAN_BATCH = 200
const MAX_SCAN_BATCHES = 50

/** Paging of the v2 API: by the integer `seq` of notifications. */
export interface GroupPage {
  maxId?: number
  sinceId?: number
  minId?: number
  limit: number
}

const SEQ_PATTERN = /^\d{1,15}$/

/** An integer notification id of the v2 API (`seq`), or undefined. */
export function parseSeq(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value
  return typeof value === 'string' && SEQ_PATTERN.test(value) ? Number(value) : undefined
}

/**
 * Paging parameters. Ids are the integer ones of this API; a v1 (flake) id of one of the viewer's notifications, as a
 * client may hold from the streaming API, stands for that notification's integer id. Other ids are ignored, as if absent.
 */
export async function groupPageParams(ctx: Ctx, viewerAccountId: string, input: Record<string, unknown>): Promise<GroupPage> {
  const raw = Number(input.limit)
  const limit = Number.isFinite(raw) && raw > 0 ? Math.min(Math.floor(raw), 80) : 40
  const given = { maxId: input.max_id, sinceId: input.since_id, minId: input.min_id }
  const flakes = Object.values(given).filter((v): v is string => parseSeq(v) === undefined && isId(v))
  const known = flakes.length
    ? new Map((await ctx.db.select({ id: notifications.id, seq: notifications.seq }).from(notifications)
      .where(and(eq(notifications.accountId, viewerAccountId), inArray(notifications.id, flakes)))).map((r) => [r.id, r.seq]))
    : new Map<string, number>()
  const resolve = (v: unknown) => parseSeq(v) ?? (typeof v === 'string' ? known.get(v) : undefined)
  return { maxId: resolve(given.maxId), sinceId: resolve(given.sinceId), minId: resolve(given.minId), limit }
}

/** `grouped_types[]`: the groupable types among those given; every groupable type when absent. */
export function readGroupedTypes(input: Record<string, unknown>): NotificationType[] {
  if (input.grouped_types === undefined && input['grouped_types[]'] === undefined) return [...GROUPABLE_TYPES]
  const given = parseStringArray(input.grouped_types ?? input['grouped_types[]'])
  return GROUPABLE_TYPES.filter((t) => given.includes(t))
}

/** The key a notification is grouped under for these grouped types: its stored key, or `ungrouped-<seq>`. */
function groupKeySql(groupedTypes: NotificationType[]): SQL<string> {
  const ungrouped = sql`'ungrouped-' || ${notifications.seq}`
  if (!groupedTypes.length) return sql<string>`${ungrouped}`
  return sql<string>`coalesce(case when ${inArray(notifications.type, groupedTypes)} then ${notifications.groupKey} end, ${ungrouped})`
}

const UNGROUPED = /^ungrouped-(\d{1,15})$/

/** Conditions naming the notifications of one group key. */
function keyCondition(key: string): SQL {
  const m = UNGROUPED.exec(key)
  return m ? eq(notifications.seq, Number(m[1])) : eq(notifications.groupKey, key)
}

export interface NotificationGroupData {
  groupKey: string
  /** the group's most recent notification (within the page, when paged) */
  latest: NotificationRow
  count: number
  sampleAccountIds: string[]
  /** only when paging: the group's oldest and newest notification within the page */
  page?: { minSeq: number; maxSeq: number }
}

interface GroupStats {
  maxSeq: number
  minSeq: number | null
  count: number
}

/**
 * Counts, newest and oldest-in-range notification and sample senders of stored groups, over their notifications up to
 * `upper` (all of them when not given), the oldest counted from `lower`. Three queries for the whole page.
 */
async function loadGroups(
  ctx: Ctx, viewerAccountId: string, filter: NotificationFilter, keys: string[], range: { lower?: number; upper?: number },
): Promise<Map<string, { stats: GroupStats; samples: string[] }>> {
  const out = new Map<string, { stats: GroupStats; samples: string[] }>()
  const stored = keys.filter((k) => !UNGROUPED.test(k))
  if (!stored.length) return out
  const where = and(
    ...filterConditions(viewerAccountId, filter),
    inArray(notifications.groupKey, stored),
    range.upper !== undefined ? lte(notifications.seq, range.upper) : undefined,
  )
  const lower = range.lower ?? 0
  const [stats, samples] = await Promise.all([
    ctx.db.select({
      key: notifications.groupKey,
      maxSeq: sql<string>`max(${notifications.seq})`,
      minSeq: sql<string | null>`min(${notifications.seq}) filter (where ${notifications.seq} >= ${lower})`,
      count: sql<string>`count(*)`,
    }).from(notifications).where(where).groupBy(notifications.groupKey),
    ctx.db.execute(sql`select s.group_key, s.from_account_id from (
        select ${notifications.groupKey} as group_key, ${notifications.fromAccountId} as from_account_id,
          row_number() over (partition by ${notifications.groupKey} order by max(${notifications.seq}) desc) as rn
        from ${notifications} where ${where}
        group by ${notifications.groupKey}, ${notifications.fromAccountId}) s
      where s.rn <= ${SAMPLE_ACCOUNTS} order by s.group_key, s.rn`),
  ])
  for (const s of stats) {
    out.set(s.key!, {
      stats: { maxSeq: Number(s.maxSeq), minSeq: s.minSeq === null ? null : Number(s.minSeq), count: Number(s.count) },
      samples: [],
    })
  }
  for (const r of resultRows<{ group_key: string; from_account_id: string }>(samples)) {
    out.get(r.group_key)?.samples.push(uuidToId(r.from_account_id))
  }
  return out
}

async function rowsBySeq(ctx: Ctx, seqs: number[]): Promise<Map<number, NotificationRow>> {
  if (!seqs.length) return new Map()
  const rows = await ctx.db.select().from(notifications).where(inArray(notifications.seq, seqs))
  return new Map(rows.map((r) => [r.seq, r]))
}

/**
 * One page of the viewer's notifications grouped (`GET /api/v2/notifications`), as Mastodon pages them: the first
 * `limit` distinct groups met going down from `max_id` (or up from `min_id`), each described over the page's range of
 * notifications. Returns the groups newest first and the range's bounds for the Link header.
 */
export async function listNotificationGroups(
  ctx: Ctx, viewerAccountId: string, page: GroupPage, filter: NotificationFilter, groupedTypes: NotificationType[],
): Promise<{ groups: NotificationGroupData[]; newestSeq?: number; oldestSeq?: number }> {
  await checkAccountFilter(ctx, filter)
  const key = groupKeySql(groupedTypes)
  const forwards = page.minId !== undefined
  const conditions = filterConditions(viewerAccountId, filter)
  const seen = new Set<string>()
  const firsts: { seq: number; key: string }[] = []
  let cursor: number | undefined
  for (let batch = 0; batch < MAX_SCAN_BATCHES && firsts.length < page.limit; batch++) {
    const bounds: (SQL | undefined)[] = forwards
      ? [gt(notifications.seq, cursor ?? page.minId!), page.maxId !== undefined ? lt(notifications.seq, page.maxId) : undefined]
      : [
          cursor !== undefined || page.maxId !== undefined ? lt(notifications.seq, cursor ?? page.maxId!) : undefined,
          page.sinceId !== undefined ? gt(notifications.seq, page.sinceId) : undefined,
        ]
    const rows = await ctx.db.select({ seq: notifications.seq, key }).from(notifications)
      .where(and(...conditions, ...bounds))
      .orderBy(forwards ? asc(notifications.seq) : desc(notifications.seq)).limit(SCAN_BATCH)
    for (const r of rows) {
      if (seen.has(r.key)) continue
      seen.add(r.key)
      firsts.push(r)
      if (firsts.length >= page.limit) break
    }
    if (rows.length < SCAN_BATCH) break
    cursor = rows[rows.length - 1].seq
  }
  if (!firsts.length) return { groups: [] }

  const seqs = firsts.map((f) => f.seq)
  const newest = Math.max(...seqs)
  const oldest = Math.min(...seqs)
  const complete = firsts.length >= page.limit
  // A full page ends at the last group found; a short one is the last page in its direction and reaches its bound.
  const range = forwards
    ? { lower: oldest, upper: complete ? newest : page.maxId !== undefined ? page.maxId - 1 : undefined }
    : { lower: complete ? oldest : (page.sinceId ?? 0) + 1, upper: newest }
  const data = await loadGroups(ctx, viewerAccountId, filter, firsts.map((f) => f.key), range)

  const latestSeqs = firsts.map((f) => data.get(f.key)?.stats.maxSeq ?? f.seq)
  const rows = await rowsBySeq(ctx, latestSeqs)
  const groups: NotificationGroupData[] = []
  firsts.forEach((f, i) => {
    const latest = rows.get(latestSeqs[i])
    if (!latest) return
    const group = data.get(f.key)
    groups.push({
      groupKey: f.key,
      latest,
      count: group?.stats.count ?? 1,
      sampleAccountIds: group?.samples ?? [latest.fromAccountId],
      page: { minSeq: group?.stats.minSeq ?? f.seq, maxSeq: latest.seq },
    })
  })
  groups.sort((a, b) => b.latest.seq - a.latest.seq)
  return { groups, newestSeq: newest, oldestSeq: oldest }
}

/** One of the viewer's groups, over all its notifications (`GET /api/v2/notifications/:group_key`); 404 if it has none. */
export async function getNotificationGroup(ctx: Ctx, viewerAccountId: string, groupKey: string): Promise<NotificationGroupData> {
  const ungrouped = UNGROUPED.exec(groupKey)
  if (ungrouped) {
    const [row] = await ctx.db.select().from(notifications)
      .where(and(...filterConditions(viewerAccountId, NO_FILTER), eq(notifications.seq, Number(ungrouped[1])))).limit(1)
    if (!row) throw new NotFoundError()
    return { groupKey, latest: row, count: 1, sampleAccountIds: [row.fromAccountId] }
  }
  const data = (await loadGroups(ctx, viewerAccountId, NO_FILTER, [groupKey], {})).get(groupKey)
  const latest = data ? (await rowsBySeq(ctx, [data.stats.maxSeq])).get(data.stats.maxSeq) : undefined
  if (!data || !latest) throw new NotFoundError()
  return { groupKey, latest, count: data.stats.count, sampleAccountIds: data.samples }
}

/**
 * The accounts behind a group's notifications, most recent first (`GET /api/v2/notifications/:group_key/accounts`),
 * each keyed by the integer id of its latest notification in the group, which pages as `max_id`/`since_id`/`min_id`.
 * An unknown group is a 404; a page past the last account is empty.
 */
export async function listNotificationGroupAccounts(
  ctx: Ctx, viewerAccountId: string, groupKey: string, page: GroupPage,
): Promise<{ accounts: AccountRow[]; newestSeq?: number; oldestSeq?: number }> {
  const where = and(...filterConditions(viewerAccountId, NO_FILTER), keyCondition(groupKey))
  const latest = sql<string>`max(${notifications.seq})`
  const lower = page.minId ?? page.sinceId
  const senders = await ctx.db.select({ id: notifications.fromAccountId, seq: latest })
    .from(notifications).where(where).groupBy(notifications.fromAccountId)
    .having(and(page.maxId !== undefined ? lt(latest, page.maxId) : undefined, lower !== undefined ? gt(latest, lower) : undefined))
    .orderBy(page.minId !== undefined ? asc(latest) : desc(latest)).limit(page.limit)
  if (page.minId !== undefined) senders.reverse()
  if (!senders.length) {
    const [any] = await ctx.db.select({ seq: notifications.seq }).from(notifications).where(where).limit(1)
    if (!any) throw new NotFoundError()
    return { accounts: [] }
  }
  const rows = await ctx.db.select().from(accounts).where(inArray(accounts.id, senders.map((s) => s.id)))
  const byId = new Map(rows.map((r) => [r.id, r]))
  return {
    accounts: senders.map((s) => byId.get(s.id)).filter((r): r is AccountRow => !!r),
    newestSeq: Number(senders[0].seq),
    oldestSeq: Number(senders[senders.length - 1].seq),
  }
}

/** Deletes every notification of one of the viewer's groups; 404 when there is none. */
export async function dismissNotificationGroup(ctx: Ctx, viewerAccountId: string, groupKey: string): Promise<void> {
  const gone = await ctx.db.delete(notifications)
    .where(and(eq(notifications.accountId, viewerAccountId), keyCondition(groupKey))).returning({ id: notifications.id })
  if (!gone.length) throw new NotFoundError()
}

/**
 * Notifications after a notifications marker. The marker holds whichever id the client read: an integer one from the
 * v2 API (`seq`) or a flake id from v1 (always 18 characters, so never mistaken for the other).
 */
export function afterMarkerSql(lastReadId: string): SQL | undefined {
  const seq = parseSeq(lastReadId)
  if (seq !== undefined) return gt(notifications.seq, seq)
  return isId(lastReadId) ? gt(notifications.id, lastReadId) : undefined
}

/** Notifications up to and including a notifications marker (see `afterMarkerSql`). */
export function upToMarkerSql(lastReadId: string): SQL | undefined {
  const after = afterMarkerSql(lastReadId)
  return after ? not(after) : undefined
}

/** How many groups of notifications came after the viewer's notifications marker, counting up to `limit`. */
export async function countUnreadGroups(
  ctx: Ctx, viewerAccountId: string, filter: NotificationFilter, groupedTypes: NotificationType[], limit: number,
): Promise<number> {
  await checkAccountFilter(ctx, filter)
  const [marker] = await ctx.db.select({ lastReadId: markers.lastReadId }).from(markers)
    .where(and(eq(markers.accountId, viewerAccountId), eq(markers.timeline, 'notifications'))).limit(1)
  const keys = ctx.db.selectDistinct({ key: groupKeySql(groupedTypes).as('key') }).from(notifications)
    .where(and(...filterConditions(viewerAccountId, filter), marker ? afterMarkerSql(marker.lastReadId) : undefined))
    .limit(limit)
  const [{ n }] = await ctx.db.select({ n: sql<string>`count(*)` }).from(keys.as('unread'))
  return Number(n)
}
