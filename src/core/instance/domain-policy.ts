// THE rule for how this instance treats another server: the admin's domain blocks and allows, limited federation and
// Pleroma's simple policy (configuration file and admin settings), merged into one answer per host. Every front door asks here.
import { inArray } from 'drizzle-orm'
import type { MrfSimpleAction } from '../../config'
import { instanceDomainAllows, instanceDomainBlocks, type InstanceDomainBlockRow } from '../../db/schema'
import type { Ctx } from '../context'
import { mrfSettings } from '../federation/mrf'

export interface DomainPolicy {
  /** nothing is taken from, fetched from, served to or delivered to the host (suspend, `reject`, not allowed) */
  reject: boolean
  /** its accounts are limited: off public timelines for everyone but their followers (Mastodon's silence) */
  silence: boolean
  /** when the deciding block took effect: accounts it silences carry this time, so lifting it finds them */
  blockedAt: Date | null
  /** its public and unlisted posts arrive as followers-only (`followers_only`) */
  followersOnly: boolean
  /** its public posts arrive unlisted (`federated_timeline_removal`) */
  timelineRemoval: boolean
  /** its attachments, avatars, headers and emoji are neither fetched nor shown (`reject_media`, `media_removal`) */
  rejectMedia: boolean
  /** its posts with attachments are marked sensitive (`media_nsfw`) */
  mediaNsfw: boolean
  /** its reports (Flag activities) are ignored (`reject_reports`, `report_removal`) */
  rejectReports: boolean
  avatarRemoval: boolean
  bannerRemoval: boolean
  /** the severity of the admin's block that decides for the host, if any */
  blockSeverity: 'noop' | 'silence' | 'suspend' | null
  /** whether an allow-list is in force and the host is on it (null: no allow-list, every host not blocked federates) */
  allowed: boolean | null
}

const OPEN: DomainPolicy = {
  reject: false, silence: false, blockedAt: null, followersOnly: false, timelineRemoval: false, rejectMedia: false, mediaNsfw: false,
  rejectReports: false, avatarRemoval: false, bannerRemoval: false, blockSeverity: null, allowed: null,
}

/** `a.b.example:8443` is checked as `a.b.example:8443`, `a.b.example`, `b.example` and `example`. */
export function domainCandidates(host: string): string[] {
  const lower = host.trim().toLowerCase().replace(/\.$/, '')
  const hostname = lower.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1')
  const parts = hostname.split('.')
  const parents = /^[\d.]+$/.test(hostname) || hostname.includes(':') ? [hostname] : parts.map((_, i) => parts.slice(i).join('.')).slice(0, -1)
  return [...new Set([lower, hostname, ...(parents.length ? parents : [hostname])])]
}

/** Whether `domain` (as written in a list) covers `host`: the same host, or a domain above it. */
const covers = (candidates: string[], domain: string) => candidates.includes(domain)

/** The policies of several hosts at once (two queries whatever their number). */
export async function domainPolicies(ctx: Ctx, hosts: string[]): Promise<Map<string, DomainPolicy>> {
  const list = [...new Set(hosts.filter(Boolean))]
  const result = new Map<string, DomainPolicy>()
  if (!list.length) return result
  const candidates = new Map(list.map((h) => [h, domainCandidates(h)]))
  const all = [...new Set([...candidates.values()].flat())]
  const { simple } = await mrfSettings(ctx)
  const allowListed = ctx.config.federation.limited || simple.accept.length > 0
  const [blocks, allows] = await Promise.all([
    ctx.db.select().from(instanceDomainBlocks).where(inArray(instanceDomainBlocks.domain, all)),
    allowListed ? ctx.db.select({ domain: instanceDomainAllows.domain }).from(instanceDomainAllows).where(inArray(instanceDomainAllows.domain, all)) : [],
  ])
  for (const [host, names] of candidates) {
    // the most specific block decides, as on Mastodon (a `noop` on a subdomain can relax its parent's suspension)
    const block = blocks.filter((b) => covers(names, b.domain)).sort((a, b) => b.domain.length - a.domain.length)[0] as InstanceDomainBlockRow | undefined
    const listed = (action: MrfSimpleAction) => simple[action].some((e) => covers(names, e.domain))
    const allowed = !allowListed || allows.some((a) => covers(names, a.domain)) || listed('accept')
    result.set(host, {
      reject: !allowed || block?.severity === 'suspend' || listed('reject'),
      silence: block?.severity === 'silence',
      blockedAt: block?.updatedAt ?? null,
      followersOnly: listed('followers_only'),
      timelineRemoval: listed('federated_timeline_removal'),
      rejectMedia: !!block?.rejectMedia || listed('media_removal'),
      mediaNsfw: listed('media_nsfw'),
      rejectReports: !!block?.rejectReports || listed('report_removal'),
      avatarRemoval: listed('avatar_removal'),
      bannerRemoval: listed('banner_removal'),
      blockSeverity: block?.severity ?? null,
      allowed: allowListed ? allowed : null,
    })
  }
  return result
}

export async function domainPolicy(ctx: Ctx, host: string | null | undefined): Promise<DomainPolicy> {
  if (!host) return OPEN
  return (await domainPolicies(ctx, [host])).get(host) ?? OPEN
}

/** Whether nothing may be exchanged with this host (or a domain above it). */
export async function isDomainRejected(ctx: Ctx, host: string | null | undefined): Promise<boolean> {
  return (await domainPolicy(ctx, host)).reject
}

/** Of the given hosts, those nothing may be exchanged with. */
export async function rejectedAmong(ctx: Ctx, hosts: string[]): Promise<Set<string>> {
  const policies = await domainPolicies(ctx, hosts)
  return new Set([...policies].filter(([, p]) => p.reject).map(([h]) => h))
}
