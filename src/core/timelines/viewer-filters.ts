import { sql, type SQL } from 'drizzle-orm'
import { uuidParam } from '../../db/sql'
import { hiddenAuthorsSql } from '../relationships/filters'

/**
 * The viewer's own filtering of timelines, on top of the visibility rule (never instead of it): statuses whose
 * author (or, for a reblog, the original's author) the viewer hides (`hiddenAuthorsSql`: blocks, unexpired mutes
 * unless `withMuted`, blocked domains) are left out. `statusAlias` names the statuses row in the surrounding query.
 */
export function notHiddenByViewerSql(viewerAccountId: string | SQL | null, opts: { withMuted?: boolean; statusAlias?: string } = {}): SQL {
  if (!viewerAccountId) return sql`true`
  const s = sql.raw(`"${opts.statusAlias ?? 'statuses'}"`)
  const hidden = (author: SQL) => hiddenAuthorsSql(viewerAccountId, author, { withMuted: opts.withMuted })
  return sql`(not ${hidden(sql`${s}.account_id`)} and (${s}.reblog_of_id is null or not exists (
    select 1 from statuses o where o.id = ${s}.reblog_of_id and ${hidden(sql`o.account_id`)})))`
}

export type ReplyVisibility = 'following' | 'self' | null

/**
 * Pleroma's `reply_visibility`: `self` keeps only replies to the viewer (and the viewer's own), `following` also
 * replies to accounts the viewer follows. Replies within one's own thread always stay.
 */
export function replyVisibilitySql(viewerAccountId: string | SQL | null, mode: ReplyVisibility, statusAlias = 'statuses'): SQL {
  if (!viewerAccountId || !mode) return sql`true`
  const s = sql.raw(`"${statusAlias}"`)
  const viewer = typeof viewerAccountId === 'string' ? uuidParam(viewerAccountId) : viewerAccountId
  const base = sql`${s}.in_reply_to_account_id is null or ${s}.in_reply_to_account_id = ${s}.account_id
    or ${s}.in_reply_to_account_id = ${viewer} or ${s}.account_id = ${viewer}`
  if (mode === 'self') return sql`(${base})`
  return sql`(${base} or exists (select 1 from follows f where f.account_id = ${viewer} and f.target_account_id = ${s}.in_reply_to_account_id))`
}
