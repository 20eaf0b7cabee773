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

/** Types a notification policy may filter or drop (Mastodon's `filterable`); the rest always come through. */
export const FILTERABLE_TYPES: ReadonlySet<NotificationType> = new Set<NotificationType>([
  'mention', 'reblog', 'favourite', 'follow', 'follow_request', 'pleroma:emoji_reaction',
])

/** How long an account counts as new for `for_new_accounts`. */
const NEW_ACCOUNT_DAYS = 30

/**
 * The recipient's notification policy: for each condition the sender meets, its value (`accept`, `filter`, `drop`) in the
 * recipient's policy row or the default (see `notificationPolicies`). A sender whose notifications the recipient accepted
 * before (a notification request) meets none.
 */
function policyMatches(recipient: SQL, sender: SQL, type: NotificationType, statusId: string | null | undefined, value: 'filter' | 'drop'): SQL {
  const setting = (column: string, fallback: string) =>
    sql`coalesce((select ${sql.raw(`np.${column}`)} from notification_policies np where np.account_id = ${recipient}), ${fallback}::text) = ${value}::text`
  const privateMention = type === 'mention' && statusId
    ? sql`exists (select 1 from statuses ps where ps.id = ${uuidParam(statusId)} and ps.visibility = 'direct'
        and ps.in_reply_to_account_id is distinct from ${recipient}) and not ${follows(recipient, sender)}`
    : sql`false`
  return sql`(((${setting('for_not_following', 'accept')} and not ${follows(recipient, sender)})
    or (${setting('for_not_followers', 'accept')} and not ${follows(sender, recipient)})
    or (${setting('for_new_accounts', 'accept')} and exists (select 1 from accounts na where na.id = ${sender}
      and na.created_at > now() - ${sql.raw(`interval '${NEW_ACCOUNT_DAYS} days'`)}))
    or (${setting('for_private_mentions', 'accept')} and ${privateMention})
    or (${setting('for_limited_accounts', 'filter')} and ${silencedStranger(recipient, sender)}))
    and not exists (select 1 from notification_permissions pp where pp.account_id = ${recipient} and pp.from_account_id = ${sender}))`
}

/** Whether the recipient's policy holds this notification back as filtered (it waits in a notification request). */
export function filteredByPolicySql(recipient: SQL, sender: SQL, type: NotificationType, statusId: string | null | undefined): SQL {
  if (!FILTERABLE_TYPES.has(type)) return sql`false`
  return policyMatches(recipient, sender, type, statusId, 'filter')
}

/**
 * Whether a notification of `type` from `sender` (about `statusId`) may be created for `recipient`:
 * - only local users get notifications, and not of their own actions (except the end of their own poll);
 * - never between accounts where either blocks the other, from an account the recipient mutes with notifications,
 *   or from a blocked domain the recipient does not follow;
 * - nothing new from a thread the recipient muted;
 * - from a silenced account, types no policy covers only to its followers (poll endings excepted);
 * - nothing the recipient's notification policy drops (filtered ones are made, marked, by `filteredByPolicySql`);
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
    and ${FILTERABLE_TYPES.has(type) ? sql`not ${policyMatches(recipient, sender, type, statusId, 'drop')}`
      : isPoll ? sql`true` : sql`not ${silencedStranger(recipient, sender)}`}
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
