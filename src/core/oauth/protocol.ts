import { createHash } from 'node:crypto'
import type { OAuthAppRow } from '../../db/schema'
import { OAuthError } from '../errors'
import { safeEqual } from '../secrets'
import { KNOWN_SCOPES, parseScopes, scopeCovers } from './scopes'

/** RFC 6749 error codes with Doorkeeper's descriptions (what Mastodon answers) and their HTTP status. */
const ERRORS = {
  invalid_request: [400, 'The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.'],
  invalid_client: [401, 'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.'],
  invalid_grant: [400, 'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.'],
  unauthorized_client: [400, 'The client is not authorized to perform this request using this method.'],
  unsupported_grant_type: [400, 'The authorization grant type is not supported by the authorization server.'],
  invalid_scope: [400, 'The requested scope is invalid, unknown, or malformed.'],
  access_denied: [403, 'The resource owner or authorization server denied the request.'],
  unsupported_response_type: [400, 'The authorization server does not support this response type.'],
} as const

export type OAuthErrorCode = keyof typeof ERRORS

export function oauthError(code: OAuthErrorCode, description?: string): OAuthError {
  const [status, text] = ERRORS[code]
  return new OAuthError(status, code, description ?? text)
}

export const missingParam = (name: string) => oauthError('invalid_request', `Missing required parameter: ${name}.`)

/** A single string parameter; arrays (a repeated key) and objects are malformed, empty strings count as absent. */
export function stringParam(value: unknown, name: string, maxLength = 2048): string | undefined {
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value === 'number') value = String(value)
  if (typeof value !== 'string') throw oauthError('invalid_request', `Invalid parameter: ${name}.`)
  if (value.length > maxLength) throw oauthError('invalid_request', `Parameter too long: ${name}.`)
  return value
}

export function appScopes(app: Pick<OAuthAppRow, 'scopes'>): string[] {
  return app.scopes.split(/\s+/).filter(Boolean)
}

/**
 * The scopes a request asks for: the app's own scopes when none are given (as Pleroma does),
 * otherwise known scopes each covered by what the app registered (`read` covers `read:statuses`).
 */
export function requestedScopes(value: unknown, allowed: string[]): string[] {
  if (value !== undefined && value !== null && typeof value !== 'string' && !Array.isArray(value)) throw oauthError('invalid_scope')
  const requested = parseScopes(value)
  if (!requested.length) return [...allowed]
  const bad = requested.filter((s) => !KNOWN_SCOPES.has(s) || !scopeCovers(allowed, s))
  if (bad.length) throw oauthError('invalid_scope', `The requested scope is invalid, unknown, or malformed: ${bad.join(' ')}`)
  return requested
}

export type CodeChallengeMethod = 'S256' | 'plain'

/** RFC 7636 §4.1/4.2: verifiers and challenges are 43–128 unreserved characters. */
const PKCE_VALUE = /^[A-Za-z0-9._~-]{43,128}$/

export function isPkceValue(value: string): boolean {
  return PKCE_VALUE.test(value)
}

export function verifyCodeVerifier(verifier: string, challenge: string, method: string): boolean {
  if (!isPkceValue(verifier)) return false
  const computed = method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier
  return safeEqual(computed, challenge)
}

/** Appends query parameters to a registered redirect URI, keeping the ones it already has. */
export function withParams(uri: string, params: Record<string, string | null | undefined>): string {
  const url = new URL(uri)
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined) url.searchParams.append(k, v)
  return url.toString()
}
