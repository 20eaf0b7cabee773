import { boolean, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core'
import { accounts } from './accounts'
import { citext, createdAt, flakeId, primaryId, timestampTz, updatedAt } from './columns'

export type Visibility = 'public' | 'unlisted' | 'private' | 'direct' | 'local'

/** Local login data and preferences of a local account. */
export const users = pgTable('users', {
  id: primaryId(),
  accountId: flakeId('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  email: citext('email').notNull(),
  passwordHash: text('password_hash').notNull(),
  isAdmin: boolean('is_admin').notNull().default(false),
  isModerator: boolean('is_moderator').notNull().default(false),
  /** false when an admin (or the user) deactivated the account */
  isActive: boolean('is_active').notNull().default(true),
  isApproved: boolean('is_approved').notNull().default(true),
  registrationReason: text('registration_reason'),
  confirmedAt: timestampTz('confirmed_at'),
  passwordResetPending: boolean('password_reset_pending').notNull().default(false),
  tags: jsonb('tags').$type<string[]>().notNull().default([]),
  locale: text('locale').notNull().default('en'),
  defaultVisibility: text('default_visibility').$type<Visibility>().notNull().default('public'),
  defaultSensitive: boolean('default_sensitive').notNull().default(false),
  defaultLanguage: text('default_language'),
  defaultContentType: text('default_content_type').notNull().default('text/plain'),
  showRole: boolean('show_role').notNull().default(true),
  noRichText: boolean('no_rich_text').notNull().default(false),
  allowFollowingMove: boolean('allow_following_move').notNull().default(true),
  acceptsChatMessages: boolean('accepts_chat_messages').notNull().default(true),
  skipThreadContainment: boolean('skip_thread_containment').notNull().default(false),
  settingsStore: jsonb('settings_store').$type<Record<string, unknown>>().notNull().default({}),
  /** Pleroma notification settings: `block_from_strangers`, `hide_notification_contents` */
  notificationSettings: jsonb('notification_settings').$type<{ block_from_strangers: boolean; hide_notification_contents: boolean }>()
    .notNull().default({ block_from_strangers: false, hide_notification_contents: false }),
  /** Pleroma mascot: a media attachment entity */
  mascot: jsonb('mascot').$type<Record<string, unknown> | null>(),
  /** confirmed TOTP secret; MFA is on when set */
  totpSecret: text('totp_secret'),
  /** secret being set up, until confirmed */
  pendingTotpSecret: text('pending_totp_secret'),
  /** sha256 hashes of unused backup codes */
  backupCodeHashes: jsonb('backup_code_hashes').$type<string[]>().notNull().default([]),
  /** new e-mail address awaiting confirmation */
  unconfirmedEmail: citext('unconfirmed_email'),
  inviteId: flakeId('invite_id'),
  signInCount: integer('sign_in_count').notNull().default(0),
  lastSignInAt: timestampTz('last_sign_in_at'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [
  uniqueIndex('users_account_id_uniq').on(t.accountId),
  uniqueIndex('users_email_uniq').on(t.email),
  index('users_created_at_idx').on(t.createdAt),
])

export type UserRow = typeof users.$inferSelect

/** Invitations for invite-only registration. */
export const invites = pgTable('invites', {
  id: primaryId(),
  token: text('token').notNull(),
  createdByUserId: flakeId('created_by_user_id').references(() => users.id, { onDelete: 'set null' }),
  /** null = unlimited */
  maxUse: integer('max_use'),
  uses: integer('uses').notNull().default(0),
  expiresAt: timestampTz('expires_at'),
  revokedAt: timestampTz('revoked_at'),
  createdAt: createdAt(),
}, (t) => [uniqueIndex('invites_token_uniq').on(t.token)])

export type InviteRow = typeof invites.$inferSelect

/** Issued captchas, each answerable once. */
export const captchas = pgTable('captchas', {
  token: text('token').primaryKey(),
  answerHash: text('answer_hash').notNull(),
  expiresAt: timestampTz('expires_at').notNull(),
  usedAt: timestampTz('used_at'),
})

export type BackupState = 'pending' | 'running' | 'complete' | 'failed'

/** Pleroma's account backups: a zip of the user's data, built by a job, kept for a week. */
export const userBackups = pgTable('user_backups', {
  id: primaryId(),
  userId: flakeId('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  contentType: text('content_type').notNull().default('application/zip'),
  /** storage key of the zip once built: unguessable, so its URL is only known to the owner */
  fileKey: text('file_key'),
  fileSize: integer('file_size').notNull().default(0),
  state: text('state').$type<BackupState>().notNull().default('pending'),
  /** statuses, likes, bookmarks and files written so far */
  processedNumber: integer('processed_number').notNull().default(0),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [
  index('user_backups_user_idx').on(t.userId, t.createdAt),
  index('user_backups_created_at_idx').on(t.createdAt),
])

export type UserBackupRow = typeof userBackups.$inferSelect

/** Akkoma's per-user frontend settings profiles (`/api/v1/akkoma/frontend_settings`), synced between a user's browsers. */
export const frontendSettingProfiles = pgTable('frontend_setting_profiles', {
  userId: flakeId('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  frontendName: text('frontend_name').notNull(),
  profileName: text('profile_name').notNull(),
  version: integer('version').notNull(),
  settings: jsonb('settings').$type<Record<string, unknown>>().notNull(),
  updatedAt: updatedAt(),
}, (t) => [primaryKey({ columns: [t.userId, t.frontendName, t.profileName] })])
