import { beforeAll, describe, expect, test } from 'bun:test'
import { acceptsGzip } from '../../src/server/plugins/compression'
import { getTestContext, testApp } from '../support/context'
import { makeUser, type MadeUser } from '../support/factories'
import { postStatus } from '../support/http'

let alice: MadeUser

async function get(path: string, headers: Record<string, string> = {}) {
  const app = await testApp()
  const res = await app.handle(new Request(new URL(path, 'http://localhost'), { headers }))
  return { res, bytes: new Uint8Array(await res.arrayBuffer()) }
}

beforeAll(async () => {
  alice = await makeUser(await getTestContext())
  for (let i = 0; i < 8; i++) await postStatus(alice, { status: `a status long enough to make the page worth compressing, number ${i}` })
})

describe('compressed answers', () => {
  test('a large JSON answer is gzipped for a client that accepts it, and decodes to the same JSON', async () => {
    const path = `/api/v1/accounts/${alice.account.id}/statuses?limit=8`
    const plain = await get(path)
    const zipped = await get(path, { 'accept-encoding': 'gzip, deflate, br' })
    expect(plain.res.headers.get('content-encoding')).toBeNull()
    expect(zipped.res.headers.get('content-encoding')).toBe('gzip')
    expect(zipped.res.headers.get('content-type')).toStartWith('application/json')
    expect(zipped.res.headers.get('vary')).toContain('Accept-Encoding')
    expect(zipped.res.headers.get('link')).toBe(plain.res.headers.get('link'))
    const decoded = JSON.parse(new TextDecoder().decode(Bun.gunzipSync(zipped.bytes)))
    expect(decoded).toEqual(JSON.parse(new TextDecoder().decode(plain.bytes)))
    expect(decoded).toHaveLength(8)
    expect(zipped.bytes.length).toBeLessThan(plain.bytes.length / 2)
  })

  test('small answers, refusals and other codings stay uncompressed', async () => {
    const small = await get('/api/v1/instance/translation_languages', { 'accept-encoding': 'gzip' })
    expect(small.res.headers.get('content-encoding')).toBeNull()
    const refused = await get('/api/v1/instance', { 'accept-encoding': 'gzip;q=0, br' })
    expect(refused.res.headers.get('content-encoding')).toBeNull()
    expect(JSON.parse(new TextDecoder().decode(refused.bytes)).uri).toBeString()
  })

  test('errors stay readable JSON', async () => {
    const missing = await get('/api/v1/statuses/0000000000000000', { 'accept-encoding': 'gzip' })
    expect(missing.res.status).toBe(404)
    expect(JSON.parse(new TextDecoder().decode(missing.bytes))).toEqual({ error: expect.any(String) })
  })

  test('a real client over HTTP gets the same answer, decompressed by fetch', async () => {
    const app = await testApp()
    const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: (req) => app.handle(req) })
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/api/v1/instance`)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-encoding')).toBe('gzip')
      expect((await res.json()).uri).toBeString()
    } finally {
      server.stop(true)
    }
  })
})

describe('Accept-Encoding', () => {
  test.each([
    ['gzip', true], ['x-gzip', true], ['GZIP, br', true], ['br;q=1, gzip;q=0.5', true], ['*', true],
    ['gzip;q=0', false], ['br, deflate', false], ['', false], ['*;q=0', false], ['*, gzip;q=0', false],
  ])('%p accepts gzip: %p', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected)
  })
})
