import type { AccountRow, StatusRow } from '../../db/schema'
import { SEARCH_DEFAULT_LIMIT as ACCOUNT_SEARCH_DEFAULT, SEARCH_MAX_LIMIT, searchAccounts } from '../accounts/queries'
import type { Ctx } from '../context'
import { BadRequestError, UnauthorizedError, ValidationError } from '../errors'
import { isId } from '../ids'
import type { Viewer } from '../oauth/authenticate'
import type { TagRef } from '../tags/tags'
import type { Page } from '../timelines/page'
import { searchHashtags } from './hashtags'
import { looksLikeAcct, resolveAcct, resolveUrl } from './resolve'
import { searchStatuses } from './statuses'

export type SearchType = 'accounts' | 'statuses' | 'hashtags'

export interface SearchParams {
  q: unknown
  type?: unknown
  resolve: boolean
  following: boolean
  accountId?: unknown
  limit?: unknown
  offset?: unknown
  maxId?: unknown
  minId?: unknown
}

export interface SearchResults {
  accounts: AccountRow[]
  statuses: StatusRow[]
  hashtags: TagRef[]
}

export const SEARCH_DEFAULT_LIMIT = 20
export const SEARCH_LIMIT = 40
/** Without a token: fewer results, no paging and no remote lookups, as on Mastodon. */
export const ANONYMOUS_SEARCH_LIMIT = 10
const MAX_OFFSET = 200

const TYPES = new Set(['accounts', 'statuses', 'hashtags'])

function readType(value: unknown): SearchType | null {
  if (value === undefined || value === null || value === '') return null
  if (typeof value !== 'string' || !TYPES.has(value)) throw new ValidationError('Validation failed: type must be accounts, statuses or hashtags')
  return value as SearchType
}

function readCount(value: unknown, fallback: number, max: number): number {
  const n = Number(value)
  return value !== undefined && value !== '' && Number.isFinite(n) && n >= 0 ? Math.min(Math.floor(n), max) : fallback
}

/**
 * GET /api/v2/search (and Pleroma's v1): accounts, statuses and hashtags matching `q`. With `resolve` a URL or a
 * remote address is looked up (through federation when needed) and, when found, is the whole answer for its kind.
 * Statuses are only searched for a signed-in user.
 */
export async function search(ctx: Ctx, viewer: Viewer | null, params: SearchParams): Promise<SearchResults> {
  if (typeof params.q !== 'string' || !params.q.trim()) throw new BadRequestError('param is missing or the value is empty: q')
  const q = params.q.trim()
  const type = readType(params.type)
  const signedIn = viewer?.accountId ? viewer : null
  const offset = readCount(params.offset, 0, MAX_OFFSET)
  if (!signedIn) {
    if (offset > 0) throw new UnauthorizedError('Search queries pagination is not supported without authentication')
    if (params.resolve) throw new UnauthorizedError('Search queries that resolve remote resources are not supported without authentication')
    if (type === 'statuses') throw new UnauthorizedError('Search queries for statuses are not supported without authentication')
  }
  const limit = readCount(params.limit, SEARCH_DEFAULT_LIMIT, signedIn ? SEARCH_LIMIT : ANONYMOUS_SEARCH_LIMIT) || SEARCH_DEFAULT_LIMIT
  const results: SearchResults = { accounts: [], statuses: [], hashtags: [] }
  const wants = (t: SearchType) => !type || type === t

  if (signedIn && params.resolve && offset === 0) {
    const found = await resolveUrl(ctx, signedIn, q)
    if (found) {
      if (found.kind === 'account' && wants('accounts')) results.accounts = [found.account]
      if (found.kind === 'status' && wants('statuses')) results.statuses = [found.status]
      return results
    }
  }

  const page: Page = {
    limit,
    maxId: isId(params.maxId) ? params.maxId : undefined,
    minId: isId(params.minId) ? params.minId : undefined,
  }
  const [accounts, statuses, hashtags] = await Promise.all([
    wants('accounts') ? findAccounts(ctx, viewer, q, { limit, offset, following: params.following, resolve: params.resolve }) : [],
    wants('statuses') && signedIn
      ? searchStatuses(ctx, signedIn.accountId!, q, { page, offset, accountId: typeof params.accountId === 'string' && params.accountId ? params.accountId : null })
      : [],
    wants('hashtags') && !looksLikeAcct(q) ? searchHashtags(ctx, q, limit, offset) : [],
  ])
  return { accounts, statuses, hashtags }
}

/**
 * The account finder of both search endpoints (and `/api/v1/accounts/search`): local and known accounts by name,
 * display name or address, and with `resolve` an unknown remote address looked up through federation.
 */
export async function findAccounts(ctx: Ctx, viewer: Viewer | null, q: unknown,
  opts: { limit?: unknown; offset?: unknown; following: boolean; resolve: boolean }): Promise<AccountRow[]> {
  const found = await searchAccounts(ctx, viewer, { q, limit: opts.limit, offset: opts.offset, following: opts.following })
  if (typeof q !== 'string' || !opts.resolve || Number(opts.offset) > 0 || !viewer?.accountId || !looksLikeAcct(q.trim())) return found
  const address = q.trim().replace(/^@/, '').toLowerCase()
  if (found.some((a) => `${a.username}@${a.domain ?? ctx.config.domain}`.toLowerCase() === address)) return found
  const resolved = await resolveAcct(ctx, viewer, q.trim())
  if (!resolved) return found
  const limit = readCount(opts.limit, ACCOUNT_SEARCH_DEFAULT, SEARCH_MAX_LIMIT) || ACCOUNT_SEARCH_DEFAULT
  return [resolved, ...found.filter((a) => a.id !== resolved.id)].slice(0, limit)
}
