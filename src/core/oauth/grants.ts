import { and, eq, isNull, or } from 'drizzle-orm'
import { forgetViewers } from './viewer-cache'
import { accounts, oauthCodes, oauthTokens, users, type OAuthAppRow } from '../../db/schema'
import type { Ctx } from '../context'
import { randomToken, safeEqual, sha256 } from '../secrets'
import { createMfaChallenge, MfaRequiredError, mfaRequired } from '../security/mfa'
import { findAppByClientId } from './apps'
import { assertUserCanLogIn } from './authenticate'
import { appScopes, missingParam, oauthError, requestedScopes, stringParam, verifyCodeVerifier } from './protocol'
import { signIn } from './sessions'
import { issueToken, type IssuedToken } from './tokens'

export const GRANT_TYPES = ['authorization_code', 'password', 'client_credentials', 'refresh_token'] as const

/** Client credentials as sent: in the body (`client_secret_post`) or an HTTP Basic header (`client_secret_basic`). */
export interface ClientCredentials {
  clientId: unknown
  clientSecret: unknown
}

/** Everything `/oauth/token` may receive; which fields matter depends on the grant. */
export interface TokenRequest extends ClientCredentials {
  grantType: unknown
  code?: unknown
  redirectUri?: unknown
  codeVerifier?: unknown
  username?: unknown
  password?: unknown
  scope?: unknown
  refreshToken?: unknown
}

export interface GrantResult {
  issued: IssuedToken
  /** the token's user (for Pleroma's `me`), null for app-only tokens */
  username: string | null
}

interface AuthenticatedClient {
  app: OAuthAppRow
  /** false when a public (PKCE) client left the secret out */
  withSecret: boolean
}

/**
 * Authenticates the client by id and secret. Without `secretOptional` the secret is required;
 * a wrong secret always fails. Unknown clients and wrong secrets give the same invalid_client.
 */
export async function authenticateClient(ctx: Ctx, credentials: ClientCredentials, opts: { secretOptional?: boolean } = {}): Promise<AuthenticatedClient> {
  const clientId = stringParam(credentials.clientId, 'client_id', 200)
  const secret = stringParam(credentials.clientSecret, 'client_secret', 200)
  if (!clientId) throw oauthError('invalid_client')
  const app = await findAppByClientId(ctx, clientId)
  if (!app) throw oauthError('invalid_client')
  if (secret === undefined) {
    if (!opts.secretOptional) throw oauthError('invalid_client')
    return { app, withSecret: false }
  }
  if (!safeEqual(secret, app.clientSecret)) throw oauthError('invalid_client')
  return { app, withSecret: true }
}

/** `POST /oauth/token`: dispatches on grant_type. */
export async function exchangeToken(ctx: Ctx, request: TokenRequest): Promise<GrantResult> {
  const grantType = stringParam(request.grantType, 'grant_type', 100)
  if (!grantType) throw missingParam('grant_type')
  switch (grantType) {
    case 'authorization_code': return authorizationCodeGrant(ctx, request)
    case 'password': return passwordGrant(ctx, request)
    case 'client_credentials': return clientCredentialsGrant(ctx, request)
    case 'refresh_token': return refreshTokenGrant(ctx, request)
    default: throw oauthError('unsupported_grant_type')
  }
}

async function loadUser(ctx: Ctx, userId: string) {
  const [row] = await ctx.db.select({ user: users, account: accounts }).from(users)
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(eq(users.id, userId)).limit(1)
  if (!row) throw oauthError('invalid_grant')
  assertUserCanLogIn(ctx, { ...row.user, isActive: row.user.isActive && !row.account.suspendedAt })
  return row
}

async function revokeToken(ctx: Ctx, tokenId: string | null) {
  if (tokenId) await ctx.db.update(oauthTokens).set({ revokedAt: new Date() }).where(and(eq(oauthTokens.id, tokenId), isNull(oauthTokens.revokedAt)))
  forgetViewers(ctx.database)
}

/**
 * RFC 6749 §4.1.3 with PKCE (RFC 7636). The code is single use: presenting it again fails and revokes the token it
 * was exchanged for (§10.5). A public client may leave out its secret only for a code bound to a PKCE challenge.
 */
async function authorizationCodeGrant(ctx: Ctx, request: TokenRequest): Promise<GrantResult> {
  const client = await authenticateClient(ctx, request, { secretOptional: true })
  const code = stringParam(request.code, 'code', 512)
  if (!code) throw missingParam('code')
  const redirectUri = stringParam(request.redirectUri, 'redirect_uri', 4000)
  const verifier = stringParam(request.codeVerifier, 'code_verifier', 512)

  const [row] = await ctx.db.select().from(oauthCodes).where(eq(oauthCodes.codeHash, sha256(code))).limit(1)
  if (!row || row.appId !== client.app.id) {
    if (!client.withSecret) throw oauthError('invalid_client')
    throw oauthError('invalid_grant')
  }
  if (!client.withSecret && !row.codeChallenge) throw oauthError('invalid_client')
  if (row.usedAt) {
    await revokeToken(ctx, row.tokenId)
    throw oauthError('invalid_grant')
  }
  if (row.expiresAt.getTime() <= Date.now()) throw oauthError('invalid_grant')
  if (redirectUri !== row.redirectUri) throw oauthError('invalid_grant')
  if (row.codeChallenge) {
    if (!verifier || !verifyCodeVerifier(verifier, row.codeChallenge, row.codeChallengeMethod ?? 'plain')) throw oauthError('invalid_grant')
  } else if (verifier) {
    // RFC 9700 §2.1.1: a verifier for a code issued without a challenge is a downgrade attempt.
    throw oauthError('invalid_grant')
  }
  const { account } = await loadUser(ctx, row.userId)

  const issued = await ctx.db.transaction(async (tx) => {
    const claimed = await tx.update(oauthCodes).set({ usedAt: new Date() })
      .where(and(eq(oauthCodes.id, row.id), isNull(oauthCodes.usedAt)))
      .returning({ id: oauthCodes.id })
    if (!claimed.length) return null // lost a race with another exchange of the same code
    const token = await issueToken(ctx, { appId: client.app.id, userId: row.userId, scopes: row.scopes.split(' ') }, tx)
    await tx.update(oauthCodes).set({ tokenId: token.row.id }).where(eq(oauthCodes.id, row.id))
    return token
  })
  if (!issued) {
    const [again] = await ctx.db.select({ tokenId: oauthCodes.tokenId }).from(oauthCodes).where(eq(oauthCodes.id, row.id))
    await revokeToken(ctx, again?.tokenId ?? null)
    throw oauthError('invalid_grant')
  }
  return { issued, username: account.username }
}

/**
 * Resource-owner password grant (Pleroma keeps it; bots and CLI clients use it). `username` is a nickname or an e-mail,
 * `name` is Pleroma's alias. Wrong password and unknown account give the same answer after the same work.
 */
async function passwordGrant(ctx: Ctx, request: TokenRequest & { name?: unknown }): Promise<GrantResult> {
  const { app } = await authenticateClient(ctx, request)
  const login = stringParam(request.username ?? request.name, 'username', 320)
  const password = stringParam(request.password, 'password', 1024)
  if (!login) throw missingParam('username')
  if (!password) throw missingParam('password')
  const scopes = requestedScopes(request.scope, appScopes(app))
  const signedIn = await signIn(ctx, login, password)
  if (!signedIn) throw oauthError('invalid_grant', 'Invalid credentials')
  if (mfaRequired(signedIn.user)) {
    // Pleroma's answer: the client completes the login at /oauth/mfa/challenge with this token and a code.
    throw new MfaRequiredError(await createMfaChallenge(ctx.db, { userId: signedIn.user.id, appId: app.id, scopes }))
  }
  const issued = await issueToken(ctx, { appId: app.id, userId: signedIn.user.id, scopes })
  return { issued, username: signedIn.account.username }
}

/** App-only token: no user, no refresh token. */
async function clientCredentialsGrant(ctx: Ctx, request: TokenRequest): Promise<GrantResult> {
  const { app } = await authenticateClient(ctx, request)
  const scopes = requestedScopes(request.scope, appScopes(app))
  const issued = await issueToken(ctx, { appId: app.id, userId: null, scopes, withRefresh: false })
  return { issued, username: null }
}

/**
 * Rotates a token pair in place: new access and refresh secrets replace the old ones atomically, so the old pair stops
 * working and the token keeps its id (Pleroma's token list, and the link from its authorization code). A `scope` may
 * narrow the grant, never widen it.
 */
async function refreshTokenGrant(ctx: Ctx, request: TokenRequest): Promise<GrantResult> {
  const { app } = await authenticateClient(ctx, request)
  const refreshToken = stringParam(request.refreshToken, 'refresh_token', 512)
  if (!refreshToken) throw missingParam('refresh_token')
  const oldHash = sha256(refreshToken)
  const [row] = await ctx.db.select().from(oauthTokens)
    .where(and(eq(oauthTokens.refreshTokenHash, oldHash), eq(oauthTokens.appId, app.id), isNull(oauthTokens.revokedAt)))
    .limit(1)
  if (!row) throw oauthError('invalid_grant')
  const scopes = requestedScopes(request.scope, row.scopes.split(' ').filter(Boolean))
  const username = row.userId ? (await loadUser(ctx, row.userId)).account.username : null

  const accessToken = randomToken(32)
  const newRefresh = randomToken(32)
  const [updated] = await ctx.db.update(oauthTokens)
    .set({ tokenHash: sha256(accessToken), refreshTokenHash: sha256(newRefresh), scopes: scopes.join(' ') })
    .where(and(eq(oauthTokens.id, row.id), eq(oauthTokens.refreshTokenHash, oldHash), isNull(oauthTokens.revokedAt)))
    .returning()
  if (!updated) throw oauthError('invalid_grant') // refreshed concurrently
  return { issued: { row: updated, accessToken, refreshToken: newRefresh }, username }
}

/**
 * RFC 7009: revokes an access token, or the token a refresh token belongs to, if the authenticated client owns it.
 * Tokens of other clients and unknown tokens are ignored, so the answer never tells which tokens exist.
 */
export async function revokeClientToken(ctx: Ctx, credentials: ClientCredentials, token: unknown): Promise<void> {
  const { app } = await authenticateClient(ctx, credentials)
  const value = stringParam(token, 'token', 512)
  if (!value) throw missingParam('token')
  const hash = sha256(value)
  await ctx.db.update(oauthTokens).set({ revokedAt: new Date() }).where(and(
    eq(oauthTokens.appId, app.id),
    or(eq(oauthTokens.tokenHash, hash), eq(oauthTokens.refreshTokenHash, hash)),
    isNull(oauthTokens.revokedAt),
  ))
  forgetViewers(ctx.database)
}
