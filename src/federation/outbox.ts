// The outbox queue's listening side: which hosts get a delivery now, later or never. It needs no Fedify code, so the
// workers can listen before Fedify is loaded.
import { AsyncLocalStorage } from 'node:async_hooks'
import type { MessageQueue, MessageQueueEnqueueOptions, MessageQueueListenOptions } from '@fedify/fedify'
import type { Ctx } from '../core/context'
import { clearDeliveryFailures, recordDeliveryFailure, unavailableAmong } from '../core/federation/domains'
import { isDomainRejected } from '../core/instance/domain-policy'

type Outcome = 'sent' | 'unreachable' | 'refused'

/** How the current delivery attempt went, told by Fedify's `onOutboxError` (deliver.ts) to the queue wrapper below. */
const attempt = new AsyncLocalStorage<{ outcome: Outcome }>()

/** The state of the delivery attempt running in this async context, if any. */
export const currentAttempt = () => attempt.getStore()

const hostOf = (inbox: unknown): string | null => {
  try {
    return typeof inbox === 'string' ? new URL(inbox).host : null
  } catch {
    return null
  }
}

const { Temporal } = globalThis as any

/** How long a delivery to a host already at its limit waits before it is tried again. */
export const BUSY_HOST_DELAY_SECONDS = 1

/**
 * The outbox queue with unavailable and blocked hosts: a message to a host marked unavailable, or one this instance
 * does not federate with (suspended, rejected, not allowed), is dropped, a failed attempt is
 * counted against its host, and a delivered one clears the host's failures. At most `perHost` deliveries to one host
 * run at once in this process; one more is put back on the queue for a moment rather than wait in a slot.
 */
export function trackDeliveries(ctx: Ctx, queue: MessageQueue, perHost = ctx.config.federation.deliveryPerHost): MessageQueue {
  const inFlight = new Map<string, number>()
  return {
    get nativeRetrial() { return queue.nativeRetrial },
    enqueue: (message: unknown, options?: MessageQueueEnqueueOptions) => queue.enqueue(message, options),
    getDepth: queue.getDepth ? () => queue.getDepth!() : undefined,
    listen(handler: (message: any) => Promise<void> | void, options?: MessageQueueListenOptions) {
      return queue.listen(async (message: { inbox?: unknown }) => {
        const host = hostOf(message?.inbox)
        if (!host) return handler(message)
        if ((await unavailableAmong(ctx, [host])).size || await isDomainRejected(ctx, host)) return
        const busy = inFlight.get(host) ?? 0
        if (busy >= perHost) {
          return queue.enqueue(message, { delay: Temporal.Duration.from({ seconds: BUSY_HOST_DELAY_SECONDS }) })
        }
        inFlight.set(host, busy + 1)
        const state = { outcome: 'sent' as Outcome }
        try {
          await attempt.run(state, () => handler(message))
        } catch (e) {
          if (state.outcome === 'refused') await clearDeliveryFailures(ctx, host)
          else await recordDeliveryFailure(ctx, host)
          throw e
        } finally {
          const left = (inFlight.get(host) ?? 1) - 1
          if (left > 0) inFlight.set(host, left)
          else inFlight.delete(host)
        }
        if (state.outcome === 'unreachable') await recordDeliveryFailure(ctx, host)
        else await clearDeliveryFailures(ctx, host)
      }, options)
    },
  }
}
