import { and, eq, ne, sql } from 'drizzle-orm'
import { builtOnceSelect } from '../../db/prepared'
import { idToUuid } from '../ids'
import type { DbLike } from '../../db/client'
import { follows, statuses, type StatusRow } from '../../db/schema'
import { notifyAll } from './notify'

/** Visibilities that reach followers' home feeds, and so their subscribers' notifications. */
const FOLLOWER_VISIBILITIES = new Set(['public', 'unlisted', 'local', 'private'])

const subscribersRead = builtOnceSelect((db) => db.select({ accountId: follows.accountId }).from(follows)
  .where(sql`${follows.targetAccountId} = ${sql.placeholder('author')} and ${follows.notify}`))

/**
 * `status` notifications for a new status, to the local followers who asked for them (`notify: true` on the follow),
 * as Mastodon: originals and self-replies only, never reblogs, replies to others, direct or list statuses. Followers it
 * mentions get the mention instead.
 */
export async function notifySubscribers(
  tx: DbLike, row: StatusRow, mentioned: string[], subscribers: string[] | Promise<string[]> = subscribersOf(tx, row),
): Promise<void> {
  const skip = new Set(mentioned)
  const recipients = (await subscribers).filter((id) => !skip.has(id))
  await notifyAll(tx, { type: 'status', fromAccountId: row.accountId, statusId: row.id }, recipients)
}

/** The local followers `notifySubscribers` notifies of this status (before leaving out those it mentions): none for a reblog, a reply to another, a direct or list status. */
export async function subscribersOf(
  db: DbLike, row: Pick<StatusRow, 'accountId' | 'reblogOfId' | 'visibility' | 'inReplyToAccountId'>,
): Promise<string[]> {
  if (row.reblogOfId || !FOLLOWER_VISIBILITIES.has(row.visibility)) return []
  if (row.inReplyToAccountId && row.inReplyToAccountId !== row.accountId) return []
  return (await subscribersRead(db, { author: idToUuid(row.accountId) })).map((s) => s.accountId)
}

/** `update` notifications for an edited status, to the accounts that reblogged it (Mastodon; Pleroma alike). */
export async function notifyRebloggersOfEdit(tx: DbLike, row: StatusRow): Promise<void> {
  const rebloggers = await tx.select({ accountId: statuses.accountId }).from(statuses)
    .where(and(eq(statuses.reblogOfId, row.id), ne(statuses.accountId, row.accountId)))
  await notifyAll(tx, { type: 'update', fromAccountId: row.accountId, statusId: row.id }, rebloggers.map((r) => r.accountId))
}
