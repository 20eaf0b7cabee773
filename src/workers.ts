// The background side of Rookery: every job queue's workers (statuses, relationships, imports, media, accounts, push,
// federation, previews, trends, backups). `serve` runs them beside HTTP unless told `--no-jobs`; `rookery worker`
// runs them alone, so either side can be scaled on its own against one PostgreSQL database.
import type { Config } from './config'
import { openContext } from './context'
import type { Ctx } from './core/context'
import { startJobs, type Jobs } from './core/jobs'
import { registerStatusJobs } from './core/statuses/maintenance'
import { registerMediaJobs } from './core/media/prune'
import { registerImportJobs } from './core/imports/start-import'
import { registerRelationshipJobs } from './core/relationships/maintenance'
import { registerAccountJobs } from './core/accounts/delete-account'
import { registerPushJobs } from './core/push/deliver'
import { registerPreviewCardJobs } from './core/cards/fetch-card'
import { registerTrendJobs } from './core/trends/trends'
import { registerBackupJobs } from './core/backups/backups'
import { startFederationWorkers } from './federation/workers'
import { registerInstanceJobs } from './core/federation/instances'
import { adoptIdentity } from './core/instance/identity'

export interface Workers {
  /** Stops listening for events and taking new jobs; the job queue itself is stopped by its owner. */
  stop(): Promise<void>
}

/** Registers the handler of every queue (and the recurring schedules) on a context whose job queue is started. */
export async function startWorkers(ctx: Ctx & { jobs: Jobs }): Promise<Workers> {
  const federationStop = new AbortController()
  let stopPush: (() => Promise<void>) | undefined
  try {
    await registerStatusJobs(ctx)
    await registerRelationshipJobs(ctx)
    await registerImportJobs(ctx)
    await registerMediaJobs(ctx)
    await registerAccountJobs(ctx)
    stopPush = await registerPushJobs(ctx)
    await startFederationWorkers(ctx, federationStop.signal)
    await registerPreviewCardJobs(ctx)
    await registerTrendJobs(ctx)
    await registerBackupJobs(ctx)
    await registerInstanceJobs(ctx)
  } catch (e) {
    federationStop.abort()
    await stopPush?.().catch(() => {})
    throw e
  }
  return {
    async stop() {
      await stopPush?.().catch(() => {})
      federationStop.abort()
    },
  }
}

export interface RunningWorker {
  ctx: Ctx
  stop(): Promise<void>
}

/** `rookery worker`: opens (and migrates) the database and works the job queues, with no HTTP server. */
export async function startWorkerProcess(config: Config): Promise<RunningWorker> {
  const ctx = await openContext({ config, role: 'worker', migrate: true })
  let jobs: Jobs | undefined
  let workers: Workers
  try {
    // Jobs build links (deliveries, mails, push) from the identity the server stored; the server claims it first.
    await adoptIdentity(ctx.db, config, { claim: false })
    jobs = ctx.jobs = await startJobs(ctx.database, { runner: true, pollingIntervalSeconds: config.jobPollingSeconds })
    workers = await startWorkers({ ...ctx, jobs })
  } catch (e) {
    await jobs?.stop().catch(() => {})
    await ctx.database.close().catch(() => {})
    throw e
  }
  let stopping: Promise<void> | null = null
  return {
    ctx,
    stop() {
      stopping ??= (async () => {
        await workers.stop()
        await jobs!.stop().catch((e) => console.error('[rookery] stopping the job queue:', e))
        await ctx.database.close()
      })()
      return stopping
    },
  }
}
