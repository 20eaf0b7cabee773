import { describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { testApp } from '../support/context'

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
})
