import type { MessageQueue, MessageQueueEnqueueOptions, MessageQueueListenOptions } from '@fedify/fedify'
import type { Jobs } from '../core/jobs'
import { inboxOrderKey, KeyedSerializer } from './inbox/order'

export interface QueueSettings {
  /** pg-boss attempts after the first failure */
  retryLimit: number
  /** first retry delay; pg-boss doubles it (with jitter) each time */
  retryDelaySeconds: number
  /** jobs fetched per poll */
  batchSize: number
  /** jobs handled at once by this process; above 1, a slot is refilled as soon as its job ends */
  concurrency?: number
  /** messages with the same key run one after another, in the order they were fetched */
  orderKey?: (message: unknown) => string | null
}

/**
 * A Fedify message queue on one pg-boss queue of the application's database: durable, shared by every process,
 * retried with pg-boss's backoff (`nativeRetrial`), so a delivery outlives a restart and keeps trying for days.
 */
export class PgBossMessageQueue implements MessageQueue {
  readonly nativeRetrial = true

  constructor(private readonly jobs: Jobs, readonly queue: string, private readonly settings: QueueSettings) {}

  async enqueue(message: unknown, options?: MessageQueueEnqueueOptions): Promise<void> {
    const delay = options?.delay ? Math.ceil(options.delay.total({ unit: 'seconds' })) : 0
    // pg-boss data must be an object; Fedify's messages may be anything JSON.
    await this.jobs.send(this.queue, { message }, {
      startAfterSeconds: delay > 0 ? delay : undefined,
      retryLimit: this.settings.retryLimit,
      retryDelaySeconds: this.settings.retryDelaySeconds,
    })
  }

  async listen(handler: (message: any) => Promise<void> | void, options?: MessageQueueListenOptions): Promise<void> {
    const signal = options?.signal
    if (signal?.aborted) return
    const order = new KeyedSerializer()
    const key = this.settings.orderKey ?? (() => null)
    const worker = await this.jobs.work<{ message: unknown }>(this.queue, async (data) => {
      await order.run(key(data.message), async () => { await handler(data.message) })
    }, { batchSize: this.settings.batchSize, concurrency: this.settings.concurrency })
    await new Promise<void>((resolve) => {
      if (!signal) return // listens until the job queue stops
      signal.addEventListener('abort', () => resolve(), { once: true })
    })
    await this.jobs.offWork(worker)
  }

  async getDepth() {
    const depth = await this.jobs.depth()
    return { queued: depth[this.queue] ?? 0 }
  }
}

/**
 * Fedify's three queues. With the default first delay of 30 s, outbox retries span about two days
 * (pg-boss: delay × 2^n with jitter).
 */
export function federationQueues(jobs: Jobs, retryDelaySeconds = 30, deliveryConcurrency = 8, inboxConcurrency = 8) {
  return {
    inbox: new PgBossMessageQueue(jobs, 'federation.inbox', {
      retryLimit: 8, retryDelaySeconds, batchSize: 10, concurrency: inboxConcurrency, orderKey: inboxOrderKey,
    }),
    outbox: new PgBossMessageQueue(jobs, 'federation.outbox', {
      retryLimit: 12, retryDelaySeconds, batchSize: 10, concurrency: deliveryConcurrency,
    }),
    fanout: new PgBossMessageQueue(jobs, 'federation.fanout', { retryLimit: 3, retryDelaySeconds, batchSize: 5 }),
  }
}
