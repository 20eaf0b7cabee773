import { index, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core'
import { accounts } from './accounts'
import { createdAt, flakeId, primaryId, updatedAt } from './columns'

/** What staff did, for Pleroma's moderation log. `actor_account_id` is null for actions taken on the command line. */
export const moderationLog = pgTable('moderation_log', {
  id: primaryId(),
  actorAccountId: flakeId('actor_account_id').references(() => accounts.id, { onDelete: 'set null' }),
  action: text('action').notNull(),
  /** Pleroma's log entry data: actor, subject, and the action's own fields */
  data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
  /** the human-readable line, written when the action happened (names may change later) */
  message: text('message').notNull(),
  createdAt: createdAt(),
}, (t) => [
  index('moderation_log_actor_idx').on(t.actorAccountId, t.id),
])

export type ModerationLogRow = typeof moderationLog.$inferSelect

/** Admin-edited HTML pages Pleroma serves as files: `instance-panel` and `terms-of-service`. */
export const instanceDocuments = pgTable('instance_documents', {
  name: text('name').primaryKey(),
  content: text('content').notNull(),
  updatedAt: updatedAt(),
})

/** Which installed frontend is served where (`primary` at `/`, `admin` at `/pleroma/admin`), shared by every process. */
export const instanceFrontends = pgTable('instance_frontends', {
  role: text('role').$type<'primary' | 'admin'>().primaryKey(),
  name: text('name').notNull(),
  ref: text('ref').notNull(),
  updatedAt: updatedAt(),
})

/**
 * Settings an admin changed through Pleroma's config API (`group` `:pleroma`, `key` `:mrf_simple` and the like),
 * as `{subkey: value}` in Rookery's own terms. They override the configuration file's values for the same subkeys;
 * every change notifies the other processes (LISTEN rookery_config), which reload them.
 */
export const adminSettings = pgTable('admin_settings', {
  group: text('group').notNull(),
  key: text('key').notNull(),
  value: jsonb('value').$type<Record<string, unknown>>().notNull(),
  updatedAt: updatedAt(),
}, (t) => [primaryKey({ columns: [t.group, t.key] })])

export type AdminSettingRow = typeof adminSettings.$inferSelect
