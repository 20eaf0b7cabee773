import { Elysia } from 'elysia'
import { parseStringArray } from '../../core/params'
import { deleteStatus } from '../../core/statuses/delete-status'
import { editStatus } from '../../core/statuses/edit-status'
import { readEditStatusParams, readPostStatusParams, readPreview } from '../../core/statuses/params'
import { postStatus, previewStatus } from '../../core/statuses/post-status'
import { getOwnStatus, getStatusContext, getStatusesByIds, getStatusHistory, getStatusSource } from '../../core/statuses/queries'
import { getVisibleStatus } from '../../core/visibility'
import type { Base } from '../base'
import { buildStatusSource, renderStatus, renderStatuses, renderStatusHistory } from '../render/status'

const READ = { scopes: ['read:statuses'], optional: true }
const WRITE = { scopes: ['write:statuses'] }

export const statusesApi = (base: Base) =>
  new Elysia({ name: 'api.statuses' })
    .use(base)
    .post('/api/v1/statuses', async ({ ctx, input, user, request }) => {
      const params = readPostStatusParams(input)
      const poster = { accountId: user.accountId, appId: user.appId }
      if (readPreview(input)) return previewStatus(ctx, poster, params, (c, row) => renderStatus(c, row, user))
      const row = await postStatus(ctx, poster, params, { idempotencyKey: request.headers.get('idempotency-key') })
      return renderStatus(ctx, row, user)
    }, { auth: WRITE })
    .get('/api/v1/statuses', async ({ ctx, input, viewer }) => {
      const ids = parseStringArray(input.id ?? input.ids)
      return renderStatuses(ctx, await getStatusesByIds(ctx, viewer?.accountId ?? null, ids), viewer)
    }, { auth: READ })
    .get('/api/v1/statuses/:id', async ({ ctx, params, viewer }) =>
      renderStatus(ctx, await getVisibleStatus(ctx, viewer?.accountId ?? null, params.id), viewer), { auth: READ })
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
      return { ancestors: rendered.slice(0, ancestors.length), descendants: rendered.slice(ancestors.length) }
    }, { auth: READ })
    .get('/api/v1/statuses/:id/source', async ({ ctx, params, user }) =>
      buildStatusSource(await getStatusSource(ctx, user.accountId, params.id)), { auth: { scopes: ['read:statuses'] } })
    .get('/api/v1/statuses/:id/history', async ({ ctx, params, viewer }) => {
      const { status, revisions } = await getStatusHistory(ctx, viewer?.accountId ?? null, params.id)
      return renderStatusHistory(ctx, status, revisions, viewer)
    }, { auth: READ })
