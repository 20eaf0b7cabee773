// Domains allowed to federate in limited-federation mode (Mastodon's domain allows).
import { asc, eq } from 'drizzle-orm'
import { instanceDomainAllows, type InstanceDomainAllowRow } from '../../db/schema'
import { logAction, type Actor } from '../admin/moderation-log'
import type { Ctx } from '../context'
import { NotFoundError } from '../errors'
import { isId } from '../ids'
import { normalizeDomain } from '../relationships/domain-blocks'

export async function listDomainAllows(ctx: Ctx): Promise<InstanceDomainAllowRow[]> {
  return ctx.db.select().from(instanceDomainAllows).orderBy(asc(instanceDomainAllows.domain))
}

export async function getDomainAllow(ctx: Ctx, id: string): Promise<InstanceDomainAllowRow> {
  if (!isId(id)) throw new NotFoundError()
  const [row] = await ctx.db.select().from(instanceDomainAllows).where(eq(instanceDomainAllows.id, id)).limit(1)
  if (!row) throw new NotFoundError()
  return row
}

/** Allows a domain; allowing it again returns the existing entry, as Mastodon does. */
export async function allowDomain(ctx: Ctx, rawDomain: unknown, actor: Actor): Promise<InstanceDomainAllowRow> {
  const domain = normalizeDomain(ctx, rawDomain)
  return ctx.db.transaction(async (tx) => {
    const [added] = await tx.insert(instanceDomainAllows).values({ domain }).onConflictDoNothing().returning()
    if (!added) {
      const [existing] = await tx.select().from(instanceDomainAllows).where(eq(instanceDomainAllows.domain, domain)).limit(1)
      return existing
    }
    await logAction(tx, actor, 'domain_allow_create', { domain }, (who) => `${who} allowed domain ${domain}`)
    return added
  })
}

export async function deleteDomainAllow(ctx: Ctx, id: string, actor: Actor): Promise<void> {
  const existing = await getDomainAllow(ctx, id)
  await ctx.db.transaction(async (tx) => {
    await tx.delete(instanceDomainAllows).where(eq(instanceDomainAllows.id, existing.id))
    await logAction(tx, actor, 'domain_allow_delete', { domain: existing.domain }, (who) => `${who} disallowed domain ${existing.domain}`)
  })
}

/** Removes the allow of a domain by name (the command line); false when it was not allowed. */
export async function disallowDomain(ctx: Ctx, rawDomain: unknown, actor: Actor = null): Promise<boolean> {
  const domain = normalizeDomain(ctx, rawDomain)
  const [row] = await ctx.db.select().from(instanceDomainAllows).where(eq(instanceDomainAllows.domain, domain)).limit(1)
  if (!row) return false
  await deleteDomainAllow(ctx, row.id, actor)
  return true
}
