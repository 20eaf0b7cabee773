import { eq, sql, type SQL } from 'drizzle-orm'
import type { DbLike } from '../../db/client'
import { statuses, type StatusRow } from '../../db/schema'
import type { Ctx } from '../context'
import type { Jobs } from '../jobs'
import { uuidParam } from '../../db/sql'
import { recordDirectStatus } from '../conversations/record'
import { publishEventSql, type StreamEvent } from '../events'
import { notifyAll } from '../notifications/notify'
import { notifySubscribers } from '../notifications/status-events'

export interface Recipient {
  accountId: string
  silent: boolean
}

/** The queue of home feed fan-outs left to a job (`HomeFanOut`). */
export const HOME_FAN_OUT_QUEUE = 'statuses.fanout'

/**
 * Where a new status's followers get it: `inline`, in the transaction that makes the status; `deferred`, from a job
 * sent within that transaction (`HOME_FAN_OUT_QUEUE`), for authors with more followers than a request should wait for.
 */
export type HomeFanOut = { kind: 'inline' } | { kind: 'deferred'; jobs: Jobs }

const INLINE_FAN_OUT: HomeFanOut = { kind: 'inline' }

/**
 * How a local author's new status reaches their followers: from a job once they have more followers than
 * `inlineFanOutFollowers`, and only where jobs can be sent.
 */
export function homeFanOutFor(ctx: Ctx, followersCount: number): HomeFanOut {
  return ctx.jobs && followersCount > ctx.config.inlineFanOutFollowers ? { kind: 'deferred', jobs: ctx.jobs } : INLINE_FAN_OUT
}

/**
 * Everything a newly posted status causes, inside its transaction: home feed entries (followers' and hashtag followers'), notifications (mentions and
 * subscribers'), for direct statuses the participants' conversations, and the streaming `update` event (sent by the
 * home feeds' statement). Each concern is one function here, so posting, scheduled posting and reblogging all
 * distribute the same way. `subscribers`, when given, are `subscribersOf(tx, row)` read beforehand. With a deferred
 * fan-out, only the author's own feed is written here, and the job writes the others' (`fanOutLater`).
 */
export async function distributeNewStatus(tx: DbLike, row: StatusRow, recipients: Recipient[], subscribers?: string[], fanOut: HomeFanOut = INLINE_FAN_OUT) {
  // A list's status goes to the list's members below, in this transaction: its stream events stay one.
  if (fanOut.kind === 'inline' || row.visibility === 'list') await fanOutToHomeFeeds(tx, row, { type: 'update', statusId: row.id })
  else {
    await fanOutToHomeFeeds(tx, row, { type: 'update', statusId: row.id, feeds: 'author' }, 'author')
    await fanOut.jobs.send(HOME_FAN_OUT_QUEUE, { statusId: row.id }, { within: tx, retryLimit: 10, retryDelaySeconds: 5 })
  }
  if (row.visibility === 'list' && row.listId) await fanOutToListMembers(tx, row)
  const addressed = recipients.map((r) => r.accountId)
  await notifyAll(tx, { type: 'mention', fromAccountId: row.accountId, statusId: row.id }, addressed)
  await notifySubscribers(tx, row, addressed, subscribers)
  await recordDirectStatus(tx, row, addressed)
}

/**
 * A deferred fan-out's job: the status's followers' and hashtag followers' entries, with an `update` event for their
 * home streams. Nothing when the status is gone, also when it goes while the job runs; a repeated run adds nothing
 * twice.
 */
export async function fanOutLater(db: DbLike, statusId: string) {
  await db.transaction(async (tx) => {
    // The lock holds off the status's deletion until the entries are in, so that its trigger takes them out again; a
    // status whose deletion came first is not found (home feed entries have no foreign key to keep them out).
    const [row] = await tx.select({
      id: statuses.id, accountId: statuses.accountId, reblogOfId: statuses.reblogOfId, inReplyToAccountId: statuses.inReplyToAccountId,
      visibility: statuses.visibility,
    }).from(statuses).where(eq(statuses.id, statusId)).limit(1).for('key share')
    if (row) await fanOutToHomeFeeds(tx, row, { type: 'update', statusId: row.id, feeds: 'others' }, 'others')
  })
}

/** Whose home feeds a fan-out statement writes: everyone's, the author's alone, or everyone's but the author's. */
type FanOutReach = 'all' | 'author' | 'others'

/**
 * Writes the status into the home feeds of its author, the author's local followers and its hashtags' followers, in
 * one statement (or the part of them `reach` says). Replies reach only followers who also follow the replied-to
 * account (or are it), as on Mastodon; reblogs skip followers who turned reblogs off. Visibility is still checked when
 * the feed is read. With `publish`, the same statement also publishes that streaming event (`publishEvent`): an insert
 * in `with` runs to completion whatever the statement's select reads of it.
 */
export async function fanOutToHomeFeeds(
  tx: DbLike, row: Pick<StatusRow, 'id' | 'accountId' | 'reblogOfId' | 'inReplyToAccountId' | 'visibility'>, publish?: StreamEvent,
  reach: FanOutReach = 'all',
) {
  const author = uuidParam(row.accountId)
  const replyTo = row.inReplyToAccountId && row.inReplyToAccountId !== row.accountId ? uuidParam(row.inReplyToAccountId) : null
  const replyRule = replyTo
    ? sql`and (f.account_id = ${replyTo} or exists (select 1 from follows rf where rf.account_id = f.account_id and rf.target_account_id = ${replyTo}))`
    : sql``
  // A reblog enters a feed only where neither the original nor another reblog of it is already.
  const notYetInFeed = (feedOwner: SQL) => row.reblogOfId
    ? sql`and not exists (select 1 from home_feed_entries e where e.account_id = ${feedOwner}
        and (e.status_id = ${uuidParam(row.reblogOfId)} or e.reblog_of_id = ${uuidParam(row.reblogOfId)}))`
    : sql``
  const reblogRule = row.reblogOfId ? sql`and f.show_reblogs ${notYetInFeed(sql`f.account_id`)}` : sql``
  const reblogOf = row.reblogOfId ? uuidParam(row.reblogOfId) : sql`null::uuid`
  const authorEntry = sql`select ${author}, ${uuidParam(row.id)}, ${reblogOf}
    where exists (select 1 from users u where u.account_id = ${author}) ${notYetInFeed(author)}`
  const followerEntries = sql`select f.account_id, ${uuidParam(row.id)}, ${reblogOf}
    from follows f join users u on u.account_id = f.account_id
    where f.target_account_id = ${author} ${replyRule} ${reblogRule}
    ${tagFollowersEntries(row)}`
  // A new status has no entries yet, so nothing can conflict but the parts with each other (a follower who also
  // follows one of its tags): `union` leaves one of each, and the insert needs no conflict check per row. A deferred
  // fan-out's job may run again after a failure, so it skips what an earlier run wrote.
  const insert = reach === 'author'
    ? sql`insert into home_feed_entries (account_id, status_id, reblog_of_id) ${authorEntry}`
    : reach === 'others'
      ? sql`insert into home_feed_entries (account_id, status_id, reblog_of_id) ${followerEntries} on conflict do nothing`
      : sql`insert into home_feed_entries (account_id, status_id, reblog_of_id) ${authorEntry} union ${followerEntries}`
  const published = publish ? publishEventSql(publish) : null
  await tx.execute(published ? sql`with fanned_out as (${insert}) select ${published}` : insert)
}

/**
 * A public status with hashtags also enters the home feeds of local users following one of them, as on Mastodon:
 * not reblogs, not from silenced authors, and not for followers who block or mute the author or are blocked by them.
 * The rows are added (`union`) to those of `fanOutToHomeFeeds`.
 */
function tagFollowersEntries(row: Pick<StatusRow, 'id' | 'accountId' | 'reblogOfId' | 'visibility'>): SQL {
  if (row.reblogOfId || !['public', 'local'].includes(row.visibility)) return sql``
  const author = uuidParam(row.accountId)
  return sql`
    union
    select tf.account_id, ${uuidParam(row.id)}, null::uuid
    from status_tags st
    join tag_follows tf on tf.tag_id = st.tag_id
    join users u on u.account_id = tf.account_id
    where st.status_id = ${uuidParam(row.id)}
      and not exists (select 1 from accounts a where a.id = ${author} and a.silenced_at is not null)
      and not exists (select 1 from blocks b where (b.account_id = tf.account_id and b.target_account_id = ${author})
        or (b.account_id = ${author} and b.target_account_id = tf.account_id))
      and not exists (select 1 from mutes m where m.account_id = tf.account_id and m.target_account_id = ${author}
        and (m.expires_at is null or m.expires_at > now()))`
}

/** A `list:ID` status also enters the home feeds of that list's local members, who need not follow the author. */
export async function fanOutToListMembers(tx: DbLike, row: Pick<StatusRow, 'id' | 'accountId' | 'listId'>) {
  if (!row.listId) return
  await tx.execute(sql`
    insert into home_feed_entries (account_id, status_id, reblog_of_id)
    select la.account_id, ${uuidParam(row.id)}, null::uuid
    from list_accounts la join users u on u.account_id = la.account_id
    where la.list_id = ${uuidParam(row.listId)}
    on conflict do nothing`)
}
