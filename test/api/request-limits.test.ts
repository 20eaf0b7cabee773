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
}, 60_000)
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

describe('oversized bodies', () => {
  test('a declared length over the limit is refused with 413 before the body is sent', async () => {
    const res = await rawRequest(server.port!, [
      'POST /api/v1/statuses HTTP/1.1', 'Host: 127.0.0.1', 'Content-Type: application/json', 'Content-Length: 50000000', '', '',
    ].join('\r\n'))
    expect(res.status).toBe(413)
    expect(typeof JSON.parse(res.body).error).toBe('string')
    expect(res.headers['x-content-type-options']).toBe('nosniff')
  })

  test('a chunked body is cut off at the limit, without waiting for its end', async () => {
    const chunk = 'x'.repeat(64 * 1024)
    const res = await rawRequest(server.port!, [
      'POST /api/v1/statuses HTTP/1.1', 'Host: 127.0.0.1', 'Content-Type: application/json', 'Transfer-Encoding: chunked', '', '',
    ].join('\r\n'), async (send) => {
      // 2 MB, twice the JSON limit, and the final chunk never comes
      for (let i = 0; i < 32; i++) {
        if (!send(`${chunk.length.toString(16)}\r\n${chunk}\r\n`)) await Bun.sleep(5)
      }
    })
    expect(res.status).toBe(413)
    expect(typeof JSON.parse(res.body).error).toBe('string')
  })

  test('a JSON body over 1 MB gets 413 with its own message, and so does a chunked multipart body over the upload limit', async () => {
    const ctx = await getTestContext()
    const big = JSON.stringify({ status: 'A'.repeat(1_500_000) })
    const json = await fetch(`${base}/api/v1/statuses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big })
    expect(await expectJsonError(json, 413)).toContain('too large')
    // through the app without a Content-Length: the streamed body is counted
    const streamed = await (await testApp()).handle(new Request('http://localhost/api/v1/statuses', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new Blob([big]).stream(),
    }))
    await expectJsonError(streamed, 413)
    const limit = maxRequestBodySize(ctx.config)
    const boundary = 'xyz'
    const pieces = [`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`]
    const multipart = await (await testApp()).handle(new Request('http://localhost/api/v1/media', {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: new Blob([...pieces, new Uint8Array(limit + 1), `\r\n--${boundary}--\r\n`]).stream(),
    }))
    await expectJsonError(multipart, 413)
  })
})

describe('malformed requests are 400, never 500', () => {
  test('a malformed Host header', async () => {
    for (const host of ['a b', 'a/b', '[::1', ':99999']) {
      const res = await rawRequest(server.port!, `GET /api/v1/instance HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)
      expect(res.status).toBe(400)
      expect(typeof JSON.parse(res.body).error).toBe('string')
    }
    const fine = await rawRequest(server.port!, 'GET /api/v1/instance HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n')
    expect(fine.status).toBe(200)
    expect(JSON.parse(fine.body).uri).not.toContain('evil.example')
  })

  test('percent-encoding: a tag of a literal %, and broken escapes', async () => {
    const percent = await call('GET', '/api/v1/timelines/tag/%25')
    expect(percent.status).toBe(200)
    expect(percent.json).toEqual([])
    for (const path of ['/api/v1/timelines/tag/%E0%A4%A', '/api/v1/timelines/tag/%', '/api/v1/statuses/%E0%A4', '/media/%FF']) {
      const res = await call('GET', path)
      expect(res.status).toBe(400)
      expect(typeof res.json.error).toBe('string')
    }
    expect((await call('GET', '/api/v1/statuses/%25')).status).toBe(404)
  })

  test('a NUL in any parameter: JSON, form, multipart and query', async () => {
    const viaJson = await call('POST', '/auth/password', { json: { email: 'x\u0000y@example.com' } })
    expect(viaJson.status).toBe(400)
    expect(viaJson.json.error).toContain('NUL')
    expect((await call('POST', '/auth/password', { json: { ['e\u0000']: 'x' } })).status).toBe(400)
    expect((await call('POST', '/auth/password', { form: { email: 'x\u0000y@example.com' } })).status).toBe(400)
    expect((await call('POST', '/auth/password', { multipart: { email: 'x\u0000y@example.com' } })).status).toBe(400)
    expect((await call('GET', '/api/v1/timelines/public', { query: { max_id: '1\u00002' } })).status).toBe(400)
    // an escaped backslash before "u0000" is no NUL
    const literal = await call('POST', '/auth/password', { json: { email: 'x\\u0000y@example.com' } })
    expect(literal.status).toBe(204)
  })
})
