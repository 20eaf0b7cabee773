import { domainToASCII } from 'node:url'
import { and, eq, sql } from 'drizzle-orm'
import { resultRows } from '../../db/client'
import { accountDomainBlocks } from '../../db/schema'
import { uuidParam } from '../../db/sql'
import type { Ctx } from '../context'
import { ValidationError } from '../errors'
import { uuidToId } from '../ids'
import { keyset, newestFirst, type Page } from '../timelines/page'
import { severRelationship } from './graph'

const DOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::\d{1,5})?$/

/** A domain as users type it (`Example.ORG`, `https://example.org/`, `bücher.example`) in its stored form, or 422. */
export function normalizeDomain(ctx: Ctx, value: unknown): string {
  const text = typeof value === 'string' ? value.trim().toLowerCase().replace(/^[a-z][a-z0-9+.-]*:\/\//, '').replace(/[/?#].*$/, '').replace(/\.$/, '') : ''
  if (!text) throw new ValidationError('Validation failed: Domain can\'t be blank')
  const [host, port] = text.split(/:(?=\d+$)/)
  const ascii = domainToASCII(host)
  const domain = ascii && port ? `${ascii}:${port}` : ascii
  if (!domain || !DOMAIN.test(domain)) throw new ValidationError('Validation failed: Domain is not a valid domain name')
  if (domain === ctx.config.domain.toLowerCase()) throw new ValidationError('Validation failed: Domain is this instance\'s own domain')
  return domain
}

/**
 * Hides a whole domain from the actor: its accounts stop following the actor and the actor stops following them
 * (pending requests go too). Blocking a domain again changes nothing.
 */
export async function blockDomain(ctx: Ctx, actorId: string, rawDomain: unknown): Promise<void> {
  const domain = normalizeDomain(ctx, rawDomain)
  await ctx.db.transaction(async (tx) => {
    const [added] = await tx.insert(accountDomainBlocks).values({ accountId: actorId, domain }).onConflictDoNothing()
      .returning({ id: accountDomainBlocks.id })
    if (!added) return
    const linked = resultRows<{ id: string }>(await tx.execute(sql`
      select a.id from accounts a where lower(a.domain::text) = ${domain} and (
        exists (select 1 from follows f where (f.account_id = ${uuidParam(actorId)} and f.target_account_id = a.id)
          or (f.account_id = a.id and f.target_account_id = ${uuidParam(actorId)}))
        or exists (select 1 from follow_requests r where (r.account_id = ${uuidParam(actorId)} and r.target_account_id = a.id)
          or (r.account_id = a.id and r.target_account_id = ${uuidParam(actorId)})))`))
    for (const { id } of linked) await severRelationship(tx, actorId, uuidToId(id))
  })
}

export async function unblockDomain(ctx: Ctx, actorId: string, rawDomain: unknown): Promise<void> {
  const domain = normalizeDomain(ctx, rawDomain)
  await ctx.db.delete(accountDomainBlocks).where(and(eq(accountDomainBlocks.accountId, actorId), eq(accountDomainBlocks.domain, domain)))
}

/** The actor's blocked domains, most recently blocked first, keyed by the block's id for paging. */
export async function listDomainBlocks(ctx: Ctx, actorId: string, page: Page): Promise<{ domains: string[]; firstKey?: string; lastKey?: string }> {
  const k = keyset(accountDomainBlocks.id, page)
  const rows = newestFirst(await ctx.db.select({ id: accountDomainBlocks.id, domain: accountDomainBlocks.domain }).from(accountDomainBlocks)
    .where(and(eq(accountDomainBlocks.accountId, actorId), ...k.where)).orderBy(k.orderBy).limit(page.limit), k.forwards)
  return { domains: rows.map((r) => r.domain), firstKey: rows[0]?.id, lastKey: rows[rows.length - 1]?.id }
}
