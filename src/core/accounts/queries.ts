import { and, asc, desc, eq, inArray, isNull, or, sql, type SQL } from 'drizzle-orm'
import { accounts, follows, users, type AccountRow } from '../../db/schema'
import type { Ctx } from '../context'
import { NotFoundError, UnauthorizedError, ValidationError } from '../errors'
import { escapeLike, uuidParam } from '../../db/sql'
import { isId } from '../ids'
import type { Viewer } from '../oauth/authenticate'
import { NICKNAME_PATTERN } from './validation'

/** Staff may look at suspended, deactivated and pending accounts; everyone else gets a 404 for them. */
export function isStaff(viewer: Viewer | null): boolean {
  return !!viewer && (viewer.isAdmin || viewer.isModerator)
}

const aliveAccountSql = sql`${accounts.deletedAt} is null`

/**
 * Accounts a viewer may see: not deleted (a deleted account is only a tombstone keeping its name, even for staff),
 * not suspended, and for local ones a user that is active and approved. The viewer's own account is always visible.
 */
export function visibleAccountSql(viewer: Viewer | null): SQL {
  if (isStaff(viewer)) return aliveAccountSql
  return viewer?.accountId ? sql`(${aliveAccountSql} and (${eq(accounts.id, viewer.accountId)} or ${openAccountSql()}))` : sql`(${aliveAccountSql} and ${openAccountSql()})`
}

/** Not suspended, and for a local account a user that is active and approved. */
function openAccountSql(): SQL {
  const hiddenUser = sql`exists (select 1 from ${users} where ${users.accountId} = ${accounts.id} and (not ${users.isActive} or not ${users.isApproved}))`
  return sql`(${accounts.suspendedAt} is null and not ${hiddenUser})`
}

/**
 * A viewer as columns of a multi-viewer statement: the account (a uuid, null for anonymous) and whether it is staff.
 * The rules below then decide for every viewer row at once, as their single-viewer forms do for one.
 */
export interface ViewerColumns {
  accountId: SQL
  staff: SQL
}

/** `listedAccountSql` for a viewer given as columns. */
export function listedAccountForViewerSql(viewer: ViewerColumns): SQL {
  const visible = sql`(${aliveAccountSql} and (${viewer.staff} or ${accounts.id} = ${viewer.accountId} or ${openAccountSql()}))`
  return sql`(${visible} and ${notBlockedEitherWaySql(viewer.accountId)})`
}

/** Neither the viewer blocks the account nor the account blocks the viewer (true without a viewer account). */
export function notBlockedEitherWaySql(viewerAccountId: string | SQL | null): SQL {
  if (!viewerAccountId) return sql`true`
  const viewer = typeof viewerAccountId === 'string' ? uuidParam(viewerAccountId) : viewerAccountId
  return sql`not exists (select 1 from blocks b where (b.account_id = ${viewer} and b.target_account_id = ${accounts.id})
    or (b.account_id = ${accounts.id} and b.target_account_id = ${viewer}))`
}

/**
 * Accounts that may appear in any list of accounts a viewer reads (who favourited, followers, reactions, search,
 * list members…): visible to the viewer and not on either side of a block with them.
 */
export function listedAccountSql(viewer: Viewer | null): SQL {
  return and(visibleAccountSql(viewer), notBlockedEitherWaySql(viewer?.accountId ?? null))!
}

const REMOTE_NAME = /^[A-Za-z0-9_.-]+$/
const DOMAIN_PATTERN = /^[A-Za-z0-9.-]+(?::\d+)?$/

/** `alice`, `@alice`, `alice@our.domain` (local) or `bob@remote.example`; null when it cannot be an address. */
export function parseAcct(ctx: Ctx, acct: string): { username: string; domain: string | null } | null {
  const value = acct.trim().replace(/^@/, '')
  if (!value || value.length > 300) return null
  const [username, domain, ...rest] = value.split('@')
  if (rest.length || !username) return null
  if (domain === undefined || domain.toLowerCase() === ctx.config.domain.toLowerCase()) {
    return NICKNAME_PATTERN.test(username) ? { username, domain: null } : null
  }
  if (!REMOTE_NAME.test(username) || !DOMAIN_PATTERN.test(domain)) return null
  return { username, domain: domain.toLowerCase() }
}

function byAcct(address: { username: string; domain: string | null }): SQL {
  return address.domain
    ? and(eq(accounts.username, address.username), eq(accounts.domain, address.domain))!
    : and(eq(accounts.username, address.username), isNull(accounts.domain))!
}

/**
 * GET /api/v1/accounts/:id — the id may also be a local nickname or `nick@domain`, as Pleroma allows.
 * An id match wins over a nickname that happens to look like an id.
 */
export async function getAccount(ctx: Ctx, idOrNickname: string, viewer: Viewer | null): Promise<AccountRow> {
  const address = parseAcct(ctx, idOrNickname)
  const conditions: SQL[] = []
  if (isId(idOrNickname)) conditions.push(eq(accounts.id, idOrNickname))
  if (address) conditions.push(byAcct(address))
  if (!conditions.length) throw new NotFoundError()
  const rows = await ctx.db.select().from(accounts)
    .where(and(or(...conditions), visibleAccountSql(viewer)))
    .limit(2)
  const row = rows.find((r) => r.id === idOrNickname) ?? rows[0]
  if (!row) throw new NotFoundError()
  return row
}

/** GET /api/v1/accounts/lookup?acct= — local or already known remote accounts, no WebFinger. */
export async function lookupAccount(ctx: Ctx, acct: unknown, viewer: Viewer | null): Promise<AccountRow> {
  if (typeof acct !== 'string' || !acct.trim()) throw new ValidationError('Validation failed: acct is missing')
  const address = parseAcct(ctx, acct)
  if (!address) throw new NotFoundError()
  const [row] = await ctx.db.select().from(accounts).where(and(byAcct(address), visibleAccountSql(viewer))).limit(1)
  if (!row) throw new NotFoundError()
  return row
}

export const MAX_ACCOUNTS_BY_ID = 40

/** GET /api/v1/accounts?id[]= — in the order asked, skipping unknown, malformed and hidden ids. */
export async function getAccountsByIds(ctx: Ctx, ids: string[], viewer: Viewer | null): Promise<AccountRow[]> {
  const wanted = [...new Set(ids.filter((id) => isId(id)))].slice(0, MAX_ACCOUNTS_BY_ID)
  if (!wanted.length) return []
  const rows = await ctx.db.select().from(accounts).where(and(inArray(accounts.id, wanted), visibleAccountSql(viewer)))
  const byId = new Map(rows.map((r) => [r.id, r]))
  return wanted.map((id) => byId.get(id)).filter((r): r is AccountRow => !!r)
}

export interface AccountSearchOptions {
  q: unknown
  limit?: unknown
  offset?: unknown
  following?: boolean
  resolve?: boolean
}

export const SEARCH_DEFAULT_LIMIT = 40
export const SEARCH_MAX_LIMIT = 80
/** Relevance order cannot be keyset-paged; a small cap keeps deep offsets from scanning the table. */
export const SEARCH_MAX_OFFSET = 200

/**
 * GET /api/v1/accounts/search. Matches username and display name by substring, or by trigram similarity when no
 * name contains the text; an exact username comes first, then accounts the viewer follows, then username and display-name
 * prefixes, then the closest matches. Accounts that blocked the viewer, or that the viewer blocked
 * or muted, stay out. Accounts that opted out of discovery only show up for an exact username, for their followers or themselves.
 * Resolving unknown remote addresses is the search module's job (`core/search/search.ts`).
 */
export async function searchAccounts(ctx: Ctx, viewer: Viewer | null, opts: AccountSearchOptions): Promise<AccountRow[]> {
  const raw = typeof opts.q === 'string' ? opts.q.trim() : ''
  if (!raw) return []
  if (opts.following && !viewer) throw new UnauthorizedError()
  if (opts.following && !viewer?.accountId) throw new ValidationError('This method requires an authenticated user')
  const limitNumber = Number(opts.limit)
  const limit = Number.isFinite(limitNumber) && limitNumber > 0 ? Math.min(Math.floor(limitNumber), SEARCH_MAX_LIMIT) : SEARCH_DEFAULT_LIMIT
  const offsetNumber = Number(opts.offset)
  const offset = Number.isFinite(offsetNumber) && offsetNumber > 0 ? Math.floor(offsetNumber) : 0
  if (offset > SEARCH_MAX_OFFSET) return []

  const query = raw.replace(/^@/, '').slice(0, 200)
  const at = query.indexOf('@')
  const term = (at >= 0 ? query.slice(0, at) : query).trim()
  const domainPart = at >= 0 ? query.slice(at + 1).trim().toLowerCase() : ''
  if (!term) return []

  const doc = sql`(${accounts.username}::text || ' ' || ${accounts.displayName})`
  const like = `%${escapeLike(term)}%`
  const prefix = `${escapeLike(term)}%`
  const exactUsername = sql`lower(${accounts.username}::text) = lower(${term})`
  const conditions: SQL[] = [listedAccountSql(viewer)]
  if (domainPart) {
    conditions.push(domainPart === ctx.config.domain.toLowerCase()
      ? isNull(accounts.domain)
      : sql`${accounts.domain}::text ilike ${`${escapeLike(domainPart)}%`}`)
  }
  const viewerAccountId = viewer?.accountId ?? null
  const followsTarget = viewerAccountId
    ? sql`exists (select 1 from ${follows} where ${eq(follows.accountId, viewerAccountId)} and ${follows.targetAccountId} = ${accounts.id})`
    : sql`false`
  const self = viewerAccountId ? eq(accounts.id, viewerAccountId) : sql`false`
  conditions.push(sql`(${accounts.discoverable} or ${exactUsername} or ${followsTarget} or ${self})`)
  if (opts.following) conditions.push(followsTarget)
  // Blocks either way are left out by listedAccountSql; search also leaves out the accounts the viewer mutes.
  if (viewerAccountId) {
    conditions.push(sql`not exists (select 1 from mutes sm where sm.account_id = ${uuidParam(viewerAccountId)} and sm.target_account_id = ${accounts.id}
      and (sm.expires_at is null or sm.expires_at > now()))`)
  }

  const page = (match: SQL, count: number) => ctx.db.select().from(accounts)
    .where(and(match, ...conditions))
    .orderBy(
      desc(sql`(${exactUsername} and ${domainPart ? sql`true` : isNull(accounts.domain)})`),
      desc(exactUsername),
      ...(viewerAccountId ? [desc(followsTarget)] : []),
      desc(sql`${accounts.username}::text ilike ${prefix}`),
      desc(sql`${accounts.displayName} ilike ${prefix}`),
      desc(sql`similarity(${doc}, ${term})`),
      desc(accounts.followersCount),
      asc(accounts.id),
    )
    .limit(count)
  // Names containing the text are what is looked for; names merely like it (a typo) only when none contains it. The
  // trigram index narrows a substring match to names holding all of its trigrams, while similarity takes any name
  // sharing one (every "bench N" for "bench2176") and ranks them all.
  const containing = await page(sql`${doc} ilike ${like}`, offset + limit)
  const found = containing.length ? containing : await page(sql`${doc} % ${term}`, offset + limit)
  return found.slice(offset)
}
