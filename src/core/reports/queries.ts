import { and, count, desc, eq, type SQL } from 'drizzle-orm'
import { reportNotes, reports, type ReportRow, type ReportState } from '../../db/schema'
import type { Ctx } from '../context'
import { NotFoundError } from '../errors'
import { isId } from '../ids'
import { keyset, newestFirst, type Page } from '../timelines/page'

export const REPORT_STATES: ReportState[] = ['open', 'resolved', 'closed']

export interface ReportFilter {
  /** reports filed by this account (a user's own reports) */
  accountId?: string
  targetAccountId?: string
  state?: ReportState
}

function conditions(filter: ReportFilter): SQL[] {
  const where: SQL[] = []
  if (filter.accountId) where.push(eq(reports.accountId, filter.accountId))
  if (filter.targetAccountId) where.push(eq(reports.targetAccountId, filter.targetAccountId))
  if (filter.state) where.push(eq(reports.state, filter.state))
  return where
}

/** Reports newest first, keyset paged (max_id/since_id/min_id). The user API passes `accountId`; admin APIs need not. */
export async function listReports(ctx: Ctx, filter: ReportFilter, page: Page): Promise<ReportRow[]> {
  const k = keyset(reports.id, page)
  const rows = await ctx.db.select().from(reports).where(and(...conditions(filter), ...k.where)).orderBy(k.orderBy).limit(page.limit)
  return newestFirst(rows, k.forwards)
}

/** Pleroma's page/size paging with a total, for `/api/v0/pleroma/reports` and the Pleroma admin API. */
export async function listReportsPaged(ctx: Ctx, filter: ReportFilter, pageNumber: number, size: number): Promise<{ items: ReportRow[]; total: number }> {
  const where = and(...conditions(filter))
  const [{ total }] = await ctx.db.select({ total: count() }).from(reports).where(where)
  const items = await ctx.db.select().from(reports).where(where).orderBy(desc(reports.id)).limit(size).offset((pageNumber - 1) * size)
  return { items, total }
}

/** One report; with `accountId`, only if that account filed it (someone else's report is 404, as if absent). */
export async function getReport(ctx: Ctx, id: string, opts: { accountId?: string } = {}): Promise<ReportRow> {
  if (!isId(id)) throw new NotFoundError()
  const [row] = await ctx.db.select().from(reports)
    .where(and(eq(reports.id, id), ...(opts.accountId ? [eq(reports.accountId, opts.accountId)] : []))).limit(1)
  if (!row) throw new NotFoundError()
  return row
}

export async function listReportNotes(ctx: Ctx, reportId: string) {
  return ctx.db.select().from(reportNotes).where(eq(reportNotes.reportId, reportId)).orderBy(reportNotes.id)
}
