// The OAuth sign-in and consent pages and an installed frontend, in a real headless Chromium at phone width: used
// with the keyboard alone, they log no errors and load nothing from another host. Skipped without Debian's chromium.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { zipSync } from 'fflate'
import type { Browser, Page } from 'puppeteer-core'
import type { Ctx } from '../../src/core/context'
import { installFrontend, useFrontend } from '../../src/core/frontends/install'
import { createApp } from '../../src/server/app'
import { chromiumAvailable, expectFitsPhone, focused, launchBrowser, openPage, screenshot } from '../support/browser'
import { contextWith } from '../support/context'
import { makeUser, TEST_PASSWORD, type MadeUser } from '../support/factories'

const OOB = 'urn:ietf:wg:oauth:2.0:oob'

/** Starts the app on loopback with every absolute URL it prints pointing at itself. */
async function serve(ctx: Ctx): Promise<{ origin: string; stop: () => void }> {
  const app = createApp(ctx).listen({ port: 0, hostname: '127.0.0.1' })
  const origin = `http://127.0.0.1:${app.server!.port}`
  Object.assign(ctx.config, { baseUrl: origin, domain: `127.0.0.1:${app.server!.port}` })
  return { origin, stop: () => void app.stop(true) }
}

/** Presses Tab until the element named `name` (an input's name, a button's text) has focus; bounded. */
async function tabTo(page: Page, name: string): Promise<void> {
  for (let i = 0; i < 20; i++) {
    if (await focused(page) === name) return
    await page.keyboard.press('Tab')
  }
  throw new Error(`Tab never reached "${name}"`)
}

describe.skipIf(!chromiumAvailable)('OAuth sign-in and consent in Chromium', () => {
  let ctx: Ctx
  let server: { origin: string; stop: () => void }
  let browser: Browser
  let alice: MadeUser
  let client: { client_id: string; client_secret: string }

  beforeAll(async () => {
    ctx = await contextWith({})
    server = await serve(ctx)
    alice = await makeUser(ctx)
    const res = await fetch(`${server.origin}/api/v1/apps`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Keyboard Client', redirect_uris: OOB, scopes: 'read write' }),
    })
    client = await res.json() as typeof client
    browser = await launchBrowser()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    server?.stop()
  })

  const authorizePath = (scope: string) =>
    `/oauth/authorize?${new URLSearchParams({ client_id: client.client_id, redirect_uri: OOB, response_type: 'code', scope })}`

  async function exchange(code: string): Promise<string> {
    const res = await fetch(`${server.origin}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'authorization_code', code, client_id: client.client_id, client_secret: client.client_secret, redirect_uri: OOB }),
    })
    expect(res.status).toBe(200)
    return ((await res.json()) as { access_token: string }).access_token
  }

  test('a wrong password, then signing in with the keyboard alone, gives a code that becomes a working token', async () => {
    const { page, problems, status } = await openPage(browser, server.origin, authorizePath('read'))
    expect(status).toBe(200)
    expect(await page.$eval('h1', (h) => h.textContent)).toBe('Sign in to authorize Keyboard Client')
    await expectFitsPhone(page)

    await tabTo(page, 'name')
    await page.keyboard.type(alice.account.username)
    await page.keyboard.press('Tab')
    expect(await focused(page)).toBe('password')
    await page.keyboard.type('not the password')
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')])
    expect(await page.$eval('[role="alert"]', (e) => e.textContent)).toBe('Invalid credentials')
    // the nickname is kept; only the password is typed again
    expect(await page.$eval('input[name="name"]', (e) => (e as HTMLInputElement).value)).toBe(alice.account.username)

    await tabTo(page, 'password')
    await page.keyboard.type(TEST_PASSWORD)
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')])
    await screenshot(page, 'oauth-code')
    const code = await page.$eval('input.code', (e) => (e as HTMLInputElement).value)
    expect(code.length).toBeGreaterThan(10)
    await expectFitsPhone(page)

    const token = await exchange(code)
    // the wrong password's page came with a 422, which Chromium logs
    expect(problems.filter((p) => !p.includes('status of 422'))).toEqual([])
    const me = await fetch(`${server.origin}/api/v1/accounts/verify_credentials`, { headers: { authorization: `Bearer ${token}` } })
    expect(((await me.json()) as { id: string }).id).toBe(alice.account.id)
    await page.close()
  }, 90_000)

  test('signed in, new scopes ask for consent: Deny and Authorize work from the keyboard', async () => {
    // The session cookie of the previous sign-in is in this browser: the page asks only for consent.
    const denied = await openPage(browser, server.origin, authorizePath('read write'))
    expect(await denied.page.$eval('h1', (h) => h.textContent)).toBe(`Authorize Keyboard Client as @${alice.account.username}?`)
    expect(await denied.page.$$eval('ul li', (items) => items.length)).toBeGreaterThan(0)
    await expectFitsPhone(denied.page)
    await tabTo(denied.page, 'Deny')
    await Promise.all([denied.page.waitForNavigation(), denied.page.keyboard.press('Enter')])
    expect(await denied.page.$('input.code')).toBeNull()
    expect(await denied.page.$eval('h1', (h) => h.textContent)).toBe('Authorization denied')
    expect(denied.problems).toEqual([])
    await denied.page.close()

    const approved = await openPage(browser, server.origin, authorizePath('read write'))
    await tabTo(approved.page, 'Authorize')
    await Promise.all([approved.page.waitForNavigation(), approved.page.keyboard.press(' ')])
    const token = await exchange(await approved.page.$eval('input.code', (e) => (e as HTMLInputElement).value))
    const scopes = await fetch(`${server.origin}/api/v1/apps/verify_credentials`, { headers: { authorization: `Bearer ${token}` } })
    expect(scopes.status).toBe(200)
    expect(approved.problems).toEqual([])
    await approved.page.close()
  }, 90_000)
})

describe.skipIf(!chromiumAvailable)('an installed frontend in Chromium', () => {
  let ctx: Ctx
  let server: { origin: string; stop: () => void }
  let browser: Browser
  let dataDir: string

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'rookery-browser-fe-'))
    ctx = await contextWith({ dataDir })
    server = await serve(ctx)
    const enc = (s: string) => new TextEncoder().encode(s)
    // A single-page app in miniature: its script routes on the path and asks the API for the instance's title.
    const zip = zipSync({
      'dist/index.html': enc('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Fixture FE</title>'
        + '<meta name="viewport" content="width=device-width, initial-scale=1">'
        + '<link rel="stylesheet" href="/static/css/app.css"><script defer src="/static/js/app.1a2b3c4d.js"></script></head>'
        + '<body><main><h1 id="route">loading</h1><p id="instance"></p><button id="go">Go</button></main></body></html>'),
      'dist/static/js/app.1a2b3c4d.js': enc(
        "document.getElementById('route').textContent = 'route ' + location.pathname;"
        + "fetch('/api/v1/instance').then((r) => r.json()).then((i) => { document.getElementById('instance').textContent = i.title });"
        + "document.getElementById('go').addEventListener('click', () => { history.pushState(null, '', '/timelines/local'); document.getElementById('route').textContent = 'route ' + location.pathname });",
      ),
      'dist/static/css/app.css': enc('main { max-width: 100%; font-family: sans-serif } #route { color: rgb(1, 2, 3) }'),
    })
    await installFrontend(ctx, { name: 'fixture-fe', ref: 'v1', zip })
    await useFrontend(ctx, 'fixture-fe', 'primary', 'v1')
    browser = await launchBrowser()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    server?.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  test('serves the build at / and its client-side routes, runs its script and styles, and talks to the API', async () => {
    for (const path of ['/', '/notifications/mentions']) {
      const { page, problems, status } = await openPage(browser, server.origin, path)
      expect(status).toBe(200)
      await page.waitForFunction(() => document.getElementById('instance')?.textContent !== '', { timeout: 15_000 })
      expect(await page.$eval('#route', (e) => e.textContent)).toBe(`route ${path}`)
      expect(await page.$eval('#instance', (e) => e.textContent)).toBe(ctx.config.instance.name)
      expect(await page.$eval('#route', (e) => getComputedStyle(e).color)).toBe('rgb(1, 2, 3)')
      await tabTo(page, 'Go')
      await page.keyboard.press('Enter')
      expect(await page.$eval('#route', (e) => e.textContent)).toBe('route /timelines/local')
      await expectFitsPhone(page)
      expect(problems).toEqual([])
      await page.close()
    }
  }, 90_000)

  test('the server\'s own pages keep their paths beside it', async () => {
    const { page, problems, status } = await openPage(browser, server.origin, '/auth/sign_up')
    expect(status).toBe(200)
    expect(await page.$('input[name="username"]')).not.toBeNull()
    expect(problems).toEqual([])
    await page.close()
  }, 60_000)
})
