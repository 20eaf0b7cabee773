import type { Ctx } from '../../core/context'
import type { Viewer } from '../../core/oauth/authenticate'
import { mediaStorage } from '../../core/media/storage'
import type { TrendKind, TrendRow } from '../../db/schema'
import { reviewTrend, trendingLinks, trendingStatuses, trendingTags, trendPage, type TrendPage } from '../../core/trends/trends'
import type { AuthRule, Base } from '../base'
import { buildPreviewCard } from '../render/card'
import { renderStatuses } from '../render/status'
import { renderTags } from '../render/tag'

const PUBLIC: AuthRule = 'public'
const ADMIN_READ: AuthRule = { scopes: ['admin:read'], role: 'moderator' }
const ADMIN_WRITE: AuthRule = { scopes: ['admin:write'], role: 'moderator' }

/** Today's use of a trending link, as Mastodon's one-day history entry. */
function linkHistory(trend: TrendRow) {
  const day = new Date()
  day.setUTCHours(0, 0, 0, 0)
  return [{ day: String(Math.floor(day.getTime() / 1000)), accounts: String(trend.accounts), uses: String(trend.uses) }]
}

/** Mastodon pages trends by offset: `next` when the page is full, `prev` when it is not the first. */
function setOffsetLink(set: { headers: Record<string, unknown> }, request: Request, baseUrl: string, page: TrendPage, count: number) {
  const url = new URL(request.url)
  const at = (offset: number) => {
    const params = new URLSearchParams(url.searchParams)
    params.set('offset', String(offset))
    return `<${baseUrl}${url.pathname}?${params.toString()}>`
  }
  const links = [
    ...(count >= page.limit ? [`${at(page.offset + page.limit)}; rel="next"`] : []),
    ...(page.offset > 0 ? [`${at(Math.max(0, page.offset - page.limit))}; rel="prev"`] : []),
  ]
  if (links.length) set.headers.link = links.join(', ')
}

const review = (trend: TrendRow) => ({ requires_review: trend.review === null, trendable: trend.review !== 'rejected' })

type Paging = { set: { headers: Record<string, unknown> }; request: Request }

/** Trends (Mastodon's `/api/v1/trends/*`) and their moderation (`/api/v1/admin/trends/*`). */
export const trendsApi = (app: Base) => {
  const tags = async (ctx: Ctx, input: Record<string, unknown>, viewer: Viewer | null, all: boolean, { set, request }: Paging) => {
    const page = trendPage(input, 10, 20)
    const found = await trendingTags(ctx, page, all)
    setOffsetLink(set, request, ctx.config.baseUrl, page, found.length)
    const rendered = await renderTags(ctx, found.map((f) => f.item), viewer)
    return all ? rendered.map((t, i) => ({ ...t, id: found[i].item.id, usable: true, listable: true, ...review(found[i].trend) })) : rendered
  }
  const links = async (ctx: Ctx, input: Record<string, unknown>, all: boolean, { set, request }: Paging) => {
    const page = trendPage(input, 10, 20)
    const found = await trendingLinks(ctx, page, all)
    setOffsetLink(set, request, ctx.config.baseUrl, page, found.length)
    const storage = mediaStorage(ctx.config)
    return found.map(({ trend, item }) => ({
      ...(all ? { id: item.id, ...review(trend) } : {}),
      ...buildPreviewCard(item, storage),
      history: linkHistory(trend),
    }))
  }
  const statuses = async (ctx: Ctx, input: Record<string, unknown>, viewer: Viewer | null, all: boolean, { set, request }: Paging) => {
    const page = trendPage(input, 20, 40)
    const found = await trendingStatuses(ctx, viewer?.accountId ?? null, page, all)
    setOffsetLink(set, request, ctx.config.baseUrl, page, found.length)
    return renderStatuses(ctx, found.map((f) => f.item), viewer)
  }
  return app
    .get('/api/v1/trends', async ({ ctx, input, viewer, set, request }) => tags(ctx, input, viewer, false, { set, request }), { auth: PUBLIC })
    .get('/api/v1/trends/tags', async ({ ctx, input, viewer, set, request }) => tags(ctx, input, viewer, false, { set, request }), { auth: PUBLIC })
    .get('/api/v1/trends/links', async ({ ctx, input, set, request }) => links(ctx, input, false, { set, request }), { auth: PUBLIC })
    .get('/api/v1/trends/statuses', async ({ ctx, input, viewer, set, request }) => statuses(ctx, input, viewer, false, { set, request }), { auth: PUBLIC })
    .get('/api/v1/admin/trends/tags', async ({ ctx, input, user, set, request }) => tags(ctx, input, user, true, { set, request }), { auth: ADMIN_READ })
    .get('/api/v1/admin/trends/links', async ({ ctx, input, set, request }) => links(ctx, input, true, { set, request }), { auth: ADMIN_READ })
    .get('/api/v1/admin/trends/statuses', async ({ ctx, input, user, set, request }) => statuses(ctx, input, user, true, { set, request }), { auth: ADMIN_READ })
    .post('/api/v1/admin/trends/tags/:id/approve', async ({ ctx, params }) => reviewed(await reviewTrend(ctx, 'tag', params.id, 'approved')), { auth: ADMIN_WRITE })
    .post('/api/v1/admin/trends/tags/:id/reject', async ({ ctx, params }) => reviewed(await reviewTrend(ctx, 'tag', params.id, 'rejected')), { auth: ADMIN_WRITE })
    .post('/api/v1/admin/trends/links/:id/approve', async ({ ctx, params }) => reviewed(await reviewTrend(ctx, 'link', params.id, 'approved')), { auth: ADMIN_WRITE })
    .post('/api/v1/admin/trends/links/:id/reject', async ({ ctx, params }) => reviewed(await reviewTrend(ctx, 'link', params.id, 'rejected')), { auth: ADMIN_WRITE })
    .post('/api/v1/admin/trends/statuses/:id/approve', async ({ ctx, params }) => reviewed(await reviewTrend(ctx, 'status', params.id, 'approved')), { auth: ADMIN_WRITE })
    .post('/api/v1/admin/trends/statuses/:id/reject', async ({ ctx, params }) => reviewed(await reviewTrend(ctx, 'status', params.id, 'rejected')), { auth: ADMIN_WRITE })
}

function reviewed(trend: TrendRow) {
  return { id: trend.targetId, kind: trend.kind, review: trend.review, ...review(trend) }
}
