import { and, eq, gt, isNull, lt, or, sql } from 'drizzle-orm'
import { oauthCodes, oauthTokens, type OAuthAppRow } from '../../db/schema'
import type { Ctx } from '../context'
import { OAuthError } from '../errors'
import { randomToken, sha256 } from '../secrets'
import { findAppByClientId, OOB_REDIRECT } from './apps'
import {
  appScopes, isPkceValue, oauthError, requestedScopes, withParams,
  type CodeChallengeMethod, type OAuthErrorCode,
} from './protocol'
import { scopeCovers } from './scopes'

export const CODE_TTL_SECONDS = 10 * 60

/** The parameters of `/oauth/authorize`, as the client sent them. */
export interface AuthorizationParams {
  clientId: unknown
  redirectUri: unknown
  responseType: unknown
  scope: unknown
  state: unknown
  codeChallenge: unknown
  codeChallengeMethod: unknown
}

/** A validated authorization request: everything the consent page shows and the code is bound to. */
export interface AuthorizationRequest {
  app: OAuthAppRow
  redirectUri: string
  scopes: string[]
  state: string | null
  codeChallenge: string | null
  codeChallengeMethod: CodeChallengeMethod | null
}

/**
 * The client or its redirect URI cannot be trusted, so the error is shown to the user and never sent anywhere
 * (RFC 6749 §4.1.2.1).
 */
export class AuthorizationPageError extends Error {
  constructor(readonly code: 'invalid_client' | 'invalid_redirect_uri' | 'invalid_request', message: string) {
    super(message)
  }
}

/** The redirect URI is known good: the error goes back to the client with the state (or onto the page for OOB apps). */
export class AuthorizationRedirectError extends Error {
  constructor(readonly code: OAuthErrorCode, readonly description: string, readonly redirectUri: string, readonly state: string | null) {
    super(description)
  }

  get location(): string | null {
    if (this.redirectUri === OOB_REDIRECT) return null
    return withParams(this.redirectUri, { error: this.code, error_description: this.description, state: this.state })
  }
}

export function registeredRedirectUris(app: Pick<OAuthAppRow, 'redirectUris'>): string[] {
  return app.redirectUris.split('\n').map((s) => s.trim()).filter(Boolean)
}

/** Validates an authorization request in RFC 6749 order: client, then redirect URI, then everything else. */
export async function checkAuthorizationRequest(ctx: Ctx, params: AuthorizationParams): Promise<AuthorizationRequest> {
  const clientId = typeof params.clientId === 'string' ? params.clientId : undefined
  if (!clientId) throw new AuthorizationPageError('invalid_request', 'The request has no client_id.')
  const app = await findAppByClientId(ctx, clientId)
  if (!app) throw new AuthorizationPageError('invalid_client', 'No application is registered with this client_id.')

  const registered = registeredRedirectUris(app)
  let redirectUri: string
  if (params.redirectUri === undefined || params.redirectUri === '') {
    if (registered.length !== 1) throw new AuthorizationPageError('invalid_redirect_uri', 'The request has no redirect_uri and the application registered several.')
    redirectUri = registered[0]
  } else if (typeof params.redirectUri === 'string' && registered.includes(params.redirectUri)) {
    redirectUri = params.redirectUri
  } else {
    throw new AuthorizationPageError('invalid_redirect_uri', 'The redirect URI is not registered for this application.')
  }

  const state = typeof params.state === 'string' && params.state ? params.state : null
  const fail = (code: OAuthErrorCode, description?: string): never => {
    const e = description ? oauthError(code, description) : oauthError(code)
    throw new AuthorizationRedirectError(code, e.message, redirectUri, state)
  }
  if (state && state.length > 2048) fail('invalid_request', 'The state parameter is too long.')
  if (params.state !== undefined && typeof params.state !== 'string') fail('invalid_request', 'Invalid parameter: state.')

  // Mastodon requires response_type; a missing one is read as `code`, the only type there is.
  if (params.responseType !== undefined && params.responseType !== '' && params.responseType !== 'code') fail('unsupported_response_type')

  let scopes: string[] = []
  try {
    scopes = requestedScopes(params.scope, appScopes(app))
  } catch (e) {
    fail('invalid_scope', (e as OAuthError).message)
  }

  let codeChallenge: string | null = null
  let codeChallengeMethod: CodeChallengeMethod | null = null
  if (params.codeChallenge !== undefined && params.codeChallenge !== '') {
    if (typeof params.codeChallenge !== 'string' || !isPkceValue(params.codeChallenge)) fail('invalid_request', 'Invalid parameter: code_challenge.')
    const method = params.codeChallengeMethod === undefined || params.codeChallengeMethod === '' ? 'plain' : params.codeChallengeMethod
    if (method !== 'S256' && method !== 'plain') fail('invalid_request', 'Transform algorithm not supported.')
    codeChallenge = params.codeChallenge as string
    codeChallengeMethod = method as CodeChallengeMethod
  }
  return { app, redirectUri, scopes, state, codeChallenge, codeChallengeMethod }
}

/** Issues a single-use authorization code bound to the request and the user; only its hash is stored. */
export async function createAuthorizationCode(ctx: Ctx, request: AuthorizationRequest, userId: string): Promise<string> {
  const code = randomToken(32)
  await ctx.db.insert(oauthCodes).values({
    codeHash: sha256(code),
    appId: request.app.id,
    userId,
    scopes: request.scopes.join(' '),
    redirectUri: request.redirectUri,
    codeChallenge: request.codeChallenge,
    codeChallengeMethod: request.codeChallengeMethod,
    expiresAt: new Date(Date.now() + CODE_TTL_SECONDS * 1000),
  })
  // Expired codes are kept for a day so a late replay is still recognised (and revokes its token), then dropped.
  await ctx.db.delete(oauthCodes).where(lt(oauthCodes.expiresAt, sql`now() - interval '1 day'`))
  return code
}

/** Where the browser goes after approval: the client's redirect URI with the code and state, or null for the OOB page. */
export function approvalLocation(request: AuthorizationRequest, code: string): string | null {
  if (request.redirectUri === OOB_REDIRECT) return null
  return withParams(request.redirectUri, { code, state: request.state })
}

export function denialError(request: AuthorizationRequest): AuthorizationRedirectError {
  return new AuthorizationRedirectError('access_denied', oauthError('access_denied').message, request.redirectUri, request.state)
}

/**
 * Has the user already authorised this app for at least these scopes (a live token exists)?
 * Then the consent screen is skipped, as Doorkeeper does for Mastodon.
 */
export async function hasPriorConsent(ctx: Ctx, request: AuthorizationRequest, userId: string): Promise<boolean> {
  const rows = await ctx.db.select({ scopes: oauthTokens.scopes }).from(oauthTokens).where(and(
    eq(oauthTokens.appId, request.app.id),
    eq(oauthTokens.userId, userId),
    isNull(oauthTokens.revokedAt),
    or(isNull(oauthTokens.expiresAt), gt(oauthTokens.expiresAt, sql`now()`)),
  )).limit(50)
  return rows.some((r) => {
    const granted = r.scopes.split(' ')
    return request.scopes.every((s) => scopeCovers(granted, s))
  })
}
