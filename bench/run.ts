// Benchmarks the HTTP API against a seeded PostgreSQL database (see bench/seed.ts): starts `rookery serve` as its own
// process, then drives each scenario with concurrent clients and prints requests/s, p50 and p99 latency, and the rate
// as a fraction of the same-run floor (bench/floor.ts, measured first with the same clients).
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/rookery_bench bun bench/run.ts [--seconds 10] [--concurrency 16] [--only home,public] [--binary dist/rookery]
//     [--bun-flags '--smol --cpu-prof --cpu-prof-dir=DIR'] (flags for Bun running the server from source)
//
// It also prints the server's memory: its RSS after each scenario and its peak RSS over the whole run.
import { spawn } from 'node:child_process'
import { and, desc, eq, gt, inArray, sql } from 'drizzle-orm'
import { loadConfig } from '../src/config'
import type { Ctx } from '../src/core/context'
import { createList, deleteList, ownLists } from '../src/core/lists/lists'
import { addMembers } from '../src/core/lists/members'
import { issueToken } from '../src/core/oauth/tokens'
import { openPostgres, resultRows } from '../src/db/client'
import { refreshTrends } from '../src/core/trends/trends'
import { accounts, follows, statuses, users } from '../src/db/schema'
import { skewedWord } from './words'
import { option } from './options'
import { backendPids, cpuByProcess, memoryMb } from './proc'

const url = process.env.DATABASE_URL
if (!url) {
  console.error('DATABASE_URL is required (a database seeded with bench/seed.ts)')
  process.exit(2)
}
const SECONDS = Number(option('seconds', '10'))
const CONCURRENCY = Number(option('concurrency', '16'))
const ONLY = option('only', '').split(',').filter(Boolean)
const PORT = Number(option('port', '4477'))
const BASE = `http://127.0.0.1:${PORT}`
const FLOOR_PORT = PORT + 1
const BINARY = option('binary', '')
/** Flags for Bun when the server runs from source, e.g. `--smol` or `--cpu-prof --cpu-prof-dir=DIR` (written when it stops). */
const BUN_FLAGS = option('bun-flags', '').split(' ').filter(Boolean)
const LIST_TITLE = 'bench list'

const database = openPostgres(url, 2)
const ctx: Ctx = { db: database.db, database, config: loadConfig(process.env, { databaseUrl: url }), startedAt: new Date() }

// Viewers: active accounts that follow many others, as home timelines are heaviest for them.
const viewers = await ctx.db.select({ userId: users.id, accountId: accounts.id }).from(users)
  .innerJoin(accounts, eq(accounts.id, users.accountId))
  .where(gt(accounts.followingCount, 0)).orderBy(desc(accounts.followingCount)).limit(50)
if (!viewers.length) {
  console.error('no seeded accounts found: run bench/seed.ts first')
  process.exit(1)
}
const tokens = await Promise.all(viewers.map(async (v) => (await issueToken(ctx, { appId: null, userId: v.userId, scopes: ['read', 'write'], withRefresh: false })).accessToken))
/** Each viewer's token with a list of its own: the 20 accounts it follows that post most, made anew each run. */
const listed = await Promise.all(viewers.map(async (v, i) => {
  for (const old of await ownLists(ctx, v.accountId)) if (old.title === LIST_TITLE) await deleteList(ctx, v.accountId, old.id)
  const list = await createList(ctx, v.accountId, { title: LIST_TITLE })
  const members = await ctx.db.select({ id: accounts.id }).from(follows).innerJoin(accounts, eq(accounts.id, follows.targetAccountId))
    .where(eq(follows.accountId, v.accountId)).orderBy(desc(accounts.statusesCount)).limit(20)
  await addMembers(ctx, v.accountId, list.id, members.map((m) => m.id))
  return { token: tokens[i], listId: list.id }
}))
/** Tokens of the most followed local accounts, whose posts reach thousands of home feeds (`post-popular`). */
const popularTokens = !ONLY.length || ONLY.includes('post-popular')
  ? await Promise.all((await ctx.db.select({ userId: users.id }).from(users).innerJoin(accounts, eq(accounts.id, users.accountId))
    .orderBy(desc(accounts.followersCount)).limit(16))
    .map(async (u) => (await issueToken(ctx, { appId: null, userId: u.userId, scopes: ['read', 'write'], withRefresh: false })).accessToken))
  : []
const statusIds = (await ctx.db.select({ id: statuses.id }).from(statuses)
  .where(and(inArray(statuses.visibility, ['public', 'unlisted']))).orderBy(desc(statuses.id)).limit(2000)).map((r) => r.id)
const accountIds = (await ctx.db.select({ id: accounts.id }).from(accounts).orderBy(desc(accounts.followersCount)).limit(200)).map((r) => r.id)

// Trends come from a periodic job; score them once now so the trends scenario reads what a running instance holds.
if (!ONLY.length || ONLY.includes('trends')) await refreshTrends(ctx)

// This script's own connections carry the server's application name too; they are left out of the server's CPU time.
const ownBackends = new Set(resultRows<{ pid: number }>(await database.db.execute(sql`select pid from pg_stat_activity
  where datname = current_database() and application_name = 'rookery'`)).map((r) => r.pid))

const server = spawn(BINARY || process.execPath, BINARY ? ['serve'] : [...BUN_FLAGS, 'src/cli/index.ts', 'serve'], {
  // One client address sends everything: the per-IP rate limits would measure themselves, not the server.
  env: { ...process.env, DATABASE_URL: url, PORT: String(PORT), ROOKERY_LOG_REQUESTS: 'false', ROOKERY_RATE_LIMITS: 'false' },
  stdio: ['ignore', 'ignore', 'inherit'],
})
const floor = spawn(process.execPath, ['bench/floor.ts', String(FLOOR_PORT)], { env: { ...process.env, DATABASE_URL: url }, stdio: ['ignore', 'ignore', 'inherit'] })
const stop = () => {
  server.kill('SIGTERM')
  floor.kill('SIGTERM')
}
process.on('exit', stop)

async function waitFor(url: string) {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(url)).ok) return
    } catch {}
    await Bun.sleep(200)
  }
  throw new Error(`${url} did not answer`)
}

const pick = <T>(list: T[]) => list[Math.floor(Math.random() * list.length)]
let posted = 0

interface Scenario {
  name: string
  request: () => Request
}

const FLOOR: Scenario = { name: 'floor', request: () => new Request(`http://127.0.0.1:${FLOOR_PORT}/`) }

const authorized = (path: string) => new Request(`${BASE}${path}`, { headers: { authorization: `Bearer ${pick(tokens)}` } })
/** A public status with one of the 200 hashtags, posted as `token`'s account. */
const postAs = (token: string) => new Request(`${BASE}/api/v1/statuses`, {
  method: 'POST',
  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  body: JSON.stringify({ status: `benchmark post ${++posted} #benchtag${1 + (posted % 200)}`, visibility: 'public' }),
})
const someAccounts = () => Array.from({ length: 10 }, () => `id[]=${pick(accountIds)}`).join('&')

const SCENARIOS: Scenario[] = [
  { name: 'home', request: () => new Request(`${BASE}/api/v1/timelines/home?limit=20`, { headers: { authorization: `Bearer ${pick(tokens)}` } }) },
  { name: 'home-page-5', request: () => new Request(`${BASE}/api/v1/timelines/home?limit=20&max_id=${statusIds[100 + Math.floor(Math.random() * 100)]}`, { headers: { authorization: `Bearer ${pick(tokens)}` } }) },
  { name: 'public', request: () => new Request(`${BASE}/api/v1/timelines/public?limit=20`) },
  { name: 'public-local-auth', request: () => new Request(`${BASE}/api/v1/timelines/public?local=true&limit=20`, { headers: { authorization: `Bearer ${pick(tokens)}` } }) },
  { name: 'tag', request: () => new Request(`${BASE}/api/v1/timelines/tag/benchtag${1 + Math.floor(Math.random() * 200)}?limit=20`) },
  {
    name: 'list',
    request: () => {
      const { token, listId } = pick(listed)
      return new Request(`${BASE}/api/v1/timelines/list/${listId}?limit=20`, { headers: { authorization: `Bearer ${token}` } })
    },
  },
  { name: 'verify_credentials', request: () => authorized('/api/v1/accounts/verify_credentials') },
  { name: 'relationships', request: () => authorized(`/api/v1/accounts/relationships?${someAccounts()}`) },
  { name: 'notifications', request: () => authorized('/api/v1/notifications?limit=20') },
  { name: 'status', request: () => new Request(`${BASE}/api/v1/statuses/${pick(statusIds)}`, { headers: { authorization: `Bearer ${pick(tokens)}` } }) },
  { name: 'search-statuses', request: () => authorized(`/api/v2/search?type=statuses&limit=20&q=${skewedWord()}`) },
  { name: 'search-statuses-2', request: () => authorized(`/api/v2/search?type=statuses&limit=20&q=${encodeURIComponent(`${skewedWord()} ${skewedWord()}`)}`) },
  { name: 'search-accounts', request: () => authorized(`/api/v2/search?type=accounts&limit=10&q=${encodeURIComponent(pick(['bench', 'Bench User ', '@bench']) + Math.floor(Math.random() * 10_000))}`) },
  { name: 'trends', request: () => new Request(`${BASE}/api/v1/trends/${pick(['tags', 'statuses'])}?limit=10`) },
  { name: 'post', request: () => postAs(pick(tokens)) },
  { name: 'post-popular', request: () => postAs(pick(popularTokens)) },
]

/** CPU milliseconds used so far by each process: the server (or the floor) and its PostgreSQL backends. */
async function cpuOfServer(pid: number, application: string): Promise<Map<number, number>> {
  const backends = (await backendPids(database.db, application)).filter((p) => !ownBackends.has(p))
  return cpuByProcess([pid, ...backends])
}

/** CPU milliseconds spent between two `cpuOfServer` readings (a backend that appeared in between counts from zero). */
const cpuSpent = (before: Map<number, number>, after: Map<number, number>) =>
  [...after].reduce((sum, [p, ms]) => sum + ms - (before.get(p) ?? 0), 0)

async function run(s: Scenario, seconds: number) {
  const latencies: number[] = []
  let errors = 0
  const deadline = performance.now() + seconds * 1000
  const worker = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now()
      const res = await fetch(s.request())
      await res.arrayBuffer()
      latencies.push(performance.now() - t0)
      if (!res.ok) errors++
    }
  }
  const [pid, application] = s === FLOOR ? [floor.pid!, 'rookery-bench-floor'] : [server.pid!, 'rookery']
  const cpuBefore = await cpuOfServer(pid, application)
  const t0 = performance.now()
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  const elapsed = (performance.now() - t0) / 1000
  const cpuAfter = await cpuOfServer(pid, application)
  const cpu = cpuSpent(cpuBefore, cpuAfter)
  const processCpu = (cpuAfter.get(pid) ?? 0) - (cpuBefore.get(pid) ?? 0)
  latencies.sort((a, b) => a - b)
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]
  return { name: s.name, requests: latencies.length, rps: latencies.length / elapsed, p50: q(0.5), p99: q(0.99), errors, cpuPerRequest: cpu / latencies.length,
    backendsCpuPerRequest: (cpu - processCpu) / latencies.length }
}

type Result = Awaited<ReturnType<typeof run>>
const row = (r: Result, floor: Result) =>
  `${r.name.padEnd(18)} ${r.rps.toFixed(0).padStart(7)} ${r.p50.toFixed(1).padStart(9)} ${r.p99.toFixed(1).padStart(8)} ${String(r.errors).padStart(8)}   ${`1/${(floor.rps / r.rps).toFixed(1)}`.padEnd(9)}` +
  ` ${r.cpuPerRequest.toFixed(2).padStart(8)}${r.backendsCpuPerRequest.toFixed(2).padStart(10)}  ${`1/${(r.cpuPerRequest / floor.cpuPerRequest).toFixed(1)}`.padEnd(12)}`

try {
  await Promise.all([waitFor(`${BASE}/api/v1/instance`), waitFor(`http://127.0.0.1:${FLOOR_PORT}/`)])
  const [counts] = resultRows(await database.db.execute(sql`select (select count(*) from accounts)::int as accounts,
    (select count(*) from statuses)::int as statuses, (select count(*) from follows)::int as follows,
    (select count(*) from home_feed_entries)::int as feed_entries`))
  console.log(`dataset: ${JSON.stringify(counts)}; ${CONCURRENCY} concurrent clients, ${SECONDS} s per scenario`)
  // CPU ms/req: the server's (or the floor's) process and its PostgreSQL backends, not the clients, then the backends' part
  // alone; "CPU of floor" compares the sum with the floor's, which stays meaningful when other work on the machine slows
  // every request down.
  console.log(`server ${BINARY || 'from source'}, RSS after its first answer ${memoryMb(server.pid!).rss.toFixed(0)} MB`)
  console.log('scenario             req/s    p50 ms   p99 ms   errors   of floor  CPU ms/req  of it DB  CPU of floor  server RSS MB')
  await run(FLOOR, 2)
  const floorResult = await run(FLOOR, SECONDS)
  console.log(row(floorResult, floorResult))
  for (const s of SCENARIOS.filter((x) => !ONLY.length || ONLY.includes(x.name))) {
    await run(s, 2) // warm-up: connections and caches
    console.log(`${row(await run(s, SECONDS), floorResult)}${memoryMb(server.pid!).rss.toFixed(0).padStart(15)}`)
  }
  console.log(`server peak RSS over the run: ${memoryMb(server.pid!).peak.toFixed(0)} MB`)
} finally {
  stop()
  await database.close()
}
