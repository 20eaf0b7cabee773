import { sql } from 'drizzle-orm'
import { boolean, index, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core'
import { accounts } from './accounts'
import { createdAt, flakeId, primaryId, timestampTz, updatedAt } from './columns'
import { conversations, statuses } from './statuses'

const accountRef = (name: string) => flakeId(name).notNull().references(() => accounts.id, { onDelete: 'cascade' })

export type RepliesPolicy = 'followed' | 'list' | 'none'

export const lists = pgTable('lists', {
  id: primaryId(),
  accountId: accountRef('account_id'),
  title: text('title').notNull(),
  repliesPolicy: text('replies_policy').$type<RepliesPolicy>().notNull().default('list'),
  /** members' posts are left out of the home timeline */
  exclusive: boolean('exclusive').notNull().default(false),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [index('lists_account_idx').on(t.accountId)])

export const listAccounts = pgTable('list_accounts', {
  listId: flakeId('list_id').notNull().references(() => lists.id, { onDelete: 'cascade' }),
  accountId: accountRef('account_id'),
  createdAt: createdAt(),
}, (t) => [primaryKey({ columns: [t.listId, t.accountId] }), index('list_accounts_account_idx').on(t.accountId)])

export type FilterContext = 'home' | 'notifications' | 'public' | 'thread' | 'account'

/** A v2 filter; a v1 filter is a v2 filter with exactly one keyword. */
export const filters = pgTable('filters', {
  id: primaryId(),
  accountId: accountRef('account_id'),
  title: text('title').notNull(),
  context: jsonb('context').$type<FilterContext[]>().notNull().default([]),
  action: text('action').$type<'warn' | 'hide' | 'blur'>().notNull().default('warn'),
  expiresAt: timestampTz('expires_at'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [index('filters_account_idx').on(t.accountId)])

export const filterKeywords = pgTable('filter_keywords', {
  id: primaryId(),
  filterId: flakeId('filter_id').notNull().references(() => filters.id, { onDelete: 'cascade' }),
  keyword: text('keyword').notNull(),
  wholeWord: boolean('whole_word').notNull().default(true),
  createdAt: createdAt(),
}, (t) => [index('filter_keywords_filter_idx').on(t.filterId)])

export const filterStatuses = pgTable('filter_statuses', {
  id: primaryId(),
  filterId: flakeId('filter_id').notNull().references(() => filters.id, { onDelete: 'cascade' }),
  statusId: flakeId('status_id').notNull().references(() => statuses.id, { onDelete: 'cascade' }),
  createdAt: createdAt(),
}, (t) => [uniqueIndex('filter_statuses_uniq').on(t.filterId, t.statusId)])

/**
 * One user's view of a direct thread (Mastodon `/api/v1/conversations`, Pleroma participations): its id is the
 * Conversation entity's id; recipients are fixed when it is created.
 */
export const conversationParticipations = pgTable('conversation_participations', {
  id: primaryId(),
  accountId: accountRef('account_id'),
  conversationId: flakeId('conversation_id').notNull().references(() => conversations.id, { onDelete: 'cascade' }),
  lastStatusId: flakeId('last_status_id').references(() => statuses.id, { onDelete: 'set null' }),
  unread: boolean('unread').notNull().default(true),
  /** hidden with DELETE; a new status in the thread brings it back */
  hidden: boolean('hidden').notNull().default(false),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [
  uniqueIndex('conversation_participations_uniq').on(t.accountId, t.conversationId),
  index('conversation_participations_account_idx').on(t.accountId, t.lastStatusId).where(sql`not ${t.hidden}`),
])

export const conversationRecipients = pgTable('conversation_recipients', {
  participationId: flakeId('participation_id').notNull().references(() => conversationParticipations.id, { onDelete: 'cascade' }),
  accountId: accountRef('account_id'),
}, (t) => [primaryKey({ columns: [t.participationId, t.accountId] })])
