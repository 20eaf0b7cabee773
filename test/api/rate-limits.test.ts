import { beforeEach, describe, expect, test } from 'bun:test'
import { DEFAULT_RATE_LIMITS, type RateLimit, type RateLimitName } from '../../src/config'
import type { Ctx } from '../../src/core/context'
import { rateLimitCounters } from '../../src/db/schema'
import { createApp } from '../../src/server/app'
import { contextWith, getTestContext, testApp } from '../support/context'
import { makeApp, makeUser, TEST_PASSWORD } from '../support/factories'
import { call, type CallOptions } from '../support/http'

let shared: Promise<Ctx> | null = null

/**
 * The context (and app) with limits on, shared by these tests since building an app is slow; each test sets the
 * buckets it makes small (the plugin reads the config per request), and counters start empty in each test.
 */
async function limited(limits: Partial<Record<RateLimitName, RateLimit>>, extra: { trustedProxies?: string[] } = {}) {
  shared ??= contextWith({ rateLimits: { enabled: true, limits: { ...DEFAULT_RATE_LIMITS } } })
  const ctx = await shared
  ctx.config.rateLimits = { enabled: true, limits: { ...DEFAULT_RATE_LIMITS, ...limits } }
  ctx.config.trustedProxies = extra.trustedProxies ?? []
  return { ctx, app: await testApp(ctx) }
}

const registerApp = (opts: CallOptions) => call('POST', '/api/v1/apps', { ...opts, json: { client_name: 'x', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob' } })

beforeEach(async () => {
  const ctx = await getTestContext()
  await ctx.db.delete(rateLimitCounters)
})

describe('rate limits', () => {
  test('the limit passes, the next request gets 429 JSON with X-RateLimit-* and Retry-After', async () => {
    const { app } = await limited({ apps: { limit: 3, periodSeconds: 600 } })
    for (let i = 0; i < 3; i++) {
      const res = await registerApp({ app })
      expect(res.status).toBe(200)
      expect(res.headers.get('x-ratelimit-limit')).toBe('3')
      expect(res.headers.get('x-ratelimit-remaining')).toBe(String(2 - i))
    }
    const over = await registerApp({ app })
    expect(over.status).toBe(429)
    expect(over.headers.get('content-type')).toContain('application/json')
    expect(over.json).toEqual({ error: 'Too many requests' })
    expect(over.headers.get('x-ratelimit-limit')).toBe('3')
    expect(over.headers.get('x-ratelimit-remaining')).toBe('0')
    const reset = Date.parse(over.headers.get('x-ratelimit-reset')!)
    expect(reset).toBeGreaterThan(Date.now() + 590_000)
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(590)
    expect(over.headers.get('x-content-type-options')).toBe('nosniff')

    // other spellings of the path that reach the route are in the same bucket
    for (const path of ['/api/v1/apps/', '/api//v1/apps', '/api/v1/apps.json']) {
      const res = await call('POST', path, { app, json: { client_name: 'x', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob' } })
      expect([404, 429]).toContain(res.status)
    }
  })

  test('a window ends: counting starts over', async () => {
    const { ctx, app } = await limited({ apps: { limit: 1, periodSeconds: 600 } })
    expect((await registerApp({ app })).status).toBe(200)
    expect((await registerApp({ app })).status).toBe(429)
    await ctx.db.update(rateLimitCounters).set({ resetAt: new Date(Date.now() - 1000) })
    expect((await registerApp({ app })).status).toBe(200)
  })

  test('concurrent requests never admit more than the limit', async () => {
    const { app } = await limited({ apps: { limit: 5, periodSeconds: 600 } })
    const results = await Promise.all(Array.from({ length: 20 }, () => registerApp({ app })))
    expect(results.filter((r) => r.status === 200)).toHaveLength(5)
    expect(results.filter((r) => r.status === 429)).toHaveLength(15)
  })

  test('several server processes share the counters', async () => {
    const { ctx, app: one } = await limited({ apps: { limit: 2, periodSeconds: 600 } })
    const two = createApp(ctx)
    expect((await registerApp({ app: one })).status).toBe(200)
    expect((await registerApp({ app: two })).status).toBe(200)
    expect((await registerApp({ app: one })).status).toBe(429)
    expect((await registerApp({ app: two })).status).toBe(429)
  })

  test('switched off, nothing is counted', async () => {
    const app = await testApp()
    for (let i = 0; i < 8; i++) {
      const res = await registerApp({ app })
      expect(res.status).toBe(200)
      expect(res.headers.get('x-ratelimit-limit')).toBeNull()
    }
  })
})

describe('login limits', () => {
  async function grant(app: Awaited<ReturnType<typeof limited>>['app'], client: { clientId: string; clientSecret: string }, username: string, password = TEST_PASSWORD) {
    return call('POST', '/oauth/token', { app, form: { grant_type: 'password', client_id: client.clientId, client_secret: client.clientSecret, username, password } })
  }

  test('per IP: after the limit even the right password is throttled', async () => {
    const { ctx, app } = await limited({ loginIp: { limit: 3, periodSeconds: 300 } })
    const alice = await makeUser(ctx)
    const client = await makeApp(ctx)
    for (let i = 0; i < 3; i++) expect((await grant(app, client, alice.account.username, 'wrong password')).status).toBe(400)
    const res = await grant(app, client, alice.account.username)
    expect(res.status).toBe(429)
    expect(res.json).toEqual({ error: 'Too many requests' })
  })

  test('per account tried, whatever its spelling; other accounts unaffected', async () => {
    const { ctx, app } = await limited({ loginAccount: { limit: 2, periodSeconds: 3600 } })
    const alice = await makeUser(ctx)
    const bob = await makeUser(ctx)
    const client = await makeApp(ctx)
    expect((await grant(app, client, alice.account.username, 'guess one')).status).toBe(400)
    expect((await grant(app, client, `@${alice.account.username.toUpperCase()}`, 'guess two')).status).toBe(400)
    expect((await grant(app, client, alice.account.username)).status).toBe(429)
    expect((await grant(app, client, bob.account.username)).status).toBe(200)
  })

  test('the login form counts too', async () => {
    const { app } = await limited({ loginIp: { limit: 1, periodSeconds: 300 } })
    const form = { client_id: 'whatever', name: 'someone', password: 'x', authenticity_token: 'y' }
    expect((await call('POST', '/oauth/authorize', { app, form })).status).not.toBe(429)
    expect((await call('POST', '/oauth/authorize', { app, form })).status).toBe(429)
  })

  test('the web sign-in and sign-up forms count in the login and sign-up buckets', async () => {
    const { app } = await limited({ loginIp: { limit: 1, periodSeconds: 300 }, signUp: { limit: 1, periodSeconds: 1800 } })
    const signIn = { username: 'someone', password: 'x', authenticity_token: 'y' }
    expect((await call('POST', '/auth/sign_in', { app, form: signIn })).status).toBe(403)
    expect((await call('POST', '/auth/sign_in', { app, form: signIn })).status).toBe(429)
    const signUp = { username: 'someone', email: 'someone@example.test', password: 'a long password', authenticity_token: 'y' }
    expect((await call('POST', '/auth/sign_up', { app, form: signUp })).status).toBe(403)
    expect((await call('POST', '/auth/sign_up', { app, form: signUp })).status).toBe(429)
  })
})

describe('per token, per account and per address', () => {
  test('API calls count per token; made-up tokens share the caller\'s address bucket', async () => {
    const { ctx, app } = await limited({ api: { limit: 2, periodSeconds: 300 } })
    const alice = await makeUser(ctx)
    const bob = await makeUser(ctx)
    for (let i = 0; i < 2; i++) expect((await call('GET', '/api/v1/accounts/verify_credentials', { app, token: alice.token })).status).toBe(200)
    expect((await call('GET', '/api/v1/accounts/verify_credentials', { app, token: alice.token })).status).toBe(429)
    expect((await call('GET', '/api/v1/accounts/verify_credentials', { app, token: bob.token })).status).toBe(200)
    const bogus = (n: number) => call('GET', '/api/v1/accounts/verify_credentials', { app, token: `made-up-${n}` })
    expect((await bogus(1)).status).toBe(401)
    expect((await bogus(2)).status).toBe(401)
    expect((await bogus(3)).status).toBe(429)
    expect((await call('GET', '/api/v1/instance', { app })).status).toBe(429) // same address, no token
  })

  test('posting counts per account, across its tokens', async () => {
    const { ctx, app } = await limited({ statuses: { limit: 2, periodSeconds: 10_800 } })
    const alice = await makeUser(ctx)
    const { issueToken } = await import('../../src/core/oauth/tokens')
    const second = await issueToken(ctx, { appId: null, userId: alice.user.id, scopes: ['write'] })
    expect((await call('POST', '/api/v1/statuses', { app, token: alice.token, json: { status: 'one' } })).status).toBe(200)
    expect((await call('POST', '/api/v1/statuses', { app, token: second.accessToken, json: { status: 'two' } })).status).toBe(200)
    const third = await call('POST', '/api/v1/statuses', { app, token: second.accessToken, json: { status: 'three' } })
    expect(third.status).toBe(429)
    const bob = await makeUser(ctx)
    expect((await call('POST', '/api/v1/statuses', { app, token: bob.token, json: { status: 'fine' } })).status).toBe(200)
  })

  test('password-checking actions count per account', async () => {
    const { ctx, app } = await limited({ password: { limit: 2, periodSeconds: 600 } })
    const alice = await makeUser(ctx)
    for (let i = 0; i < 2; i++) {
      const res = await call('POST', '/api/pleroma/disable_account', { app, token: alice.token, form: { password: `guess ${i}` } })
      expect(res.json).toEqual({ error: 'Invalid password.' })
    }
    expect((await call('POST', '/api/pleroma/disable_account', { app, token: alice.token, form: { password: TEST_PASSWORD } })).status).toBe(429)
    expect((await call('GET', '/api/v1/accounts/verify_credentials', { app, token: alice.token })).status).toBe(200)
  })

  test('sign-ups and password resets count per address', async () => {
    const { ctx, app } = await limited({ signUp: { limit: 1, periodSeconds: 1800 }, emailAccount: { limit: 2, periodSeconds: 1800 } })
    const { makeAppToken } = await import('../support/factories')
    const token = (await makeAppToken(ctx)).token
    const body = (n: string) => ({ username: n, email: `${n}@example.test`, password: TEST_PASSWORD, agreement: true })
    expect((await call('POST', '/api/v1/accounts', { app, token, json: body(`rl_${Date.now().toString(36)}a`) })).status).toBe(200)
    expect((await call('POST', '/api/v1/accounts', { app, token, json: body(`rl_${Date.now().toString(36)}b`) })).status).toBe(429)

    for (let i = 0; i < 2; i++) expect((await call('POST', '/auth/password', { app, form: { email: 'someone@example.test' } })).status).toBe(204)
    expect((await call('POST', '/auth/password', { app, form: { email: 'SOMEONE@example.test' } })).status).toBe(429)
    expect((await call('POST', '/auth/password', { app, form: { email: 'other@example.test' } })).status).toBe(204)
  })
})

describe('client address', () => {
  async function listening(trustedProxies: string[]) {
    const { app } = await limited({ apps: { limit: 1, periodSeconds: 600 } }, { trustedProxies })
    const server = app.listen({ hostname: '127.0.0.1', port: 0 })
    const url = `http://127.0.0.1:${server.server!.port}/api/v1/apps`
    const send = (xff?: string) => fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(xff ? { 'x-forwarded-for': xff } : {}) },
      body: JSON.stringify({ client_name: 'x', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob' }),
    })
    return { send, stop: () => server.stop(true) }
  }

  test('X-Forwarded-For from an untrusted peer is ignored: rotating it buys no new bucket', async () => {
    const s = await listening([])
    try {
      expect((await s.send('198.51.100.1')).status).toBe(200)
      expect((await s.send('198.51.100.2')).status).toBe(429)
      expect((await s.send('127.0.0.1')).status).toBe(429)
    } finally {
      await s.stop()
    }
  })

  test('behind a trusted proxy each forwarded client has its own bucket', async () => {
    const s = await listening(['127.0.0.1'])
    try {
      expect((await s.send('198.51.100.1')).status).toBe(200)
      expect((await s.send('198.51.100.1')).status).toBe(429)
      expect((await s.send('198.51.100.2')).status).toBe(200)
      // what a client writes to the left of the proxy's entry does not count
      expect((await s.send('203.0.113.50, 198.51.100.2')).status).toBe(429)
    } finally {
      await s.stop()
    }
  })
})
