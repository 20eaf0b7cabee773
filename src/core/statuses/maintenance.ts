import type { Ctx } from '../context'
import type { Jobs } from '../jobs'
import { notifyEndedPolls } from '../polls/ended'
import { fanOutLater, HOME_FAN_OUT_QUEUE } from './distribute'
import { trimHomeFeeds } from '../timelines/home-feed'
import { deleteExpiredStatuses } from './delete-expired-statuses'
import { purgeIdempotencyKeys } from './post-status'
import { publishDueScheduledStatuses, SCHEDULED_STATUS_QUEUE } from './scheduled'
import { pruneRemoteTombstones } from './tombstones'

export const STATUS_MAINTENANCE_QUEUE = 'statuses.maintenance'
const BATCH = 100
const MAX_BATCHES_PER_RUN = 50

/**
 * Deletes every status whose `expires_in` ran out (in batches), drops stale idempotency keys, posts any scheduled
 * status whose own job did not (a safety net: each is posted exactly once either way), trims old home feed entries, forgets old remote
 * deletions and tells voters and authors of polls that ended (once per poll).
 */
export async function runStatusMaintenance(ctx: Ctx): Promise<{ expired: number; idempotencyKeys: number; scheduled: number; feedEntries: number; endedPolls: number; tombstones: number }> {
  let expired = 0
  for (let i = 0; i < MAX_BATCHES_PER_RUN; i++) {
    const n = await deleteExpiredStatuses(ctx, { batchSize: BATCH })
    expired += n
    if (n < BATCH) break
  }
  const idempotencyKeys = await purgeIdempotencyKeys(ctx)
  const scheduled = (await publishDueScheduledStatuses(ctx)).published.length
  const feedEntries = await trimHomeFeeds(ctx.db)
  const endedPolls = await notifyEndedPolls(ctx)
  const tombstones = await pruneRemoteTombstones(ctx.db)
  return { expired, idempotencyKeys, scheduled, feedEntries, endedPolls, tombstones }
}

/** Works the home feed fan-outs that posting left to a job (`HomeFanOut`). */
export async function registerHomeFanOutJobs(ctx: Ctx & { jobs: Jobs }): Promise<void> {
  await ctx.jobs.work<{ statusId: string }>(HOME_FAN_OUT_QUEUE, async ({ statusId }) => { await fanOutLater(ctx.db, statusId) }, { concurrency: 2 })
}

/**
 * Registers the durable, once-a-minute maintenance job on the server's queue (call once from `serve`).
 * The work is idempotent: a run that is retried or overlaps another deletes each due status once.
 */
export async function registerStatusJobs(ctx: Ctx & { jobs: Jobs }): Promise<void> {
  await ctx.jobs.work(STATUS_MAINTENANCE_QUEUE, async () => { await runStatusMaintenance(ctx) })
  await ctx.jobs.work<{ id: string }>(SCHEDULED_STATUS_QUEUE, async ({ id }) => { await publishDueScheduledStatuses(ctx, { onlyId: id }) })
  await registerHomeFanOutJobs(ctx)
  await ctx.jobs.schedule(STATUS_MAINTENANCE_QUEUE, '* * * * *')
}
