import { and, eq, gt, isNull, or, sql, type SQL } from 'drizzle-orm'
import { forgetViewers } from './viewer-cache'
import type { DbLike } from '../../db/client'
import { oauthTokens, type OAuthTokenRow } from '../../db/schema'
import type { Ctx } from '../context'
import { randomToken, sha256 } from '../secrets'

export interface IssuedToken {
  row: OAuthTokenRow
  /** The secrets are only known at issue time; the database keeps their hashes. */
  accessToken: string
  refreshToken: string | null
}

export interface IssueTokenInput {
  appId: string | null
  userId: string | null
  scopes: string[]
  /** client_credentials tokens get no refresh token */
  withRefresh?: boolean
  expiresInSeconds?: number | null
}

export async function issueToken(ctx: Ctx, input: IssueTokenInput, db: DbLike = ctx.db): Promise<IssuedToken> {
  const accessToken = randomToken(32)
  const refreshToken = input.withRefresh === false ? null : randomToken(32)
  const [row] = await db.insert(oauthTokens).values({
    tokenHash: sha256(accessToken),
    refreshTokenHash: refreshToken ? sha256(refreshToken) : null,
    appId: input.appId,
    userId: input.userId,
    scopes: input.scopes.join(' '),
    expiresAt: input.expiresInSeconds ? new Date(Date.now() + input.expiresInSeconds * 1000) : null,
  }).returning()
  return { row, accessToken, refreshToken }
}

/** The OAuth token response, with Pleroma's `id` and `me` beside Mastodon's fields. */
export function tokenResponse(ctx: Ctx, issued: IssuedToken, username: string | null) {
  return {
    access_token: issued.accessToken,
    token_type: 'Bearer',
    scope: issued.row.scopes,
    created_at: Math.floor(issued.row.createdAt.getTime() / 1000),
    ...(issued.refreshToken ? { refresh_token: issued.refreshToken } : {}),
    ...(issued.row.expiresAt ? { expires_in: Math.max(0, Math.floor((issued.row.expiresAt.getTime() - Date.now()) / 1000)) } : {}),
    id: issued.row.id,
    me: username ? `${ctx.config.baseUrl}/users/${username}` : null,
  }
}

/** Revokes every live token of a user (password change, deactivation, deletion). */
export async function revokeUserTokens(ctx: Ctx, userId: string, db: DbLike = ctx.db): Promise<number> {
  const rows = await db.update(oauthTokens).set({ revokedAt: new Date() })
    .where(and(eq(oauthTokens.userId, userId), isNull(oauthTokens.revokedAt)))
    .returning({ id: oauthTokens.id })
  forgetViewers(ctx.database)
  return rows.length
}

/** Matches the token row of a bearer secret that is neither revoked nor expired. */
export function liveTokenSql(token: string): SQL {
  return and(
    eq(oauthTokens.tokenHash, sha256(token)),
    isNull(oauthTokens.revokedAt),
    or(isNull(oauthTokens.expiresAt), gt(oauthTokens.expiresAt, sql`now()`)),
  )!
}
