import { boolean, index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core'
import { accounts } from './accounts'
import { createdAt, flakeId, primaryId, timestampTz, updatedAt } from './columns'
import { oauthApps } from './oauth'
import { users } from './users'

export type ReportState = 'open' | 'resolved' | 'closed'

export const reports = pgTable('reports', {
  id: primaryId(),
  /** the reporter */
  accountId: flakeId('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  targetAccountId: flakeId('target_account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  statusIds: jsonb('status_ids').$type<string[]>().notNull().default([]),
  ruleIds: jsonb('rule_ids').$type<string[]>().notNull().default([]),
  comment: text('comment').notNull().default(''),
  category: text('category').notNull().default('other'),
  forward: boolean('forward').notNull().default(false),
  state: text('state').$type<ReportState>().notNull().default('open'),
  assignedAccountId: flakeId('assigned_account_id').references(() => accounts.id, { onDelete: 'set null' }),
  actionTakenByAccountId: flakeId('action_taken_by_account_id').references(() => accounts.id, { onDelete: 'set null' }),
  actionTakenAt: timestampTz('action_taken_at'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [
  index('reports_state_idx').on(t.state, t.id),
  index('reports_account_idx').on(t.accountId, t.id),
  index('reports_target_idx').on(t.targetAccountId),
])

export type ReportRow = typeof reports.$inferSelect

export const reportNotes = pgTable('report_notes', {
  id: primaryId(),
  reportId: flakeId('report_id').notNull().references(() => reports.id, { onDelete: 'cascade' }),
  accountId: flakeId('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  content: text('content').notNull(),
  createdAt: createdAt(),
}, (t) => [index('report_notes_report_idx').on(t.reportId, t.id)])

/** The second step of a login with MFA: the `mfa_token` a client answers with a TOTP or backup code. Stored hashed. */
export const mfaChallenges = pgTable('mfa_challenges', {
  id: primaryId(),
  tokenHash: text('token_hash').notNull(),
  userId: flakeId('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  appId: flakeId('app_id').references(() => oauthApps.id, { onDelete: 'cascade' }),
  scopes: text('scopes').notNull(),
  redirectUri: text('redirect_uri'),
  /** authorization_code flow state to resume after the challenge */
  state: jsonb('state').$type<Record<string, unknown>>().notNull().default({}),
  attempts: integer('attempts').notNull().default(0),
  expiresAt: timestampTz('expires_at').notNull(),
  usedAt: timestampTz('used_at'),
  createdAt: createdAt(),
}, (t) => [uniqueIndex('mfa_challenges_token_uniq').on(t.tokenHash)])

export type EmailTokenKind = 'confirm' | 'password_reset' | 'change_email'

/** Single-use links sent by e-mail (confirmation, password reset). Stored hashed. */
export const emailTokens = pgTable('email_tokens', {
  id: primaryId(),
  userId: flakeId('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  kind: text('kind').$type<EmailTokenKind>().notNull(),
  tokenHash: text('token_hash').notNull(),
  email: text('email'),
  expiresAt: timestampTz('expires_at').notNull(),
  usedAt: timestampTz('used_at'),
  createdAt: createdAt(),
}, (t) => [uniqueIndex('email_tokens_hash_uniq').on(t.tokenHash), index('email_tokens_user_idx').on(t.userId, t.kind)])

/** Fixed-window request counters shared by every server process (rate limits). */
export const rateLimitCounters = pgTable('rate_limit_counters', {
  key: text('key').primaryKey(),
  count: integer('count').notNull().default(0),
  resetAt: timestampTz('reset_at').notNull(),
}, (t) => [index('rate_limit_counters_reset_idx').on(t.resetAt)])
