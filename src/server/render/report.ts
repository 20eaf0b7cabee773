import { inArray } from 'drizzle-orm'
import type { Ctx } from '../../core/context'
import type { Viewer } from '../../core/oauth/authenticate'
import { filterVisibleStatusIds } from '../../core/visibility'
import { accounts, statuses, type ReportRow } from '../../db/schema'
import { renderAccounts, type AccountEntity } from './account'
import { renderStatuses } from './status'

async function accountsById(ctx: Ctx, ids: string[], viewer: Viewer | null): Promise<Map<string, AccountEntity>> {
  const unique = [...new Set(ids)]
  if (!unique.length) return new Map()
  const rows = await ctx.db.select().from(accounts).where(inArray(accounts.id, unique))
  const rendered = await renderAccounts(ctx, rows, viewer)
  return new Map(rows.map((r, i) => [r.id, rendered[i]]))
}

/** Mastodon's Report entity; the reported accounts of a page are loaded together. */
export async function renderReports(ctx: Ctx, rows: ReportRow[], viewer: Viewer | null) {
  const targets = await accountsById(ctx, rows.map((r) => r.targetAccountId), viewer)
  return rows.map((r) => ({
    id: r.id,
    action_taken: r.actionTakenAt !== null,
    action_taken_at: r.actionTakenAt?.toISOString() ?? null,
    category: r.category,
    comment: r.comment,
    forwarded: r.forward,
    created_at: r.createdAt.toISOString(),
    status_ids: r.statusIds,
    rule_ids: r.ruleIds,
    target_account: targets.get(r.targetAccountId)!,
  }))
}

export async function renderReport(ctx: Ctx, row: ReportRow, viewer: Viewer | null) {
  return (await renderReports(ctx, [row], viewer))[0]
}

/**
 * Pleroma's report (`/api/v0/pleroma/reports`): the reported `account`, the reporting `actor`, `content`, `state`
 * and the attached statuses the viewer may still see.
 */
export async function renderPleromaReports(ctx: Ctx, rows: ReportRow[], viewer: Viewer | null) {
  const people = await accountsById(ctx, rows.flatMap((r) => [r.targetAccountId, r.accountId]), viewer)
  const statusIds = [...new Set(rows.flatMap((r) => r.statusIds))]
  const visible = await filterVisibleStatusIds(ctx, viewer?.accountId ?? null, statusIds)
  const statusRows = visible.size ? await ctx.db.select().from(statuses).where(inArray(statuses.id, [...visible])) : []
  const rendered = await renderStatuses(ctx, statusRows, viewer)
  const byId = new Map(statusRows.map((s, i) => [s.id, rendered[i]]))
  return rows.map((r) => ({
    id: r.id,
    account: people.get(r.targetAccountId)!,
    actor: people.get(r.accountId)!,
    content: r.comment || null,
    created_at: r.createdAt.toISOString(),
    statuses: r.statusIds.map((id) => byId.get(id)).filter((s) => !!s),
    state: r.state,
  }))
}
