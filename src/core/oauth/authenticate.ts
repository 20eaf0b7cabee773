import { eq } from 'drizzle-orm'
import { accounts, oauthTokens, users, type UserRow } from '../../db/schema'
import type { Ctx } from '../context'
import { ForbiddenError } from '../errors'
import { verifyPassword } from '../accounts/passwords'
import { liveTokenSql } from './tokens'
import { viewerCacheOf } from './viewer-cache'
import { sha256 } from '../secrets'

/** Who is calling: a token's holder (user or app-only), with the scopes it may use. */
export interface Viewer {
  tokenId: string | null
  appId: string | null
  scopes: string[]
  /** null for app-only (client_credentials) tokens */
  userId: string | null
  accountId: string | null
  username: string | null
  isAdmin: boolean
  isModerator: boolean
}

export type UserViewer = Viewer & { userId: string; accountId: string; username: string }

export const ALL_SCOPES = ['read', 'write', 'follow', 'push', 'admin']

/** A deactivated, unconfirmed or unapproved user may not use the API; Mastodon answers 403 with these texts. */
export function assertUserCanLogIn(
  ctx: Ctx,
  user: Pick<UserRow, 'isActive' | 'confirmedAt' | 'isApproved'> & { passwordResetPending?: boolean },
  opts: { allowUnconfirmed?: boolean } = {},
): void {
  if (!user.isActive) throw new ForbiddenError('Your login is currently disabled', { identifier: 'account_is_disabled' })
  // an admin forced a password reset: signing in with the old password is refused (Pleroma's wording)
  if (user.passwordResetPending) throw new ForbiddenError('Password reset is required', { identifier: 'password_reset_required' })
  if (!user.isApproved) throw new ForbiddenError('Your login is currently pending approval', { identifier: 'awaiting_approval' })
  if (ctx.config.accountActivationRequired && !user.confirmedAt && !opts.allowUnconfirmed) {
    throw new ForbiddenError('Your login is missing a confirmed e-mail address', { identifier: 'missing_confirmed_email' })
  }
}

const TOKEN_TOUCH_INTERVAL_MS = 60 * 60 * 1000

/**
 * Resolves a bearer token; null when it is unknown, revoked or expired. `allowUnconfirmed` lets a user whose e-mail
 * awaits confirmation through (only for asking for the confirmation mail again).
 */
export async function viewerFromToken(ctx: Ctx, token: string, opts: { allowUnconfirmed?: boolean } = {}): Promise<Viewer | null> {
  if (!token || token.length > 512) return null
  const key = sha256(token)
  const cache = viewerCacheOf<TokenHolder>(ctx.database)
  let row: TokenHolder | null | undefined = cache.get(key)
  if (!row) {
    row = await cache.load(key, () => loadTokenHolder(ctx, token))
    if (!row) return null
    if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > TOKEN_TOUCH_INTERVAL_MS) {
      await ctx.db.update(oauthTokens).set({ lastUsedAt: new Date() }).where(eq(oauthTokens.id, row.tokenId))
    }
  }
  if (row.expiresAt && row.expiresAt.getTime() <= Date.now()) return null
  if (row.userId) {
    assertUserCanLogIn(ctx, { isActive: row.isActive! && !row.suspendedAt, isApproved: row.isApproved!, confirmedAt: row.confirmedAt }, opts)
  }
  return {
    tokenId: row.tokenId,
    appId: row.appId,
    scopes: row.scopes.split(' ').filter(Boolean),
    userId: row.userId,
    accountId: row.accountId,
    username: row.username,
    isAdmin: row.isAdmin ?? false,
    isModerator: row.isModerator ?? false,
  }
}

type TokenHolder = NonNullable<Awaited<ReturnType<typeof loadTokenHolder>>>

async function loadTokenHolder(ctx: Ctx, token: string) {
  const [row] = await ctx.db
    .select({
      tokenId: oauthTokens.id,
      appId: oauthTokens.appId,
      scopes: oauthTokens.scopes,
      lastUsedAt: oauthTokens.lastUsedAt,
      expiresAt: oauthTokens.expiresAt,
      userId: users.id,
      accountId: users.accountId,
      isAdmin: users.isAdmin,
      isModerator: users.isModerator,
      isActive: users.isActive,
      isApproved: users.isApproved,
      confirmedAt: users.confirmedAt,
      username: accounts.username,
      suspendedAt: accounts.suspendedAt,
    })
    .from(oauthTokens)
    .leftJoin(users, eq(users.id, oauthTokens.userId))
    .leftJoin(accounts, eq(accounts.id, users.accountId))
    .where(liveTokenSql(token))
    .limit(1)
  return row ?? null
}

/** Finds a local user by nickname or e-mail and checks the password, in constant time whether or not the user exists. */
export async function findUserByLogin(ctx: Ctx, login: string, password: string) {
  const name = login.trim().replace(/^@/, '')
  const [row] = name
    ? await ctx.db
        .select({ user: users, account: accounts })
        .from(users)
        .innerJoin(accounts, eq(accounts.id, users.accountId))
        .where(name.includes('@') && !name.endsWith(`@${ctx.config.domain}`)
          ? eq(users.email, name)
          : eq(accounts.username, name.replace(`@${ctx.config.domain}`, '')))
        .limit(1)
    : []
  const ok = await verifyPassword(password, row?.user.passwordHash)
  return ok && row ? row : null
}

/** HTTP Basic credentials act as the user with every scope, as Pleroma allows. */
export async function viewerFromPassword(ctx: Ctx, login: string, password: string): Promise<Viewer | null> {
  const row = await findUserByLogin(ctx, login, password)
  // A password alone must not get around a second factor.
  if (!row || row.user.totpSecret) return null
  assertUserCanLogIn(ctx, { ...row.user, isActive: row.user.isActive && !row.account.suspendedAt })
  return {
    tokenId: null,
    appId: null,
    scopes: ALL_SCOPES,
    userId: row.user.id,
    accountId: row.account.id,
    username: row.account.username,
    isAdmin: row.user.isAdmin,
    isModerator: row.user.isModerator,
  }
}
