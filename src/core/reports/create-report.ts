import { and, eq, inArray, isNull, or } from 'drizzle-orm'
import { accounts, reports, statuses, users, type ReportRow } from '../../db/schema'
import { visibleAccountSql } from '../accounts/queries'
import type { DbLike } from '../../db/client'
import type { Ctx } from '../context'
import { enqueuePublish } from '../federation/publish'
import { NotFoundError, ValidationError } from '../errors'
import { isId } from '../ids'
import { effectiveRules } from '../instance/texts'
import { notify } from '../notifications/notify'
import type { Viewer } from '../oauth/authenticate'
import { parseBool, parseStringArray } from '../params'
import { filterVisibleStatusIds } from '../visibility'

export const REPORT_CATEGORIES = ['spam', 'legal', 'violation', 'other'] as const
export type ReportCategory = (typeof REPORT_CATEGORIES)[number]
export const MAX_REPORT_COMMENT = 1000
export const MAX_REPORT_STATUSES = 100

export interface ReportInput {
  account_id?: unknown
  status_ids?: unknown
  comment?: unknown
  forward?: unknown
  category?: unknown
  rule_ids?: unknown
}

/**
 * `POST /api/v1/reports`. The reported account must be one the reporter can see; every attached status must be that
 * account's and visible to the reporter (else 404 and nothing is stored). Rules named in `rule_ids` make the
 * category `violation`, as in Mastodon. Every local admin and moderator gets a `pleroma:report` notification.
 */
export async function createReport(ctx: Ctx, reporter: Viewer & { accountId: string }, input: ReportInput): Promise<ReportRow> {
  const targetId = typeof input.account_id === 'string' || typeof input.account_id === 'number' ? String(input.account_id) : ''
  if (!targetId) throw new ValidationError("Validation failed: Account can't be blank")
  if (!isId(targetId)) throw new NotFoundError()
  const [target] = await ctx.db.select().from(accounts).where(and(eq(accounts.id, targetId), visibleAccountSql(reporter))).limit(1)
  if (!target) throw new NotFoundError()
  if (target.id === reporter.accountId) throw new ValidationError('Validation failed: You cannot report yourself')

  const statusIds = [...new Set(parseStringArray(input.status_ids))]
  if (statusIds.length > MAX_REPORT_STATUSES) throw new ValidationError(`Validation failed: At most ${MAX_REPORT_STATUSES} statuses can be attached`)
  if (statusIds.length) {
    const visible = await filterVisibleStatusIds(ctx, reporter.accountId, statusIds)
    const own = visible.size
      ? await ctx.db.select({ id: statuses.id }).from(statuses)
        .where(and(inArray(statuses.id, [...visible]), eq(statuses.accountId, target.id), isNull(statuses.reblogOfId)))
      : []
    if (own.length !== statusIds.length) throw new NotFoundError()
  }

  const comment = input.comment === undefined || input.comment === null ? '' : typeof input.comment === 'string' ? input.comment.trim() : null
  if (comment === null) throw new ValidationError('Validation failed: Comment is invalid')
  if (comment.length > MAX_REPORT_COMMENT) {
    throw new ValidationError(`Validation failed: Comment is too long (maximum is ${MAX_REPORT_COMMENT} characters)`)
  }

  const ruleIds = [...new Set(parseStringArray(input.rule_ids))]
  const known = new Set((await effectiveRules(ctx)).map((r) => r.id))
  if (ruleIds.some((id) => !known.has(id))) throw new ValidationError('Validation failed: Rule ids contain an unknown rule')
  let category: ReportCategory = 'other'
  if (input.category !== undefined && input.category !== null && input.category !== '') {
    if (!REPORT_CATEGORIES.includes(input.category as ReportCategory)) {
      throw new ValidationError(`Validation failed: Category must be one of ${REPORT_CATEGORIES.join(', ')}`)
    }
    category = input.category as ReportCategory
  }
  if (ruleIds.length) category = 'violation'
  // Forwarding only means something for remote accounts: their instance gets an anonymous Flag.
  const forward = (parseBool(input.forward) ?? false) && target.domain !== null

  return ctx.db.transaction(async (tx) => {
    const [report] = await tx.insert(reports).values({
      accountId: reporter.accountId,
      targetAccountId: target.id,
      statusIds,
      ruleIds,
      comment,
      category,
      forward,
    }).returning()
    if (forward) await enqueuePublish(ctx, tx, { type: 'flag', reportId: report.id })
    await notifyStaff(tx, report)
    return report
  })
}

/** Every active local admin and moderator gets a `pleroma:report` notification (a reported one does not). */
export async function notifyStaff(tx: DbLike, report: ReportRow): Promise<void> {
  const staff = await tx.select({ accountId: users.accountId }).from(users)
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(and(or(eq(users.isAdmin, true), eq(users.isModerator, true)), eq(users.isActive, true), isNull(accounts.suspendedAt)))
  for (const { accountId } of staff) {
    if (accountId === report.targetAccountId) continue // a reported moderator does not learn of it this way
    await notify(tx, { type: 'pleroma:report', accountId, fromAccountId: report.accountId, targetAccountId: report.targetAccountId, reportId: report.id })
  }
}

/**
 * A report from another instance (an incoming Flag): filed by its sending actor, about a local account and those of
 * its statuses named, for the local moderators.
 */
export async function receiveRemoteReport(ctx: Ctx, input: { reporterId: string; targetId: string; statusIds: string[]; comment: string }): Promise<ReportRow> {
  const own = input.statusIds.length
    ? await ctx.db.select({ id: statuses.id }).from(statuses)
      .where(and(inArray(statuses.id, input.statusIds.slice(0, MAX_REPORT_STATUSES)), eq(statuses.accountId, input.targetId), isNull(statuses.reblogOfId)))
    : []
  return ctx.db.transaction(async (tx) => {
    const [report] = await tx.insert(reports).values({
      accountId: input.reporterId,
      targetAccountId: input.targetId,
      statusIds: own.map((s) => s.id),
      comment: input.comment.slice(0, MAX_REPORT_COMMENT),
      category: 'other',
    }).returning()
    await notifyStaff(tx, report)
    return report
  })
}
