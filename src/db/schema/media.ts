import { sql } from 'drizzle-orm'
import { boolean, index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core'
import { accounts } from './accounts'
import { citext, createdAt, flakeId, primaryId, timestampTz, updatedAt } from './columns'
import { statuses, type StatusVisibility } from './statuses'

export type MediaType = 'image' | 'gifv' | 'video' | 'audio' | 'unknown'
export type MediaFocus = { x: number; y: number }

/** Uploaded files. Unattached ones (no status, no scheduled status) older than a day are pruned. */
export const mediaAttachments = pgTable('media_attachments', {
  id: primaryId(),
  accountId: flakeId('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  statusId: flakeId('status_id').references(() => statuses.id, { onDelete: 'set null' }),
  scheduledStatusId: flakeId('scheduled_status_id'),
  type: text('type').$type<MediaType>().notNull(),
  mimeType: text('mime_type').notNull(),
  /** storage key of the original file */
  fileKey: text('file_key'),
  fileSize: integer('file_size').notNull().default(0),
  /** storage key of the generated preview (images) or uploaded thumbnail */
  previewKey: text('preview_key'),
  /** for remote media */
  remoteUrl: text('remote_url'),
  /** when the remote file was cached here (`fileKey` then holds the copy); null for uploads and uncached remote media */
  cachedAt: timestampTz('cached_at'),
  description: text('description'),
  focus: jsonb('focus').$type<MediaFocus | null>(),
  /** Mastodon's `meta` (original/small sizes, duration...) */
  meta: jsonb('meta').$type<Record<string, unknown>>().notNull().default({}),
  blurhash: text('blurhash'),
  /** order within its status */
  position: integer('position').notNull().default(0),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [
  index('media_attachments_status_idx').on(t.statusId, t.position).where(sql`${t.statusId} is not null`),
  index('media_attachments_account_idx').on(t.accountId, t.id),
  index('media_attachments_cached_idx').on(t.cachedAt).where(sql`${t.cachedAt} is not null`),
  index('media_attachments_unattached_idx').on(t.createdAt).where(sql`${t.statusId} is null and ${t.scheduledStatusId} is null`),
])

export type MediaAttachmentRow = typeof mediaAttachments.$inferSelect

/** Pleroma emoji packs: the pack's metadata; its files are `custom_emojis` rows with `pack_name`. */
export const emojiPacks = pgTable('emoji_packs', {
  name: text('name').primaryKey(),
  description: text('description').notNull().default(''),
  homepage: text('homepage').notNull().default(''),
  license: text('license').notNull().default(''),
  shareFiles: boolean('share_files').notNull().default(true),
  canDownload: boolean('can_download').notNull().default(true),
  fallbackSrc: text('fallback_src'),
  fallbackSrcSha256: text('fallback_src_sha256'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
})

export const customEmojis = pgTable('custom_emojis', {
  id: primaryId(),
  shortcode: citext('shortcode').notNull(),
  /** null for local emoji */
  domain: citext('domain'),
  packName: text('pack_name').references(() => emojiPacks.name, { onDelete: 'cascade', onUpdate: 'cascade' }),
  /** the file name inside its pack (pack.json `files` value) */
  fileName: text('file_name'),
  /** storage key for local emoji; remote ones keep their URL */
  fileKey: text('file_key'),
  remoteUrl: text('remote_url'),
  category: text('category'),
  visibleInPicker: boolean('visible_in_picker').notNull().default(true),
  disabled: boolean('disabled').notNull().default(false),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [
  uniqueIndex('custom_emojis_shortcode_domain_uniq').on(t.shortcode, sql`coalesce(${t.domain}, '')`),
  index('custom_emojis_pack_idx').on(t.packName),
])

export type CustomEmojiRow = typeof customEmojis.$inferSelect

/** Pleroma emoji reactions: unicode emoji or a custom `shortcode` (with its image URL). */
export const statusReactions = pgTable('status_reactions', {
  id: primaryId(),
  statusId: flakeId('status_id').notNull().references(() => statuses.id, { onDelete: 'cascade' }),
  accountId: flakeId('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  emoji: text('emoji').notNull(),
  emojiUrl: text('emoji_url'),
  /** the EmojiReact's id, for reactions that travel (a local account's on a remote status, a remote account's) */
  uri: text('uri'),
  createdAt: createdAt(),
}, (t) => [
  uniqueIndex('status_reactions_uniq').on(t.statusId, t.accountId, t.emoji),
  index('status_reactions_uri_idx').on(t.uri),
  index('status_reactions_status_idx').on(t.statusId, t.id),
])

/** Pleroma's scrobbles: what an account listened to, published as ActivityStreams `Listen` activities. */
export const scrobbles = pgTable('scrobbles', {
  id: primaryId(),
  accountId: flakeId('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  /** the Listen activity's id (ours for local scrobbles) */
  uri: text('uri'),
  title: text('title').notNull(),
  artist: text('artist'),
  album: text('album'),
  /** track length in milliseconds */
  length: integer('length'),
  externalLink: text('external_link'),
  visibility: text('visibility').$type<StatusVisibility>().notNull().default('public'),
  createdAt: createdAt(),
}, (t) => [
  uniqueIndex('scrobbles_uri_uniq').on(t.uri),
  index('scrobbles_account_idx').on(t.accountId, t.id),
])

export type ScrobbleRow = typeof scrobbles.$inferSelect
