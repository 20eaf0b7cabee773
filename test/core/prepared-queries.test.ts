// runPrepared (db/prepared.ts): a hot statement built with placeholders and prepared once per process under a key.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { openPglite, openPostgres, type Database } from '../../src/db/client'
import { runPrepared } from '../../src/db/prepared'
import type { Binds } from '../../src/db/sql'

const url = process.env.TEST_DATABASE_URL

describe('prepared queries', () => {
  let database: Database
  beforeAll(async () => { database = url ? openPostgres(url, 1) : await openPglite(null) })
  afterAll(() => database.close())

  const ctx = () => ({ db: database.db, database })
  const numbers = (b: Binds, n: number, text: string) => database.db.select({ n: sql<number>`${b.value(n)}::int`, text: sql<string>`${b.value(text)}::text` })
    .from(sql`(values (1)) as one(x)`)

  test('each run binds its own values to the kept statement', async () => {
    const key = `probe-${Date.now()}`
    const seen = []
    for (const n of [1, 2, 3]) seen.push((await runPrepared(ctx(), key, (b) => numbers(b, n, `run ${n}`)))[0])
    expect(seen).toEqual([{ n: 1, text: 'run 1' }, { n: 2, text: 'run 2' }, { n: 3, text: 'run 3' }])
  })

  test('a value bound in place is refused, so that no run reuses another run\'s value', async () => {
    await expect(runPrepared(ctx(), `inline-${Date.now()}`, () => database.db.select({ n: sql<number>`${5}::int` }).from(sql`(values (1)) as one(x)`)))
      .rejects.toThrow('bound in place')
  })

  test('a key that builds another statement than the kept one fails under test', async () => {
    const key = `shape-${Date.now()}`
    await runPrepared(ctx(), key, (b) => numbers(b, 1, 'a'))
    await expect(runPrepared(ctx(), key, (b) => database.db.select({ n: sql<number>`${b.value(1)}::bigint` }).from(sql`(values (1)) as one(x)`)))
      .rejects.toThrow('built another statement')
  })

  test('inside a transaction the statement is built on the transaction and runs there', async () => {
    const key = `tx-${Date.now()}`
    const inside = await database.db.transaction(async (tx) => {
      await tx.execute(sql`create temporary table prepared_probe (n int) on commit drop`)
      await tx.execute(sql`insert into prepared_probe values (7)`)
      return runPrepared({ db: tx, database }, key, (b) => tx.select({ n: sql<number>`n + ${b.value(1)}::int` }).from(sql`prepared_probe`))
    })
    expect(inside).toEqual([{ n: 8 }])
  })
})
