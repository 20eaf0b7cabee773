import { describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { Elysia } from 'elysia'
import { createApp } from '../../src/server/app'
import { getTestContext, testApp } from '../support/context'

type Hook = { fn: Function; scope?: string }
const hookList = (v: unknown): Hook[] => (v == null ? [] : ((Array.isArray(v) ? v : [v]) as Hook[]))

describe('route table', () => {
  test('every route declares an auth rule', async () => {
    const app = await testApp()
    const missing = app.routes
      .filter((r) => !(r.hooks as any)?.detail?.['x-auth'])
      .map((r) => `${r.method} ${r.path}`)
    expect(app.routes.length).toBeGreaterThan(0)
    expect(missing).toEqual([])
  })

  test('HTTP handlers never import the database layer directly', () => {
    const offenders: string[] = []
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name)
        if (statSync(path).isDirectory()) walk(path)
        else if (/\.tsx?$/.test(name) && /from ['"](drizzle-orm|.*\/db\/client)/.test(readFileSync(path, 'utf8'))) offenders.push(path)
      }
    }
    walk('src/server/api')
    expect(offenders).toEqual([])
  })

  test('each route is registered once', async () => {
    // A feature module built as an Elysia instance of its own has its routes added again by every `.use()` between it
    // and the app: each addition merges the route's hooks anew, and a start pays for all of them.
    const proto = Elysia.prototype as unknown as { add: (...args: unknown[]) => unknown }
    const add = proto.add
    let additions = 0
    proto.add = function (this: unknown, ...args: unknown[]) {
      additions++
      return add.apply(this, args)
    }
    let app
    try {
      app = createApp(await getTestContext())
    } finally {
      proto.add = add
    }
    const routes = app.routes.map((r) => `${r.method} ${r.path}`)
    expect(new Set(routes).size).toBe(routes.length)
    expect(additions).toBe(routes.length)
  })

  test("every route runs the app's own hooks: parsing, rate limits, errors, compression", async () => {
    const app = await testApp()
    const event = app.event as Record<string, unknown>
    const kinds = ['parse', 'transform', 'beforeHandle', 'error', 'mapResponse'] as const
    for (const kind of kinds) expect(hookList(event[kind]).filter((h) => h.scope === 'global').length).toBeGreaterThan(0)
    const missing: string[] = []
    for (const route of app.routes) {
      const hooks = route.hooks as Record<string, unknown>
      for (const kind of kinds) {
        const expected = hookList(event[kind]).filter((h) => h.scope === 'global').map((h) => h.fn)
        // the app's hooks first, in the app's order, then the route's own (the `auth` macro's resolve)
        const actual = hookList(hooks[kind]).slice(0, expected.length).map((h) => h.fn)
        if (actual.length !== expected.length || actual.some((fn, i) => fn !== expected[i])) missing.push(`${route.method} ${route.path} ${kind}`)
      }
    }
    expect(missing).toEqual([])
  })

  test("a module's own hook stays on its routes", async () => {
    // filters.ts tells streaming clients of changes from an afterHandle hook of each filter route; routes are added to
    // the app itself, so an `onAfterHandle` there would reach every route added after it.
    const app = await testApp()
    const withAfterHandle = app.routes.filter((r) => hookList((r.hooks as Record<string, unknown>).afterHandle).length > 0).map((r) => r.path)
    expect(withAfterHandle.length).toBeGreaterThan(0)
    expect(withAfterHandle.filter((path) => !/^\/api\/v[12]\/filter/.test(path))).toEqual([])
    const filterRoutes = app.routes.filter((r) => /^\/api\/v[12]\/filter/.test(r.path))
    expect(withAfterHandle.length).toBe(filterRoutes.length)
  })
})
