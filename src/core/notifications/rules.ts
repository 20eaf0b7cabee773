import { sql, type SQL } from 'drizzle-orm'
import { uuidParam } from '../../db/sql'
import type { NotificationType } from '../../db/schema'
import { hiddenAuthorsSql } from '../relationships/filters'
import { visibleStatusSql } from '../visibility'

/** `sql` for an optional flake id parameter, typed so Postgres can place it in an INSERT … SELECT. */
export const optionalUuid = (id: string | null | undefined): SQL => (id ? uuidParam(id) : sql`null::uuid`)

/** The recipient follows the sender. */
const follows = (recipient: SQL, sender: SQL) =>
  sql`exists (select 1 from follows f where f.account_id = ${recipient} and f.target_account_id = ${sender})`

/** Either side blocks the other. */
const blockedEitherWay = (recipient: SQL, sender: SQL) => sql`exists (select 1 from blocks b
  where (b.account_id = ${recipient} and b.target_account_id = ${sender}) or (b.account_id = ${sender} and b.target_account_id = ${recipient}))`

/** The recipient mutes the sender with notifications hidden, and the mute has not run out. */
const mutesNotifications = (recipient: SQL, sender: SQL) => sql`exists (select 1 from mutes m
  where m.account_id = ${recipient} and m.target_account_id = ${sender} and m.hide_notifications
    and (m.expires_at is null or m.expires_at > now()))`

/** The recipient blocks the sender's domain and does not follow the sender (following overrides a domain block). */
const domainBlocked = (recipient: SQL, sender: SQL) => sql`(exists (select 1 from account_domain_blocks d join accounts a on a.id = ${sender}
  where d.account_id = ${recipient} and a.domain is not null and lower(d.domain) = lower(a.domain::text)) and not ${follows(recipient, sender)})`

/** A moderator silenced the sender and the recipient does not follow them (Mastodon's limited accounts). */
const silencedStranger = (recipient: SQL, sender: SQL) => sql`(exists (select 1 from accounts sa where sa.id = ${sender}
  and sa.silenced_at is not null) and not ${follows(recipient, sender)})`

/**
 * Whether a notification of `type` from `sender` (about `statusId`) may be created for `recipient`:
 * - only local users get notifications, and not of their own actions (except the end of their own poll);
 * - never between accounts where either blocks the other, from an account the recipient mutes with notifications,
 *   or from a blocked domain the recipient does not follow;
 * - from a silenced account, only to its followers (poll endings excepted);
 * - nothing new from a thread the recipient muted;
 * - with Pleroma's `block_from_strangers`, only from accounts the recipient follows (poll endings excepted).
 */
export function mayNotifySql(recipient: SQL, sender: SQL, type: NotificationType, statusId: string | null | undefined): SQL {
  const isPoll = type === 'poll'
  const strangersAllowed = isPoll
    ? sql`true`
    : sql`(not coalesce((u.notification_settings->>'block_from_strangers')::boolean, false) or ${follows(recipient, sender)})`
  const threadMuted = statusId && !isPoll
    ? sql`exists (select 1 from conversation_mutes cm join statuses ts on ts.conversation_id = cm.conversation_id
        where ts.id = ${uuidParam(statusId)} and cm.account_id = ${recipient})`
    : sql`false`
  return sql`(exists (select 1 from users u where u.account_id = ${recipient} and ${strangersAllowed})
    and ${isPoll ? sql`true` : sql`${recipient} <> ${sender}`}
    and not ${blockedEitherWay(recipient, sender)}
    and not ${mutesNotifications(recipient, sender)}
    and not ${domainBlocked(recipient, sender)}
    and ${isPoll ? sql`true` : sql`not ${silencedStranger(recipient, sender)}`}
    and not ${threadMuted})`
}

/**
 * Notifications the viewer does not see when reading them (`notification` names the notifications row): from accounts
 * the viewer hides (`hiddenAuthorsSql`: blocked, muted with notifications unless `withMuted`, on a blocked domain the
 * viewer does not follow), from accounts blocking the viewer or suspended, and those whose status the viewer may no
 * longer see.
 */
export function hiddenFromViewerSql(viewerAccountId: string, opts: { withMuted?: boolean; notification?: string } = {}): SQL {
  const n = sql.raw(`"${opts.notification ?? 'notifications'}"`)
  const viewer = uuidParam(viewerAccountId)
  const sender = sql`${n}.from_account_id`
  return sql`(${hiddenAuthorsSql(viewerAccountId, sender, { withMuted: opts.withMuted, notifications: true })}
    or exists (select 1 from blocks bv where bv.account_id = ${sender} and bv.target_account_id = ${viewer})
    or exists (select 1 from accounts sa where sa.id = ${sender} and (sa.suspended_at is not null or sa.deleted_at is not null))
    or (${n}.status_id is not null and not exists (select 1 from statuses ns where ns.id = ${n}.status_id and ${visibleStatusSql(viewerAccountId, 'ns')})))`
}
