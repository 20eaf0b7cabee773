import { and, eq } from 'drizzle-orm'
import type { DbLike } from '../../db/client'
import { accounts, followRequests, follows, remoteActors, type AccountRow } from '../../db/schema'
import { activityUri, enqueuePublish } from '../federation/publish'
import type { Ctx } from '../context'
import { ForbiddenError, NotFoundError, ValidationError } from '../errors'
import { notify } from '../notifications/notify'
import { parseBool, parseStringArray } from '../params'
import {
  acceptFollowRequest, createFollow, createFollowRequest, removeFollow, removeFollowRequest, updateFollow, updateFollowRequest,
  type FollowOptions,
} from './graph'
import { assertNotSelf, blockBetween, lockPair, relationshipTarget } from './target'

const LANGUAGE = /^[a-z]{2,3}$/

/** `reblogs`, `notify` and `languages[]` of a follow request; absent ones stay as they are on an existing follow. */
export function readFollowOptions(input: Record<string, unknown>): FollowOptions {
  const options: FollowOptions = { reblogs: parseBool(input.reblogs), notify: parseBool(input.notify) }
  if (input.languages !== undefined) {
    const languages = [...new Set(parseStringArray(input.languages).map((l) => l.trim().toLowerCase()).filter(Boolean))]
    const bad = languages.filter((l) => !LANGUAGE.test(l))
    if (bad.length) throw new ValidationError(`Validation failed: Languages ${bad.join(', ')} is not a language code`)
    options.languages = languages.length ? languages : null
  }
  return options
}

export type FollowResult = 'following' | 'requested'

/**
 * Follows an account, or asks to when it is locked or the follower is silenced (a `follow_request` notification
 * instead of `follow`).
 * A local account following a remote one (whose inbox is known) always asks: the request is sent as a Follow
 * activity and becomes a follow when the remote server accepts it. Following again only updates the options given, on the follow or the
 * pending request. Refused for oneself (400) and between accounts where either blocks the other (403).
 */
export async function followAccount(ctx: Ctx, actorId: string, target: AccountRow, options: FollowOptions = {}): Promise<FollowResult> {
  assertNotSelf(actorId, target, 'Can not follow yourself')
  return ctx.db.transaction(async (tx) => {
    await lockPair(tx, actorId, target.id)
    const { actorBlocks, targetBlocks } = await blockBetween(tx, actorId, target.id)
    if (targetBlocks) throw new ForbiddenError('Could not follow user: You are blocked by this user.')
    if (actorBlocks) throw new ForbiddenError('Could not follow user: You are blocking this user.')
    // A remote Follow (it has an activity id) is answered with an Accept once it is a follow, again on a repeat.
    const accepted = async () => {
      if (options.uri) await enqueuePublish(ctx, tx, { type: 'follow.accept', actorId: target.id, followerId: actorId, followUri: options.uri })
      return 'following' as const
    }
    if (await updateFollow(tx, actorId, target.id, options)) return accepted()
    if (await updateFollowRequest(tx, actorId, target.id, options)) return 'requested'
    if (target.domain && !options.uri && await deliverable(tx, target.id)) {
      const followUri = activityUri(ctx)
      await createFollowRequest(tx, actorId, target.id, { ...options, uri: followUri }, false)
      await enqueuePublish(ctx, tx, { type: 'follow', actorId, targetId: target.id, followUri })
      return 'requested'
    }
    // A silenced follower (by a moderator, or with its whole server) only asks, as on Mastodon.
    if (target.locked || await isSilenced(tx, actorId)) {
      await createFollowRequest(tx, actorId, target.id, options)
      return 'requested'
    }
    if (await createFollow(tx, actorId, target.id, options)) {
      await notify(tx, { type: 'follow', accountId: target.id, fromAccountId: actorId })
    }
    return accepted()
  })
}

async function isSilenced(tx: DbLike, accountId: string): Promise<boolean> {
  const [row] = await tx.select({ silencedAt: accounts.silencedAt }).from(accounts).where(eq(accounts.id, accountId)).limit(1)
  return !!row?.silencedAt
}

/** Whether a remote account has an inbox to deliver to. */
async function deliverable(tx: DbLike, accountId: string): Promise<boolean> {
  const [row] = await tx.select({ id: remoteActors.accountId }).from(remoteActors).where(eq(remoteActors.accountId, accountId)).limit(1)
  return !!row
}

/** The remote Follow activity behind a pending request, when the requester is a remote account. */
async function pendingRemoteFollow(tx: DbLike, followerId: string, targetId: string): Promise<string | null> {
  const [row] = await tx.select({ uri: followRequests.uri }).from(followRequests)
    .where(and(eq(followRequests.accountId, followerId), eq(followRequests.targetAccountId, targetId))).limit(1)
  return row?.uri ?? null
}

/** The Follow activity behind a follow or a pending request. */
export async function followActivityUri(tx: DbLike, actorId: string, targetId: string): Promise<string | null> {
  const [row] = await tx.select({ uri: follows.uri }).from(follows)
    .where(and(eq(follows.accountId, actorId), eq(follows.targetAccountId, targetId)))
    .unionAll(tx.select({ uri: followRequests.uri }).from(followRequests)
      .where(and(eq(followRequests.accountId, actorId), eq(followRequests.targetAccountId, targetId))))
    .limit(1)
  return row?.uri ?? null
}

/**
 * Stops following, or withdraws a pending request; a remote account is sent an Undo of the Follow. Unfollowing an
 * account one does not follow changes nothing.
 */
export async function unfollowAccount(ctx: Ctx, actorId: string, target: AccountRow): Promise<void> {
  assertNotSelf(actorId, target, 'Can not unfollow yourself')
  await ctx.db.transaction(async (tx) => {
    await lockPair(tx, actorId, target.id)
    const followUri = target.domain ? await followActivityUri(tx, actorId, target.id) : null
    const removed = await removeFollow(tx, actorId, target.id)
    const withdrawn = await removeFollowRequest(tx, actorId, target.id)
    if (followUri && (removed || withdrawn)) await enqueuePublish(ctx, tx, { type: 'follow.undo', actorId, targetId: target.id, followUri })
  })
}

/**
 * Which local account's request to follow a remote account an Accept or Reject from that account answers: the
 * Follow's id, or (for servers that do not echo it) the local follower.
 */
export type OutgoingFollow = { uri: string } | { followerId: string }

async function outgoingFollower(tx: DbLike, targetId: string, which: OutgoingFollow): Promise<string | null> {
  if ('followerId' in which) return which.followerId
  const [row] = await tx.select({ accountId: followRequests.accountId }).from(followRequests)
    .where(and(eq(followRequests.targetAccountId, targetId), eq(followRequests.uri, which.uri)))
    .unionAll(tx.select({ accountId: follows.accountId }).from(follows)
      .where(and(eq(follows.targetAccountId, targetId), eq(follows.uri, which.uri))))
    .limit(1)
  return row?.accountId ?? null
}

/** A remote account accepted a local account's request to follow it: it becomes a follow. False when none was pending. */
export async function acceptOutgoingFollow(ctx: Ctx, targetId: string, which: OutgoingFollow): Promise<boolean> {
  return ctx.db.transaction(async (tx) => {
    const followerId = await outgoingFollower(tx, targetId, which)
    if (!followerId) return false
    await lockPair(tx, followerId, targetId)
    return acceptFollowRequest(tx, followerId, targetId, false)
  })
}

/** A remote account rejected a local account's request to follow it, or ended the follow: either goes. */
export async function rejectOutgoingFollow(ctx: Ctx, targetId: string, which: OutgoingFollow): Promise<boolean> {
  return ctx.db.transaction(async (tx) => {
    const followerId = await outgoingFollower(tx, targetId, which)
    if (!followerId) return false
    await lockPair(tx, followerId, targetId)
    const withdrawn = await removeFollowRequest(tx, followerId, targetId)
    const removed = await removeFollow(tx, followerId, targetId)
    return withdrawn || removed
  })
}

/**
 * Makes an account stop following the actor (Mastodon's soft removal): its follow, or pending request, goes; a
 * remote follower is sent a Reject of its Follow.
 */
export async function removeFromFollowers(ctx: Ctx, actorId: string, follower: AccountRow): Promise<void> {
  assertNotSelf(actorId, follower, 'Can not unfollow yourself')
  await ctx.db.transaction(async (tx) => {
    await lockPair(tx, actorId, follower.id)
    const followUri = follower.domain ? await followActivityUri(tx, follower.id, actorId) : null
    const removed = await removeFollow(tx, follower.id, actorId)
    const withdrawn = await removeFollowRequest(tx, follower.id, actorId)
    if (followUri && (removed || withdrawn)) {
      await enqueuePublish(ctx, tx, { type: 'follow.reject', actorId, followerId: follower.id, followUri })
    }
  })
}

/**
 * Pleroma's subscribe/unsubscribe: notifications of the account's new statuses, which is the `notify` flag of a
 * follow (or of the pending request). There is nothing to subscribe to without one.
 */
export async function setSubscription(ctx: Ctx, actorId: string, target: AccountRow, subscribe: boolean): Promise<void> {
  assertNotSelf(actorId, target, subscribe ? 'Can not subscribe to yourself' : 'Can not unsubscribe from yourself')
  await ctx.db.transaction(async (tx) => {
    const { targetBlocks } = await blockBetween(tx, actorId, target.id)
    if (subscribe && targetBlocks) throw new ForbiddenError('Could not subscribe: You are blocked by this user.')
    const changed = (await updateFollow(tx, actorId, target.id, { notify: subscribe }))
      || (await updateFollowRequest(tx, actorId, target.id, { notify: subscribe }))
    if (!changed && subscribe) throw new ValidationError('Could not subscribe: You must follow this user first')
  })
}

/** Accepts a pending request to follow the actor; 404 when the account asked for nothing. */
export async function authorizeFollowRequest(ctx: Ctx, actorId: string, requesterId: string): Promise<AccountRow> {
  const requester = await relationshipTarget(ctx, requesterId)
  const accepted = await ctx.db.transaction(async (tx) => {
    await lockPair(tx, actorId, requester.id)
    const followUri = await pendingRemoteFollow(tx, requester.id, actorId)
    const done = await acceptFollowRequest(tx, requester.id, actorId)
    if (done && followUri) await enqueuePublish(ctx, tx, { type: 'follow.accept', actorId, followerId: requester.id, followUri })
    return done
  })
  if (!accepted) await assertFollowsAlready(ctx, requester.id, actorId)
  return requester
}

/** Declines a pending request to follow the actor; 404 when the account asked for nothing. */
export async function rejectFollowRequest(ctx: Ctx, actorId: string, requesterId: string): Promise<AccountRow> {
  const requester = await relationshipTarget(ctx, requesterId)
  const rejected = await ctx.db.transaction(async (tx) => {
    await lockPair(tx, actorId, requester.id)
    const followUri = await pendingRemoteFollow(tx, requester.id, actorId)
    const done = await removeFollowRequest(tx, requester.id, actorId)
    if (done && followUri) await enqueuePublish(ctx, tx, { type: 'follow.reject', actorId, followerId: requester.id, followUri })
    return done
  })
  if (!rejected) throw new NotFoundError()
  return requester
}

/** Authorizing twice (a double click) answers like the first time; a request that never was is 404. */
async function assertFollowsAlready(ctx: Ctx, followerId: string, targetId: string) {
  const [row] = await ctx.db.select({ id: follows.id }).from(follows)
    .where(and(eq(follows.accountId, followerId), eq(follows.targetAccountId, targetId))).limit(1)
  if (!row) throw new NotFoundError()
}
