import { beforeAll, describe, expect, test } from 'bun:test'
import { chooseEncoding } from '../../src/server/plugins/compression'
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

  test('a client naming zstd gets zstd, smaller than gzip, decoding to the same JSON', async () => {
    const path = `/api/v1/accounts/${alice.account.id}/statuses?limit=8`
    const plain = await get(path)
    const zstd = await get(path, { 'accept-encoding': 'gzip, deflate, br, zstd' })
    const gzip = await get(path, { 'accept-encoding': 'gzip, deflate, br' })
    expect(zstd.res.headers.get('content-encoding')).toBe('zstd')
    expect(zstd.res.headers.get('vary')).toContain('Accept-Encoding')
    expect(JSON.parse(new TextDecoder().decode(Bun.zstdDecompressSync(zstd.bytes)))).toEqual(JSON.parse(new TextDecoder().decode(plain.bytes)))
    expect(zstd.bytes.length).toBeLessThan(gzip.bytes.length)
  })

  test('a real client over HTTP gets the same answer, decompressed by fetch', async () => {
    const app = await testApp()
    const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: (req) => app.handle(req) })
    try {
      // Bun's fetch offers zstd as browsers do; a client offering only gzip gets gzip.
      const res = await fetch(`http://127.0.0.1:${server.port}/api/v1/instance`)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-encoding')).toBe('zstd')
      expect((await res.json()).uri).toBeString()
      const gzipped = await fetch(`http://127.0.0.1:${server.port}/api/v1/instance`, { headers: { 'accept-encoding': 'gzip' } })
      expect(gzipped.headers.get('content-encoding')).toBe('gzip')
      expect((await gzipped.json()).uri).toBeString()
    } finally {
      server.stop(true)
    }
  })
})

describe('Accept-Encoding', () => {
  test.each([
    ['gzip', 'gzip'], ['x-gzip', 'gzip'], ['GZIP, br', 'gzip'], ['br;q=1, gzip;q=0.5', 'gzip'], ['*', 'gzip'],
    ['gzip;q=0', null], ['br, deflate', null], ['', null], ['*;q=0', null], ['*, gzip;q=0', null],
    ['gzip, deflate, br, zstd', 'zstd'], ['zstd', 'zstd'], ['ZSTD;q=0.9, gzip', 'gzip'], ['zstd;q=0, gzip', 'gzip'],
    ['zstd;q=0', null], ['zstd, *', 'zstd'], ['zstd;q=0.5, *;q=0.4', 'zstd'],
  ])('%p chooses %p', (header, expected) => {
    expect(chooseEncoding(header)).toBe(expected as 'zstd' | 'gzip' | null)
  })
})
