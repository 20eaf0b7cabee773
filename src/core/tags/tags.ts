import { and, eq, inArray, sql } from 'drizzle-orm'
import { resultRows, type DbLike } from '../../db/client'
import { featuredTags, tagFollows, tags } from '../../db/schema'
import { uuidParam } from '../../db/sql'
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
 * Each tag's use over the last seven days (today first): statuses and distinct authors per UTC day. Only statuses
 * anyone may see count, so private posts do not show through the numbers.
 */
export async function tagHistories(db: DbLike, tagIds: string[], now = Date.now()): Promise<Map<string, TagHistoryDay[]>> {
  const ids = [...new Set(tagIds.filter(Boolean))]
  const today = Math.floor(now / DAY_MS)
  const first = today - (HISTORY_DAYS - 1)
  const counts = new Map<string, Map<number, { uses: number; accounts: number }>>()
  if (ids.length) {
    const rows = resultRows<{ tag_id: string; day: number | string; uses: number | string; accounts: number | string }>(await db.execute(sql`
      select st.tag_id, floor(extract(epoch from s.created_at) / 86400)::int as day,
        count(*)::int as uses, count(distinct s.account_id)::int as accounts
      from status_tags st
      join statuses s on s.id = st.status_id
      where st.tag_id in (${sql.join(ids.map(uuidParam), sql`, `)})
        and st.status_id >= ${uuidParam(idAtTime(first * DAY_MS))}
        and s.visibility in ('public', 'unlisted', 'local') and s.reblog_of_id is null
        and not exists (select 1 from accounts a where a.id = s.account_id and (a.suspended_at is not null or a.deleted_at is not null))
      group by 1, 2`))
    for (const r of rows) {
      const tagId = uuidToId(r.tag_id)
      const byDay = counts.get(tagId) ?? new Map()
      byDay.set(Number(r.day), { uses: Number(r.uses), accounts: Number(r.accounts) })
      counts.set(tagId, byDay)
    }
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
