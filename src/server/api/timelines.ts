import { applyHideFilters } from '../../core/filters/match'
import { parseBool, parseStringArray } from '../../core/params'
import { readTimelineOptions } from '../../core/timelines/options'
import { homeTimeline, publicTimeline, tagTimeline, type PublicScope } from '../../core/timelines/timelines'
import type { Base } from '../base'
import { pageParams, setLinkFor } from '../pagination'
import { renderStatuses } from '../render/status'

const readPublicScope = (input: Record<string, unknown>): PublicScope => ({
  local: parseBool(input.local) ?? false,
  remote: parseBool(input.remote) ?? false,
  instance: typeof input.instance === 'string' && input.instance ? input.instance : null,
})

export const timelinesApi = (app: Base) =>
  app
    .get('/api/v1/timelines/home', async ({ ctx, input, user, request, set }) => {
      const rows = await homeTimeline(ctx, user.accountId, pageParams(input), readTimelineOptions(input))
      setLinkFor(set, request, ctx.config.baseUrl, rows)
      return applyHideFilters(await renderStatuses(ctx, rows, user), 'home')
    }, { auth: { scopes: ['read:statuses'] } })
    .get('/api/v1/timelines/public', async ({ ctx, input, viewer, request, set }) => {
      const rows = await publicTimeline(ctx, viewer?.accountId ?? null, pageParams(input), readTimelineOptions(input), readPublicScope(input))
      setLinkFor(set, request, ctx.config.baseUrl, rows)
      return applyHideFilters(await renderStatuses(ctx, rows, viewer), 'public')
    }, { auth: { scopes: ['read:statuses'], optional: true } })
    .get('/api/v1/timelines/tag/:hashtag', async ({ ctx, input, params, viewer, request, set }) => {
      const rows = await tagTimeline(ctx, viewer?.accountId ?? null, pageParams(input), readTimelineOptions(input), readPublicScope(input), {
        any: [params.hashtag, ...parseStringArray(input.any)],
        all: parseStringArray(input.all),
        none: parseStringArray(input.none),
      })
      setLinkFor(set, request, ctx.config.baseUrl, rows)
      return applyHideFilters(await renderStatuses(ctx, rows, viewer), 'public')
    }, { auth: { scopes: ['read:statuses'], optional: true } })
