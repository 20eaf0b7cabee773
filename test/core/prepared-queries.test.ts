// runPrepared and runPreparedWith (db/prepared.ts): a hot statement built with placeholders and prepared once per
// process under a key.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { sql, type SQL } from 'drizzle-orm'
import { idToUuid, newId } from '../../src/core/ids'
import { openPglite, openPostgres, type Database } from '../../src/db/client'
import { equalArguments, runPrepared, runPreparedWith } from '../../src/db/prepared'
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

describe('prepared queries bound by argument (runPreparedWith)', () => {
  let database: Database
  beforeAll(async () => { database = url ? openPostgres(url, 1) : await openPglite(null) })
  afterAll(() => database.close())

  const ctx = () => ({ db: database.db, database })
  type Args = { viewer: string; ids: string[]; label: string; staff: boolean }
  const probe = (b: Binds, a: Args) => database.db.select({
    viewer: sql<string>`${b.uuid(a.viewer)}::text`,
    ids: sql<string>`array_to_string(${b.uuids(a.ids)}, ',')`,
    label: sql<string>`${b.value(a.label)}::text`,
    staff: sql<boolean>`${b.value(a.staff)}::boolean`,
  }).from(sql`(values (1)) as one(x)`)
  const uuid = (id: string) => idToUuid(id)

  test('each run takes its values from its own arguments, by name', async () => {
    const key = `named-${Date.now()}`
    for (const [i, staff] of [[1, true], [2, false], [3, true]] as const) {
      const a: Args = { viewer: newId(), ids: [newId(), newId()], label: `run ${i}`, staff }
      const [row] = await runPreparedWith(ctx(), key, a, (b) => probe(b, a))
      expect(row).toEqual({ viewer: uuid(a.viewer), ids: a.ids.map(uuid).join(','), label: `run ${i}`, staff })
    }
  })

  test('a value that is none of the arguments is refused', async () => {
    await expect(runPreparedWith(ctx(), `stray-${Date.now()}`, { n: 1 }, (b) => database.db.select({ n: sql<number>`${b.value(2)}::int` })
      .from(sql`(values (1)) as one(x)`))).rejects.toThrow('none of the statement')
  })

  test('runs whose arguments are equal in another way than the kept statement\'s get a statement of their own', async () => {
    const key = `equal-${Date.now()}`
    const pair = (a: { x: string; y: string }) => (b: Binds) => database.db.select({ x: sql<string>`${b.value(a.x)}::text`, y: sql<string>`${b.value(a.y)}::text` })
      .from(sql`(values (1)) as one(x)`)
    for (const a of [{ x: 'same', y: 'same' }, { x: 'one', y: 'two' }, { x: 'again', y: 'again' }, { x: 'three', y: 'four' }]) {
      expect(await runPreparedWith(ctx(), key, a, pair(a))).toEqual([a])
    }
  })

  test('the key names which arguments equal an earlier one', () => {
    expect(equalArguments({ viewer: 'a', account: 'b', ids: ['c', 'd'] })).toBe('')
    expect(equalArguments({ viewer: 'a', account: 'a', ids: ['c'], more: ['c'], none: null, also: null })).toBe(':account=viewer:more=ids')
    expect(equalArguments({ a: ['x', 'y'], b: ['x'], c: undefined })).toBe('')
  })

  test('a key whose build binds the arguments otherwise than the kept statement fails under test', async () => {
    const key = `rebound-${Date.now()}`
    const a = { x: 'a', y: 'b' }
    const select = (first: SQL, second: SQL) => database.db.select({ p: sql<string>`${first}::text`, q: sql<string>`${second}::text` }).from(sql`(values (1)) as one(x)`)
    await runPreparedWith(ctx(), key, a, (b) => select(b.value(a.x), b.value(a.y)))
    await expect(runPreparedWith(ctx(), key, a, (b) => select(b.value(a.y), b.value(a.x)))).rejects.toThrow('built another statement')
  })

  test('inside a transaction the statement is built and run on the transaction', async () => {
    const inside = await database.db.transaction(async (tx) => {
      await tx.execute(sql`create temporary table named_probe (n text) on commit drop`)
      await tx.execute(sql`insert into named_probe values ('seven')`)
      const a = { suffix: '!' }
      return runPreparedWith({ db: tx, database }, `named-tx-${Date.now()}`, a, (b) => tx.select({ n: sql<string>`n || ${b.value(a.suffix)}::text` }).from(sql`named_probe`))
    })
    expect(inside).toEqual([{ n: 'seven!' }])
  })
})
