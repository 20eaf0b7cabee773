import { and, count, desc, eq, inArray, isNotNull, isNull, lt, sql } from 'drizzle-orm'
import {
  accounts, blocks, follows, mediaAttachments, polls, remoteActors, statusMentions, statusPins, statusTags, statuses, tags,
  type MediaAttachmentRow, type StatusRow, type StatusVisibility,
} from '../../db/schema'
import type { Ctx } from '../context'
import { resultRows, type DbLike } from '../../db/client'
import { uuidParam } from '../../db/sql'
import { builtOnceSelect } from '../../db/prepared'
import { loadEmojisFor, shortcodesIn } from '../emoji/queries'
import type { CustomEmoji } from '../instance/emojis'
import { idToUuid, isId, uuidToId } from '../ids'
import { mediaStorage } from '../media/storage'
import { visibleStatusSql } from '../visibility'
import { rejectedAmong } from '../instance/domain-policy'
import { unavailableAmong } from './domains'
import { enqueuePublish, FEDERATED_VISIBILITIES, federates, type PublishEvent } from './publish'

export type PollRow = typeof polls.$inferSelect

export interface AddressedAccount {
  accountId: string
  uri: string
  /** `user@domain`, with this instance's domain for local accounts */
  acct: string
  url: string
  silent: boolean
}

export interface FederatedMedia {
  row: MediaAttachmentRow
  /** absolute URL of the file */
  url: string
}

/** Everything rendering statuses as ActivityPub objects needs, loaded with a fixed number of queries. */
export interface FederatedStatusData {
  baseUrl: string
  /** local authors' usernames */
  authors: Map<string, string>
  /** uri of each status a rendered one replies to or quotes, by id */
  referenced: Map<string, { uri: string; url: string | null }>
  /** addressed accounts per status */
  addressed: Map<string, AddressedAccount[]>
  /** hashtag names per status (lower case) */
  tags: Map<string, string[]>
  polls: Map<string, PollRow>
  media: Map<string, FederatedMedia[]>
  emojis: Map<string, CustomEmoji[]>
}

const unique = <T>(values: (T | null | undefined)[]): T[] => [...new Set(values.filter((v): v is T => v !== null && v !== undefined))]

/** Loads what `rows` (local statuses) need to be rendered for other servers. */
export async function loadFederatedStatusData(ctx: Ctx, rows: StatusRow[]): Promise<FederatedStatusData> {
  const ids = rows.map((r) => r.id)
  const base = ctx.config.baseUrl
  const refIds = unique(rows.flatMap((r) => [r.inReplyToId, r.quoteId]))
  const authorIds = unique(rows.map((r) => r.accountId))
  const none = <T>(): T[] => []
  const [authorRows, refRows, mentionRows, tagRows, pollRows, mediaRows] = ids.length ? await Promise.all([
    ctx.db.select({ id: accounts.id, username: accounts.username }).from(accounts).where(inArray(accounts.id, authorIds)),
    refIds.length ? ctx.db.select({ id: statuses.id, uri: statuses.uri, url: statuses.url }).from(statuses).where(inArray(statuses.id, refIds)) : none<{ id: string; uri: string | null; url: string | null }>(),
    ctx.db.select({
      statusId: statusMentions.statusId, silent: statusMentions.silent, accountId: accounts.id, username: accounts.username,
      domain: accounts.domain, uri: accounts.uri, url: accounts.url,
    }).from(statusMentions).innerJoin(accounts, eq(accounts.id, statusMentions.accountId))
      .where(and(inArray(statusMentions.statusId, ids), isNotNull(accounts.uri), isNull(accounts.deletedAt))),
    ctx.db.select({ statusId: statusTags.statusId, name: tags.name }).from(statusTags).innerJoin(tags, eq(tags.id, statusTags.tagId))
      .where(inArray(statusTags.statusId, ids)),
    ctx.db.select().from(polls).where(inArray(polls.statusId, ids)),
    ctx.db.select().from(mediaAttachments).where(inArray(mediaAttachments.statusId, ids)).orderBy(mediaAttachments.position, mediaAttachments.id),
  ]) : [[], [], [], [], [], []]
  const pollOptions = new Map(pollRows.map((p) => [p.statusId, p.options.map((o) => o.title)]))
  const emojis = await loadEmojisFor(ctx.db, base, rows.map((r) => ({
    key: r.id, domain: null, shortcodes: shortcodesIn(r.text, r.spoilerText, ...(pollOptions.get(r.id) ?? [])),
  })).filter((n) => n.shortcodes.length))

  const addressed = new Map<string, AddressedAccount[]>()
  for (const m of mentionRows) {
    const list = addressed.get(m.statusId) ?? []
    list.push({
      accountId: m.accountId, uri: m.uri!, acct: `${m.username}@${m.domain ?? ctx.config.domain}`,
      url: m.url ?? m.uri!, silent: m.silent,
    })
    addressed.set(m.statusId, list)
  }
  const tagMap = new Map<string, string[]>()
  for (const t of tagRows) tagMap.set(t.statusId, [...(tagMap.get(t.statusId) ?? []), t.name.toLowerCase()])
  const storage = mediaStorage(ctx.config)
  const media = new Map<string, FederatedMedia[]>()
  for (const m of mediaRows) {
    const url = m.fileKey ? new URL(storage.url(m.fileKey), base).href : m.remoteUrl
    if (!url || !m.statusId) continue
    media.set(m.statusId, [...(media.get(m.statusId) ?? []), { row: m, url }])
  }
  return {
    baseUrl: base,
    authors: new Map(authorRows.map((a) => [a.id, a.username])),
    referenced: new Map(refRows.filter((r) => r.uri).map((r) => [r.id, { uri: r.uri!, url: r.url }])),
    addressed,
    tags: tagMap,
    polls: new Map(pollRows.map((p) => [p.statusId, p])),
    media,
    emojis,
  }
}

const federatedLocal = (username: string) => and(
  eq(statuses.local, true), isNull(statuses.reblogOfId), inArray(statuses.visibility, [...FEDERATED_VISIBILITIES]),
  sql`${statuses.accountId} = (select id from ${accounts} where ${accounts.username} = ${username} and ${accounts.domain} is null)`,
)

/**
 * A local status as a remote reader may fetch it: `viewerUri` is the actor that signed the request (null: anonymous).
 * The visibility rule decides, and `local` and list posts never leave the instance.
 */
export async function findFederatedStatus(ctx: Ctx, username: string, id: string, viewerUri: string | null): Promise<StatusRow | null> {
  if (!isId(id)) return null
  let viewerId: string | null = null
  if (viewerUri) {
    const [viewer] = await ctx.db.select({ id: accounts.id }).from(accounts)
      .where(and(eq(accounts.uri, viewerUri), isNotNull(accounts.domain))).limit(1)
    viewerId = viewer?.id ?? null
  }
  const [row] = await ctx.db.select().from(statuses)
    .where(and(eq(statuses.id, id), federatedLocal(username), visibleStatusSql(viewerId))).limit(1)
  return row ?? null
}

/** The author's username of a local status, for its alias addresses (`/notice/:id`, `/objects/:id`). */
export async function localStatusAuthor(ctx: Ctx, id: string): Promise<string | null> {
  if (!isId(id)) return null
  const [row] = await ctx.db.select({ username: accounts.username }).from(statuses)
    .innerJoin(accounts, eq(accounts.id, statuses.accountId))
    .where(and(eq(statuses.id, id), eq(statuses.local, true), isNull(accounts.domain))).limit(1)
  return row?.username ?? null
}

const PUBLIC_VISIBILITIES: StatusVisibility[] = ['public', 'unlisted']
export const OUTBOX_PAGE_SIZE = 20

/** A page of an account's outbox: its public and unlisted statuses, newest first, before the id `cursor`. */
export async function outboxPage(ctx: Ctx, accountId: string, cursor: string | null): Promise<{ rows: StatusRow[]; next: string | null }> {
  if (cursor && !isId(cursor)) return { rows: [], next: null }
  const rows = await ctx.db.select().from(statuses)
    .where(and(eq(statuses.accountId, accountId), eq(statuses.local, true), isNull(statuses.reblogOfId),
      inArray(statuses.visibility, PUBLIC_VISIBILITIES), cursor ? lt(statuses.id, cursor) : undefined))
    .orderBy(desc(statuses.id)).limit(OUTBOX_PAGE_SIZE + 1)
  const page = rows.slice(0, OUTBOX_PAGE_SIZE)
  return { rows: page, next: rows.length > OUTBOX_PAGE_SIZE ? page[page.length - 1].id : null }
}

export async function outboxCount(ctx: Ctx, accountId: string): Promise<number> {
  const [row] = await ctx.db.select({ n: count() }).from(statuses)
    .where(and(eq(statuses.accountId, accountId), eq(statuses.local, true), isNull(statuses.reblogOfId), inArray(statuses.visibility, PUBLIC_VISIBILITIES)))
  return Number(row?.n ?? 0)
}

/** The account's pinned statuses that anyone may read, most recently pinned first. */
export async function pinnedPublicStatuses(ctx: Ctx, accountId: string): Promise<StatusRow[]> {
  const rows = await ctx.db.select({ status: statuses }).from(statusPins)
    .innerJoin(statuses, eq(statuses.id, statusPins.statusId))
    .where(and(eq(statusPins.accountId, accountId), eq(statuses.accountId, accountId), isNull(statuses.reblogOfId),
      inArray(statuses.visibility, PUBLIC_VISIBILITIES)))
    .orderBy(desc(statusPins.id)).limit(40)
  return rows.map((r) => r.status)
}

export interface DeliveryTarget {
  uri: string
  inboxUrl: string
  sharedInboxUrl: string | null
}

/**
 * Where a status goes: the author's remote followers (not for direct posts) and the remote accounts it is addressed
 * to, leaving out hosts marked unavailable and those this instance does not federate with. Direct posts never go to a shared inbox, so they are marked personal.
 */
export async function deliveryTargets(ctx: Ctx, authorId: string, visibility: StatusVisibility, addressedIds: string[]) {
  const pick = { uri: accounts.uri, domain: accounts.domain, inboxUrl: remoteActors.inboxUrl, sharedInboxUrl: remoteActors.sharedInboxUrl }
  // Neither side of a block hears from the author: not the blocked account, nor one that blocks the author.
  const unblocked = sql`not exists (select 1 from ${blocks} b where (b.account_id = ${uuidParam(authorId)} and b.target_account_id = ${accounts.id})
    or (b.account_id = ${accounts.id} and b.target_account_id = ${uuidParam(authorId)}))`
  const alive = and(isNotNull(accounts.domain), isNotNull(accounts.uri), isNull(accounts.deletedAt), isNull(accounts.suspendedAt), unblocked)
  const [followerRows, addressedRows] = await Promise.all([
    visibility === 'direct' ? [] : ctx.db.select(pick).from(follows)
      .innerJoin(accounts, eq(accounts.id, follows.accountId))
      .innerJoin(remoteActors, eq(remoteActors.accountId, accounts.id))
      .where(and(eq(follows.targetAccountId, authorId), alive)),
    addressedIds.length ? ctx.db.select(pick).from(accounts)
      .innerJoin(remoteActors, eq(remoteActors.accountId, accounts.id))
      .where(and(inArray(accounts.id, addressedIds), alive)) : [],
  ])
  const domains = [...followerRows, ...addressedRows].map((r) => r.domain!)
  const [unavailable, rejected] = await Promise.all([unavailableAmong(ctx, domains), rejectedAmong(ctx, domains)])
  const skipped = new Set([...unavailable, ...rejected])
  const keep = (r: { domain: string | null }) => !skipped.has(r.domain!)
  const target = (r: typeof followerRows[number]): DeliveryTarget => ({ uri: r.uri!, inboxUrl: r.inboxUrl, sharedInboxUrl: r.sharedInboxUrl })
  return { followers: followerRows.filter(keep).map(target), addressed: addressedRows.filter(keep).map(target) }
}

/**
 * Whether a status of `authorId` would reach anyone on another server: a remote follower (unless it is direct) or a
 * remote account among `addressedIds` (its mentions, the replied-to author included). The same accounts
 * `deliveryTargets` picks, whatever their hosts' availability now; one query, safe inside the writing transaction.
 */
export async function hasRemoteAudience(db: DbLike, authorId: string, visibility: StatusVisibility, addressedIds: string[]): Promise<boolean> {
  const alive = and(isNotNull(accounts.domain), isNotNull(accounts.uri), isNull(accounts.deletedAt), isNull(accounts.suspendedAt))
  const ids = [...new Set(addressedIds)].filter(isId)
  const byMention = ids.length
    ? db.select({ one: sql<number>`1` }).from(accounts).innerJoin(remoteActors, eq(remoteActors.accountId, accounts.id))
      .where(and(inArray(accounts.id, ids), alive))
    : null
  if (byMention && (await byMention.limit(1)).length) return true
  return visibility !== 'direct' && (await remoteFollowerRead(db, { author: idToUuid(authorId), one: 1 })).length > 0
}

/** One remote follower of `author` that `deliveryTargets` would pick (alive, with an actor), if any; built once. */
const remoteFollowerRead = builtOnceSelect((db) => db.select({ one: sql<number>`1` }).from(follows)
  .innerJoin(accounts, eq(accounts.id, follows.accountId)).innerJoin(remoteActors, eq(remoteActors.accountId, accounts.id))
  .where(and(sql`${follows.targetAccountId} = ${sql.placeholder('author')}`, isNotNull(accounts.domain), isNotNull(accounts.uri),
    isNull(accounts.deletedAt), isNull(accounts.suspendedAt)))
  .limit(sql.placeholder('one')))

/**
 * Queues the Create, Update or Delete of a local status in the caller's transaction when it federates and someone on
 * another server would receive it; a purely local audience costs no job.
 */
export async function enqueueStatusPublish(
  ctx: Ctx, tx: DbLike, row: Pick<StatusRow, 'accountId' | 'local' | 'reblogOfId' | 'visibility'>, addressedIds: string[],
  event: Extract<PublishEvent, { type: 'status.create' | 'status.update' | 'status.delete' }>,
): Promise<boolean> {
  if (!(await reachesRemoteAudience(tx, row, addressedIds))) return false
  await enqueuePublish(ctx, tx, event)
  return true
}

/** Whether `enqueueStatusPublish` would queue anything for this status: it federates and someone elsewhere would receive it. */
export async function reachesRemoteAudience(
  db: DbLike, row: Pick<StatusRow, 'accountId' | 'local' | 'reblogOfId' | 'visibility'>, addressedIds: string[],
): Promise<boolean> {
  return federates(row) && hasRemoteAudience(db, row.accountId, row.visibility, addressedIds)
}

/** Remote and local accounts a status is addressed to, by id (for a Delete, read before the row goes). */
export async function addressedAccountIds(ctx: Pick<Ctx, 'db'>, statusId: string): Promise<string[]> {
  const rows = await ctx.db.select({ id: statusMentions.accountId }).from(statusMentions).where(eq(statusMentions.statusId, statusId))
  return rows.map((r) => r.id)
}

/** Most remote accounts told of a deletion because they interacted with the status. */
const MAX_INTERACTED = 2000

/**
 * Remote accounts that replied to, favourited, reblogged or reacted to a status, read before it is deleted: its
 * Delete reaches them too, so their copies of it go.
 */
export async function interactedRemoteAccountIds(db: DbLike, statusId: string): Promise<string[]> {
  const id = uuidParam(statusId)
  const rows = resultRows<{ id: string }>(await db.execute(sql`
    select a.id::text as id from accounts a
    where a.domain is not null and a.id in (
      select account_id from statuses where in_reply_to_id = ${id} or reblog_of_id = ${id}
      union select account_id from favourites where status_id = ${id}
      union select account_id from status_reactions where status_id = ${id})
    limit ${MAX_INTERACTED}`))
  return rows.map((r) => uuidToId(r.id))
}
