// On PostgreSQL, Drizzle's parameterized statements are named on first use and reused on that connection (planned
// once, then from the cached plan), unless the database URL says `prepare=false` (for poolers that cannot keep them).
import { describe, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { openPostgres, resultRows } from '../../src/db/client'

const url = process.env.TEST_DATABASE_URL

async function preparedAfterTwoRuns(databaseUrl: string): Promise<{ name: string; custom: number }[]> {
  const database = openPostgres(databaseUrl, 1) // one connection: the statements below share it
  try {
    const marker = `prepared_probe_${Date.now()}`
    for (const n of [1, 2]) await database.db.execute(sql`select ${n}::int as n, ${marker}::text as marker`)
    const rows = resultRows<{ name: string; custom_plans: string }>(await database.db.execute(
      sql`select name, custom_plans from pg_prepared_statements where statement like ${'%::text as marker%'} and statement not like '%pg_prepared_statements%'`))
    return rows.map((r) => ({ name: r.name, custom: Number(r.custom_plans) }))
  } finally {
    await database.close()
  }
}

describe.if(!!url)('prepared statements on PostgreSQL', () => {
  test('a parameterized statement is prepared once and run again by name', async () => {
    const found = await preparedAfterTwoRuns(url!)
    expect(found).toHaveLength(1)
    expect(found[0].name).not.toBe('')
    expect(found[0].custom).toBe(2)
  })

  test('so is one in a transaction and in a savepoint', async () => {
    const database = openPostgres(url!, 1)
    try {
      const marker = `prepared_tx_probe_${Date.now()}`
      const probe = (db: { execute: typeof database.db.execute }, n: number) => db.execute(sql`select ${n}::int as n, ${marker}::text as tx_marker`)
      const names = await database.db.transaction(async (tx) => {
        await probe(tx, 1)
        await tx.transaction(async (inner) => { await probe(inner, 2) })
        return resultRows<{ name: string }>(await tx.execute(
          sql`select name from pg_prepared_statements where statement like ${'%::text as tx_marker%'} and statement not like '%pg_prepared_statements%'`))
      })
      expect(names).toHaveLength(1)
      expect(names[0].name).not.toBe('')
    } finally {
      await database.close()
    }
  })

  test('prepare=false in the database URL sends them unnamed', async () => {
    const u = new URL(url!)
    u.searchParams.set('prepare', 'false')
    expect(await preparedAfterTwoRuns(u.toString())).toEqual([])
  })
})
