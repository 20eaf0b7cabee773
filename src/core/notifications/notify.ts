import { and, eq, sql, type SQL, type SQLWrapper } from 'drizzle-orm'
import { resultRows, type DbLike } from '../../db/client'
import { notificationRequests, notifications, type NotificationType } from '../../db/schema'
import { uuidParam } from '../../db/sql'
import { publishEvent } from '../events'
import { newId, uuidToId } from '../ids'
import { filteredByPolicySql, mayNotifySql, optionalUuid } from './rules'

export interface NotificationInput {
  type: NotificationType
  /** the recipient */
  accountId: string
  /** who caused it */
  fromAccountId: string
  statusId?: string | null
  targetAccountId?: string | null
  reportId?: string | null
  emoji?: string | null
  emojiUrl?: string | null
  chatMessageId?: string | null
}

/**
 * Records a notification inside the caller's transaction, if the recipient should get it (see `mayNotifySql`: local
 * users only, not one's own actions, no blocks, mutes, blocked domains, muted threads or strangers when refused).
 * Returns the new row's id, or null when skipped.
 */
export async function notify(tx: DbLike, n: NotificationInput): Promise<string | null> {
  const { accountId, ...rest } = n
  const [id] = await notifyAll(tx, rest, [accountId])
  return id ?? null
}

/** Mastodon groups favourites and reblogs of one status, and follows, that come within the same 12 hours. */
const GROUP_SPAN_MS = 12 * 3600_000

export function groupKeyFor(n: Pick<NotificationInput, 'type' | 'statusId'>, at = Date.now()): string | null {
  const bucket = Math.floor(at / GROUP_SPAN_MS)
  if ((n.type === 'favourite' || n.type === 'reblog') && n.statusId) return `${n.type}-${n.statusId}-${bucket}`
  if (n.type === 'follow') return `follow-${bucket}`
  return null
}

/** `groupKeyFor` of a `follow` notification, in SQL, for one that becomes a follow later (an accepted request). */
export const followGroupKeySql = (createdAt: SQLWrapper, filtered: SQLWrapper): SQL<string | null> =>
  sql`case when ${filtered} then null else 'follow-' || floor(extract(epoch from ${createdAt}) * 1000 / ${GROUP_SPAN_MS})::bigint end`

/**
 * The same notification for several recipients, in one statement; returns the ids of the rows created. Each new
 * notification is published for the streaming API when the transaction commits.
 */
export async function notifyAll(tx: DbLike, n: Omit<NotificationInput, 'accountId'>, recipientIds: string[]): Promise<string[]> {
  const recipients = [...new Set(recipientIds)]
  if (!recipients.length) return []
  const values = recipients.map((accountId) => sql`(${uuidParam(newId())}, ${uuidParam(accountId)})`)
  const sender = uuidParam(n.fromAccountId)
  const result = await tx.execute(sql`
    insert into notifications (id, account_id, from_account_id, type, status_id, target_account_id, report_id, emoji, emoji_url, chat_message_id, group_key, filtered)
    select r.id, r.account_id, ${sender}, ${n.type}::text, ${optionalUuid(n.statusId)}, ${optionalUuid(n.targetAccountId)},
      ${optionalUuid(n.reportId)}, ${n.emoji ?? null}::text, ${n.emojiUrl ?? null}::text, ${optionalUuid(n.chatMessageId)},
      case when pf.filtered then null else ${groupKeyFor(n)}::text end, pf.filtered
    from (values ${sql.join(values, sql`, `)}) as r(id, account_id)
    cross join lateral (select ${filteredByPolicySql(sql`r.account_id`, sender, n.type, n.statusId)} as filtered) pf
    where ${mayNotifySql(sql`r.account_id`, sender, n.type, n.statusId)}
    returning id, account_id, filtered`)
  const created = resultRows<{ id: string; account_id: string; filtered: boolean }>(result)
    .map((r) => ({ id: uuidToId(r.id), accountId: uuidToId(r.account_id), filtered: r.filtered }))
  const held = created.filter((c) => c.filtered)
  if (held.length) {
    await tx.insert(notificationRequests)
      .values(held.map((c) => ({ accountId: c.accountId, fromAccountId: n.fromAccountId, lastStatusId: n.statusId ?? null })))
      .onConflictDoUpdate({
        target: [notificationRequests.accountId, notificationRequests.fromAccountId],
        set: { lastStatusId: sql`coalesce(excluded.last_status_id, ${notificationRequests.lastStatusId})`, updatedAt: sql`now()` },
      })
  }
  for (const c of created) if (!c.filtered) await publishEvent(tx, { type: 'notification', notificationId: c.id, accountId: c.accountId })
  return created.map((c) => c.id)
}

/** Removes the notifications an undone action caused (unfavourite, unreblog, unfollow, reaction removed...). */
export async function withdrawNotifications(tx: DbLike, where: { type: NotificationType; fromAccountId: string; statusId?: string; accountId?: string; emoji?: string }) {
  await tx.delete(notifications).where(and(
    eq(notifications.type, where.type),
    eq(notifications.fromAccountId, where.fromAccountId),
    where.statusId ? eq(notifications.statusId, where.statusId) : sql`true`,
    where.accountId ? eq(notifications.accountId, where.accountId) : sql`true`,
    where.emoji ? eq(notifications.emoji, where.emoji) : sql`true`,
  ))
  // A request left without filtered notifications has nothing to show.
  await tx.execute(sql`delete from notification_requests nr where nr.from_account_id = ${uuidParam(where.fromAccountId)}
    ${where.accountId ? sql`and nr.account_id = ${uuidParam(where.accountId)}` : sql``}
    and not exists (select 1 from notifications fn where fn.account_id = nr.account_id and fn.from_account_id = nr.from_account_id and fn.filtered)`)
}
