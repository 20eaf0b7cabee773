import { and, asc, eq, inArray } from 'drizzle-orm'
import { instanceDomainBlocks } from '../../db/schema'
import { sha256 } from '../secrets'
import type { Ctx } from '../context'

export type DomainBlockSeverity = 'silence' | 'suspend'

/** An instance-level block, as published to users (Mastodon's `instance/domain_blocks`). */
export interface PublicDomainBlock {
  domain: string
  /** sha256 hex of the domain, so obfuscated entries can still be matched */
  digest: string
  severity: DomainBlockSeverity
  comment: string | null
}

/** `a.b.example:8443` is checked as `a.b.example:8443`, `a.b.example`, `b.example` and `example`. */
export function domainCandidates(host: string): string[] {
  const lower = host.trim().toLowerCase().replace(/\.$/, '')
  const hostname = lower.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1')
  const parts = hostname.split('.')
  const parents = /^[\d.]+$/.test(hostname) || hostname.includes(':') ? [hostname] : parts.map((_, i) => parts.slice(i).join('.')).slice(0, -1)
  return [...new Set([lower, hostname, ...(parents.length ? parents : [hostname])])]
}

/** Whether the admin suspended this host (or a domain above it): nothing is fetched from, served to or taken from it. */
export async function isDomainSuspended(ctx: Ctx, host: string): Promise<boolean> {
  if (!host) return false
  const [row] = await ctx.db.select({ domain: instanceDomainBlocks.domain }).from(instanceDomainBlocks)
    .where(and(inArray(instanceDomainBlocks.domain, domainCandidates(host)), eq(instanceDomainBlocks.severity, 'suspend')))
    .limit(1)
  return row !== undefined
}

/** Blocks (or changes the block of) a domain. */
export async function blockDomain(ctx: Ctx, domain: string, severity: DomainBlockSeverity = 'suspend', comments: { public?: string; private?: string } = {}): Promise<void> {
  const values = { severity, publicComment: comments.public ?? null, privateComment: comments.private ?? null }
  await ctx.db.insert(instanceDomainBlocks).values({ domain: domain.trim().toLowerCase(), ...values })
    .onConflictDoUpdate({ target: instanceDomainBlocks.domain, set: values })
}

export async function unblockDomain(ctx: Ctx, domain: string): Promise<void> {
  await ctx.db.delete(instanceDomainBlocks).where(eq(instanceDomainBlocks.domain, domain.trim().toLowerCase()))
}

/** The instance's domain blocks that are shown publicly; obfuscated ones with their middle letters starred. */
export async function listPublicDomainBlocks(ctx: Ctx): Promise<PublicDomainBlock[]> {
  const rows = await ctx.db.select().from(instanceDomainBlocks).orderBy(asc(instanceDomainBlocks.domain))
  return rows.map((b) => ({
    domain: b.obfuscate ? obfuscated(b.domain) : b.domain,
    digest: sha256(b.domain),
    severity: b.severity,
    comment: b.publicComment,
  }))
}

/** Mastodon's obfuscation: every second-to-last third of the letters becomes `*`. */
function obfuscated(domain: string): string {
  const length = domain.length
  return [...domain].map((ch, i) => (i > length / 4 && i < length - length / 4 && ch !== '.' ? '*' : ch)).join('')
}
