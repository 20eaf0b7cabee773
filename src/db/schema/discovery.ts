import { boolean, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core'
import { accounts } from './accounts'
import { createdAt, flakeId, primaryId, timestampTz, updatedAt } from './columns'

const accountRef = (name: string) => flakeId(name).notNull().references(() => accounts.id, { onDelete: 'cascade' })

/** Announcements staff write for every user (Mastodon's announcements, Pleroma's admin announcements). */
export const announcements = pgTable('announcements', {
  id: primaryId(),
  /** the source as the admin wrote it */
  text: text('text').notNull(),
  /** the rendered HTML */
  content: text('content').notNull(),
  /** accounts mentioned in the text, in order */
  mentionIds: jsonb('mention_ids').$type<string[]>().notNull().default([]),
  /** hashtags in the text, lower-cased */
  tags: jsonb('tags').$type<string[]>().notNull().default([]),
  startsAt: timestampTz('starts_at'),
  endsAt: timestampTz('ends_at'),
  allDay: boolean('all_day').notNull().default(false),
  /** null while a draft */
  publishedAt: timestampTz('published_at'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [index('announcements_published_idx').on(t.publishedAt)])

export type AnnouncementRow = typeof announcements.$inferSelect

/** Announcements a user marked as read. */
export const announcementDismissals = pgTable('announcement_dismissals', {
  announcementId: flakeId('announcement_id').notNull().references(() => announcements.id, { onDelete: 'cascade' }),
  accountId: accountRef('account_id'),
  createdAt: createdAt(),
}, (t) => [primaryKey({ columns: [t.announcementId, t.accountId] })])

/** One user's reaction to an announcement: a unicode emoji, or a local custom emoji's shortcode with its image. */
export const announcementReactions = pgTable('announcement_reactions', {
  id: primaryId(),
  announcementId: flakeId('announcement_id').notNull().references(() => announcements.id, { onDelete: 'cascade' }),
  accountId: accountRef('account_id'),
  name: text('name').notNull(),
  emojiUrl: text('emoji_url'),
  createdAt: createdAt(),
}, (t) => [uniqueIndex('announcement_reactions_uniq').on(t.announcementId, t.accountId, t.name)])

/** Accounts a user asked not to be suggested again. */
export const suggestionDismissals = pgTable('suggestion_dismissals', {
  accountId: accountRef('account_id'),
  targetAccountId: accountRef('target_account_id'),
  createdAt: createdAt(),
}, (t) => [primaryKey({ columns: [t.accountId, t.targetAccountId] })])

/** The instance's rules as admins edit them through the API; the configured `instance.rules` apply while there are none. */
export const instanceRules = pgTable('instance_rules', {
  id: primaryId(),
  text: text('text').notNull(),
  hint: text('hint').notNull().default(''),
  priority: integer('priority').notNull().default(0),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
})
