import { sql } from 'drizzle-orm'
import { resultRows, type DbLike } from '../../db/client'
import { homeFeedEntries } from '../../db/schema'
import { uuidParam } from '../../db/sql'
import { idAtTime, idToUuid } from '../ids'

/**
 * Feed entries are kept this long; the home timeline reads older pages from the follow graph itself, so trimming
 * loses nothing and keeps the table proportional to recent activity.
 */
export const HOME_FEED_DAYS = 30

/** The oldest status id the feed still holds entries for. */
export const homeFeedHorizon = (now = Date.now()) => idAtTime(now - HOME_FEED_DAYS * 86_400_000)

/** How many of a newly followed account's recent statuses enter the follower's home feed. */
export const FOLLOW_BACKFILL = 400

/** After a follow is accepted: the followed account's recent statuses enter the follower's home feed. */
export async function backfillHomeFeed(tx: DbLike, followerId: string, targetId: string) {
  await tx.execute(sql`
    insert into home_feed_entries (account_id, status_id, reblog_of_id)
    select ${uuidParam(followerId)}, s.id, s.reblog_of_id
    from statuses s
    where s.account_id = ${uuidParam(targetId)}
      and s.id >= ${uuidParam(homeFeedHorizon())}
      and exists (select 1 from users u where u.account_id = ${uuidParam(followerId)})
    order by s.id desc
    limit ${FOLLOW_BACKFILL}
    on conflict do nothing`)
}

/**
 * After an unfollow (or block): the account's statuses (and reblogs) leave the former follower's home feed. They are
 * found through the account's statuses since the horizon: older entries are never read, and go with the trimming.
 */
export async function removeFromHomeFeed(tx: DbLike, followerId: string, targetId: string, only: 'all' | 'reblogs' = 'all') {
  await tx.execute(sql`delete from home_feed_entries e using statuses s
    where e.account_id = ${uuidParam(followerId)} and e.status_id = s.id
      and s.account_id = ${uuidParam(targetId)} and s.id >= ${uuidParam(homeFeedHorizon())}
      ${only === 'reblogs' ? sql`and s.reblog_of_id is not null` : sql``}`)
}

/** Drops feed entries older than the horizon, a batch at a time; returns how many went. */
export async function trimHomeFeeds(db: DbLike, batch = 10_000): Promise<number> {
  const horizon = idToUuid(homeFeedHorizon())
  const result = await db.execute(sql`
    delete from ${homeFeedEntries} where ctid in (
      select ctid from ${homeFeedEntries} where status_id < ${horizon}::uuid limit ${batch})
    returning 1 as gone`)
  return resultRows(result).length
}
