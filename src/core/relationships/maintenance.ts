import type { Ctx } from '../context'
import type { Jobs } from '../jobs'
import { purgeExpiredMutes } from './mute'

export const RELATIONSHIP_MAINTENANCE_QUEUE = 'relationships.maintenance'

/** Registers the job that deletes expired mutes every ten minutes (reads ignore them before that). */
export async function registerRelationshipJobs(ctx: Ctx & { jobs: Jobs }): Promise<void> {
  await ctx.jobs.work(RELATIONSHIP_MAINTENANCE_QUEUE, async () => { await purgeExpiredMutes(ctx.db) })
  await ctx.jobs.schedule(RELATIONSHIP_MAINTENANCE_QUEUE, '*/10 * * * *')
}
