import { asc, desc, sql } from 'drizzle-orm'
import { escapeLike } from '../../db/sql'
import { tags } from '../../db/schema'
import type { Ctx } from '../context'
import type { TagRef } from '../tags/tags'

const PREFIX = /^[\p{L}\p{M}\p{N}_]+$/u


/**
 * Hashtags by name prefix (`#` optional), the exact name first, then the shortest. Every hashtag is listable here,
 * so `exclude_unreviewed` has nothing to leave out.
 */
export async function searchHashtags(ctx: Ctx, q: string, limit: number, offset: number): Promise<TagRef[]> {
  const prefix = q.trim().replace(/^#/, '').toLowerCase()
  if (!prefix || prefix.length > 100 || !PREFIX.test(prefix)) return []
  const name = sql`lower(${tags.name}::text)`
  return ctx.db.select({ id: tags.id, name: tags.name }).from(tags)
    .where(sql`${name} like ${`${escapeLike(prefix)}%`}`)
    .orderBy(desc(sql`${name} = ${prefix}`), asc(sql`length(${name})`), asc(name))
    .limit(limit).offset(offset)
}
