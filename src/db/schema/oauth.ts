import { index, pgTable, text, uniqueIndex, type AnyPgColumn } from 'drizzle-orm/pg-core'
import { createdAt, flakeId, primaryId, timestampTz } from './columns'
import { users } from './users'

export const oauthApps = pgTable('oauth_apps', {
  id: primaryId(),
  name: text('name').notNull(),
  website: text('website'),
  redirectUris: text('redirect_uris').notNull(),
  scopes: text('scopes').notNull(),
  clientId: text('client_id').notNull(),
  clientSecret: text('client_secret').notNull(),
  /** user who registered the app with a token, if any */
  ownerUserId: flakeId('owner_user_id').references(() => users.id, { onDelete: 'cascade' }),
  createdAt: createdAt(),
}, (t) => [uniqueIndex('oauth_apps_client_id_uniq').on(t.clientId)])

export type OAuthAppRow = typeof oauthApps.$inferSelect

/** Authorization codes of the authorization_code grant; stored hashed, single use. */
export const oauthCodes = pgTable('oauth_codes', {
  id: primaryId(),
  codeHash: text('code_hash').notNull(),
  appId: flakeId('app_id').notNull().references(() => oauthApps.id, { onDelete: 'cascade' }),
  userId: flakeId('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  scopes: text('scopes').notNull(),
  redirectUri: text('redirect_uri').notNull(),
  codeChallenge: text('code_challenge'),
  codeChallengeMethod: text('code_challenge_method'),
  expiresAt: timestampTz('expires_at').notNull(),
  usedAt: timestampTz('used_at'),
  /** the token the code was exchanged for; revoked if the code is ever presented again */
  tokenId: flakeId('token_id').references((): AnyPgColumn => oauthTokens.id, { onDelete: 'set null' }),
  createdAt: createdAt(),
}, (t) => [uniqueIndex('oauth_codes_hash_uniq').on(t.codeHash), index('oauth_codes_expires_at_idx').on(t.expiresAt)])

/** Access tokens; only sha256 hashes of the secrets are stored. */
export const oauthTokens = pgTable('oauth_tokens', {
  id: primaryId(),
  tokenHash: text('token_hash').notNull(),
  refreshTokenHash: text('refresh_token_hash'),
  appId: flakeId('app_id').references(() => oauthApps.id, { onDelete: 'cascade' }),
  /** null for client_credentials tokens */
  userId: flakeId('user_id').references(() => users.id, { onDelete: 'cascade' }),
  scopes: text('scopes').notNull(),
  expiresAt: timestampTz('expires_at'),
  revokedAt: timestampTz('revoked_at'),
  lastUsedAt: timestampTz('last_used_at'),
  createdAt: createdAt(),
}, (t) => [
  uniqueIndex('oauth_tokens_token_hash_uniq').on(t.tokenHash),
  uniqueIndex('oauth_tokens_refresh_hash_uniq').on(t.refreshTokenHash),
  index('oauth_tokens_user_id_idx').on(t.userId),
])

export type OAuthTokenRow = typeof oauthTokens.$inferSelect
