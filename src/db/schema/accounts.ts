import { sql } from 'drizzle-orm'
import { boolean, index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core'
import { citext, createdAt, flakeId, primaryId, timestampTz, updatedAt } from './columns'

export type ProfileField = { name: string; value: string; verified_at?: string | null }

/** Every actor, local or remote. Local ones also have a row in `users`. */
export const accounts = pgTable('accounts', {
  id: primaryId(),
  username: citext('username').notNull(),
  /** null for local accounts */
  domain: citext('domain'),
  displayName: text('display_name').notNull().default(''),
  note: text('note').notNull().default(''),
  noteSource: text('note_source').notNull().default(''),
  fields: jsonb('fields').$type<ProfileField[]>().notNull().default([]),
  avatarUrl: text('avatar_url'),
  headerUrl: text('header_url'),
  backgroundUrl: text('background_url'),
  /** a remote account's avatar and header as its server publishes them; `avatarUrl`/`headerUrl` show the cached copies */
  avatarRemoteUrl: text('avatar_remote_url'),
  headerRemoteUrl: text('header_remote_url'),
  /** when the remote avatar and header were cached here, and their size in bytes */
  profileMediaCachedAt: timestampTz('profile_media_cached_at'),
  profileMediaBytes: integer('profile_media_bytes').notNull().default(0),
  avatarDescription: text('avatar_description').notNull().default(''),
  headerDescription: text('header_description').notNull().default(''),
  /** Mastodon 4.6's profile tabs: what the owner wishes clients to show */
  showMedia: boolean('show_media').notNull().default(true),
  showMediaReplies: boolean('show_media_replies').notNull().default(true),
  showFeatured: boolean('show_featured').notNull().default(true),
  /** websites allowed to credit the account as an article's author (fediverse:creator) */
  attributionDomains: jsonb('attribution_domains').$type<string[]>().notNull().default([]),
  locked: boolean('locked').notNull().default(false),
  bot: boolean('bot').notNull().default(false),
  actorType: text('actor_type').notNull().default('Person'),
  discoverable: boolean('discoverable').notNull().default(true),
  indexable: boolean('indexable').notNull().default(true),
  hideFollowers: boolean('hide_followers').notNull().default(false),
  hideFollows: boolean('hide_follows').notNull().default(false),
  hideFollowersCount: boolean('hide_followers_count').notNull().default(false),
  hideFollowsCount: boolean('hide_follows_count').notNull().default(false),
  hideFavorites: boolean('hide_favorites').notNull().default(true),
  alsoKnownAs: jsonb('also_known_as').$type<string[]>().notNull().default([]),
  movedToId: flakeId('moved_to_id'),
  uri: text('uri'),
  url: text('url'),
  statusesCount: integer('statuses_count').notNull().default(0),
  followersCount: integer('followers_count').notNull().default(0),
  followingCount: integer('following_count').notNull().default(0),
  lastStatusAt: timestampTz('last_status_at'),
  suspendedAt: timestampTz('suspended_at'),
  /** Mastodon's limit (silence): hidden from public timelines and from people who do not follow the account */
  silencedAt: timestampTz('silenced_at'),
  /** media of the account's statuses are always marked sensitive */
  sensitizedAt: timestampTz('sensitized_at'),
  /** set when the account was deleted; the row stays as a tombstone so its handle is not reused */
  deletedAt: timestampTz('deleted_at'),
  /**
   * Bumped by triggers (migration account_render_version) with any change to the row, and to what an Account entity
   * shows of its user or of its remote actor. The render cache keeps what a page reads of an account under it, so a
   * page that reads the version knows whether the kept copy is current, whichever process changed it.
   */
  renderVersion: integer('render_version').notNull().default(0),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [
  uniqueIndex('accounts_username_domain_uniq').on(t.username, sql`coalesce(${t.domain}, '')`),
  index('accounts_search_trgm').using('gin', sql`(${t.username}::text || ' ' || ${t.displayName}) gin_trgm_ops`),
  index('accounts_profile_media_cached_idx').on(t.profileMediaCachedAt).where(sql`${t.profileMediaCachedAt} is not null`),
  // The few suspended and silenced accounts: the public timeline's "author not suspended / not silenced" became an
  // anti-join that scanned every account per page (3.7 of a page's 3.8 ms at 10,000 accounts) without them.
  index('accounts_suspended_idx').on(t.id).where(sql`${t.suspendedAt} is not null`),
  index('accounts_silenced_idx').on(t.id).where(sql`${t.silencedAt} is not null`),
  // The instance's statistics: local accounts, and remote domains read one per index descent (`instanceStats`),
  // where scanning every account took 310 ms at 300,000 remote accounts. Neither column changes once set.
  index('accounts_local_idx').on(t.id).where(sql`${t.domain} is null`),
  index('accounts_remote_domain_idx').on(sql`lower(${t.domain}::text)`).where(sql`${t.domain} is not null`),
])

export type AccountRow = typeof accounts.$inferSelect
export type NewAccountRow = typeof accounts.$inferInsert
