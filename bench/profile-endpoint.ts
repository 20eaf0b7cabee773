// Where an API request's time goes, in-process on a seeded database (bench/seed.ts): requests go through the whole
// app (`app.handle`, no sockets), one after the other, and it prints the wall time and statements per request and the
// CPU time per request of this process and of its PostgreSQL backends (read from /proc, so PostgreSQL must run on the
// same machine). Run it with `bun --cpu-prof` to see what the JavaScript side spends its time on.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/rookery_bench bun bench/profile-endpoint.ts [--kind verify_credentials|relationships|status|post] [--rounds 2000] [--cold]
//
// `--cold` empties the render cache (src/server/render/cache.ts) before each request, so every status is rendered as
// on a cache miss (a third of `status` requests in a run of bench/run.ts).
import { desc, eq, gt, inArray } from 'drizzle-orm'
import { loadConfig } from '../src/config'
import type { Ctx } from '../src/core/context'
import { startJobs } from '../src/core/jobs'
import { issueToken } from '../src/core/oauth/tokens'
import { openPostgres } from '../src/db/client'
import { accounts, statuses, users } from '../src/db/schema'
import { createApp } from '../src/server/app'
import { renderCacheOf } from '../src/server/render/cache'
import { option } from './options'
import { backendsCpuMs } from './proc'

const url = process.env.DATABASE_URL
if (!url) {
  console.error('DATABASE_URL is required (a database seeded with bench/seed.ts)')
  process.exit(2)
}
const KINDS = ['verify_credentials', 'relationships', 'status', 'post'] as const
const KIND = option('kind', 'verify_credentials') as (typeof KINDS)[number]
if (!KINDS.includes(KIND)) throw new Error(`--kind is one of ${KINDS.join(', ')}`)
const ROUNDS = Number(option('rounds', KIND === 'post' ? '300' : '2000'))
const COLD = process.argv.includes('--cold')

const database = openPostgres(url, 10)
const config = loadConfig({ ...process.env, ROOKERY_RATE_LIMITS: 'false', ROOKERY_LOG_REQUESTS: 'false' }, { databaseUrl: url })
const ctx: Ctx = { db: database.db, database, config, startedAt: new Date() }
// Posting sends jobs (publishing, cards) in its transaction as `serve` does; nothing here works them off.
if (KIND === 'post') ctx.jobs = await startJobs(database, { supervise: false, runner: false })
const app = createApp(ctx)

// The same viewers and targets as bench/run.ts.
const viewers = await ctx.db.select({ userId: users.id }).from(users).innerJoin(accounts, eq(accounts.id, users.accountId))
  .where(gt(accounts.followingCount, 0)).orderBy(desc(accounts.followingCount)).limit(50)
const tokens = await Promise.all(viewers.map(async (v) =>
  (await issueToken(ctx, { appId: null, userId: v.userId, scopes: ['read', 'write'], withRefresh: false })).accessToken))
const targets = (await ctx.db.select({ id: accounts.id }).from(accounts).orderBy(desc(accounts.followersCount)).limit(200)).map((r) => r.id)
const statusIds = (await ctx.db.select({ id: statuses.id }).from(statuses)
  .where(inArray(statuses.visibility, ['public', 'unlisted'])).orderBy(desc(statuses.id)).limit(2000)).map((r) => r.id)
// a status is read once in the warm-up (its parts then kept by the render cache, as in a run of bench/run.ts)
const WARMUP = KIND === 'status' ? statusIds.length : Math.min(100, ROUNDS)

const base = config.baseUrl
let posted = 0
function request(i: number): Request {
  const headers = { authorization: `Bearer ${tokens[i % tokens.length]}` }
  if (KIND === 'verify_credentials') return new Request(`${base}/api/v1/accounts/verify_credentials`, { headers })
  if (KIND === 'relationships') {
    const ids = Array.from({ length: 10 }, (_, k) => `id[]=${targets[(i * 7 + k * 13) % targets.length]}`).join('&')
    return new Request(`${base}/api/v1/accounts/relationships?${ids}`, { headers })
  }
  if (KIND === 'status') return new Request(`${base}/api/v1/statuses/${statusIds[(i * 7) % statusIds.length]}`, { headers })
  return new Request(`${base}/api/v1/statuses`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ status: `profiled post ${++posted} #benchtag${1 + (posted % 200)}`, visibility: 'public' }),
  })
}

let statements = 0
database.queries.watch(() => { statements++ })
let wall = 0
let cpuStart = process.cpuUsage()
let backendsStart = 0
let bytes = 0
for (let i = 0; i < WARMUP + ROUNDS; i++) {
  if (i === WARMUP) {
    wall = 0
    statements = 0
    backendsStart = await backendsCpuMs(ctx.db)
    cpuStart = process.cpuUsage()
  }
  if (COLD) renderCacheOf(database).clear()
  const t0 = performance.now()
  const res = await app.handle(request(i))
  const body = await res.text()
  wall += performance.now() - t0
  if (!res.ok) throw new Error(`${KIND}: ${res.status} ${body}`)
  bytes = body.length
}
const cpu = process.cpuUsage(cpuStart)
const backends = (await backendsCpuMs(ctx.db)) - backendsStart
const per = (ms: number) => (ms / ROUNDS).toFixed(3)
console.log(`${KIND}${COLD ? ' (render cache emptied before each)' : ''}: ${ROUNDS} requests of ${bytes} bytes, ${(statements / ROUNDS).toFixed(1)} statements each`)
console.log(`per request: wall ${per(wall)} ms, CPU ms: this process ${per((cpu.user + cpu.system) / 1000)}, PostgreSQL backends ${per(backends)}`)
await ctx.jobs?.stop()
await database.close()
