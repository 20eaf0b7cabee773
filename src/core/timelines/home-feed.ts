import { sql } from 'drizzle-orm'
import type { DbLike } from '../../db/client'
import { uuidParam } from '../../db/sql'

/** How many of a newly followed account's recent statuses enter the follower's home feed. */
export const FOLLOW_BACKFILL = 400

/** After a follow is accepted: the followed account's recent statuses enter the follower's home feed. */
export async function backfillHomeFeed(tx: DbLike, followerId: string, targetId: string) {
  await tx.execute(sql`
    insert into home_feed_entries (account_id, status_id, author_id, reblog_of_id)
    select ${uuidParam(followerId)}, s.id, s.account_id, s.reblog_of_id
    from statuses s
    where s.account_id = ${uuidParam(targetId)}
      and exists (select 1 from users u where u.account_id = ${uuidParam(followerId)})
    order by s.id desc
    limit ${FOLLOW_BACKFILL}
    on conflict do nothing`)
}

/** After an unfollow (or block): the account's statuses leave the former follower's home feed. */
export async function removeFromHomeFeed(tx: DbLike, followerId: string, targetId: string) {
  await tx.execute(sql`delete from home_feed_entries where account_id = ${uuidParam(followerId)} and author_id = ${uuidParam(targetId)}`)
}
