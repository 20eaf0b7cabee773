import { and, eq, or, sql } from 'drizzle-orm'
import type { DbLike } from '../../db/client'
import { accounts, blocks, followRequests, follows, users, type AccountRow } from '../../db/schema'
import type { Ctx } from '../context'
import { ValidationError } from '../errors'
import { notify } from '../notifications/notify'
import { backfillHomeFeed, removeFromHomeFeed } from '../timelines/home-feed'
import { findLocalTarget } from './aliases'
import { confirmCurrentPassword } from './current-password'

export interface MoveResult {
  target: AccountRow
  /** local followers that now follow (or asked to follow) the target */
  moved: number
  notified: number
}

/**
 * `POST /api/pleroma/move_account` (password, target_account): this account moves to another local one, which must
 * already list it in `also_known_as`. The old account points to the new one (`moved`); every local follower gets a
 * `move` notification, and those who allow it (`allow_following_move`) unfollow the old account and follow the new one
 * (a follow request if it is locked).
 */
export async function moveAccount(ctx: Ctx, userId: string, password: unknown, targetAccount: unknown): Promise<MoveResult> {
  const { account: origin } = await confirmCurrentPassword(ctx, userId, password)
  const target = await findLocalTarget(ctx, targetAccount, 'Target account not found.')
  if (target.id === origin.id) throw new ValidationError('An account cannot move to itself.')
  const originUri = origin.uri ?? `${ctx.config.baseUrl}/users/${origin.username}`
  if (!target.alsoKnownAs.includes(originUri)) throw new ValidationError('Target account must have the origin in `alsoKnownAs`')
  if (target.movedToId) throw new ValidationError('Target account has itself moved.')

  return ctx.db.transaction(async (tx) => {
    await tx.update(accounts).set({ movedToId: target.id, updatedAt: sql`now()` as unknown as Date }).where(eq(accounts.id, origin.id))
    const followers = await tx.select({ accountId: follows.accountId, allowMove: users.allowFollowingMove }).from(follows)
      .innerJoin(users, eq(users.accountId, follows.accountId))
      .where(eq(follows.targetAccountId, origin.id))
    let moved = 0
    let notified = 0
    for (const follower of followers) {
      if (await notify(tx, { type: 'move', accountId: follower.accountId, fromAccountId: origin.id, targetAccountId: target.id })) notified++
      if (!follower.allowMove || follower.accountId === target.id) continue
      await unfollow(tx, follower.accountId, origin.id)
      if (await follow(tx, follower.accountId, target)) moved++
    }
    return { target, moved, notified }
  })
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
