// Fedify's key-value store and message queue on the application's own database.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { testMessageQueue } from '@fedify/testing'
import { sql } from 'drizzle-orm'
import { startJobs, type Jobs } from '../../src/core/jobs'
import { resultRows } from '../../src/db/client'
import { DrizzleKvStore } from '../../src/federation/kv'
import { PgBossMessageQueue } from '../../src/federation/queue'
import { getTestContext } from '../support/context'

// Bun has Temporal built in; TypeScript 5.9 has no types for it yet.
const { Temporal } = globalThis as any
const ttl = (ms: number) => Temporal.Duration.from({ milliseconds: ms })
const run = `${process.pid}-${Date.now()}`

describe('DrizzleKvStore', () => {
  let kv: DrizzleKvStore
  beforeAll(async () => {
    kv = new DrizzleKvStore((await getTestContext()).db)
  })

  test('set, get, overwrite and delete', async () => {
    const key = ['kv', run, 'a'] as const
    expect(await kv.get(key)).toBeUndefined()
    await kv.set(key, { nested: [1, 'two'] })
    expect(await kv.get(key)).toEqual({ nested: [1, 'two'] })
    await kv.set(key, 'replaced')
    expect(await kv.get<string>(key)).toBe('replaced')
    await kv.delete(key)
    expect(await kv.get(key)).toBeUndefined()
    await kv.delete(key) // deleting what is not there is no error
  })

  test('null is a value (Fedify keeps it for a key that could not be fetched), not an absence', async () => {
    const key = ['kv', run, 'null'] as const
    await kv.set(key, null)
    expect(await kv.get(key)).toBeNull()
    await kv.set(key, null)
    expect(await kv.get(key)).toBeNull()
    expect(await kv.cas(key, null, 'now known')).toBe(true)
    expect(await kv.get(key)).toBe('now known')
    expect(await kv.cas(key, 'now known', null)).toBe(true)
    expect(await kv.get(key)).toBeNull()
    await kv.delete(key)
    expect(await kv.cas(key, undefined, null)).toBe(true)
    expect(await kv.get(key)).toBeNull()
    await kv.delete(key)
  })

  test('an expired value reads as absent and is swept', async () => {
    const key = ['kv', run, 'expiring'] as const
    await kv.set(key, true, { ttl: ttl(50) })
    expect(await kv.get(key)).toBe(true)
    await Bun.sleep(80)
    expect(await kv.get(key)).toBeUndefined()
    expect(await kv.sweep()).toBeGreaterThanOrEqual(1)
  })

  test('list yields the keys under a prefix only, without expired ones', async () => {
    await kv.set(['kv', run, 'list', 'x'], 1)
    await kv.set(['kv', run, 'list', 'y', 'deeper'], 2)
    await kv.set(['kv', run, 'listed-not'], 3)
    await kv.set(['kv', run, 'list', 'gone'], 4, { ttl: ttl(1) })
    await Bun.sleep(10)
    const seen: unknown[] = []
    for await (const entry of kv.list(['kv', run, 'list'])) seen.push([entry.key, entry.value])
    expect(seen).toEqual([[['kv', run, 'list', 'x'], 1], [['kv', run, 'list', 'y', 'deeper'], 2]])
    let all = 0
    for await (const entry of kv.list()) if (entry.key[1] === run) all++
    expect(all).toBe(3)
  })

  test('compare-and-swap changes a value only when it is the expected one', async () => {
    const key = ['kv', run, 'cas'] as const
    expect(await kv.cas(key, undefined, 'first')).toBe(true)
    expect(await kv.cas(key, undefined, 'again')).toBe(false)
    expect(await kv.cas(key, 'wrong', 'second')).toBe(false)
    expect(await kv.get(key)).toBe('first')
    expect(await kv.cas(key, 'first', { v: 2 })).toBe(true)
    expect(await kv.cas(key, { v: 2 }, undefined)).toBe(true)
    expect(await kv.get(key)).toBeUndefined()
    // an expired value counts as absent
    await kv.set(key, 'stale', { ttl: ttl(1) })
    await Bun.sleep(10)
    expect(await kv.cas(key, 'stale', 'x')).toBe(false)
    expect(await kv.cas(key, undefined, 'fresh')).toBe(true)
    expect(await kv.get(key)).toBe('fresh')
  })
})

describe('PgBossMessageQueue', () => {
  const started: Jobs[] = []
  afterAll(async () => {
    await Promise.all(started.map((jobs) => jobs.stop()))
  }, 60_000)

  test('passes Fedify\'s message queue suite with two workers on one database', async () => {
    const ctx = await getTestContext()
    // Fedify's suite counts every message it receives: nothing other test files of this process left may be waiting.
    const [table] = resultRows<{ present: boolean }>(await ctx.db.execute(sql`select to_regclass('pgboss.job') is not null as present`))
    if (table?.present) await ctx.db.execute(sql`delete from pgboss.job where name like 'federation.%' and state in ('created', 'retry')`)
    const settings = { retryLimit: 2, retryDelaySeconds: 1, batchSize: 20 }
    await testMessageQueue(async () => {
      const jobs = await startJobs(ctx.database, { supervise: false, queues: ['federation.inbox'] })
      started.push(jobs)
      return new PgBossMessageQueue(jobs, 'federation.inbox', settings)
    }, ({ controller }) => controller.abort())
  }, 120_000)

  test('a message whose handler fails is retried', async () => {
    const ctx = await getTestContext()
    const jobs = await startJobs(ctx.database, { supervise: false, queues: ['federation.outbox'] })
    started.push(jobs)
    const mq = new PgBossMessageQueue(jobs, 'federation.outbox', { retryLimit: 3, retryDelaySeconds: 1, batchSize: 5 })
    const attempts: string[] = []
    const controller = new AbortController()
    // Other test files of this process may have left deliveries in the same queue: only this test's message counts.
    const listening = mq.listen((message: { n?: string }) => {
      if (message.n !== run) return
      attempts.push(message.n)
      if (attempts.length === 1) throw new Error('peer unavailable')
    }, { signal: controller.signal })
    await mq.enqueue({ n: run })
    const deadline = Date.now() + 30_000
    while (attempts.length < 2 && Date.now() < deadline) await Bun.sleep(100)
    controller.abort()
    await listening
    expect(attempts).toEqual([run, run])
  }, 60_000)
})
