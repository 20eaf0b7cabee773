import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { zipSync, type Zippable } from 'fflate'
import type { Ctx } from '../../src/core/context'
import {
  activeFrontends, clearFrontend, frontendDir, installFrontend, listFrontends, removeFrontend, unpackFrontend, useFrontend,
} from '../../src/core/frontends/install'
import { cacheControlFor, isHashedAsset } from '../../src/core/frontends/serve'
import type { App } from '../../src/server/app'
import { contextWith, testApp } from '../support/context'
import { makeUser, type MadeUser } from '../support/factories'
import { call, type CallOptions } from '../support/http'
import { cliEnvironment, rookery, type CliEnv } from '../cli/run'

const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' }
const enc = (s: string) => new TextEncoder().encode(s)
const blob = (bytes: Uint8Array) => new Blob([new Uint8Array(bytes)], { type: 'application/zip' })

/** A small single-page build: an entry page, hashed and unhashed assets, a nested folder. */
function buildZip(marker: string, prefix = ''): Uint8Array {
  const tree: Zippable = {
    [`${prefix}index.html`]: enc(`<!doctype html><title>${marker}</title><script src="/static/js/app.3f2a1b9c.js"></script>`),
    [`${prefix}static/js/app.3f2a1b9c.js`]: enc(`console.log(${JSON.stringify(marker)})`),
    [`${prefix}static/css/app.css`]: enc('body{color:red}'),
    [`${prefix}static/font/icons.woff2`]: new Uint8Array([0x77, 0x4f, 0x46, 0x32]),
    [`${prefix}favicon.png`]: new Uint8Array([0x89, 0x50, 0x4e, 0x47]),
  }
  return zipSync(tree)
}

let ctx: Ctx
let app: App
let dataDir: string
let admin: MadeUser
let plain: MadeUser
let server: Server
let serverUrl: string
let served = 0

const get = (path: string, opts: CallOptions = {}) => call('GET', path, { app, ...opts })
const page = (path: string, opts: CallOptions = {}) => get(path, { ...opts, headers: { ...BROWSER, ...opts.headers } })

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'rookery-frontends-'))
  ctx = await contextWith({ dataDir, fetchPrivateNetwork: 'loopback', federation: { allowPrivate: true, authorizedFetch: false } })
  app = await testApp(ctx)
  admin = await makeUser(ctx, { isAdmin: true, scopes: ['read', 'write', 'admin'] })
  plain = await makeUser(ctx, { scopes: ['read', 'write', 'admin'] })
  const builds: Record<string, Uint8Array> = { '/fe.zip': buildZip('downloaded', 'dist/'), '/notzip.zip': enc('not a zip at all') }
  server = createServer((req, res) => {
    served++
    const url = new URL(req.url ?? '/', 'http://x')
    if (url.pathname === '/.well-known/webfinger') {
      const resource = url.searchParams.get('resource') ?? ''
      const links = resource.startsWith('acct:carol@')
        ? [{ rel: 'self', href: 'x' }, { rel: 'http://ostatus.org/schema/1.0/subscribe', template: `${serverUrl}/authorize_interaction?uri={uri}` }]
        : []
      return res.writeHead(200, { 'content-type': 'application/jrd+json' }).end(JSON.stringify({ subject: resource, links }))
    }
    const body = builds[req.url ?? '']
    if (!body) return res.writeHead(404).end()
    res.writeHead(200, { 'content-type': 'application/zip', 'content-length': String(body.byteLength) }).end(body)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await clearFrontend(ctx, 'primary')
  await clearFrontend(ctx, 'admin')
  await new Promise((r) => server.close(r))
  rmSync(dataDir, { recursive: true, force: true })
})

describe('unpacking builds', () => {
  test('strips the one top-level folder and keeps every file', () => {
    const names = unpackFrontend(buildZip('x', 'dist/')).map((e) => e.name).sort()
    expect(names).toEqual(['favicon.png', 'index.html', 'static/css/app.css', 'static/font/icons.woff2', 'static/js/app.3f2a1b9c.js'])
  })

  const hostile: [string, () => Uint8Array, RegExp][] = [
    ['a parent-folder path', () => zipSync({ 'index.html': enc('x'), '../evil.js': enc('x') }), /unsafe entry name/],
    ['a nested parent-folder path', () => zipSync({ 'index.html': enc('x'), 'a/../../evil.js': enc('x') }), /unsafe entry name/],
    ['an absolute path', () => zipSync({ 'index.html': enc('x'), '/etc/evil': enc('x') }), /unsafe entry name/],
    ['a backslash path', () => zipSync({ 'index.html': enc('x'), '..\\evil.js': enc('x') }), /unsafe entry name/],
    ['a drive letter', () => zipSync({ 'index.html': enc('x'), 'C:/evil.js': enc('x') }), /unsafe entry name/],
    ['a symbolic link', () => zipSync({ 'index.html': enc('x'), 'link': [enc('/etc/passwd'), { os: 3, attrs: (0o120777 << 16) >>> 0 }] }), /symbolic link/],
    ['no index.html', () => zipSync({ 'dist/app.js': enc('x') }), /index\.html/],
    ['two top-level folders and no index.html', () => zipSync({ 'a/index.html': enc('x'), 'b/index.html': enc('x') }), /index\.html/],
    ['bytes that are not a zip', () => enc('PK but not really'), /Invalid archive/],
  ]
  for (const [what, make, message] of hostile) {
    test(`refuses an archive with ${what}`, () => {
      expect(() => unpackFrontend(make())).toThrow(message)
    })
  }

  test('refuses too many files and too many bytes', () => {
    const many: Zippable = { 'index.html': enc('x') }
    for (let i = 0; i < 20; i++) many[`f${i}.js`] = enc('x')
    expect(() => unpackFrontend(zipSync(many), { maxEntries: 10, maxEntryBytes: 1000, maxTotalBytes: 100_000 })).toThrow(/more than 10 entries/)
    const big = zipSync({ 'index.html': enc('x'), 'a.js': new Uint8Array(600), 'b.js': new Uint8Array(600) })
    expect(() => unpackFrontend(big, { maxEntries: 10, maxEntryBytes: 1000, maxTotalBytes: 1000 })).toThrow(/larger than 1000 bytes together/)
    expect(() => unpackFrontend(big, { maxEntries: 10, maxEntryBytes: 500, maxTotalBytes: 100_000 })).toThrow(/larger than 500 bytes/)
  })

  test('a hostile install writes nothing', async () => {
    await expect(installFrontend(ctx, { name: 'evil', ref: 'x', zip: zipSync({ 'index.html': enc('x'), '../../pwned': enc('x') }) })).rejects.toThrow(/unsafe/)
    expect(existsSync(join(dataDir, 'frontends', 'evil', 'x'))).toBe(false)
    expect(existsSync(join(dataDir, 'pwned'))).toBe(false)
    await expect(installFrontend(ctx, { name: '../evil', zip: buildZip('x') })).rejects.toThrow(/Invalid frontend name/)
    await expect(installFrontend(ctx, { name: 'ok', ref: '..', zip: buildZip('x') })).rejects.toThrow(/Invalid ref/)
  })
})

describe('installing and choosing', () => {
  test('installs from a URL, from bytes, and lists what is installed', async () => {
    const before = served
    const fromUrl = await installFrontend(ctx, { name: 'pleroma-fe', ref: 'v1', url: `${serverUrl}/fe.zip` })
    expect(served).toBe(before + 1)
    expect(fromUrl).toMatchObject({ name: 'pleroma-fe', ref: 'v1', files: 5 })
    expect(readFileSync(join(frontendDir(ctx.config, 'pleroma-fe', 'v1'), 'index.html'), 'utf8')).toContain('downloaded')
    await installFrontend(ctx, { name: 'custom-fe', zip: buildZip('custom') })
    expect(readdirSync(join(dataDir, 'frontends')).sort()).toEqual(['custom-fe', 'pleroma-fe'])

    const list = await listFrontends(ctx)
    const pleroma = list.find((f) => f.name === 'pleroma-fe')!
    expect(pleroma).toMatchObject({ installed: true, installed_refs: ['v1'], ref: 'stable' })
    expect(pleroma.build_url).toContain('${ref}')
    expect(list.find((f) => f.name === 'custom-fe')).toMatchObject({ installed: true, installed_refs: ['local'], build_url: null })
    expect(list.find((f) => f.name === 'soapbox')).toMatchObject({ installed: false, installed_refs: [] })
    expect(list.map((f) => f.name)).toEqual(expect.arrayContaining(['akkoma-fe', 'phanpy', 'admin-fe']))
  })

  test('refuses unreachable or private downloads', async () => {
    await expect(installFrontend(ctx, { name: 'x', url: `${serverUrl}/missing.zip` })).rejects.toThrow(/HTTP 404/)
    await expect(installFrontend(ctx, { name: 'x', url: `${serverUrl}/notzip.zip` })).rejects.toThrow(/Invalid archive/)
    await expect(installFrontend(ctx, { name: 'x', url: `${serverUrl}/fe.zip` }, { allowPrivateNetwork: false })).rejects.toThrow(/not a public address/)
    await expect(installFrontend(ctx, { name: 'x', url: 'file:///etc/passwd' })).rejects.toThrow(/Only http and https/)
    await expect(installFrontend(ctx, { name: 'unknown-thing' })).rejects.toThrow(/not a known frontend/)
  })

  test('use and rm keep the choice in the database and refuse what is missing or in use', async () => {
    await expect(useFrontend(ctx, 'soapbox', 'primary')).rejects.toThrow(/not installed/)
    await expect(useFrontend(ctx, 'pleroma-fe', 'primary', 'v2')).rejects.toThrow(/not installed/)
    expect(await useFrontend(ctx, 'custom-fe', 'primary')).toEqual({ name: 'custom-fe', ref: 'local' })
    const other = await contextWith({ dataDir })
    expect((await activeFrontends(other)).primary).toEqual({ name: 'custom-fe', ref: 'local' })
    await expect(removeFrontend(ctx, 'custom-fe')).rejects.toThrow(/primary frontend/)
    await expect(removeFrontend(ctx, 'nothing-here')).rejects.toThrow(/not installed/)
    await clearFrontend(ctx, 'primary')
    expect(await removeFrontend(ctx, 'custom-fe')).toEqual(['local'])
    expect(existsSync(join(dataDir, 'frontends', 'custom-fe'))).toBe(false)
  })
})

describe('serving', () => {
  test('without a primary frontend, / is the built-in landing page and unknown pages are 404', async () => {
    await clearFrontend(ctx, 'primary')
    const home = await page('/')
    expect(home.status).toBe(200)
    expect(home.text).not.toContain('downloaded')
    expect(home.headers.get('content-security-policy')).toContain("default-src 'none'")
    const unknown = await page('/some/client/route')
    expect(unknown.status).toBe(404)
    expect(unknown.text).not.toContain('downloaded')
    expect((await get('/some/client/route')).json).toEqual({ error: expect.any(String) })
  })

  test('the primary frontend answers /, its files and client-side routes', async () => {
    await useFrontend(ctx, 'pleroma-fe', 'primary')
    const home = await page('/')
    expect(home.status).toBe(200)
    expect(home.text).toContain('<title>downloaded</title>')
    expect(home.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(home.headers.get('cache-control')).toBe('no-cache')

    const js = await get('/static/js/app.3f2a1b9c.js')
    expect(js.status).toBe(200)
    expect(js.text).toBe('console.log("downloaded")')
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(js.headers.get('x-content-type-options')).toBe('nosniff')

    const css = await get('/static/css/app.css')
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8')
    expect(css.headers.get('cache-control')).toBe('public, max-age=3600')
    expect((await get('/static/font/icons.woff2')).headers.get('content-type')).toBe('font/woff2')
    expect((await get('/favicon.png')).headers.get('content-type')).toBe('image/png')

    for (const route of ['/main/all', '/users/someone/media', '/settings/profile', '/@nobody-here/posts/123']) {
      const fallback = await page(route)
      expect(fallback.status, route).toBe(200)
      expect(fallback.text).toContain('<title>downloaded</title>')
      expect(fallback.headers.get('cache-control')).toBe('no-cache')
    }

    const etag = home.headers.get('etag')!
    expect((await page('/', { headers: { 'if-none-match': etag } })).status).toBe(304)
  })

  test('missing assets, data clients, traversal and server paths are not the frontend', async () => {
    expect((await get('/static/js/missing.js')).status).toBe(404)
    expect((await get('/main/all', { headers: { accept: 'application/json' } })).status).toBe(404)
    for (const path of ['/static/..%2f..%2f..%2fetc%2fpasswd', '/%2e%2e/%2e%2e/etc/passwd', '/static/%5c..%5cindex.html']) {
      const res = await get(path)
      expect(res.text, path).not.toContain('root:')
      expect(res.status === 404 || res.text.includes('<title>downloaded</title>'), path).toBe(true)
    }
    for (const path of ['/api/v1/nothing', '/oauth/nothing', '/.well-known/nothing', '/nodeinfo/9.9']) {
      const res = await page(path)
      expect(res.status, path).toBe(404)
      expect(res.json, path).toEqual({ error: expect.any(String) })
    }
    for (const path of ['/auth/nothing', '/pleroma/nothing', '/registration', '/media/nothing']) {
      const res = await page(path)
      expect(res.status, path).toBe(404)
      expect(res.text, path).not.toContain('<title>downloaded</title>')
    }
  })

  test('API, discovery and server pages keep their paths', async () => {
    const instance = await get('/api/v1/instance')
    expect(instance.status).toBe(200)
    expect(instance.json.uri).toBeString()
    expect((await get('/.well-known/nodeinfo')).status).toBe(200)
    const nodeinfo = await get('/nodeinfo/2.1.json')
    expect(nodeinfo.json.metadata).toMatchObject({ federatedTimelineAvailable: true, localBubbleInstances: [] })
    expect((await get('/api/pleroma/frontend_configurations')).json).toEqual({})
    const profile = await page(`/@${admin.account.username}`)
    expect(profile.status).toBe(200)
    expect(profile.text).not.toContain('<title>downloaded</title>')
    expect((await page('/auth/sign_in')).text).toContain('<form')
    const json = await get('/', { headers: { accept: 'application/json' } })
    expect(json.text).not.toContain('<title>downloaded</title>')
  })

  test('the admin frontend is served under /pleroma/admin/', async () => {
    expect((await page('/pleroma/admin/')).status).toBe(404)
    await installFrontend(ctx, { name: 'admin-fe', ref: 'v9', zip: buildZip('admin panel') })
    await useFrontend(ctx, 'admin-fe', 'admin')
    const redirect = await page('/pleroma/admin')
    expect(redirect.status).toBe(301)
    expect(redirect.headers.get('location')).toBe('/pleroma/admin/')
    const index = await page('/pleroma/admin/')
    expect(index.text).toContain('<title>admin panel</title>')
    expect((await get('/pleroma/admin/static/js/app.3f2a1b9c.js')).text).toBe('console.log("admin panel")')
    expect((await page('/pleroma/admin/users/list')).text).toContain('<title>admin panel</title>')
    expect((await page('/')).text).toContain('<title>downloaded</title>')
  })
})

describe('admin API', () => {
  test('lists frontends for admins only', async () => {
    expect((await get('/api/v1/pleroma/admin/frontends')).status).toBe(401)
    expect((await get('/api/v1/pleroma/admin/frontends', { token: plain.token })).status).toBe(403)
    const res = await get('/api/v1/pleroma/admin/frontends', { token: admin.token })
    expect(res.status).toBe(200)
    expect(res.json.find((f: { name: string }) => f.name === 'pleroma-fe')).toMatchObject({ installed: true, installed_refs: ['v1'] })
    expect((await get('/api/pleroma/admin/frontends', { token: admin.token })).status).toBe(200)
  })

  test('installs from an upload or a build URL, and refuses bad input', async () => {
    const post = (opts: CallOptions) => call('POST', '/api/v1/pleroma/admin/frontends/install', { app, token: admin.token, ...opts })
    const upload = await post({ multipart: { name: 'uploaded-fe', ref: 'r1', file: blob(buildZip('uploaded')) } })
    expect(upload.status).toBe(200)
    expect(upload.json.find((f: { name: string }) => f.name === 'uploaded-fe')).toMatchObject({ installed_refs: ['r1'] })
    const fromUrl = await post({ json: { name: 'akkoma-fe', ref: 'test', build_url: `${serverUrl}/fe.zip` } })
    expect(fromUrl.status).toBe(200)
    expect(fromUrl.json.find((f: { name: string }) => f.name === 'akkoma-fe')).toMatchObject({ installed: true, installed_refs: ['test'] })

    expect((await post({ json: {} })).status).toBe(400)
    expect((await post({ json: { name: 'x', file: '/etc/passwd' } })).status).toBe(400)
    expect((await post({ json: { name: '../x', build_url: `${serverUrl}/fe.zip` } })).status).toBe(422)
    const hostile = await post({ multipart: { name: 'evil', file: blob(zipSync({ 'index.html': enc('x'), '../evil': enc('x') })) } })
    expect(hostile.status).toBe(422)
    expect(hostile.json.error).toContain('unsafe entry name')
    const bomb = await post({ multipart: { name: 'bomb', file: blob(zipSync({ 'index.html': enc('x'), 'big.bin': new Uint8Array(33 * 1024 * 1024) }, { level: 9 })) } })
    expect(bomb.status).toBe(422)
    expect(bomb.json.error).toContain('larger than')
    expect((await post({ json: { name: 'x', build_url: `${serverUrl}/missing.zip` } })).status).toBe(422)
    const noToken = await call('POST', '/api/v1/pleroma/admin/frontends/install', { app, json: { name: 'x' } })
    expect(noToken.status).toBe(401)
    const notAdmin = await call('POST', '/api/v1/pleroma/admin/frontends/install', { app, token: plain.token, json: { name: 'x' } })
    expect(notAdmin.status).toBe(403)
    expect(existsSync(join(dataDir, 'frontends', 'evil'))).toBe(false)
    expect(existsSync(join(dataDir, 'frontends', 'bomb'))).toBe(false)
  })
})

describe('remote follow page', () => {
  const host = () => serverUrl.replace('http://', '')

  test('asks for the visitor\'s address, then sends them to their instance\'s subscribe template', async () => {
    const nickname = admin.account.username
    for (const res of [await page('/main/ostatus', { query: { nickname } }), await call('POST', '/main/ostatus', { app, form: { nickname, profile: '' } })]) {
      expect(res.status).toBe(200)
      expect(res.text).toContain('<form method="post" action="/main/ostatus">')
      expect(res.text).toContain(`value="${nickname}"`)
    }
    const res = await call('POST', '/main/ostatus', { app, form: { nickname, profile: `carol@${host()}` } })
    expect(res.status).toBe(200)
    const expected = `${serverUrl}/authorize_interaction?uri=${encodeURIComponent(`${ctx.config.baseUrl}/users/${nickname}`)}`
    expect(res.text).toContain(`href="${expected}"`)
    expect(res.text).toContain('http-equiv="refresh"')
  })

  test('explains what went wrong', async () => {
    const nickname = admin.account.username
    const post = (profile: string) => call('POST', '/main/ostatus', { app, form: { nickname, profile } })
    const malformed = await post('not an address')
    expect(malformed.status).toBe(422)
    expect(malformed.text).toContain('name@your.instance')
    const noTemplate = await post(`dave@${host()}`)
    expect(noTemplate.status).toBe(422)
    expect(noTemplate.text).toContain('does not offer remote follows')
    const unreachable = await post('erin@127.0.0.1:1')
    expect(unreachable.status).toBe(422)
    expect(unreachable.text).toContain('did not answer')
    const privateHost = await call('POST', '/main/ostatus', { app: await testApp(await contextWith({})), form: { nickname, profile: `carol@${host()}` } })
    expect(privateHost.status).toBe(422)
    expect((await page('/main/ostatus', { query: { nickname: 'nobody-at-all' } })).status).toBe(404)
    expect((await page('/main/ostatus')).status).toBe(404)
  })
})

describe('cache rules', () => {
  test('hashed names are immutable, entry pages and workers revalidate', () => {
    expect(isHashedAsset('app.3f2a1b9c.js')).toBe(true)
    expect(isHashedAsset('index-DiwrgTda.js')).toBe(true)
    expect(isHashedAsset('service-notifications.js')).toBe(false)
    expect(isHashedAsset('app.css')).toBe(false)
    expect(cacheControlFor('index.html')).toBe('no-cache')
    expect(cacheControlFor('sw-pleroma.js')).toBe('no-cache')
    expect(cacheControlFor('manifest.json')).toBe('no-cache')
  })
})

describe('command line', () => {
  let cli: CliEnv
  let cliData: string
  let work: string
  const run = (args: string[]) => rookery(cli, args, { env: { ROOKERY_DATA_DIR: cliData } })

  beforeAll(async () => {
    cli = await cliEnvironment()
    work = mkdtempSync(join(tmpdir(), 'rookery-frontend-cli-'))
    cliData = cli.dataDir ?? join(work, 'data')
  })
  afterAll(async () => {
    await cli.cleanup()
    rmSync(work, { recursive: true, force: true })
  })

  test('install from a file and a URL, list, use, rm', async () => {
    const zipPath = join(work, 'my-fe.zip')
    writeFileSync(zipPath, buildZip('from file', 'build/'))
    const installed = await run(['frontend', 'install', 'my-fe', '--file', zipPath, '--primary', '--json'])
    expect(installed.code, installed.stderr).toBe(0)
    expect(installed.json()).toMatchObject({ name: 'my-fe', ref: 'local', files: 5, role: 'primary' })
    expect(readFileSync(join(cliData, 'frontends', 'my-fe', 'local', 'index.html'), 'utf8')).toContain('from file')

    const refused = await run(['frontend', 'install', 'pleroma-fe', '--ref', 'v2', '--url', `${serverUrl}/fe.zip`])
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain('not a public address')
    const fromUrl = await run(['frontend', 'install', 'pleroma-fe', '--ref', 'v2', '--url', `${serverUrl}/fe.zip`, '--allow-private-network', '--admin', '--json'])
    expect(fromUrl.code, fromUrl.stderr).toBe(0)
    expect(fromUrl.json()).toMatchObject({ name: 'pleroma-fe', ref: 'v2', role: 'admin' })

    const hostilePath = join(work, 'evil.zip')
    writeFileSync(hostilePath, zipSync({ 'index.html': enc('x'), '../../evil': enc('x') }))
    const hostile = await run(['frontend', 'install', 'evil', '--file', hostilePath])
    expect(hostile.code).not.toBe(0)
    expect(hostile.stderr).toContain('unsafe entry name')

    const list = await run(['frontend', 'list', '--json'])
    const rows = list.json() as { name: string; installed_refs: string[]; active: string[] }[]
    expect(rows.find((f) => f.name === 'my-fe')).toMatchObject({ installed_refs: ['local'], active: ['primary'] })
    expect(rows.find((f) => f.name === 'pleroma-fe')).toMatchObject({ installed_refs: ['v2'], active: ['admin'] })
    expect(rows.find((f) => f.name === 'evil')).toBeUndefined()

    const inUse = await run(['frontend', 'rm', 'my-fe'])
    expect(inUse.code).not.toBe(0)
    expect(inUse.stderr).toContain('primary frontend')
    expect((await run(['frontend', 'use', 'none'])).code).toBe(0)
    const removed = await run(['frontend', 'rm', 'my-fe', '--json'])
    expect(removed.json()).toEqual({ name: 'my-fe', removed: ['local'] })
    const use = await run(['frontend', 'use', 'my-fe'])
    expect(use.code).not.toBe(0)
    expect(use.stderr).toContain('not installed')
  }, 240_000)
})

describe('Akkoma frontend settings profiles', () => {
  const base = '/api/v1/akkoma/frontend_settings'

  test('store, list, read, update by version and delete a profile per user', async () => {
    const put = (who: MadeUser, path: string, json: unknown) => call('PUT', `${base}/${path}`, { app, token: who.token, json })
    expect((await get(`${base}/akkoma-fe`, { token: admin.token })).json).toEqual([])
    expect((await get(`${base}/akkoma-fe/default`, { token: admin.token })).status).toBe(404)

    const saved = await put(admin, 'akkoma-fe/default', { settings: { theme: 'dark', nested: { a: [1, 2] } }, version: 1 })
    expect(saved.status).toBe(200)
    expect(saved.json).toEqual({ theme: 'dark', nested: { a: [1, 2] } })
    expect((await get(`${base}/akkoma-fe/default`, { token: admin.token })).json).toEqual({ theme: 'dark', nested: { a: [1, 2] } })
    expect((await get(`${base}/akkoma-fe`, { token: admin.token })).json).toEqual([{ name: 'default', version: 1 }])

    const stale = await put(admin, 'akkoma-fe/default', { settings: { theme: 'light' }, version: 1 })
    expect(stale.status).toBe(422)
    expect((await put(admin, 'akkoma-fe/default', { settings: { theme: 'light' }, version: 2 })).json).toEqual({ theme: 'light' })

    // another user sees none of it
    expect((await get(`${base}/akkoma-fe`, { token: plain.token })).json).toEqual([])
    expect((await get(`${base}/akkoma-fe/default`, { token: plain.token })).status).toBe(404)
    expect((await call('DELETE', `${base}/akkoma-fe/default`, { app, token: plain.token })).status).toBe(404)

    const deleted = await call('DELETE', `${base}/akkoma-fe/default`, { app, token: admin.token })
    expect(deleted.json).toEqual({ deleted: 'ok' })
    expect((await get(`${base}/akkoma-fe/default`, { token: admin.token })).status).toBe(404)
  })

  test('refuses bad input and missing tokens', async () => {
    const put = (json: unknown, path = 'akkoma-fe/other') => call('PUT', `${base}/${path}`, { app, token: admin.token, json })
    expect((await put({ settings: 'nope', version: 1 })).status).toBe(422)
    expect((await put({ settings: {}, version: 0 })).status).toBe(422)
    expect((await put({ settings: {}, version: 'x' })).status).toBe(422)
    expect((await put({ settings: { big: 'x'.repeat(300 * 1024) }, version: 1 })).status).toBe(422)
    expect((await put({ settings: {}, version: 1 }, 'bad%20name/default')).status).toBe(422)
    expect((await get(`${base}/akkoma-fe`)).status).toBe(401)
    expect((await call('PUT', `${base}/akkoma-fe/default`, { app, json: { settings: {}, version: 1 } })).status).toBe(401)
  })
})
