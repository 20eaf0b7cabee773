// Headless Chromium (Debian's package, driven by puppeteer-core) for the browser tests, at phone width, recording
// console errors, page errors and any request to another host.
import { expect } from 'bun:test'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'puppeteer-core'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const chromiumAvailable = existsSync(CHROMIUM)
export const PHONE = { width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }

export async function launchBrowser(): Promise<Browser> {
  const puppeteer = await import('puppeteer-core')
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
  })
}

export interface OpenedPage {
  page: Page
  /** console errors, uncaught errors (a CSP violation is one) and requests to other hosts, as they happen */
  problems: string[]
  status: number
}

/** A new phone-sized page that may load only from `origin` (and data: URLs), opened at `path`. */
export async function openPage(browser: Browser, origin: string, path: string): Promise<OpenedPage> {
  const page = await browser.newPage()
  await page.setViewport(PHONE)
  const problems: string[] = []
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`) })
  page.on('pageerror', (e) => problems.push(`page error: ${String(e)}`))
  page.on('response', (r) => { if (r.status() >= 400 && r.request().resourceType() !== 'document') problems.push(`HTTP ${r.status()}: ${r.url()}`) })
  await page.setRequestInterception(true)
  page.on('request', (r) => {
    if (r.url().startsWith(`${origin}/`) || r.url().startsWith('data:')) return void r.continue()
    problems.push(`request to another host: ${r.url()}`)
    void r.abort()
  })
  const res = await page.goto(`${origin}${path}`, { waitUntil: 'load', timeout: 30_000 })
  await screenshot(page, path)
  return { page, problems, status: res?.status() ?? 0 }
}

/** With ROOKERY_SCREENSHOTS=dir, a full-page PNG of what the test saw, to look at by eye. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.ROOKERY_SCREENSHOTS
  if (!dir) return
  mkdirSync(dir, { recursive: true })
  await page.screenshot({ path: join(dir, `${name.replace(/[^A-Za-z0-9]+/g, '_') || 'home'}.png`) as `${string}.png`, fullPage: true })
}

export async function expectFitsPhone(page: Page): Promise<void> {
  const width = await page.evaluate(() => document.documentElement.scrollWidth)
  expect(width).toBeLessThanOrEqual(PHONE.width)
}

/** The `name` of the focused element, or its text for buttons. */
export function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLInputElement | null
    if (!el) return ''
    return (el.tagName === 'BUTTON' || el.tagName === 'A' ? el.textContent ?? '' : el.name ?? '').trim()
  })
}
