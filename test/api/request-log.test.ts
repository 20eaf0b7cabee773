import { afterEach, describe, expect, test } from 'bun:test'
import type { Config } from '../../src/config'
import type { Ctx } from '../../src/core/context'
import { createApp, type App } from '../../src/server/app'
import { logOutput } from '../../src/server/observability/log'
import { contextWith, getTestContext } from '../support/context'
import { makeUser } from '../support/factories'
import { call } from '../support/http'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const originalWrite = logOutput.write

/** Collects what the server logs while `run` runs. */
async function captured(run: () => Promise<void>): Promise<Array<{ line: string; stream: string }>> {
  const lines: Array<{ line: string; stream: string }> = []
  logOutput.write = (line, stream) => { lines.push({ line, stream }) }
  try {
    await run()
  } finally {
    logOutput.write = originalWrite
  }
  return lines
}

async function appWith(config: Partial<Config>, extra: Partial<Ctx> = {}): Promise<App> {
  return createApp({ ...(await contextWith(config)), ...extra })
}

afterEach(() => { logOutput.write = originalWrite })

describe('X-Request-Id', () => {
  test('every answer carries one, whichever part of the server answers', async () => {
    const app = createApp(await getTestContext())
    const alice = await makeUser()
    const answers = [
      await call('GET', '/api/v1/instance', { app }),
      await call('GET', '/api/v1/accounts/verify_credentials', { app }), // 401
      await call('GET', '/api/v1/statuses/999999999999', { app, token: alice.token }), // 404
      await call('GET', '/api/v1/tags/%E0%A4%A', { app }), // refused before routing
      await call('POST', '/api/v1/statuses', { app, token: alice.token, headers: { 'content-type': 'application/json', 'content-length': '5000000' } }), // 413
      await call('GET', '/users/' + alice.account.username, { app, headers: { accept: 'application/activity+json' } }), // Fedify
      await call('GET', '/nowhere', { app }),
    ]
    expect(answers.map((a) => a.status)).toEqual([200, 401, 404, 400, 413, 200, 404])
    const ids = answers.map((a) => a.headers.get('x-request-id'))
    for (const id of ids) expect(id).toMatch(UUID)
    expect(new Set(ids).size).toBe(ids.length)
  })

  test("a proxy's plain id is kept; a long or odd one is replaced", async () => {
    const app = createApp(await getTestContext())
    const kept = await call('GET', '/api/v1/instance', { app, headers: { 'x-request-id': 'edge-7f3a:42/b' } })
    expect(kept.headers.get('x-request-id')).toBe('edge-7f3a:42/b')
    for (const odd of ['x'.repeat(129), 'a b', '<script>', 'a;b', '']) {
      const res = await call('GET', '/api/v1/instance', { app, headers: { 'x-request-id': odd } })
      expect(res.headers.get('x-request-id')).toMatch(UUID)
    }
  })
})

describe('request log', () => {
  test('off by default: nothing is logged for a request', async () => {
    const app = createApp(await getTestContext())
    const lines = await captured(async () => { await call('GET', '/api/v1/instance', { app }) })
    expect(lines).toEqual([])
  })

  test('JSON: one object per request with route, status, duration, request id and the account when signed in', async () => {
    const app = await appWith({ logRequests: true, logFormat: 'json' })
    const alice = await makeUser()
    let id = ''
    const lines = await captured(async () => {
      const res = await call('GET', `/api/v1/accounts/${alice.account.id}?access_token=${alice.token}`, { app })
      expect(res.status).toBe(200)
      id = res.headers.get('x-request-id')!
      expect((await call('GET', '/api/v1/accounts/verify_credentials', { app, headers: { 'x-request-id': 'lb-1' } })).status).toBe(401)
    })
    expect(lines).toHaveLength(2)
    expect(lines.every((l) => l.stream === 'stdout')).toBe(true)
    const [signedIn, anonymous] = lines.map((l) => JSON.parse(l.line))
    expect(signedIn).toMatchObject({
      level: 'info', method: 'GET', path: `/api/v1/accounts/${alice.account.id}`, route: '/api/v1/accounts/:id',
      status: 200, request_id: id, account_id: alice.account.id,
    })
    expect(signedIn.duration_ms).toBeGreaterThanOrEqual(0)
    expect(new Date(signedIn.time).getTime()).toBeGreaterThan(Date.now() - 60_000)
    // The query string is never logged: it may carry a token.
    expect(lines[0].line).not.toContain(alice.token)
    expect(anonymous).toMatchObject({ status: 401, request_id: 'lb-1', account_id: null, route: '/api/v1/accounts/verify_credentials' })
  })

  test('text: one readable line per request', async () => {
    const app = await appWith({ logRequests: true, logFormat: 'text' })
    const alice = await makeUser()
    const lines = await captured(async () => {
      await call('GET', '/api/v1/accounts/verify_credentials', { app, token: alice.token, headers: { 'x-request-id': 'abc-123' } })
    })
    expect(lines).toHaveLength(1)
    expect(lines[0].line).toMatch(new RegExp(`^\\[rookery\\] GET /api/v1/accounts/verify_credentials 200 [0-9.]+ms req=abc-123 account=${alice.account.id}$`))
  })
})

describe('unexpected errors', () => {
  /** A database that fails every query with an error no handler expects. */
  const broken = async (): Promise<Partial<Ctx>> => {
    const ctx = await getTestContext()
    const db = new Proxy(ctx.db, { get: () => { throw new Error('kaboom: internal detail') } })
    return { db }
  }

  test('the client gets a plain 500 with the request id; the log gets the error under that id', async () => {
    const app = await appWith({ logFormat: 'json' }, await broken())
    let res: Awaited<ReturnType<typeof call>> | undefined
    const lines = await captured(async () => {
      res = await call('GET', '/api/v1/instance', { app, headers: { 'x-request-id': 'trace-500' } })
    })
    expect(res!.status).toBe(500)
    expect(res!.json).toEqual({ error: 'Internal server error' })
    expect(res!.text).not.toContain('kaboom')
    expect(res!.headers.get('x-request-id')).toBe('trace-500')
    const errors = lines.filter((l) => l.stream === 'stderr').map((l) => JSON.parse(l.line))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ level: 'error', request_id: 'trace-500', method: 'GET', path: '/api/v1/instance' })
    expect(errors[0].error).toContain('kaboom: internal detail')
    expect(errors[0].stack).toContain('kaboom')
  })

  test('in text logs too, with the request id', async () => {
    const app = await appWith({ logFormat: 'text' }, await broken())
    const lines = await captured(async () => {
      expect((await call('GET', '/api/v1/instance', { app, headers: { 'x-request-id': 'trace-t' } })).status).toBe(500)
    })
    expect(lines).toHaveLength(1)
    expect(lines[0].stream).toBe('stderr')
    expect(lines[0].line).toStartWith('[rookery] unhandled error (GET /api/v1/instance req=trace-t): Error: kaboom')
  })
})
