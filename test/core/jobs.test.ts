import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import { QUEUES, startJobs, type Jobs } from '../../src/core/jobs'
import { openPostgres, resultRows } from '../../src/db/client'
import { createPostgresDatabase, getTestContext } from '../support/context'

let ctx: Ctx
let jobs: Jobs

beforeAll(async () => {
  ctx = await getTestContext()
  jobs = await startJobs(ctx.database, { supervise: false, queues: ['test-commit', 'test-rollback', 'test-depth', 'test-orphan', 'test-woken', 'test-pool', 'test-later', 'test-retry', 'test-mixed'] })
})
afterAll(async () => { await jobs.stop() })

const waitFor = async (check: () => boolean, ms = 8000) => {
  const until = Date.now() + ms
  while (!check() && Date.now() < until) await Bun.sleep(50)
  return check()
}

describe('durable job queue', () => {
  test('a job sent inside a committed transaction is delivered to its worker', async () => {
    const seen: string[] = []
    await jobs.work<{ n: string }>('test-commit', async (data) => { seen.push(data.n) })
    await ctx.db.transaction(async (tx) => {
      await tx.execute(sql`select 1`)
      await jobs.send('test-commit', { n: 'one' }, { within: tx })
    })
    expect(await waitFor(() => seen.includes('one'))).toBe(true)
  })

  test('a job sent inside a rolled-back transaction never exists', async () => {
    await expect(ctx.db.transaction(async (tx) => {
      await jobs.send('test-rollback', { n: 'ghost' }, { within: tx })
      throw new Error('abort')
    })).rejects.toThrow('abort')
    const depth = await jobs.depth()
    expect(depth['test-rollback'] ?? 0).toBe(0)
  })

  test('reports queue depth of waiting jobs', async () => {
    await jobs.send('test-depth', { n: 1 })
    await jobs.send('test-depth', { n: 2 })
    expect((await jobs.depth())['test-depth']).toBe(2)
  })
})

// The queue above looks for unannounced jobs every 30 s and its workers never poll on their own, so each job below
// is picked up within the wait only if sending it woke them.
describe('idle workers are woken rather than polling', () => {
  test('a job sent is picked up by an idle worker once its transaction commits', async () => {
    const seen: string[] = []
    await jobs.work<{ n: string }>('test-woken', async (data) => { seen.push(data.n) })
    await Bun.sleep(300) // the worker's first fetch found nothing: it is idle now
    await ctx.db.transaction(async (tx) => {
      await jobs.send('test-woken', { n: 'woken' }, { within: tx })
      await Bun.sleep(200)
      expect(seen).not.toContain('woken') // not visible before the commit
    })
    expect(await waitFor(() => seen.includes('woken'))).toBe(true)
  })

  test('a worker running several jobs at once is woken the same way', async () => {
    const seen: number[] = []
    await jobs.work<{ n: number }>('test-pool', async (data) => { seen.push(data.n) }, { concurrency: 4 })
    await Bun.sleep(300)
    for (const n of [1, 2, 3, 4, 5, 6]) await jobs.send('test-pool', { n })
    expect(await waitFor(() => seen.length === 6)).toBe(true)
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6])
  })

  test('a delayed job runs once it comes due, not before', async () => {
    const seen: number[] = []
    await jobs.work<{ sentAt: number }>('test-later', async (data) => { seen.push(Date.now() - data.sentAt) })
    await jobs.send('test-later', { sentAt: Date.now() }, { startAfterSeconds: 2 })
    expect(await waitFor(() => seen.length > 0)).toBe(true)
    expect(seen[0]).toBeGreaterThanOrEqual(1900)
  })

  test('a delayed job runs when due even if its queue also had a job due when it was sent', async () => {
    const done: string[] = []
    let open!: () => void
    const gate = new Promise<void>((resolve) => { open = resolve })
    await jobs.work<{ n: string }>('test-mixed', async ({ n }) => {
      if (n === 'first') await gate
      done.push(n)
    })
    await jobs.send('test-mixed', { n: 'first' })
    await jobs.send('test-mixed', { n: 'waiting' })
    const sentAt = Date.now()
    await jobs.send('test-mixed', { n: 'later' }, { startAfterSeconds: 2 })
    await Bun.sleep(300)
    open()
    expect(await waitFor(() => done.includes('later'))).toBe(true)
    expect(done).toEqual(['first', 'waiting', 'later'])
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(1900)
  })

  test('a failed job is retried when its retry comes due', async () => {
    let attempts = 0
    await jobs.work('test-retry', async () => {
      if (++attempts === 1) throw new Error('first attempt fails')
    })
    await jobs.send('test-retry', {}, { retryLimit: 2, retryDelaySeconds: 1 })
    expect(await waitFor(() => attempts === 2)).toBe(true)
  })

  test.skipIf(!process.env.TEST_DATABASE_URL)('an idle process with workers on every queue sends next to no statements', async () => {
    // A database of its own: the suite's shared one also counts what earlier tests' servers and jobs still do.
    const created = await createPostgresDatabase(process.env.TEST_DATABASE_URL!, 'jobs_idle')
    const database = openPostgres(created.url, 10)
    const idle = await startJobs(database, { runner: true })
    try {
      for (const queue of QUEUES) await idle.work(queue, async () => {})
      await idle.work(QUEUES[0], async () => {}, { concurrency: 4 })
      const committed = async () => Number(resultRows<{ n: string }>(await database.db.execute(
        sql`select xact_commit as n from pg_stat_database where datname = current_database()`))[0].n)
      // Creating the queues' tables and functions wrote hundreds of catalog rows: vacuumed and analyzed now, so that
      // autovacuum, whose transactions count too, finds nothing to do in the window. A backend that falls idle
      // reports its last transactions to pg_stat_database up to 10 s later: the start's statements (the queues'
      // first fetches, maintenance) are left to arrive before counting.
      await database.db.execute(sql`vacuum analyze`)
      await Bun.sleep(11_000)
      const before = await committed()
      await Bun.sleep(5000)
      const after = await committed()
      // Polling every queue every 2 s made about 50 statements in this window; now the look over all queues and
      // pg-boss's clock come every 30 s, and the check for jobs of stopped processes (three statements) every 5 s.
      expect(after - before).toBeLessThan(20)
    } finally {
      await idle.stop()
      await database.close()
      await created.drop()
    }
  }, 60_000)
})

describe('jobs a crashed process left running', () => {
  const onPostgres = !!process.env.TEST_DATABASE_URL
  const orphan = async (n: string) => {
    const id = await jobs.send('test-orphan', { n })
    // What a process killed in the middle of the job leaves behind.
    await ctx.db.execute(sql`update pgboss.job set state = 'active', started_on = now() where id = ${id}::uuid`)
    return id!
  }
  const state = async (id: string) =>
    resultRows<{ state: string }>(await ctx.db.execute(sql`select state from pgboss.job where id = ${id}::uuid`))[0]?.state

  test('the next process running jobs puts them back and runs them once', async () => {
    const id = await orphan('left running')
    const seen: string[] = []
    const runner = await startJobs(ctx.database, { supervise: false, runner: true, queues: ['test-orphan'], pollingIntervalSeconds: 0.5 })
    try {
      await runner.work<{ n: string }>('test-orphan', async (data) => { seen.push(data.n) })
      expect(await waitFor(() => seen.length > 0)).toBe(true)
      await Bun.sleep(1200)
      expect(seen).toEqual(['left running'])
      expect(await state(id)).toBe('completed')
    } finally {
      await runner.stop()
    }
  }, 30_000)

  test.skipIf(!onPostgres)('while another process running jobs is alive, its running jobs are left alone', async () => {
    const alive = await startJobs(ctx.database, { supervise: false, runner: true, queues: ['test-orphan'] })
    const id = await orphan('still running elsewhere')
    const starting = await startJobs(ctx.database, { supervise: false, runner: true, queues: ['test-orphan'] })
    try {
      expect(await state(id)).toBe('active')
    } finally {
      await starting.stop()
      await alive.stop()
    }
    // Once no runner is left, the next one takes it back.
    const next = await startJobs(ctx.database, { supervise: false, runner: true, queues: ['test-orphan'] })
    try {
      expect(await state(id)).toBe('retry')
    } finally {
      await next.stop()
      await ctx.db.execute(sql`delete from pgboss.job where id = ${id}::uuid`)
    }
  }, 30_000)
})

describe('schedules', () => {
  test('a schedule registered by a process running workers becomes jobs (its clock starts with the first one)', async () => {
    const clocked = await startJobs(ctx.database, { supervise: true, pollingIntervalSeconds: 1, queues: ['test-scheduled'] })
    try {
      const seen: string[] = []
      await clocked.work('test-scheduled', async (_data, id) => { seen.push(id) })
      await clocked.schedule('test-scheduled', '* * * * *')
      expect(await waitFor(() => seen.length > 0, 30_000)).toBe(true)
    } finally {
      await clocked.stop()
    }
  })
})
