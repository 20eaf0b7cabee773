import { and, eq, getTableColumns, sql, type SQL } from 'drizzle-orm'
import {
  accountDomainBlocks, accountNotes, accounts, blocks, endorsements, followRequests, follows, mutes, type AccountRow,
} from '../../db/schema'
import { resultRows } from '../../db/client'
import { builtOnce } from '../../db/prepared'
import { uuidArrayLiteral } from '../../db/sql'
import { listedAccountSql, visibleAccountSql } from '../accounts/queries'
import type { Ctx } from '../context'
import { idToUuid, isId, uuidToId } from '../ids'
import type { Viewer } from '../oauth/authenticate'
import { keyedPage, keyset, type KeyedPage, type Page } from '../timelines/page'
import { activeMuteSql } from './mute'

/** Everything Mastodon's Relationship entity says about one account, from the viewer's side. */
export interface RelationshipData {
  id: string
  following: boolean
  requested: boolean
  /** options of the follow, or of the pending request */
  showReblogs: boolean
  notify: boolean
  languages: string[] | null
  followedBy: boolean
  requestedBy: boolean
  blocking: boolean
  blockedBy: boolean
  muting: boolean
  mutingNotifications: boolean
  muteExpiresAt: Date | null
  domainBlocking: boolean
  endorsed: boolean
  note: string
}

const viewer = sql`${sql.placeholder('viewer')}::uuid`

/** A row of `relationshipsStatement`, as the driver gives it (uuids and times as text). */
interface RelationshipRow {
  id: string
  following: boolean
  follow_reblogs: boolean | null
  follow_notify: boolean | null
  follow_languages: string[] | null
  requested: boolean
  request_reblogs: boolean | null
  request_notify: boolean | null
  request_languages: string[] | null
  followed_by: boolean
  requested_by: boolean
  blocking: boolean
  blocked_by: boolean
  muting: boolean
  mute_notifications: boolean | null
  mute_expires_at: string | Date | null
  domain_blocking: boolean
  endorsed: boolean
  note: string | null
}

/**
 * The viewer's relationships to accounts (`ids`: a `uuid[]` literal), built once, its rows taken as the driver gives
 * them: mapping ten rows of nineteen columns through Drizzle's field walk was a tenth of a request's time.
 */
const relationshipsStatement = builtOnce<unknown>(() => ({
  statement: sql`select a.id,
    f.id is not null as following, f.show_reblogs as follow_reblogs, f.notify as follow_notify, f.languages as follow_languages,
    r.id is not null as requested, r.show_reblogs as request_reblogs, r.notify as request_notify, r.languages as request_languages,
    exists (select 1 from ${follows} fb where fb.account_id = a.id and fb.target_account_id = ${viewer}) as followed_by,
    exists (select 1 from ${followRequests} rb where rb.account_id = a.id and rb.target_account_id = ${viewer}) as requested_by,
    exists (select 1 from ${blocks} b where b.account_id = ${viewer} and b.target_account_id = a.id) as blocking,
    exists (select 1 from ${blocks} bb where bb.account_id = a.id and bb.target_account_id = ${viewer}) as blocked_by,
    m.id is not null as muting, m.hide_notifications as mute_notifications, m.expires_at as mute_expires_at,
    exists (select 1 from ${accountDomainBlocks} d where d.account_id = ${viewer}
      and a.domain is not null and d.domain = lower(a.domain::text)) as domain_blocking,
    exists (select 1 from ${endorsements} e where e.account_id = ${viewer} and e.target_account_id = a.id) as endorsed,
    n.comment as note
    from ${accounts} a
    left join ${follows} f on f.account_id = ${viewer} and f.target_account_id = a.id
    left join ${followRequests} r on r.account_id = ${viewer} and r.target_account_id = a.id
    left join ${mutes} m on m.account_id = ${viewer} and m.target_account_id = a.id and ${activeMuteSql('m')}
    left join ${accountNotes} n on n.account_id = ${viewer} and n.target_account_id = a.id
    where a.id = any(${sql.placeholder('ids')}::uuid[])`,
}))

/**
 * The viewer's relationships to the given accounts in one query (what is not found, is left out).
 * Expired mutes do not count.
 */
export async function loadRelationships(ctx: Ctx, viewerAccountId: string, targetIds: string[]): Promise<Map<string, RelationshipData>> {
  const ids = [...new Set(targetIds.filter(isId))]
  const out = new Map<string, RelationshipData>()
  if (!ids.length) return out
  const rows = resultRows<RelationshipRow>(await relationshipsStatement(ctx.db, { viewer: idToUuid(viewerAccountId), ids: uuidArrayLiteral(ids) }))
  for (const row of rows) {
    const id = uuidToId(row.id)
    const self = id === viewerAccountId
    const following = row.following && !self
    const requested = !following && row.requested && !self
    out.set(id, {
      id,
      following,
      requested,
      showReblogs: following ? !!row.follow_reblogs : requested ? !!row.request_reblogs : false,
      notify: following ? !!row.follow_notify : requested ? !!row.request_notify : false,
      languages: following ? row.follow_languages ?? null : requested ? row.request_languages ?? null : null,
      followedBy: row.followed_by && !self,
      requestedBy: row.requested_by && !self,
      blocking: row.blocking,
      blockedBy: row.blocked_by,
      muting: row.muting,
      mutingNotifications: row.muting && !!row.mute_notifications,
      muteExpiresAt: row.muting && row.mute_expires_at ? new Date(row.mute_expires_at) : null,
      domainBlocking: row.domain_blocking,
      endorsed: row.endorsed,
      note: row.note ?? '',
    })
  }
  return out
}

/** A page of accounts in the order of a relationship row's id (newest first), with the ids for the Link header. */
export type AccountPage<T = AccountRow> = KeyedPage<T>

/**
 * Which accounts a page shows: normally `listedAccountSql`; the viewer's own block and mute lists show blocked
 * accounts too, since managing them is their purpose.
 */
type Shown = (viewer: Viewer | null) => SQL

type EdgeTable = typeof follows | typeof followRequests | typeof blocks | typeof endorsements

async function pageOf(
  ctx: Ctx,
  table: EdgeTable,
  join: SQL,
  where: SQL[],
  page: Page,
  viewer: Viewer | null,
  shown: Shown = listedAccountSql,
): Promise<AccountPage> {
  const k = keyset(table.id, page)
  const rows = await ctx.db.select({ key: table.id, item: getTableColumns(accounts) })
    .from(table).innerJoin(accounts, join).where(and(...where, ...k.where, shown(viewer)))
    .orderBy(k.orderBy).limit(page.limit)
  return keyedPage(rows, k.forwards)
}

/**
 * Whether the viewer may see an account's followers (`followers`) or follows: the owner always; others not when the
 * account hides them (Pleroma answers an empty list, not an error) or blocks the viewer (as Mastodon).
 */
async function collectionHidden(ctx: Ctx, account: AccountRow, viewerAccountId: string | null, hidden: boolean): Promise<boolean> {
  if (viewerAccountId === account.id) return false
  if (hidden) return true
  if (!viewerAccountId) return false
  const [blocked] = await ctx.db.select({ id: blocks.id }).from(blocks)
    .where(and(eq(blocks.accountId, account.id), eq(blocks.targetAccountId, viewerAccountId))).limit(1)
  return !!blocked
}

export async function accountFollowers(ctx: Ctx, account: AccountRow, viewer: Viewer | null, page: Page): Promise<AccountPage> {
  if (await collectionHidden(ctx, account, viewer?.accountId ?? null, account.hideFollowers)) return { items: [] }
  return pageOf(ctx, follows, eq(accounts.id, follows.accountId), [eq(follows.targetAccountId, account.id)], page, viewer)
}

export async function accountFollowing(ctx: Ctx, account: AccountRow, viewer: Viewer | null, page: Page): Promise<AccountPage> {
  if (await collectionHidden(ctx, account, viewer?.accountId ?? null, account.hideFollows)) return { items: [] }
  return pageOf(ctx, follows, eq(accounts.id, follows.targetAccountId), [eq(follows.accountId, account.id)], page, viewer)
}

/** Accounts asking to follow the viewer, most recent request first. */
export const incomingFollowRequests = (ctx: Ctx, viewer: Viewer & { accountId: string }, page: Page) =>
  pageOf(ctx, followRequests, eq(accounts.id, followRequests.accountId), [eq(followRequests.targetAccountId, viewer.accountId)], page, viewer)

/** Pleroma's outgoing requests: accounts the viewer asked to follow. */
export const outgoingFollowRequests = (ctx: Ctx, viewer: Viewer & { accountId: string }, page: Page) =>
  pageOf(ctx, followRequests, eq(accounts.id, followRequests.targetAccountId), [eq(followRequests.accountId, viewer.accountId)], page, viewer)

export const blockedAccounts = (ctx: Ctx, viewer: Viewer & { accountId: string }, page: Page) =>
  pageOf(ctx, blocks, eq(accounts.id, blocks.targetAccountId), [eq(blocks.accountId, viewer.accountId)], page, viewer, visibleAccountSql)

/** Muted accounts (unexpired mutes only) with when each mute ends. */
export async function mutedAccounts(ctx: Ctx, viewer: Viewer & { accountId: string }, page: Page): Promise<AccountPage<{ account: AccountRow; expiresAt: Date | null }>> {
  const k = keyset(mutes.id, page)
  const rows = await ctx.db.select({ key: mutes.id, account: getTableColumns(accounts), expiresAt: mutes.expiresAt })
    .from(mutes).innerJoin(accounts, eq(accounts.id, mutes.targetAccountId))
    .where(and(eq(mutes.accountId, viewer.accountId), activeMuteSql(), ...k.where, visibleAccountSql(viewer)))
    .orderBy(k.orderBy).limit(page.limit)
  return keyedPage(rows.map((r) => ({ key: r.key, item: { account: r.account, expiresAt: r.expiresAt } })), k.forwards)
}

/** The accounts an account features on its profile, most recently endorsed first. */
export const endorsedAccounts = (ctx: Ctx, ownerId: string, viewer: Viewer | null, page: Page) =>
  pageOf(ctx, endorsements, eq(accounts.id, endorsements.targetAccountId), [eq(endorsements.accountId, ownerId)], page, viewer)
