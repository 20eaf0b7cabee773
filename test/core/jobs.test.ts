import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import { startJobs, type Jobs } from '../../src/core/jobs'
import { getTestContext } from '../support/context'

let ctx: Ctx
let jobs: Jobs

beforeAll(async () => {
  ctx = await getTestContext()
  jobs = await startJobs(ctx.database, { supervise: false, queues: ['test-commit', 'test-rollback', 'test-depth'] })
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
