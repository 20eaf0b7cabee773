import { and, eq, inArray, sql } from 'drizzle-orm'
import type { DbLike } from '../../db/client'
import { accounts, endorsements, followRequests, follows, listAccounts, lists, notifications } from '../../db/schema'
import { publishFollowRelationshipUpdate } from '../events'
import { followGroupKeySql, notify, withdrawNotifications } from '../notifications/notify'
import { backfillHomeFeed, removeFromHomeFeed } from '../timelines/home-feed'

// The edges of the social graph and everything that hangs off them, changed inside the caller's transaction.
// Counters move only when a row was really added or removed.

export interface FollowOptions {
  reblogs?: boolean
  notify?: boolean
  /** null: every language */
  languages?: string[] | null
  /** id of the remote Follow activity this follow or request comes from */
  uri?: string
}

async function bumpFollowCounts(tx: DbLike, followerId: string, targetId: string, delta: 1 | -1) {
  await tx.update(accounts).set({ followingCount: sql`greatest(0, ${accounts.followingCount} + ${delta})` }).where(eq(accounts.id, followerId))
  await tx.update(accounts).set({ followersCount: sql`greatest(0, ${accounts.followersCount} + ${delta})` }).where(eq(accounts.id, targetId))
}

const optionColumns = (o: FollowOptions) => ({
  ...(o.reblogs !== undefined ? { showReblogs: o.reblogs } : {}),
  ...(o.notify !== undefined ? { notify: o.notify } : {}),
  ...(o.languages !== undefined ? { languages: o.languages } : {}),
  ...(o.uri !== undefined ? { uri: o.uri } : {}),
})

/**
 * Creates an accepted follow: counters and the follower's home feed (the caller decides on the notification).
 * Returns false when it already existed (nothing changes then).
 */
export async function createFollow(tx: DbLike, followerId: string, targetId: string, options: FollowOptions): Promise<boolean> {
  const [row] = await tx.insert(follows).values({ accountId: followerId, targetAccountId: targetId, ...optionColumns(options) })
    .onConflictDoNothing().returning({ id: follows.id })
  if (!row) return false
  await bumpFollowCounts(tx, followerId, targetId, 1)
  await backfillHomeFeed(tx, followerId, targetId)
  await publishFollowRelationshipUpdate(tx, followerId, targetId, 'follow_accept')
  return true
}

/** Changes the options of an existing follow; turning reblogs off takes the account's reblogs out of the home feed. */
export async function updateFollow(tx: DbLike, followerId: string, targetId: string, options: FollowOptions): Promise<boolean> {
  const set = optionColumns(options)
  const where = and(eq(follows.accountId, followerId), eq(follows.targetAccountId, targetId))
  if (!Object.keys(set).length) return (await tx.select({ id: follows.id }).from(follows).where(where).limit(1)).length > 0
  const [row] = await tx.update(follows).set(set).where(where).returning({ id: follows.id })
  if (row && options.reblogs === false) {
    await removeFromHomeFeed(tx, followerId, targetId, 'reblogs')
  }
  return !!row
}

/**
 * Removes an accepted follow and what depended on it: counters, the follow notification, the followed account's
 * statuses in the follower's home feed, its place on the follower's lists and the follower's endorsement of it.
 */
export async function removeFollow(tx: DbLike, followerId: string, targetId: string): Promise<boolean> {
  const [gone] = await tx.delete(follows).where(and(eq(follows.accountId, followerId), eq(follows.targetAccountId, targetId)))
    .returning({ id: follows.id })
  if (!gone) return false
  await bumpFollowCounts(tx, followerId, targetId, -1)
  await publishFollowRelationshipUpdate(tx, followerId, targetId, 'unfollow')
  await removeFromHomeFeed(tx, followerId, targetId)
  await withdrawNotifications(tx, { type: 'follow', fromAccountId: followerId, accountId: targetId })
  await tx.delete(listAccounts).where(and(
    eq(listAccounts.accountId, targetId),
    inArray(listAccounts.listId, tx.select({ id: lists.id }).from(lists).where(eq(lists.accountId, followerId))),
  ))
  await tx.delete(endorsements).where(and(eq(endorsements.accountId, followerId), eq(endorsements.targetAccountId, targetId)))
  return true
}

/**
 * Records a pending follow request and notifies the locked account (a remote one hears of it by a Follow activity
 * instead). False when one was pending already.
 */
export async function createFollowRequest(tx: DbLike, followerId: string, targetId: string, options: FollowOptions,
  notifyTarget = true): Promise<boolean> {
  const [row] = await tx.insert(followRequests).values({ accountId: followerId, targetAccountId: targetId, ...optionColumns(options) })
    .onConflictDoNothing().returning({ id: followRequests.id })
  if (!row) return false
  if (notifyTarget) await notify(tx, { type: 'follow_request', accountId: targetId, fromAccountId: followerId })
  await publishFollowRelationshipUpdate(tx, followerId, targetId, 'follow_pending')
  return true
}

export async function updateFollowRequest(tx: DbLike, followerId: string, targetId: string, options: FollowOptions): Promise<boolean> {
  const set = optionColumns(options)
  const where = and(eq(followRequests.accountId, followerId), eq(followRequests.targetAccountId, targetId))
  if (!Object.keys(set).length) return (await tx.select({ id: followRequests.id }).from(followRequests).where(where).limit(1)).length > 0
  const [row] = await tx.update(followRequests).set(set).where(where).returning({ id: followRequests.id })
  return !!row
}

/** Withdraws or rejects a pending request, with its notification. */
export async function removeFollowRequest(tx: DbLike, followerId: string, targetId: string): Promise<boolean> {
  const [gone] = await tx.delete(followRequests).where(and(eq(followRequests.accountId, followerId), eq(followRequests.targetAccountId, targetId)))
    .returning({ id: followRequests.id })
  if (!gone) return false
  await withdrawNotifications(tx, { type: 'follow_request', fromAccountId: followerId, accountId: targetId })
  await publishFollowRelationshipUpdate(tx, followerId, targetId, 'follow_reject')
  return true
}

/**
 * Turns a pending request into a follow with the request's options. The `follow_request` notification becomes a
 * `follow` one (as Pleroma does), or one is created when there was none (not for a remote target, which accepted
 * the request itself). False when nothing was pending.
 */
export async function acceptFollowRequest(tx: DbLike, followerId: string, targetId: string, notifyTarget = true): Promise<boolean> {
  const [request] = await tx.delete(followRequests)
    .where(and(eq(followRequests.accountId, followerId), eq(followRequests.targetAccountId, targetId))).returning()
  if (!request) return false
  await createFollow(tx, followerId, targetId, {
    reblogs: request.showReblogs, notify: request.notify, languages: request.languages, uri: request.uri ?? undefined,
  })
  const retyped = await tx.update(notifications).set({ type: 'follow', groupKey: followGroupKeySql(notifications.createdAt, notifications.filtered) })
    .where(and(eq(notifications.type, 'follow_request'), eq(notifications.fromAccountId, followerId), eq(notifications.accountId, targetId)))
    .returning({ id: notifications.id })
  if (!retyped.length && notifyTarget) await notify(tx, { type: 'follow', accountId: targetId, fromAccountId: followerId })
  return true
}

/** Every follow and request between two accounts, both ways (blocks). */
export async function severRelationship(tx: DbLike, a: string, b: string) {
  await removeFollow(tx, a, b)
  await removeFollow(tx, b, a)
  await removeFollowRequest(tx, a, b)
  await removeFollowRequest(tx, b, a)
}
