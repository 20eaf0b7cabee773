import { describe, expect, test } from 'bun:test'
import { call } from '../support/http'

describe('POST /api/v1/apps', () => {
  test('registers an app from a JSON body and returns its credentials', async () => {
    const res = await call('POST', '/api/v1/apps', {
      json: { client_name: 'Tusky', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: 'read write follow push', website: 'https://tusky.app' },
    })
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ name: 'Tusky', website: 'https://tusky.app', redirect_uri: 'urn:ietf:wg:oauth:2.0:oob', scopes: ['read', 'write', 'follow', 'push'] })
    expect(res.json.client_id).toBeString()
    expect(res.json.client_secret).toBeString()
    expect(res.json.id).toMatch(/^[0-9A-Za-z]{18}$/)
  })

  test('takes parameters from the query string and form bodies, with several redirect URIs', async () => {
    const q = await call('POST', '/api/v1/apps', { query: { client_name: 'Q', redirect_uris: 'https://a.example/cb' } })
    expect(q.status).toBe(200)
    expect(q.json.scopes).toEqual(['read'])
    const f = await call('POST', '/api/v1/apps', { form: { client_name: 'F', redirect_uris: 'https://a.example/cb\nhttps://b.example/cb', scopes: 'read' } })
    expect(f.status).toBe(200)
    expect(f.json.redirect_uris).toEqual(['https://a.example/cb', 'https://b.example/cb'])
    const arr = await call('POST', '/api/v1/apps', { json: { client_name: 'A', redirect_uris: ['https://a.example/cb', 'urn:ietf:wg:oauth:2.0:oob'] } })
    expect(arr.json.redirect_uris).toEqual(['https://a.example/cb', 'urn:ietf:wg:oauth:2.0:oob'])
  })

  test('rejects a missing name, a bad redirect URI and unknown scopes with 422', async () => {
    for (const json of [
      { redirect_uris: 'urn:ietf:wg:oauth:2.0:oob' },
      { client_name: 'x', redirect_uris: 'not a uri' },
      { client_name: 'x' },
      { client_name: 'x', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: 'read destroy:everything' },
      { client_name: 'x'.repeat(300), redirect_uris: 'urn:ietf:wg:oauth:2.0:oob' },
    ]) {
      const res = await call('POST', '/api/v1/apps', { json })
      expect(res.status).toBe(422)
      expect(res.json.error).toBeString()
    }
  })

  test('malformed JSON is a 400, not a 500', async () => {
    const res = await call('POST', '/api/v1/apps', { headers: { 'content-type': 'application/json' }, app: undefined, json: undefined, form: undefined })
    expect([200, 400, 422]).toContain(res.status)
    const bad = await (await import('../support/context')).testApp().then((app) =>
      app.handle(new Request('http://localhost/api/v1/apps', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"client_name": ' })))
    expect(bad.status).toBe(400)
    expect((await bad.json()).error).toBeString()
  })

  test('answers CORS preflights for browser clients', async () => {
    const res = await call('OPTIONS', '/api/v1/apps', { headers: { origin: 'https://elk.zone', 'access-control-request-method': 'POST' } })
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(res.headers.get('access-control-allow-headers')).toContain('Authorization')
  })
})

describe('GET /api/v1/apps/verify_credentials', () => {
  test('without a token is 401', async () => {
    const res = await call('GET', '/api/v1/apps/verify_credentials')
    expect(res.status).toBe(401)
    expect(res.json).toEqual({ error: 'The access token is invalid' })
  })
  test('with a bogus token is 401', async () => {
    const res = await call('GET', '/api/v1/apps/verify_credentials', { token: 'nope' })
    expect(res.status).toBe(401)
  })
})

describe('unknown routes', () => {
  test('answer 404 JSON', async () => {
    const res = await call('GET', '/api/v1/nonexistent')
    expect(res.status).toBe(404)
    expect(res.json.error).toBeString()
  })
})

describe('Application shape', () => {
  test('matches Mastodon\'s CredentialApplication schema', async () => {
    const { expectShape } = await import('../support/shape')
    const res = await call('POST', '/api/v1/apps', { json: { client_name: 'Shape', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', website: 'https://x.example' } })
    expectShape(res.json, 'CredentialApplication')
  })
})
