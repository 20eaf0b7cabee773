import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { SQL } from 'drizzle-orm'
import postgres from 'postgres'
import { loadConfig, type Config } from '../../src/config'
import type { Ctx } from '../../src/core/context'
import { openPglite, openPostgres, type Database } from '../../src/db/client'
import { migrate } from '../../src/db/migrate'
import { createApp, type App } from '../../src/server/app'

let shared: Promise<{ ctx: Ctx; dropDb?: () => Promise<void> }> | null = null

export const TEST_DOMAIN = 'rookery.test'

export function testConfig(overrides: Partial<Config> = {}): Config {
  // Request limits are off for tests; the rate-limit tests switch them on with contextWith.
  // Uploads made by tests go to a temporary folder, never into the checkout's data/.
  const media = { dir: join(tmpdir(), `rookery-test-media-${process.pid}`), baseUrl: null, s3: null }
  // The published counts are counted for each request: tests check them right after what changes them (the reuse of
  // recent counts has a test of its own).
  return loadConfig({ ROOKERY_CONFIG: undefined, ROOKERY_DOMAIN: TEST_DOMAIN, PORT: '4000' }, { databaseUrl: null, rateLimits: { enabled: false }, media, instanceStatsSeconds: 0, ...overrides })
}

/** A fresh, empty PostgreSQL database next to the one `url` names, and how to drop it again. */
export async function createPostgresDatabase(url: string, label = 'test'): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `rookery_${label}_${process.pid}_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`
  const admin = postgres(url, { max: 1, onnotice: () => {} })
  await admin.unsafe(`create database "${name}"`)
  const target = new URL(url)
  target.pathname = `/${name}`
  return {
    url: target.toString(),
    drop: async () => {
      await admin.unsafe(`drop database if exists "${name}" with (force)`)
      await admin.end({ timeout: 5 })
    },
  }
}

async function createDatabase(): Promise<{ database: Database; dropDb?: () => Promise<void> }> {
  const url = process.env.TEST_DATABASE_URL
  if (!url) return { database: await openPglite(null) }
  const created = await createPostgresDatabase(url)
  return { database: openPostgres(created.url, 10), dropDb: created.drop }
}

/** The shared test context: a migrated database and a test config. */
export function getTestContext(): Promise<Ctx> {
  shared ??= (async () => {
    const { database, dropDb } = await createDatabase()
    await migrate(database.db)
    return { ctx: { db: database.db, database, config: testConfig(), startedAt: new Date() }, dropDb }
  })()
  return shared.then((s) => s.ctx)
}

export async function closeTestContext() {
  if (!shared) return
  const s = await shared
  shared = null
  await s.ctx.database.close()
  await s.dropDb?.()
  rmSync(s.ctx.config.media.dir, { recursive: true, force: true })
}

/** A context sharing the test database but with another configuration (registration mode, limits...). */
export async function contextWith(overrides: Partial<Config>): Promise<Ctx> {
  const ctx = await getTestContext()
  return { ...ctx, config: { ...ctx.config, ...overrides } }
}

const apps = new WeakMap<Ctx, App>()
export async function testApp(ctx?: Ctx): Promise<App> {
  const c = ctx ?? (await getTestContext())
  let app = apps.get(c)
  if (!app) apps.set(c, (app = createApp(c)))
  return app
}

/**
 * Runs a statement on a connection of its own, as another process sharing the database would (on PGlite, the one
 * engine): for what must reach this process by notification or by a version it reads, not through its own writes.
 */
export async function elsewhere(ctx: Ctx, statement: SQL) {
  if (ctx.database.kind === 'pglite') return ctx.db.execute(statement)
  const client = (ctx.db as any).$client
  const own = await client.reserve()
  try {
    const { sql: text, params } = (ctx.db as any).dialect.sqlToQuery(statement)
    return await own.unsafe(text, params)
  } finally {
    own.release()
  }
}
