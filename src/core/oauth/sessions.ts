import { and, eq, isNotNull, isNull, sql } from 'drizzle-orm'
import { forgetViewers } from './viewer-cache'
import { accounts, oauthTokens, users, type AccountRow, type UserRow } from '../../db/schema'
import type { Ctx } from '../context'
import { hashPassword, needsRehash } from '../accounts/passwords'
import { sha256 } from '../secrets'
import { assertUserCanLogIn, findUserByLogin } from './authenticate'
import { issueToken, type IssuedToken, liveTokenSql } from './tokens'

export interface SignedInUser {
  user: UserRow
  account: AccountRow
}

/** Longest login and password we hash; anything longer cannot be a valid credential and must not cost argon2 time. */
const MAX_LOGIN_LENGTH = 320
const MAX_PASSWORD_INPUT = 1024

/**
 * Checks a nickname-or-e-mail and password. Returns null for wrong credentials without telling whether the account exists
 * (findUserByLogin verifies against a decoy hash when it does not); throws the 403s of a disabled, unapproved or
 * unconfirmed user only once the password was right. Records the sign-in and upgrades an imported password hash.
 */
export async function signIn(ctx: Ctx, login: unknown, password: unknown): Promise<SignedInUser | null> {
  const name = typeof login === 'string' ? login.slice(0, MAX_LOGIN_LENGTH) : ''
  const secret = typeof password === 'string' ? password.slice(0, MAX_PASSWORD_INPUT) : ''
  const row = await findUserByLogin(ctx, name, secret)
  if (!row) return null
  assertUserCanLogIn(ctx, { ...row.user, isActive: row.user.isActive && !row.account.suspendedAt })
  const rehashed = needsRehash(row.user.passwordHash) ? await hashPassword(secret) : null
  await ctx.db.update(users).set({
    lastSignInAt: new Date(),
    signInCount: sql`${users.signInCount} + 1`,
    ...(rehashed ? { passwordHash: rehashed } : {}),
  }).where(eq(users.id, row.user.id))
  return row
}

/** Scopes of a browser session: what the web frontend needs, never admin. */
export const SESSION_SCOPES = ['read', 'write', 'follow', 'push']
export const SESSION_TTL_SECONDS = 30 * 24 * 60 * 60

/** A browser session is a token without an app (app tokens always have one), kept in the session cookie. */
export function startSession(ctx: Ctx, userId: string): Promise<IssuedToken> {
  return issueToken(ctx, { appId: null, userId, scopes: SESSION_SCOPES, withRefresh: false, expiresInSeconds: SESSION_TTL_SECONDS })
}

export interface Session extends SignedInUser {
  tokenId: string
}

/** The live session behind a cookie value, or null (unknown, revoked, expired, or its user may no longer log in). */
export async function findSession(ctx: Ctx, token: string | null | undefined): Promise<Session | null> {
  if (!token || token.length > 512) return null
  const [row] = await ctx.db
    .select({ tokenId: oauthTokens.id, user: users, account: accounts })
    .from(oauthTokens)
    .innerJoin(users, eq(users.id, oauthTokens.userId))
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(and(liveTokenSql(token), isNull(oauthTokens.appId), isNotNull(oauthTokens.userId)))
    .limit(1)
  if (!row) return null
  try {
    assertUserCanLogIn(ctx, { ...row.user, isActive: row.user.isActive && !row.account.suspendedAt })
  } catch {
    return null
  }
  return row
}

/** Ends the browser session held by a cookie value; app tokens are never touched here. */
export async function endSession(ctx: Ctx, token: string | null | undefined): Promise<boolean> {
  if (!token || token.length > 512) return false
  const rows = await ctx.db.update(oauthTokens).set({ revokedAt: new Date() })
    .where(and(eq(oauthTokens.tokenHash, sha256(token)), isNull(oauthTokens.appId), isNull(oauthTokens.revokedAt)))
    .returning({ id: oauthTokens.id })
  forgetViewers(ctx.database)
  return rows.length > 0
}
