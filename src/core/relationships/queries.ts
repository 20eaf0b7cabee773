import { and, eq, getTableColumns, sql, type SQL } from 'drizzle-orm'
import { alias } from 'drizzle-orm/pg-core'
import {
  accountNotes, accounts, blocks, endorsements, followRequests, follows, mutes, type AccountRow,
} from '../../db/schema'
import { preparedPerDb } from '../../db/prepared'
import { listedAccountSql, visibleAccountSql } from '../accounts/queries'
import type { Ctx } from '../context'
import { idToUuid, isId } from '../ids'
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

const exists = (table: SQL) => sql<boolean>`exists (${table})`.mapWith(Boolean)

const f = alias(follows, 'f')
const r = alias(followRequests, 'r')
const m = alias(mutes, 'm')
const n = alias(accountNotes, 'n')
const viewerParam = sql`${sql.placeholder('viewer')}::uuid`

/** The viewer's relationships to accounts (`ids`: a `uuid[]` literal), built once per database handle. */
const relationshipsQuery = preparedPerDb((db) => db.select({
  id: accounts.id,
  followId: f.id,
  followReblogs: f.showReblogs,
  followNotify: f.notify,
  followLanguages: f.languages,
  requestId: r.id,
  requestReblogs: r.showReblogs,
  requestNotify: r.notify,
  requestLanguages: r.languages,
  muteId: m.id,
  muteNotifications: m.hideNotifications,
  muteExpiresAt: m.expiresAt,
  note: n.comment,
  followedBy: exists(sql`select 1 from follows fb where fb.account_id = ${accounts.id} and fb.target_account_id = ${viewerParam}`),
  requestedBy: exists(sql`select 1 from follow_requests rb where rb.account_id = ${accounts.id} and rb.target_account_id = ${viewerParam}`),
  blocking: exists(sql`select 1 from blocks b where b.account_id = ${viewerParam} and b.target_account_id = ${accounts.id}`),
  blockedBy: exists(sql`select 1 from blocks bb where bb.account_id = ${accounts.id} and bb.target_account_id = ${viewerParam}`),
  domainBlocking: exists(sql`select 1 from account_domain_blocks d where d.account_id = ${viewerParam}
    and ${accounts.domain} is not null and d.domain = lower(${accounts.domain}::text)`),
  endorsed: exists(sql`select 1 from endorsements e where e.account_id = ${viewerParam} and e.target_account_id = ${accounts.id}`),
}).from(accounts)
  .leftJoin(f, and(sql`${f.accountId} = ${viewerParam}`, eq(f.targetAccountId, accounts.id)))
  .leftJoin(r, and(sql`${r.accountId} = ${viewerParam}`, eq(r.targetAccountId, accounts.id)))
  .leftJoin(m, and(sql`${m.accountId} = ${viewerParam}`, eq(m.targetAccountId, accounts.id), activeMuteSql('m')))
  .leftJoin(n, and(sql`${n.accountId} = ${viewerParam}`, eq(n.targetAccountId, accounts.id)))
  .where(sql`${accounts.id} = any(${sql.placeholder('ids')}::uuid[])`)
  .prepare('relationships'))

/**
 * The viewer's relationships to the given accounts in one query (what is not found, is left out).
 * Expired mutes do not count.
 */
export async function loadRelationships(ctx: Ctx, viewerAccountId: string, targetIds: string[]): Promise<Map<string, RelationshipData>> {
  const ids = [...new Set(targetIds.filter(isId))]
  const out = new Map<string, RelationshipData>()
  if (!ids.length) return out
  const rows = await relationshipsQuery(ctx.db).execute({ viewer: idToUuid(viewerAccountId), ids: `{${ids.map(idToUuid).join(',')}}` })
  for (const row of rows) {
    const self = row.id === viewerAccountId
    const following = !!row.followId && !self
    const requested = !following && !!row.requestId && !self
    out.set(row.id, {
      id: row.id,
      following,
      requested,
      showReblogs: following ? !!row.followReblogs : requested ? !!row.requestReblogs : false,
      notify: following ? !!row.followNotify : requested ? !!row.requestNotify : false,
      languages: following ? row.followLanguages ?? null : requested ? row.requestLanguages ?? null : null,
      followedBy: row.followedBy && !self,
      requestedBy: row.requestedBy && !self,
      blocking: row.blocking,
      blockedBy: row.blockedBy,
      muting: !!row.muteId,
      mutingNotifications: !!row.muteId && !!row.muteNotifications,
      muteExpiresAt: row.muteId ? row.muteExpiresAt ?? null : null,
      domainBlocking: row.domainBlocking,
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
