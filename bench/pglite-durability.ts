// Posting rate on the embedded database with each commit synced to the disk (the default) and without (PGlite's own
// behaviour): each round opens a fresh data folder, makes one account and posts public statuses through the API
// (in-process, no network) from a few clients for a fixed time. Rounds alternate between the two modes, since the
// machine's load moves more than the difference.
//
//   bun bench/pglite-durability.ts [--seconds 10] [--rounds 3] [--concurrency 4] [--dir /var/lib/scratch] [--commits]
//
// --commits measures the ceiling instead: one connection committing one-row inserts in a loop, nothing else.
//
// The folder must be on the disk the data would live on (a tmpfs makes fsync free).
import { mkdtempSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { loadConfig } from '../src/config'
import type { Ctx } from '../src/core/context'
import { createLocalUser } from '../src/core/accounts/create-user'
import { issueToken } from '../src/core/oauth/tokens'
import { openPglite } from '../src/db/client'
import { migrate } from '../src/db/migrate'
import { createApp } from '../src/server/app'
import { option } from './options'

const SECONDS = Number(option('seconds', '10'))
const ROUNDS = Number(option('rounds', '3'))
const CONCURRENCY = Number(option('concurrency', '4'))
const DIR = resolve(option('dir', join(import.meta.dir, '..', 'data', 'bench')))
const BARE_COMMITS = process.argv.includes('--commits')

async function commitLoop(durable: boolean): Promise<{ perSecond: number; p50: number; p99: number }> {
  const dataDir = mkdtempSync(join(DIR, 'durability-'))
  const database = await openPglite(dataDir, { durable })
  try {
    await database.pglite!.exec('create table commits (n integer primary key)')
    const latencies: number[] = []
    const until = performance.now() + SECONDS * 1000
    for (let n = 0; performance.now() < until; n++) {
      const started = performance.now()
      await database.pglite!.query('insert into commits values ($1)', [n])
      latencies.push(performance.now() - started)
    }
    return summarize(latencies)
  } finally {
    await database.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

function summarize(latencies: number[]): { posts: number; perSecond: number; p50: number; p99: number } {
  latencies.sort((a, b) => a - b)
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]! * 10) / 10
  return { posts: latencies.length, perSecond: Math.round(latencies.length / SECONDS), p50: at(0.5), p99: at(0.99) }
}

async function round(durable: boolean): Promise<{ posts: number; perSecond: number; p50: number; p99: number }> {
  const dataDir = mkdtempSync(join(DIR, 'durability-'))
  const database = await openPglite(dataDir, { durable })
  try {
    await migrate(database.db)
    const config = loadConfig({ ROOKERY_DOMAIN: 'bench.test' }, { databaseUrl: null, dataDir, rateLimits: { enabled: false } })
    const ctx: Ctx = { db: database.db, database, config, startedAt: new Date() }
    const app = createApp(ctx)
    const { user } = await createLocalUser(ctx, { nickname: 'poster', email: 'poster@bench.test', password: 'a long enough password', allowReservedNickname: true })
    const { accessToken } = await issueToken(ctx, { appId: null, userId: user.id, scopes: ['read', 'write'] })
    const latencies: number[] = []
    let n = 0
    const until = performance.now() + SECONDS * 1000
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        const started = performance.now()
        const res = await app.handle(new Request('http://bench.test/api/v1/statuses', {
          method: 'POST',
          headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ status: `durability post ${++n}`, visibility: 'public' }),
        }))
        if (res.status !== 200) throw new Error(`post answered ${res.status}: ${await res.text()}`)
        latencies.push(performance.now() - started)
      }
    }))
    return summarize(latencies)
  } finally {
    await database.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

for (let i = 0; i < ROUNDS; i++) {
  for (const durable of [true, false]) {
    if (BARE_COMMITS) {
      const r = await commitLoop(durable)
      console.log(`${durable ? 'synced  ' : 'unsynced'}  ${r.perSecond} commits/s  (p50 ${r.p50} ms, p99 ${r.p99} ms)`)
      continue
    }
    const r = await round(durable)
    console.log(`${durable ? 'synced  ' : 'unsynced'}  ${r.perSecond} posts/s  (${r.posts} in ${SECONDS} s, p50 ${r.p50} ms, p99 ${r.p99} ms)`)
  }
}
