// Shared helpers of the oauth*.test.ts files: users, apps, raw browser-like requests and HTML form scraping.
import { createHash, randomBytes } from 'node:crypto'
import { createLocalUser, type CreateUserInput } from '../../src/core/accounts/create-user'
import { getTestContext, testApp } from '../support/context'
import { call } from '../support/http'

let counter = 0
export const unique = (prefix: string) => `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`

export const PASSWORD = 'correct horse battery staple'

export async function makeUser(overrides: Partial<CreateUserInput> = {}) {
  const ctx = await getTestContext()
  const nickname = overrides.nickname ?? unique('u')
  const email = overrides.email ?? `${nickname}@mail.example`
  const created = await createLocalUser(ctx, { nickname, email, password: PASSWORD, ...overrides })
  return { ...created, nickname, email, password: overrides.password ?? PASSWORD }
}

export interface TestClient {
  id: string
  name: string
  client_id: string
  client_secret: string
  redirect_uri: string
  scopes: string[]
}

export async function makeClient(opts: { name?: string; redirectUris?: string | string[]; scopes?: string; website?: string } = {}): Promise<TestClient> {
  const res = await call('POST', '/api/v1/apps', {
    json: {
      client_name: opts.name ?? unique('App '),
      redirect_uris: opts.redirectUris ?? 'https://client.example/callback',
      scopes: opts.scopes ?? 'read write follow push',
      ...(opts.website ? { website: opts.website } : {}),
    },
  })
  if (res.status !== 200) throw new Error(`app registration failed: ${res.status} ${res.text}`)
  return res.json
}

export interface RawOptions {
  form?: Record<string, string>
  query?: Record<string, string>
  cookies?: Record<string, string>
  headers?: Record<string, string>
}

/** A browser-like request through the real app: cookies in, redirects not followed. */
export async function send(method: string, path: string, opts: RawOptions = {}): Promise<Response> {
  const url = new URL(path, 'http://localhost')
  for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v)
  const headers = new Headers(opts.headers)
  const cookie = Object.entries(opts.cookies ?? {}).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('; ')
  if (cookie) headers.set('cookie', cookie)
  let body: string | undefined
  if (opts.form) {
    headers.set('content-type', 'application/x-www-form-urlencoded')
    body = new URLSearchParams(opts.form).toString()
  }
  const app = await testApp()
  return app.handle(new Request(url, { method, headers, body }))
}

/** name → value of each Set-Cookie of a response. */
export function setCookies(res: Response): Record<string, { value: string; attributes: string }> {
  const out: Record<string, { value: string; attributes: string }> = {}
  for (const line of res.headers.getSetCookie()) {
    const [pair, ...attrs] = line.split(';')
    const i = pair.indexOf('=')
    out[pair.slice(0, i).trim()] = { value: decodeURIComponent(pair.slice(i + 1).trim()), attributes: attrs.join(';') }
  }
  return out
}

const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&#96;/g, '`').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')

/** The hidden inputs of the first form posting to `action`. */
export function formFields(html: string, action = '/oauth/authorize'): Record<string, string> {
  const start = html.indexOf(`action="${action}"`)
  if (start < 0) throw new Error(`no form posting to ${action}`)
  const form = html.slice(start, html.indexOf('</form>', start))
  const fields: Record<string, string> = {}
  for (const m of form.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields[unescape(m[1])] = unescape(m[2])
  return fields
}

export function pkcePair() {
  const verifier = randomBytes(48).toString('base64url')
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') }
}

export const CSRF_COOKIE = '__Host-rookery_csrf' // the test config's baseUrl is https
export const SESSION_COOKIE = '_pleroma_key'

/**
 * The browser flow up to the redirect: open the authorize page, then post the login form with the page's CSRF token.
 * Returns the POST's response and the cookies the browser holds afterwards.
 */
export async function authorizeWithLogin(query: Record<string, string>, login: string, password: string, extra: Record<string, string> = {}) {
  const page = await send('GET', '/oauth/authorize', { query })
  const html = await page.text()
  if (page.status !== 200) throw new Error(`authorize page answered ${page.status}: ${html}`)
  const csrf = setCookies(page)[CSRF_COOKIE].value
  const res = await send('POST', '/oauth/authorize', {
    form: { ...formFields(html), name: login, password, decision: 'approve', ...extra },
    cookies: { [CSRF_COOKIE]: csrf },
  })
  const session = setCookies(res)[SESSION_COOKIE]?.value
  return { res, csrf, session, html }
}

export function codeFrom(res: Response): { code: string | null; state: string | null; url: URL } {
  const url = new URL(res.headers.get('location')!)
  return { code: url.searchParams.get('code'), state: url.searchParams.get('state'), url }
}
