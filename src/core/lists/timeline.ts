import { and, asc, desc, eq, sql, type SQL } from 'drizzle-orm'
import { listAccounts, statuses, type StatusRow } from '../../db/schema'
import { constantLimit, inlineBinds, type Binds } from '../../db/sql'
import type { Ctx } from '../context'
import type { TimelineOptions } from '../timelines/options'
import { fillFromBatches, keyset, type Page } from '../timelines/page'
import { candidateBatch, candidateId } from '../timelines/timelines'
import { getOwnList, type ListRow } from './lists'

/**
 * Which replies a list shows (Mastodon's `replies_policy`). Self-replies and replies to the list's owner always
 * show; `followed` adds replies to anyone the owner follows, `list` replies to the list's members, `none` nothing more.
 * A condition on the `statuses` table (also used by streaming to decide whether a new status reaches a list).
 */
export function repliesPolicySql(list: ListRow, binds: Binds = inlineBinds): SQL {
  const owner = binds.uuid(list.accountId)
  const replyTo = sql`${statuses.inReplyToAccountId}`
  const always = sql`${replyTo} is null or ${replyTo} = ${statuses.accountId} or ${replyTo} = ${owner}`
  switch (list.repliesPolicy) {
    case 'followed':
      return sql`(${always} or exists (select 1 from follows f where f.account_id = ${owner} and f.target_account_id = ${replyTo}))`
    case 'list':
      return sql`(${always} or exists (select 1 from list_accounts m where m.list_id = ${binds.uuid(list.id)} and m.account_id = ${replyTo}))`
    default:
      return sql`(${always})`
  }
}

/** How many of the members' newest statuses are read per round while filling a list's page. */
const LIST_CANDIDATES = 60

/**
 * `GET /api/v1/timelines/list/:id`: statuses and reblogs by the list's members, newest first, for the list's owner only
 * (anyone else gets a 404). The visibility rule and the owner's blocks and mutes apply as on every timeline.
 *
 * Candidates are each member's newest statuses past the cursor (`statuses (account_id, id)`), merged and cut to one
 * batch: the newest of the batch size among all members are within each member's newest of that size, so no member's
 * whole history is read and sorted, however long it is.
 */
export async function listTimeline(ctx: Ctx, ownerId: string, listId: string, page: Page, opts: TimelineOptions): Promise<StatusRow[]> {
  const list = await getOwnList(ctx, ownerId, listId)
  const forwards = !!page.minId
  return fillFromBatches(page, LIST_CANDIDATES, (cursor) => candidateBatch(ctx, page, cursor, ownerId, opts, {
    key: `list:${list.repliesPolicy}`,
    candidates: (b) => {
      const k = keyset(statuses.id, cursor, b)
      const newest = ctx.db.select({ id: statuses.id }).from(statuses)
        .where(and(sql`${statuses.accountId} = ${listAccounts.accountId}`, ...k.where))
        .orderBy(k.orderBy).limit(constantLimit(LIST_CANDIDATES)).as('newest')
      return ctx.db.select({ id: candidateId(newest.id) }).from(listAccounts).crossJoinLateral(newest)
        .where(eq(listAccounts.listId, b.forColumn(listAccounts.listId, list.id)))
        .orderBy(forwards ? asc(newest.id) : desc(newest.id)).limit(constantLimit(LIST_CANDIDATES))
    },
    where: (b) => [repliesPolicySql(list, b)],
    args: { list: list.id },
  }))
}
