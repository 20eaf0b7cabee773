import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { openPglite, type Database } from '../../src/db/client'
import { servePgliteSocket, type PgliteSocketServer } from '../../src/db/pglite-socket'

let database: Database
let server: PgliteSocketServer
let dir: string

const client = () => postgres({ path: server.path, database: 'postgres', username: 'postgres', max: 1, prepare: false, onnotice: () => {} })
const md5 = (s: string) => createHash('md5').update(s).digest('hex')

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rookery-socket-'))
  database = await openPglite(null)
  server = await servePgliteSocket(database.pglite!, join(dir, '.s.PGSQL.test'))
  await database.pglite!.exec('create table blobs (id int primary key, body text not null)')
}, 60_000)

afterAll(async () => {
  await server?.stop()
  await database?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('PGlite socket bridge', () => {
  test('large results arrive intact, many times over', async () => {
    const sql = client()
    try {
      for (let round = 0; round < 5; round++) {
        // about 2.4 MB of rows, each distinct, so a reused or reordered chunk shows
        const rows = await sql`select i, md5(i::text) || repeat(chr(65 + i % 26), 1100) as body from generate_series(1, 2000) i`
        expect(rows.length).toBe(2000)
        for (const [n, row] of rows.entries()) {
          expect(row.i).toBe(n + 1)
          expect(row.body.slice(0, 32)).toBe(md5(String(n + 1)))
          expect(row.body.length).toBe(32 + 1100)
        }
        const json = await sql`select json_agg(json_build_object('i', i, 'pad', repeat('y', 200))) as doc from generate_series(1, 3000) i`
        expect(JSON.parse(JSON.stringify(json[0].doc)).length).toBe(3000)
      }
    } finally {
      await sql.end({ timeout: 5 })
    }
  }, 60_000)

  test('a large write arrives intact', async () => {
    const sql = client()
    try {
      const body = Array.from({ length: 60_000 }, (_, i) => `${i}:${md5(String(i))}`).join(',') // about 2.5 MB
      await sql`insert into blobs (id, body) values (1, ${body})`
      const [row] = await sql`select md5(body) as hash, length(body) as len from blobs where id = 1`
      expect(row.hash).toBe(md5(body))
      expect(Number(row.len)).toBe(body.length)
      const [back] = await sql`select body from blobs where id = 1`
      expect(back.body === body).toBe(true)
    } finally {
      await sql.end({ timeout: 5 })
    }
  }, 60_000)

  test('concurrent clients, interleaved with the server\'s own queries, each get their own answers', async () => {
    const clients = Array.from({ length: 4 }, client)
    try {
      const work = clients.map(async (sql, c) => {
        for (let round = 0; round < 5; round++) {
          const size = 200 + 300 * c + round
          const rows = await sql`select ${c}::int as c, i, repeat(${String.fromCharCode(97 + c)}, 500) as pad from generate_series(1, ${size}::int) i`
          expect(rows.length).toBe(size)
          expect(rows.every((r, k) => r.c === c && r.i === k + 1 && r.pad === String.fromCharCode(97 + c).repeat(500))).toBe(true)
          await sql.begin(async (tx) => {
            await tx`insert into blobs (id, body) values (${100 + c * 10 + round}, ${'z'.repeat(50_000 + c)})`
            const [r] = await tx`select length(body) as len from blobs where id = ${100 + c * 10 + round}`
            expect(Number(r.len)).toBe(50_000 + c)
          })
        }
      })
      const own = (async () => {
        for (let i = 0; i < 10; i++) {
          const res = await database.pglite!.query<{ n: number }>('select count(*)::int as n from generate_series(1, 1000)')
          expect(res.rows[0].n).toBe(1000)
        }
      })()
      await Promise.all([...work, own])
      const [{ n }] = await clients[0]`select count(*)::int as n from blobs where id >= 100`
      expect(n).toBe(20)
    } finally {
      await Promise.all(clients.map((sql) => sql.end({ timeout: 5 })))
    }
  }, 60_000)
})
