import { and, eq, gt, inArray, isNull, or, sql, type SQL } from 'drizzle-orm'
import { resultRows } from '../../db/client'
import { accounts, conversationParticipations, lists, oauthTokens, statuses, users, type StatusRow } from '../../db/schema'
import { uuidArrayParam, uuidParam } from '../../db/sql'
import type { Ctx } from '../context'
import type { ParticipationRow } from '../conversations/conversations'
import type { StreamEvent } from '../events'
import { isId, uuidToId } from '../ids'
import type { ListRow } from '../lists/lists'
import { repliesPolicySql } from '../lists/timeline'
import { notHiddenByViewerSql } from '../timelines/viewer-filters'
import { visibleStatusSql, visibleToViewers } from '../visibility'

// Who among the connected viewers may receive a streaming event. Each question is one query for all viewers of the
// event (the viewers as an array parameter, or one UNION ALL branch per viewer where a rule takes only a fixed
// viewer), never one query per connection; THE visibility rule and the timeline filters apply unchanged.

/** Viewers per query: keeps statements a sane size when many different accounts are connected. */
const CHUNK = 100

/** An anonymous viewer, as a label in the queries below. */
const ANONYMOUS = ''

async function inChunks<T>(items: T[], run: (chunk: T[]) => Promise<string[]>): Promise<Set<string>> {
  const found = new Set<string>()
  for (let i = 0; i < items.length; i += CHUNK) for (const id of await run(items.slice(i, i + CHUNK))) found.add(id)
  return found
}

/** Runs `select label where condition` for each entry as one UNION ALL query; returns the labels whose condition held. */
async function labelsWhere(ctx: Ctx, branches: { label: string; condition: SQL }[]): Promise<string[]> {
  if (!branches.length) return []
  const union = sql.join(branches.map((b) => sql`select ${b.label}::text as label where ${b.condition}`), sql` union all `)
  return resultRows<{ label: string }>(await ctx.db.execute(union)).map((r) => r.label)
}

/** What stream matching needs to know about a new or edited status. */
export interface StatusFacts {
  row: StatusRow
  /** its hashtags, lower-cased */
  tags: string[]
  /** it (or, for a reblog, the original) has media attachments */
  hasMedia: boolean
  /** the author's domain, null when local */
  authorDomain: string | null
}

export async function loadStatusFacts(ctx: Ctx, statusId: string): Promise<StatusFacts | null> {
  if (!isId(statusId)) return null
  const [found] = await ctx.db.select().from(statuses).where(eq(statuses.id, statusId)).limit(1)
  if (!found) return null
  const id = uuidParam(found.id)
  const [facts] = resultRows<{ tags: string[] | null; has_media: boolean; domain: string | null }>(await ctx.db.execute(sql`
    select
      (select array_agg(lower(t.name::text)) from status_tags st join tags t on t.id = st.tag_id where st.status_id = ${id}) as tags,
      exists (select 1 from media_attachments ma where ma.status_id = ${found.reblogOfId ? uuidParam(found.reblogOfId) : id}) as has_media,
      (select a.domain::text from accounts a where a.id = ${uuidParam(found.accountId)}) as domain`))
  return { row: found, tags: facts?.tags ?? [], hasMedia: !!facts?.has_media, authorDomain: facts?.domain ?? null }
}

/**
 * Of the viewers (account ids, null for anonymous), those who may see the status now and have not hidden its author
 * (blocks, mutes, domain blocks): the visibility rule and the timeline viewer filters, as every timeline applies them.
 */
export async function viewersWhoMaySee(ctx: Ctx, statusId: string, viewerIds: (string | null)[]): Promise<Set<string | null>> {
  const distinct = [...new Set(viewerIds)]
  const [visible] = await visibleToViewers(ctx, distinct, [{ ids: [statusId], withReblog: true, alsoFor: (viewer) => notHiddenByViewerSql(viewer) }])
  return new Set(distinct.filter((viewer) => visible.get(viewer)?.has(statusId)))
}

/**
 * Of the accounts, those whose home feed the status entered (see `distributeNewStatus`), leaving out authors the
 * account put in an exclusive list, as the home timeline does.
 */
export async function homeFeedOwners(ctx: Ctx, statusId: string, accountIds: string[]): Promise<Set<string>> {
  const owners = [...new Set(accountIds.filter(isId))]
  if (!owners.length || !isId(statusId)) return new Set()
  const rows = resultRows<{ owner: string }>(await ctx.db.execute(sql`
    select e.account_id::text as owner from home_feed_entries e join statuses s on s.id = e.status_id
    where e.status_id = ${uuidParam(statusId)} and e.account_id = any(${uuidArrayParam(owners)})
      and not exists (select 1 from list_accounts la join lists l on l.id = la.list_id
        where l.account_id = e.account_id and l.exclusive and la.account_id = s.account_id and s.account_id <> e.account_id)`))
  return new Set(rows.map((r) => uuidToId(r.owner)))
}

/** The lists (by id) that show the status: its author is a member and the list's replies policy lets it in. */
export async function listsShowing(ctx: Ctx, statusId: string, listIds: string[]): Promise<Set<string>> {
  const valid = [...new Set(listIds.filter(isId))]
  if (!valid.length) return new Set()
  const rows: ListRow[] = await ctx.db.select().from(lists).where(inArray(lists.id, valid))
  return inChunks(rows, (chunk) => labelsWhere(ctx, chunk.map((list) => ({
    label: list.id,
    condition: sql`exists (select 1 from statuses where statuses.id = ${uuidParam(statusId)}
      and statuses.account_id in (select la.account_id from list_accounts la where la.list_id = ${uuidParam(list.id)})
      and ${repliesPolicySql(list)})`,
  }))))
}

type DeleteEvent = Extract<StreamEvent, { type: 'delete' }>

/**
 * Who may hear that a status was deleted. The row is gone, so the visibility rule runs on a stand-in row rebuilt from
 * the event (author, visibility, list); its mentions, gone too, come with the event.
 */
export async function viewersWhoMayHearOfDeletion(ctx: Ctx, event: DeleteEvent, viewerIds: (string | null)[]): Promise<Set<string | null>> {
  if (!isId(event.statusId) || !isId(event.accountId) || (event.listId && !isId(event.listId))) return new Set()
  const distinct = [...new Set(viewerIds.map((v) => v ?? ANONYMOUS))]
  const mentioned = new Set(event.mentions)
  const gone = sql`(select ${uuidParam(event.statusId)} as id, ${uuidParam(event.accountId)} as account_id,
    ${event.visibility}::text as visibility, ${event.listId ? uuidParam(event.listId) : sql`null::uuid`} as list_id) as gone`
  const found = await inChunks(distinct, (chunk) => labelsWhere(ctx, chunk.map((label) => {
    const viewer = label === ANONYMOUS ? null : label
    const rule = visibleStatusSql(viewer, 'gone')
    return { label, condition: viewer && mentioned.has(viewer) ? sql`true` : sql`exists (select 1 from ${gone} where ${rule})` }
  })))
  return new Set([...found].map((label) => (label === ANONYMOUS ? null : label)))
}

/** Of the accounts, those following `targetId`. */
export async function followersAmong(ctx: Ctx, targetId: string, accountIds: string[]): Promise<Set<string>> {
  const candidates = [...new Set(accountIds.filter(isId))]
  if (!candidates.length || !isId(targetId)) return new Set()
  const rows = resultRows<{ follower: string }>(await ctx.db.execute(sql`select f.account_id::text as follower from follows f
    where f.target_account_id = ${uuidParam(targetId)} and f.account_id = any(${uuidArrayParam(candidates)})`))
  return new Set(rows.map((r) => uuidToId(r.follower)))
}

/** Of the accounts, those following one of the hashtags (by name). */
export async function tagFollowersAmong(ctx: Ctx, tagNames: string[], accountIds: string[]): Promise<Set<string>> {
  const names = [...new Set(tagNames)]
  const candidates = [...new Set(accountIds.filter(isId))]
  if (!names.length || !candidates.length) return new Set()
  const rows = resultRows<{ follower: string }>(await ctx.db.execute(sql`select distinct tf.account_id::text as follower
    from tag_follows tf join tags t on t.id = tf.tag_id
    where tf.account_id = any(${uuidArrayParam(candidates)}) and t.name in (${sql.join(names.map((n) => sql`${n}`), sql`, `)})`))
  return new Set(rows.map((r) => uuidToId(r.follower)))
}

/** Of the lists, those with `accountId` as a member. */
export async function listsWithMember(ctx: Ctx, accountId: string, listIds: string[]): Promise<Set<string>> {
  const valid = [...new Set(listIds.filter(isId))]
  return inChunks(valid, (chunk) => labelsWhere(ctx, chunk.map((id) => ({
    label: id,
    condition: sql`exists (select 1 from list_accounts la where la.list_id = ${uuidParam(id)} and la.account_id = ${uuidParam(accountId)})`,
  }))))
}

/** An account's domain and follow counts (for `public:remote` deletions and Pleroma's follow relationship updates). */
export async function accountSummary(ctx: Ctx, accountId: string) {
  if (!isId(accountId)) return null
  const [row] = await ctx.db.select({
    id: accounts.id, domain: accounts.domain, followersCount: accounts.followersCount, followingCount: accounts.followingCount,
  }).from(accounts).where(eq(accounts.id, accountId)).limit(1)
  return row ?? null
}

/** The (not hidden) participations of these accounts in a direct thread, by account. */
export async function participationsIn(ctx: Ctx, conversationId: string, accountIds: string[]): Promise<Map<string, ParticipationRow>> {
  const valid = [...new Set(accountIds.filter(isId))]
  if (!isId(conversationId) || !valid.length) return new Map()
  const rows = await ctx.db.select().from(conversationParticipations).where(and(
    eq(conversationParticipations.conversationId, conversationId),
    inArray(conversationParticipations.accountId, valid),
    eq(conversationParticipations.hidden, false),
  ))
  return new Map(rows.map((r) => [r.accountId, r]))
}

/**
 * Of the tokens (by id), those still usable: not revoked, not expired, of an active user whose account is not
 * suspended. Streams opened with any other token are closed.
 */
export async function liveTokenIds(ctx: Ctx, tokenIds: string[]): Promise<Set<string>> {
  const valid = [...new Set(tokenIds.filter(isId))]
  if (!valid.length) return new Set()
  const rows = await ctx.db.select({ id: oauthTokens.id }).from(oauthTokens)
    .innerJoin(users, eq(users.id, oauthTokens.userId))
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(and(
      inArray(oauthTokens.id, valid),
      isNull(oauthTokens.revokedAt),
      or(isNull(oauthTokens.expiresAt), gt(oauthTokens.expiresAt, sql`now()`)),
      eq(users.isActive, true),
      isNull(accounts.suspendedAt),
    ))
  return new Set(rows.map((r) => r.id))
}
