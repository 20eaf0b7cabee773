import { and, asc, eq, isNotNull, isNull, or, sql } from 'drizzle-orm'
import type { DbLike } from '../../db/client'
import { uuidParam } from '../../db/sql'
import {
  accountDomainBlocks, accountNotes, accounts, blocks, bookmarks, conversationMutes, conversationParticipations, endorsements,
  favourites, filters, followRequests, follows, homeFeedEntries, listAccounts, lists, markers, mediaAttachments, mutes, notifications,
  scheduledStatuses, statusPins, statusReactions, statuses, users,
} from '../../db/schema'
import type { Ctx } from '../context'
import { relatedInboxes } from '../federation/actors'
import { enqueuePublish } from '../federation/publish'
import type { Jobs } from '../jobs'
import { accountMediaKeys } from '../media/prune'
import { mediaStorage } from '../media/storage'
import { removeStatus } from '../statuses/delete-status'
import { confirmCurrentPassword } from './current-password'

export const ACCOUNT_PURGE_QUEUE = 'accounts.purge'
const PURGE_BATCH = 100

/** `POST /api/pleroma/delete_account`: the user deletes their own account after typing their password. */
export async function deleteOwnAccount(ctx: Ctx, userId: string, password: unknown): Promise<void> {
  const { account } = await confirmCurrentPassword(ctx, userId, password)
  await deleteLocalAccount(ctx, account.id)
}

/**
 * Deletes a local account the way Mastodon does: at once it becomes a tombstone (marked deleted and suspended, so
 * neither the profile nor any status shows anywhere, its nickname stays taken), its login goes (the user row, with
 * every token, code and MFA setting) and its relationships are undone with the counters they moved. Its statuses,
 * favourites and other content are then removed by `purgeAccountContent`, through the job queue when there is one.
 * Returns false if the account was already deleted.
 */
export async function deleteLocalAccount(ctx: Ctx, accountId: string): Promise<boolean> {
  // Files are listed before the profile is blanked and removed once the deletion is committed: nobody can see the
  // statuses that still point at them, and the purge drops those rows.
  const files = await accountMediaKeys(ctx, [accountId])
  // Read before the transaction (PGlite has one connection) and before the follows go: who must hear of the Delete.
  const inboxes = await relatedInboxes(ctx, accountId)
  const deleted = await ctx.db.transaction(async (tx) => {
    const [tombstone] = await tx.update(accounts).set({
      deletedAt: sql`now()` as unknown as Date,
      suspendedAt: sql`coalesce(${accounts.suspendedAt}, now())` as unknown as Date,
      displayName: '',
      note: '',
      noteSource: '',
      fields: [],
      avatarUrl: null,
      headerUrl: null,
      backgroundUrl: null,
      alsoKnownAs: [],
      locked: false,
      discoverable: false,
      indexable: false,
      updatedAt: sql`now()` as unknown as Date,
    }).where(and(eq(accounts.id, accountId), isNull(accounts.domain), isNull(accounts.deletedAt))).returning({ id: accounts.id, username: accounts.username })
    if (!tombstone) return false
    await tx.delete(users).where(eq(users.accountId, accountId))
    await removeRelationships(tx, accountId)
    if (inboxes.length) await enqueuePublish(ctx, tx, { type: 'actor.delete', accountId, username: tombstone.username, inboxes })
    if (ctx.jobs) await ctx.jobs.send(ACCOUNT_PURGE_QUEUE, { accountId }, { within: tx, singletonKey: accountId })
    return true
  })
  if (deleted) await deleteStoredFiles(ctx, files)
  if (deleted && !ctx.jobs) await purgeAccountContent(ctx, accountId)
  return deleted
}

/**
 * A remote account deleted by its own server (an actor's Delete of itself): marked deleted and suspended, its
 * relationships undone as for a local account, and its statuses purged. Returns false if it was already gone.
 */
export async function deleteRemoteAccount(ctx: Ctx, accountId: string): Promise<boolean> {
  const deleted = await ctx.db.transaction(async (tx) => {
    const [gone] = await tx.update(accounts).set({
      deletedAt: sql`now()` as unknown as Date,
      suspendedAt: sql`coalesce(${accounts.suspendedAt}, now())` as unknown as Date,
      updatedAt: sql`now()` as unknown as Date,
    }).where(and(eq(accounts.id, accountId), isNotNull(accounts.domain), isNull(accounts.deletedAt))).returning({ id: accounts.id })
    if (!gone) return false
    await removeRelationships(tx, accountId)
    await tx.delete(statusReactions).where(eq(statusReactions.accountId, accountId))
    if (ctx.jobs) await ctx.jobs.send(ACCOUNT_PURGE_QUEUE, { accountId }, { within: tx, singletonKey: accountId })
    return true
  })
  if (deleted && !ctx.jobs) await purgeAccountContent(ctx, accountId)
  return deleted
}

/** Follows both ways (with both sides' counters), requests, blocks, mutes, notes, lists, notifications and feeds. */
async function removeRelationships(tx: DbLike, accountId: string): Promise<void> {
  const id = uuidParam(accountId)
  await tx.execute(sql`with gone as (delete from ${follows} where account_id = ${id} returning target_account_id)
    update ${accounts} a set followers_count = greatest(a.followers_count - g.n, 0)
    from (select target_account_id, count(*)::int as n from gone group by target_account_id) g where a.id = g.target_account_id`)
  await tx.execute(sql`with gone as (delete from ${follows} where target_account_id = ${id} returning account_id)
    update ${accounts} a set following_count = greatest(a.following_count - g.n, 0)
    from (select account_id, count(*)::int as n from gone group by account_id) g where a.id = g.account_id`)
  await tx.update(accounts).set({ followersCount: 0, followingCount: 0 }).where(eq(accounts.id, accountId))
  await tx.delete(followRequests).where(or(eq(followRequests.accountId, accountId), eq(followRequests.targetAccountId, accountId)))
  await tx.delete(notifications).where(or(eq(notifications.accountId, accountId), eq(notifications.fromAccountId, accountId)))
  for (const table of [blocks, mutes, accountNotes, endorsements]) {
    await tx.delete(table).where(or(eq(table.accountId, accountId), eq(table.targetAccountId, accountId)))
  }
  for (const table of [accountDomainBlocks, lists, listAccounts, filters, markers, homeFeedEntries, conversationMutes, conversationParticipations, scheduledStatuses, bookmarks, statusPins]) {
    await tx.delete(table).where(eq(table.accountId, accountId))
  }
  await tx.execute(sql`with gone as (delete from ${favourites} where account_id = ${id} returning status_id)
    update ${statuses} s set favourites_count = greatest(s.favourites_count - g.n, 0)
    from (select status_id, count(*)::int as n from gone group by status_id) g where s.id = g.status_id`)
}

/**
 * Removes every status (and reblog) of a deleted account in small transactions, each through `removeStatus` so that
 * reblog, reply and author counters stay right. Safe to run again; does nothing for an account that is not deleted.
 */
export async function purgeAccountContent(ctx: Ctx, accountId: string): Promise<number> {
  const [account] = await ctx.db.select({ deletedAt: accounts.deletedAt }).from(accounts).where(eq(accounts.id, accountId)).limit(1)
  if (!account?.deletedAt) return 0
  let removed = 0
  for (;;) {
    const batch = await ctx.db.select({ id: statuses.id }).from(statuses)
      .where(eq(statuses.accountId, accountId)).orderBy(asc(statuses.id)).limit(PURGE_BATCH)
    if (!batch.length) break
    await ctx.db.transaction(async (tx) => {
      for (const { id } of batch) if (await removeStatus(tx, id)) removed++
    })
  }
  await ctx.db.update(accounts).set({ statusesCount: 0 }).where(eq(accounts.id, accountId))
  await deleteStoredFiles(ctx, await accountMediaKeys(ctx, [accountId]))
  await ctx.db.delete(mediaAttachments).where(eq(mediaAttachments.accountId, accountId))
  return removed
}

export async function registerAccountJobs(ctx: Ctx & { jobs: Jobs }): Promise<void> {
  await ctx.jobs.work<{ accountId: string }>(ACCOUNT_PURGE_QUEUE, async ({ accountId }) => {
    await purgeAccountContent(ctx, accountId)
  })
}

/** Removes stored files, logging (not failing on) the ones storage could not delete: the rows are what matter. */
async function deleteStoredFiles(ctx: Ctx, keys: string[]) {
  const storage = mediaStorage(ctx.config)
  for (const key of keys) {
    await storage.delete(key).catch((e: Error) => console.error(`[rookery] could not delete ${key}: ${e.message}`))
  }
}
