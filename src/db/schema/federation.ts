import { sql } from 'drizzle-orm'
import { boolean, check, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core'
import { accounts } from './accounts'
import { newId } from '../../core/ids'
import { createdAt, flakeId, primaryId, timestampTz, updatedAt } from './columns'

/**
 * The instance's public identity, written once at first start: every actor URI, handle and signature hangs on it,
 * so every process (server, command line, workers) takes it from here rather than from its own configuration.
 */
export const instanceIdentity = pgTable('instance_identity', {
  /** always 1: there is one identity */
  id: integer('id').primaryKey().default(1),
  domain: text('domain').notNull(),
  baseUrl: text('base_url').notNull(),
  createdAt: createdAt(),
}, (t) => [check('instance_identity_single_row', sql`${t.id} = 1`)])

export type InstanceIdentityRow = typeof instanceIdentity.$inferSelect

/** Fedify's key-value store (remote documents, public keys, idempotence, circuit breaker). */
export const federationKv = pgTable('federation_kv', {
  key: text('key').array().primaryKey(),
  value: jsonb('value').notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }),
}, (t) => [index('federation_kv_expires_idx').on(t.expiresAt).where(sql`${t.expiresAt} is not null`)])

/** Signing keys of local actors (and of the instance actor) as JWKs, made on first federated use. */
export const accountKeys = pgTable('account_keys', {
  /** a local account's id, or `__instance__` for the instance actor */
  owner: text('owner').primaryKey(),
  rsaPublic: jsonb('rsa_public').$type<JsonWebKey>().notNull(),
  rsaPrivate: jsonb('rsa_private').$type<JsonWebKey>().notNull(),
  ed25519Public: jsonb('ed25519_public').$type<JsonWebKey>().notNull(),
  ed25519Private: jsonb('ed25519_private').$type<JsonWebKey>().notNull(),
  createdAt: createdAt(),
})

/** What federation needs of a remote actor beyond its `accounts` row. */
export const remoteActors = pgTable('remote_actors', {
  accountId: flakeId('account_id').primaryKey().references(() => accounts.id, { onDelete: 'cascade' }),
  inboxUrl: text('inbox_url').notNull(),
  sharedInboxUrl: text('shared_inbox_url'),
  followersUrl: text('followers_url'),
  followingUrl: text('following_url'),
  outboxUrl: text('outbox_url'),
  /** `capabilities.acceptsChatMessages` (Pleroma): whether the actor takes chat messages */
  acceptsChatMessages: boolean('accepts_chat_messages').notNull().default(false),
  fetchedAt: timestampTz('fetched_at').notNull().defaultNow(),
}, (t) => [index('remote_actors_shared_inbox_idx').on(t.sharedInboxUrl)])

/**
 * Remote hosts deliveries keep failing to. A host is marked unavailable after repeated failures over a span of time
 * and is skipped until it delivers to us again or a delivery to it succeeds (which deletes the row).
 */
export const unavailableDomains = pgTable('unavailable_domains', {
  /** host, with the port when not the default */
  domain: text('domain').primaryKey(),
  failureCount: integer('failure_count').notNull().default(0),
  firstFailureAt: timestampTz('first_failure_at').notNull().defaultNow(),
  lastFailureAt: timestampTz('last_failure_at').notNull().defaultNow(),
  /** set once the failures crossed the threshold; deliveries are skipped from then on */
  unavailableAt: timestampTz('unavailable_at'),
})

/**
 * Instance-level blocks of other servers (Mastodon's domain blocks). A block covers the domain and its subdomains;
 * `suspend` cuts the domain off entirely (no fetches from it, nothing served to it, its activities dropped), `silence`
 * limits its accounts, `noop` only carries the media and report flags.
 */
export const instanceDomainBlocks = pgTable('instance_domain_blocks', {
  /** the id of the admin API (`/api/v1/admin/domain_blocks/:id`) */
  id: flakeId('id').notNull().unique().default(sql`gen_random_uuid()`).$defaultFn(() => newId()),
  /** lower-case host name, with the port when it is not the default */
  domain: text('domain').primaryKey(),
  severity: text('severity').$type<'noop' | 'silence' | 'suspend'>().notNull().default('suspend'),
  rejectMedia: boolean('reject_media').notNull().default(false),
  rejectReports: boolean('reject_reports').notNull().default(false),
  publicComment: text('public_comment'),
  privateComment: text('private_comment'),
  obfuscate: boolean('obfuscate').notNull().default(false),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
})

export type InstanceDomainBlockRow = typeof instanceDomainBlocks.$inferSelect

/**
 * Statuses deleted by their authors, remembered by URI: a local public or unlisted one answers 410 Gone with a
 * Tombstone, and a remote one (or a remote Delete that arrived before its Create) is never stored again.
 */
export const statusTombstones = pgTable('status_tombstones', {
  uri: text('uri').primaryKey(),
  /** the author, when known */
  accountId: flakeId('account_id').references(() => accounts.id, { onDelete: 'cascade' }),
  /** a status of this instance, served as a Tombstone */
  local: boolean('local').notNull().default(false),
  deletedAt: timestampTz('deleted_at').notNull().defaultNow(),
}, (t) => [index('status_tombstones_deleted_at_idx').on(t.deletedAt)])

/** Domains that may federate in limited-federation (allow-list) mode (Mastodon's domain allows). */
export const instanceDomainAllows = pgTable('instance_domain_allows', {
  id: primaryId(),
  /** lower-case host name, with the port when it is not the default */
  domain: text('domain').notNull().unique(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
})

export type InstanceDomainAllowRow = typeof instanceDomainAllows.$inferSelect

/**
 * Remote hosts this instance has met, with what their NodeInfo says they run. A row is added when an actor of the
 * host is first stored; the NodeInfo is fetched then, in the background, and again at most once a day.
 */
export const knownInstances = pgTable('known_instances', {
  /** host, with the port when not the default */
  domain: text('domain').primaryKey(),
  softwareName: text('software_name'),
  softwareVersion: text('software_version'),
  /** when the NodeInfo was last asked for; a new request waits a day */
  nodeinfoRequestedAt: timestampTz('nodeinfo_requested_at').notNull().defaultNow(),
  /** when the NodeInfo was last read successfully */
  nodeinfoFetchedAt: timestampTz('nodeinfo_fetched_at'),
  /** why the last NodeInfo fetch failed, null after a success */
  nodeinfoError: text('nodeinfo_error'),
  /** the last time a delivery to the host worked or the host delivered to us (kept to the minute or so) */
  lastSuccessAt: timestampTz('last_success_at'),
  firstSeenAt: timestampTz('first_seen_at').notNull().defaultNow(),
})

export type KnownInstanceRow = typeof knownInstances.$inferSelect
