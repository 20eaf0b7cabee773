import { describe, expect, test } from 'bun:test'
import { FEATURES, SHOUTBOX_FEATURES } from '../../src/core/instance/features'
import { ROOKERY_VERSION } from '../../src/version'
import { contextWith, getTestContext, testApp } from '../support/context'
import { makeUser } from '../support/factories'
import { call } from '../support/http'

const NODEINFO = (v: string) => `http://nodeinfo.diaspora.software/ns/schema/${v}`

describe('NodeInfo', () => {
  test('/.well-known/nodeinfo links to 2.0 and 2.1', async () => {
    const res = await call('GET', '/.well-known/nodeinfo')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toStartWith('application/json')
    expect(res.json).toEqual({
      links: [
        { rel: NODEINFO('2.0'), href: 'https://rookery.test/nodeinfo/2.0.json' },
        { rel: NODEINFO('2.1'), href: 'https://rookery.test/nodeinfo/2.1.json' },
      ],
    })
  })

  test('2.0 and 2.1 are served with their schema profile, with and without .json', async () => {
    for (const version of ['2.0', '2.1']) {
      for (const path of [`/nodeinfo/${version}`, `/nodeinfo/${version}.json`]) {
        const res = await call('GET', path)
        expect(res.status).toBe(200)
        expect(res.headers.get('content-type')).toBe(`application/json; profile="${NODEINFO(version)}#"`)
        expect(res.json.version).toBe(version)
        expect(res.json.software).toMatchObject({ name: 'rookery', version: ROOKERY_VERSION })
        expect(res.json.software.name).toMatch(/^[a-z0-9-]+$/)
        expect(res.json.protocols).toEqual(['activitypub'])
        expect(res.json.services).toEqual({ inbound: [], outbound: [] })
        expect(typeof res.json.openRegistrations).toBe('boolean')
        for (const n of [res.json.usage.users.total, res.json.usage.users.activeMonth, res.json.usage.users.activeHalfyear, res.json.usage.localPosts]) {
          expect(Number.isInteger(n) && n >= 0).toBe(true)
        }
      }
    }
  })

  test('metadata carries what Pleroma publishes', async () => {
    const { config } = await getTestContext()
    const { json } = await call('GET', '/nodeinfo/2.1.json')
    expect(json.metadata).toMatchObject({
      nodeName: config.instance.name,
      nodeDescription: config.instance.description,
      features: [...FEATURES, ...SHOUTBOX_FEATURES],
      postFormats: ['text/plain', 'text/html', 'text/markdown'],
      federation: { enabled: true },
      accountActivationRequired: false,
      invitesEnabled: false,
      fieldsLimits: { maxFields: config.limits.maxProfileFields, nameLength: config.limits.maxFieldNameChars, valueLength: config.limits.maxFieldValueChars },
      pollLimits: { max_options: config.limits.pollMaxOptions },
    })
    // The same list as the instance entity, so Pleroma-FE and emoji-pack downloaders agree.
    const instance = await call('GET', '/api/v1/instance')
    expect(json.metadata.features).toEqual(instance.json.pleroma.metadata.features)
  })

  test('staff accounts list admins and moderators by actor id, and user counts move', async () => {
    const before = (await call('GET', '/nodeinfo/2.0.json')).json
    const admin = await makeUser(undefined, { isAdmin: true })
    const moderator = await makeUser(undefined, { isModerator: true })
    const plain = await makeUser()
    const after = (await call('GET', '/nodeinfo/2.0.json')).json
    expect(after.metadata.staffAccounts).toContain(admin.account.uri)
    expect(after.metadata.staffAccounts).toContain(moderator.account.uri)
    expect(after.metadata.staffAccounts).not.toContain(plain.account.uri)
    expect(after.usage.users.total).toBe(before.usage.users.total + 3)
    // Each got a token, which counts as a sign-in.
    expect(after.usage.users.activeMonth).toBe(before.usage.users.activeMonth + 3)
  })

  test('megalodon can place the server (its detector knows Mastodon-family upstreams)', async () => {
    const { json } = await call('GET', '/nodeinfo/2.1.json')
    expect(json.metadata.upstream).toEqual({ name: 'mastodon', version: expect.stringMatching(/^\d+\.\d+\.\d+$/) })
  })
})

describe('host-meta', () => {
  test('XRD with the WebFinger template', async () => {
    const res = await call('GET', '/.well-known/host-meta')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/xrd+xml; charset=utf-8')
    expect(res.text).toStartWith('<?xml version="1.0" encoding="UTF-8"?>')
    expect(res.text).toContain('<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">')
    expect(res.text).toContain('<Link rel="lrdd" template="https://rookery.test/.well-known/webfinger?resource={uri}"/>')
  })

  test('JSON flavour at host-meta.json, or when asked for JSON', async () => {
    const expected = { links: [{ rel: 'lrdd', template: 'https://rookery.test/.well-known/webfinger?resource={uri}' }] }
    const json = await call('GET', '/.well-known/host-meta.json')
    expect(json.status).toBe(200)
    expect(json.headers.get('content-type')).toStartWith('application/json')
    expect(json.json).toEqual(expected)
    const negotiated = await call('GET', '/.well-known/host-meta', { headers: { accept: 'application/json' } })
    expect(negotiated.headers.get('content-type')).toStartWith('application/json')
    expect(negotiated.json).toEqual(expected)
  })
})

describe('WebFinger', () => {
  test('finds a local account by acct: URI', async () => {
    const { account } = await makeUser()
    const res = await call('GET', '/.well-known/webfinger', { query: { resource: `acct:${account.username}@rookery.test` } })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/jrd+json; charset=utf-8')
    expect(res.json.subject).toBe(`acct:${account.username}@rookery.test`)
    expect(res.json.aliases).toEqual([account.uri, account.url])
    expect(res.json.links).toContainEqual({ rel: 'self', type: 'application/activity+json', href: account.uri })
    expect(res.json.links).toContainEqual({ rel: 'http://webfinger.net/rel/profile-page', type: 'text/html', href: account.url })
    expect(account.uri).toBe(`https://rookery.test/users/${account.username}`)
  })

  test('accepts the usual spellings of the same account', async () => {
    const { account } = await makeUser()
    const name = account.username
    for (const resource of [
      `${name}@rookery.test`,
      `@${name}@rookery.test`,
      `acct:${name.toUpperCase()}@ROOKERY.TEST`,
      `ACCT:${name}@rookery.test.`,
      `acct:${name}@rookery.test:443`,
      `https://rookery.test/users/${name}`,
      `https://rookery.test/@${name}`,
      `https://ROOKERY.test/users/${name}/`,
    ]) {
      const res = await call('GET', '/.well-known/webfinger', { query: { resource } })
      expect({ resource, status: res.status }).toEqual({ resource, status: 200 })
      // The subject is canonical, whatever the spelling of the query.
      expect(res.json.subject).toBe(`acct:${name}@rookery.test`)
    }
  })

  test('unknown accounts and other domains are 404', async () => {
    for (const resource of [
      'acct:nobody_here_at_all@rookery.test',
      'acct:someone@elsewhere.example',
      'acct:bad-name!@rookery.test',
      'https://elsewhere.example/users/someone',
      'https://rookery.test/notes/123',
    ]) {
      const res = await call('GET', '/.well-known/webfinger', { query: { resource } })
      expect({ resource, status: res.status }).toEqual({ resource, status: 404 })
      expect(res.json.error).toBeString()
    }
    const { account } = await makeUser()
    const elsewhere = await call('GET', '/.well-known/webfinger', { query: { resource: `acct:${account.username}@elsewhere.example` } })
    expect(elsewhere.status).toBe(404)
  })

  test('a missing or malformed resource is 400', async () => {
    const cases: (Record<string, string> | undefined)[] = [
      undefined,
      { resource: '' },
      { resource: 'acct:nobody' },
      { resource: 'acct:@rookery.test' },
      { resource: 'acct:nobody@' },
      { resource: 'plainname' },
      { resource: 'https://[not-a-host/users/x' },
      { resource: 'acct:a b@rookery.test' },
      { resource: 'https://user:pass@rookery.test/users/x' },
    ]
    for (const query of cases) {
      const res = await call('GET', '/.well-known/webfinger', { query })
      expect({ query, status: res.status }).toEqual({ query, status: 400 })
      expect(res.json.error).toBeString()
    }
  })

  test('suspended or deactivated accounts are gone (410); accounts awaiting approval are not found', async () => {
    const suspended = await makeUser(undefined, { account: { suspendedAt: new Date() } })
    const deactivated = await makeUser(undefined, { user: { isActive: false } })
    const pending = await makeUser(undefined, { user: { isApproved: false } })
    for (const [made, status] of [[suspended, 410], [deactivated, 410], [pending, 404]] as const) {
      const res = await call('GET', '/.well-known/webfinger', { query: { resource: `acct:${made.account.username}@rookery.test` } })
      expect(res.status).toBe(status)
    }
  })

  test('rel keeps only the links asked for', async () => {
    const { account } = await makeUser()
    const res = await call('GET', '/.well-known/webfinger', { query: { resource: `acct:${account.username}@rookery.test`, rel: 'self' } })
    expect(res.json.links.length).toBeGreaterThan(0)
    expect(res.json.links.every((l: { rel: string }) => l.rel === 'self')).toBe(true)
    const two = await call('GET', '/.well-known/webfinger', {
      query: { resource: `acct:${account.username}@rookery.test`, rel: ['self', 'http://webfinger.net/rel/profile-page'] },
    })
    expect(new Set(two.json.links.map((l: { rel: string }) => l.rel))).toEqual(new Set(['self', 'http://webfinger.net/rel/profile-page']))
  })

  test('answers XRD to clients that ask for XML', async () => {
    const { account } = await makeUser()
    const res = await call('GET', '/.well-known/webfinger', {
      query: { resource: `acct:${account.username}@rookery.test` },
      headers: { accept: 'application/xrd+xml' },
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/xrd+xml; charset=utf-8')
    expect(res.text).toContain(`<Subject>acct:${account.username}@rookery.test</Subject>`)
    expect(res.text).toContain(`<Link rel="self" type="application/activity+json" href="${account.uri}"/>`)
  })

  test('follows the configured domain', async () => {
    const base = await getTestContext()
    const app = await testApp(await contextWith({ domain: 'social.example.org', baseUrl: 'https://social.example.org' }))
    const { account } = await makeUser()
    const ours = await call('GET', '/.well-known/webfinger', { query: { resource: `acct:${account.username}@social.example.org` }, app })
    expect(ours.status).toBe(200)
    expect(ours.json.subject).toBe(`acct:${account.username}@social.example.org`)
    const old = await call('GET', '/.well-known/webfinger', { query: { resource: `acct:${account.username}@${base.config.domain}` }, app })
    expect(old.status).toBe(404)
  })
})

describe('CORS on discovery documents', () => {
  test('every well-known and NodeInfo document allows any origin', async () => {
    const { account } = await makeUser()
    for (const path of [
      '/.well-known/nodeinfo',
      '/.well-known/host-meta',
      '/.well-known/host-meta.json',
      `/.well-known/webfinger?resource=acct:${account.username}@rookery.test`,
      '/nodeinfo/2.0.json',
      '/nodeinfo/2.1',
    ]) {
      const res = await call('GET', path, { headers: { origin: 'https://pleroma-fe.example' } })
      expect({ path, status: res.status }).toEqual({ path, status: 200 })
      expect(res.headers.get('access-control-allow-origin')).toBe('*')
    }
    const preflight = await call('OPTIONS', '/.well-known/webfinger', { headers: { origin: 'https://x.example', 'access-control-request-method': 'GET' } })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*')
  })
})
