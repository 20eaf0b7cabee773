// How many connections a process opens to PostgreSQL: twice the cores within 4..10 unless ROOKERY_DB_POOL says.
import { describe, expect, test } from 'bun:test'
import { eq, sql } from 'drizzle-orm'
import { defaultPoolSize, loadConfig } from '../../src/config'
import { openContext } from '../../src/context'
import { checkHealth } from '../../src/core/instance/health'
import { resultRows } from '../../src/db/client'
import { statusTags, tags } from '../../src/db/schema'
import { postStatus } from '../../src/core/statuses/post-status'
import { createPostgresDatabase } from '../support/context'
import { makeUser } from '../support/factories'

const url = process.env.TEST_DATABASE_URL
const env = (extra: Record<string, string> = {}) => ({ ROOKERY_CONFIG: undefined, ROOKERY_DOMAIN: 'pool.test', ...extra })

describe('database pool size', () => {
  test('by default twice the cores, at least 4 and at most 10', () => {
    expect([1, 2, 3, 4, 5, 8, 64].map((cores) => defaultPoolSize(cores))).toEqual([4, 4, 6, 8, 10, 10, 10])
    expect(loadConfig(env()).databasePoolSize).toBe(defaultPoolSize())
  })

  test('ROOKERY_DB_WRITE_POOL gives transactions connections of their own; none by default', () => {
    expect(loadConfig(env()).databaseWritePoolSize).toBe(0)
    expect(loadConfig(env({ ROOKERY_DB_WRITE_POOL: '2' })).databaseWritePoolSize).toBe(2)
    for (const bad of ['-1', '1.5', 'some']) expect(() => loadConfig(env({ ROOKERY_DB_WRITE_POOL: bad }))).toThrow()
  })

  test.if(!!url)('with a write pool, a read does not wait for a connection held by a transaction, and posts read back as before (PostgreSQL)', async () => {
    const created = await createPostgresDatabase(url!, 'writepool')
    const ctx = await openContext({ config: loadConfig(env({ DATABASE_URL: created.url, ROOKERY_DB_POOL: '1', ROOKERY_DB_WRITE_POOL: '1' })), role: 'test', migrate: true })
    try {
      let release!: () => void
      const held = new Promise<void>((resolve) => { release = resolve })
      let began!: () => void
      const open = new Promise<void>((resolve) => { began = resolve })
      const transaction = ctx.db.transaction(async (tx) => {
        await tx.execute(sql`select 1`)
        began()
        await held
      })
      await open
      // one connection for reads, one for transactions: with a single shared one this read would wait for the commit
      const [row] = resultRows<{ n: number }>(await ctx.db.execute(sql`select 2 as n`))
      expect(Number(row.n)).toBe(2)
      release()
      await transaction

      // the transactions' client encodes and decodes as Drizzle expects (JSON parameters, timestamps as text)
      const user = await makeUser(ctx)
      const status = await postStatus(ctx, { accountId: user.account.id }, { status: 'on a connection of its own #pools' })
      expect(Number.isNaN(status.createdAt.getTime())).toBe(false)
      const tagged = await ctx.db.select({ name: tags.name }).from(statusTags).innerJoin(tags, eq(tags.id, statusTags.tagId))
        .where(eq(statusTags.statusId, status.id))
      expect(tagged).toEqual([{ name: 'pools' }])
    } finally {
      await ctx.database.close()
      await created.drop()
    }
  })

  test('ROOKERY_DB_POOL sets it; anything but a whole number from 1 is refused', () => {
    expect(loadConfig(env({ ROOKERY_DB_POOL: '3' })).databasePoolSize).toBe(3)
    expect(loadConfig(env({ ROOKERY_DB_POOL: '' })).databasePoolSize).toBe(defaultPoolSize())
    for (const bad of ['0', '-2', '2.5', 'many']) expect(() => loadConfig(env({ ROOKERY_DB_POOL: bad }))).toThrow()
  })

  test.if(!!url)('a process opens at most that many connections (PostgreSQL)', async () => {
    const created = await createPostgresDatabase(url!, 'pool')
    const ctx = await openContext({ config: loadConfig(env({ DATABASE_URL: created.url, ROOKERY_DB_POOL: '3' })), role: 'test', migrate: true })
    try {
      expect((await checkHealth(ctx)).poolSize).toBe(3)
      // more queries at once than connections: they share the three
      await Promise.all(Array.from({ length: 12 }, () => ctx.db.execute(sql`select pg_sleep(0.05)`)))
      const [row] = resultRows<{ n: number }>(await ctx.db.execute(
        sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = 'rookery'`))
      expect(row.n).toBeLessThanOrEqual(3)
    } finally {
      await ctx.database.close()
      await created.drop()
    }
  })
})
