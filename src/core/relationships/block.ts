import { and, eq } from 'drizzle-orm'
import type { DbLike } from '../../db/client'
import { accounts, blocks, endorsements, notifications, type AccountRow } from '../../db/schema'
import type { Ctx } from '../context'
import { removeFromHomeFeed } from '../timelines/home-feed'
import { enqueuePublish } from '../federation/publish'
import { followActivityUri } from './follow'
import { severRelationship } from './graph'
import { assertNotSelf, lockPair } from './target'

/**
 * Blocks an account: follows and pending requests go both ways, each other's statuses leave the home feeds, the
 * actor stops featuring it and loses the notifications it caused. A remote account is sent an Undo of the actor's
 * Follow and a Reject of its own, as Mastodon does. Blocking again changes nothing.
 */
export async function blockAccount(ctx: Ctx, actorId: string, target: AccountRow): Promise<void> {
  assertNotSelf(actorId, target, 'Can not block yourself')
  await ctx.db.transaction(async (tx) => {
    await lockPair(tx, actorId, target.id)
    const [added] = await tx.insert(blocks).values({ accountId: actorId, targetAccountId: target.id }).onConflictDoNothing()
      .returning({ id: blocks.id })
    if (!added) return
    const [ours, theirs] = target.domain
      ? [await followActivityUri(tx, actorId, target.id), await followActivityUri(tx, target.id, actorId)]
      : [null, null]
    await severRelationship(tx, actorId, target.id)
    if (ours) await enqueuePublish(ctx, tx, { type: 'follow.undo', actorId, targetId: target.id, followUri: ours })
    if (theirs) await enqueuePublish(ctx, tx, { type: 'follow.reject', actorId, followerId: target.id, followUri: theirs })
    if (target.domain && (await isLocal(tx, actorId))) {
      await enqueuePublish(ctx, tx, { type: 'block', accountId: actorId, targetId: target.id, uri: blockUri(ctx, added.id) })
    }
    await removeFromHomeFeed(tx, actorId, target.id)
    await removeFromHomeFeed(tx, target.id, actorId)
    await tx.delete(endorsements).where(and(eq(endorsements.accountId, actorId), eq(endorsements.targetAccountId, target.id)))
    await tx.delete(notifications).where(and(eq(notifications.accountId, actorId), eq(notifications.fromAccountId, target.id)))
  })
}

/** Ends a block; a remote account is sent the Undo of the Block it was sent. */
export async function unblockAccount(ctx: Ctx, actorId: string, target: AccountRow): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const [removed] = await tx.delete(blocks).where(and(eq(blocks.accountId, actorId), eq(blocks.targetAccountId, target.id)))
      .returning({ id: blocks.id })
    if (removed && target.domain && (await isLocal(tx, actorId))) {
      await enqueuePublish(ctx, tx, { type: 'block.undo', accountId: actorId, targetId: target.id, uri: blockUri(ctx, removed.id) })
    }
  })
}

/** The Block activity's id: one per block, so a later block is a new activity. */
const blockUri = (ctx: Ctx, blockId: string) => new URL(`/activities/blocks/${blockId}`, ctx.config.baseUrl).href

async function isLocal(tx: DbLike, accountId: string): Promise<boolean> {
  const [row] = await tx.select({ domain: accounts.domain }).from(accounts).where(eq(accounts.id, accountId)).limit(1)
  return !!row && row.domain === null
}
