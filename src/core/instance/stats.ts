import { and, asc, eq, isNull, or, sql } from 'drizzle-orm'
import { resultRows } from '../../db/client'
import { accounts, users, type AccountRow } from '../../db/schema'
import { domainPolicies } from './domain-policy'
import type { Database } from '../../db/client'
import type { Ctx } from '../context'

export interface InstanceStats {
  /** local users who can use the server: active, approved, not suspended */
  userCount: number
  /** statuses written by local accounts */
  statusCount: number
  /** remote domains we know accounts from */
  domainCount: number
  /** local users active (signed in, used a token or posted) in the last 30 / 180 days */
  activeMonth: number
  activeHalfyear: number
}

/** A local user counts as a user while they can log in. */
const usableUser = and(eq(users.isActive, true), eq(users.isApproved, true), isNull(accounts.suspendedAt))

/**
 * Each usable user's last activity we record: signing in, using a token, posting. The tokens' latest use is
 * aggregated once for all users and joined, not looked up per user (ten thousand index probes, twice).
 */
const lastActivity = sql`select greatest(${users.lastSignInAt}, ${accounts.lastStatusAt}, t.last_used) as at
  from ${users} join ${accounts} on ${accounts.id} = ${users.accountId}
  left join (select user_id, max(coalesce(last_used_at, created_at)) as last_used from oauth_tokens group by user_id) t on t.user_id = ${users.id}
  where ${usableUser}`

/**
 * Every remote domain an account is known from, lowercased: stepped through the index of remote domains from one to
 * the next (a loose index scan), one index descent per domain instead of a read of every remote account.
 */
const knownDomains = sql`with recursive known(domain) as (
    select min(lower(domain::text)) from ${accounts} where domain is not null
    union all
    select (select min(lower(a.domain::text)) from ${accounts} a where a.domain is not null and lower(a.domain::text) > known.domain)
    from known where known.domain is not null
  ) select domain from known where domain is not null`

const contentCounts = sql`select
  (select coalesce(sum(statuses_count), 0) from ${accounts} where domain is null)::bigint as statuses,
  (select count(*) from (${knownDomains}) domains)::int as domains`

export async function instanceStats(ctx: Ctx): Promise<InstanceStats> {
  const [peopleRows, contentRows] = await Promise.all([
    ctx.db.execute(sql`select count(*)::int as total,
        count(*) filter (where activity.at > now() - interval '30 days')::int as month,
        count(*) filter (where activity.at > now() - interval '180 days')::int as halfyear
      from (${lastActivity}) activity`),
    ctx.db.execute(contentCounts),
  ])
  const [content] = resultRows<{ statuses: string | number; domains: number }>(contentRows)
  const [people] = resultRows<{ total: number; month: number; halfyear: number }>(peopleRows)
  return {
    userCount: Number(people?.total ?? 0),
    statusCount: Number(content?.statuses ?? 0),
    domainCount: Number(content?.domains ?? 0),
    activeMonth: Number(people?.month ?? 0),
    activeHalfyear: Number(people?.halfyear ?? 0),
  }
}

const recentCounts = new WeakMap<Database, { at: number; stats: Promise<InstanceStats> }>()

/**
 * `instanceStats` as this process counted them at most `instanceStatsSeconds` ago, for what anyone may ask for without
 * signing in (the instance's entities, NodeInfo): counting reads every local user, and every client asks for the
 * instance when it starts. Callers that come while a count runs wait for that count.
 */
export function publishedInstanceStats(ctx: Ctx): Promise<InstanceStats> {
  const maxAgeMs = ctx.config.instanceStatsSeconds * 1000
  if (maxAgeMs <= 0 || ctx.db !== ctx.database.db) return instanceStats(ctx)
  const now = performance.now()
  const recent = recentCounts.get(ctx.database)
  if (recent && now - recent.at < maxAgeMs) return recent.stats
  const stats = instanceStats(ctx)
  recentCounts.set(ctx.database, { at: now, stats })
  // a failed count is not reused
  stats.catch(() => { if (recentCounts.get(ctx.database)?.stats === stats) recentCounts.delete(ctx.database) })
  return stats
}

/**
 * Every remote domain we know an account from, alphabetically, but those we do not federate with and those under an
 * admin's block of any severity (Mastodon's `instance/peers`).
 */
export async function listPeers(ctx: Ctx): Promise<string[]> {
  const rows = resultRows<{ domain: string }>(await ctx.db.execute(sql`${knownDomains} order by domain`))
  const policies = await domainPolicies(ctx, rows.map((r) => r.domain))
  return rows.map((r) => r.domain).filter((d) => {
    const policy = policies.get(d)
    return !policy || (!policy.reject && !policy.blockedAt)
  })
}

/** The account people can write to about the instance: the longest-standing active admin, if any. */
export async function findContactAccount(ctx: Ctx): Promise<{ account: AccountRow; email: string } | null> {
  const [row] = await ctx.db
    .select({ account: accounts, email: users.email })
    .from(users)
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(and(eq(users.isAdmin, true), usableUser))
    .orderBy(asc(users.createdAt), asc(users.id))
    .limit(1)
  return row ?? null
}

/** ActivityPub ids of the staff (admins and moderators), as Pleroma lists them in NodeInfo. */
export async function staffAccountUris(ctx: Ctx): Promise<string[]> {
  const rows = await ctx.db
    .select({ uri: accounts.uri, username: accounts.username })
    .from(users)
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(and(or(eq(users.isAdmin, true), eq(users.isModerator, true)), usableUser))
    .orderBy(asc(users.createdAt), asc(users.id))
  return rows.map((r) => r.uri ?? `${ctx.config.baseUrl}/users/${r.username}`)
}
