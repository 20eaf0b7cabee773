import { and, asc, eq, isNull, or, sql } from 'drizzle-orm'
import { accounts, users, type AccountRow } from '../../db/schema'
import { domainPolicies } from './domain-policy'
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

/** The last time a user did anything we record: signing in, using a token, posting. */
const lastActiveAt = sql`greatest(
  ${users.lastSignInAt},
  ${accounts.lastStatusAt},
  (select max(coalesce(t.last_used_at, t.created_at)) from oauth_tokens t where t.user_id = ${users.id})
)`

export async function instanceStats(ctx: Ctx): Promise<InstanceStats> {
  const [people] = await ctx.db
    .select({
      total: sql<number>`count(*)::int`,
      month: sql<number>`count(*) filter (where ${lastActiveAt} > now() - interval '30 days')::int`,
      halfyear: sql<number>`count(*) filter (where ${lastActiveAt} > now() - interval '180 days')::int`,
    })
    .from(users)
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(usableUser)
  const [content] = await ctx.db
    .select({
      statuses: sql<string>`coalesce(sum(${accounts.statusesCount}) filter (where ${accounts.domain} is null), 0)::bigint`,
      domains: sql<number>`count(distinct lower(${accounts.domain}))::int`,
    })
    .from(accounts)
  return {
    userCount: Number(people?.total ?? 0),
    statusCount: Number(content?.statuses ?? 0),
    domainCount: Number(content?.domains ?? 0),
    activeMonth: Number(people?.month ?? 0),
    activeHalfyear: Number(people?.halfyear ?? 0),
  }
}

/**
 * Every remote domain we know an account from, alphabetically, but those we do not federate with and those under an
 * admin's block of any severity (Mastodon's `instance/peers`).
 */
export async function listPeers(ctx: Ctx): Promise<string[]> {
  const rows = await ctx.db
    .selectDistinct({ domain: sql<string>`lower(${accounts.domain})` })
    .from(accounts)
    .where(sql`${accounts.domain} is not null`)
    .orderBy(sql`1`)
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
