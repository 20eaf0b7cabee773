import { sql } from 'drizzle-orm'
import { boolean, index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core'
import { accounts } from './accounts'
import { createdAt, flakeId, primaryId, timestampTz } from './columns'

const accountRef = (name: string) => flakeId(name).notNull().references(() => accounts.id, { onDelete: 'cascade' })

/** An accepted follow. Pending ones live in `follow_requests`. */
export const follows = pgTable('follows', {
  id: primaryId(),
  accountId: accountRef('account_id'),
  targetAccountId: accountRef('target_account_id'),
  showReblogs: boolean('show_reblogs').notNull().default(true),
  notify: boolean('notify').notNull().default(false),
  languages: text('languages').array(),
  /** the Follow activity's id, for Accept, Reject and Undo to refer to */
  uri: text('uri'),
  createdAt: createdAt(),
}, (t) => [
  uniqueIndex('follows_pair_uniq').on(t.accountId, t.targetAccountId),
  index('follows_target_idx').on(t.targetAccountId, t.id),
  /** an account's subscribers (`notify`), read with every post: a few among all its followers */
  index('follows_subscribers_idx').on(t.targetAccountId).where(sql`${t.notify}`),
])

export const followRequests = pgTable('follow_requests', {
  id: primaryId(),
  accountId: accountRef('account_id'),
  targetAccountId: accountRef('target_account_id'),
  showReblogs: boolean('show_reblogs').notNull().default(true),
  notify: boolean('notify').notNull().default(false),
  languages: text('languages').array(),
  /** the Follow activity's id, for Accept, Reject and Undo to refer to */
  uri: text('uri'),
  createdAt: createdAt(),
}, (t) => [
  uniqueIndex('follow_requests_pair_uniq').on(t.accountId, t.targetAccountId),
  index('follow_requests_target_idx').on(t.targetAccountId, t.id),
])

export const blocks = pgTable('blocks', {
  id: primaryId(),
  accountId: accountRef('account_id'),
  targetAccountId: accountRef('target_account_id'),
  createdAt: createdAt(),
}, (t) => [
  uniqueIndex('blocks_pair_uniq').on(t.accountId, t.targetAccountId),
  index('blocks_target_idx').on(t.targetAccountId),
])

export const mutes = pgTable('mutes', {
  id: primaryId(),
  accountId: accountRef('account_id'),
  targetAccountId: accountRef('target_account_id'),
  hideNotifications: boolean('hide_notifications').notNull().default(true),
  expiresAt: timestampTz('expires_at'),
  createdAt: createdAt(),
}, (t) => [
  uniqueIndex('mutes_pair_uniq').on(t.accountId, t.targetAccountId),
  index('mutes_expires_idx').on(t.expiresAt).where(sql`${t.expiresAt} is not null`),
])

/** Domains a user hides entirely. */
export const accountDomainBlocks = pgTable('account_domain_blocks', {
  id: primaryId(),
  accountId: accountRef('account_id'),
  domain: text('domain').notNull(),
  createdAt: createdAt(),
}, (t) => [uniqueIndex('account_domain_blocks_uniq').on(t.accountId, t.domain)])

/** A private note one account keeps about another (Relationship `note`). */
export const accountNotes = pgTable('account_notes', {
  id: primaryId(),
  accountId: accountRef('account_id'),
  targetAccountId: accountRef('target_account_id'),
  comment: text('comment').notNull().default(''),
  createdAt: createdAt(),
}, (t) => [uniqueIndex('account_notes_pair_uniq').on(t.accountId, t.targetAccountId)])

/** Accounts featured on a profile (Mastodon endorsements, Pleroma `endorsed`). */
export const endorsements = pgTable('endorsements', {
  id: primaryId(),
  accountId: accountRef('account_id'),
  targetAccountId: accountRef('target_account_id'),
  createdAt: createdAt(),
}, (t) => [
  uniqueIndex('endorsements_pair_uniq').on(t.accountId, t.targetAccountId),
  index('endorsements_account_idx').on(t.accountId, t.id),
])
