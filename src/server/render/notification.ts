import { and, eq, gt, inArray, isNull, or } from 'drizzle-orm'
import type { Ctx } from '../../core/context'
import type { Viewer } from '../../core/oauth/authenticate'
import { visibleWithReblogSql } from '../../core/visibility'
import { accounts, mutes, reports, statuses, type NotificationRow, type ReportRow } from '../../db/schema'
import { renderAccounts, type AccountEntity } from './account'
import { renderStatuses, type StatusEntity } from './status'

/** Types whose notification carries the status it is about; without a visible status they are not shown. */
const STATUS_TYPES = new Set(['mention', 'status', 'reblog', 'favourite', 'poll', 'update', 'pleroma:emoji_reaction'])

const iso = (d: Date | null) => (d ? d.toISOString() : null)

/** Mastodon's Report entity, with the fields Pleroma's report notifications carry (`account` reported, `actor` reporting). */
function buildReport(report: ReportRow, rendered: Map<string, AccountEntity>) {
  const target = rendered.get(report.targetAccountId)
  if (!target) return null
  return {
    id: report.id,
    action_taken: report.state !== 'open',
    action_taken_at: iso(report.actionTakenAt),
    category: report.category,
    comment: report.comment,
    forwarded: report.forward,
    created_at: report.createdAt.toISOString(),
    status_ids: report.statusIds,
    rule_ids: report.ruleIds,
    target_account: target,
    account: target,
    actor: rendered.get(report.accountId) ?? null,
    content: report.comment,
    state: report.state,
  }
}

export type NotificationEntity = ReturnType<typeof buildNotificationEntity>

function buildNotificationEntity(
  n: NotificationRow,
  account: AccountEntity,
  extras: { status?: StatusEntity; target?: AccountEntity; report?: ReturnType<typeof buildReport>; muted: boolean },
) {
  return {
    id: n.id,
    type: n.type,
    created_at: n.createdAt.toISOString(),
    group_key: `ungrouped-${n.id}`,
    account,
    ...(extras.status ? { status: extras.status } : {}),
    ...(n.type === 'move' ? { target: extras.target ?? null } : {}),
    ...(n.type === 'pleroma:emoji_reaction' ? { emoji: n.emoji, emoji_url: n.emojiUrl } : {}),
    ...(extras.report ? { report: extras.report } : {}),
    pleroma: { is_seen: n.seen, is_muted: extras.muted },
  }
}

/**
 * Renders a page of notifications with a fixed number of queries: reports, accounts (senders, move targets, report
 * parties), the statuses (through the visibility rule, rendered in one batch) and the viewer's mutes. A notification whose
 * sender, status or report cannot be shown is left out.
 */
export async function renderNotifications(ctx: Ctx, rows: NotificationRow[], viewer: Viewer): Promise<NotificationEntity[]> {
  if (!rows.length) return []
  const unique = (values: (string | null)[]) => [...new Set(values.filter((v): v is string => !!v))]
  const reportIds = unique(rows.map((r) => r.reportId))
  const reportRows = reportIds.length ? await ctx.db.select().from(reports).where(inArray(reports.id, reportIds)) : []
  const accountIds = unique([
    ...rows.flatMap((r) => [r.fromAccountId, r.targetAccountId]),
    ...reportRows.flatMap((r) => [r.accountId, r.targetAccountId]),
  ])
  const statusIds = unique(rows.map((r) => r.statusId))
  const senderIds = unique(rows.map((r) => r.fromAccountId))
  const viewerId = viewer.accountId!

  const [accountEntities, statusEntities, muted] = await Promise.all([
    (async () => {
      const list = await ctx.db.select().from(accounts).where(inArray(accounts.id, accountIds))
      const rendered = await renderAccounts(ctx, list, viewer)
      return new Map(list.map((a, i) => [a.id, rendered[i]]))
    })(),
    (async () => {
      if (!statusIds.length) return new Map<string, StatusEntity>()
      const list = await ctx.db.select().from(statuses).where(and(inArray(statuses.id, statusIds), visibleWithReblogSql(viewerId)))
      const rendered = await renderStatuses(ctx, list, viewer)
      return new Map(rendered.map((s) => [s.id, s]))
    })(),
    (async () => {
      const list = await ctx.db.select({ id: mutes.targetAccountId }).from(mutes).where(and(
        eq(mutes.accountId, viewerId), inArray(mutes.targetAccountId, senderIds), or(isNull(mutes.expiresAt), gt(mutes.expiresAt, new Date())),
      ))
      return new Set(list.map((m) => m.id))
    })(),
  ])
  const reportsById = new Map(reportRows.map((r) => [r.id, buildReport(r, accountEntities)]))

  const out: NotificationEntity[] = []
  for (const n of rows) {
    const account = accountEntities.get(n.fromAccountId)
    if (!account) continue
    const status = n.statusId ? statusEntities.get(n.statusId) : undefined
    if (STATUS_TYPES.has(n.type) && !status) continue
    const report = n.reportId ? reportsById.get(n.reportId) ?? undefined : undefined
    if (n.type === 'pleroma:report' && !report) continue
    out.push(buildNotificationEntity(n, account, {
      status,
      target: n.targetAccountId ? accountEntities.get(n.targetAccountId) : undefined,
      report,
      muted: muted.has(n.fromAccountId),
    }))
  }
  return out
}

export async function renderNotification(ctx: Ctx, row: NotificationRow, viewer: Viewer): Promise<NotificationEntity | null> {
  const [entity] = await renderNotifications(ctx, [row], viewer)
  return entity ?? null
}
