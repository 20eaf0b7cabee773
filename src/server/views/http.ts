import { PAGE_STYLE_HASH } from './layout'

/** A CSP source for where a form may end up: an http(s) origin or a bare custom scheme (`myapp:`). */
export function formTargetSource(uri: string): string | null {
  try {
    const url = new URL(uri)
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.origin
    return /^[a-z][a-z0-9+.-]*:$/i.test(url.protocol) ? url.protocol : null
  } catch {
    return null
  }
}

/** The origin of an http(s) image URL, for `img-src`; anything else is not allowed to load. */
function imageSource(uri: string): string | null {
  try {
    const url = new URL(uri)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : null
  } catch {
    return null
  }
}

/**
 * Strict policy for our server-rendered pages: no scripts at all, the one inline stylesheet by hash, no framing.
 * Chrome applies `form-action` to the redirect after a POST, so the client's redirect target is allowed there too.
 */
export function contentSecurityPolicy(formTargets: string[] = [], opts: { styleHash?: string; imgSources?: string[] } = {}): string {
  const targets = formTargets.map(formTargetSource).filter((s): s is string => !!s)
  const images = [...new Set((opts.imgSources ?? []).map(imageSource).filter((s): s is string => !!s))]
  return [
    "default-src 'none'",
    `style-src '${opts.styleHash ?? PAGE_STYLE_HASH}'`,
    `img-src 'self' data:${images.map((i) => ` ${i}`).join('')}`,
    `form-action 'self'${targets.map((t) => ` ${t}`).join('')}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ')
}

export interface PageResponseOptions {
  status?: number
  cookies?: string[]
  formTargets?: string[]
  /** hash of the page's inline stylesheet, when it is not the authorization pages' one */
  styleHash?: string
  /** URLs of images the page shows from other origins (media storage, remote avatars) */
  imgSources?: string[]
  /** Cache-Control for pages that are the same for every reader; the default is no-store */
  cacheControl?: string
}

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' }

export function htmlResponse(body: string, opts: PageResponseOptions = {}): Response {
  const headers = new Headers({
    'content-type': 'text/html; charset=utf-8',
    ...(opts.cacheControl ? { 'cache-control': opts.cacheControl } : NO_STORE),
    'x-frame-options': 'DENY',
    'content-security-policy': contentSecurityPolicy(opts.formTargets, { styleHash: opts.styleHash, imgSources: opts.imgSources }),
  })
  for (const cookie of opts.cookies ?? []) headers.append('set-cookie', cookie)
  return new Response(body, { status: opts.status ?? 200, headers })
}

export function redirectResponse(location: string, cookies: string[] = []): Response {
  const headers = new Headers({ location, ...NO_STORE })
  for (const cookie of cookies) headers.append('set-cookie', cookie)
  return new Response(null, { status: 302, headers })
}

export function readCookie(request: Request, name: string): string | null {
  const header = request.headers.get('cookie')
  if (!header) return null
  for (const part of header.split(';')) {
    const i = part.indexOf('=')
    if (i < 0 || part.slice(0, i).trim() !== name) continue
    try {
      return decodeURIComponent(part.slice(i + 1).trim())
    } catch {
      return null
    }
  }
  return null
}

export interface CookieOptions {
  secure: boolean
  /** seconds; omitted for a browser-session cookie, 0 to delete */
  maxAge?: number
  sameSite?: 'Lax' | 'Strict'
}

export function serializeCookie(name: string, value: string, opts: CookieOptions): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, 'Path=/', 'HttpOnly', `SameSite=${opts.sameSite ?? 'Lax'}`]
  if (opts.secure) parts.push('Secure')
  if (opts.maxAge !== undefined) {
    parts.push(`Max-Age=${opts.maxAge}`)
    if (opts.maxAge === 0) parts.push('Expires=Thu, 01 Jan 1970 00:00:00 GMT')
  }
  return parts.join('; ')
}
