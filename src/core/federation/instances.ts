// The other servers this instance knows, for admins: what they run (from their NodeInfo), whether deliveries reach
// them, how much of them is here, and how the instance's moderation treats them.
import { eq, sql, type SQL } from 'drizzle-orm'
import { resultRows } from '../../db/client'
import { knownInstances } from '../../db/schema'
import type { Ctx } from '../context'
import type { Jobs } from '../jobs'
import { domainPolicies, isDomainRejected } from '../instance/domain-policy'
import { fetchJson, type FetchOptions } from '../net/remote-fetch'
import { isPlainObject } from '../params'

export const NODEINFO_QUEUE = 'instances.nodeinfo'
/** A host's NodeInfo is asked for again at most this often. */
export const NODEINFO_REFRESH_MS = 24 * 60 * 60 * 1000
/** How stale the last-success stamp may get: it is written at most this often per host. */
const SUCCESS_STAMP_MS = 5 * 60 * 1000
const NODEINFO_FETCH: Partial<FetchOptions> = { maxBytes: 256 * 1024, timeoutMs: 15_000 }
const MAX_SOFTWARE_CHARS = 100

/**
 * A remote host came up (one of its actors was stored): it is remembered, and its NodeInfo is fetched in the
 * background the first time and then when the last request is a day old.
 */
export async function noteInstanceSeen(ctx: Ctx, domain: string, now = new Date()): Promise<void> {
  const jobs = ctx.jobs
  if (!jobs) return
  const due = new Date(now.getTime() - NODEINFO_REFRESH_MS)
  const [known] = await ctx.db.select({ requestedAt: knownInstances.nodeinfoRequestedAt }).from(knownInstances).where(eq(knownInstances.domain, domain))
  if (known && known.requestedAt > due) return
  await ctx.db.transaction(async (tx) => {
    const [requested] = await tx.insert(knownInstances).values({ domain, nodeinfoRequestedAt: now, firstSeenAt: now })
      .onConflictDoUpdate({ target: knownInstances.domain, set: { nodeinfoRequestedAt: now }, where: sql`${knownInstances.nodeinfoRequestedAt} <= ${due.toISOString()}::timestamptz` })
      .returning({ domain: knownInstances.domain })
    if (requested) await jobs.send(NODEINFO_QUEUE, { domain }, { within: tx, retryLimit: 1, retryDelaySeconds: 600, singletonKey: domain })
  })
}

/** A delivery to the host worked, or it delivered to us: noted (coarsely, so busy hosts cost no write each time). */
export async function noteInstanceSuccess(ctx: Ctx, domain: string, now = new Date()): Promise<void> {
  const stale = new Date(now.getTime() - SUCCESS_STAMP_MS).toISOString()
  await ctx.db.update(knownInstances).set({ lastSuccessAt: now })
    .where(sql`${knownInstances.domain} = ${domain} and (${knownInstances.lastSuccessAt} is null or ${knownInstances.lastSuccessAt} < ${stale}::timestamptz)`)
}

export interface NodeInfoSoftware {
  name: string
  version: string | null
}

const NODEINFO_REL = /^https?:\/\/nodeinfo\.diaspora\.software\/ns\/schema\/(\d+(?:\.\d+)?)$/

/** The newest NodeInfo document the index links to. */
function nodeInfoHref(index: unknown): string | null {
  const links = isPlainObject(index) && Array.isArray(index.links) ? index.links : []
  const candidates = links.flatMap((l) => {
    const version = isPlainObject(l) && typeof l.rel === 'string' ? NODEINFO_REL.exec(l.rel)?.[1] : undefined
    return version && typeof l.href === 'string' ? [{ version: Number(version), href: l.href }] : []
  })
  return candidates.sort((a, b) => b.version - a.version)[0]?.href ?? null
}

const clipped = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim().slice(0, MAX_SOFTWARE_CHARS) : null)

/** Reads a host's NodeInfo under the rules of every outbound fetch (public addresses only, unless federation allows private ones). */
export async function fetchNodeInfoSoftware(ctx: Ctx, domain: string): Promise<NodeInfoSoftware> {
  const opts = { ...NODEINFO_FETCH, allowPrivateNetwork: ctx.config.federation.allowPrivate }
  const schemes = ctx.config.federation.allowPrivate ? ['https', 'http'] : ['https']
  let index: unknown
  let lastError: unknown
  for (const scheme of schemes) {
    try {
      index = (await fetchJson(`${scheme}://${domain}/.well-known/nodeinfo`, opts)).json
      break
    } catch (e) {
      lastError = e
    }
  }
  if (index === undefined) throw lastError
  const href = nodeInfoHref(index)
  if (!href) throw new Error(`${domain} links to no NodeInfo document`)
  const { json } = await fetchJson(href, opts)
  const software = isPlainObject(json) && isPlainObject(json.software) ? json.software : null
  const name = clipped(software?.name)
  if (!name) throw new Error(`${domain}'s NodeInfo names no software`)
  return { name: name.toLowerCase(), version: clipped(software?.version) }
}

/** The background job: fetches and stores a host's NodeInfo; a failure is stored for the admin to see. */
export async function refreshInstanceNodeInfo(ctx: Ctx, domain: string): Promise<void> {
  if (await isDomainRejected(ctx, domain)) return
  try {
    const software = await fetchNodeInfoSoftware(ctx, domain)
    await ctx.db.update(knownInstances)
      .set({ softwareName: software.name, softwareVersion: software.version, nodeinfoFetchedAt: new Date(), nodeinfoError: null })
      .where(eq(knownInstances.domain, domain))
  } catch (e) {
    await ctx.db.update(knownInstances).set({ nodeinfoError: ((e as Error)?.message ?? String(e)).slice(0, 500) })
      .where(eq(knownInstances.domain, domain))
  }
}

export async function registerInstanceJobs(ctx: Ctx & { jobs: Jobs }): Promise<void> {
  await ctx.jobs.work<{ domain: string }>(NODEINFO_QUEUE, async ({ domain }) => { await refreshInstanceNodeInfo(ctx, domain) })
}

export interface KnownInstance {
  domain: string
  software: { name: string; version: string | null } | null
  nodeinfo: { fetchedAt: Date | null; error: string | null } | null
  firstSeenAt: Date | null
  reachability: {
    /** the first failed delivery of the current run of failures */
    failingSince: Date | null
    failureCount: number
    /** deliveries are skipped since */
    unavailableSince: Date | null
    lastSuccessAt: Date | null
  }
  accounts: number
  statuses: number
  /** their accounts following accounts of this instance */
  followers: number
  /** accounts of this instance following theirs */
  follows: number
  /** reports sent from there (Flag activities) */
  reportsFrom: number
  /** reports about their accounts */
  reportsAbout: number
  moderation: {
    /** the admin's block deciding for the host */
    severity: 'noop' | 'silence' | 'suspend' | null
    /** nothing is exchanged with the host (a suspension, the simple policy's reject, or not on the allow-list) */
    rejected: boolean
    /** on the allow-list; null when no allow-list is in force */
    allowed: boolean | null
  }
}

type Counted = { domain: string; n: string | number }

async function countsByDomain(ctx: Ctx, query: SQL): Promise<Map<string, number>> {
  return new Map(resultRows<Counted>(await ctx.db.execute(query)).map((r) => [r.domain, Number(r.n)]))
}

const date = (v: unknown) => (v ? new Date(v as string) : null)

/**
 * Every remote host this instance knows (from its accounts, the hosts met, and deliveries that failed), or one of
 * them, with what is known of it; the busiest first. One query per figure, whatever the number of hosts.
 */
export async function listKnownInstances(ctx: Ctx, only?: string): Promise<KnownInstance[]> {
  const domain = only?.trim().toLowerCase()
  const one = (column: SQL) => (domain ? sql`and ${column} = ${domain}` : sql``)
  const hosts = resultRows<{
    domain: string; software_name: string | null; software_version: string | null; nodeinfo_fetched_at: unknown; nodeinfo_error: string | null
    nodeinfo_requested_at: unknown; first_seen_at: unknown; last_success_at: unknown; failure_count: number | null; first_failure_at: unknown; unavailable_at: unknown
  }>(await ctx.db.execute(sql`
    with hosts as (
      select distinct domain from accounts where domain is not null ${one(sql`domain`)}
      union select domain from known_instances where true ${one(sql`domain`)}
      union select domain from unavailable_domains where true ${one(sql`domain`)}
    )
    select h.domain, k.software_name, k.software_version, k.nodeinfo_fetched_at, k.nodeinfo_error, k.nodeinfo_requested_at, k.first_seen_at,
      k.last_success_at, u.failure_count, u.first_failure_at, u.unavailable_at
    from hosts h
    left join known_instances k on k.domain = h.domain
    left join unavailable_domains u on u.domain = h.domain`))
  if (!hosts.length) return []
  const [accounts, statuses, followers, follows, reportsFrom, reportsAbout, policies] = await Promise.all([
    countsByDomain(ctx, sql`select domain, count(*) as n from accounts where domain is not null ${one(sql`domain`)} group by domain`),
    countsByDomain(ctx, sql`select a.domain, count(*) as n from statuses s join accounts a on a.id = s.account_id
      where not s.local and a.domain is not null ${one(sql`a.domain`)} group by a.domain`),
    countsByDomain(ctx, sql`select a.domain, count(*) as n from follows f join accounts a on a.id = f.account_id join accounts t on t.id = f.target_account_id
      where a.domain is not null and t.domain is null ${one(sql`a.domain`)} group by a.domain`),
    countsByDomain(ctx, sql`select t.domain, count(*) as n from follows f join accounts a on a.id = f.account_id join accounts t on t.id = f.target_account_id
      where a.domain is null and t.domain is not null ${one(sql`t.domain`)} group by t.domain`),
    countsByDomain(ctx, sql`select a.domain, count(*) as n from reports r join accounts a on a.id = r.account_id
      where a.domain is not null ${one(sql`a.domain`)} group by a.domain`),
    countsByDomain(ctx, sql`select a.domain, count(*) as n from reports r join accounts a on a.id = r.target_account_id
      where a.domain is not null ${one(sql`a.domain`)} group by a.domain`),
    domainPolicies(ctx, hosts.map((h) => h.domain)),
  ])
  const list = hosts.map((h): KnownInstance => {
    const policy = policies.get(h.domain)
    return {
      domain: h.domain,
      software: h.software_name ? { name: h.software_name, version: h.software_version } : null,
      nodeinfo: h.nodeinfo_requested_at ? { fetchedAt: date(h.nodeinfo_fetched_at), error: h.nodeinfo_error } : null,
      firstSeenAt: date(h.first_seen_at),
      reachability: {
        failingSince: date(h.first_failure_at),
        failureCount: Number(h.failure_count ?? 0),
        unavailableSince: date(h.unavailable_at),
        lastSuccessAt: date(h.last_success_at),
      },
      accounts: accounts.get(h.domain) ?? 0,
      statuses: statuses.get(h.domain) ?? 0,
      followers: followers.get(h.domain) ?? 0,
      follows: follows.get(h.domain) ?? 0,
      reportsFrom: reportsFrom.get(h.domain) ?? 0,
      reportsAbout: reportsAbout.get(h.domain) ?? 0,
      moderation: { severity: policy?.blockSeverity ?? null, rejected: policy?.reject ?? false, allowed: policy?.allowed ?? null },
    }
  })
  return list.sort((a, b) => b.accounts - a.accounts || b.statuses - a.statuses || a.domain.localeCompare(b.domain))
}
