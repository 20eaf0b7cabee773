// The same-run floor of bench/run.ts: the least any API server on this stack can do per request. Bun answers one
// indexed SELECT through postgres.js as JSON, nothing else: no routing, authentication or rendering. Rates measured in
// the same run are printed as a fraction of this one, which stays comparable while a shared machine's speed swings.
//
//   DATABASE_URL=... bun bench/floor.ts <port>
import postgres from 'postgres'

const url = process.env.DATABASE_URL
const port = Number(process.argv[2])
if (!url || !port) {
  console.error('usage: DATABASE_URL=... bun bench/floor.ts <port>')
  process.exit(2)
}
// named, so that bench/run.ts can find its backends and count their CPU time
const sql = postgres(url, { max: 4, connection: { application_name: 'rookery-bench-floor' } })
const ids = (await sql`select id from accounts order by id limit 1000`).map((r) => r.id as string)

Bun.serve({
  hostname: '127.0.0.1',
  port,
  async fetch() {
    const id = ids[Math.floor(Math.random() * ids.length)]
    const [row] = await sql`select id, username, display_name, followers_count, created_at from accounts where id = ${id}`
    return Response.json(row)
  },
})
