import { parseBool } from '../../core/params'
import { search, type SearchParams } from '../../core/search/search'
import type { Base } from '../base'
import { renderAccounts } from '../render/account'
import { renderStatuses } from '../render/status'
import { renderTags } from '../render/tag'

const searchParams = (input: Record<string, unknown>): SearchParams => ({
  q: input.q,
  type: input.type,
  resolve: parseBool(input.resolve) ?? false,
  following: parseBool(input.following) ?? false,
  accountId: input.account_id,
  limit: input.limit,
  offset: input.offset,
  maxId: input.max_id,
  minId: input.min_id,
})

const AUTH = { scopes: ['read:search'], optional: true as const }

/** Mastodon's search (v2, hashtags as Tag entities) and Pleroma's v1 (hashtags as names). */
export const searchApi = (app: Base) =>
  app
    .get('/api/v2/search', async ({ ctx, input, viewer }) => {
      const found = await search(ctx, viewer, searchParams(input))
      const [accounts, statuses, hashtags] = await Promise.all([
        renderAccounts(ctx, found.accounts, viewer),
        renderStatuses(ctx, found.statuses, viewer),
        renderTags(ctx, found.hashtags, viewer),
      ])
      return { accounts, statuses, hashtags }
    }, { auth: AUTH })
    .get('/api/v1/search', async ({ ctx, input, viewer }) => {
      const found = await search(ctx, viewer, searchParams(input))
      const [accounts, statuses] = await Promise.all([renderAccounts(ctx, found.accounts, viewer), renderStatuses(ctx, found.statuses, viewer)])
      return { accounts, statuses, hashtags: found.hashtags.map((t) => t.name) }
    }, { auth: AUTH })
