// Akkoma's frontend settings profiles, which Akkoma-FE loads at login.
import { deleteSettingProfile, getSettingProfile, listSettingProfiles, putSettingProfile } from '../../core/frontends/settings'
import type { Base } from '../base'

const READ = { scopes: ['read:accounts'] }
const WRITE = { scopes: ['write:accounts'] }
const PREFIX = '/api/v1/akkoma/frontend_settings'

export const frontendSettingsApi = (app: Base) =>
  app
    .get(`${PREFIX}/:frontend_name`, ({ ctx, user, params }) => listSettingProfiles(ctx, user.userId, params.frontend_name), { auth: READ })
    .get(`${PREFIX}/:frontend_name/:profile_name`, ({ ctx, user, params }) =>
      getSettingProfile(ctx, user.userId, params.frontend_name, params.profile_name), { auth: READ })
    .put(`${PREFIX}/:frontend_name/:profile_name`, ({ ctx, user, params, input }) =>
      putSettingProfile(ctx, user.userId, params.frontend_name, params.profile_name, input.settings, input.version), { auth: WRITE })
    .delete(`${PREFIX}/:frontend_name/:profile_name`, async ({ ctx, user, params }) => {
      await deleteSettingProfile(ctx, user.userId, params.frontend_name, params.profile_name)
      return { deleted: 'ok' }
    }, { auth: WRITE })
