import { and, eq, sql } from 'drizzle-orm'
import { reportNotes, reports, type ReportRow, type ReportState } from '../../db/schema'
import type { Ctx } from '../context'
import { NotFoundError, ValidationError } from '../errors'
import { isId } from '../ids'
import { getReport, REPORT_STATES } from './queries'

export const MAX_REPORT_NOTE = 5000

/**
 * Moves a report to `open`, `resolved` or `closed` (Pleroma's states). Leaving `open` records who acted and when
 * (Mastodon's `action_taken_at`); reopening clears it.
 */
export async function setReportState(ctx: Ctx, id: string, state: unknown, moderatorAccountId: string): Promise<ReportRow> {
  if (!REPORT_STATES.includes(state as ReportState)) throw new ValidationError(`Validation failed: State must be one of ${REPORT_STATES.join(', ')}`)
  const report = await getReport(ctx, id)
  const open = state === 'open'
  const [row] = await ctx.db.update(reports).set({
    state: state as ReportState,
    actionTakenAt: open ? null : report.actionTakenAt ?? (sql`now()` as unknown as Date),
    actionTakenByAccountId: open ? null : moderatorAccountId,
    updatedAt: sql`now()` as unknown as Date,
  }).where(eq(reports.id, report.id)).returning()
  return row
}

/** Assigns a report to a moderator's account, or unassigns it with null. */
export async function assignReport(ctx: Ctx, id: string, assigneeAccountId: string | null): Promise<ReportRow> {
  const report = await getReport(ctx, id)
  const [row] = await ctx.db.update(reports).set({ assignedAccountId: assigneeAccountId, updatedAt: sql`now()` as unknown as Date })
    .where(eq(reports.id, report.id)).returning()
  return row
}

export async function addReportNote(ctx: Ctx, reportId: string, authorAccountId: string, content: unknown) {
  const text = typeof content === 'string' ? content.trim() : ''
  if (!text) throw new ValidationError("Validation failed: Content can't be blank")
  if (text.length > MAX_REPORT_NOTE) throw new ValidationError(`Validation failed: Content is too long (maximum is ${MAX_REPORT_NOTE} characters)`)
  const report = await getReport(ctx, reportId)
  const [note] = await ctx.db.insert(reportNotes).values({ reportId: report.id, accountId: authorAccountId, content: text }).returning()
  return note
}

export async function deleteReportNote(ctx: Ctx, reportId: string, noteId: string): Promise<void> {
  if (!isId(reportId) || !isId(noteId)) throw new NotFoundError()
  const gone = await ctx.db.delete(reportNotes).where(and(eq(reportNotes.id, noteId), eq(reportNotes.reportId, reportId))).returning({ id: reportNotes.id })
  if (!gone.length) throw new NotFoundError()
}
