import { Elysia } from 'elysia'
import type { Ctx } from '../../core/context'
import { isUnavailableError, RETRY_AFTER_SECONDS } from '../../db/availability'
import { withBaseHeaders } from './body'

/** The healthcheck and the metrics report the database state themselves; the healthcheck finds out when it is back. */
const REPORTS_STATE = /^(\/api(\/v1)?\/pleroma\/healthcheck\/?|\/metrics)$/

function unavailable(): Response {
  return withBaseHeaders(new Response(JSON.stringify({ error: 'The database is unavailable; try again later' }), {
    status: 503,
    headers: { 'content-type': 'application/json; charset=utf-8', 'retry-after': String(RETRY_AFTER_SECONDS), 'cache-control': 'no-store' },
  }))
}

/**
 * While the database cannot be reached, every request gets 503 with `Retry-After` at once instead of waiting for a
 * connection; the first request that fails to reach it marks it down.
 */
export function availabilityPlugin(ctx: Ctx) {
  const availability = ctx.database.availability
  return new Elysia()
    .onRequest(({ request }) => {
      if (!availability || availability.check()) return
      if (REPORTS_STATE.test(new URL(request.url).pathname)) return
      return unavailable()
    })
    .onError({ as: 'global' }, ({ error }) => {
      if (!isUnavailableError(error)) return
      availability?.markDown()
      return unavailable()
    })
}
