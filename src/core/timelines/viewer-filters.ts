import { sql, type SQL } from 'drizzle-orm'
import { uuidParam } from '../../db/sql'

/**
 * The viewer's own filtering of timelines, on top of the visibility rule (never instead of it): statuses whose
 * author (or, for a reblog, the original's author) the viewer blocks, mutes (unless `withMuted`) or whose domain
 * the viewer blocks are left out. `statusAlias` names the statuses row in the surrounding query.
 */
export function notHiddenByViewerSql(viewerAccountId: string | null, opts: { withMuted?: boolean; statusAlias?: string } = {}): SQL {
  if (!viewerAccountId) return sql`true`
  const s = sql.raw(`"${opts.statusAlias ?? 'statuses'}"`)
  const viewer = uuidParam(viewerAccountId)
  const hidden = (author: SQL) => sql`(
    exists (select 1 from blocks b where b.account_id = ${viewer} and b.target_account_id = ${author})
    ${opts.withMuted ? sql`` : sql`or exists (select 1 from mutes m where m.account_id = ${viewer} and m.target_account_id = ${author}
      and (m.expires_at is null or m.expires_at > now()))`}
    or exists (select 1 from account_domain_blocks d join accounts a on a.id = ${author}
      where d.account_id = ${viewer} and a.domain is not null and lower(d.domain) = lower(a.domain::text)))`
  return sql`(not ${hidden(sql`${s}.account_id`)} and (${s}.reblog_of_id is null or not exists (
    select 1 from statuses o where o.id = ${s}.reblog_of_id and ${hidden(sql`o.account_id`)})))`
}

export type ReplyVisibility = 'following' | 'self' | null

/**
 * Pleroma's `reply_visibility`: `self` keeps only replies to the viewer (and the viewer's own), `following` also
 * replies to accounts the viewer follows. Replies within one's own thread always stay.
 */
export function replyVisibilitySql(viewerAccountId: string | null, mode: ReplyVisibility, statusAlias = 'statuses'): SQL {
  if (!viewerAccountId || !mode) return sql`true`
  const s = sql.raw(`"${statusAlias}"`)
  const viewer = uuidParam(viewerAccountId)
  const base = sql`${s}.in_reply_to_account_id is null or ${s}.in_reply_to_account_id = ${s}.account_id
    or ${s}.in_reply_to_account_id = ${viewer} or ${s}.account_id = ${viewer}`
  if (mode === 'self') return sql`(${base})`
  return sql`(${base} or exists (select 1 from follows f where f.account_id = ${viewer} and f.target_account_id = ${s}.in_reply_to_account_id))`
}
