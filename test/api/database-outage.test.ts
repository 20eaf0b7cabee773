import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { inArray } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import { statuses } from '../../src/db/schema'
import { isUnavailableError } from '../../src/db/availability'
import { openPostgres, type Database } from '../../src/db/client'
import { createApp, type App } from '../../src/server/app'
import { getTestContext } from '../support/context'
import { makeUser, type MadeUser } from '../support/factories'
import { call } from '../support/http'
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy'

const onPostgres = !!process.env.TEST_DATABASE_URL

describe('what counts as the database being unreachable', () => {
  test("postgres.js's connection failures and PostgreSQL's shutdown codes, also wrapped; not other services' refusals", () => {
    const wrapped = (cause: unknown) => Object.assign(new Error('Failed query: select 1'), { cause })
    expect(isUnavailableError(wrapped(Object.assign(new Error('closed'), { code: 'CONNECTION_CLOSED' })))).toBe(true)
    expect(isUnavailableError(Object.assign(new Error('terminating connection'), { code: '57P01' }))).toBe(true)
    expect(isUnavailableError(wrapped(Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' })))).toBe(false)
    expect(isUnavailableError(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false)
    expect(isUnavailableError(null)).toBe(false)
  })
})

describe.skipIf(!onPostgres)('PostgreSQL outage', () => {
  let proxy: TcpProxy
  let database: Database
  let app: App
  let alice: MadeUser

  beforeAll(async () => {
    const ctx = await getTestContext()
    const options = (ctx.db as unknown as { $client: { options: { host: string[]; port: number[]; database: string; user: string } } }).$client.options
    proxy = await startTcpProxy({ host: options.host[0], port: options.port[0] })
    database = openPostgres(`postgres://${encodeURIComponent(options.user)}@127.0.0.1:${proxy.port}/${options.database}`, 4)
    const proxied: Ctx = { ...ctx, db: database.db, database }
    app = createApp(proxied)
    alice = await makeUser()
  }, 60_000)

  afterAll(async () => {
    proxy?.restore()
    await database?.close()
    await proxy?.close()
  })

  const timed = async (method: string, path: string, opts: Parameters<typeof call>[2] = {}) => {
    const started = performance.now()
    const res = await call(method, path, { ...opts, app })
    return { ...res, ms: performance.now() - started }
  }

  const requests = () => [
    timed('GET', '/api/v1/timelines/public'),
    timed('GET', '/api/v1/instance'),
    timed('GET', '/api/v1/accounts/verify_credentials', { token: alice.token }),
    timed('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'during the outage' } }),
  ]

  async function waitUntilBack(deadlineMs: number) {
    const until = performance.now() + deadlineMs
    for (let i = 0; i < 200 && performance.now() < until; i++) {
      const res = await timed('GET', '/api/v1/timelines/public')
      if (res.status === 200) return res
      expect(res.status).toBe(503)
      await Bun.sleep(100)
    }
    throw new Error(`not back within ${deadlineMs} ms`)
  }

  test('while the database is unreachable every request gets 503 with Retry-After at once; it recovers by itself', async () => {
    for (const res of await Promise.all(requests())) expect(res.status).toBe(200)
    expect((await timed('GET', '/api/pleroma/healthcheck')).json).toMatchObject({ healthy: true, database_state: 'available' })

    proxy.cut('refuse')
    // the first requests find out (within the connect timeout), the rest are refused without trying
    for (const res of await Promise.all(requests())) {
      expect(res.status).toBe(503)
      expect(res.ms).toBeLessThan(4000)
    }
    for (let round = 0; round < 3; round++) {
      for (const res of await Promise.all(requests())) {
        expect(res.status).toBe(503)
        expect(res.headers.get('retry-after')).toMatch(/^\d+$/)
        expect(typeof res.json.error).toBe('string')
        expect(res.ms).toBeLessThan(500)
      }
    }
    const health = await timed('GET', '/api/pleroma/healthcheck')
    expect(health.status).toBe(503)
    expect(health.ms).toBeLessThan(4000)
    expect(health.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(health.json).toMatchObject({ healthy: false, database: 'postgres', database_state: 'unavailable', problem: 'database unavailable' })
    expect(typeof health.json.database_unavailable_since).toBe('string')

    proxy.restore()
    await waitUntilBack(10_000)
    for (const res of await Promise.all(requests())) expect(res.status).toBe(200)
    const back = await timed('GET', '/api/pleroma/healthcheck')
    expect(back.status).toBe(200)
    expect(back.json).toMatchObject({ healthy: true, database_state: 'available' })
    expect(back.json.database_unavailable_since).toBeUndefined()
  }, 60_000)

  test('cut and restored under load: only 2xx or 503 answers, and every acknowledged write is there afterwards', async () => {
    const acknowledged: string[] = []
    const answers = new Map<number, number>()
    let stop = false
    let n = 0
    const writer = async () => {
      // bounded in count as well as by the phases below
      for (let i = 0; i < 400 && !stop; i++) {
        const text = `under load ${++n}`
        const res = await call('POST', '/api/v1/statuses', { app, token: alice.token, json: { status: text } })
        answers.set(res.status, (answers.get(res.status) ?? 0) + 1)
        if (res.status === 200) acknowledged.push(res.json.id)
        else {
          expect(res.status).toBe(503)
          expect(typeof res.json.error).toBe('string')
          expect(res.headers.get('retry-after')).toMatch(/^\d+$/)
          await Bun.sleep(20)
        }
      }
    }
    const load = Promise.all([writer(), writer(), writer()])
    let cut = false
    const phase = async (ms: number, status: number) => {
      const until = performance.now() + ms
      const before = answers.get(status) ?? 0
      while (performance.now() < until || (answers.get(status) ?? 0) === before) await Bun.sleep(50)
    }
    try {
      await phase(500, 200)
      proxy.cut('refuse')
      cut = true
      await phase(1000, 503)
      const health = await timed('GET', '/api/pleroma/healthcheck')
      expect(health.status).toBe(503)
      expect(health.json).toMatchObject({ healthy: false, database_state: 'unavailable' })
      proxy.restore()
      cut = false
      const writesBefore = answers.get(200) ?? 0
      // it recovers by itself: writes succeed again while the load goes on
      for (let i = 0; i < 200 && (answers.get(200) ?? 0) <= writesBefore; i++) await Bun.sleep(100)
      expect(answers.get(200) ?? 0).toBeGreaterThan(writesBefore)
    } finally {
      if (cut) proxy.restore() // (restoring drops every open connection, so only while cut)
      stop = true
      await load
    }
    expect([...answers.keys()].sort()).toEqual([200, 503])
    expect((await timed('GET', '/api/pleroma/healthcheck')).json).toMatchObject({ healthy: true, database_state: 'available' })
    // read back through the test's own connection, not the proxied one
    const ctx = await getTestContext()
    const stored = new Set((await ctx.db.select({ id: statuses.id }).from(statuses).where(inArray(statuses.id, acknowledged))).map((r) => r.id))
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([])
  }, 90_000)

  test('a lost network (connections accepted, never answered) is detected within the connect timeout', async () => {
    proxy.cut('blackhole')
    const health = await timed('GET', '/api/pleroma/healthcheck')
    expect(health.status).toBe(503)
    expect(health.ms).toBeLessThan(4500)
    const [first] = await Promise.all(requests())
    expect(first.status).toBe(503)
    expect(first.ms).toBeLessThan(4500)
    proxy.restore()
    await waitUntilBack(15_000)
  }, 60_000)
})
