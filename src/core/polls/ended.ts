import { inArray, sql } from 'drizzle-orm'
import { resultRows } from '../../db/client'
import { pollVotes } from '../../db/schema'
import type { Ctx } from '../context'
import { uuidToId } from '../ids'
import { notifyAll } from '../notifications/notify'

const BATCH = 100
const MAX_BATCHES_PER_RUN = 20

/**
 * `poll` notifications for polls that ended: to their author and everyone who voted. Each poll is claimed
 * (`ended_notified_at`) in the same transaction that notifies, so overlapping or retried runs notify exactly once;
 * a poll reopened by an edit is claimed again when it ends again. For the periodic maintenance job.
 */
export async function notifyEndedPolls(ctx: Ctx): Promise<number> {
  let total = 0
  for (let i = 0; i < MAX_BATCHES_PER_RUN; i++) {
    const n = await ctx.db.transaction(async (tx) => {
      const claimed = resultRows<{ id: string; status_id: string; account_id: string }>(await tx.execute(sql`
        with due as (
          update polls set ended_notified_at = now()
          where id in (select id from polls where expires_at <= now() and ended_notified_at is null
            order by expires_at limit ${BATCH} for update skip locked)
          returning id, status_id
        )
        select due.id, due.status_id, s.account_id from due join statuses s on s.id = due.status_id`))
      if (!claimed.length) return 0
      const polls = claimed.map((c) => ({ id: uuidToId(c.id), statusId: uuidToId(c.status_id), authorId: uuidToId(c.account_id) }))
      const votes = await tx.selectDistinct({ pollId: pollVotes.pollId, accountId: pollVotes.accountId }).from(pollVotes)
        .where(inArray(pollVotes.pollId, polls.map((p) => p.id)))
      for (const poll of polls) {
        const voters = votes.filter((v) => v.pollId === poll.id).map((v) => v.accountId)
        await notifyAll(tx, { type: 'poll', fromAccountId: poll.authorId, statusId: poll.statusId }, [poll.authorId, ...voters])
      }
      return claimed.length
    })
    total += n
    if (n < BATCH) break
  }
  return total
}
