import { getAccount } from '../../core/accounts/queries'
import { applyHideFilters } from '../../core/filters/match'
import { createList, deleteList, getOwnList, ownLists, updateList } from '../../core/lists/lists'
import { addMembers, listMembers, listsContaining, removeMembers } from '../../core/lists/members'
import { listTimeline } from '../../core/lists/timeline'
import { parseStringArray } from '../../core/params'
import { readTimelineOptions } from '../../core/timelines/options'
import type { Base } from '../base'
import { pageParams, setLinkFor } from '../pagination'
import { renderAccounts } from '../render/account'
import { renderList } from '../render/list'
import { renderStatuses } from '../render/status'

const READ = { scopes: ['read:lists'] }
const WRITE = { scopes: ['write:lists'] }

const accountIdsOf = (input: Record<string, unknown>) => parseStringArray(input.account_ids ?? input.account_id)

export const listsApi = (app: Base) =>
  app
    .get('/api/v1/lists', async ({ ctx, user }) => (await ownLists(ctx, user.accountId)).map(renderList), { auth: READ })
    .post('/api/v1/lists', async ({ ctx, input, user }) => renderList(await createList(ctx, user.accountId, input)), { auth: WRITE })
    .get('/api/v1/lists/:id', async ({ ctx, params, user }) => renderList(await getOwnList(ctx, user.accountId, params.id)), { auth: READ })
    .put('/api/v1/lists/:id', async ({ ctx, params, input, user }) => renderList(await updateList(ctx, user.accountId, params.id, input)), { auth: WRITE })
    .delete('/api/v1/lists/:id', async ({ ctx, params, user }) => {
      await deleteList(ctx, user.accountId, params.id)
      return {}
    }, { auth: WRITE })
    .get('/api/v1/lists/:id/accounts', async ({ ctx, params, input, user, request, set }) => {
      // `limit=0` lists every member at once, without paging (Mastodon).
      const all = input.limit === '0' || input.limit === 0
      const rows = await listMembers(ctx, user, params.id, all ? null : pageParams(input, 40, 80))
      if (!all) setLinkFor(set, request, ctx.config.baseUrl, rows)
      return renderAccounts(ctx, rows, user)
    }, { auth: READ })
    .post('/api/v1/lists/:id/accounts', async ({ ctx, params, input, user }) => {
      await addMembers(ctx, user.accountId, params.id, accountIdsOf(input))
      return {}
    }, { auth: WRITE })
    .delete('/api/v1/lists/:id/accounts', async ({ ctx, params, input, user }) => {
      await removeMembers(ctx, user.accountId, params.id, accountIdsOf(input))
      return {}
    }, { auth: WRITE })
    .get('/api/v1/accounts/:id/lists', async ({ ctx, params, user }) => {
      const account = await getAccount(ctx, params.id, user)
      return (await listsContaining(ctx, user.accountId, account.id)).map(renderList)
    }, { auth: READ })
    .get('/api/v1/timelines/list/:id', async ({ ctx, params, input, user, request, set }) => {
      const rows = await listTimeline(ctx, user.accountId, params.id, pageParams(input), readTimelineOptions(input))
      // Paging follows the rows read, so a page thinned by `hide` filters does not end the timeline early.
      setLinkFor(set, request, ctx.config.baseUrl, rows)
      return applyHideFilters(await renderStatuses(ctx, rows, user), 'home')
    }, { auth: READ })
