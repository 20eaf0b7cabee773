import { describe, expect, test } from 'bun:test'
import { SESSION_COOKIE } from '../../src/server/base'
import { testApp } from '../support/context'
import { makeUser } from '../support/factories'
import { call } from '../support/http'
import { makeClient, send } from './oauth-fixtures'

function expectBaseHeaders(headers: Headers, what: string) {
  if (headers.get('x-content-type-options') !== 'nosniff') throw new Error(`${what}: no nosniff`)
  if (!headers.get('referrer-policy')) throw new Error(`${what}: no Referrer-Policy`)
}

describe('security headers', () => {
  test('every public GET route, errors and unknown paths send nosniff and a referrer policy', async () => {
    const app = await testApp()
    const paths = app.routes.filter((r) => r.method === 'GET' && (r.hooks as any)?.detail?.['x-auth'] === 'public' && !r.path.includes('*'))
      .map((r) => r.path.replace(/:[A-Za-z_]+/g, 'x'))
    expect(paths.length).toBeGreaterThan(5)
    for (const path of [...paths, '/no/such/route', '/api/v1/statuses/not-an-id']) {
      const res = await call('GET', path)
      expectBaseHeaders(res.headers, `GET ${path}`)
    }
    const malformed = await call('POST', '/api/v1/apps', { headers: { 'content-type': 'application/json' } })
    expectBaseHeaders(malformed.headers, 'malformed body')
  })

  test('HTML pages may not be framed and run no scripts', async () => {
    const client = await makeClient()
    const pages = [
      await send('GET', '/oauth/authorize', { query: { client_id: client.client_id, redirect_uri: client.redirect_uri, response_type: 'code' } }),
      await send('GET', '/api/v1/pleroma/password_reset/not-a-real-token'),
      await send('GET', '/api/account/confirm_email/x/y'),
    ]
    for (const res of pages) {
      expect(res.headers.get('content-type')).toContain('text/html')
      expect(res.headers.get('x-frame-options')).toBe('DENY')
      const csp = res.headers.get('content-security-policy')!
      expect(csp).toContain("frame-ancestors 'none'")
      expect(csp).toContain("default-src 'none'")
      expectBaseHeaders(res.headers, res.url)
    }
  })
})

describe('cookie sessions and cross-site requests', () => {
  async function sessionCookie() {
    const u = await makeUser()
    const { startSession } = await import('../../src/core/oauth/sessions')
    const { getTestContext } = await import('../support/context')
    const session = await startSession(await getTestContext(), u.user.id)
    return { user: u, cookie: `${SESSION_COOKIE}=${encodeURIComponent(session.accessToken)}` }
  }

  test('a cookie-authenticated change from another origin (or `Origin: null`) is refused; same origin works', async () => {
    const { cookie } = await sessionCookie()
    const attempt = (headers: Record<string, string>) => call('POST', '/api/v1/statuses', { headers: { cookie, ...headers }, json: { status: 'via cookie' } })
    for (const headers of [{ origin: 'https://evil.example' }, { origin: 'null' }, { 'sec-fetch-site': 'cross-site' }, { referer: 'https://evil.example/page' }] as Record<string, string>[]) {
      const res = await attempt(headers)
      expect(res.status).toBe(403)
      expect(res.json.error).toBe('Cross-site request refused')
    }
    const same = await attempt({ origin: 'http://localhost' })
    expect(same.status).toBe(200)
    // reading with the cookie is fine from anywhere the browser allows
    expect((await call('GET', '/api/v1/accounts/verify_credentials', { headers: { cookie, origin: 'https://evil.example' } })).status).toBe(200)
  })

  test('the Pleroma account forms need the password even with a session', async () => {
    const { cookie } = await sessionCookie()
    const res = await call('POST', '/api/pleroma/delete_account', { headers: { cookie, origin: 'http://localhost' }, json: {} })
    expect(res.json).toEqual({ error: 'Invalid password.' })
  })
})
