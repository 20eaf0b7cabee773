import { sql } from 'drizzle-orm'
import { boolean, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex, type ExtraConfigColumn } from 'drizzle-orm/pg-core'
import { accounts } from './accounts'
import { citext, createdAt, flakeId, primaryId, timestampTz, updatedAt } from './columns'
import { oauthApps } from './oauth'

export type StatusVisibility = 'public' | 'unlisted' | 'private' | 'direct' | 'local' | 'list'

/** A thread: every status of a reply tree shares one (Pleroma's `context`, shown as `pleroma.conversation_id`). */
export const conversations = pgTable('conversations', {
  id: primaryId(),
  /** a remote thread's `context` (or Pleroma's `conversation`), so its statuses share this thread */
  uri: text('uri'),
  createdAt: createdAt(),
}, (t) => [uniqueIndex('conversations_uri_uniq').on(t.uri)])

/**
 * What status search matches: `statuses.search_document`, a stored generated column holding
 * `to_tsvector('simple', spoiler_text || ' ' || content without its HTML tags)` and one lexeme `'week N'` for the
 * week of the status's id (src/core/search/weeks.ts), under a GIN index. Migrations 0019_status_search_document and
 * 0033_status_search_week make both; the column is left out of the table definition below on purpose, so that the
 * many whole-row reads of statuses do not carry it. Stored rather than an index expression, a match costs no
 * re-parsing of the HTML. The 'simple' configuration works for every language and on PGlite.
 */
export const statusSearchDocument = sql`"statuses"."search_document"`

export const statuses = pgTable('statuses', {
  id: primaryId(),
  accountId: flakeId('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  uri: text('uri'),
  url: text('url'),
  /** the author's source text, for editing and `pleroma.content["text/plain"]` */
  text: text('text').notNull().default(''),
  contentType: text('content_type').notNull().default('text/plain'),
  /** sanitized HTML */
  content: text('content').notNull().default(''),
  spoilerText: text('spoiler_text').notNull().default(''),
  visibility: text('visibility').$type<StatusVisibility>().notNull().default('public'),
  /** for `list:ID` visibility: only members of that list (and the author) see it */
  listId: flakeId('list_id'),
  sensitive: boolean('sensitive').notNull().default(false),
  language: text('language'),
  local: boolean('local').notNull().default(true),
  inReplyToId: flakeId('in_reply_to_id'),
  inReplyToAccountId: flakeId('in_reply_to_account_id'),
  /** the parent a remote reply names but that could not be had yet; linked when a status with this URI is stored */
  inReplyToUri: text('in_reply_to_uri'),
  reblogOfId: flakeId('reblog_of_id'),
  quoteId: flakeId('quote_id'),
  conversationId: flakeId('conversation_id').references(() => conversations.id, { onDelete: 'set null' }),
  applicationId: flakeId('application_id').references(() => oauthApps.id, { onDelete: 'set null' }),
  repliesCount: integer('replies_count').notNull().default(0),
  reblogsCount: integer('reblogs_count').notNull().default(0),
  favouritesCount: integer('favourites_count').notNull().default(0),
  quotesCount: integer('quotes_count').notNull().default(0),
  editedAt: timestampTz('edited_at'),
  expiresAt: timestampTz('expires_at'),
  /**
   * Bumped by triggers (migration render_version) whenever something a rendered status takes from other rows changes:
   * its mentions (and the mentioned accounts' names and links), tags, media, poll's presence, card, application, or
   * its own content. The render cache keeps those parts per status and version, so a page that reads the row knows
   * whether they are still current, whichever process changed them.
   */
  renderVersion: integer('render_version').notNull().default(0),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [
  uniqueIndex('statuses_uri_uniq').on(t.uri),
  index('statuses_account_idx').on(t.accountId, t.id),
  index('statuses_in_reply_to_idx').on(t.inReplyToId).where(sql`${t.inReplyToId} is not null`),
  index('statuses_waiting_parent_idx').on(t.inReplyToUri).where(sql`${t.inReplyToId} is null and ${t.inReplyToUri} is not null`),
  /** one reblog per account and status */
  uniqueIndex('statuses_reblog_uniq').on(t.reblogOfId, t.accountId).where(sql`${t.reblogOfId} is not null`),
  index('statuses_conversation_idx').on(t.conversationId, t.id),
  index('statuses_public_timeline_idx').on(t.id).where(sql`${t.visibility} in ('public', 'local') and ${t.reblogOfId} is null`),
  index('statuses_local_idx').on(t.id).where(sql`${t.local} and ${t.visibility} in ('public', 'local') and ${t.reblogOfId} is null`),
  index('statuses_expires_idx').on(t.expiresAt).where(sql`${t.expiresAt} is not null`),
])

export type StatusRow = typeof statuses.$inferSelect

export const statusMentions = pgTable('status_mentions', {
  statusId: flakeId('status_id').notNull().references(() => statuses.id, { onDelete: 'cascade' }),
  accountId: flakeId('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  /** explicit addressee that is not written in the text (Pleroma's `to`) */
  silent: boolean('silent').notNull().default(false),
}, (t) => [
  primaryKey({ columns: [t.statusId, t.accountId] }),
  index('status_mentions_account_idx').on(t.accountId, t.statusId),
])

export const tags = pgTable('tags', {
  id: primaryId(),
  name: citext('name').notNull(),
  createdAt: createdAt(),
}, (t) => [
  uniqueIndex('tags_name_uniq').on(t.name),
  /** hashtag search by prefix: `lower(name::text) like 'pre%'` */
  index('tags_name_prefix_idx').on(sql`lower(${t.name}::text) text_pattern_ops`),
])

/**
 * A tag's uses on one UTC day (day number: days since 1970-01-01), kept so that a tag's history is read rather than
 * counted from its statuses on every request; `tagHistories` counts a day again while its count may still change.
 */
export const tagHistoryDays = pgTable('tag_history_days', {
  tagId: flakeId('tag_id').notNull().references(() => tags.id, { onDelete: 'cascade' }),
  day: integer('day').notNull(),
  uses: integer('uses').notNull(),
  accounts: integer('accounts').notNull(),
  countedAt: timestampTz('counted_at').notNull(),
}, (t) => [primaryKey({ columns: [t.tagId, t.day] })])

/** Hashtags a user follows: their public statuses enter the follower's home feed. */
export const tagFollows = pgTable('tag_follows', {
  id: primaryId(),
  accountId: flakeId('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  tagId: flakeId('tag_id').notNull().references(() => tags.id, { onDelete: 'cascade' }),
  createdAt: createdAt(),
}, (t) => [
  uniqueIndex('tag_follows_pair_uniq').on(t.accountId, t.tagId),
  index('tag_follows_tag_idx').on(t.tagId),
])

/** Hashtags featured on a profile. */
export const featuredTags = pgTable('featured_tags', {
  id: primaryId(),
  accountId: flakeId('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  tagId: flakeId('tag_id').notNull().references(() => tags.id, { onDelete: 'cascade' }),
  createdAt: createdAt(),
}, (t) => [uniqueIndex('featured_tags_pair_uniq').on(t.accountId, t.tagId)])

export type FeaturedTagRow = typeof featuredTags.$inferSelect

export const statusTags = pgTable('status_tags', {
  statusId: flakeId('status_id').notNull().references(() => statuses.id, { onDelete: 'cascade' }),
  tagId: flakeId('tag_id').notNull().references(() => tags.id, { onDelete: 'cascade' }),
}, (t) => [
  primaryKey({ columns: [t.statusId, t.tagId] }),
  index('status_tags_tag_idx').on(t.tagId, t.statusId),
])

const interactionColumns = () => ({
  id: primaryId(),
  accountId: flakeId('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  statusId: flakeId('status_id').notNull().references(() => statuses.id, { onDelete: 'cascade' }),
  createdAt: createdAt(),
})

type InteractionColumns = { id: ExtraConfigColumn; accountId: ExtraConfigColumn; statusId: ExtraConfigColumn }

const interactionIndexes = (name: string, t: InteractionColumns) => [
  uniqueIndex(`${name}_pair_uniq`).on(t.accountId, t.statusId),
  index(`${name}_status_idx`).on(t.statusId, t.id),
  index(`${name}_account_idx`).on(t.accountId, t.id),
]

const interaction = (name: string) => pgTable(name, interactionColumns(), (t) => interactionIndexes(name, t))

export const favourites = interaction('favourites')

/** Pleroma's bookmark folders: a user's named (optionally emoji-marked) groups of bookmarks. */
export const bookmarkFolders = pgTable('bookmark_folders', {
  id: primaryId(),
  accountId: flakeId('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  /** a unicode emoji, or a local custom emoji's shortcode */
  emoji: text('emoji'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [uniqueIndex('bookmark_folders_account_name_uniq').on(t.accountId, t.name)])

export const bookmarks = pgTable('bookmarks', {
  ...interactionColumns(),
  /** the folder it is filed in; none when unfiled or the folder was deleted */
  folderId: flakeId('folder_id').references(() => bookmarkFolders.id, { onDelete: 'set null' }),
}, (t) => [...interactionIndexes('bookmarks', t), index('bookmarks_folder_idx').on(t.folderId, t.id)])
export const statusPins = interaction('status_pins')

/** Threads a user muted: no notifications from them. */
export const conversationMutes = pgTable('conversation_mutes', {
  accountId: flakeId('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  conversationId: flakeId('conversation_id').notNull().references(() => conversations.id, { onDelete: 'cascade' }),
}, (t) => [primaryKey({ columns: [t.accountId, t.conversationId] })])

export type PollOption = { title: string; votes_count: number }

export const polls = pgTable('polls', {
  id: primaryId(),
  statusId: flakeId('status_id').notNull().references(() => statuses.id, { onDelete: 'cascade' }),
  options: jsonb('options').$type<PollOption[]>().notNull(),
  multiple: boolean('multiple').notNull().default(false),
  hideTotals: boolean('hide_totals').notNull().default(false),
  votesCount: integer('votes_count').notNull().default(0),
  votersCount: integer('voters_count').notNull().default(0),
  expiresAt: timestampTz('expires_at'),
  /** when voters and the author were told the poll ended (`poll` notifications); null while it runs */
  endedNotifiedAt: timestampTz('ended_notified_at'),
  createdAt: createdAt(),
}, (t) => [
  uniqueIndex('polls_status_uniq').on(t.statusId),
  index('polls_ending_idx').on(t.expiresAt).where(sql`${t.expiresAt} is not null and ${t.endedNotifiedAt} is null`),
])

export const pollVotes = pgTable('poll_votes', {
  id: primaryId(),
  pollId: flakeId('poll_id').notNull().references(() => polls.id, { onDelete: 'cascade' }),
  accountId: flakeId('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  choice: integer('choice').notNull(),
  createdAt: createdAt(),
}, (t) => [uniqueIndex('poll_votes_uniq').on(t.pollId, t.accountId, t.choice)])

/** Earlier revisions of edited statuses. */
export const statusEdits = pgTable('status_edits', {
  id: primaryId(),
  statusId: flakeId('status_id').notNull().references(() => statuses.id, { onDelete: 'cascade' }),
  text: text('text').notNull(),
  content: text('content').notNull(),
  spoilerText: text('spoiler_text').notNull(),
  sensitive: boolean('sensitive').notNull(),
  pollOptions: jsonb('poll_options').$type<string[] | null>(),
  mediaIds: jsonb('media_ids').$type<string[]>().notNull().default([]),
  createdAt: createdAt(),
}, (t) => [index('status_edits_status_idx').on(t.statusId, t.id)])

/**
 * `Idempotency-Key` of `POST /api/v1/statuses`, per account: a repeated request within an hour returns the status it created.
 * Written in the status's transaction; the row goes away with the status.
 */
export const statusIdempotencyKeys = pgTable('status_idempotency_keys', {
  accountId: flakeId('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  key: text('key').notNull(),
  /** sha256 of the request's parameters: the same key with another request is refused */
  requestHash: text('request_hash').notNull(),
  statusId: flakeId('status_id').notNull().references(() => statuses.id, { onDelete: 'cascade' }),
  createdAt: createdAt(),
}, (t) => [
  primaryKey({ columns: [t.accountId, t.key] }),
  index('status_idempotency_keys_created_idx').on(t.createdAt),
])
