import { and, eq, isNull } from 'drizzle-orm'
import { accounts, users, type AccountRow } from '../../db/schema'
import { MAX_NICKNAME_LENGTH, NICKNAME_PATTERN } from '../accounts/validation'
import type { Ctx } from '../context'
import { AppError, BadRequestError, NotFoundError } from '../errors'

/**
 * A host as one canonical string: lower case, IDN in punycode, no trailing dot, no default port.
 * `Example.COM.`, `example.com` and `example.com:443` (for https) compare equal.
 */
export function canonicalHost(host: string, scheme: 'http' | 'https' = 'https'): string | null {
  if (!host || /[\s/@?#\\]/.test(host)) return null
  try {
    const url = new URL(`${scheme}://${host}`)
    return url.host.replace(/\.(?=:\d+$|$)/, '')
  } catch {
    return null
  }
}

/** Our own host, canonical, with the scheme of the base URL (so its default port is dropped). */
export function localHost(ctx: Ctx): string {
  const scheme = ctx.config.baseUrl.startsWith('http://') ? 'http' : 'https'
  return canonicalHost(ctx.config.domain, scheme) ?? ctx.config.domain.toLowerCase()
}

const PROFILE_PATH = /^\/(?:users\/|@)([^/]+)\/?$/

/**
 * Reads a WebFinger `resource`: `acct:nick@host` (also without `acct:` or with a leading `@`), or our actor
 * or profile URL (`https://host/users/nick`, `https://host/@nick`). Returns the local nickname, or null when the
 * resource is well formed but names something that is not ours. Throws 400 when it cannot be read at all.
 */
export function parseWebfingerResource(ctx: Ctx, resource: unknown): string | null {
  if (typeof resource !== 'string' || !resource.trim()) throw new BadRequestError('The resource parameter is missing')
  const value = resource.trim()
  if (value.length > 1024 || /[\s\u0000-\u001f]/.test(value)) throw new BadRequestError('The resource parameter is malformed')

  if (/^https?:\/\//i.test(value)) {
    let url: URL
    try {
      url = new URL(value)
    } catch {
      throw new BadRequestError('The resource parameter is malformed')
    }
    if (url.username || url.password) throw new BadRequestError('The resource parameter is malformed')
    const scheme = url.protocol === 'http:' ? 'http' : 'https'
    if (canonicalHost(url.host, scheme) !== localHost(ctx)) return null
    const match = PROFILE_PATH.exec(url.pathname)
    if (!match) return null
    try {
      return decodeURIComponent(match[1])
    } catch {
      return null
    }
  }

  const acct = value.replace(/^acct:/i, '').replace(/^@/, '')
  const at = acct.lastIndexOf('@')
  if (at <= 0 || at === acct.length - 1) throw new BadRequestError('The resource parameter is malformed')
  const host = canonicalHost(acct.slice(at + 1))
  if (!host) throw new BadRequestError('The resource parameter is malformed')
  return host === localHost(ctx) ? acct.slice(0, at) : null
}

/**
 * The local account a WebFinger resource names. 404 for anything not ours or not (yet) visible,
 * 410 for suspended or deactivated accounts, as Mastodon answers.
 */
export async function resolveWebfinger(ctx: Ctx, resource: unknown): Promise<AccountRow> {
  const nickname = parseWebfingerResource(ctx, resource)
  if (!nickname || nickname.length > MAX_NICKNAME_LENGTH || !NICKNAME_PATTERN.test(nickname)) throw new NotFoundError()
  const [row] = await ctx.db
    .select({ account: accounts, isActive: users.isActive, isApproved: users.isApproved })
    .from(accounts)
    .innerJoin(users, eq(users.accountId, accounts.id))
    .where(and(eq(accounts.username, nickname), isNull(accounts.domain)))
    .limit(1)
  if (!row || !row.isApproved) throw new NotFoundError()
  if (row.account.suspendedAt || !row.isActive) throw new AppError(410, 'This account is no longer available')
  return row.account
}
