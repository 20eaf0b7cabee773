// The public pages in a real headless Chromium at phone width: they render, fit the screen, log no errors (a CSP
// violation is one) and load nothing from another host. Skipped where Debian's chromium is not installed.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { Browser, Page } from 'puppeteer-core'
import type { Ctx } from '../../src/core/context'
import { createApp } from '../../src/server/app'
import { chromiumAvailable, expectFitsPhone, launchBrowser, openPage } from '../support/browser'
import { contextWith } from '../support/context'
import { makeUser, type MadeUser } from '../support/factories'
import { postStatus } from '../support/http'

describe.skipIf(!chromiumAvailable)('public pages in Chromium', () => {
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
    browser = await launchBrowser()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    server?.stop()
  })

  const open = (path: string) => openPage(browser, origin, path)

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
