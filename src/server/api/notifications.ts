import { NotFoundError } from '../../core/errors'
import { clearNotifications, destroyNotifications, dismissNotification, markNotificationsRead } from '../../core/notifications/actions'
import {
  countUnreadGroups, dismissNotificationGroup, getNotificationGroup, groupPageParams, listNotificationGroupAccounts, listNotificationGroups,
  readGroupedTypes,
} from '../../core/notifications/groups'
import { getNotificationPolicy, updateNotificationPolicy } from '../../core/notifications/policy'
import {
  getNotificationRequest, listNotificationRequests, resolveNotificationRequest, resolveNotificationRequests,
} from '../../core/notifications/requests'
import { countUnseenNotifications, getNotification, listNotifications, readNotificationFilter } from '../../core/notifications/queries'
import { updateNotificationSettings } from '../../core/notifications/settings'
import { parseStringArray } from '../../core/params'
import type { Base } from '../base'
import { pageParams, setLink, setLinkFor } from '../pagination'
import { renderAccounts } from '../render/account'
import { renderNotification, renderNotificationGroups, renderNotifications } from '../render/notification'
import { renderNotificationPolicy, renderNotificationPolicyV1, renderNotificationRequests } from '../render/notification-request'

const READ = { scopes: ['read:notifications'] }
const WRITE = { scopes: ['write:notifications'] }
const WRITE_ACCOUNTS = { scopes: ['write:accounts'] }

const MAX_UNREAD_COUNT = 1000

function unreadLimit(input: Record<string, unknown>): number {
  const raw = Number(input.limit)
  return Number.isFinite(raw) && raw > 0 ? Math.min(Math.floor(raw), MAX_UNREAD_COUNT) : 100
}

export const notificationsApi = (app: Base) =>
  app
    .get('/api/v1/notifications', async ({ ctx, input, user, request, set }) => {
      const rows = await listNotifications(ctx, user.accountId, pageParams(input, 40, 80), readNotificationFilter(input))
      setLinkFor(set, request, ctx.config.baseUrl, rows)
      return renderNotifications(ctx, rows, user)
    }, { auth: READ })
    .get('/api/v1/notifications/unread_count', async ({ ctx, input, user }) => {
      return { count: await countUnseenNotifications(ctx, user.accountId, readNotificationFilter(input), unreadLimit(input)) }
    }, { auth: READ })
    .get('/api/v2/notifications', async ({ ctx, input, user, request, set }) => {
      const page = await listNotificationGroups(
        ctx, user.accountId, await groupPageParams(ctx, user.accountId, input), readNotificationFilter(input), readGroupedTypes(input),
      )
      if (page.newestSeq !== undefined) setLink(set, request, ctx.config.baseUrl, String(page.newestSeq), String(page.oldestSeq))
      return renderNotificationGroups(ctx, page.groups, user, { partialAvatars: input.expand_accounts === 'partial_avatars' })
    }, { auth: READ })
    .get('/api/v2/notifications/unread_count', async ({ ctx, input, user }) => {
      return { count: await countUnreadGroups(ctx, user.accountId, readNotificationFilter(input), readGroupedTypes(input), unreadLimit(input)) }
    }, { auth: READ })
    .get('/api/v2/notifications/policy', async ({ ctx, user }) => {
      return renderNotificationPolicy(await getNotificationPolicy(ctx, user.accountId))
    }, { auth: READ })
    .patch('/api/v2/notifications/policy', async ({ ctx, input, user }) => {
      return renderNotificationPolicy(await updateNotificationPolicy(ctx, user.accountId, input))
    }, { auth: WRITE })
    .put('/api/v2/notifications/policy', async ({ ctx, input, user }) => {
      return renderNotificationPolicy(await updateNotificationPolicy(ctx, user.accountId, input))
    }, { auth: WRITE })
    .get('/api/v1/notifications/policy', async ({ ctx, user }) => {
      return renderNotificationPolicyV1(await getNotificationPolicy(ctx, user.accountId))
    }, { auth: READ })
    .patch('/api/v1/notifications/policy', async ({ ctx, input, user }) => {
      return renderNotificationPolicyV1(await updateNotificationPolicy(ctx, user.accountId, input, { v1: true }))
    }, { auth: WRITE })
    .put('/api/v1/notifications/policy', async ({ ctx, input, user }) => {
      return renderNotificationPolicyV1(await updateNotificationPolicy(ctx, user.accountId, input, { v1: true }))
    }, { auth: WRITE })
    .get('/api/v1/notifications/requests', async ({ ctx, input, user, request, set }) => {
      const rows = await listNotificationRequests(ctx, user.accountId, pageParams(input, 40, 80))
      setLinkFor(set, request, ctx.config.baseUrl, rows)
      return renderNotificationRequests(ctx, rows, user)
    }, { auth: READ })
    .get('/api/v1/notifications/requests/merged', () => ({ merged: true }), { auth: READ })
    .post('/api/v1/notifications/requests/accept', async ({ ctx, input, user }) => {
      await resolveNotificationRequests(ctx, user.accountId, parseStringArray(input.id ?? input['id[]']), 'accept')
      return {}
    }, { auth: WRITE })
    .post('/api/v1/notifications/requests/dismiss', async ({ ctx, input, user }) => {
      await resolveNotificationRequests(ctx, user.accountId, parseStringArray(input.id ?? input['id[]']), 'dismiss')
      return {}
    }, { auth: WRITE })
    .get('/api/v1/notifications/requests/:id', async ({ ctx, params, user }) => {
      const [entity] = await renderNotificationRequests(ctx, [await getNotificationRequest(ctx, user.accountId, params.id)], user)
      if (!entity) throw new NotFoundError()
      return entity
    }, { auth: READ })
    .post('/api/v1/notifications/requests/:id/accept', async ({ ctx, params, user }) => {
      await resolveNotificationRequest(ctx, user.accountId, params.id, 'accept')
      return {}
    }, { auth: WRITE })
    .post('/api/v1/notifications/requests/:id/dismiss', async ({ ctx, params, user }) => {
      await resolveNotificationRequest(ctx, user.accountId, params.id, 'dismiss')
      return {}
    }, { auth: WRITE })
    .get('/api/v2/notifications/:group_key', async ({ ctx, params, user }) => {
      const rendered = await renderNotificationGroups(ctx, [await getNotificationGroup(ctx, user.accountId, params.group_key)], user)
      if (!rendered.notification_groups.length) throw new NotFoundError()
      return rendered
    }, { auth: READ })
    .get('/api/v2/notifications/:group_key/accounts', async ({ ctx, input, params, user, request, set }) => {
      const page = await listNotificationGroupAccounts(ctx, user.accountId, params.group_key, await groupPageParams(ctx, user.accountId, input))
      if (page.newestSeq !== undefined) setLink(set, request, ctx.config.baseUrl, String(page.newestSeq), String(page.oldestSeq))
      return renderAccounts(ctx, page.accounts, user)
    }, { auth: READ })
    .post('/api/v2/notifications/:group_key/dismiss', async ({ ctx, params, user }) => {
      await dismissNotificationGroup(ctx, user.accountId, params.group_key)
      return {}
    }, { auth: WRITE })
    .get('/api/v1/notifications/:id', async ({ ctx, params, user }) => {
      const entity = await renderNotification(ctx, await getNotification(ctx, user.accountId, params.id), user)
      if (!entity) throw new NotFoundError()
      return entity
    }, { auth: READ })
    .post('/api/v1/notifications/clear', async ({ ctx, user }) => {
      await clearNotifications(ctx, user.accountId)
      return {}
    }, { auth: WRITE })
    .post('/api/v1/notifications/dismiss', async ({ ctx, input, user }) => {
      await dismissNotification(ctx, user.accountId, input.id)
      return {}
    }, { auth: WRITE })
    .post('/api/v1/notifications/:id/dismiss', async ({ ctx, params, user }) => {
      await dismissNotification(ctx, user.accountId, params.id)
      return {}
    }, { auth: WRITE })
    .delete('/api/v1/notifications/destroy_multiple', async ({ ctx, input, user }) => {
      await destroyNotifications(ctx, user.accountId, parseStringArray(input.ids))
      return {}
    }, { auth: WRITE })
    .post('/api/v1/pleroma/notifications/read', async ({ ctx, input, user }) => {
      const rows = await markNotificationsRead(ctx, user.accountId, { id: input.id, maxId: input.max_id })
      if (input.id !== undefined && input.id !== '') {
        const entity = await renderNotification(ctx, rows[0], user)
        if (!entity) throw new NotFoundError()
        return entity
      }
      return renderNotifications(ctx, rows, user)
    }, { auth: WRITE })
    .put('/api/pleroma/notification_settings', async ({ ctx, input, user }) => {
      await updateNotificationSettings(ctx, user.userId, input)
      return { status: 'success' }
    }, { auth: WRITE_ACCOUNTS })
    .put('/api/v1/pleroma/notification_settings', async ({ ctx, input, user }) => {
      await updateNotificationSettings(ctx, user.userId, input)
      return { status: 'success' }
    }, { auth: WRITE_ACCOUNTS })
