import { sql } from 'drizzle-orm'
import { index, jsonb, pgTable, uniqueIndex } from 'drizzle-orm/pg-core'
import { accounts } from './accounts'
import { createdAt, flakeId, primaryId, timestampTz } from './columns'
import { oauthApps } from './oauth'

/** Statuses to be posted later (`scheduled_at`); a durable job posts each when due. */
export const scheduledStatuses = pgTable('scheduled_statuses', {
  id: primaryId(),
  accountId: flakeId('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  appId: flakeId('app_id').references(() => oauthApps.id, { onDelete: 'set null' }),
  scheduledAt: timestampTz('scheduled_at').notNull(),
  /** the posting parameters, as Mastodon's ScheduledStatus `params` */
  params: jsonb('params').$type<Record<string, unknown>>().notNull(),
  createdAt: createdAt(),
}, (t) => [index('scheduled_statuses_due_idx').on(t.scheduledAt), index('scheduled_statuses_account_idx').on(t.accountId, t.id)])

/**
 * Each local user's home feed: ids of statuses written into it when posted (by the author's followers' fan-out)
 * or followed. A superset: reads still apply the visibility rule, mutes and blocks. Only recent statuses are kept
 * (older pages are read from the follow graph directly).
 */
export const homeFeedEntries = pgTable('home_feed_entries', {
  // No foreign keys: checking two per row was a quarter of a post's fan-out. Deleting a status or an account deletes
  // its entries by trigger (migration home_feed_without_foreign_keys); an entry that a concurrent delete leaves behind
  // is never shown (reads join the status) and goes with the trimming of old entries.
  accountId: flakeId('account_id').notNull(),
  // No author column or index: unfollowing finds the author's entries through their statuses (`removeFromHomeFeed`),
  // and every post's fan-out paid for that index in each follower's entry.
  statusId: flakeId('status_id').notNull(),
  /** for reblogs: the original, so one reblog per original shows */
  reblogOfId: flakeId('reblog_of_id'),
}, (t) => [
  uniqueIndex('home_feed_entries_pk').on(t.accountId, t.statusId),
  /** for deleting a status's entries and trimming old ones */
  index('home_feed_entries_status_idx').on(t.statusId),
  index('home_feed_entries_reblog_idx').on(t.accountId, t.reblogOfId).where(sql`${t.reblogOfId} is not null`),
])
