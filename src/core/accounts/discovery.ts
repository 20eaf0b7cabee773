// Finding people: follow suggestions, the profile directory and familiar followers. Every list goes through
// `listedAccountSql`, and only shows accounts that opted into discovery.
import { and, asc, desc, inArray, isNull, sql, type SQL } from 'drizzle-orm'
import { accounts, suggestionDismissals, type AccountRow } from '../../db/schema'
import { uuidParam } from '../../db/sql'
import type { Ctx } from '../context'
import { ValidationError } from '../errors'
import { isId, uuidToId } from '../ids'
import type { Viewer } from '../oauth/authenticate'
import { getAccount, listedAccountSql } from './queries'

export type SuggestionSource = 'friends_of_friends' | 'featured' | 'most_followed'

export interface Suggestion {
  account: AccountRow
  sources: SuggestionSource[]
}

/** Accounts that show up in discovery lists: opted in, not limited by staff. */
const discoverableSql = (): SQL => sql`(${accounts.discoverable} and ${accounts.silencedAt} is null and ${accounts.movedToId} is null)`

/** The viewer has not muted the account (an expired mute no longer counts) nor blocked its domain. */
function notHiddenByViewerSql(viewerAccountId: string): SQL {
  const viewer = uuidParam(viewerAccountId)
  return sql`not exists (select 1 from mutes m where m.account_id = ${viewer} and m.target_account_id = ${accounts.id}
      and (m.expires_at is null or m.expires_at > now()))
    and (${accounts.domain} is null or not exists (select 1 from account_domain_blocks db
      where db.account_id = ${viewer} and db.domain = lower(${accounts.domain}::text)))`
}

/** How far back "recently active" reaches for popular accounts. */
const ACTIVE_DAYS = 30
/** How many popular accounts are considered before the viewer's exclusions. */
const POPULAR_POOL = 200

/**
 * Accounts to follow: those followed by the people the viewer follows (most shared first), accounts endorsed by admins
 * (staff picks), then popular local accounts active lately. Never the viewer, accounts they follow, asked to follow,
 * blocked (either way), muted, dismissed, or hidden from discovery.
 */
export async function listSuggestions(ctx: Ctx, viewer: Viewer & { accountId: string }, limit: number): Promise<Suggestion[]> {
  const me = uuidParam(viewer.accountId)
  const friends = sql`(select f2.target_account_id from follows f1 join follows f2 on f2.account_id = f1.target_account_id
    where f1.account_id = ${me})`
  const staff = sql`(select e.target_account_id from endorsements e join users u on u.account_id = e.account_id
    where u.is_admin and u.is_active)`
  const popular = sql`(select a.id from accounts a where a.domain is null and a.discoverable
    and a.last_status_at > now() - make_interval(days => ${ACTIVE_DAYS}) order by a.followers_count desc, a.id limit ${POPULAR_POOL})`
  // spelled out: in a partial select drizzle leaves columns unqualified, and "id" would name the subquery's own
  const candidate = sql.raw('"accounts"."id"')
  const sharedBy = sql<number>`(select count(distinct f1.target_account_id)::int from follows f1 join follows f2 on f2.account_id = f1.target_account_id
    where f1.account_id = ${me} and f2.target_account_id = ${candidate})`.mapWith(Number)
  const isStaffPick = sql<boolean>`(${candidate} in ${staff})`
  const rows = await ctx.db.select({ account: accounts, sharedBy, staffPick: isStaffPick }).from(accounts)
    .where(and(
      sql`(${accounts.id} in ${friends} or ${accounts.id} in ${staff} or ${accounts.id} in ${popular})`,
      sql`${accounts.id} <> ${me}`,
      listedAccountSql(viewer),
      discoverableSql(),
      notHiddenByViewerSql(viewer.accountId),
      sql`not exists (select 1 from follows f where f.account_id = ${me} and f.target_account_id = ${accounts.id})`,
      sql`not exists (select 1 from follow_requests r where r.account_id = ${me} and r.target_account_id = ${accounts.id})`,
      sql`not exists (select 1 from suggestion_dismissals d where d.account_id = ${me} and d.target_account_id = ${accounts.id})`,
    ))
    .orderBy(desc(sharedBy), desc(isStaffPick), desc(accounts.followersCount), desc(accounts.lastStatusAt), asc(accounts.id))
    .limit(limit)
  return rows.map((r) => ({
    account: r.account,
    sources: [
      ...(r.sharedBy > 0 ? ['friends_of_friends' as const] : []),
      ...(r.staffPick ? ['featured' as const] : []),
      ...(r.sharedBy === 0 && !r.staffPick ? ['most_followed' as const] : []),
    ],
  }))
}

/** Stops suggesting the account to the viewer (for good, as Mastodon remembers it). */
export async function dismissSuggestion(ctx: Ctx, viewer: Viewer & { accountId: string }, accountId: string): Promise<void> {
  const target = await getAccount(ctx, accountId, viewer)
  await ctx.db.insert(suggestionDismissals).values({ accountId: viewer.accountId, targetAccountId: target.id }).onConflictDoNothing()
}

export interface DirectoryQuery {
  order: 'active' | 'new'
  local: boolean
  offset: number
  limit: number
}

export const DIRECTORY_MAX_LIMIT = 80

export function directoryQuery(input: Record<string, unknown>): DirectoryQuery {
  const order = input.order === undefined || input.order === '' ? 'active' : String(input.order)
  if (order !== 'active' && order !== 'new') throw new ValidationError('Validation failed: order must be active or new')
  const number = (key: string, fallback: number, min: number) => {
    const raw = input[key]
    if (raw === undefined || raw === '') return fallback
    const n = Number(raw)
    if (!Number.isInteger(n) || n < min) throw new ValidationError(`Validation failed: ${key} must be a whole number of ${min} or more`)
    return n
  }
  const local = input.local === true || input.local === 'true' || input.local === '1' || input.local === 1
  return { order, local, offset: Math.min(number('offset', 0, 0), 100_000), limit: Math.min(number('limit', 40, 1), DIRECTORY_MAX_LIMIT) }
}

/** Mastodon's profile directory: discoverable accounts, most recently active or newest first. */
export async function listDirectory(ctx: Ctx, viewer: Viewer | null, query: DirectoryQuery): Promise<AccountRow[]> {
  const conditions: SQL[] = [listedAccountSql(viewer), discoverableSql()]
  if (query.local) conditions.push(isNull(accounts.domain))
  if (viewer?.accountId) conditions.push(notHiddenByViewerSql(viewer.accountId))
  const order = query.order === 'new'
    ? [desc(accounts.createdAt), desc(accounts.id)]
    : [sql`${accounts.lastStatusAt} desc nulls last`, desc(accounts.id)]
  return ctx.db.select().from(accounts).where(and(...conditions)).orderBy(...order).limit(query.limit).offset(query.offset)
}

export const MAX_FAMILIAR_IDS = 40

/**
 * For each account asked about (in order, each once), the accounts the viewer follows that follow it. Unknown and
 * hidden accounts are left out; an account hiding its followers shows none, except to itself.
 */
export async function familiarFollowers(ctx: Ctx, viewer: Viewer & { accountId: string }, ids: string[]): Promise<{ id: string; accounts: AccountRow[] }[]> {
  const wanted = [...new Set(ids.filter(isId))].slice(0, MAX_FAMILIAR_IDS)
  if (!wanted.length) return []
  const targets = await ctx.db.select({ id: accounts.id, hideFollowers: accounts.hideFollowers }).from(accounts)
    .where(and(inArray(accounts.id, wanted), listedAccountSql(viewer)))
  const open = targets.filter((t) => !t.hideFollowers || t.id === viewer.accountId).map((t) => t.id)
  const me = uuidParam(viewer.accountId)
  const rows = open.length
    ? await ctx.db.select({ account: accounts, targetId: sql<string>`f2.target_account_id`.mapWith((v: string) => uuidToId(v)) }).from(accounts)
      .innerJoin(sql`follows f1`, sql`f1.target_account_id = ${accounts.id} and f1.account_id = ${me}`)
      .innerJoin(sql`follows f2`, sql`f2.account_id = ${accounts.id} and f2.target_account_id in (${sql.join(open.map(uuidParam), sql`, `)})`)
      .where(listedAccountSql(viewer))
      .orderBy(asc(accounts.id))
    : []
  return wanted.filter((id) => targets.some((t) => t.id === id)).map((id) => ({
    id,
    accounts: rows.filter((r) => r.targetId === id).map((r) => r.account),
  }))
}
