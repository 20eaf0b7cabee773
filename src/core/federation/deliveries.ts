import { sql } from 'drizzle-orm'
import { resultRows } from '../../db/client'
import type { Ctx } from '../context'

export interface FederationQueueDepth {
  queue: string
  /** waiting to run, first time or for a retry */
  queued: number
  /** waiting for a retry after a failure */
  retrying: number
  active: number
  /** gave up after every retry */
  failed: number
}

export interface DomainDeliveries {
  domain: string
  queued: number
  retrying: number
  failed: number
  lastError: string | null
  lastFailedAt: Date | null
}

const OUTBOX = 'federation.outbox'

/**
 * The federation job queues' depth, and deliveries per receiving domain (from the outbox jobs' inbox URLs) with their
 * latest failure, read from pg-boss's job table. Empty until the queue has been set up (first `serve`).
 */
export async function federationDeliveries(ctx: Ctx): Promise<{ queues: FederationQueueDepth[]; domains: DomainDeliveries[] }> {
  const [present] = resultRows<{ ok: boolean }>(await ctx.db.execute(sql`select to_regclass('pgboss.job') is not null as ok`))
  if (!present?.ok) return { queues: [], domains: [] }
  const queues = resultRows<{ name: string; queued: number; retrying: number; active: number; failed: number }>(await ctx.db.execute(sql`
    select name,
      count(*) filter (where state in ('created', 'retry'))::int as queued,
      count(*) filter (where state = 'retry')::int as retrying,
      count(*) filter (where state = 'active')::int as active,
      count(*) filter (where state = 'failed')::int as failed
    from pgboss.job where name like 'federation.%' group by name order by name`))
  const domains = resultRows<{ domain: string; queued: number; retrying: number; failed: number; last_error: string | null; last_failed_at: string | Date | null }>(await ctx.db.execute(sql`
    select d.domain,
      count(*) filter (where j.state in ('created', 'retry', 'active'))::int as queued,
      count(*) filter (where j.state = 'retry')::int as retrying,
      count(*) filter (where j.state = 'failed')::int as failed,
      (array_agg(j.output->>'message' order by j.completed_on desc nulls last) filter (where j.state = 'failed'))[1] as last_error,
      max(j.completed_on) filter (where j.state = 'failed') as last_failed_at
    from pgboss.job j
    cross join lateral (select lower(substring(j.data->'message'->>'inbox' from '^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]+)')) as domain) d
    where j.name = ${OUTBOX} and j.state in ('created', 'retry', 'active', 'failed') and d.domain is not null
    group by d.domain
    order by failed desc, queued desc, d.domain`))
  return {
    queues: queues.map((q) => ({ queue: q.name, queued: Number(q.queued), retrying: Number(q.retrying), active: Number(q.active), failed: Number(q.failed) })),
    domains: domains.map((d) => ({
      domain: d.domain,
      queued: Number(d.queued),
      retrying: Number(d.retrying),
      failed: Number(d.failed),
      lastError: d.last_error,
      lastFailedAt: d.last_failed_at ? new Date(d.last_failed_at) : null,
    })),
  }
}
