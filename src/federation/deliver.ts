// Delivery of local statuses (Create, Update, Delete) and the bookkeeping of hosts that keep failing.
import { AsyncLocalStorage } from 'node:async_hooks'
import {
  createExponentialBackoffPolicy, SendActivityError, type Context, type MessageQueue, type MessageQueueEnqueueOptions,
  type MessageQueueListenOptions,
} from '@fedify/fedify'
import type { Recipient } from '@fedify/vocab'
import { eq, inArray } from 'drizzle-orm'
import type { Ctx } from '../core/context'
import { clearDeliveryFailures, recordDeliveryFailure, unavailableAmong } from '../core/federation/domains'
import { isDomainRejected } from '../core/instance/domain-policy'
import { federates, type PublishEvent, type StatusDeletion } from '../core/federation/publish'
import { deliveryTargets, loadFederatedStatusData, type DeliveryTarget } from '../core/federation/statuses'
import { accounts, statuses } from '../db/schema'
import { createActivity, deleteActivity, updateActivity } from './notes'

export type StatusEvent = Extract<PublishEvent, { type: 'status.create' | 'status.update' | 'status.delete' }>

export const isStatusEvent = (event: PublishEvent): event is StatusEvent => event.type.startsWith('status.')

/**
 * Fedify's own retry schedule, used when a queue does not retry natively (our pg-boss outbox does: 12 retries with
 * doubling delays, about two days). 15 attempts from one minute up to twelve hours apart: about four days.
 */
export const DELIVERY_RETRY_POLICY = createExponentialBackoffPolicy({
  maxAttempts: 15, initialDelay: { minutes: 1 }, maxDelay: { hours: 12 },
})

const toRecipient = (t: DeliveryTarget): Recipient => ({
  id: new URL(t.uri),
  inboxId: new URL(t.inboxUrl),
  endpoints: t.sharedInboxUrl ? { sharedInbox: new URL(t.sharedInboxUrl) } : null,
})

/** Sends the activity of a status event to the author's remote followers and the remote accounts it addresses. */
export async function deliverStatusEvent(c: Context<Ctx>, event: StatusEvent): Promise<void> {
  const ctx = c.data
  if (event.type === 'status.delete') return deliverDeletion(c, event)
  const [row] = await ctx.db.select().from(statuses).where(eq(statuses.id, event.statusId)).limit(1)
  if (!row || !row.uri || !federates(row)) return
  const data = await loadFederatedStatusData(ctx, [row])
  const username = data.authors.get(row.accountId)
  if (!username) return
  const activity = event.type === 'status.create' ? createActivity(c, row, data) : updateActivity(c, row, data)
  const addressedIds = (data.addressed.get(row.id) ?? []).map((a) => a.accountId)
  await send(c, username, row.visibility, await deliveryTargets(ctx, row.accountId, row.visibility, addressedIds), activity)
}

async function deliverDeletion(c: Context<Ctx>, event: StatusDeletion) {
  const ctx = c.data
  const [author] = await ctx.db.select({ username: accounts.username, domain: accounts.domain }).from(accounts)
    .where(eq(accounts.id, event.accountId)).limit(1)
  if (!author || author.domain) return
  const addressed = event.addressedIds.length
    ? await ctx.db.select({ uri: accounts.uri }).from(accounts).where(inArray(accounts.id, event.addressedIds))
    : []
  const activity = deleteActivity(c, {
    uri: event.uri, visibility: event.visibility, username: author.username,
    addressed: addressed.filter((a) => a.uri).map((a) => new URL(a.uri!)),
  })
  await send(c, author.username, event.visibility, await deliveryTargets(ctx, event.accountId, event.visibility, event.addressedIds), activity)
}

async function send(
  c: Context<Ctx>, username: string, visibility: string,
  targets: { followers: DeliveryTarget[]; addressed: DeliveryTarget[] },
  activity: Parameters<Context<Ctx>['sendActivity']>[2],
) {
  const excludeBaseUris = [new URL(c.data.config.baseUrl)]
  if (visibility === 'direct') {
    // Never through a shared inbox: the receiving server would have to guess who may read it.
    const personal = targets.addressed.map((t) => toRecipient({ ...t, sharedInboxUrl: null }))
    if (personal.length) await c.sendActivity({ identifier: username }, personal, activity, { excludeBaseUris })
    return
  }
  const recipients = [...targets.followers, ...targets.addressed].map(toRecipient)
  if (recipients.length) await c.sendActivity({ identifier: username }, recipients, activity, { preferSharedInbox: true, excludeBaseUris })
}

/** How the current delivery attempt went, told by Fedify's `onOutboxError` to the queue wrapper below. */
const attempt = new AsyncLocalStorage<{ outcome: 'sent' | 'unreachable' | 'refused' }>()

/**
 * Fedify's `onOutboxError`: an answer of 4xx (other than 429) means the host is up and refused this one activity;
 * anything else (5xx, 429, a network error) counts against the host.
 */
export function noteDeliveryError(error: Error): void {
  const state = attempt.getStore()
  if (!state) return
  const refused = error instanceof SendActivityError && error.statusCode >= 400 && error.statusCode < 500 && error.statusCode !== 429
  state.outcome = refused ? 'refused' : 'unreachable'
}

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
        const state = { outcome: 'sent' as 'sent' | 'unreachable' | 'refused' }
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
