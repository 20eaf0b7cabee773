import { and, count, eq, inArray, isNotNull, sql } from 'drizzle-orm'
import { unavailableDomains } from '../../db/schema'
import type { Ctx } from '../context'
import { noteInstanceSuccess } from './instances'

/** Failed deliveries a host needs, spread over at least `UNAVAILABLE_AFTER_MS`, to be marked unavailable. */
export const UNAVAILABLE_AFTER_FAILURES = 10
export const UNAVAILABLE_AFTER_MS = 24 * 60 * 60 * 1000

/** Notes a failed delivery to `domain`; marks it unavailable once failures have gone on long enough. */
export async function recordDeliveryFailure(ctx: Ctx, domain: string, now = new Date()): Promise<void> {
  const since = new Date(now.getTime() - UNAVAILABLE_AFTER_MS)
  await ctx.db.insert(unavailableDomains).values({ domain, failureCount: 1, firstFailureAt: now, lastFailureAt: now })
    .onConflictDoUpdate({
      target: unavailableDomains.domain,
      set: {
        failureCount: sql`${unavailableDomains.failureCount} + 1`,
        lastFailureAt: now,
        unavailableAt: sql`coalesce(${unavailableDomains.unavailableAt}, case
          when ${unavailableDomains.failureCount} + 1 >= ${UNAVAILABLE_AFTER_FAILURES} and ${unavailableDomains.firstFailureAt} <= ${since.toISOString()}::timestamptz
          then ${now.toISOString()}::timestamptz end)`,
      },
    })
}

/** A host answered (it delivered to us, or took a delivery): its failures are forgotten and its last success noted. */
export async function clearDeliveryFailures(ctx: Ctx, domain: string): Promise<void> {
  await ctx.db.delete(unavailableDomains).where(eq(unavailableDomains.domain, domain))
  await noteInstanceSuccess(ctx, domain)
}

/** Of the given hosts, those currently marked unavailable. */
export async function unavailableAmong(ctx: Ctx, domains: string[]): Promise<Set<string>> {
  const list = [...new Set(domains)]
  if (!list.length) return new Set()
  const rows = await ctx.db.select({ domain: unavailableDomains.domain }).from(unavailableDomains)
    .where(and(inArray(unavailableDomains.domain, list), isNotNull(unavailableDomains.unavailableAt)))
  return new Set(rows.map((r) => r.domain))
}

/** How many hosts are currently marked unavailable. */
export async function unavailableDomainCount(ctx: Ctx): Promise<number> {
  const [row] = await ctx.db.select({ n: count() }).from(unavailableDomains).where(isNotNull(unavailableDomains.unavailableAt))
  return Number(row?.n ?? 0)
}
