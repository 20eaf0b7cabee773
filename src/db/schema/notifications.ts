import { sql } from 'drizzle-orm'
import { bigint, boolean, index, integer, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core'
import { accounts } from './accounts'
import { chatMessages } from './chats'
import { createdAt, flakeId, primaryId, updatedAt } from './columns'
import { statuses } from './statuses'

export type NotificationType =
  | 'mention' | 'status' | 'reblog' | 'favourite' | 'follow' | 'follow_request' | 'poll' | 'update' | 'move'
  | 'pleroma:emoji_reaction' | 'pleroma:report' | 'pleroma:chat_mention' | 'admin.sign_up' | 'admin.report'

export const notifications = pgTable('notifications', {
  id: primaryId(),
  /** Integer position, the id of the v2 (grouped) API: Mastodon clients parse notification ids there as integers. */
  seq: bigint('seq', { mode: 'number' }).notNull().generatedAlwaysAsIdentity(),
  /** the recipient */
  accountId: flakeId('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  /** who caused it */
  fromAccountId: flakeId('from_account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  type: text('type').$type<NotificationType>().notNull(),
  statusId: flakeId('status_id').references(() => statuses.id, { onDelete: 'cascade' }),
  /** `move`: the new account */
  targetAccountId: flakeId('target_account_id').references(() => accounts.id, { onDelete: 'cascade' }),
  reportId: flakeId('report_id'),
  /** `pleroma:emoji_reaction`: the emoji (unicode or shortcode) and, for custom ones, its image */
  emoji: text('emoji'),
  emojiUrl: text('emoji_url'),
  /** `pleroma:chat_mention`: the message */
  chatMessageId: flakeId('chat_message_id').references(() => chatMessages.id, { onDelete: 'cascade' }),
  seen: boolean('seen').notNull().default(false),
  /** Groupable types (favourite, reblog, follow): `<type>[-<status>]-<12-hour bucket>`, as Mastodon; null otherwise. */
  groupKey: text('group_key'),
  /** Held back by the recipient's notification policy, waiting in a notification request. */
  filtered: boolean('filtered').notNull().default(false),
  createdAt: createdAt(),
}, (t) => [
  uniqueIndex('notifications_seq_uniq').on(t.seq),
  index('notifications_account_seq_idx').on(t.accountId, t.seq),
  index('notifications_group_idx').on(t.accountId, t.groupKey, t.seq).where(sql`${t.groupKey} is not null`),
  index('notifications_account_idx').on(t.accountId, t.id),
  index('notifications_unseen_idx').on(t.accountId, t.id).where(sql`not ${t.seen}`),
  index('notifications_status_idx').on(t.statusId).where(sql`${t.statusId} is not null`),
  index('notifications_from_idx').on(t.fromAccountId),
])

export type NotificationRow = typeof notifications.$inferSelect

export type PolicyValue = 'accept' | 'filter' | 'drop'

/** Mastodon's notification policy; an account without a row has the defaults. */
export const notificationPolicies = pgTable('notification_policies', {
  accountId: flakeId('account_id').primaryKey().references(() => accounts.id, { onDelete: 'cascade' }),
  forNotFollowing: text('for_not_following').$type<PolicyValue>().notNull().default('accept'),
  forNotFollowers: text('for_not_followers').$type<PolicyValue>().notNull().default('accept'),
  forNewAccounts: text('for_new_accounts').$type<PolicyValue>().notNull().default('accept'),
  forPrivateMentions: text('for_private_mentions').$type<PolicyValue>().notNull().default('accept'),
  forLimitedAccounts: text('for_limited_accounts').$type<PolicyValue>().notNull().default('filter'),
  updatedAt: updatedAt(),
})

/** Filtered notifications from one sender, waiting for the recipient to accept or dismiss them. */
export const notificationRequests = pgTable('notification_requests', {
  id: primaryId(),
  accountId: flakeId('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  fromAccountId: flakeId('from_account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  lastStatusId: flakeId('last_status_id').references(() => statuses.id, { onDelete: 'set null' }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [
  uniqueIndex('notification_requests_pair_uniq').on(t.accountId, t.fromAccountId),
  index('notification_requests_account_idx').on(t.accountId, t.id),
])

export type NotificationRequestRow = typeof notificationRequests.$inferSelect

/** Senders whose notifications an account accepted: never filtered again. */
export const notificationPermissions = pgTable('notification_permissions', {
  accountId: flakeId('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  fromAccountId: flakeId('from_account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  createdAt: createdAt(),
}, (t) => [primaryKey({ columns: [t.accountId, t.fromAccountId] })])

/** Reading positions (`/api/v1/markers`): `home` and `notifications`. */
export const markers = pgTable('markers', {
  accountId: flakeId('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  timeline: text('timeline').notNull(),
  lastReadId: text('last_read_id').notNull(),
  version: integer('version').notNull().default(0),
  updatedAt: updatedAt(),
}, (t) => [primaryKey({ columns: [t.accountId, t.timeline] })])
