import { sql, type SQL } from 'drizzle-orm'
import { statuses, type StatusRow } from '../../db/schema'
import { inlineBinds, type Binds } from '../../db/sql'
import type { Ctx } from '../context'
import type { TimelineOptions } from '../timelines/options'
import type { Page } from '../timelines/page'
import { statusPage } from '../timelines/timelines'
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

/**
 * `GET /api/v1/timelines/list/:id`: statuses and reblogs by the list's members, newest first, for the list's owner only
 * (anyone else gets a 404). The visibility rule and the owner's blocks and mutes apply as on every timeline.
 */
export async function listTimeline(ctx: Ctx, ownerId: string, listId: string, page: Page, opts: TimelineOptions): Promise<StatusRow[]> {
  const list = await getOwnList(ctx, ownerId, listId)
  return statusPage(ctx, ownerId, page, opts, {
    key: `list:${list.repliesPolicy}`,
    where: (b) => [
      sql`${statuses.accountId} in (select la.account_id from list_accounts la where la.list_id = ${b.uuid(list.id)})`,
      repliesPolicySql(list, b),
    ],
  })
}
