import { sql } from 'drizzle-orm'
import { bigint, boolean, index, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core'
import { accounts } from './accounts'
import { createdAt, flakeId, primaryId, updatedAt } from './columns'
import { oauthTokens } from './oauth'

/** Server-wide secrets made once on first use and shared by every process (VAPID keys, encryption keys). */
export const instanceSecrets = pgTable('instance_secrets', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
  createdAt: createdAt(),
})

export type PushPolicy = 'all' | 'followed' | 'follower' | 'none'

/** Web Push subscriptions, one per access token; revoking (deleting) the token ends it. */
export const pushSubscriptions = pgTable('push_subscriptions', {
  id: primaryId(),
  tokenId: flakeId('token_id').notNull().references(() => oauthTokens.id, { onDelete: 'cascade' }),
  accountId: flakeId('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  endpoint: text('endpoint').notNull(),
  p256dh: text('p256dh').notNull(),
  auth: text('auth').notNull(),
  /** RFC 8291 `aes128gcm` payloads; otherwise the older `aesgcm` draft */
  standard: boolean('standard').notNull().default(false),
  alerts: jsonb('alerts').$type<Record<string, boolean>>().notNull().default({}),
  policy: text('policy').$type<PushPolicy>().notNull().default('all'),
  /** the subscribing bearer token, encrypted with the instance's push key: payloads hand it back to the client */
  accessTokenSealed: text('access_token_sealed').notNull(),
  /** the `seq` of the last notification dispatched to this subscription */
  lastSeq: bigint('last_seq', { mode: 'number' }).notNull().default(0),
  /** recent notifications at or before `last_seq` already looked at (see the dispatcher) */
  recentSeqs: bigint('recent_seqs', { mode: 'number' }).array().notNull().default(sql`'{}'::bigint[]`),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [
  uniqueIndex('push_subscriptions_token_uniq').on(t.tokenId),
  index('push_subscriptions_account_idx').on(t.accountId),
])

export type PushSubscriptionRow = typeof pushSubscriptions.$inferSelect
