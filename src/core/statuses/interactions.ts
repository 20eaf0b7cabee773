import { and, count, eq, inArray, isNull, sql } from 'drizzle-orm'
import type { DbLike } from '../../db/client'
import { accounts, bookmarks, conversationMutes, favourites, statusPins, statuses, type StatusRow, type StatusVisibility } from '../../db/schema'
import { getOwnFolder } from '../bookmarks/folders'
import { enqueuePublish } from '../federation/publish'
import type { Ctx } from '../context'
import { isGiven } from '../params'
import { NotFoundError, ValidationError } from '../errors'
import { newId } from '../ids'
import { notify, withdrawNotifications } from '../notifications/notify'
import { getVisibleStatus } from '../visibility'
import { authorStatusesUpdate, bumpStatusCounter } from './counters'
import { removeStatus } from './delete-status'
import { distributeNewStatus, homeFanOutFor } from './distribute'
import { statusUri, statusUrl } from './post-status'
import { countsPublicly } from './validate'

/** The status an action applies to: reblogs stand for their original, as in Mastodon. */
async function target(ctx: Ctx, accountId: string, id: string): Promise<StatusRow> {
  const row = await getVisibleStatus(ctx, accountId, id)
  return row.reblogOfId ? getVisibleStatus(ctx, accountId, row.reblogOfId) : row
}

const REBLOG_VISIBILITIES: StatusVisibility[] = ['public', 'unlisted', 'private']

/**
 * Reblogs a status the account may see. Private statuses only by their author (kept private), direct ones never.
 * Reblogging twice answers with the existing reblog.
 */
export async function reblogStatus(ctx: Ctx, accountId: string, username: string, id: string, visibility?: string | null): Promise<StatusRow> {
  const original = await target(ctx, accountId, id)
  if (original.visibility === 'direct' || original.visibility === 'list' || (original.visibility === 'private' && original.accountId !== accountId)) {
    throw new ValidationError('Validation failed: Reblog of private status is not allowed')
  }
  let chosen: StatusVisibility = 'public'
  if (visibility) {
    if (!REBLOG_VISIBILITIES.includes(visibility as StatusVisibility)) throw new ValidationError('Validation failed: Visibility is invalid')
    chosen = visibility as StatusVisibility
  }
  if (original.visibility === 'private') chosen = 'private'
  if (original.visibility === 'local') chosen = 'local'
  return ctx.db.transaction(async (tx) => {
    const id = newId()
    const [row] = await tx.insert(statuses).values({
      id,
      accountId,
      reblogOfId: original.id,
      visibility: chosen,
      conversationId: original.conversationId,
      local: true,
      uri: `${statusUri(ctx.config.baseUrl, username, id)}/activity`,
      url: statusUrl(ctx.config.baseUrl, username, id),
    }).onConflictDoNothing().returning()
    if (!row) {
      const [existing] = await tx.select().from(statuses).where(and(eq(statuses.reblogOfId, original.id), eq(statuses.accountId, accountId))).limit(1)
      return existing
    }
    await bumpStatusCounter(tx, original.id, 'reblogsCount', 1)
    // how many follow the reblogger decides how its feed entries are written: read by the counter's update when it runs
    const [reblogger] = countsPublicly(chosen)
      ? await authorStatusesUpdate(tx, accountId, 1, true).returning({ followersCount: accounts.followersCount })
      : await tx.select({ followersCount: accounts.followersCount }).from(accounts).where(eq(accounts.id, accountId))
    await distributeNewStatus(tx, row, [], undefined, homeFanOutFor(ctx, reblogger?.followersCount ?? 0))
    await notify(tx, { type: 'reblog', accountId: original.accountId, fromAccountId: accountId, statusId: original.id })
    await announce(ctx, tx, 'announce', row, original)
    return row
  })
}

/** Undoes a reblog; the original is returned (as Mastodon does) even if there was nothing to undo. */
export async function unreblogStatus(ctx: Ctx, accountId: string, id: string): Promise<StatusRow> {
  const original = await target(ctx, accountId, id)
  await ctx.db.transaction(async (tx) => {
    const [reblog] = await tx.select({ id: statuses.id }).from(statuses)
      .where(and(eq(statuses.reblogOfId, original.id), eq(statuses.accountId, accountId))).limit(1)
    if (!reblog) return
    const [row] = await tx.select().from(statuses).where(eq(statuses.id, reblog.id)).limit(1)
    await announce(ctx, tx, 'announce.undo', row, original)
    if (await removeStatus(tx, reblog.id)) {
      await withdrawNotifications(tx, { type: 'reblog', fromAccountId: accountId, statusId: original.id })
    }
  })
  return reloaded(ctx, accountId, original.id)
}

/** The Like id of a favourite, on the favouriting account's actor. */
export const likeUri = (baseUrl: string, username: string, favouriteId: string) =>
  new URL(`/users/${username}#likes/${favouriteId}`, baseUrl).href

/** A local account's favourite of a remote status is told to the status's author. */
async function like(ctx: Ctx, tx: DbLike, type: 'like' | 'like.undo', accountId: string, status: StatusRow, favouriteId: string) {
  if (status.local) return
  const [liker] = await tx.select({ username: accounts.username, domain: accounts.domain }).from(accounts).where(eq(accounts.id, accountId)).limit(1)
  if (!liker || liker.domain) return
  await enqueuePublish(ctx, tx, { type, accountId, statusId: status.id, likeUri: likeUri(ctx.config.baseUrl, liker.username, favouriteId) })
}

/** A local account's reblog that leaves the instance (public or unlisted) is announced; its removal is undone. */
async function announce(ctx: Ctx, tx: DbLike, type: 'announce' | 'announce.undo', reblog: StatusRow | undefined, original: StatusRow) {
  if (!reblog?.local || !reblog.uri || !original.uri || !['public', 'unlisted'].includes(reblog.visibility)) return
  await enqueuePublish(ctx, tx, {
    type, accountId: reblog.accountId, uri: reblog.uri, visibility: reblog.visibility, originalUri: original.uri, originalAuthorId: original.accountId,
  })
}

export async function favouriteStatus(ctx: Ctx, accountId: string, id: string): Promise<StatusRow> {
  const status = await target(ctx, accountId, id)
  await ctx.db.transaction(async (tx) => {
    const [added] = await tx.insert(favourites).values({ accountId, statusId: status.id }).onConflictDoNothing().returning({ id: favourites.id })
    if (!added) return
    await bumpStatusCounter(tx, status.id, 'favouritesCount', 1)
    await notify(tx, { type: 'favourite', accountId: status.accountId, fromAccountId: accountId, statusId: status.id })
    await like(ctx, tx, 'like', accountId, status, added.id)
  })
  return reloaded(ctx, accountId, status.id)
}

export async function unfavouriteStatus(ctx: Ctx, accountId: string, id: string): Promise<StatusRow> {
  const status = await target(ctx, accountId, id)
  await ctx.db.transaction(async (tx) => {
    const [gone] = await tx.delete(favourites).where(and(eq(favourites.accountId, accountId), eq(favourites.statusId, status.id))).returning({ id: favourites.id })
    if (!gone) return
    await bumpStatusCounter(tx, status.id, 'favouritesCount', -1)
    await withdrawNotifications(tx, { type: 'favourite', fromAccountId: accountId, statusId: status.id })
    await like(ctx, tx, 'like.undo', accountId, status, gone.id)
  })
  return reloaded(ctx, accountId, status.id)
}

/**
 * Bookmarks a status; with `folderId` (one of the account's bookmark folders) it is filed there, or moved there when
 * already bookmarked. Without it an existing bookmark stays where it is.
 */
export async function bookmarkStatus(ctx: Ctx, accountId: string, id: string, folderId?: unknown): Promise<StatusRow> {
  const status = await target(ctx, accountId, id)
  const folder = isGiven(folderId) ? await getOwnFolder(ctx, accountId, folderId) : null
  const insert = ctx.db.insert(bookmarks).values({ accountId, statusId: status.id, folderId: folder?.id ?? null })
  await (folder
    ? insert.onConflictDoUpdate({ target: [bookmarks.accountId, bookmarks.statusId], set: { folderId: folder.id } })
    : insert.onConflictDoNothing())
  return status
}

export async function unbookmarkStatus(ctx: Ctx, accountId: string, id: string): Promise<StatusRow> {
  const status = await target(ctx, accountId, id)
  await ctx.db.delete(bookmarks).where(and(eq(bookmarks.accountId, accountId), eq(bookmarks.statusId, status.id)))
  return status
}

/** Pins one of the account's own statuses to its profile: not reblogs, not direct ones, and at most the configured number. */
export async function pinStatus(ctx: Ctx, accountId: string, id: string): Promise<StatusRow> {
  const status = await getVisibleStatus(ctx, accountId, id)
  if (status.accountId !== accountId || status.reblogOfId) throw new ValidationError('Validation failed: You can only pin your own posts')
  if (status.visibility === 'direct') throw new ValidationError('Validation failed: Direct posts cannot be pinned')
  const max = ctx.config.limits.maxPinnedStatuses
  await ctx.db.transaction(async (tx) => {
    await lockPins(tx, accountId)
    const [{ n }] = await tx.select({ n: count() }).from(statusPins).where(eq(statusPins.accountId, accountId))
    const [already] = await tx.select({ id: statusPins.id }).from(statusPins)
      .where(and(eq(statusPins.accountId, accountId), eq(statusPins.statusId, status.id))).limit(1)
    if (already) return
    if (n >= max) throw new ValidationError(`Validation failed: You have already pinned the maximum number of posts (${max})`)
    const [added] = await tx.insert(statusPins).values({ accountId, statusId: status.id }).onConflictDoNothing().returning({ id: statusPins.id })
    if (added && offeredAsFeatured(status)) await enqueuePublish(ctx, tx, { type: 'pin', accountId, statusId: status.id })
  })
  return status
}

/** Pins in the `featured` collection other servers read: of local public and unlisted statuses. */
const offeredAsFeatured = (status: StatusRow) => status.local && (status.visibility === 'public' || status.visibility === 'unlisted')

/** How many pins of a remote account are kept, as Mastodon reads at most this many from a featured collection. */
export const MAX_REMOTE_PINS = 20

/**
 * A remote account's pins, as its server says (an Add or Remove on its featured collection, or the whole collection):
 * only its own statuses. `replace` makes `statusIds` the whole set.
 */
export async function setRemotePins(ctx: Ctx, accountId: string, change: { add?: string[]; remove?: string[]; replace?: boolean }): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    await lockPins(tx, accountId)
    if (change.replace) await tx.delete(statusPins).where(eq(statusPins.accountId, accountId))
    if (change.remove?.length) await tx.delete(statusPins).where(and(eq(statusPins.accountId, accountId), inArray(statusPins.statusId, change.remove)))
    const add = change.add?.length
      ? await tx.select({ id: statuses.id }).from(statuses)
        .where(and(inArray(statuses.id, change.add.slice(0, MAX_REMOTE_PINS)), eq(statuses.accountId, accountId), isNull(statuses.reblogOfId)))
      : []
    if (add.length) await tx.insert(statusPins).values(add.map((s) => ({ accountId, statusId: s.id }))).onConflictDoNothing()
  })
}

/** Serializes pin counting per account, so concurrent pins cannot pass the limit together. */
async function lockPins(tx: DbLike, accountId: string) {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`pins:${accountId}`}))`)
}

export async function unpinStatus(ctx: Ctx, accountId: string, id: string): Promise<StatusRow> {
  const status = await getVisibleStatus(ctx, accountId, id)
  if (status.accountId !== accountId) throw new NotFoundError()
  await ctx.db.transaction(async (tx) => {
    const [removed] = await tx.delete(statusPins).where(and(eq(statusPins.accountId, accountId), eq(statusPins.statusId, status.id)))
      .returning({ id: statusPins.id })
    if (removed && offeredAsFeatured(status)) await enqueuePublish(ctx, tx, { type: 'pin.undo', accountId, statusId: status.id })
  })
  return status
}

/** Mutes (or unmutes) the thread of a status the account may see: no more notifications from it. */
export async function muteThread(ctx: Ctx, accountId: string, id: string, mute: boolean): Promise<StatusRow> {
  const status = await target(ctx, accountId, id)
  if (!status.conversationId) return status
  if (mute) await ctx.db.insert(conversationMutes).values({ accountId, conversationId: status.conversationId }).onConflictDoNothing()
  else await ctx.db.delete(conversationMutes).where(and(eq(conversationMutes.accountId, accountId), eq(conversationMutes.conversationId, status.conversationId)))
  return status
}

/** The status after the change, with fresh counters. */
const reloaded = (ctx: Ctx, accountId: string, id: string) => getVisibleStatus(ctx, accountId, id)

/**
 * A remote account's reblog (an Announce whose id is `uri`) of a status it may see: public and unlisted statuses
 * only. It enters the home feeds of the booster's local followers and notifies a local original author. Null when
 * refused; an Announce seen before answers with its reblog.
 */
export async function receiveRemoteReblog(
  ctx: Ctx, accountId: string, originalId: string, uri: string, visibility: 'public' | 'unlisted',
): Promise<StatusRow | null> {
  const original = await target(ctx, accountId, originalId)
  if (original.visibility !== 'public' && original.visibility !== 'unlisted') return null
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx.insert(statuses).values({
      id: newId(), accountId, reblogOfId: original.id, visibility, conversationId: original.conversationId, local: false, uri,
    }).onConflictDoNothing().returning()
    if (!row) {
      const [existing] = await tx.select().from(statuses).where(and(eq(statuses.reblogOfId, original.id), eq(statuses.accountId, accountId))).limit(1)
      return existing ?? null
    }
    await bumpStatusCounter(tx, original.id, 'reblogsCount', 1)
    await distributeNewStatus(tx, row, [])
    await notify(tx, { type: 'reblog', accountId: original.accountId, fromAccountId: accountId, statusId: original.id })
    return row
  })
}

/** Takes back a remote account's reblog, by the Announce's id; only that account's. */
export async function removeRemoteReblog(ctx: Ctx, accountId: string, uri: string): Promise<boolean> {
  return ctx.db.transaction(async (tx) => {
    const [reblog] = await tx.select().from(statuses)
      .where(and(eq(statuses.uri, uri), eq(statuses.accountId, accountId), eq(statuses.local, false))).limit(1)
    if (!reblog?.reblogOfId || !(await removeStatus(tx, reblog.id))) return false
    await withdrawNotifications(tx, { type: 'reblog', fromAccountId: accountId, statusId: reblog.reblogOfId })
    return true
  })
}
