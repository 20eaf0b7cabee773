// Statuses as staff see and moderate them (Pleroma's admin StatusController and user statuses).
import { and, count, desc, eq, isNull, sql, type SQL } from 'drizzle-orm'
import { accounts, statuses, type StatusRow, type StatusVisibility } from '../../db/schema'
import type { Ctx } from '../context'
import { NotFoundError, ValidationError } from '../errors'
import { isId } from '../ids'
import { bumpStatusCounter } from '../statuses/counters'
import { removeStatus } from '../statuses/delete-status'
import { countsAsReply } from '../statuses/validate'
import { visibleWithReblogSql } from '../visibility'
import { logAction, type Actor } from './moderation-log'
import { findAccountForAdmin } from './users'

export interface AdminStatusQuery {
  /**
   * Staff override of the visibility rule: every status, private and direct ones included. Without it staff see
   * what an anonymous visitor would (the rule in core/visibility.ts with no viewer).
   */
  godmode?: boolean
  localOnly?: boolean
  withReblogs?: boolean
  page?: number
  pageSize?: number
}

function conditions(query: AdminStatusQuery): SQL[] {
  const where: SQL[] = []
  if (!query.godmode) where.push(visibleWithReblogSql(null))
  if (!query.withReblogs) where.push(isNull(statuses.reblogOfId))
  if (query.localOnly) where.push(eq(statuses.local, true))
  return where
}

const offsetOf = (query: AdminStatusQuery) => ((query.page ?? 1) - 1) * (query.pageSize ?? 50)

/** The instance's statuses newest first, paged by page number. */
export async function listStatusesForAdmin(ctx: Ctx, query: AdminStatusQuery = {}): Promise<StatusRow[]> {
  return ctx.db.select().from(statuses).where(and(...conditions(query)))
    .orderBy(desc(statuses.id)).limit(query.pageSize ?? 50).offset(offsetOf(query))
}

/** One account's statuses newest first, paged by page number, with how many there are in all. */
export async function listAccountStatusesForAdmin(ctx: Ctx, handleOrId: string, query: AdminStatusQuery = {}): Promise<{ total: number; statuses: StatusRow[] }> {
  const { account } = await findAccountForAdmin(ctx, handleOrId)
  const where = and(eq(statuses.accountId, account.id), ...conditions(query))
  const [rows, [{ n }]] = await Promise.all([
    ctx.db.select().from(statuses).where(where).orderBy(desc(statuses.id)).limit(query.pageSize ?? 50).offset(offsetOf(query)),
    ctx.db.select({ n: count() }).from(statuses).where(where),
  ])
  return { total: Number(n), statuses: rows }
}

/**
 * Statuses of the accounts of one remote domain (Pleroma's `instances/:instance/statuses`), newest first, paged by
 * page number, with how many there are in all. The domain is matched as stored, port included.
 */
export async function listInstanceStatusesForAdmin(ctx: Ctx, instance: string, query: AdminStatusQuery = {}): Promise<{ total: number; statuses: StatusRow[] }> {
  const domain = instance.trim().toLowerCase()
  if (!domain) throw new NotFoundError()
  const where = and(
    sql`exists (select 1 from accounts a where a.id = ${statuses.accountId} and lower(a.domain::text) = ${domain})`,
    ...conditions(query),
  )
  const [rows, [{ n }]] = await Promise.all([
    ctx.db.select().from(statuses).where(where).orderBy(desc(statuses.id)).limit(query.pageSize ?? 50).offset(offsetOf(query)),
    ctx.db.select({ n: count() }).from(statuses).where(where),
  ])
  return { total: Number(n), statuses: rows }
}

/** Any status by id, whoever may see it: staff read reported and hidden posts (404 only when it does not exist). */
export async function getStatusForAdmin(ctx: Ctx, id: string): Promise<StatusRow> {
  if (!isId(id)) throw new NotFoundError()
  const [row] = await ctx.db.select().from(statuses).where(eq(statuses.id, id)).limit(1)
  if (!row) throw new NotFoundError()
  return row
}

export type ModeratedVisibility = 'public' | 'unlisted' | 'private'
const MODERATED_VISIBILITIES: ModeratedVisibility[] = ['public', 'unlisted', 'private']

export interface StatusScopeChange {
  sensitive?: boolean
  visibility?: string
}

/**
 * Marks a status sensitive (or not) and narrows or widens it among public, unlisted and private. Direct and list
 * statuses keep their audience: widening them would expose what was written to a few people.
 */
export async function updateStatusAsAdmin(ctx: Ctx, id: string, change: StatusScopeChange, actor: Actor = null): Promise<StatusRow> {
  const visibility = change.visibility
  if (!isId(id)) throw new NotFoundError()
  return ctx.db.transaction(async (tx) => {
    const [status] = await tx.select().from(statuses).where(eq(statuses.id, id)).for('update').limit(1)
    if (!status) throw new NotFoundError()
    if (visibility !== undefined && !MODERATED_VISIBILITIES.includes(visibility as ModeratedVisibility)) {
      throw new ValidationError(`Validation failed: visibility must be one of ${MODERATED_VISIBILITIES.join(', ')}`)
    }
    if (change.sensitive === undefined && visibility === undefined) throw new ValidationError('Validation failed: give sensitive or visibility')
    if (status.reblogOfId) throw new ValidationError('Validation failed: a reblog has no visibility or sensitivity of its own; change the original')
    if (visibility !== undefined && visibility !== status.visibility && !MODERATED_VISIBILITIES.includes(status.visibility as ModeratedVisibility)) {
      throw new ValidationError(`Validation failed: ${status.visibility} statuses keep their visibility`)
    }
    const set: Partial<typeof statuses.$inferInsert> = {}
    if (change.sensitive !== undefined) set.sensitive = change.sensitive
    if (visibility !== undefined) set.visibility = visibility as StatusVisibility
    const [row] = await tx.update(statuses).set({ ...set, updatedAt: sql`now()` as unknown as Date }).where(eq(statuses.id, status.id)).returning()
    // a reply counts on its parent only while everyone can see it
    if (status.inReplyToId && countsAsReply(status.visibility) !== countsAsReply(row.visibility)) {
      await bumpStatusCounter(tx, status.inReplyToId, 'repliesCount', countsAsReply(row.visibility) ? 1 : -1)
    }
    const parts = [
      ...(change.sensitive !== undefined ? [`sensitive: '${change.sensitive}'`] : []),
      ...(visibility !== undefined ? [`visibility: '${visibility}'`] : []),
    ]
    await logAction(tx, actor, 'status_update', {
      subject: { type: 'status', id: status.id }, sensitive: change.sensitive ?? null, visibility: visibility ?? null,
    }, (who) => `${who} updated status #${status.id}, set ${parts.join(', ')}`)
    return row
  })
}

/** Deletes any status (and its reblogs), as staff may. */
export async function deleteStatusAsAdmin(ctx: Ctx, id: string, actor: Actor = null): Promise<StatusRow> {
  if (!isId(id)) throw new NotFoundError()
  return ctx.db.transaction(async (tx) => {
    const gone = await removeStatus(tx, id, ctx)
    if (!gone) throw new NotFoundError()
    await logAction(tx, actor, 'status_delete', { subject_id: gone.id }, (who) => `${who} deleted status #${gone.id}`)
    return gone
  })
}

export interface VisibilityCounts {
  public: number
  unlisted: number
  private: number
  direct: number
}

/**
 * Statuses (reblogs aside) per visibility, for Pleroma's `/stats`; `instance` narrows to one domain (our own domain
 * means local statuses). Local-only statuses count as public and list statuses as private, as clients show them.
 */
export async function statusVisibilityCounts(ctx: Ctx, instance?: string): Promise<VisibilityCounts> {
  const where: SQL[] = [isNull(statuses.reblogOfId)]
  const domain = instance?.trim().toLowerCase()
  if (domain) {
    where.push(domain === ctx.config.domain.toLowerCase()
      ? isNull(accounts.domain)
      : eq(accounts.domain, domain))
  }
  const rows = await ctx.db.select({ visibility: statuses.visibility, n: count() }).from(statuses)
    .innerJoin(accounts, eq(accounts.id, statuses.accountId))
    .where(and(...where)).groupBy(statuses.visibility)
  const counts: VisibilityCounts = { public: 0, unlisted: 0, private: 0, direct: 0 }
  const bucket: Record<StatusVisibility, keyof VisibilityCounts> = { public: 'public', local: 'public', unlisted: 'unlisted', private: 'private', list: 'private', direct: 'direct' }
  for (const r of rows) counts[bucket[r.visibility]] += Number(r.n)
  return counts
}
