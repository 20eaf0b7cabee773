import type { Ctx } from '../../core/context'
import { randomToken, safeEqual } from '../../core/secrets'
import { readCookie, serializeCookie } from './http'

/** Cookies of a site served over https get `Secure` (and the CSRF cookie the `__Host-` prefix). */
export const isSecure = (ctx: Ctx) => ctx.config.baseUrl.startsWith('https:')

// CSRF for our HTML forms: a random token in an HttpOnly cookie that the form must echo (double submit).

const csrfCookieName = (ctx: Ctx) => (isSecure(ctx) ? '__Host-rookery_csrf' : 'rookery_csrf')
const CSRF_TOKEN = /^[A-Za-z0-9_-]{43}$/

/** The browser's CSRF token, or a new one with the cookie that sets it. */
export function csrfFor(ctx: Ctx, request: Request): { token: string; cookies: string[] } {
  const existing = readCookie(request, csrfCookieName(ctx))
  if (existing && CSRF_TOKEN.test(existing)) return { token: existing, cookies: [] }
  const token = randomToken(32)
  return { token, cookies: [serializeCookie(csrfCookieName(ctx), token, { secure: isSecure(ctx) })] }
}

export function csrfValid(ctx: Ctx, request: Request, input: Record<string, unknown>): boolean {
  const cookie = readCookie(request, csrfCookieName(ctx))
  const sent = input.authenticity_token ?? input._csrf_token ?? request.headers.get('x-csrf-token')
  return !!cookie && CSRF_TOKEN.test(cookie) && typeof sent === 'string' && safeEqual(sent, cookie)
}

/** Browsers say where a form came from; refuse anything another site sent, whatever the token says. */
export function crossSite(ctx: Ctx, request: Request): boolean {
  if (request.headers.get('sec-fetch-site') === 'cross-site') return true
  const origin = request.headers.get('origin')
  if (!origin || origin === 'null') return false
  try {
    const host = new URL(origin).host
    return host !== new URL(request.url).host && host !== new URL(ctx.config.baseUrl).host && host !== request.headers.get('host')
  } catch {
    return true
  }
}

/** A posted form is ours: same-site and carrying the browser's CSRF token. */
export const formTrusted = (ctx: Ctx, request: Request, input: Record<string, unknown>) => !crossSite(ctx, request) && csrfValid(ctx, request, input)
