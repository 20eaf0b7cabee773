import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { Config } from '../../src/config'
import type { Ctx } from '../../src/core/context'
import { startJobs, type Jobs } from '../../src/core/jobs'
import { DatabaseAvailability } from '../../src/db/availability'
import { createApp, type App } from '../../src/server/app'
import { Counter, Exposition, Histogram } from '../../src/server/observability/prometheus'
import { contextWith, getTestContext } from '../support/context'
import { makeUser } from '../support/factories'
import { call } from '../support/http'

const TOKEN = 'scrape-secret-0123456789'
const LINE = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")*\})? (?:-?[0-9.e+-]+|NaN|[+-]Inf)$/

async function appWith(metrics: Config['metrics'], extra: Partial<Ctx> = {}): Promise<App> {
  return createApp({ ...(await contextWith({ metrics })), ...extra })
}

/** The value of one sample, by its exact name and labels as written. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

describe('the exposition format', () => {
  test('label values are escaped and every family has HELP and TYPE before its samples', () => {
    const counter = new Counter()
    counter.inc({ route: 'a"b\\c\nd' })
    counter.inc({ route: 'a"b\\c\nd' }, 2)
    const histogram = new Histogram([0.1, 1])
    histogram.observe({ route: '/x' }, 0.05)
    histogram.observe({ route: '/x' }, 0.5)
    histogram.observe({ route: '/x' }, 5)
    const out = new Exposition().family('t_total', 'counter', 'help', counter.samples())
    histogram.write(out, 't_seconds', 'durations')
    const text = out.text()
    expect(text).toContain('t_total{route="a\\"b\\\\c\\nd"} 3\n')
    expect(sample(text, 't_seconds_bucket{route="/x",le="0.1"}')).toBe(1)
    expect(sample(text, 't_seconds_bucket{route="/x",le="1"}')).toBe(2)
    expect(sample(text, 't_seconds_bucket{route="/x",le="+Inf"}')).toBe(3)
    expect(sample(text, 't_seconds_count{route="/x"}')).toBe(3)
    expect(sample(text, 't_seconds_sum{route="/x"}')).toBeCloseTo(5.55)
    expect(text.indexOf('# TYPE t_seconds histogram')).toBeLessThan(text.indexOf('t_seconds_bucket'))
    for (const line of text.trim().split('\n').filter((l) => !l.startsWith('#'))) expect(line).toMatch(LINE)
  })
})

describe('/metrics', () => {
  test('is off by default: 404 as for any unknown path', async () => {
    const res = await call('GET', '/metrics', { app: createApp(await getTestContext()) })
    expect(res.status).toBe(404)
    expect(res.json.error).toBeString()
  })

  test('with a token, only a bearer of that token may read it', async () => {
    const app = await appWith({ enabled: true, token: TOKEN })
    for (const headers of [{}, { authorization: `Bearer ${TOKEN}x` }, { authorization: `Bearer ${TOKEN.slice(0, -1)}` }, { authorization: `Basic ${btoa("a:" + TOKEN)}` }] as Record<string, string>[]) {
      const res = await call('GET', '/metrics', { app, headers })
      expect(res.status).toBe(401)
      expect(res.json.error).toBeString()
    }
    const ok = await call('GET', '/metrics', { app, headers: { authorization: `Bearer ${TOKEN}` } })
    expect(ok.status).toBe(200)
    expect(ok.headers.get('content-type')).toStartWith('text/plain; version=0.0.4')
    // A user's OAuth token is no metrics token.
    const alice = await makeUser()
    expect((await call('GET', '/metrics', { app, token: alice.token })).status).toBe(401)
  })

  test('counts requests by method, route template and status class, with their durations', async () => {
    const app = await appWith({ enabled: true, token: TOKEN })
    const alice = await makeUser()
    const scrape = async () => (await call('GET', '/metrics', { app, headers: { authorization: `Bearer ${TOKEN}` } })).text
    const ok = 'rookery_http_requests_total{method="GET",route="/api/v1/accounts/:id",status="2xx"}'
    const missing = 'rookery_http_requests_total{method="GET",route="/api/v1/accounts/:id",status="4xx"}'
    const unauthorized = 'rookery_http_requests_total{method="GET",route="/api/v1/accounts/verify_credentials",status="4xx"}'
    const before = await scrape()
    for (let i = 0; i < 3; i++) expect((await call('GET', `/api/v1/accounts/${alice.account.id}`, { app })).status).toBe(200)
    expect((await call('GET', '/api/v1/accounts/999999999999', { app })).status).toBe(404)
    expect((await call('GET', '/api/v1/accounts/verify_credentials', { app })).status).toBe(401)
    const after = await scrape()
    expect(sample(after, ok)! - (sample(before, ok) ?? 0)).toBe(3)
    expect(sample(after, missing)! - (sample(before, missing) ?? 0)).toBe(1)
    expect(sample(after, unauthorized)! - (sample(before, unauthorized) ?? 0)).toBe(1)
    const count = 'rookery_http_request_duration_seconds_count{method="GET",route="/api/v1/accounts/:id",status="2xx"}'
    expect(sample(after, count)).toBe(sample(after, ok))
    expect(sample(after, 'rookery_http_request_duration_seconds_bucket{method="GET",route="/api/v1/accounts/:id",status="2xx",le="+Inf"}')).toBe(sample(after, ok))
    // Any path is counted under its route's template (unknown ones under the frontends' catch-all, or `none` when no
    // route took the request): a scanner cannot grow the series without bound.
    await call('GET', '/no/such/path/' + crypto.randomUUID(), { app })
    await call('GET', '/users/nobody-' + crypto.randomUUID(), { app, headers: { accept: 'application/activity+json' } })
    const scanned = await scrape()
    expect(scanned).toContain('route="/*",status="4xx"')
    expect(scanned).not.toContain('/no/such/path')
    expect(scanned).not.toContain('nobody-')
    expect(sample(scanned, 'process_resident_memory_bytes')).toBeGreaterThan(1_000_000)
    expect(sample(scanned, 'rookery_heap_used_bytes')).toBeGreaterThan(0)
    expect(sample(scanned, 'rookery_http_requests_in_flight')).toBeGreaterThanOrEqual(1)
    const kind = (await getTestContext()).database.kind
    expect(sample(scanned, `rookery_database_up{kind="${kind}"}`)).toBe(1)
    for (const line of scanned.trim().split('\n').filter((l) => !l.startsWith('#'))) expect(line).toMatch(LINE)
  })

  describe('job queue', () => {
    let jobs: Jobs
    let ctx: Ctx
    beforeAll(async () => {
      ctx = await getTestContext()
      jobs = await startJobs(ctx.database, { supervise: false, queues: ['imports'] })
    })
    afterAll(async () => { await jobs.stop() })

    test('jobs per queue and state, and how long the oldest due job has waited', async () => {
      // No worker takes this queue here: the job stays created.
      await jobs.send('imports', { probe: true })
      const app = await appWith({ enabled: true, token: TOKEN })
      const text = (await call('GET', '/metrics', { app, headers: { authorization: `Bearer ${TOKEN}` } })).text
      expect(sample(text, 'rookery_jobs{queue="imports",state="created"}')).toBeGreaterThanOrEqual(1)
      expect(sample(text, 'rookery_jobs_oldest_waiting_seconds{queue="imports"}')).toBeGreaterThanOrEqual(0)
    })
  })

  test('answers while the database is down, saying so, instead of the 503 other requests get', async () => {
    const ctx = await getTestContext()
    const availability = new DatabaseAvailability(() => Promise.reject(new Error('down')), { probeIntervalMs: 60_000, probeTimeoutMs: 100 })
    availability.markDown()
    const app = await appWith({ enabled: true, token: TOKEN }, { database: { ...ctx.database, availability } })
    expect((await call('GET', '/api/v1/instance', { app })).status).toBe(503)
    const res = await call('GET', '/metrics', { app, headers: { authorization: `Bearer ${TOKEN}` } })
    expect(res.status).toBe(200)
    expect(sample(res.text, `rookery_database_up{kind="${ctx.database.kind}"}`)).toBe(0)
    expect(res.text).not.toContain('rookery_jobs{')
  })

  describe('enabled without a token', () => {
    let app: App
    let base: string
    beforeAll(async () => {
      app = (await appWith({ enabled: true, token: null })).listen({ hostname: '127.0.0.1', port: 0 })
      base = `http://127.0.0.1:${app.server!.port}`
    })
    afterAll(async () => { await app.stop(true) })

    test('a client on this machine connected directly may read it', async () => {
      const res = await fetch(`${base}/metrics`)
      expect(res.status).toBe(200)
      expect(await res.text()).toContain('# TYPE rookery_http_requests_total counter')
    })

    test('a request passed on by a proxy is refused, even from loopback', async () => {
      for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip']) {
        const res = await fetch(`${base}/metrics`, { headers: { [header]: header === 'forwarded' ? 'for=203.0.113.9' : '203.0.113.9' } })
        expect(res.status).toBe(403)
        expect(((await res.json()) as { error: string }).error).toBeString()
      }
    })

    test('a request without a connection (in-process) is refused', async () => {
      expect((await call('GET', '/metrics', { app })).status).toBe(403)
    })
  })
})
