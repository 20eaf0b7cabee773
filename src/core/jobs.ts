import type PgBoss from 'pg-boss'
import type { Database, DbLike } from '../db/client'
import { holdJobOwnership, type JobOwnership } from './job-owners'
import { JOBS_CHANNEL, laterPayload, startWakeups, type Wakeups } from './job-wakeups'

/**
 * Durable background jobs on the application's own database (pg-boss), on PostgreSQL and PGlite alike.
 * A job sent with `{ within: tx }` commits or rolls back with the caller's transaction, so no work is lost or orphaned.
 */
export interface Jobs {
  send<T extends object>(queue: string, data: T, opts?: { within?: DbLike; startAfterSeconds?: number; singletonKey?: string; retryLimit?: number; retryDelaySeconds?: number }): Promise<string | null>
  /**
   * Runs `handler` for each job; a thrown error fails the job, which is retried with backoff up to its limit.
   * With `concurrency` above 1, up to that many jobs run at once and a free slot is refilled as soon as a job ends.
   */
  work<T extends object>(queue: string, handler: (data: T, jobId: string) => Promise<void>, opts?: { batchSize?: number; concurrency?: number }): Promise<string>
  /** Stops the worker `work` returned, after the jobs it holds. */
  offWork(workerId: string): Promise<void>
  schedule(queue: string, cron: string, data?: object): Promise<void>
  /** Jobs waiting or running per queue, for status output. */
  depth(): Promise<Record<string, number>>
  stop(): Promise<void>
}

type Executor = {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: any[]; rowCount?: number }>
  /** Gives back a connection reserved for multi-statement scripts; closing the database waits for it otherwise. */
  release?(): Promise<void>
}

/** node-postgres (pg-boss's home driver) sends plain objects as JSON; postgres.js needs them as text. */
function asParameter(value: unknown): any {
  if (value === undefined) return null
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date) && !Buffer.isBuffer(value)
    ? JSON.stringify(value)
    : value
}

/**
 * Adapts whatever client drizzle wraps (postgres.js or PGlite, pool or open transaction) to pg-boss's executeSql.
 * Reaches into drizzle's session; drizzle-orm is pinned for this reason.
 */
function executorFor(db: DbLike): Executor {
  const client = (db as any).session?.client ?? (db as any).$client
  if (typeof client?.unsafe === 'function') {
    // pg-boss sends multi-statement BEGIN…COMMIT scripts, which postgres.js allows only on a single reserved connection.
    let reserved: Promise<any> | null = null
    const connection = () => (typeof client.reserve === 'function' ? (reserved ??= client.reserve()) : Promise.resolve(client))
    return {
      async executeSql(text, values) {
        const sql = /^\s*begin/i.test(text) ? await connection() : client
        const rows = values?.length ? await sql.unsafe(text, values.map(asParameter)) : await sql.unsafe(text)
        return { rows: Array.from(rows), rowCount: rows.count }
      },
      async release() {
        const held = reserved
        reserved = null
        if (held) (await held).release()
      },
    }
  }
  if (typeof client?.query === 'function') {
    return {
      async executeSql(text, values) {
        if (!values?.length && typeof client.exec === 'function') {
          const results = await client.exec(text)
          const last = results[results.length - 1] ?? { rows: [] }
          return { rows: last.rows, rowCount: last.affectedRows }
        }
        const r = await client.query(text, values ?? [])
        return { rows: r.rows, rowCount: r.affectedRows }
      },
    }
  }
  throw new Error('unsupported database client for the job queue')
}

/** Every queue the application uses; created at start so sending never needs DDL inside a caller's transaction. */
export const QUEUES = [
  'statuses.maintenance', 'statuses.scheduled', 'statuses.fanout', 'imports', 'relationships.maintenance', 'media.prune', 'media.remote', 'media.remote.prune', 'accounts.purge',
  'statuses.card', 'trends.refresh', 'push.dispatch', 'push.deliver', 'backups', 'backups.prune',
  'federation.publish', 'federation.inbox', 'instances.nodeinfo', 'federation.outbox', 'federation.fanout', 'federation.kv.sweep',
] as const

export interface JobsOptions {
  supervise?: boolean
  queues?: readonly string[]
  /**
   * How often this process looks for due jobs that no one announced (default 30 s). Workers do not poll: a job sent
   * wakes them when its transaction commits, and a delayed job or a retry when it comes due; this catches the rest,
   * such as jobs a dead process held that maintenance put back.
   */
  pollingIntervalSeconds?: number
  /**
   * This process runs the application's workers (`serve`, `rookery worker`): at start it takes back the jobs a
   * crashed process left running, when no other worker process is alive to be running them (see `JobRunnerClaim`).
   */
  runner?: boolean
  /** How often a process working on queues looks for the jobs of processes that died (PostgreSQL; default 5 s). */
  ownerCheckSeconds?: number
}

/** Any fixed number: the advisory lock that every process running jobs holds in shared mode while it lives. */
const RUNNER_LOCK = 7_406_913_117

interface JobRunnerClaim {
  /** Jobs found running from a process that is gone, put back to run now. */
  requeued: number
  release(): Promise<void>
}

/**
 * A process killed in the middle of a job leaves it `active`; pg-boss 10 would only retry it when it expires
 * (15 minutes) and has no way to tell which process runs a job. So every worker process holds a shared advisory lock
 * for its lifetime (PostgreSQL drops it with the dead process's connection), and a starting one that can take the lock
 * exclusively knows that no other is alive: every `active` job is an orphan. While others live, the jobs of one that
 * died are found through the owner recorded with each job (`job-owners.ts`). Embedded PGlite has one process by
 * construction (the data-folder lock). The orphans run again from the start: at least once, so their effects must be
 * idempotent (deliveries carry their activity id, which receivers deduplicate).
 */
async function claimJobRunner(database: Database): Promise<JobRunnerClaim> {
  const requeue = `update pgboss.job set state = 'retry', start_after = now() where state = 'active'`
  if (database.kind === 'pglite') {
    const { rowCount } = await executorFor(database.db).executeSql(requeue)
    return { requeued: rowCount ?? 0, release: async () => {} }
  }
  const client = (database.db as any).$client
  if (typeof client?.reserve !== 'function') return { requeued: 0, release: async () => {} }
  const connection = await client.reserve()
  try {
    let requeued = 0
    const [{ alone }] = await connection.unsafe(`select pg_try_advisory_lock(${RUNNER_LOCK}) as alone`)
    if (alone) {
      requeued = (await connection.unsafe(requeue)).count
      await connection.unsafe(`select pg_advisory_unlock(${RUNNER_LOCK})`)
    }
    await connection.unsafe(`select pg_advisory_lock_shared(${RUNNER_LOCK})`)
    return {
      requeued,
      async release() {
        await connection.unsafe(`select pg_advisory_unlock_shared(${RUNNER_LOCK})`).catch(() => {})
        connection.release()
      },
    }
  } catch (e) {
    connection.release()
    throw e
  }
}

interface Pool { stop(): Promise<void> }

/** How long an idle worker waits for a wake-up before fetching anyway. */
const WORKER_IDLE_SECONDS = 600

/**
 * Keeps up to `concurrency` jobs of one queue running, fetching as slots free up and when `wakeups` says a job is due.
 * pg-boss 10's own worker waits for a whole batch, so one slow job would hold up the others.
 */
function startPool(
  boss: PgBoss, wakeups: Wakeups, queue: string, concurrency: number,
  handler: (data: any, jobId: string) => Promise<void>,
): Pool {
  const running = new Set<Promise<void>>()
  let stopping = false
  let woken = false
  let wake: (() => void) | null = null
  const nudge = () => {
    woken = true
    wake?.()
  }
  const nap = (ms: number) => new Promise<void>((resolve) => {
    if (woken) return resolve()
    const timer = setTimeout(resolve, ms)
    wake = () => { clearTimeout(timer); resolve() }
  }).finally(() => { wake = null })
  const report = (e: unknown) => console.error(`[rookery] job queue error (${queue}):`, (e as Error)?.message ?? e)
  const run = async (job: PgBoss.Job<any>) => {
    try {
      await handler(job.data, job.id)
    } catch (e) {
      await boss.fail(queue, job.id, { message: (e as Error)?.message ?? String(e) })
      return wakeups.recheck()
    }
    await boss.complete(queue, job.id)
  }
  const removeWaker = wakeups.add(queue, nudge)
  const loop = (async () => {
    while (!stopping) {
      woken = false
      const free = concurrency - running.size
      let fetched = 0
      if (free > 0) {
        const jobs = await boss.fetch(queue, { batchSize: free }).catch((e) => { report(e); return [] })
        fetched = jobs.length
        for (const job of jobs) {
          const p: Promise<void> = run(job).catch(report).finally(() => {
            running.delete(p)
            nudge()
          })
          running.add(p)
        }
      }
      // A full fetch may have left more waiting; otherwise sleep until a slot frees or a job is due.
      if (!stopping && (free === 0 || fetched < free)) await nap(WORKER_IDLE_SECONDS * 1000)
    }
    await Promise.allSettled(running)
  })()
  return {
    async stop() {
      stopping = true
      removeWaker()
      nudge()
      await loop
    },
  }
}

export async function startJobs(database: Database, opts: JobsOptions = {}): Promise<Jobs> {
  const idleSeconds = opts.pollingIntervalSeconds ?? 30
  const executor = executorFor(database.db)
  // Loaded here (with node-postgres's helpers and the cron libraries): a process reaches it after it answers requests.
  const { default: PgBoss } = await import('pg-boss')
  const supervise = opts.supervise ?? true
  const boss = new PgBoss({ db: executor, supervise, schedule: false, migrate: true })
  boss.on('error', (e: Error) => console.error('[rookery] job queue error:', e.message))
  await boss.start()
  // pg-boss's clock, which turns the schedules into jobs, starts with the first schedule this process registers (its
  // workers do, once a server has answered): a start no longer waits for its first cron pass and its queries. It is
  // pg-boss's own timekeeper, in an instance of its own (pg-boss starts it only with the instance).
  let clock: Promise<PgBoss> | null = null
  const startClock = () => (clock ??= (async () => {
    const timekeeper = new PgBoss({
      db: executor,
      supervise: false,
      schedule: true,
      // Schedules are per minute at the finest; the queue between pg-boss's clock and the scheduled queues is polled.
      cronWorkerIntervalSeconds: Math.min(45, Math.max(1, Math.round(idleSeconds))),
      migrate: false,
    })
    timekeeper.on('error', (e: Error) => console.error('[rookery] job queue error:', e.message))
    await timekeeper.start()
    return timekeeper
  })())
  // Taken before this process takes its first job, so that none of its jobs is ever seen without a live owner.
  let ownership: Promise<JobOwnership | null> | null = null
  const owning = () => (ownership ??= holdJobOwnership(database, { checkSeconds: opts.ownerCheckSeconds }))
  // Independent of one another, so on their own connections at once: a start waits for one round of them, not three.
  // One read of the queues that exist, rather than an insert attempt per queue on every start.
  const [claim, , queues] = await Promise.all([
    opts.runner ? claimJobRunner(database) : null,
    opts.runner ? owning() : null,
    boss.getQueues(),
  ])
  if (claim?.requeued) console.warn(`[rookery] ${claim.requeued} job${claim.requeued === 1 ? '' : 's'} left running by a process that stopped or crashed put back to run`)
  // Every queue of the application exists whatever this process works on: core actions send to them from anywhere.
  const known = new Set<string>([...QUEUES, ...(opts.queues ?? [])])
  const existing = new Set(queues.map((q) => q.name))
  for (const name of known) if (!existing.has(name)) await boss.createQueue(name)
  const ensureQueue = (name: string) => {
    if (!known.has(name)) throw new Error(`unknown job queue ${name}`)
  }
  const wakeups = startWakeups(database, (text, values) => executor.executeSql(text, values), idleSeconds * 1000)
  const pools = new Map<string, Pool>()
  const workerWakers = new Map<string, () => void>()
  let poolIds = 0
  return {
    async send(queue, data, o = {}) {
      ensureQueue(queue)
      const within = o.within ? executorFor(o.within) : undefined
      const id = await boss.send(queue, data, {
        db: within,
        startAfter: o.startAfterSeconds,
        singletonKey: o.singletonKey,
        retryLimit: o.retryLimit ?? 5,
        ...(o.retryDelaySeconds !== undefined ? { retryDelay: o.retryDelaySeconds } : {}),
        retryBackoff: true,
      } as PgBoss.SendOptions)
      // Heard by the workers of every process once the job is visible: with the caller's transaction's commit.
      if (id) await (within ?? executor).executeSql('select pg_notify($1, $2)', [JOBS_CHANNEL, o.startAfterSeconds ? laterPayload(queue) : queue])
      return id
    },
    async work(queue, handler, o = {}) {
      ensureQueue(queue)
      await owning()
      if ((o.concurrency ?? 1) > 1) {
        const id = `pool:${queue}:${++poolIds}`
        pools.set(id, startPool(boss, wakeups, queue, o.concurrency!, handler))
        return id
      }
      const batchSize = o.batchSize ?? 1
      let workerId: string | null = null
      workerId = await boss.work(queue, { pollingIntervalSeconds: WORKER_IDLE_SECONDS, batchSize }, async (jobs) => {
        // One failing job of a batch is retried alone; the rest complete.
        for (const job of jobs) {
          try {
            await handler(job.data as any, job.id)
          } catch (e) {
            await boss.fail(queue, job.id, { message: (e as Error)?.message ?? String(e) })
            wakeups.recheck()
          }
        }
        // pg-boss waits a whole polling interval after every fetch, even one that came back full: with more waiting,
        // a busy queue would run one batch per interval. Fetching again at once keeps it draining.
        if (jobs.length >= batchSize && workerId) boss.notifyWorker(workerId)
      })
      const id = workerId
      workerWakers.set(id, wakeups.add(queue, () => boss.notifyWorker(id)))
      return id
    },
    async offWork(workerId) {
      workerWakers.get(workerId)?.()
      workerWakers.delete(workerId)
      const pool = pools.get(workerId)
      if (!pool) return boss.offWork({ id: workerId } as any)
      pools.delete(workerId)
      await pool.stop()
    },
    async schedule(queue, cron, data) {
      ensureQueue(queue)
      await boss.schedule(queue, cron, data ?? {})
      if (supervise) await startClock()
    },
    async depth() {
      const queues = await boss.getQueues()
      const out: Record<string, number> = {}
      for (const q of queues) out[q.name] = await boss.getQueueSize(q.name)
      return out
    },
    async stop() {
      await wakeups.stop()
      const stopping = [...pools.values()]
      pools.clear()
      await Promise.all(stopping.map((p) => p.stop()))
      await (await clock?.catch(() => null))?.stop({ graceful: true, wait: true, timeout: 10_000 })
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 })
      await executor.release?.()
      await claim?.release()
      await (await ownership?.catch(() => null))?.release()
    },
  }
}

