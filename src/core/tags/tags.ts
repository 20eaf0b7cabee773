import { and, eq, gte, inArray, lt, lte, sql } from 'drizzle-orm'
import { resultRows, type DbLike } from '../../db/client'
import { featuredTags, tagFollows, tagHistoryDays, tags } from '../../db/schema'
import { anyId, uuidArrayParam, uuidParam } from '../../db/sql'
import type { Ctx } from '../context'
import { NotFoundError } from '../errors'
import { idAtTime, uuidToId } from '../ids'

/** A hashtag name as statuses write it: letters, marks, digits and `_`, at least one letter (see `format.ts`). */
const TAG_NAME = /^[\p{L}\p{M}\p{N}_]*\p{L}[\p{L}\p{M}\p{N}_]*$/u
export const MAX_TAG_LENGTH = 100

/** `#Name` or `Name` → `name`, as statuses store it; null when it cannot be a hashtag. */
export function tagNameOf(raw: unknown): string | null {
  if (typeof raw !== 'string') return null
  let name = raw.trim().replace(/^#/, '')
  try {
    if (name.includes('%')) name = decodeURIComponent(name)
  } catch {
    return null
  }
  return name.length <= MAX_TAG_LENGTH && TAG_NAME.test(name) ? name.toLowerCase() : null
}

/** A known tag, or an unsaved one (empty id) with that name, as Mastodon shows hashtags nobody used yet. */
export interface TagRef {
  id: string
  name: string
}

/** GET /api/v1/tags/:name: the stored tag, or an unsaved one for a valid name nobody used; 404 for an invalid name. */
export async function getTag(ctx: Ctx, rawName: string): Promise<TagRef> {
  const name = tagNameOf(rawName)
  if (!name) throw new NotFoundError()
  const [row] = await ctx.db.select({ id: tags.id, name: tags.name }).from(tags).where(eq(tags.name, name)).limit(1)
  return row ?? { id: '', name }
}

/** The tag named `rawName`, created when new; 404 for an invalid name. */
export async function findOrCreateTag(db: DbLike, rawName: unknown): Promise<TagRef> {
  const name = tagNameOf(rawName)
  if (!name) throw new NotFoundError()
  const [row] = await db.insert(tags).values({ name })
    .onConflictDoUpdate({ target: tags.name, set: { name: sql`${tags.name}` } })
    .returning({ id: tags.id, name: tags.name })
  return row
}

export interface TagHistoryDay {
  day: string
  uses: string
  accounts: string
}

export const HISTORY_DAYS = 7
const DAY_MS = 86_400_000
/**
 * A day's count is shown without counting again while it is this recent, or once it was taken this long after the
 * day ended: statuses of the day's last moments may still be committing, or arriving from other servers, just after it.
 */
export const HISTORY_FRESH_MS = 5 * 60_000

interface DayCount { uses: number; accounts: number }

/** The UTC day number of `now`, and of the oldest day a history shows. */
function historyDays(now: number): { today: number; first: number } {
  const today = Math.floor(now / DAY_MS)
  return { today, first: today - (HISTORY_DAYS - 1) }
}

/** Whether a day's count taken at `countedAt` stands at `now`. */
const countStands = (day: number, countedAt: number, now: number) =>
  countedAt >= Math.min((day + 1) * DAY_MS + HISTORY_FRESH_MS, now - HISTORY_FRESH_MS)

/**
 * Each tag's use over the last seven days (today first): statuses and distinct authors per UTC day. Only statuses
 * anyone may see count, so private posts do not show through the numbers. The counts are kept per tag and day: a
 * request reads them, and counts (in one statement for all tags) only the days whose count is missing or may have
 * changed since, as `countStands` tells: today's every few minutes, an ended day once.
 */
export async function tagHistories(db: DbLike, tagIds: string[], now = Date.now()): Promise<Map<string, TagHistoryDay[]>> {
  const ids = [...new Set(tagIds.filter(Boolean))]
  const { today, first } = historyDays(now)
  const counts = new Map<string, Map<number, DayCount>>()
  const keep = (tagId: string, day: number, c: DayCount) => {
    const byDay = counts.get(tagId) ?? new Map<number, DayCount>()
    byDay.set(day, c)
    counts.set(tagId, byDay)
  }
  if (ids.length) {
    const stored = await db.select().from(tagHistoryDays)
      .where(and(anyId(tagHistoryDays.tagId, ids), gte(tagHistoryDays.day, first), lte(tagHistoryDays.day, today)))
    for (const r of stored) if (countStands(r.day, r.countedAt.getTime(), now)) keep(r.tagId, r.day, r)
    const stale = ids.flatMap((tagId) => Array.from({ length: HISTORY_DAYS }, (_, i) => ({ tagId, day: first + i })))
      .filter(({ tagId, day }) => !counts.get(tagId)?.has(day))
    if (stale.length) for (const r of await countTagDays(db, stale, now)) keep(r.tagId, r.day, r)
  }
  const out = new Map<string, TagHistoryDay[]>()
  for (const id of ids) {
    const byDay = counts.get(id)
    out.set(id, Array.from({ length: HISTORY_DAYS }, (_, i) => {
      const day = today - i
      const c = byDay?.get(day)
      return { day: String(day * 86400), uses: String(c?.uses ?? 0), accounts: String(c?.accounts ?? 0) }
    }))
  }
  return out
}

/**
 * Counts the tags' uses on the given days and keeps the counts (a day without uses as 0, so that it is not counted
 * again), in one statement. The statuses read are those of the tags from the earliest of the days on, through the
 * tags' index: usually today's alone. Concurrent counts of a day keep the later one; the rows are written in key
 * order, so two of them never wait on each other's rows crosswise.
 */
async function countTagDays(db: DbLike, wanted: { tagId: string; day: number }[], now: number) {
  const since = Math.min(...wanted.map((w) => w.day))
  const rows = resultRows<{ tag_id: string; day: number | string; uses: number | string; accounts: number | string }>(await db.execute(sql`
    with wanted as (
      select * from unnest(${uuidArrayParam(wanted.map((w) => w.tagId))}, ${`{${wanted.map((w) => w.day).join(',')}}`}::int[]) as w(tag_id, day)
    ),
    counted as (
      select st.tag_id, floor(extract(epoch from s.created_at) / 86400)::int as day,
        count(*)::int as uses, count(distinct s.account_id)::int as accounts
      from status_tags st
      join statuses s on s.id = st.status_id
      where st.tag_id = any(${uuidArrayParam([...new Set(wanted.map((w) => w.tagId))])})
        and st.status_id >= ${uuidParam(idAtTime(since * DAY_MS))}
        and s.visibility in ('public', 'unlisted', 'local') and s.reblog_of_id is null
        and not exists (select 1 from accounts a where a.id = s.account_id and (a.suspended_at is not null or a.deleted_at is not null))
      group by 1, 2
    ),
    result as (
      select w.tag_id, w.day, coalesce(c.uses, 0) as uses, coalesce(c.accounts, 0) as accounts
      from wanted w left join counted c on c.tag_id = w.tag_id and c.day = w.day
    ),
    kept as (
      insert into tag_history_days (tag_id, day, uses, accounts, counted_at)
      select tag_id, day, uses, accounts, ${new Date(now).toISOString()}::timestamptz from result order by tag_id, day
      on conflict (tag_id, day) do update set uses = excluded.uses, accounts = excluded.accounts, counted_at = excluded.counted_at
        where tag_history_days.counted_at <= excluded.counted_at
    )
    select tag_id::text as tag_id, day, uses, accounts from result`))
  return rows.map((r) => ({ tagId: uuidToId(r.tag_id), day: Number(r.day), uses: Number(r.uses), accounts: Number(r.accounts) }))
}

/** Forgets the kept counts of days older than the history shows. */
export async function pruneTagHistory(db: DbLike, now = Date.now()): Promise<number> {
  const { first } = historyDays(now)
  const gone = await db.delete(tagHistoryDays).where(lt(tagHistoryDays.day, first)).returning({ tagId: tagHistoryDays.tagId })
  return gone.length
}

/** Of the tags, those the account follows and those it features. */
export async function tagFlags(db: DbLike, accountId: string | null, tagIds: string[]) {
  const ids = [...new Set(tagIds.filter(Boolean))]
  if (!accountId || !ids.length) return { following: new Set<string>(), featuring: new Set<string>() }
  const [followed, featured] = await Promise.all([
    db.select({ id: tagFollows.tagId }).from(tagFollows).where(and(eq(tagFollows.accountId, accountId), inArray(tagFollows.tagId, ids))),
    db.select({ id: featuredTags.tagId }).from(featuredTags).where(and(eq(featuredTags.accountId, accountId), inArray(featuredTags.tagId, ids))),
  ])
  return { following: new Set(followed.map((r) => r.id)), featuring: new Set(featured.map((r) => r.id)) }
}
