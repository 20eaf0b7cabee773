import type { PushSubscriptionRow } from '../../db/schema'
import { ALERT_TYPES } from '../../core/push/subscriptions'

/** Mastodon's WebPushSubscription, every alert listed (Pleroma's too), with Mastodon 4.3's `policy` and `standard`. */
export function buildPushSubscription(row: PushSubscriptionRow, serverKey: string) {
  return {
    id: row.id,
    endpoint: row.endpoint,
    standard: row.standard,
    alerts: Object.fromEntries(ALERT_TYPES.map((type) => [type, row.alerts[type] ?? false])),
    policy: row.policy,
    server_key: serverKey,
  }
}
