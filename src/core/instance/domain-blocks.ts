// The admin's blocks of other servers (Mastodon's domain blocks), and what a block does to the accounts it covers.
import { asc, eq, sql } from 'drizzle-orm'
import { MRF_SIMPLE_ACTIONS, type MrfSimpleAction } from '../../config'
import { resultRows, type DbLike } from '../../db/client'
import { instanceDomainBlocks, type InstanceDomainBlockRow } from '../../db/schema'
import { logAction, type Actor } from '../admin/moderation-log'
import type { Ctx } from '../context'
import { mrfSettings } from '../federation/mrf'
import { NotFoundError, ValidationError } from '../errors'
import { isId, uuidToId } from '../ids'
import { parseBool } from '../params'
import { severRelationship } from '../relationships/graph'
import { normalizeDomain } from '../relationships/domain-blocks'
import { sha256 } from '../secrets'
import { listDomainAllows } from './domain-allows'
import { domainCandidates, isDomainRejected } from './domain-policy'

export { domainCandidates }

export type DomainBlockSeverity = 'noop' | 'silence' | 'suspend'
export const DOMAIN_BLOCK_SEVERITIES: DomainBlockSeverity[] = ['noop', 'silence', 'suspend']

/** An instance-level block, as published to users (Mastodon's `instance/domain_blocks`). */
export interface PublicDomainBlock {
  domain: string
  /** sha256 hex of the domain, so obfuscated entries can still be matched */
  digest: string
  severity: 'silence' | 'suspend'
  comment: string | null
}

export interface DomainBlockInput {
  domain?: unknown
  severity?: unknown
  reject_media?: unknown
  reject_reports?: unknown
  private_comment?: unknown
  public_comment?: unknown
  obfuscate?: unknown
}

/** Whether nothing may be exchanged with this host: suspended, rejected by policy, or not allowed in limited mode. */
export async function isDomainSuspended(ctx: Ctx, host: string): Promise<boolean> {
  return isDomainRejected(ctx, host)
}

function severityOf(value: unknown, fallback: DomainBlockSeverity): DomainBlockSeverity {
  if (value === undefined || value === null || value === '') return fallback
  if (!DOMAIN_BLOCK_SEVERITIES.includes(value as DomainBlockSeverity)) {
    throw new ValidationError(`Validation failed: Severity must be one of ${DOMAIN_BLOCK_SEVERITIES.join(', ')}`)
  }
  return value as DomainBlockSeverity
}

const comment = (value: unknown): string | null | undefined => {
  if (value === undefined) return undefined
  if (value === null) return null
  if (typeof value !== 'string') throw new ValidationError('Validation failed: comments must be text')
  return value.trim().slice(0, 1000) || null
}

const flag = (value: unknown): boolean | undefined => (value === undefined ? undefined : parseBool(value) === true)

/**
 * Accounts the block's domain covers (the domain and its subdomains, with any port), as a condition on `accounts a`.
 * Domains are validated (letters, digits, dots, dashes, a port), so they hold no LIKE wildcards.
 */
const coveredAccounts = (domain: string) => sql`(lower(a.domain::text) = ${domain} or lower(a.domain::text) like ${`${domain}:%`}
  or lower(a.domain::text) like ${`%.${domain}`} or lower(a.domain::text) like ${`%.${domain}:%`})`

/**
 * What a block does to the accounts it covers, stamped with the block's time so that lifting it undoes exactly this
 * (a moderator's own suspension of one of those accounts, at another time, stays): suspend suspends them and ends
 * every follow and follow request between them and local accounts; silence silences them.
 */
async function applyBlock(tx: DbLike, block: InstanceDomainBlockRow): Promise<void> {
  const stamp = block.updatedAt.toISOString()
  if (block.severity === 'suspend') {
    await tx.execute(sql`update accounts a set suspended_at = ${stamp}::timestamptz where ${coveredAccounts(block.domain)} and a.suspended_at is null`)
    const pairs = resultRows<{ local: string; remote: string }>(await tx.execute(sql`
      select l.id as local, a.id as remote from accounts a
      join lateral (
        select f.target_account_id as id from follows f where f.account_id = a.id
        union select f.account_id from follows f where f.target_account_id = a.id
        union select r.target_account_id from follow_requests r where r.account_id = a.id
        union select r.account_id from follow_requests r where r.target_account_id = a.id
      ) linked on true
      join accounts l on l.id = linked.id and l.domain is null
      where ${coveredAccounts(block.domain)}`))
    for (const p of pairs) await severRelationship(tx, uuidToId(p.local), uuidToId(p.remote))
  } else if (block.severity === 'silence') {
    await tx.execute(sql`update accounts a set silenced_at = ${stamp}::timestamptz where ${coveredAccounts(block.domain)} and a.silenced_at is null`)
  }
}

async function liftBlock(tx: DbLike, block: InstanceDomainBlockRow): Promise<void> {
  const stamp = block.updatedAt.toISOString()
  const column = block.severity === 'suspend' ? sql`suspended_at` : block.severity === 'silence' ? sql`silenced_at` : null
  if (!column) return
  await tx.execute(sql`update accounts a set ${column} = null where ${coveredAccounts(block.domain)} and a.${column} = ${stamp}::timestamptz`)
}

export async function listDomainBlocksForAdmin(ctx: Ctx): Promise<InstanceDomainBlockRow[]> {
  return ctx.db.select().from(instanceDomainBlocks).orderBy(asc(instanceDomainBlocks.domain))
}

export async function getDomainBlock(ctx: Ctx, id: string): Promise<InstanceDomainBlockRow> {
  if (!isId(id)) throw new NotFoundError()
  const [row] = await ctx.db.select().from(instanceDomainBlocks).where(eq(instanceDomainBlocks.id, id)).limit(1)
  if (!row) throw new NotFoundError()
  return row
}

/** Blocks a domain (422 when it is already blocked: change that block instead). */
export async function createDomainBlock(ctx: Ctx, input: DomainBlockInput, actor: Actor): Promise<InstanceDomainBlockRow> {
  const domain = normalizeDomain(ctx, input.domain)
  const values = {
    domain,
    severity: severityOf(input.severity, 'silence'),
    rejectMedia: flag(input.reject_media) ?? false,
    rejectReports: flag(input.reject_reports) ?? false,
    privateComment: comment(input.private_comment) ?? null,
    publicComment: comment(input.public_comment) ?? null,
    obfuscate: flag(input.obfuscate) ?? false,
  }
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx.insert(instanceDomainBlocks).values(values).onConflictDoNothing().returning()
    if (!row) throw new ValidationError(`Validation failed: Domain ${domain} is already blocked`)
    await applyBlock(tx, row)
    await logAction(tx, actor, 'domain_block_create', { domain, severity: row.severity }, (who) => `${who} blocked domain ${domain} (${row.severity})`)
    return row
  })
}

/** Changes a block; a change of severity lifts the old effect on accounts and applies the new one. */
export async function updateDomainBlock(ctx: Ctx, id: string, input: DomainBlockInput, actor: Actor): Promise<InstanceDomainBlockRow> {
  const existing = await getDomainBlock(ctx, id)
  const changes = {
    severity: severityOf(input.severity, existing.severity),
    rejectMedia: flag(input.reject_media) ?? existing.rejectMedia,
    rejectReports: flag(input.reject_reports) ?? existing.rejectReports,
    privateComment: comment(input.private_comment) === undefined ? existing.privateComment : comment(input.private_comment)!,
    publicComment: comment(input.public_comment) === undefined ? existing.publicComment : comment(input.public_comment)!,
    obfuscate: flag(input.obfuscate) ?? existing.obfuscate,
  }
  return ctx.db.transaction(async (tx) => {
    const severityChanged = changes.severity !== existing.severity
    if (severityChanged) await liftBlock(tx, existing)
    const [row] = await tx.update(instanceDomainBlocks)
      .set({ ...changes, ...(severityChanged ? { updatedAt: new Date() } : {}) })
      .where(eq(instanceDomainBlocks.id, existing.id)).returning()
    if (severityChanged) await applyBlock(tx, row)
    await logAction(tx, actor, 'domain_block_update', { domain: row.domain, severity: row.severity }, (who) => `${who} changed the block of ${row.domain} (${row.severity})`)
    return row
  })
}

export async function deleteDomainBlock(ctx: Ctx, id: string, actor: Actor): Promise<void> {
  const existing = await getDomainBlock(ctx, id)
  await ctx.db.transaction(async (tx) => {
    await tx.delete(instanceDomainBlocks).where(eq(instanceDomainBlocks.id, existing.id))
    await liftBlock(tx, existing)
    await logAction(tx, actor, 'domain_block_delete', { domain: existing.domain }, (who) => `${who} unblocked domain ${existing.domain}`)
  })
}

export async function findDomainBlockByDomain(ctx: Ctx, rawDomain: unknown): Promise<InstanceDomainBlockRow | null> {
  const domain = normalizeDomain(ctx, rawDomain)
  const [row] = await ctx.db.select().from(instanceDomainBlocks).where(eq(instanceDomainBlocks.domain, domain)).limit(1)
  return row ?? null
}

/** Blocks a domain or changes its block (the command line's `domain block`, which may repeat). */
export async function blockDomain(ctx: Ctx, domain: string, severity: DomainBlockSeverity = 'suspend', options: Omit<DomainBlockInput, 'domain' | 'severity'> = {}, actor: Actor = null): Promise<InstanceDomainBlockRow> {
  const existing = await findDomainBlockByDomain(ctx, domain)
  return existing
    ? updateDomainBlock(ctx, existing.id, { ...options, severity }, actor)
    : createDomainBlock(ctx, { ...options, domain, severity }, actor)
}

export async function unblockDomain(ctx: Ctx, domain: string, actor: Actor = null): Promise<boolean> {
  const existing = await findDomainBlockByDomain(ctx, domain)
  if (!existing) return false
  await deleteDomainBlock(ctx, existing.id, actor)
  return true
}

/**
 * The blocks shown to users: the admin's silences and suspensions (obfuscated ones with letters starred), then the
 * configured simple policy's rejections and limits not already listed.
 */
export async function listPublicDomainBlocks(ctx: Ctx): Promise<PublicDomainBlock[]> {
  const rows = (await listDomainBlocksForAdmin(ctx)).filter((b) => b.severity !== 'noop')
  const shown: PublicDomainBlock[] = rows.map((b) => ({
    domain: b.obfuscate ? obfuscated(b.domain) : b.domain,
    digest: sha256(b.domain),
    severity: b.severity as 'silence' | 'suspend',
    comment: b.publicComment,
  }))
  const seen = new Set(rows.map((b) => b.domain))
  const { simple } = await mrfSettings(ctx)
  const configured = [
    ...simple.reject.map((e) => ({ ...e, severity: 'suspend' as const })),
    ...[...simple.followers_only, ...simple.federated_timeline_removal].map((e) => ({ ...e, severity: 'silence' as const })),
  ]
  for (const e of configured) {
    if (seen.has(e.domain)) continue
    seen.add(e.domain)
    shown.push({ domain: e.domain, digest: sha256(e.domain), severity: e.severity, comment: e.reason || null })
  }
  return shown
}

/** Mastodon's obfuscation: the middle half of the letters becomes `*`, dots stay. */
function obfuscated(domain: string): string {
  const length = domain.length
  return [...domain].map((ch, i) => (i > length / 4 && i < length - length / 4 && ch !== '.' ? '*' : ch)).join('')
}

/** Pleroma's `metadata.federation` transparency: the simple policy in force, by action, with reasons. */
export interface PublishedFederationPolicy {
  mrf_policies: string[]
  mrf_simple: Record<MrfSimpleAction, string[]>
  mrf_simple_info: Partial<Record<MrfSimpleAction, Record<string, { reason: string }>>>
  mrf_keyword?: { reject: string[]; federated_timeline_removal: string[]; replace: { pattern: string; replacement: string }[] }
}

/**
 * What NodeInfo publishes of the federation policy, as Pleroma does, when the instance shows its blocks to everyone:
 * the configured simple policy and the admin's blocks in its terms (suspend is `reject`, silence is
 * `federated_timeline_removal`), obfuscated blocks left out. Null when the instance keeps its blocks to itself.
 */
export async function publishedFederationPolicy(ctx: Ctx): Promise<PublishedFederationPolicy | null> {
  if (ctx.config.federation.showDomainBlocks !== 'all') return null
  const { simple, keyword, policies } = await mrfSettings(ctx)
  const lists = Object.fromEntries(MRF_SIMPLE_ACTIONS.map((a) => [a, new Map(simple[a].map((e) => [e.domain, e.reason]))])) as Record<MrfSimpleAction, Map<string, string>>
  const add = (action: MrfSimpleAction, domain: string, reason: string | null) => {
    if (!lists[action].has(domain)) lists[action].set(domain, reason ?? '')
  }
  for (const b of await listDomainBlocksForAdmin(ctx)) {
    if (b.obfuscate) continue
    if (b.severity === 'suspend') add('reject', b.domain, b.publicComment)
    if (b.severity === 'silence') add('federated_timeline_removal', b.domain, b.publicComment)
    if (b.rejectMedia) add('media_removal', b.domain, b.publicComment)
    if (b.rejectReports) add('report_removal', b.domain, b.publicComment)
  }
  if (ctx.config.federation.limited || simple.accept.length) {
    for (const a of await listDomainAllows(ctx)) add('accept', a.domain, null)
  }
  const mrfSimple = Object.fromEntries(MRF_SIMPLE_ACTIONS.map((a) => [a, [...lists[a].keys()]])) as Record<MrfSimpleAction, string[]>
  const info: PublishedFederationPolicy['mrf_simple_info'] = {}
  for (const a of MRF_SIMPLE_ACTIONS) {
    const reasons = [...lists[a]].filter(([, reason]) => reason)
    if (reasons.length) info[a] = Object.fromEntries(reasons.map(([d, reason]) => [d, { reason }]))
  }
  const keywords = keyword.reject.length > 0 || keyword.federated_timeline_removal.length > 0 || keyword.replace.length > 0
  return {
    mrf_policies: ['SimplePolicy', ...(keywords && policies.includes('KeywordPolicy') ? ['KeywordPolicy'] : [])],
    mrf_simple: mrfSimple,
    mrf_simple_info: info,
    ...(keywords ? { mrf_keyword: {
      reject: keyword.reject, federated_timeline_removal: keyword.federated_timeline_removal, replace: keyword.replace.map((r) => ({ pattern: r.pattern, replacement: r.replacement })),
    } } : {}),
  }
}
