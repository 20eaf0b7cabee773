// Streaming soak: `rookery serve` on a fresh PostgreSQL database with many open streaming connections while statuses
// are posted and timelines read, for a bounded time. Prints the delivery latency of stream events (from the moment
// a post is sent to the moment each connection receives it), the server's memory per connection, and its memory at
// the end once the connections are closed, against the idle figure at the start.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/rookery_soak bun bench/soak.ts [--connections 1000] [--seconds 120]
//     [--followers 50] [--posts-per-second 4] [--readers 4]
//
// The database is dropped and created again. Each connection streams `user` for one of the followers of the poster
// (so each post is one event on every connection); readers fetch home timelines in a loop meanwhile.
import { spawn } from 'node:child_process'
import { loadConfig } from '../src/config'
import { createLocalUser } from '../src/core/accounts/create-user'
import { hashPassword } from '../src/core/accounts/passwords'
import type { Ctx } from '../src/core/context'
import { issueToken } from '../src/core/oauth/tokens'
import { openPostgres } from '../src/db/client'
import { migrate } from '../src/db/migrate'
import { freshDatabase } from './database'
import { positiveOption } from './options'
import { memoryMb } from './proc'

const url = process.env.DATABASE_URL
if (!url) {
  console.error('DATABASE_URL is required (a PostgreSQL URL; that database is dropped and created again)')
  process.exit(2)
}
const CONNECTIONS = Math.min(positiveOption('connections', 1000), 5000)
const SECONDS = Math.min(positiveOption('seconds', 120), 1800)
const FOLLOWERS = Math.min(positiveOption('followers', 50), 1000)
const POSTS_PER_SECOND = Math.min(positiveOption('posts-per-second', 4), 100)
const READERS = Math.min(positiveOption('readers', 4), 64)
const PORT = positiveOption('port', 4488)
const BASE = `http://127.0.0.1:${PORT}`

const step = (label: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${label}`)

step(`fresh database; ${FOLLOWERS} followers, ${CONNECTIONS} connections, ${SECONDS} s`)
await freshDatabase(url)
const env = { ...process.env, DATABASE_URL: url, PORT: String(PORT), ROOKERY_DOMAIN: `127.0.0.1:${PORT}`, ROOKERY_BASE_URL: BASE, ROOKERY_LOG_REQUESTS: 'false', ROOKERY_RATE_LIMITS: 'false' }
const database = openPostgres(url, 2)
await migrate(database.db)
const ctx: Ctx = { db: database.db, database, config: loadConfig(env, { databaseUrl: url }), startedAt: new Date() }
const passwordHash = await hashPassword('soak password 123')
const makeUser = async (nickname: string): Promise<{ accountId: string; token: string }> => {
  const made = await createLocalUser(ctx, { nickname, email: `${nickname}@soak.test`, password: 'soak password 123', passwordHash })
  const token = (await issueToken(ctx, { appId: null, userId: made.user.id, scopes: ['read', 'write', 'follow'], withRefresh: false })).accessToken
  return { accountId: made.account.id, token }
}
const poster = await makeUser('poster')
const followers: { accountId: string; token: string }[] = []
for (let i = 0; i < FOLLOWERS; i++) followers.push(await makeUser(`follower${i}`))
await database.close()

const server = spawn(process.execPath, ['src/cli/index.ts', 'serve'], { env, stdio: ['ignore', 'ignore', 'inherit'] })
process.on('exit', () => server.kill('SIGTERM'))
const rssMb = () => memoryMb(server.pid!).rss
for (let i = 0; ; i++) {
  try {
    if ((await fetch(`${BASE}/api/v1/instance`)).ok) break
  } catch {}
  if (i > 300) throw new Error('the server did not start')
  await Bun.sleep(200)
}

const api = (token: string, method: string, path: string, json?: unknown) => fetch(`${BASE}${path}`, {
  method,
  headers: { authorization: `Bearer ${token}`, ...(json ? { 'content-type': 'application/json' } : {}) },
  body: json ? JSON.stringify(json) : undefined,
})
for (const f of followers) {
  const res = await api(f.token, 'POST', `/api/v1/accounts/${poster.accountId}/follow`)
  if (!res.ok) throw new Error(`follow failed: ${res.status}`)
}
await Bun.sleep(3000)
const idleRss = rssMb()
step(`server idle at ${idleRss.toFixed(0)} MB RSS`)

// Connections, each counting what it receives and when.
const sentAt = new Map<number, number>()
const latencies: number[] = []
let received = 0
let closedEarly = 0
let closing = false
const sockets: WebSocket[] = []
await Promise.all(Array.from({ length: CONNECTIONS }, (_, i) => new Promise<void>((ready, fail) => {
  const who = followers[i % followers.length]
  const ws = new WebSocket(`ws://127.0.0.1:${PORT}/api/v1/streaming?stream=user&access_token=${who.token}`)
  const timer = setTimeout(() => fail(new Error('a stream did not open within 30 s')), 30_000)
  ws.onopen = () => { clearTimeout(timer); ready() }
  ws.onerror = () => { clearTimeout(timer); fail(new Error('a stream failed to open')) }
  ws.onclose = () => { if (!closing) closedEarly++ }
  ws.onmessage = (m) => {
    const event = JSON.parse(String(m.data)) as { event: string; payload: string }
    if (event.event !== 'update') return
    const n = Number(/soak-(\d+)/.exec(event.payload)?.[1])
    const t0 = sentAt.get(n)
    if (t0 === undefined) return
    received++
    latencies.push(performance.now() - t0)
  }
  sockets.push(ws)
})))
await Bun.sleep(2000)
const connectedRss = rssMb()
step(`${CONNECTIONS} streams open: ${connectedRss.toFixed(0)} MB RSS, ${(((connectedRss - idleRss) * 1024) / CONNECTIONS).toFixed(1)} KB per connection`)

// Load: posts at a fixed rate, readers in a loop, until the deadline.
const deadline = performance.now() + SECONDS * 1000
let posted = 0
let postErrors = 0
let reads = 0
let peakRss = connectedRss
const posting = (async () => {
  while (performance.now() < deadline) {
    const n = ++posted
    const started = performance.now()
    sentAt.set(n, started)
    const res = await api(poster.token, 'POST', '/api/v1/statuses', { status: `soak-${n} streaming soak`, visibility: 'public' })
    if (!res.ok) postErrors++
    await res.arrayBuffer()
    peakRss = Math.max(peakRss, rssMb())
    const wait = 1000 / POSTS_PER_SECOND - (performance.now() - started)
    if (wait > 0) await Bun.sleep(wait)
  }
})()
const reading = Array.from({ length: READERS }, async (_, i) => {
  while (performance.now() < deadline) {
    const res = await api(followers[i % followers.length].token, 'GET', '/api/v1/timelines/home?limit=20')
    await res.arrayBuffer()
    reads++
  }
})
await Promise.all([posting, ...reading])
await Bun.sleep(3000) // the last events in flight

const expected = posted * CONNECTIONS
latencies.sort((a, b) => a - b)
const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN
closing = true
for (const ws of sockets) ws.close()
await Bun.sleep(5000)
Bun.gc(true)
const endRss = rssMb()

console.log(JSON.stringify({
  connections: CONNECTIONS, seconds: SECONDS, posted, postErrors, timelineReads: reads,
  events: { expected, received, closedEarly, p50ms: +q(0.5).toFixed(1), p99ms: +q(0.99).toFixed(1), maxms: +q(1).toFixed(1) },
  rssMb: { idle: +idleRss.toFixed(0), connected: +connectedRss.toFixed(0), peak: +peakRss.toFixed(0), afterClose: +endRss.toFixed(0) },
  perConnectionKb: +(((connectedRss - idleRss) * 1024) / CONNECTIONS).toFixed(1),
}, null, 2))
server.kill('SIGTERM')
process.exit(received === expected && postErrors === 0 ? 0 : 1)
