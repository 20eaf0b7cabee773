import { and, asc, desc, eq, sql } from 'drizzle-orm'
import type { DbLike } from '../../db/client'
import { featuredTags, statuses, statusTags, tags } from '../../db/schema'
import { uuidParam } from '../../db/sql'
import type { Ctx } from '../context'
import { NotFoundError, ValidationError } from '../errors'
import { isId } from '../ids'
import { MAX_FEATURED_TAGS } from '../instance/limits'
import { findOrCreateTag, tagNameOf, type TagRef } from './tags'

export interface FeaturedTagInfo {
  id: string
  tagId: string
  name: string
  /** the account's public statuses with the tag */
  statusesCount: number
  lastStatusAt: Date | null
}

/** Statuses that count for a featured tag: the account's own, seen by anyone, not reblogs. */
const countedStatus = sql`s.account_id = ${featuredTags.accountId} and s.visibility in ('public', 'unlisted', 'local') and s.reblog_of_id is null`

async function loadFeatured(db: DbLike, where: ReturnType<typeof eq>): Promise<FeaturedTagInfo[]> {
  const rows = await db.select({
    id: featuredTags.id,
    tagId: featuredTags.tagId,
    name: tags.name,
    statusesCount: sql<number>`(select count(*) from status_tags st join statuses s on s.id = st.status_id
      where st.tag_id = ${featuredTags.tagId} and ${countedStatus})::int`.mapWith(Number),
    lastStatusAt: sql<string | null>`(select max(s.created_at) from status_tags st join statuses s on s.id = st.status_id
      where st.tag_id = ${featuredTags.tagId} and ${countedStatus})`,
  }).from(featuredTags).innerJoin(tags, eq(tags.id, featuredTags.tagId)).where(where).orderBy(asc(featuredTags.id))
  return rows
    .map((r) => ({ ...r, lastStatusAt: r.lastStatusAt ? new Date(r.lastStatusAt) : null }))
    .sort((a, b) => b.statusesCount - a.statusesCount)
}

/** An account's featured tags, most used first (own list and `/api/v1/accounts/:id/featured_tags`). */
export function accountFeaturedTags(ctx: Ctx, accountId: string): Promise<FeaturedTagInfo[]> {
  return loadFeatured(ctx.db, eq(featuredTags.accountId, accountId))
}

/**
 * Features a tag on the account's profile, up to `MAX_FEATURED_TAGS`. `onDuplicate: 'error'` is the featured tags
 * API (Mastodon answers 422); `'keep'` is `/api/v1/tags/:name/feature`, which repeats harmlessly.
 */
export async function featureTag(ctx: Ctx, accountId: string, rawName: unknown, onDuplicate: 'error' | 'keep'): Promise<FeaturedTagInfo> {
  if (onDuplicate === 'error' && !tagNameOf(rawName)) throw new ValidationError('Validation failed: Tag is invalid')
  return ctx.db.transaction(async (tx) => {
    // Serializes one account's features so the limit holds under concurrent requests.
    await tx.execute(sql`select 1 from accounts where id = ${uuidParam(accountId)} for update`)
    const tag = await findOrCreateTag(tx, rawName)
    const existing = await loadFeatured(tx, eq(featuredTags.accountId, accountId))
    const same = existing.find((f) => f.tagId === tag.id)
    if (same) {
      if (onDuplicate === 'error') throw new ValidationError('Validation failed: Tag has already been taken')
      return same
    }
    if (existing.length >= MAX_FEATURED_TAGS) {
      throw new ValidationError(`Validation failed: You can only feature up to ${MAX_FEATURED_TAGS} hashtags`)
    }
    const [row] = await tx.insert(featuredTags).values({ accountId, tagId: tag.id }).returning({ id: featuredTags.id })
    const [info] = await loadFeatured(tx, eq(featuredTags.id, row.id))
    return info
  })
}

/** DELETE /api/v1/featured_tags/:id: only one's own; anything else is 404. */
export async function unfeatureTagById(ctx: Ctx, accountId: string, id: string): Promise<void> {
  if (!isId(id)) throw new NotFoundError()
  const gone = await ctx.db.delete(featuredTags).where(and(eq(featuredTags.id, id), eq(featuredTags.accountId, accountId)))
    .returning({ id: featuredTags.id })
  if (!gone.length) throw new NotFoundError()
}

/** POST /api/v1/tags/:name/unfeature: a no-op when not featured; an invalid name is 404. */
export async function unfeatureTagByName(ctx: Ctx, accountId: string, rawName: string): Promise<TagRef> {
  const name = tagNameOf(rawName)
  if (!name) throw new NotFoundError()
  const [tag] = await ctx.db.select({ id: tags.id, name: tags.name }).from(tags).where(eq(tags.name, name)).limit(1)
  if (!tag) return { id: '', name }
  await ctx.db.delete(featuredTags).where(and(eq(featuredTags.accountId, accountId), eq(featuredTags.tagId, tag.id)))
  return tag
}

/** How many of the account's latest statuses feed the suggestions. */
const SUGGESTION_WINDOW = 500

/** GET /api/v1/featured_tags/suggestions: the hashtags the account used most lately that it does not feature yet. */
export async function featuredTagSuggestions(ctx: Ctx, accountId: string): Promise<TagRef[]> {
  const recent = ctx.db.select({ id: statuses.id }).from(statuses)
    .where(and(eq(statuses.accountId, accountId), sql`${statuses.reblogOfId} is null`))
    .orderBy(desc(statuses.id)).limit(SUGGESTION_WINDOW).as('recent')
  return ctx.db.select({ id: tags.id, name: tags.name }).from(recent)
    .innerJoin(statusTags, eq(statusTags.statusId, recent.id))
    .innerJoin(tags, eq(tags.id, statusTags.tagId))
    .where(sql`not exists (select 1 from featured_tags f where f.account_id = ${uuidParam(accountId)} and f.tag_id = ${tags.id})`)
    .groupBy(tags.id, tags.name)
    .orderBy(desc(sql`count(*)`), asc(tags.name))
    .limit(MAX_FEATURED_TAGS)
}
