// The public pages in a real headless Chromium at phone width: they render, fit the screen, log no errors (a CSP
// violation is one) and load nothing from another host. Skipped where Debian's chromium is not installed.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'puppeteer-core'
import type { Ctx } from '../../src/core/context'
import { createApp } from '../../src/server/app'
import { contextWith } from '../support/context'
import { makeUser, type MadeUser } from '../support/factories'
import { postStatus } from '../support/http'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const available = existsSync(CHROMIUM)
const PHONE = { width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }

describe.skipIf(!available)('public pages in Chromium', () => {
  let ctx: Ctx
  let server: { stop: () => void; port: number }
  let origin: string
  let browser: Browser
  let alice: MadeUser
  let status: { id: string }

  beforeAll(async () => {
    ctx = await contextWith({})
    const app = createApp(ctx).listen({ port: 0, hostname: '127.0.0.1' })
    server = { port: app.server!.port!, stop: () => app.stop(true) }
    origin = `http://127.0.0.1:${server.port}`
    // Every absolute URL the pages print (avatars, links) must point at this server, never at a real host.
    Object.assign(ctx.config, { baseUrl: origin, domain: `127.0.0.1:${server.port}` })
    alice = await makeUser(ctx, { account: { displayName: 'Alice in the browser', note: '<p>A bio that wraps on a narrow screen, with a long link https://example.invalid/a/very/long/path/that/should/not/overflow</p>' } })
    status = await postStatus(alice, { status: 'Hello from a phone-sized page #browsertest' })
    await postStatus(alice, { status: 'not for the web', visibility: 'private' })
    const puppeteer = await import('puppeteer-core')
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
    })
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    server?.stop()
  })

  /** Opens a path and returns the page with what went wrong while loading it. */
  async function open(path: string): Promise<{ page: Page; problems: string[]; status: number }> {
    const page = await browser.newPage()
    await page.setViewport(PHONE)
    const problems: string[] = []
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`) })
    page.on('pageerror', (e) => problems.push(`page error: ${String(e)}`))
    await page.setRequestInterception(true)
    page.on('request', (r) => {
      if (r.url().startsWith(`${origin}/`) || r.url().startsWith('data:')) return void r.continue()
      problems.push(`request to another host: ${r.url()}`)
      void r.abort()
    })
    const res = await page.goto(`${origin}${path}`, { waitUntil: 'load', timeout: 30_000 })
    const shots = process.env.ROOKERY_SCREENSHOTS
    if (shots) {
      mkdirSync(shots, { recursive: true })
      await page.screenshot({ path: join(shots, `${path.replace(/[^A-Za-z0-9]+/g, '_') || 'home'}.png`) as `${string}.png`, fullPage: true })
    }
    return { page, problems, status: res?.status() ?? 0 }
  }

  async function expectFitsPhone(page: Page) {
    const width = await page.evaluate(() => document.documentElement.scrollWidth)
    expect(width).toBeLessThanOrEqual(PHONE.width)
  }

  test('the landing page', async () => {
    const { page, problems, status } = await open('/')
    expect(status).toBe(200)
    expect(await page.$eval('h1', (h) => h.textContent)).toBe(ctx.config.instance.name)
    expect(await page.$eval('a.button[href="/auth/sign_up"]', (a) => a.textContent)).toBe('Create an account')
    await expectFitsPhone(page)
    expect(problems).toEqual([])
    await page.close()
  }, 60_000)

  test('a profile', async () => {
    const { page, problems, status } = await open(`/@${alice.account.username}`)
    expect(status).toBe(200)
    expect(await page.$eval('h1', (h) => h.textContent)).toBe('Alice in the browser')
    const posts = await page.$$eval('article .content', (els) => els.map((e) => e.textContent))
    expect(posts).toEqual(['Hello from a phone-sized page #browsertest'])
    const avatarLoaded = await page.$eval('.profile img.avatar', (img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0)
    expect(avatarLoaded).toBe(true)
    await expectFitsPhone(page)
    expect(problems).toEqual([])
    await page.close()
  }, 60_000)

  test('a status page, reached from its /notice link', async () => {
    const { page, problems, status: code } = await open(`/notice/${status.id}`)
    expect(code).toBe(200)
    expect(page.url()).toBe(`${origin}/@${alice.account.username}/${status.id}`)
    expect(await page.$eval('article.focus .content', (e) => e.textContent)).toBe('Hello from a phone-sized page #browsertest')
    await expectFitsPhone(page)
    expect(problems).toEqual([])
    await page.close()
  }, 60_000)

  test('the sign-up form is usable with the keyboard alone', async () => {
    const { page, problems } = await open('/auth/sign_up')
    await page.focus('input[name="username"]')
    await page.keyboard.type('keyboarduser')
    await page.keyboard.press('Tab')
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement).name)).toBe('email')
    await expectFitsPhone(page)
    expect(problems).toEqual([])
    await page.close()
  }, 60_000)
})
