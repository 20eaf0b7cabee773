import type { Database } from '../db/client'

/** Channel on which a sent job names its queue, delivered on commit to every process working jobs. */
export const JOBS_CHANNEL = 'rookery_jobs'

/** The payload that tells listeners the job starts later: they look up when, instead of fetching now. */
export const laterPayload = (queue: string) => `${queue} later`

type SqlRunner = (text: string, values: unknown[]) => Promise<{ rows: any[] }>

type PostgresListener = {
  listen(channel: string, fn: (payload: string) => void, onlisten?: () => void): Promise<{ unlisten(): Promise<void> }>
}

export interface Wakeups {
  /** Calls `wake` whenever a job of `queue` may be due, until the returned function is called. */
  add(queue: string, wake: () => void): () => void
  /** Looks up the next due time again (after a job failed: its retry starts later). */
  recheck(): void
  stop(): Promise<void>
}

/**
 * Wakes this process's workers when their queue has a job due, so that idle workers need not poll. A job sent is
 * announced on `JOBS_CHANNEL` in the sender's transaction, so listeners hear of it once it is visible. What no one
 * announces (a delayed job or a retry coming due, a job whose worker process died) is found by one query over every
 * queue of this process: it wakes the queues with a job due now and sleeps until the earliest later one, or
 * `idleMs` at most.
 */
export function startWakeups(database: Database, run: SqlRunner, idleMs: number): Wakeups {
  const wakers = new Map<string, Set<() => void>>()
  let listening: Promise<() => Promise<void>> | null = null
  let timer: ReturnType<typeof setTimeout> | null = null
  let checking: Promise<void> | null = null
  let again = false
  let stopped = false

  const wakeQueue = (queue: string) => {
    for (const wake of wakers.get(queue) ?? []) wake()
  }
  const report = (e: unknown) => console.error('[rookery] job queue error (wakeups):', (e as Error)?.message ?? e)

  const sleep = (ms: number) => {
    if (timer) clearTimeout(timer)
    timer = stopped ? null : setTimeout(check, Math.max(0, Math.min(ms, idleMs)))
  }

  async function lookUp() {
    const queues = [...wakers.keys()]
    if (!queues.length) return sleep(idleMs)
    // `state < 'active'` is pg-boss's index of waiting jobs (name, start_after).
    // Per queue, whether a job is due now, and when the first one that is not due yet will be: a queue with both must
    // be woken now and looked at again then.
    const { rows } = await run(
      `select name, bool_or(start_after <= now()) as due,
              extract(epoch from min(start_after) filter (where start_after > now()) - now()) * 1000 as wait
         from pgboss.job where name = any($1::text[]) and state < 'active' group by name`, [queues])
    let next = idleMs
    for (const row of rows) {
      if (row.due) wakeQueue(row.name)
      if (row.wait !== null && row.wait !== undefined) next = Math.min(next, Number(row.wait) + 10)
    }
    sleep(next)
  }

  function check() {
    if (stopped) return
    if (checking) {
      again = true
      return
    }
    checking = lookUp().catch((e) => { report(e); sleep(idleMs) }).finally(() => {
      checking = null
      if (again) {
        again = false
        check()
      }
    })
  }

  const heard = (payload: string) => {
    const [queue, later] = payload.split(' ')
    if (later) check()
    else wakeQueue(queue)
  }

  async function listen(): Promise<() => Promise<void>> {
    if (database.pglite) {
      const pglite = database.pglite
      const unlisten = await pglite.listen(JOBS_CHANNEL, heard)
      // Commands on the embedded database may go through the server's socket; their jobs are announced there too.
      check()
      return async () => { if (!pglite.closed) await unlisten() }
    }
    const client = (database.db as unknown as { $client: PostgresListener }).$client
    // onlisten also runs after a reconnect, when announcements may have been missed meanwhile.
    const { unlisten } = await client.listen(JOBS_CHANNEL, heard, check)
    return () => unlisten()
  }

  return {
    add(queue, wake) {
      let set = wakers.get(queue)
      if (!set) wakers.set(queue, set = new Set())
      set.add(wake)
      listening ??= listen()
      listening.catch(report)
      check()
      return () => {
        set!.delete(wake)
        if (!set!.size) wakers.delete(queue)
      }
    },
    recheck: check,
    async stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      await checking
      const unlisten = await listening?.catch(() => null)
      await unlisten?.().catch(() => {})
    },
  }
}
