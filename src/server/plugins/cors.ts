import { Elysia } from 'elysia'

const CORS_PATHS = /^\/(api|oauth\/(token|revoke)|\.well-known|nodeinfo|manifest\.json)/

const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
  'access-control-allow-headers': 'Authorization, Content-Type, Idempotency-Key, Accept, X-Requested-With',
  'access-control-expose-headers': 'Link, X-RateLimit-Reset, X-RateLimit-Limit, X-RateLimit-Remaining, X-Request-Id, Idempotency-Key',
  'access-control-max-age': '86400',
}

/** Browser clients (Elk, Phanpy, Pleroma-FE on another host) call the API cross-origin with bearer tokens. */
export const corsPlugin = new Elysia({ name: 'plugin.cors' }).onRequest(({ request, set }) => {
  const path = new URL(request.url).pathname
  set.headers['x-content-type-options'] = 'nosniff'
  set.headers['referrer-policy'] = 'same-origin'
  if (!CORS_PATHS.test(path)) return
  if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: CORS_HEADERS })
  Object.assign(set.headers, CORS_HEADERS)
})
