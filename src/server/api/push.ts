import { UnauthorizedError } from '../../core/errors'
import { vapidPublicKey } from '../../core/push/keys'
import { deletePushSubscription, getPushSubscription, subscribePush, updatePushSubscription } from '../../core/push/subscriptions'
import { readCredentials, type Base } from '../base'
import { buildPushSubscription } from '../render/push'

const scopes = { scopes: ['push'] }

export const pushApi = (app: Base) =>
  app
    .post('/api/v1/push/subscription', async ({ ctx, input, user, request }) => {
      const credentials = readCredentials(request, input)
      if (!user.tokenId || !credentials || !('token' in credentials)) throw new UnauthorizedError()
      const row = await subscribePush(ctx, { tokenId: user.tokenId, accountId: user.accountId, accessToken: credentials.token }, input)
      return buildPushSubscription(row, await vapidPublicKey(ctx))
    }, { auth: scopes })
    .get('/api/v1/push/subscription', async ({ ctx, user }) => {
      if (!user.tokenId) throw new UnauthorizedError()
      return buildPushSubscription(await getPushSubscription(ctx, user.tokenId), await vapidPublicKey(ctx))
    }, { auth: scopes })
    .put('/api/v1/push/subscription', async ({ ctx, input, user }) => {
      if (!user.tokenId) throw new UnauthorizedError()
      return buildPushSubscription(await updatePushSubscription(ctx, user.tokenId, input), await vapidPublicKey(ctx))
    }, { auth: scopes })
    .delete('/api/v1/push/subscription', async ({ ctx, user }) => {
      if (user.tokenId) await deletePushSubscription(ctx, user.tokenId)
      return {}
    }, { auth: scopes })
