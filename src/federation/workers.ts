// The federation side of the job workers. They listen on Fedify's queues and on the publish queue without loading
// Fedify: it is imported by the first job that needs it (an idle or private instance may never load it).
import type { Ctx } from '../core/context'
import { FEDERATION_PUBLISH_QUEUE, type PublishEvent } from '../core/federation/publish'
import { setRemoteResolver } from '../core/search/resolve'
import { DrizzleKvStore } from './kv'
import { trackDeliveries } from './outbox'
import { federationQueues } from './queue'

const fedify = () => import('./index')

/**
 * Starts the workers of a serving process: Fedify's inbox, outbox and fan-out queues, the publish queue fed by
 * core actions, and the sweep of expired key-value rows.
 */
export async function startFederationWorkers(ctx: Ctx, signal: AbortSignal): Promise<void> {
  if (!ctx.jobs) throw new Error('federation workers need the job queue')
  const { retryDelaySeconds, deliveryConcurrency, inboxConcurrency } = ctx.config.federation
  const queues = federationQueues(ctx.jobs, retryDelaySeconds, deliveryConcurrency, inboxConcurrency)
  // background work (follow imports) resolves remote accounts in worker processes too
  setRemoteResolver(async (...args) => (await import('./lookup')).resolveRemote(...args))
  // What Federation.startQueue does, with the federation built on the first message.
  const handle = async (message: any) => (await fedify()).federationFor(ctx).processQueuedTask(ctx, message)
  void Promise.all([queues.inbox, trackDeliveries(ctx, queues.outbox), queues.fanout].map((queue) => queue.listen(handle, { signal })))
    .catch((e) => console.error('[rookery] federation queue:', e))
  await ctx.jobs.work<PublishEvent>(FEDERATION_PUBLISH_QUEUE, async (event) => (await fedify()).publish(ctx, event))
  const kv = new DrizzleKvStore(ctx.db)
  await ctx.jobs.work('federation.kv.sweep', async () => { await kv.sweep() })
  await ctx.jobs.schedule('federation.kv.sweep', '*/10 * * * *')
}
