import { createReport } from '../../core/reports/create-report'
import { getReport, listReports, listReportsPaged, REPORT_STATES } from '../../core/reports/queries'
import type { ReportState } from '../../db/schema'
import type { Base } from '../base'
import { pageParams, setLinkFor } from '../pagination'
import { renderPleromaReports, renderReport, renderReports } from '../render/report'

function positive(value: unknown, fallback: number, max: number): number {
  const n = Number(value)
  return Number.isInteger(n) && n > 0 ? Math.min(n, max) : fallback
}

/** Filing reports, and the reporter's own reports (Mastodon entities, and Pleroma's `/api/v0/pleroma/reports`). */
export const reportsApi = (app: Base) =>
  app
    .post('/api/v1/reports', async ({ ctx, input, user }) => renderReport(ctx, await createReport(ctx, user, input), user),
      { auth: { scopes: ['write:reports'] } })
    .get('/api/v1/reports', async ({ ctx, input, user, request, set }) => {
      const rows = await listReports(ctx, { accountId: user.accountId }, pageParams(input))
      setLinkFor(set, request, ctx.config.baseUrl, rows)
      return renderReports(ctx, rows, user)
    }, { auth: { scopes: ['read:reports'] } })
    .get('/api/v1/reports/:id', async ({ ctx, params, user }) =>
      renderReport(ctx, await getReport(ctx, params.id, { accountId: user.accountId }), user),
      { auth: { scopes: ['read:reports'] } })
    .get('/api/v0/pleroma/reports', async ({ ctx, input, user }) => {
      const state = REPORT_STATES.includes(input.state as ReportState) ? input.state as ReportState : undefined
      const page = await listReportsPaged(ctx, { accountId: user.accountId, state }, positive(input.page, 1, 10_000), positive(input.size ?? input.page_size, 20, 100))
      return { reports: await renderPleromaReports(ctx, page.items, user), total: page.total }
    }, { auth: { scopes: ['read:reports'] } })
    .get('/api/v0/pleroma/reports/:id', async ({ ctx, params, user }) =>
      (await renderPleromaReports(ctx, [await getReport(ctx, params.id, { accountId: user.accountId })], user))[0],
      { auth: { scopes: ['read:reports'] } })
