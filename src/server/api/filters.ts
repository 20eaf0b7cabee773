import {
  addFilterStatus, addKeyword, createFilter, deleteFilter, deleteFilterStatus, deleteKeyword, filterKeywordsOf, filterStatusesOf,
  getOwnFilter, getOwnFilterStatus, getOwnKeyword, ownFilters, updateFilter, updateKeyword,
} from '../../core/filters/filters'
import { readFilterParams } from '../../core/filters/params'
import { createV1Filter, deleteV1Filter, getV1Filter, listV1Filters, updateV1Filter } from '../../core/filters/v1'
import { publishFiltersChanged } from '../../core/events'
import type { Ctx } from '../../core/context'
import type { Base } from '../base'
import { renderFilter, renderFilterKeyword, renderFilterStatus, renderV1Filter } from '../render/filter'

const READ = { scopes: ['read:filters'] }
const WRITE = { scopes: ['write:filters'] }

/**
 * Mastodon's filters: v2 (filters with keywords and statuses), v1 as a view of it (one keyword each). Single keywords
 * and statuses live at `/api/v2/filters/keywords/:id` and `/api/v2/filters/statuses/:id` as in Mastodon, also served
 * as `/api/v2/filter_keywords/:id` and `/api/v2/filter_statuses/:id`.
 */
/**
 * Every successful change tells the owner's streaming connections (`filters_changed` on the user stream). A hook of
 * each filter route (not `onAfterHandle`: the routes are added to the app itself, where it would reach every later route).
 */
const announceChange = async ({ request, ctx, ...rest }: { request: Request; ctx: Ctx }) => {
  const accountId = (rest as { user?: { accountId?: string } }).user?.accountId
  if (request.method !== 'GET' && accountId) await publishFiltersChanged(ctx.db, accountId)
}

export const filtersApi = (app: Base) => {
  app
    // v1
    .get('/api/v1/filters', async ({ ctx, user }) => (await listV1Filters(ctx, user.accountId)).map(renderV1Filter), { auth: READ, afterHandle: announceChange })
    .post('/api/v1/filters', async ({ ctx, input, user }) => renderV1Filter(await createV1Filter(ctx, user.accountId, input)), { auth: WRITE, afterHandle: announceChange })
    .get('/api/v1/filters/:id', async ({ ctx, params, user }) => renderV1Filter(await getV1Filter(ctx, user.accountId, params.id)), { auth: READ, afterHandle: announceChange })
    .put('/api/v1/filters/:id', async ({ ctx, params, input, user }) =>
      renderV1Filter(await updateV1Filter(ctx, user.accountId, params.id, input)), { auth: WRITE, afterHandle: announceChange })
    .delete('/api/v1/filters/:id', async ({ ctx, params, user }) => {
      await deleteV1Filter(ctx, user.accountId, params.id)
      return {}
    }, { auth: WRITE, afterHandle: announceChange })
    // v2
    .get('/api/v2/filters', async ({ ctx, user }) => (await ownFilters(ctx, user.accountId)).map(renderFilter), { auth: READ, afterHandle: announceChange })
    .post('/api/v2/filters', async ({ ctx, input, user }) =>
      renderFilter(await createFilter(ctx, user.accountId, readFilterParams(input, true))), { auth: WRITE, afterHandle: announceChange })
    .get('/api/v2/filters/:id', async ({ ctx, params, user }) => renderFilter(await getOwnFilter(ctx.db, user.accountId, params.id)), { auth: READ, afterHandle: announceChange })
    .put('/api/v2/filters/:id', async ({ ctx, params, input, user }) =>
      renderFilter(await updateFilter(ctx, user.accountId, params.id, readFilterParams(input, false))), { auth: WRITE, afterHandle: announceChange })
    .delete('/api/v2/filters/:id', async ({ ctx, params, user }) => {
      await deleteFilter(ctx, user.accountId, params.id)
      return {}
    }, { auth: WRITE, afterHandle: announceChange })
    .get('/api/v2/filters/:id/keywords', async ({ ctx, params, user }) =>
      (await filterKeywordsOf(ctx, user.accountId, params.id)).map(renderFilterKeyword), { auth: READ, afterHandle: announceChange })
    .post('/api/v2/filters/:id/keywords', async ({ ctx, params, input, user }) =>
      renderFilterKeyword(await addKeyword(ctx, user.accountId, params.id, input)), { auth: WRITE, afterHandle: announceChange })
    .get('/api/v2/filters/:id/statuses', async ({ ctx, params, user }) =>
      (await filterStatusesOf(ctx, user.accountId, params.id)).map(renderFilterStatus), { auth: READ, afterHandle: announceChange })
    .post('/api/v2/filters/:id/statuses', async ({ ctx, params, input, user }) =>
      renderFilterStatus(await addFilterStatus(ctx, user.accountId, params.id, input.status_id)), { auth: WRITE, afterHandle: announceChange })

  for (const prefix of ['/api/v2/filters/keywords', '/api/v2/filter_keywords']) {
    app
      .get(`${prefix}/:id`, async ({ ctx, params, user }) => renderFilterKeyword(await getOwnKeyword(ctx.db, user.accountId, params.id)), { auth: READ, afterHandle: announceChange })
      .put(`${prefix}/:id`, async ({ ctx, params, input, user }) =>
        renderFilterKeyword(await updateKeyword(ctx, user.accountId, params.id, input)), { auth: WRITE, afterHandle: announceChange })
      .delete(`${prefix}/:id`, async ({ ctx, params, user }) => {
        await deleteKeyword(ctx, user.accountId, params.id)
        return {}
      }, { auth: WRITE, afterHandle: announceChange })
  }
  for (const prefix of ['/api/v2/filters/statuses', '/api/v2/filter_statuses']) {
    app
      .get(`${prefix}/:id`, async ({ ctx, params, user }) => renderFilterStatus(await getOwnFilterStatus(ctx.db, user.accountId, params.id)), { auth: READ, afterHandle: announceChange })
      .delete(`${prefix}/:id`, async ({ ctx, params, user }) => {
        await deleteFilterStatus(ctx, user.accountId, params.id)
        return {}
      }, { auth: WRITE, afterHandle: announceChange })
  }
  return app
}
