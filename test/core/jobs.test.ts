import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import { startJobs, type Jobs } from '../../src/core/jobs'
import { resultRows } from '../../src/db/client'
import { getTestContext } from '../support/context'

let ctx: Ctx
let jobs: Jobs

beforeAll(async () => {
  ctx = await getTestContext()
  jobs = await startJobs(ctx.database, { supervise: false, queues: ['test-commit', 'test-rollback', 'test-depth', 'test-orphan'] })
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
