import { and, eq, or, sql } from 'drizzle-orm'
import type { DbLike } from '../../db/client'
import { accounts, blocks, followRequests, follows, users, type AccountRow } from '../../db/schema'
import type { Ctx } from '../context'
import { ForbiddenError, ValidationError } from '../errors'
import { enqueuePublish } from '../federation/publish'
import { notify } from '../notifications/notify'
import type { Viewer } from '../oauth/authenticate'
import { followAccount, unfollowAccount } from '../relationships/follow'
import { backfillHomeFeed, removeFromHomeFeed } from '../timelines/home-feed'
import { accountUri, findTargetAccount } from './aliases'
import { confirmCurrentPassword } from './current-password'

export interface MoveResult {
  target: AccountRow
  /** local followers that now follow (or asked to follow) the target */
  moved: number
  notified: number
}

/**
 * `POST /api/pleroma/move_account` (password, target_account): this account moves to another one, local or remote
 * (fetched again through federation), which must list it in `also_known_as`. The old account points to the new one
 * (`moved`) and remote followers are sent a Move and the updated profile; local followers are moved as `moveFollowers` does.
 */
export async function moveAccount(ctx: Ctx, userId: string, password: unknown, targetAccount: unknown, viewer: Viewer | null = null): Promise<MoveResult> {
  const { account: origin } = await confirmCurrentPassword(ctx, userId, password)
  const target = await findTargetAccount(ctx, targetAccount, 'Target account not found.', viewer)
  if (target.id === origin.id) throw new ValidationError('An account cannot move to itself.')
  if (!target.alsoKnownAs.includes(accountUri(ctx, origin))) throw new ValidationError('Target account must have the origin in `alsoKnownAs`')
  if (target.movedToId) throw new ValidationError('Target account has itself moved.')
  await ctx.db.transaction(async (tx) => {
    await tx.update(accounts).set({ movedToId: target.id, updatedAt: sql`now()` as unknown as Date }).where(eq(accounts.id, origin.id))
    await enqueuePublish(ctx, tx, { type: 'move', accountId: origin.id, targetId: target.id })
    // servers that missed or ignore the Move still learn of it from the profile (`movedTo`)
    await enqueuePublish(ctx, tx, { type: 'actor.update', accountId: origin.id })
  })
  return { target, ...await moveFollowers(ctx, origin, target) }
}

/**
 * A remote account's Move, verified by the caller (the target, fetched again, lists the origin in `alsoKnownAs`):
 * the origin points to the target and its local followers are moved.
 */
export async function receiveRemoteMove(ctx: Ctx, origin: AccountRow, target: AccountRow): Promise<{ moved: number; notified: number }> {
  // The same Move delivered again is dropped by the inbox (activity ids); the origin's `movedTo` may already name the
  // target, from the profile Update sent beside the Move, and its followers still have to be moved.
  if (!origin.domain || origin.id === target.id || target.movedToId) return { moved: 0, notified: 0 }
  await ctx.db.update(accounts).set({ movedToId: target.id, updatedAt: sql`now()` as unknown as Date }).where(eq(accounts.id, origin.id))
  return moveFollowers(ctx, origin, target)
}

/**
 * Every local follower of `origin` gets a `move` notification, and those who allow it (`allow_following_move`)
 * unfollow it and follow `target` (a follow request if it is locked; through federation if either is remote).
 */
async function moveFollowers(ctx: Ctx, origin: AccountRow, target: AccountRow): Promise<{ moved: number; notified: number }> {
  const local = !origin.domain && !target.domain
  const { notified, movers } = await ctx.db.transaction(async (tx) => {
    const followers = await tx.select({ accountId: follows.accountId, allowMove: users.allowFollowingMove }).from(follows)
      .innerJoin(users, eq(users.accountId, follows.accountId))
      .where(eq(follows.targetAccountId, origin.id))
    let notified = 0
    const movers: string[] = []
    for (const follower of followers) {
      if (await notify(tx, { type: 'move', accountId: follower.accountId, fromAccountId: origin.id, targetAccountId: target.id })) notified++
      if (follower.allowMove && follower.accountId !== target.id) movers.push(follower.accountId)
    }
    return { notified, movers }
  })
  let moved = 0
  for (const followerId of movers) {
    if (local) {
      if (await ctx.db.transaction(async (tx) => {
        await unfollow(tx, followerId, origin.id)
        return follow(tx, followerId, target)
      })) moved++
      continue
    }
    // Across instances the core follow actions send the Undo and the Follow; a block on either side refuses it.
    await unfollowAccount(ctx, followerId, origin)
    const result = await followAccount(ctx, followerId, target).catch((e) => {
      if (e instanceof ForbiddenError || e instanceof ValidationError) return null
      throw e
    })
    if (result) moved++
  }
  return { moved, notified }
}

async function unfollow(tx: DbLike, followerId: string, targetId: string): Promise<void> {
  const gone = await tx.delete(follows).where(and(eq(follows.accountId, followerId), eq(follows.targetAccountId, targetId))).returning({ id: follows.id })
  if (!gone.length) return
  await tx.update(accounts).set({ followingCount: sql`greatest(${accounts.followingCount} - 1, 0)` }).where(eq(accounts.id, followerId))
  await tx.update(accounts).set({ followersCount: sql`greatest(${accounts.followersCount} - 1, 0)` }).where(eq(accounts.id, targetId))
  await removeFromHomeFeed(tx, followerId, targetId)
}

/** Follows (or requests to follow a locked account) unless either side blocks the other; true if something was created. */
async function follow(tx: DbLike, followerId: string, target: AccountRow): Promise<boolean> {
  const [blocked] = await tx.select({ id: blocks.id }).from(blocks).where(or(
    and(eq(blocks.accountId, target.id), eq(blocks.targetAccountId, followerId)),
    and(eq(blocks.accountId, followerId), eq(blocks.targetAccountId, target.id)),
  )).limit(1)
  if (blocked) return false
  if (target.locked) {
    const [request] = await tx.insert(followRequests).values({ accountId: followerId, targetAccountId: target.id }).onConflictDoNothing().returning({ id: followRequests.id })
    if (request) await notify(tx, { type: 'follow_request', accountId: target.id, fromAccountId: followerId })
    return !!request
  }
  const [row] = await tx.insert(follows).values({ accountId: followerId, targetAccountId: target.id }).onConflictDoNothing().returning({ id: follows.id })
  if (!row) return false
  await tx.update(accounts).set({ followingCount: sql`${accounts.followingCount} + 1` }).where(eq(accounts.id, followerId))
  await tx.update(accounts).set({ followersCount: sql`${accounts.followersCount} + 1` }).where(eq(accounts.id, target.id))
  await backfillHomeFeed(tx, followerId, target.id)
  await notify(tx, { type: 'follow', accountId: target.id, fromAccountId: followerId })
  return true
}
