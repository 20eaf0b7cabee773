// Report handling by staff (Pleroma's admin ReportController) on top of the report core, with moderation log entries.
import { eq } from 'drizzle-orm'
import { accounts, type ReportRow } from '../../db/schema'
import type { Ctx } from '../context'
import { AppError, NotFoundError, ValidationError } from '../errors'
import { addReportNote, assignReport, deleteReportNote, setReportState } from '../reports/moderate'
import { getReport, listReportNotes } from '../reports/queries'
import { logAction, type StaffMember } from './moderation-log'
import { findAccountForAdmin } from './users'

async function targetName(ctx: Ctx, report: ReportRow): Promise<string> {
  const [target] = await ctx.db.select({ username: accounts.username, domain: accounts.domain }).from(accounts)
    .where(eq(accounts.id, report.targetAccountId)).limit(1)
  return target ? `@${target.domain ? `${target.username}@${target.domain}` : target.username}` : 'a deleted user'
}

const reportSubject = (report: ReportRow) => ({ type: 'report', id: report.id, state: report.state })

export interface ReportUpdateResult {
  id: string
  report?: ReportRow
  error?: string
}

/**
 * Moves each report to its new state. Every update is tried; those that fail report why (Pleroma answers 400 with
 * the list when any failed), the others are done.
 */
export async function updateReportStates(ctx: Ctx, updates: { id: string; state: unknown }[], actor: StaffMember): Promise<ReportUpdateResult[]> {
  const results: ReportUpdateResult[] = []
  for (const { id, state } of updates) {
    try {
      const report = await setReportState(ctx, id, state, actor.accountId)
      const who = await targetName(ctx, report)
      await logAction(ctx.db, actor, 'report_update', { subject: reportSubject(report) },
        (name) => `${name} updated report #${report.id} (on user ${who}) with '${report.state}' state`)
      results.push({ id, report })
    } catch (e) {
      if (!(e instanceof AppError)) throw e
      results.push({ id, error: e instanceof NotFoundError ? 'Record not found' : e.message.replace(/^Validation failed: /, '') })
    }
  }
  return results
}

/** Assigns reports to a staff member by nickname, or unassigns them with null. */
export async function assignReports(ctx: Ctx, updates: { id: string; assignedAccount: string | null }[], actor: StaffMember): Promise<ReportUpdateResult[]> {
  const results: ReportUpdateResult[] = []
  for (const { id, assignedAccount } of updates) {
    try {
      const assignee = assignedAccount ? await findAccountForAdmin(ctx, assignedAccount) : null
      if (assignee && !assignee.user?.isAdmin && !assignee.user?.isModerator) throw new ValidationError('Validation failed: reports can only be assigned to staff')
      const report = await assignReport(ctx, id, assignee?.account.id ?? null)
      const who = await targetName(ctx, report)
      await logAction(ctx.db, actor, assignee ? 'report_assigned' : 'report_unassigned',
        { subject: reportSubject(report), ...(assignee ? { assigned_account: assignee.account.username } : {}) },
        (name) => assignee
          ? `${name} assigned report #${report.id} (on user ${who}) to user @${assignee.account.username}`
          : `${name} unassigned report #${report.id} (on user ${who})`)
      results.push({ id, report })
    } catch (e) {
      if (!(e instanceof AppError)) throw e
      results.push({ id, error: e instanceof NotFoundError ? 'Record not found' : e.message.replace(/^Validation failed: /, '') })
    }
  }
  return results
}

export async function addReportNoteAsStaff(ctx: Ctx, reportId: string, content: unknown, actor: StaffMember) {
  const report = await getReport(ctx, reportId) // an unknown report is 404 whatever the note says
  const note = await addReportNote(ctx, report.id, actor.accountId, content)
  const who = await targetName(ctx, report)
  await logAction(ctx.db, actor, 'report_note', { subject: reportSubject(report), text: note.content },
    (name) => `${name} added note '${note.content}' to report #${report.id} on user ${who}`)
  return note
}

export async function deleteReportNoteAsStaff(ctx: Ctx, reportId: string, noteId: string, actor: StaffMember): Promise<void> {
  const report = await getReport(ctx, reportId)
  const note = (await listReportNotes(ctx, report.id)).find((n) => n.id === noteId)
  await deleteReportNote(ctx, report.id, noteId)
  const who = await targetName(ctx, report)
  await logAction(ctx.db, actor, 'report_note_delete', { subject: reportSubject(report), text: note?.content ?? '' },
    (name) => `${name} deleted note '${note?.content ?? ''}' from report #${report.id} on user ${who}`)
}
