import { sql } from 'drizzle-orm'
import { bigint, boolean, index, integer, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core'
import { accounts } from './accounts'
import { createdAt, flakeId, primaryId, updatedAt } from './columns'
import { statuses } from './statuses'

export type NotificationType =
  | 'mention' | 'status' | 'reblog' | 'favourite' | 'follow' | 'follow_request' | 'poll' | 'update' | 'move'
  | 'pleroma:emoji_reaction' | 'pleroma:report' | 'admin.sign_up' | 'admin.report'

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
  seen: boolean('seen').notNull().default(false),
  createdAt: createdAt(),
}, (t) => [
  uniqueIndex('notifications_seq_uniq').on(t.seq),
  index('notifications_account_seq_idx').on(t.accountId, t.seq.desc()),
  index('notifications_account_idx').on(t.accountId, t.id.desc()),
  index('notifications_unseen_idx').on(t.accountId, t.id).where(sql`not ${t.seen}`),
  index('notifications_status_idx').on(t.statusId).where(sql`${t.statusId} is not null`),
  index('notifications_from_idx').on(t.fromAccountId),
])

export type NotificationRow = typeof notifications.$inferSelect

/** Reading positions (`/api/v1/markers`): `home` and `notifications`. */
export const markers = pgTable('markers', {
  accountId: flakeId('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  timeline: text('timeline').notNull(),
  lastReadId: text('last_read_id').notNull(),
  version: integer('version').notNull().default(0),
  updatedAt: updatedAt(),
}, (t) => [primaryKey({ columns: [t.accountId, t.timeline] })])
