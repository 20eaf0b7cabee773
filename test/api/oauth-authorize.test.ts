import { describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { Elysia } from 'elysia'
import { oauthCodes, users } from '../../src/db/schema'
import { sha256 } from '../../src/core/secrets'
import { createBase } from '../../src/server/base'
import { getTestContext } from '../support/context'
import { call } from '../support/http'
import {
  authorizeWithLogin, codeFrom, CSRF_COOKIE, formFields, makeClient, makeUser, pkcePair, send, SESSION_COOKIE, setCookies, unique,
} from './oauth-fixtures'

const OOB = 'urn:ietf:wg:oauth:2.0:oob'

function authorizeQuery(client: { client_id: string; redirect_uri: string }, extra: Record<string, string> = {}) {
  return { client_id: client.client_id, redirect_uri: client.redirect_uri.split('\n')[0], response_type: 'code', ...extra }
}

async function exchange(client: { client_id: string; client_secret?: string }, code: string, redirectUri: string, extra: Record<string, string> = {}) {
  return call('POST', '/oauth/token', {
    form: {
      grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: client.client_id,
      ...(client.client_secret ? { client_secret: client.client_secret } : {}), ...extra,
    },
  })
}

describe('GET /oauth/authorize', () => {
  test('without a session shows a login form with what the app asks for, under strict headers', async () => {
    const client = await makeClient({ name: 'Fine Client', scopes: 'read write:statuses', website: 'https://fine.example' })
    const res = await send('GET', '/oauth/authorize', { query: authorizeQuery(client, { state: 'xyz' }) })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toStartWith('text/html')
    expect(res.headers.get('x-frame-options')).toBe('DENY')
    expect(res.headers.get('cache-control')).toBe('no-store')
    const csp = res.headers.get('content-security-policy')!
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toContain('unsafe-inline')
    expect(csp).toContain("form-action 'self' https://client.example")
    const html = await res.text()
    expect(html).not.toContain('<script')
    expect(html).toContain('Sign in to authorize Fine Client')
    expect(html).toContain('href="https://fine.example"')
    expect(html).toContain('Read all your account&#39;s data')
    expect(html).toContain('Publish posts')
    expect(html).toContain('name="password"')
    const fields = formFields(html)
    expect(fields).toMatchObject({ client_id: client.client_id, redirect_uri: 'https://client.example/callback', scope: 'read write:statuses', state: 'xyz' })
    expect(fields.authenticity_token).toBe(setCookies(res)[CSRF_COOKIE].value)
    const csrfCookie = setCookies(res)[CSRF_COOKIE].attributes
    expect(csrfCookie).toContain('HttpOnly')
    expect(csrfCookie).toContain('SameSite=Lax')
    expect(csrfCookie).toContain('Secure')
  })

  test('escapes the app name and every echoed parameter', async () => {
    const client = await makeClient({ name: '<script>alert(1)</script>' })
    const res = await send('GET', '/oauth/authorize', { query: authorizeQuery(client, { state: '"><img src=x onerror=alert(2)>' }) })
    const html = await res.text()
    expect(res.status).toBe(200)
    expect(html).not.toContain('<script>alert(1)')
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(html).not.toContain('<img src=x')
    expect(formFields(html).state).toBe('"><img src=x onerror=alert(2)>')
  })

  test('an unknown client or an unregistered redirect URI is shown on the page, never redirected', async () => {
    const client = await makeClient()
    const unknown = await send('GET', '/oauth/authorize', { query: { client_id: 'nope', redirect_uri: 'https://evil.example/cb', response_type: 'code' } })
    expect(unknown.status).toBe(400)
    expect(unknown.headers.get('location')).toBeNull()
    expect(await unknown.text()).toContain('No application is registered with this client_id.')

    const badRedirect = await send('GET', '/oauth/authorize', { query: authorizeQuery(client, { redirect_uri: 'https://evil.example/cb' }) })
    expect(badRedirect.status).toBe(400)
    expect(badRedirect.headers.get('location')).toBeNull()
    expect(await badRedirect.text()).toContain('The redirect URI is not registered for this application.')

    const noClient = await send('GET', '/oauth/authorize', { query: { response_type: 'code' } })
    expect(noClient.status).toBe(400)
  })

  test('other errors go back to the registered redirect URI with the state', async () => {
    const client = await makeClient({ scopes: 'read' })
    const scope = await send('GET', '/oauth/authorize', { query: authorizeQuery(client, { scope: 'read write', state: 's1' }) })
    expect(scope.status).toBe(302)
    const loc = new URL(scope.headers.get('location')!)
    expect(loc.origin + loc.pathname).toBe('https://client.example/callback')
    expect(loc.searchParams.get('error')).toBe('invalid_scope')
    expect(loc.searchParams.get('state')).toBe('s1')

    const type = await send('GET', '/oauth/authorize', { query: authorizeQuery(client, { response_type: 'token' }) })
    expect(new URL(type.headers.get('location')!).searchParams.get('error')).toBe('unsupported_response_type')

    const pkce = await send('GET', '/oauth/authorize', { query: authorizeQuery(client, { code_challenge: pkcePair().challenge, code_challenge_method: 'S512' }) })
    expect(new URL(pkce.headers.get('location')!).searchParams.get('error')).toBe('invalid_request')
  })

  test('defaults the redirect URI when the app registered exactly one, and the scopes to the app\'s', async () => {
    const client = await makeClient({ scopes: 'read follow' })
    const res = await send('GET', '/oauth/authorize', { query: { client_id: client.client_id, response_type: 'code' } })
    expect(res.status).toBe(200)
    expect(formFields(await res.text())).toMatchObject({ redirect_uri: 'https://client.example/callback', scope: 'read follow' })
  })
})

describe('browser authorization code flow', () => {
  test('login form → code and state → token → the token works', async () => {
    const user = await makeUser()
    const client = await makeClient()
    const { res, session } = await authorizeWithLogin(authorizeQuery(client, { state: 'st@te/1', scope: 'read write' }), user.nickname, user.password)
    expect(res.status).toBe(302)
    const { code, state, url } = codeFrom(res)
    expect(url.origin + url.pathname).toBe('https://client.example/callback')
    expect(state).toBe('st@te/1')
    expect(code).toBeString()

    const cookie = setCookies(res)[SESSION_COOKIE]
    expect(session).toBeString()
    for (const attr of ['HttpOnly', 'SameSite=Lax', 'Path=/', 'Secure']) expect(cookie.attributes).toContain(attr)

    const ctx = await getTestContext()
    const [stored] = await ctx.db.select().from(oauthCodes).where(eq(oauthCodes.codeHash, sha256(code!)))
    expect(stored.scopes).toBe('read write')
    expect(stored.expiresAt.getTime() - Date.now()).toBeGreaterThan(9 * 60 * 1000)
    expect(stored.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(10 * 60 * 1000)

    const token = await exchange(client, code!, 'https://client.example/callback')
    expect(token.status).toBe(200)
    expect(token.headers.get('cache-control')).toBe('no-store')
    expect(token.json).toMatchObject({ token_type: 'Bearer', scope: 'read write', me: `https://rookery.test/users/${user.nickname}` })
    expect(token.json.access_token).toBeString()
    expect(token.json.refresh_token).toBeString()
    expect(token.json.id).toBeString()
    expect(token.json.created_at).toBeNumber()

    const verify = await call('GET', '/api/v1/apps/verify_credentials', { token: token.json.access_token })
    expect(verify.status).toBe(200)
    expect(verify.json.name).toBe(client.name)

    const [row] = await ctx.db.select().from(users).where(eq(users.id, user.user.id))
    expect(row.signInCount).toBe(1)
    expect(row.lastSignInAt).not.toBeNull()
  })

  test('signs in with the e-mail address, and Pleroma\'s nested authorization[...] fields', async () => {
    const user = await makeUser()
    const client = await makeClient()
    const page = await send('GET', '/oauth/authorize', { query: authorizeQuery(client) })
    const csrf = setCookies(page)[CSRF_COOKIE].value
    const fields = formFields(await page.text())
    const res = await send('POST', '/oauth/authorize', {
      form: {
        authenticity_token: fields.authenticity_token,
        'authorization[client_id]': client.client_id,
        'authorization[redirect_uri]': fields.redirect_uri,
        'authorization[scope]': 'read',
        'authorization[name]': user.email.toUpperCase(),
        'authorization[password]': user.password,
      },
      cookies: { [CSRF_COOKIE]: csrf },
    })
    expect(res.status).toBe(302)
    expect(codeFrom(res).code).toBeString()
  })

  test('with a session: consent screen "Authorize APP as @nick", approve without a password', async () => {
    const user = await makeUser({ displayName: 'Ann <b>Example</b>' })
    const first = await makeClient()
    const { session } = await authorizeWithLogin(authorizeQuery(first), user.nickname, user.password)
    expect(session).toBeString()

    const client = await makeClient({ name: 'Second App' })
    const page = await send('GET', '/oauth/authorize', { query: authorizeQuery(client, { state: 'abc' }), cookies: { [SESSION_COOKIE]: session! } })
    const html = await page.text()
    expect(page.status).toBe(200)
    expect(html).toContain(`Authorize Second App as @${user.nickname}?`)
    expect(html).not.toContain('name="password"')
    expect(html).toContain('Ann &lt;b&gt;Example&lt;/b&gt;')
    expect(html).toContain('action="/auth/sign_out"')
    const csrf = setCookies(page)[CSRF_COOKIE].value

    const res = await send('POST', '/oauth/authorize', {
      form: { ...formFields(html), decision: 'approve' },
      cookies: { [SESSION_COOKIE]: session!, [CSRF_COOKIE]: csrf },
    })
    expect(res.status).toBe(302)
    const { code, state } = codeFrom(res)
    expect(state).toBe('abc')
    const token = await exchange(client, code!, 'https://client.example/callback')
    expect(token.status).toBe(200)
    expect(token.json.me).toBe(`https://rookery.test/users/${user.nickname}`)

    // Authorised before with these scopes: the next request skips the consent screen, as Mastodon does.
    const again = await send('GET', '/oauth/authorize', { query: authorizeQuery(client, { scope: 'read' }), cookies: { [SESSION_COOKIE]: session! } })
    expect(again.status).toBe(302)
    expect(codeFrom(again).code).toBeString()

    // force_login shows the login form despite the session.
    const forced = await send('GET', '/oauth/authorize', { query: authorizeQuery(client, { force_login: 'true' }), cookies: { [SESSION_COOKIE]: session! } })
    expect(forced.status).toBe(200)
    expect(await forced.text()).toContain('name="password"')
  })

  test('deny redirects with access_denied and the state', async () => {
    const user = await makeUser()
    const client = await makeClient()
    const { session } = await authorizeWithLogin(authorizeQuery(await makeClient()), user.nickname, user.password)
    const page = await send('GET', '/oauth/authorize', { query: authorizeQuery(client, { state: 'q' }), cookies: { [SESSION_COOKIE]: session! } })
    const res = await send('POST', '/oauth/authorize', {
      form: { ...formFields(await page.text()), decision: 'deny' },
      cookies: { [SESSION_COOKIE]: session!, [CSRF_COOKIE]: setCookies(page)[CSRF_COOKIE].value },
    })
    expect(res.status).toBe(302)
    const url = new URL(res.headers.get('location')!)
    expect(url.searchParams.get('error')).toBe('access_denied')
    expect(url.searchParams.get('state')).toBe('q')
    expect(url.searchParams.get('code')).toBeNull()
  })

  test('wrong password or unknown user: "Invalid credentials", no code, no session', async () => {
    const user = await makeUser()
    const client = await makeClient()
    for (const [login, password] of [[user.nickname, 'wrong password!'], [unique('ghost'), 'whatever pass']]) {
      const { res, session } = await authorizeWithLogin(authorizeQuery(client), login, password)
      expect(res.status).toBe(422)
      expect(res.headers.get('location')).toBeNull()
      expect(session).toBeUndefined()
      const html = await res.text()
      expect(html).toContain('Invalid credentials')
      expect(html).toContain(`value="${login}"`)
    }
  })

  test('disabled and unapproved users see Mastodon\'s 403 texts', async () => {
    const ctx = await getTestContext()
    const client = await makeClient()
    const disabled = await makeUser()
    await ctx.db.update(users).set({ isActive: false }).where(eq(users.id, disabled.user.id))
    const pending = await makeUser({ approved: false })
    for (const [user, text] of [[disabled, 'Your login is currently disabled'], [pending, 'Your login is currently pending approval']] as const) {
      const { res, session } = await authorizeWithLogin(authorizeQuery(client), user.nickname, user.password)
      expect(res.status).toBe(403)
      expect(session).toBeUndefined()
      expect(await res.text()).toContain(text)
    }
  })

  test('CSRF: a missing or mismatched token, or a cross-site post, is refused with 403', async () => {
    const user = await makeUser()
    const client = await makeClient()
    const page = await send('GET', '/oauth/authorize', { query: authorizeQuery(client) })
    const csrf = setCookies(page)[CSRF_COOKIE].value
    const fields = formFields(await page.text())
    const login = { name: user.nickname, password: user.password }

    const { authenticity_token: _, ...withoutToken } = fields
    const cases: { form: Record<string, string>; cookies: Record<string, string>; headers?: Record<string, string> }[] = [
      { form: { ...withoutToken, ...login }, cookies: { [CSRF_COOKIE]: csrf } },
      { form: { ...fields, ...login }, cookies: {} },
      { form: { ...fields, ...login, authenticity_token: 'x'.repeat(43) }, cookies: { [CSRF_COOKIE]: csrf } },
      { form: { ...fields, ...login }, cookies: { [CSRF_COOKIE]: csrf }, headers: { origin: 'https://evil.example' } },
      { form: { ...fields, ...login }, cookies: { [CSRF_COOKIE]: csrf }, headers: { 'sec-fetch-site': 'cross-site' } },
    ]
    for (const c of cases) {
      const res = await send('POST', '/oauth/authorize', c)
      expect(res.status).toBe(403)
      expect(res.headers.get('location')).toBeNull()
      expect(setCookies(res)[SESSION_COOKIE]).toBeUndefined()
    }
    const ok = await send('POST', '/oauth/authorize', { form: { ...fields, ...login }, cookies: { [CSRF_COOKIE]: csrf }, headers: { origin: 'http://localhost' } })
    expect(ok.status).toBe(302)
  })

  test('a tampered redirect_uri in the form is re-validated', async () => {
    const user = await makeUser()
    const client = await makeClient()
    const { res } = await authorizeWithLogin(authorizeQuery(client), user.nickname, user.password, { redirect_uri: 'https://evil.example/cb' })
    expect(res.status).toBe(400)
    expect(res.headers.get('location')).toBeNull()
  })
})

describe('authorization codes', () => {
  async function codeFor(client: { client_id: string; redirect_uri: string }, extra: Record<string, string> = {}) {
    const user = await makeUser()
    const { res } = await authorizeWithLogin(authorizeQuery(client, extra), user.nickname, user.password)
    return codeFrom(res).code!
  }

  test('work once; a replay fails and revokes the token issued for the code', async () => {
    const client = await makeClient()
    const code = await codeFor(client)
    const first = await exchange(client, code, 'https://client.example/callback')
    expect(first.status).toBe(200)
    expect((await call('GET', '/api/v1/apps/verify_credentials', { token: first.json.access_token })).status).toBe(200)

    const replay = await exchange(client, code, 'https://client.example/callback')
    expect(replay.status).toBe(400)
    expect(replay.json).toMatchObject({ error: 'invalid_grant' })
    expect(replay.json.error_description).toBeString()
    expect((await call('GET', '/api/v1/apps/verify_credentials', { token: first.json.access_token })).status).toBe(401)
  })

  test('the redirect_uri must match the one authorised', async () => {
    const client = await makeClient({ redirectUris: ['https://client.example/callback', 'https://client.example/other'] })
    const code = await codeFor(client)
    const wrong = await exchange(client, code, 'https://client.example/other')
    expect(wrong.status).toBe(400)
    expect(wrong.json.error).toBe('invalid_grant')
    const missing = await call('POST', '/oauth/token', { form: { grant_type: 'authorization_code', code, client_id: client.client_id, client_secret: client.client_secret } })
    expect(missing.json.error).toBe('invalid_grant')
    expect((await exchange(client, code, 'https://client.example/callback')).status).toBe(200)
  })

  test('belong to their client, need the client\'s secret, and expire', async () => {
    const client = await makeClient()
    const other = await makeClient()
    const code = await codeFor(client)
    const stolen = await exchange(other, code, 'https://client.example/callback')
    expect(stolen.json.error).toBe('invalid_grant')
    const badSecret = await exchange({ ...client, client_secret: 'wrong' }, code, 'https://client.example/callback')
    expect(badSecret.status).toBe(401)
    expect(badSecret.json.error).toBe('invalid_client')
    const noSecret = await exchange({ client_id: client.client_id }, code, 'https://client.example/callback')
    expect(noSecret.status).toBe(401)
    expect(noSecret.json.error).toBe('invalid_client')

    const ctx = await getTestContext()
    await ctx.db.update(oauthCodes).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(oauthCodes.codeHash, sha256(code)))
    expect((await exchange(client, code, 'https://client.example/callback')).json.error).toBe('invalid_grant')
    expect((await exchange(client, 'not-a-code', 'https://client.example/callback')).json.error).toBe('invalid_grant')
    expect((await call('POST', '/oauth/token', { form: { grant_type: 'authorization_code', client_id: client.client_id, client_secret: client.client_secret } })).json.error).toBe('invalid_request')
  })

  test('PKCE S256: the right verifier works even without the client secret; a wrong one fails', async () => {
    const client = await makeClient()
    const { verifier, challenge } = pkcePair()
    const code = await codeFor(client, { code_challenge: challenge, code_challenge_method: 'S256' })
    const wrong = await exchange({ client_id: client.client_id }, code, 'https://client.example/callback', { code_verifier: pkcePair().verifier })
    expect(wrong.status).toBe(400)
    expect(wrong.json.error).toBe('invalid_grant')
    const none = await exchange(client, code, 'https://client.example/callback')
    expect(none.json.error).toBe('invalid_grant')
    const ok = await exchange({ client_id: client.client_id }, code, 'https://client.example/callback', { code_verifier: verifier })
    expect(ok.status).toBe(200)
    expect(ok.json.access_token).toBeString()
  })

  test('PKCE plain, and a verifier for a code issued without a challenge is refused', async () => {
    const client = await makeClient()
    const { verifier } = pkcePair()
    const code = await codeFor(client, { code_challenge: verifier, code_challenge_method: 'plain' })
    expect((await exchange(client, code, 'https://client.example/callback', { code_verifier: verifier })).status).toBe(200)

    const plainCode = await codeFor(client)
    const downgrade = await exchange(client, plainCode, 'https://client.example/callback', { code_verifier: verifier })
    expect(downgrade.json.error).toBe('invalid_grant')
  })
})

describe('out-of-band flow', () => {
  test('shows the code on a page, and the code exchanges with the OOB redirect URI', async () => {
    const user = await makeUser()
    const client = await makeClient({ redirectUris: OOB })
    const { res } = await authorizeWithLogin(authorizeQuery(client), user.nickname, user.password)
    expect(res.status).toBe(200)
    expect(res.headers.get('location')).toBeNull()
    expect(res.headers.get('cache-control')).toBe('no-store')
    const html = await res.text()
    const code = /class="code" value="([^"]+)"/.exec(html)?.[1]
    expect(code).toBeString()
    const token = await exchange(client, code!, OOB)
    expect(token.status).toBe(200)
    expect((await call('GET', '/api/v1/apps/verify_credentials', { token: token.json.access_token })).status).toBe(200)
  })

  test('errors of an OOB app are shown, not redirected', async () => {
    const client = await makeClient({ redirectUris: OOB, scopes: 'read' })
    const res = await send('GET', '/oauth/authorize', { query: authorizeQuery(client, { scope: 'admin' }) })
    expect(res.status).toBe(400)
    expect(res.headers.get('location')).toBeNull()
    expect(await res.text()).toContain('The requested scope is invalid')
  })
})

describe('sign out', () => {
  test('revokes the session token and clears the cookie', async () => {
    const user = await makeUser()
    const client = await makeClient()
    const { session } = await authorizeWithLogin(authorizeQuery(client), user.nickname, user.password)
    const page = await send('GET', '/oauth/authorize', { query: authorizeQuery(await makeClient()), cookies: { [SESSION_COOKIE]: session! } })
    const html = await page.text()
    const csrf = setCookies(page)[CSRF_COOKIE].value
    const fields = formFields(html, '/auth/sign_out')
    expect(fields.return_to).toStartWith('/oauth/authorize?')

    // the session cookie is also a credential for the API (Pleroma-FE style), until sign-out
    const probe = new Elysia().use(createBase(await getTestContext()))
      .get('/probe/me', ({ user }) => ({ userId: user.userId }), { auth: { scopes: ['read:accounts'] } })
    const viaCookie = () => probe.handle(new Request('http://localhost/probe/me', { headers: { cookie: `${SESSION_COOKIE}=${session}` } }))
    expect((await viaCookie()).status).toBe(200)

    const refused = await send('POST', '/auth/sign_out', { form: { return_to: fields.return_to }, cookies: { [SESSION_COOKIE]: session!, [CSRF_COOKIE]: csrf } })
    expect(refused.status).toBe(403)

    const res = await send('POST', '/auth/sign_out', { form: fields, cookies: { [SESSION_COOKIE]: session!, [CSRF_COOKIE]: csrf } })
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe(fields.return_to)
    expect(setCookies(res)[SESSION_COOKIE]).toMatchObject({ value: '' })
    expect(setCookies(res)[SESSION_COOKIE].attributes).toContain('Max-Age=0')

    expect((await viaCookie()).status).toBe(401)
    const after = await send('GET', '/oauth/authorize', { query: authorizeQuery(client), cookies: { [SESSION_COOKIE]: session! } })
    expect(await after.text()).toContain('name="password"')

    const offsite = await send('POST', '/auth/sign_out', { form: { ...fields, return_to: 'https://evil.example/' }, cookies: { [CSRF_COOKIE]: csrf } })
    expect(offsite.status).toBe(200)
    expect(offsite.headers.get('location')).toBeNull()
  })
})
