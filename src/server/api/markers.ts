import { getMarkers, setMarkers } from '../../core/markers'
import { parseStringArray } from '../../core/params'
import type { Base } from '../base'
import { renderMarkers } from '../render/marker'

export const markersApi = (app: Base) =>
  app
    .get('/api/v1/markers', async ({ ctx, input, user }) =>
      renderMarkers(await getMarkers(ctx, user.accountId, parseStringArray(input.timeline))), { auth: { scopes: ['read:statuses'] } })
    .post('/api/v1/markers', async ({ ctx, input, user }) =>
      renderMarkers(await setMarkers(ctx, user.accountId, input)), { auth: { scopes: ['write:statuses'] } })
