// Two processes work on one queue of a shared PostgreSQL database; the one running a job is killed with SIGKILL. The
// other must put the job back and run it once, within seconds rather than at pg-boss's 15-minute expiry, and must
// never take a job whose process is still alive. The embedded database has one process: nothing to test there.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { resolve } from 'node:path'
import postgres from 'postgres'
import { startJobs, type Jobs } from '../../src/core/jobs'
import { openPostgres, type Database } from '../../src/db/client'
import { createPostgresDatabase } from '../support/context'

const ROOT = resolve(import.meta.dir, '../..')
const QUEUE = 'test-handoff'
const url = process.env.TEST_DATABASE_URL

interface JobProcess { proc: ReturnType<typeof Bun.spawn>; output: () => string }

async function startJobProcess(databaseUrl: string, mode: 'hold' | 'finish'): Promise<JobProcess> {
  const proc = Bun.spawn([process.execPath, 'test/support/job-process.ts', databaseUrl, QUEUE, mode], {
    cwd: ROOT, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe',
  })
  let output = ''
  const decoder = new TextDecoder()
  void (async () => { for await (const chunk of proc.stderr as ReadableStream<Uint8Array>) output += decoder.decode(chunk) })()
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader()
  let stdout = ''
  let reading = reader.read()
  for (const deadline = Date.now() + 60_000; !stdout.includes('ready') && Date.now() < deadline;) {
    const chunk = await Promise.race([reading, Bun.sleep(1000).then(() => null)])
    if (!chunk) continue
    if (chunk.done) break
    stdout += decoder.decode(chunk.value)
    reading = reader.read()
  }
  if (!stdout.includes('ready')) {
    proc.kill('SIGKILL')
    throw new Error(`job process did not start: ${stdout}${output}`)
  }
  return { proc, output: () => output }
}

describe.skipIf(!url)('jobs of a process killed while others share the database', () => {
  let created: { url: string; drop: () => Promise<void> }
  let admin: postgres.Sql
  let database: Database
  let sender: Jobs
  const started: JobProcess[] = []

  beforeAll(async () => {
    created = await createPostgresDatabase(url!, 'ops_jobs_owners')
    admin = postgres(created.url, { max: 1, onnotice: () => {} })
    await admin.unsafe('create table job_runs (job_id uuid not null, pid integer not null, finished boolean not null default false)')
    database = openPostgres(created.url, 2)
    sender = await startJobs(database, { supervise: false, queues: [QUEUE] })
  })

  afterAll(async () => {
    for (const p of started) p.proc.kill('SIGKILL')
    await sender?.stop()
    await database?.close()
    await admin?.end({ timeout: 5 })
    await created?.drop()
  })

  const runs = async () => Array.from(await admin.unsafe<{ pid: number; finished: boolean }[]>('select pid, finished from job_runs order by pid'))
  const state = async (id: string) => (await admin.unsafe('select state from pgboss.job where id = $1', [id]))[0]?.state
  const waitFor = async (check: () => Promise<boolean>, ms: number) => {
    for (const until = Date.now() + ms; Date.now() < until; await Bun.sleep(200)) if (await check()) return true
    return check()
  }

  test('the surviving process runs the job of the killed one exactly once, and never one whose process lives', async () => {
    const holder = await startJobProcess(created.url, 'hold')
    started.push(holder)
    const id = (await sender.send(QUEUE, { n: 1 }))!
    expect(await waitFor(async () => (await runs()).length > 0, 30_000)).toBe(true)

    const survivor = await startJobProcess(created.url, 'finish')
    started.push(survivor)
    // The survivor looks for jobs of dead processes every second: the holder's job is not one, whatever the wait.
    await Bun.sleep(3000)
    expect(await state(id)).toBe('active')
    expect(await runs()).toEqual([{ pid: holder.proc.pid, finished: false }])

    holder.proc.kill('SIGKILL')
    await holder.proc.exited
    // Far below pg-boss's 15-minute expiry: the survivor finds the job as soon as the holder's lock is gone.
    expect(await waitFor(async () => (await state(id)) === 'completed', 60_000)).toBe(true)
    await Bun.sleep(2000)
    expect(await runs()).toEqual([
      { pid: holder.proc.pid, finished: false },
      { pid: survivor.proc.pid, finished: true },
    ].sort((a, b) => a.pid - b.pid))
    expect(await state(id)).toBe('completed')
    expect(survivor.output()).toContain('1 job of a stopped process put back to run')
    expect(Array.from(await admin.unsafe('select * from pgboss.rookery_job_owner'))).toEqual([])

    survivor.proc.kill('SIGTERM')
    expect(await survivor.proc.exited).toBe(0)
  }, 150_000)
})

describe.skipIf(!url)('a process that loses the connection holding its lock', () => {
  test('keeps its running job (nobody puts it back, not even itself) and takes its lock again', async () => {
    const created = await createPostgresDatabase(url!, 'ops_jobs_relock')
    const admin = postgres(created.url, { max: 1, onnotice: () => {} })
    const database = openPostgres(created.url, 3)
    const jobs = await startJobs(database, { supervise: false, queues: [QUEUE], ownerCheckSeconds: 1 })
    try {
      let runs = 0
      let finish!: () => void
      const finishing = new Promise<void>((resolve) => { finish = resolve })
      await jobs.work(QUEUE, async () => {
        runs++
        await finishing
      })
      const id = (await jobs.send(QUEUE, { n: 2 }))!
      const state = async () => (await admin.unsafe('select state from pgboss.job where id = $1', [id]))[0]?.state
      const lockHolders = async () => Array.from(await admin.unsafe<{ pid: number }[]>(
        `select pid from pg_locks where locktype = 'advisory' and granted and objsubid = 2 and objid = ${database.jobOwner}`))
      for (const until = Date.now() + 30_000; runs === 0 && Date.now() < until;) await Bun.sleep(100)
      expect(runs).toBe(1)
      const [before] = await lockHolders()
      expect(before).toBeDefined()

      await admin.unsafe('select pg_terminate_backend($1)', [before.pid])
      // several checks pass: the lock comes back on another backend and the job stays with its live process
      let after: { pid: number }[] = []
      for (const until = Date.now() + 30_000; Date.now() < until; await Bun.sleep(200)) {
        after = await lockHolders()
        if (after.length === 1 && after[0].pid !== before.pid) break
      }
      expect(after.map((h) => h.pid)).not.toContain(before.pid)
      expect(after).toHaveLength(1)
      await Bun.sleep(3000)
      expect(await state()).toBe('active')
      expect(runs).toBe(1)

      finish()
      for (const until = Date.now() + 30_000; (await state()) !== 'completed' && Date.now() < until;) await Bun.sleep(100)
      expect(await state()).toBe('completed')
      expect(runs).toBe(1)
    } finally {
      await jobs.stop()
      await database.close()
      await admin.end({ timeout: 5 })
      await created.drop()
    }
  }, 120_000)
})

describe.skipIf(!url)('the job owners trigger', () => {
  test('is installed by the first start, left alone by later ones, and installed again when missing', async () => {
    const created = await createPostgresDatabase(url!, 'ops_jobs_install')
    const admin = postgres(created.url, { max: 1, onnotice: () => {} })
    const functionOid = async () => (await admin.unsafe(`select to_regprocedure('pgboss.rookery_record_job_owner()')::oid as oid`))[0].oid
    const triggers = async () => Number((await admin.unsafe(`select count(*) from pg_trigger where tgname = 'rookery_job_owner' and tgrelid = 'pgboss.job'::regclass`))[0].count)
    const startAndStop = async () => {
      // a runner holds two connections for its life (its runner and owner locks), and needs more to work
      const database = openPostgres(created.url, 4)
      const jobs = await startJobs(database, { supervise: false, runner: true, queues: [QUEUE] })
      await jobs.stop()
      await database.close()
    }
    try {
      await startAndStop()
      const installed = await functionOid()
      expect(installed).not.toBeNull()
      expect(await triggers()).toBe(1)

      // a later start runs no DDL: `create or replace function` would give the function a new row version (xmin)
      const xmin = async () => (await admin.unsafe(`select xmin::text from pg_proc where oid = $1`, [installed]))[0].xmin
      const before = await xmin()
      await startAndStop()
      expect(await xmin()).toBe(before)

      // dropped (or left by a version without it): the next start puts it back, and jobs record their owner again
      await admin.unsafe('drop trigger rookery_job_owner on pgboss.job')
      await startAndStop()
      expect(await triggers()).toBe(1)
    } finally {
      await admin.end({ timeout: 5 })
      await created.drop()
    }
  }, 120_000)
})
