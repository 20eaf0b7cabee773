import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { PARAM_LIMITS } from '../../src/core/params'
import { maxRequestBodySize } from '../../src/server/plugins/body'
import { getTestContext, testApp } from '../support/context'
import { makeUser } from '../support/factories'
import { call } from '../support/http'
import { rawRequest } from '../support/raw-http'

let server: ReturnType<typeof Bun.serve>
let base: string

beforeAll(async () => {
  const app = await testApp()
  const ctx = await getTestContext()
  server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: (request) => app.handle(request), maxRequestBodySize: maxRequestBodySize(ctx.config) })
  base = `http://127.0.0.1:${server.port}`
})
afterAll(() => server.stop(true))

async function expectJsonError(res: Response, status: number) {
  expect(res.status).toBe(status)
  expect(res.headers.get('content-type')).toContain('application/json')
  const body = await res.json()
  expect(typeof body.error).toBe('string')
  return body.error as string
}

const repeated = (n: number, pair = 'a') => Array.from({ length: n }, () => pair).join('&')

describe('parameter limits', () => {
  test('four anonymous form bodies of 40,000 repeated keys get 413 at once, and other requests are not held up', async () => {
    const started = performance.now()
    const attacks = Array.from({ length: 4 }, () =>
      fetch(`${base}/api/v1/statuses`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: repeated(40_000) }))
    const meanwhile = fetch(`${base}/api/v1/instance`)
    for (const res of await Promise.all(attacks)) expect(await expectJsonError(res, 413)).toContain('Too many')
    expect((await meanwhile).status).toBe(200)
    expect(performance.now() - started).toBeLessThan(3000)
  })

  test('repeats, parameter counts and nesting are capped in query strings, forms and multipart', async () => {
    const user = await makeUser()
    const headers = { authorization: `Bearer ${user.token}` }
    const query = await fetch(`${base}/api/v1/timelines/public?${repeated(PARAM_LIMITS.repeats + 1)}`)
    await expectJsonError(query, 413)
    const manyKeys = Array.from({ length: PARAM_LIMITS.params + 1 }, (_, i) => `k${i}=1`).join('&')
    const form = await fetch(`${base}/api/v1/statuses`, { method: 'POST', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, body: manyKeys })
    await expectJsonError(form, 413)
    const multipart = new FormData()
    for (let i = 0; i <= PARAM_LIMITS.repeats; i++) multipart.append('media_ids[]', '1')
    await expectJsonError(await fetch(`${base}/api/v1/statuses`, { method: 'POST', headers, body: multipart }), 413)
    const deep = await call('POST', '/api/v1/statuses', { token: user.token, form: { [`status${'[x]'.repeat(PARAM_LIMITS.depth + 1)}`]: 'hi' } })
    expect(deep.status).toBe(400)
    // within the limits, the same shapes are parsed as before
    const ok = await call('POST', '/api/v1/statuses', { token: user.token, form: { status: 'within limits', 'media_ids[]': [] as string[] } })
    expect(ok.status).toBe(200)
    expect((await call('GET', '/api/v1/accounts/relationships', { token: user.token, query: { 'id[]': Array.from({ length: PARAM_LIMITS.repeats }, (_, i) => String(i + 1)) } })).status).toBe(200)
  })
})
