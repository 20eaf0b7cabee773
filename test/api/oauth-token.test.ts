import { describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { Elysia } from 'elysia'
import { users } from '../../src/db/schema'
import { createBase } from '../../src/server/base'
import { contextWith, getTestContext, testApp } from '../support/context'
import { call } from '../support/http'
import { makeClient, makeUser, send, unique, type TestClient } from './oauth-fixtures'

function passwordGrant(client: TestClient, username: string, password: string, extra: Record<string, string> = {}) {
  return call('POST', '/oauth/token', {
    form: { grant_type: 'password', client_id: client.client_id, client_secret: client.client_secret, username, password, ...extra },
  })
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`

/** The real base with one user route and one app route, to check what each kind of token may reach. */
async function probe() {
  const base = createBase(await getTestContext())
  return new Elysia()
    .use(base)
    .get('/probe/user', ({ user }) => ({ userId: user.userId, scopes: user.scopes }), { auth: { scopes: ['read:accounts'] } })
    .get('/probe/write', ({ user }) => ({ userId: user.userId }), { auth: { scopes: ['write:statuses'] } })
}

describe('POST /oauth/token, password grant', () => {
  test('with the nickname: Mastodon fields plus Pleroma\'s id and me', async () => {
    const user = await makeUser()
    const client = await makeClient()
    const res = await passwordGrant(client, user.nickname, user.password, { scope: 'read write' })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('pragma')).toBe('no-cache')
    expect(res.json).toMatchObject({ token_type: 'Bearer', scope: 'read write', me: `https://rookery.test/users/${user.nickname}` })
    expect(Object.keys(res.json).sort()).toEqual(['access_token', 'created_at', 'id', 'me', 'refresh_token', 'scope', 'token_type'])
    const app = await probe()
    const me = await call('GET', '/probe/user', { token: res.json.access_token, app: app as any })
    expect(me.status).toBe(200)
    expect(me.json.userId).toBe(user.user.id)
  })

  test('with the e-mail (any case), JSON body, Pleroma\'s `name`, and query parameters', async () => {
    const user = await makeUser()
    const client = await makeClient()
    const byEmail = await call('POST', '/oauth/token', {
      json: { grant_type: 'password', client_id: client.client_id, client_secret: client.client_secret, username: user.email.toUpperCase(), password: user.password },
    })
    expect(byEmail.status).toBe(200)
    expect(byEmail.json.me).toBe(`https://rookery.test/users/${user.nickname}`)
    expect(byEmail.json.scope).toBe('read write follow push')

    const byName = await call('POST', '/oauth/token', {
      form: { grant_type: 'password', client_id: client.client_id, client_secret: client.client_secret, name: user.nickname, password: user.password },
    })
    expect(byName.status).toBe(200)

    const byQuery = await call('POST', '/oauth/token', {
      query: { grant_type: 'password', client_id: client.client_id, client_secret: client.client_secret, username: `@${user.nickname}@rookery.test`, password: user.password },
    })
    expect(byQuery.status).toBe(200)
  })

  test('wrong password and unknown user give the same 400 invalid_grant', async () => {
    const user = await makeUser()
    const client = await makeClient()
    const wrong = await passwordGrant(client, user.nickname, 'not the password')
    const unknown = await passwordGrant(client, unique('nobody'), 'not the password')
    const unknownEmail = await passwordGrant(client, `${unique('nobody')}@mail.example`, 'not the password')
    for (const res of [wrong, unknown, unknownEmail]) {
      expect(res.status).toBe(400)
      expect(res.json).toEqual({ error: 'invalid_grant', error_description: 'Invalid credentials' })
    }
  })

  test('takes about the same time for a wrong password and an unknown account', async () => {
    const user = await makeUser()
    const client = await makeClient()
    const time = async (username: string) => {
      const start = performance.now()
      await passwordGrant(client, username, 'definitely wrong')
      return performance.now() - start
    }
    await time(user.nickname) // warm the decoy hash
    await time(unique('nobody'))
    const known: number[] = []
    const unknown: number[] = []
    for (let i = 0; i < 5; i++) {
      known.push(await time(user.nickname))
      unknown.push(await time(unique('nobody')))
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]
    // Both run one argon2id verification (~100 ms); a skipped hash would make the unknown-user path a hundred times faster.
    // One-sided and generous so machine load cannot make it flaky.
    expect(median(unknown)).toBeGreaterThan(median(known) * 0.3)
  })

  test('scope must be within the app\'s scopes and known', async () => {
    const user = await makeUser()
    const client = await makeClient({ scopes: 'read write:statuses' })
    const outside = await passwordGrant(client, user.nickname, user.password, { scope: 'read follow' })
    expect(outside.status).toBe(400)
    expect(outside.json.error).toBe('invalid_scope')
    const unknown = await passwordGrant(client, user.nickname, user.password, { scope: 'read destroy:everything' })
    expect(unknown.json.error).toBe('invalid_scope')
    const narrower = await passwordGrant(client, user.nickname, user.password, { scope: 'read:statuses write:statuses' })
    expect(narrower.status).toBe(200)
    expect(narrower.json.scope).toBe('read:statuses write:statuses')
    const app = await probe()
    expect((await call('GET', '/probe/user', { token: narrower.json.access_token, app: app as any })).status).toBe(403)
  })

  test('disabled users are refused with 403 once the password is right; unconfirmed when activation is required', async () => {
    const ctx = await getTestContext()
    const client = await makeClient()
    const user = await makeUser()
    await ctx.db.update(users).set({ isActive: false }).where(eq(users.id, user.user.id))
    const res = await passwordGrant(client, user.nickname, user.password)
    expect(res.status).toBe(403)
    expect(res.json).toMatchObject({ error: 'Your login is currently disabled', identifier: 'account_is_disabled' })
    const wrong = await passwordGrant(client, user.nickname, 'not the password')
    expect(wrong.status).toBe(400)

    const strict = await testApp(await contextWith({ accountActivationRequired: true }))
    const unconfirmed = await makeUser({ confirmed: false })
    const res2 = await call('POST', '/oauth/token', {
      app: strict,
      form: { grant_type: 'password', client_id: client.client_id, client_secret: client.client_secret, username: unconfirmed.nickname, password: unconfirmed.password },
    })
    expect(res2.status).toBe(403)
    expect(res2.json.identifier).toBe('missing_confirmed_email')
    expect((await passwordGrant(client, unconfirmed.nickname, unconfirmed.password)).status).toBe(200)
  })

  test('missing parameters are invalid_request', async () => {
    const client = await makeClient()
    const res = await call('POST', '/oauth/token', { form: { grant_type: 'password', client_id: client.client_id, client_secret: client.client_secret, password: 'x' } })
    expect(res.status).toBe(400)
    expect(res.json.error).toBe('invalid_request')
    const noGrant = await call('POST', '/oauth/token', { form: { client_id: client.client_id, client_secret: client.client_secret } })
    expect(noGrant.json.error).toBe('invalid_request')
    const odd = await call('POST', '/oauth/token', { form: { grant_type: 'implicit', client_id: client.client_id, client_secret: client.client_secret } })
    expect(odd.status).toBe(400)
    expect(odd.json.error).toBe('unsupported_grant_type')
  })
})

describe('client authentication', () => {
  test('a wrong or missing secret, or an unknown client, is 401 invalid_client', async () => {
    const client = await makeClient()
    const user = await makeUser()
    const cases: Record<string, string>[] = [
      { client_id: client.client_id, client_secret: 'wrong' },
      { client_id: client.client_id },
      { client_id: 'unknown', client_secret: client.client_secret },
      {},
    ]
    for (const form of cases) {
      const res = await call('POST', '/oauth/token', { form: { grant_type: 'password', username: user.nickname, password: user.password, ...form } })
      expect(res.status).toBe(401)
      expect(res.json.error).toBe('invalid_client')
      expect(res.json.error_description).toBeString()
    }
  })

  test('HTTP Basic (client_secret_basic) works and is not mistaken for a user login', async () => {
    const client = await makeClient()
    const ok = await call('POST', '/oauth/token', { form: { grant_type: 'client_credentials' }, headers: { authorization: basic(client.client_id, client.client_secret) } })
    expect(ok.status).toBe(200)
    expect(ok.json.access_token).toBeString()
    const bad = await call('POST', '/oauth/token', { form: { grant_type: 'client_credentials' }, headers: { authorization: basic(client.client_id, 'nope') } })
    expect(bad.status).toBe(401)
    expect(bad.json.error).toBe('invalid_client')
    expect(bad.headers.get('www-authenticate')).toStartWith('Basic ')
    const mixed = await call('POST', '/oauth/token', {
      form: { grant_type: 'client_credentials', client_id: (await makeClient()).client_id },
      headers: { authorization: basic(client.client_id, client.client_secret) },
    })
    expect(mixed.status).toBe(400)
    expect(mixed.json.error).toBe('invalid_request')
  })
})

describe('client_credentials grant', () => {
  test('gives an app-only token without refresh token that user routes refuse', async () => {
    const client = await makeClient()
    const res = await call('POST', '/oauth/token', { form: { grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret, scope: 'read' } })
    expect(res.status).toBe(200)
    expect(res.json.refresh_token).toBeUndefined()
    expect(res.json.me).toBeNull()
    expect(res.json.scope).toBe('read')
    const token = res.json.access_token
    expect((await call('GET', '/api/v1/apps/verify_credentials', { token })).status).toBe(200)
    const app = await probe()
    const user = await call('GET', '/probe/user', { token, app: app as any })
    expect(user.status).toBe(422)
    expect(user.json.error).toBe('This method requires an authenticated user')
    expect((await call('GET', '/api/v1/accounts/verify_credentials', { token })).status).toBe(422)
  })

  test('scope outside the app\'s scopes is rejected', async () => {
    const client = await makeClient({ scopes: 'read' })
    const res = await call('POST', '/oauth/token', { form: { grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret, scope: 'write' } })
    expect(res.status).toBe(400)
    expect(res.json.error).toBe('invalid_scope')
  })
})

describe('refresh_token grant', () => {
  test('rotates: the old pair stops working, the new one works, scopes may only narrow', async () => {
    const user = await makeUser()
    const client = await makeClient()
    const first = (await passwordGrant(client, user.nickname, user.password, { scope: 'read write' })).json
    const refresh = (refreshToken: string, extra: Record<string, string> = {}, who = client) => call('POST', '/oauth/token', {
      form: { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: who.client_id, client_secret: who.client_secret, ...extra },
    })

    expect((await refresh(first.refresh_token, {}, await makeClient())).json.error).toBe('invalid_grant')
    expect((await refresh(first.refresh_token, { scope: 'read write follow' })).json.error).toBe('invalid_scope')

    const second = await refresh(first.refresh_token)
    expect(second.status).toBe(200)
    expect(second.json.scope).toBe('read write')
    expect(second.json.id).toBe(first.id)
    expect(second.json.me).toBe(`https://rookery.test/users/${user.nickname}`)
    expect(second.json.access_token).not.toBe(first.access_token)
    expect(second.json.refresh_token).not.toBe(first.refresh_token)

    const app = await probe()
    expect((await call('GET', '/probe/user', { token: first.access_token, app: app as any })).status).toBe(401)
    expect((await call('GET', '/probe/user', { token: second.json.access_token, app: app as any })).status).toBe(200)
    const reused = await refresh(first.refresh_token)
    expect(reused.status).toBe(400)
    expect(reused.json.error).toBe('invalid_grant')

    const third = await refresh(second.json.refresh_token, { scope: 'read' })
    expect(third.status).toBe(200)
    expect(third.json.scope).toBe('read')
    expect((await call('GET', '/probe/write', { token: third.json.access_token, app: app as any })).status).toBe(403)
  })
})

describe('POST /oauth/revoke', () => {
  test('revokes an access token of the client: it then answers 401', async () => {
    const user = await makeUser()
    const client = await makeClient()
    const token = (await passwordGrant(client, user.nickname, user.password)).json
    const res = await call('POST', '/oauth/revoke', { form: { token: token.access_token, client_id: client.client_id, client_secret: client.client_secret } })
    expect(res.status).toBe(200)
    expect(res.json).toEqual({})
    expect((await call('GET', '/api/v1/apps/verify_credentials', { token: token.access_token })).status).toBe(401)
    // the refresh token died with it
    const refreshed = await call('POST', '/oauth/token', {
      form: { grant_type: 'refresh_token', refresh_token: token.refresh_token, client_id: client.client_id, client_secret: client.client_secret },
    })
    expect(refreshed.json.error).toBe('invalid_grant')
  })

  test('a refresh token revokes its token; other clients\' and unknown tokens are ignored with 200', async () => {
    const user = await makeUser()
    const client = await makeClient()
    const other = await makeClient()
    const token = (await passwordGrant(client, user.nickname, user.password)).json
    const foreign = await call('POST', '/oauth/revoke', { form: { token: token.access_token, client_id: other.client_id, client_secret: other.client_secret } })
    expect(foreign.status).toBe(200)
    expect((await call('GET', '/api/v1/apps/verify_credentials', { token: token.access_token })).status).toBe(200)
    const unknown = await call('POST', '/oauth/revoke', { form: { token: 'no-such-token', client_id: client.client_id, client_secret: client.client_secret } })
    expect(unknown.status).toBe(200)
    expect(unknown.json).toEqual({})

    const byRefresh = await call('POST', '/oauth/revoke', {
      json: { token: token.refresh_token },
      headers: { authorization: basic(client.client_id, client.client_secret) },
    })
    expect(byRefresh.status).toBe(200)
    expect((await call('GET', '/api/v1/apps/verify_credentials', { token: token.access_token })).status).toBe(401)
  })

  test('bad client credentials are 401', async () => {
    const client = await makeClient()
    const res = await call('POST', '/oauth/revoke', { form: { token: 'x', client_id: client.client_id, client_secret: 'wrong' } })
    expect(res.status).toBe(401)
    expect(res.json.error).toBe('invalid_client')
  })
})

describe('GET /.well-known/oauth-authorization-server', () => {
  test('describes the endpoints, as Mastodon 4.3 does', async () => {
    const res = await call('GET', '/.well-known/oauth-authorization-server')
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(res.json).toMatchObject({
      issuer: 'https://rookery.test/',
      authorization_endpoint: 'https://rookery.test/oauth/authorize',
      token_endpoint: 'https://rookery.test/oauth/token',
      revocation_endpoint: 'https://rookery.test/oauth/revoke',
      app_registration_endpoint: 'https://rookery.test/api/v1/apps',
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
    })
    expect(res.json.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'password', 'client_credentials', 'refresh_token']))
    expect(res.json.scopes_supported).toEqual(expect.arrayContaining(['read', 'write', 'follow', 'push', 'read:statuses', 'admin:read']))
    expect(res.json.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['client_secret_basic', 'client_secret_post']))
  })

  test('the token endpoint answers CORS preflights', async () => {
    const res = await send('OPTIONS', '/oauth/token', { headers: { origin: 'https://elk.zone', 'access-control-request-method': 'POST' } })
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
  })
})
