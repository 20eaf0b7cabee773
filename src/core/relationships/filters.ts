import { sql, type SQL } from 'drizzle-orm'
import { uuidParam } from '../../db/sql'

export interface HiddenAuthorsOptions {
  /** leave mutes out (Pleroma's `with_muted=true`) */
  withMuted?: boolean
  /** for notifications: only mutes that also hide notifications count */
  notifications?: boolean
}

/**
 * An SQL condition that is true when the viewer hides the author whose account id is in `authorColumn` (e.g.
 * sql`statuses.account_id` or sql`n.from_account_id`): the viewer blocks them, mutes them (an unexpired mute; for
 * notifications only one that hides notifications) or blocks their domain without following them (following an
 * account overrides a domain block, as on Mastodon). Timelines and notifications negate it: `not (...)`.
 *
 * This is the viewer's own filtering, on top of the visibility rule (which already hides authors who block the viewer).
 */
export function hiddenAuthorsSql(viewerAccountId: string | SQL | null, authorColumn: SQL, opts: HiddenAuthorsOptions = {}): SQL {
  if (!viewerAccountId) return sql`false`
  // a viewer expression (a uuid column) decides for many viewers in one statement
  const viewer = typeof viewerAccountId === 'string' ? uuidParam(viewerAccountId) : viewerAccountId
  const blocked = sql`exists (select 1 from blocks hb where hb.account_id = ${viewer} and hb.target_account_id = ${authorColumn})`
  const muted = opts.withMuted
    ? sql`false`
    : sql`exists (select 1 from mutes hm where hm.account_id = ${viewer} and hm.target_account_id = ${authorColumn}
        and (hm.expires_at is null or hm.expires_at > now())${opts.notifications ? sql` and hm.hide_notifications` : sql``})`
  const domainBlocked = sql`exists (select 1 from accounts ha join account_domain_blocks hd
      on hd.account_id = ${viewer} and hd.domain = lower(ha.domain::text)
    where ha.id = ${authorColumn} and ha.domain is not null
      and not exists (select 1 from follows hf where hf.account_id = ${viewer} and hf.target_account_id = ha.id))`
  return sql`(${blocked} or ${muted} or ${domainBlocked})`
}
