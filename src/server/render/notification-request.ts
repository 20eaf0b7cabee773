import { and, inArray } from 'drizzle-orm'
import type { Ctx } from '../../core/context'
import { countHeldNotifications } from '../../core/notifications/requests'
import type { NotificationPolicy } from '../../core/notifications/policy'
import type { Viewer } from '../../core/oauth/authenticate'
import { visibleWithReblogSql } from '../../core/visibility'
import { accounts, statuses, type NotificationRequestRow } from '../../db/schema'
import { renderAccounts } from './account'
import { renderStatuses } from './status'

/** Mastodon's NotificationRequest entities, in a fixed number of queries; one whose sender cannot be shown is left out. */
export async function renderNotificationRequests(ctx: Ctx, rows: NotificationRequestRow[], viewer: Viewer) {
  if (!rows.length) return []
  const senderIds = [...new Set(rows.map((r) => r.fromAccountId))]
  const statusIds = [...new Set(rows.map((r) => r.lastStatusId).filter((id): id is string => !!id))]
  const [accountEntities, statusEntities, counts] = await Promise.all([
    (async () => {
      const list = await ctx.db.select().from(accounts).where(inArray(accounts.id, senderIds))
      const rendered = await renderAccounts(ctx, list, viewer)
      return new Map(list.map((a, i) => [a.id, rendered[i]]))
    })(),
    (async () => {
      if (!statusIds.length) return new Map()
      const list = await ctx.db.select().from(statuses).where(and(inArray(statuses.id, statusIds), visibleWithReblogSql(viewer.accountId!)))
      return new Map((await renderStatuses(ctx, list, viewer)).map((s) => [s.id, s]))
    })(),
    countHeldNotifications(ctx, viewer.accountId!, senderIds),
  ])
  return rows.flatMap((r) => {
    const account = accountEntities.get(r.fromAccountId)
    if (!account) return []
    return [{
      id: r.id,
      created_at: r.createdAt.toISOString(),
      updated_at: r.updatedAt.toISOString(),
      account,
      notifications_count: String(counts.get(r.fromAccountId) ?? 0),
      last_status: (r.lastStatusId && statusEntities.get(r.lastStatusId)) || null,
    }]
  })
}

/** Mastodon's v2 NotificationPolicy. */
export function renderNotificationPolicy(policy: NotificationPolicy) {
  return {
    ...policy.settings,
    summary: { pending_requests_count: policy.summary.pendingRequests, pending_notifications_count: policy.summary.pendingNotifications },
  }
}

/** Mastodon's v1 policy: `filter_*` booleans (true when filtered; dropped counts as filtered). */
export function renderNotificationPolicyV1(policy: NotificationPolicy) {
  const s = policy.settings
  return {
    filter_not_following: s.for_not_following !== 'accept',
    filter_not_followers: s.for_not_followers !== 'accept',
    filter_new_accounts: s.for_new_accounts !== 'accept',
    filter_private_mentions: s.for_private_mentions !== 'accept',
    summary: { pending_requests_count: policy.summary.pendingRequests, pending_notifications_count: policy.summary.pendingNotifications },
  }
}
