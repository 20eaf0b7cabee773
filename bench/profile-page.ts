// Where a timeline page's time goes, in-process on a seeded database (bench/seed.ts), without HTTP: wall time of the
// timeline query, of the bundle (the page's relations), of building the entities and of JSON, the statements per
// page, and the CPU time per page of this process and of its PostgreSQL backends (read from /proc, so PostgreSQL must
// run on the same machine). Run it with `bun --cpu-prof` to see what the JavaScript side spends its time on.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/rookery_bench bun bench/profile-page.ts [--kind home|public|local|status] [--rounds 300]
//
// `status` is one recent public or unlisted status (as bench/run.ts's scenario) read through the visibility rule by a
// viewer, as `GET /api/v1/statuses/:id` does (as many statuses as warm-up rounds, so that each is in the render cache); its
// "timeline" time is that read.
import { and, desc, eq, gt, inArray, isNull } from 'drizzle-orm'
import { loadConfig } from '../src/config'
import type { Ctx } from '../src/core/context'
import type { Viewer } from '../src/core/oauth/authenticate'
import { readTimelineOptions } from '../src/core/timelines/options'
import { homeTimeline, publicTimeline } from '../src/core/timelines/timelines'
import { getVisibleStatus } from '../src/core/visibility'
import { openPostgres } from '../src/db/client'
import { accounts, statuses, users } from '../src/db/schema'
import { loadStatusBundle } from '../src/server/render/bundle'
import { buildStatus } from '../src/server/render/status'
import { option } from './options'
import { backendsCpuMs } from './proc'

const url = process.env.DATABASE_URL
if (!url) {
  console.error('DATABASE_URL is required (a database seeded with bench/seed.ts)')
  process.exit(2)
}
const ROUNDS = Number(option('rounds', '300'))
const WARMUP = 20
const KIND = option('kind', 'home')
if (!['home', 'public', 'local', 'status'].includes(KIND)) throw new Error('--kind is home, public (anonymous), local (with a viewer) or status')

const database = openPostgres(url, 10)
const ctx: Ctx = { db: database.db, database, config: loadConfig(process.env, { databaseUrl: url }), startedAt: new Date() }
// The same viewers as bench/run.ts: the accounts following the most others.
const viewers: Viewer[] = (await ctx.db.select({ userId: users.id, accountId: accounts.id, username: accounts.username }).from(users)
  .innerJoin(accounts, eq(accounts.id, users.accountId)).where(gt(accounts.followingCount, 0)).orderBy(desc(accounts.followingCount)).limit(50))
  .map((v) => ({ tokenId: null, appId: null, scopes: ['read'], userId: v.userId, accountId: v.accountId, username: v.username, isAdmin: false, isModerator: false }))

const recentStatusIds = (await ctx.db.select({ id: statuses.id }).from(statuses)
  .where(and(isNull(statuses.reblogOfId), inArray(statuses.visibility, ['public', 'unlisted']))).orderBy(desc(statuses.id)).limit(WARMUP)).map((s) => s.id)

let statements = 0
database.queries.watch(() => { statements++ })
const wall = { timeline: 0, bundle: 0, build: 0, json: 0 }
let bytes = 0
let cpuStart = process.cpuUsage()
let backendsStart = 0
for (let i = 0; i < WARMUP + ROUNDS; i++) {
  if (i === WARMUP) {
    for (const k of Object.keys(wall) as (keyof typeof wall)[]) wall[k] = 0
    statements = 0
    backendsStart = await backendsCpuMs(ctx.db)
    cpuStart = process.cpuUsage()
  }
  const viewer = KIND === 'public' ? null : viewers[i % viewers.length]
  const t0 = performance.now()
  const rows = KIND === 'home'
    ? await homeTimeline(ctx, viewer!.accountId!, { limit: 20 }, readTimelineOptions({}))
    : KIND === 'status'
    ? [await getVisibleStatus(ctx, viewer!.accountId, recentStatusIds[i % recentStatusIds.length])]
    : await publicTimeline(ctx, viewer?.accountId ?? null, { limit: 20 }, readTimelineOptions({}), { local: KIND === 'local', remote: false })
  const t1 = performance.now()
  const bundle = await loadStatusBundle(ctx, rows, viewer)
  const t2 = performance.now()
  const entities = rows.map((row) => buildStatus(row, bundle))
  const t3 = performance.now()
  bytes = JSON.stringify(entities).length
  const t4 = performance.now()
  wall.timeline += t1 - t0
  wall.bundle += t2 - t1
  wall.build += t3 - t2
  wall.json += t4 - t3
}
const cpu = process.cpuUsage(cpuStart)
const backends = (await backendsCpuMs(ctx.db)) - backendsStart
const per = (ms: number) => (ms / ROUNDS).toFixed(2)
console.log(`${KIND}: ${ROUNDS} pages of ${bytes} bytes, ${(statements / ROUNDS).toFixed(1)} statements each`)
console.log(`wall ms per page: timeline ${per(wall.timeline)}, bundle ${per(wall.bundle)}, build ${per(wall.build)}, json ${per(wall.json)}`)
console.log(`CPU ms per page: this process ${per((cpu.user + cpu.system) / 1000)}, PostgreSQL backends ${per(backends)}`)
await database.close()
