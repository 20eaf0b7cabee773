import { and, eq } from 'drizzle-orm'
import { tagFollows, tags } from '../../db/schema'
import type { Ctx } from '../context'
import { NotFoundError } from '../errors'
import { keyedPage, keyset, type KeyedPage, type Page } from '../timelines/page'
import { findOrCreateTag, tagNameOf, type TagRef } from './tags'

/** POST /api/v1/tags/:name/follow: the tag's public statuses enter the follower's home feed from now on. Repeats are no-ops. */
export async function followTag(ctx: Ctx, accountId: string, rawName: string): Promise<TagRef> {
  return ctx.db.transaction(async (tx) => {
    const tag = await findOrCreateTag(tx, rawName)
    await tx.insert(tagFollows).values({ accountId, tagId: tag.id }).onConflictDoNothing()
    return tag
  })
}

/** POST /api/v1/tags/:name/unfollow. Unfollowing a tag one does not follow is a no-op; an invalid name is 404. */
export async function unfollowTag(ctx: Ctx, accountId: string, rawName: string): Promise<TagRef> {
  const name = tagNameOf(rawName)
  if (!name) throw new NotFoundError()
  const [tag] = await ctx.db.select({ id: tags.id, name: tags.name }).from(tags).where(eq(tags.name, name)).limit(1)
  if (!tag) return { id: '', name }
  await ctx.db.delete(tagFollows).where(and(eq(tagFollows.accountId, accountId), eq(tagFollows.tagId, tag.id)))
  return tag
}

/** GET /api/v1/followed_tags: newest follows first, paged by the follow's id. */
export async function followedTags(ctx: Ctx, accountId: string, page: Page): Promise<KeyedPage<TagRef>> {
  const k = keyset(tagFollows.id, page)
  const rows = await ctx.db.select({ key: tagFollows.id, id: tags.id, name: tags.name })
    .from(tagFollows).innerJoin(tags, eq(tags.id, tagFollows.tagId))
    .where(and(eq(tagFollows.accountId, accountId), ...k.where))
    .orderBy(k.orderBy).limit(page.limit)
  return keyedPage(rows.map((r) => ({ key: r.key, item: { id: r.id, name: r.name } })), k.forwards)
}
