import { describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { currentTotp } from '../../src/core/security/mfa'
import { mfaChallenges, users } from '../../src/db/schema'
import { getTestContext } from '../support/context'
import { makeApp, makeUser, TEST_PASSWORD } from '../support/factories'
import { call } from '../support/http'
import { authorizeWithLogin, codeFrom, CSRF_COOKIE, formFields, makeClient, send, SESSION_COOKIE, setCookies } from './oauth-fixtures'

/** A user with MFA switched on through the API; returns the secret so the test can compute codes. */
async function userWithMfa(opts: Parameters<typeof makeUser>[1] = {}) {
  const u = await makeUser(undefined, opts)
  const setup = await call('GET', '/api/pleroma/accounts/mfa/setup/totp', { token: u.token })
  expect(setup.status).toBe(200)
  const ctx = await getTestContext()
  const code = currentTotp(ctx, setup.json.key)
  const confirm = await call('POST', '/api/pleroma/accounts/mfa/confirm/totp', { token: u.token, json: { password: TEST_PASSWORD, code } })
  expect(confirm.status).toBe(200)
  return { ...u, secret: setup.json.key as string, confirmCode: code }
}

/** Each code works once, and confirming MFA used the current one: logins in these tests answer with a neighbour's. */
const nextCode = (ctx: Parameters<typeof currentTotp>[0], secret: string) => currentTotp(ctx, secret, Date.now() + 30_000)
const previousCode = (ctx: Parameters<typeof currentTotp>[0], secret: string) => currentTotp(ctx, secret, Date.now() - 30_000)

async function passwordGrant(app: { clientId: string; clientSecret: string }, username: string, password = TEST_PASSWORD) {
  return call('POST', '/oauth/token', {
    form: { grant_type: 'password', client_id: app.clientId, client_secret: app.clientSecret, username, password, scope: 'read' },
  })
}

async function challenge(app: { clientId: string; clientSecret: string }, mfaToken: string, challengeType: string, code: string) {
  return call('POST', '/oauth/mfa/challenge', {
    form: { client_id: app.clientId, client_secret: app.clientSecret, mfa_token: mfaToken, challenge_type: challengeType, code },
  })
}

describe('MFA settings', () => {
  test('setup, confirm with password and code, backup codes, disable', async () => {
    const ctx = await getTestContext()
    const u = await makeUser()
    const settings = await call('GET', '/api/pleroma/accounts/mfa', { token: u.token })
    expect(settings.json).toEqual({ settings: { enabled: false, totp: false, backup_codes: false } })

    const notStarted = await call('POST', '/api/pleroma/accounts/mfa/confirm/totp', { token: u.token, json: { password: TEST_PASSWORD, code: '123456' } })
    expect(notStarted.status).toBe(422)

    const setup = await call('GET', '/api/pleroma/accounts/mfa/setup/totp', { token: u.token })
    expect(setup.status).toBe(200)
    expect(setup.json.key).toMatch(/^[A-Z2-7]{32}$/)
    const uri = new URL(setup.json.provisioning_uri)
    expect(uri.protocol).toBe('otpauth:')
    expect(uri.searchParams.get('secret')).toBe(setup.json.key)
    expect(decodeURIComponent(setup.json.provisioning_uri)).toContain(u.user.email)
    expect((await call('GET', '/api/pleroma/accounts/mfa/setup/sms', { token: u.token })).status).toBe(400)

    const code = currentTotp(ctx, setup.json.key)
    const wrongPassword = await call('POST', '/api/pleroma/accounts/mfa/confirm/totp', { token: u.token, json: { password: 'not it at all', code } })
    expect(wrongPassword.status).toBe(422)
    expect(wrongPassword.json).toEqual({ error: 'Invalid password.' })
    const wrongCode = await call('POST', '/api/pleroma/accounts/mfa/confirm/totp', { token: u.token, json: { password: TEST_PASSWORD, code: code === '000000' ? '111111' : '000000' } })
    expect(wrongCode.status).toBe(422)
    expect(wrongCode.json).toEqual({ error: 'invalid_token' })
    expect((await call('POST', '/api/pleroma/accounts/mfa/confirm/u2f', { token: u.token, json: { password: TEST_PASSWORD, code } })).status).toBe(400)
    expect((await call('GET', '/api/pleroma/accounts/mfa', { token: u.token })).json.settings.enabled).toBe(false)

    const ok = await call('POST', '/api/pleroma/accounts/mfa/confirm/totp', { token: u.token, json: { password: TEST_PASSWORD, code } })
    expect(ok.status).toBe(200)
    expect(ok.json).toEqual({})
    expect((await call('GET', '/api/pleroma/accounts/mfa', { token: u.token })).json.settings).toEqual({ enabled: true, totp: true, backup_codes: false })

    const codes = await call('GET', '/api/pleroma/accounts/mfa/backup_codes', { token: u.token })
    expect(codes.json.codes).toHaveLength(5)
    for (const c of codes.json.codes) expect(c).toMatch(/^[0-9a-f]{16}$/)
    const [row] = await ctx.db.select().from(users).where(eq(users.id, u.user.id))
    expect(row.backupCodeHashes).toHaveLength(5)
    expect(row.backupCodeHashes).not.toContain(codes.json.codes[0])
    expect((await call('GET', '/api/pleroma/accounts/mfa', { token: u.token })).json.settings.backup_codes).toBe(true)

    const disableWrong = await call('DELETE', '/api/pleroma/accounts/mfa/totp', { token: u.token, json: { password: 'nope nope nope' } })
    expect(disableWrong.status).toBe(422)
    const disabled = await call('DELETE', '/api/pleroma/accounts/mfa/totp', { token: u.token, json: { password: TEST_PASSWORD } })
    expect(disabled.json).toEqual({})
    expect((await call('GET', '/api/pleroma/accounts/mfa', { token: u.token })).json.settings).toEqual({ enabled: false, totp: false, backup_codes: false })
  })

  test('settings need read:security (read covers it), changes write:security', async () => {
    const u = await makeUser(undefined, { scopes: ['read:statuses'] })
    expect((await call('GET', '/api/pleroma/accounts/mfa', { token: u.token })).status).toBe(403)
    const reader = await makeUser(undefined, { scopes: ['read'] })
    expect((await call('GET', '/api/pleroma/accounts/mfa', { token: reader.token })).status).toBe(200)
    expect((await call('GET', '/api/pleroma/accounts/mfa/backup_codes', { token: reader.token })).status).toBe(403)
    expect((await call('GET', '/api/pleroma/accounts/mfa')).status).toBe(401)
  })
})

describe('password grant with MFA', () => {
  test('answers mfa_required; the challenge with a TOTP code issues the token once', async () => {
    const u = await userWithMfa()
    const app = await makeApp()
    const ctx = await getTestContext()
    const first = await passwordGrant(app, u.account.username)
    expect(first.status).toBe(403)
    expect(first.json.error).toBe('mfa_required')
    expect(first.json.supported_challenge_types).toBe('totp')
    expect(first.json.mfa_token).toBeString()
    expect(first.json.access_token).toBeUndefined()

    expect((await passwordGrant(app, u.account.username, 'wrong password!')).status).toBe(400)

    const wrong = await challenge(app, first.json.mfa_token, 'totp', '000000' === nextCode(ctx, u.secret) ? '111111' : '000000')
    expect(wrong.status).toBe(400)
    expect(wrong.json).toEqual({ error: 'Invalid code' })
    const otherApp = await makeApp()
    expect((await challenge(otherApp, first.json.mfa_token, 'totp', nextCode(ctx, u.secret))).status).toBe(400)
    const badSecret = await challenge({ clientId: app.clientId, clientSecret: 'not the secret' }, first.json.mfa_token, 'totp', nextCode(ctx, u.secret))
    expect(badSecret.status).toBe(401)

    const used = nextCode(ctx, u.secret)
    const ok = await challenge(app, first.json.mfa_token, 'totp', used)
    expect(ok.status).toBe(200)
    expect(ok.json.access_token).toBeString()
    expect(ok.json.scope).toBe('read')
    const me = await call('GET', '/api/v1/accounts/verify_credentials', { token: ok.json.access_token })
    expect(me.json.id).toBe(u.account.id)

    const replay = await challenge(app, first.json.mfa_token, 'totp', used)
    expect(replay.status).toBe(400)

    // the same code cannot open a second login; another period's code can
    const second = (await passwordGrant(app, u.account.username)).json.mfa_token
    expect((await challenge(app, second, 'totp', used)).status).toBe(400)
    const unused = [previousCode(ctx, u.secret), currentTotp(ctx, u.secret), nextCode(ctx, u.secret)].find((c) => c !== used && c !== u.confirmCode)!
    expect((await challenge(app, second, 'totp', unused)).status).toBe(200)
  })

  test('a backup code works once', async () => {
    const u = await userWithMfa()
    const app = await makeApp()
    const codes = (await call('GET', '/api/pleroma/accounts/mfa/backup_codes', { token: u.token })).json.codes as string[]
    const a = (await passwordGrant(app, u.account.username)).json.mfa_token
    const ok = await challenge(app, a, 'recovery', codes[0].toUpperCase())
    expect(ok.status).toBe(200)
    const b = (await passwordGrant(app, u.account.username)).json.mfa_token
    const replayed = await challenge(app, b, 'recovery', codes[0])
    expect(replayed.status).toBe(400)
    expect((await challenge(app, b, 'recovery', codes[1])).status).toBe(200)
    expect((await challenge(app, b, 'sms', codes[2])).status).toBe(400)
  })

  test('five wrong codes burn the mfa_token; an expired one is refused', async () => {
    const ctx = await getTestContext()
    const u = await userWithMfa()
    const app = await makeApp()
    const token = (await passwordGrant(app, u.account.username)).json.mfa_token
    const right = nextCode(ctx, u.secret)
    const wrongCode = right === '999999' ? '888888' : '999999'
    for (let i = 0; i < 5; i++) expect((await challenge(app, token, 'totp', wrongCode)).status).toBe(400)
    expect((await challenge(app, token, 'totp', nextCode(ctx, u.secret))).status).toBe(400)

    const fresh = (await passwordGrant(app, u.account.username)).json.mfa_token
    await ctx.db.update(mfaChallenges).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(mfaChallenges.userId, u.user.id))
    expect((await challenge(app, fresh, 'totp', nextCode(ctx, u.secret))).status).toBe(400)
  })

  test('HTTP Basic credentials cannot skip the second factor', async () => {
    const u = await userWithMfa()
    const basic = Buffer.from(`${u.account.username}:${TEST_PASSWORD}`).toString('base64')
    const res = await call('GET', '/api/v1/accounts/verify_credentials', { headers: { authorization: `Basic ${basic}` } })
    expect(res.status).toBe(401)
    const plain = await makeUser()
    const ok = await call('GET', '/api/v1/accounts/verify_credentials', {
      headers: { authorization: `Basic ${Buffer.from(`${plain.account.username}:${TEST_PASSWORD}`).toString('base64')}` },
    })
    expect(ok.status).toBe(200)
  })
})

describe('authorization page with MFA', () => {
  test('the login form leads to a code step; a wrong code stays there, a right one approves', async () => {
    const ctx = await getTestContext()
    const u = await userWithMfa()
    const client = await makeClient()
    const query = { client_id: client.client_id, redirect_uri: client.redirect_uri, response_type: 'code', scope: 'read', state: 'xyz' }
    const { res, csrf, session } = await authorizeWithLogin(query, u.account.username, TEST_PASSWORD)
    expect(res.status).toBe(200)
    expect(session).toBeUndefined()
    const html = await res.text()
    expect(html).toContain('Two-factor authentication')
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    const fields = formFields(html, '/oauth/mfa/verify')
    expect(fields.mfa_token).toBeString()
    expect(fields.client_id).toBe(client.client_id)

    const wrong = await send('POST', '/oauth/mfa/verify', {
      form: { ...fields, challenge_type: 'totp', code: nextCode(ctx, u.secret) === '123123' ? '321321' : '123123' },
      cookies: { [CSRF_COOKIE]: csrf },
    })
    expect(wrong.status).toBe(401)
    expect(await wrong.text()).toContain('Two-factor authentication failed.')

    const noCsrf = await send('POST', '/oauth/mfa/verify', { form: { ...fields, authenticity_token: 'x'.repeat(43), code: nextCode(ctx, u.secret) } })
    expect(noCsrf.status).toBe(403)

    const ok = await send('POST', '/oauth/mfa/verify', {
      form: { ...fields, challenge_type: 'totp', code: nextCode(ctx, u.secret) },
      cookies: { [CSRF_COOKIE]: csrf },
    })
    expect(ok.status).toBe(302)
    const { code, state } = codeFrom(ok)
    expect(code).toBeString()
    expect(state).toBe('xyz')
    expect(setCookies(ok)[SESSION_COOKIE]?.value).toBeString()

    const token = await call('POST', '/oauth/token', {
      form: { grant_type: 'authorization_code', code: code!, client_id: client.client_id, client_secret: client.client_secret, redirect_uri: client.redirect_uri },
    })
    expect(token.status).toBe(200)
    expect(token.json.scope).toBe('read')
  })
})
