// What the patched postgres.js client (patches/postgres+3.4.9.patch) must keep doing now that only the first connection
// of a pool reads the database's array types: every connection parses and sends arrays, and a connection opened for
// `reserve()` after the types were read is handed over (it used to wait forever).
import { afterAll, describe, expect, test } from 'bun:test'
import postgres from 'postgres'

const url = process.env.TEST_DATABASE_URL

describe.skipIf(!url)('a pool whose connections share the array types', () => {
  const sql = postgres(url!, { max: 4, idle_timeout: 0, onnotice: () => {} })
  afterAll(() => sql.end({ timeout: 5 }))

  test('reserved connections opened after the types were read are handed over, and all of them parse arrays', async () => {
    const [{ first }] = await sql`select array[1, 2, 3]::int[] as first`
    expect(first).toEqual([1, 2, 3])
    // three more connections, each opened for a reservation: none of them reads the types again
    const reserved = await Promise.race([
      Promise.all([sql.reserve(), sql.reserve(), sql.reserve()]),
      Bun.sleep(15_000).then(() => null),
    ])
    expect(reserved).not.toBeNull()
    try {
      const pids = new Set<number>()
      for (const connection of reserved!) {
        const [row] = await connection`select pg_backend_pid() as pid, array['a', 'b']::text[] as texts, ${[4, 5]}::int[] as sent`
        pids.add(row.pid)
        expect(row.texts).toEqual(['a', 'b'])
        expect(row.sent).toEqual([4, 5])
      }
      expect(pids.size).toBe(3)
    } finally {
      for (const connection of reserved ?? []) connection.release()
    }
    // the pool's own queries on those connections too
    const rows = await Promise.all([1, 2, 3, 4].map((n) => sql`select array[${n}, ${n}]::int[] as pair`))
    expect(rows.map(([r]) => r.pair)).toEqual([[1, 1], [2, 2], [3, 3], [4, 4]])
  }, 60_000)
})
