import { applyHideFilters } from '../../core/filters/match'
import { parseStringArray } from '../../core/params'
import { deleteStatus } from '../../core/statuses/delete-status'
import {
  bookmarkStatus, favouriteStatus, muteThread, pinStatus, reblogStatus, unbookmarkStatus, unfavouriteStatus, unpinStatus, unreblogStatus,
} from '../../core/statuses/interactions'
import { favouritedBy, ownBookmarks, ownFavourites, rebloggedBy } from '../../core/timelines/interaction-lists'
import { editStatus } from '../../core/statuses/edit-status'
import { readEditStatusParams, readPostStatusParams, readPreview, readScheduledAt } from '../../core/statuses/params'
import { cancelScheduledStatus, getScheduledStatus, listScheduledStatuses, rescheduleStatus, scheduleStatus } from '../../core/statuses/scheduled'
import { postStatus, previewStatus } from '../../core/statuses/post-status'
import { getOwnStatus, getStatusContext, getStatusesByIds, getStatusHistory, getStatusSource } from '../../core/statuses/queries'
import type { Base } from '../base'
import { pageParams, setLink, setLinkFor } from '../pagination'
import { renderOneScheduledStatus, renderScheduledStatuses } from '../render/scheduled-status'
import { renderAccounts } from '../render/account'
import { buildStatusSource, renderStatus, renderStatuses, renderStatusHistory } from '../render/status'
import { renderCacheOf } from '../render/cache'
import type { KnownAccounts } from '../render/bundle'
import { readStatusToRender } from '../render/single-status'

const READ = { scopes: ['read:statuses'], optional: true }
const WRITE = { scopes: ['write:statuses'] }
const FAVOURITE = { scopes: ['write:favourites'] }
const BOOKMARK = { scopes: ['write:bookmarks'] }
const MUTE = { scopes: ['write:mutes'] }
const WRITE_ACCOUNTS = { scopes: ['write:accounts'] }

export const statusesApi = (app: Base) =>
  app
    .post('/api/v1/statuses', async ({ ctx, input, user, request }) => {
      const params = readPostStatusParams(input)
      const poster = { accountId: user.accountId, appId: user.appId }
      const scheduledAt = readScheduledAt(input)
      if (scheduledAt) return renderOneScheduledStatus(ctx, await scheduleStatus(ctx, poster, params, scheduledAt))
      if (readPreview(input)) return previewStatus(ctx, poster, params, (c, row) => renderStatus(c, row, user))
      let known: KnownAccounts | undefined
      const row = await postStatus(ctx, poster, params, {
        idempotencyKey: request.headers.get('idempotency-key'),
        // the answer (and later pages) then find the new status's parts kept, and the answer its author and viewer
        // state as posting read them, without reading any of them back
        onCommitted: (posted, { version, author, viewer, ...parts }) => {
          renderCacheOf(ctx.database).keepStatusParts(posted.id, version, { ...parts, mentions: [], media: [], card: null }, posted.accountId)
          known = {
            rows: [author.account], users: new Map([[author.account.id, author.user]]),
            newStatusViewer: { accountId: poster.accountId, ...viewer },
          }
        },
      })
      return renderStatus(ctx, row, user, {}, known)
    }, { auth: WRITE })
    .get('/api/v1/statuses', async ({ ctx, input, viewer }) => {
      const ids = parseStringArray(input.id ?? input.ids)
      return renderStatuses(ctx, await getStatusesByIds(ctx, viewer?.accountId ?? null, ids), viewer)
    }, { auth: READ })
    .get('/api/v1/statuses/:id', async ({ ctx, params, viewer }) => {
      const { status, known } = await readStatusToRender(ctx, viewer, params.id)
      return renderStatus(ctx, status, viewer, {}, known)
    }, { auth: READ })
    .delete('/api/v1/statuses/:id', async ({ ctx, params, user }) => {
      const status = await getOwnStatus(ctx, user.accountId, params.id)
      const entity = await renderStatus(ctx, status, user, { source: true })
      await deleteStatus(ctx, user.accountId, status.id)
      return entity
    }, { auth: WRITE })
    .put('/api/v1/statuses/:id', async ({ ctx, params, input, user }) =>
      renderStatus(ctx, await editStatus(ctx, user.accountId, params.id, readEditStatusParams(input)), user), { auth: WRITE })
    .get('/api/v1/statuses/:id/context', async ({ ctx, params, viewer }) => {
      const { ancestors, descendants } = await getStatusContext(ctx, viewer?.accountId ?? null, params.id)
      const rendered = await renderStatuses(ctx, [...ancestors, ...descendants], viewer)
      return {
        ancestors: applyHideFilters(rendered.slice(0, ancestors.length), 'thread'),
        descendants: applyHideFilters(rendered.slice(ancestors.length), 'thread'),
      }
    }, { auth: READ })
    .get('/api/v1/statuses/:id/source', async ({ ctx, params, user }) =>
      buildStatusSource(await getStatusSource(ctx, user.accountId, params.id)), { auth: { scopes: ['read:statuses'] } })
    .get('/api/v1/statuses/:id/history', async ({ ctx, params, viewer }) => {
      const { status, revisions } = await getStatusHistory(ctx, viewer?.accountId ?? null, params.id)
      return renderStatusHistory(ctx, status, revisions, viewer)
    }, { auth: READ })
    .post('/api/v1/statuses/:id/reblog', async ({ ctx, params, input, user }) =>
      renderStatus(ctx, await reblogStatus(ctx, user.accountId, user.username, params.id, typeof input.visibility === 'string' ? input.visibility : null), user),
      { auth: WRITE })
    .post('/api/v1/statuses/:id/unreblog', async ({ ctx, params, user }) =>
      renderStatus(ctx, await unreblogStatus(ctx, user.accountId, params.id), user), { auth: WRITE })
    .post('/api/v1/statuses/:id/favourite', async ({ ctx, params, user }) =>
      renderStatus(ctx, await favouriteStatus(ctx, user.accountId, params.id), user), { auth: FAVOURITE })
    .post('/api/v1/statuses/:id/unfavourite', async ({ ctx, params, user }) =>
      renderStatus(ctx, await unfavouriteStatus(ctx, user.accountId, params.id), user), { auth: FAVOURITE })
    .post('/api/v1/statuses/:id/bookmark', async ({ ctx, params, input, user }) =>
      renderStatus(ctx, await bookmarkStatus(ctx, user.accountId, params.id, input.folder_id), user), { auth: BOOKMARK })
    .post('/api/v1/statuses/:id/unbookmark', async ({ ctx, params, user }) =>
      renderStatus(ctx, await unbookmarkStatus(ctx, user.accountId, params.id), user), { auth: BOOKMARK })
    .post('/api/v1/statuses/:id/pin', async ({ ctx, params, user }) =>
      renderStatus(ctx, await pinStatus(ctx, user.accountId, params.id), user), { auth: WRITE_ACCOUNTS })
    .post('/api/v1/statuses/:id/unpin', async ({ ctx, params, user }) =>
      renderStatus(ctx, await unpinStatus(ctx, user.accountId, params.id), user), { auth: WRITE_ACCOUNTS })
    .post('/api/v1/statuses/:id/mute', async ({ ctx, params, user }) =>
      renderStatus(ctx, await muteThread(ctx, user.accountId, params.id, true), user), { auth: MUTE })
    .post('/api/v1/statuses/:id/unmute', async ({ ctx, params, user }) =>
      renderStatus(ctx, await muteThread(ctx, user.accountId, params.id, false), user), { auth: MUTE })
    .get('/api/v1/statuses/:id/favourited_by', async ({ ctx, params, input, viewer, request, set }) => {
      const page = await favouritedBy(ctx, viewer, params.id, pageParams(input, 40, 80))
      setLink(set, request, ctx.config.baseUrl, page.firstKey, page.lastKey)
      return renderAccounts(ctx, page.items, viewer)
    }, { auth: { scopes: ['read:accounts'], optional: true } })
    .get('/api/v1/statuses/:id/reblogged_by', async ({ ctx, params, input, viewer, request, set }) => {
      const page = await rebloggedBy(ctx, viewer, params.id, pageParams(input, 40, 80))
      setLink(set, request, ctx.config.baseUrl, page.firstKey, page.lastKey)
      return renderAccounts(ctx, page.items, viewer)
    }, { auth: { scopes: ['read:accounts'], optional: true } })
    .get('/api/v1/favourites', async ({ ctx, input, user, request, set }) => {
      const page = await ownFavourites(ctx, user.accountId, pageParams(input, 20, 40))
      setLink(set, request, ctx.config.baseUrl, page.firstKey, page.lastKey)
      return renderStatuses(ctx, page.items, user)
    }, { auth: { scopes: ['read:favourites'] } })
    .get('/api/v1/bookmarks', async ({ ctx, input, user, request, set }) => {
      const page = await ownBookmarks(ctx, user.accountId, pageParams(input, 20, 40), input.folder_id)
      setLink(set, request, ctx.config.baseUrl, page.firstKey, page.lastKey)
      return renderStatuses(ctx, page.items, user)
    }, { auth: { scopes: ['read:bookmarks'] } })
    .get('/api/v1/scheduled_statuses', async ({ ctx, input, user, request, set }) => {
      const rows = await listScheduledStatuses(ctx, user.accountId, pageParams(input))
      setLinkFor(set, request, ctx.config.baseUrl, rows)
      return renderScheduledStatuses(ctx, rows)
    }, { auth: { scopes: ['read:statuses'] } })
    .get('/api/v1/scheduled_statuses/:id', async ({ ctx, params, user }) =>
      renderOneScheduledStatus(ctx, await getScheduledStatus(ctx, user.accountId, params.id)), { auth: { scopes: ['read:statuses'] } })
    .put('/api/v1/scheduled_statuses/:id', async ({ ctx, params, input, user }) =>
      renderOneScheduledStatus(ctx, await rescheduleStatus(ctx, user.accountId, params.id, readScheduledAt(input))), { auth: WRITE })
    .delete('/api/v1/scheduled_statuses/:id', async ({ ctx, params, user }) => {
      await cancelScheduledStatus(ctx, user.accountId, params.id)
      return {}
    }, { auth: WRITE })
