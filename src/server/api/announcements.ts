import {
  addAnnouncementReaction, announcementInput, createAnnouncement, deleteAnnouncement, dismissAnnouncement, getAnnouncementForAdmin,
  listAnnouncements, listAnnouncementsForAdmin, removeAnnouncementReaction, updateAnnouncement,
} from '../../core/announcements/announcements'
import { actorOf } from '../../core/admin/moderation-log'
import { parseBool } from '../../core/params'
import type { AuthRule, Base } from '../base'
import { renderAnnouncement, renderAnnouncements } from '../render/announcement'
import { intParam } from './admin-pleroma'

const admin = (scope: string): AuthRule => ({ scopes: [scope], role: 'admin' })

function offsetParam(input: Record<string, unknown>): number {
  return input.offset === undefined || input.offset === '' || input.offset === '0' || input.offset === 0 ? 0 : intParam(input, 'offset', 0, 1_000_000)
}

/** Pleroma's admin announcements, at both of Pleroma's admin prefixes. */
const adminRoutes = (prefix: string) => (app: Base) =>
  app
    .get(`${prefix}/announcements`, async ({ ctx, input }) => {
      const rows = await listAnnouncementsForAdmin(ctx, { limit: intParam(input, 'limit', 20, 100), offset: offsetParam(input) })
      return renderAnnouncements(ctx, rows, null, { admin: true })
    }, { auth: admin('admin:read') })
    .post(`${prefix}/announcements`, async ({ ctx, input, user }) =>
      renderAnnouncement(ctx, await createAnnouncement(ctx, announcementInput(input), actorOf(user)), null, { admin: true }),
    { auth: admin('admin:write') })
    .get(`${prefix}/announcements/:id`, async ({ ctx, params }) =>
      renderAnnouncement(ctx, await getAnnouncementForAdmin(ctx, params.id), null, { admin: true }), { auth: admin('admin:read') })
    .patch(`${prefix}/announcements/:id`, async ({ ctx, params, input, user }) =>
      renderAnnouncement(ctx, await updateAnnouncement(ctx, params.id, announcementInput(input), actorOf(user)), null, { admin: true }),
    { auth: admin('admin:write') })
    .delete(`${prefix}/announcements/:id`, async ({ ctx, params, user }) => {
      await deleteAnnouncement(ctx, params.id, actorOf(user))
      return {}
    }, { auth: admin('admin:write') })

export const announcementsApi = (app: Base) =>
  app
    .get('/api/v1/announcements', async ({ ctx, input, user }) =>
      renderAnnouncements(ctx, await listAnnouncements(ctx, user.accountId, parseBool(input.with_dismissed) === true), user.accountId),
    { auth: { scopes: ['read'] } })
    .post('/api/v1/announcements/:id/dismiss', async ({ ctx, params, user }) => {
      await dismissAnnouncement(ctx, user.accountId, params.id)
      return {}
    }, { auth: { scopes: ['write:accounts'] } })
    .put('/api/v1/announcements/:id/reactions/:name', async ({ ctx, params, user }) => {
      await addAnnouncementReaction(ctx, user.accountId, params.id, params.name)
      return {}
    }, { auth: { scopes: ['write:favourites'] } })
    .delete('/api/v1/announcements/:id/reactions/:name', async ({ ctx, params, user }) => {
      await removeAnnouncementReaction(ctx, user.accountId, params.id, params.name)
      return {}
    }, { auth: { scopes: ['write:favourites'] } })
    .use(adminRoutes('/api/v1/pleroma/admin'))
    .use(adminRoutes('/api/pleroma/admin'))
