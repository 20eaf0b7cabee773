import { getApp, registerApp } from '../../core/oauth/apps'
import { UnauthorizedError } from '../../core/errors'
import { vapidPublicKey } from '../../core/push/keys'
import type { Base } from '../base'
import { buildApplication } from '../render/app'

export const appsApi = (app: Base) =>
  app
    .post('/api/v1/apps', async ({ ctx, input, viewer }) => {
      const app = await registerApp(ctx, {
        clientName: input.client_name,
        redirectUris: input.redirect_uris ?? input.redirect_uri,
        scopes: input.scopes,
        website: input.website,
        ownerUserId: viewer?.userId ?? null,
      })
      return buildApplication(app, await vapidPublicKey(ctx), true)
    }, { auth: 'public' })
    .get('/api/v1/apps/verify_credentials', async ({ ctx, viewer }) => {
      if (!viewer?.appId) throw new UnauthorizedError()
      return buildApplication(await getApp(ctx, viewer.appId), await vapidPublicKey(ctx))
    }, { auth: { scopes: [], app: true } })
