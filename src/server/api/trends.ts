import { Elysia } from 'elysia'
import type { Ctx } from '../../core/context'
import type { Viewer } from '../../core/oauth/authenticate'
import { mediaStorage } from '../../core/media/storage'
import type { TrendKind, TrendRow } from '../../db/schema'
import { reviewTrend, trendingLinks, trendingStatuses, trendingTags, trendPage } from '../../core/trends/trends'
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

const review = (trend: TrendRow) => ({ requires_review: trend.review === null, trendable: trend.review !== 'rejected' })

/** Trends (Mastodon's `/api/v1/trends/*`) and their moderation (`/api/v1/admin/trends/*`). */
export const trendsApi = (base: Base) => {
  const tags = async (ctx: Ctx, input: Record<string, unknown>, viewer: Viewer | null, all: boolean) => {
    const found = await trendingTags(ctx, trendPage(input, 10, 20), all)
    const rendered = await renderTags(ctx, found.map((f) => f.item), viewer)
    return all ? rendered.map((t, i) => ({ ...t, id: found[i].item.id, usable: true, listable: true, ...review(found[i].trend) })) : rendered
  }
  const links = async (ctx: Ctx, input: Record<string, unknown>, all: boolean) => {
    const storage = mediaStorage(ctx.config)
    return (await trendingLinks(ctx, trendPage(input, 10, 20), all)).map(({ trend, item }) => ({
      ...(all ? { id: item.id, ...review(trend) } : {}),
      ...buildPreviewCard(item, storage),
      history: linkHistory(trend),
    }))
  }
  const statuses = async (ctx: Ctx, input: Record<string, unknown>, viewer: Viewer | null, all: boolean) => {
    const found = await trendingStatuses(ctx, viewer?.accountId ?? null, trendPage(input, 20, 40), all)
    return renderStatuses(ctx, found.map((f) => f.item), viewer)
  }
  return new Elysia({ name: 'api.trends' })
    .use(base)
    .get('/api/v1/trends', async ({ ctx, input, viewer }) => tags(ctx, input, viewer, false), { auth: PUBLIC })
    .get('/api/v1/trends/tags', async ({ ctx, input, viewer }) => tags(ctx, input, viewer, false), { auth: PUBLIC })
    .get('/api/v1/trends/links', async ({ ctx, input }) => links(ctx, input, false), { auth: PUBLIC })
    .get('/api/v1/trends/statuses', async ({ ctx, input, viewer }) => statuses(ctx, input, viewer, false), { auth: PUBLIC })
    .get('/api/v1/admin/trends/tags', async ({ ctx, input, user }) => tags(ctx, input, user, true), { auth: ADMIN_READ })
    .get('/api/v1/admin/trends/links', async ({ ctx, input }) => links(ctx, input, true), { auth: ADMIN_READ })
    .get('/api/v1/admin/trends/statuses', async ({ ctx, input, user }) => statuses(ctx, input, user, true), { auth: ADMIN_READ })
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
