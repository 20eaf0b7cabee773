import { and, asc, eq, gt, isNotNull, isNull, sql } from 'drizzle-orm'
import { accounts, follows, remoteActors, users, type AccountRow, type ProfileField } from '../../db/schema'
import { uuidParam } from '../../db/sql'
import type { Ctx } from '../context'
import { noteInstanceSeen } from './instances'
import { enqueuePublish } from './publish'
import { enqueueRemoteMediaCache, replacedProfileImages } from '../media/remote'
import { mediaStorage } from '../media/storage'
import { deleteStoredFiles } from '../media/upload'
import { domainPolicy } from '../instance/domain-policy'
import { sanitizeContent } from '../statuses/format'
import { upsertRemoteEmojis } from '../statuses/remote-status'

/** A local account other servers may see: approved, active, neither suspended nor deleted. */
export async function findLocalActor(ctx: Ctx, username: string): Promise<AccountRow | null> {
  if (!/^[A-Za-z0-9_]{1,64}$/.test(username)) return null
  const [row] = await ctx.db.select({ account: accounts }).from(accounts)
    .innerJoin(users, eq(users.accountId, accounts.id))
    .where(and(eq(accounts.username, username), isNull(accounts.domain), isNull(accounts.deletedAt), isNull(accounts.suspendedAt),
      eq(users.isActive, true), eq(users.isApproved, true)))
    .limit(1)
  return row?.account ?? null
}

export const COLLECTION_PAGE_SIZE = 40

/** The actors following an account (or followed by it), with their inboxes when remote, a page at a time in follow order. */
export async function followUris(ctx: Ctx, accountId: string, direction: 'followers' | 'following', cursor: string | null) {
  const mine = direction === 'followers' ? follows.targetAccountId : follows.accountId
  const other = direction === 'followers' ? follows.accountId : follows.targetAccountId
  const rows = await ctx.db.select({ id: follows.id, uri: accounts.uri, inboxUrl: remoteActors.inboxUrl, sharedInboxUrl: remoteActors.sharedInboxUrl })
    .from(follows)
    .innerJoin(accounts, eq(accounts.id, other))
    .leftJoin(remoteActors, eq(remoteActors.accountId, accounts.id))
    .where(and(eq(mine, accountId), isNotNull(accounts.uri), isNull(accounts.deletedAt), cursor ? gt(follows.id, cursor) : undefined))
    .orderBy(asc(follows.id))
    .limit(COLLECTION_PAGE_SIZE + 1)
  const page = rows.slice(0, COLLECTION_PAGE_SIZE)
  return {
    actors: page.map((r) => ({ uri: r.uri!, inboxUrl: r.inboxUrl, sharedInboxUrl: r.sharedInboxUrl })),
    next: rows.length > COLLECTION_PAGE_SIZE ? page[page.length - 1].id : null,
  }
}

/** What is kept of a remote actor, read from its ActivityPub document by the federation front door. */
export interface RemoteActorData {
  uri: string
  username: string
  /** host (with port when not the default) of the actor's id */
  domain: string
  displayName: string
  /** HTML; sanitized here */
  note: string
  url: string | null
  inboxUrl: string
  sharedInboxUrl: string | null
  followersUrl: string | null
  followingUrl: string | null
  outboxUrl: string | null
  locked: boolean
  bot: boolean
  actorType: string
  avatarUrl: string | null
  headerUrl: string | null
  /** the featured (pinned) collection, read when the account is first stored */
  featuredUrl?: string | null
  /** read the featured collection even though the account is known (the actor sent an Update of itself) */
  refreshFeatured?: boolean
  /** the actor URIs it says it is also known as (a Move is verified against the target's) */
  // The profile beyond the basics: what is left undefined keeps its stored value.
  /** profile fields (`PropertyValue`); values are HTML, sanitized here */
  fields?: ProfileField[]
  alsoKnownAs?: string[]
  /** the stored account `movedTo` names, when it could be had */
  movedToId?: string | null
  discoverable?: boolean
  indexable?: boolean
  /** the actor's `published` */
  createdAt?: Date | null
  /** totals of its collections, where they were had */
  counts?: { followers?: number | null; following?: number | null; statuses?: number | null }
  /** custom emoji of its name, bio and fields, kept as its domain's */
  emojis?: { shortcode: string; url: string }[]
  /** Pleroma's `capabilities.acceptsChatMessages` */
  acceptsChatMessages?: boolean
}

const MAX_FIELDS = 16
const MAX_ALIASES = 20
const count = (n: number | null | undefined) => (typeof n === 'number' && Number.isFinite(n) && n >= 0 ? Math.min(Math.floor(n), 2 ** 31 - 1) : undefined)

/** The profile columns of a remote actor that were read; undefined ones are left as stored. */
function profileColumns(data: RemoteActorData) {
  const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
  return defined({
    fields: data.fields?.slice(0, MAX_FIELDS).map((f) => ({
      name: f.name.slice(0, 255), value: sanitizeContent(f.value.slice(0, 2048)), verified_at: null,
    })),
    alsoKnownAs: data.alsoKnownAs?.filter((u) => /^https?:\/\//i.test(u) && u.length <= 2048).slice(0, MAX_ALIASES),
    movedToId: data.movedToId,
    discoverable: data.discoverable,
    indexable: data.indexable,
    createdAt: data.createdAt && data.createdAt <= new Date() ? data.createdAt : undefined,
    followersCount: count(data.counts?.followers),
    followingCount: count(data.counts?.following),
    statusesCount: count(data.counts?.statuses),
  })
}

/**
 * Stores or refreshes a remote actor as an account (`username@domain`, never colliding with a local name) with
 * its federation endpoints. The account is found by its URI first, then by its handle.
 */
export async function upsertRemoteActor(ctx: Ctx, data: RemoteActorData): Promise<AccountRow> {
  const policy = await domainPolicy(ctx, data.domain)
  // A domain whose media are rejected, or whose avatars or banners are removed, keeps none here.
  const pictures = {
    avatarUrl: policy.rejectMedia || policy.avatarRemoval ? null : data.avatarUrl,
    headerUrl: policy.rejectMedia || policy.bannerRemoval ? null : data.headerUrl,
  }
  let replacedKeys: string[] = []
  const stored = await ctx.db.transaction(async (tx) => {
    const fields = {
      displayName: data.displayName.slice(0, 200),
      note: sanitizeContent(data.note),
      url: data.url,
      uri: data.uri,
      locked: data.locked,
      bot: data.bot,
      actorType: data.actorType,
      ...profileColumns(data),
      updatedAt: new Date(),
    }
    const find = () => tx.select().from(accounts)
      .where(and(isNotNull(accounts.domain), sql`(${accounts.uri} = ${data.uri} or (${accounts.username} = ${data.username} and ${accounts.domain} = ${data.domain}))`))
      .orderBy(sql`${accounts.uri} = ${data.uri} desc`)
      .limit(1)
    let [existing] = await find()
    let account: AccountRow | undefined
    let images = replacedProfileImages(ctx, existing ?? null, pictures)
    if (!existing) {
      // Activities of a new actor are handled side by side: another one may store it first.
      ;[account] = await tx.insert(accounts).values({ username: data.username, domain: data.domain, ...fields, ...images.fields, silencedAt: policy.silence ? policy.blockedAt : null })
        .onConflictDoNothing().returning()
      if (!account) {
        ;[existing] = await find()
        if (existing) images = replacedProfileImages(ctx, existing, pictures)
      }
    }
    if (existing) [account] = await tx.update(accounts).set({ ...fields, ...images.fields }).where(eq(accounts.id, existing.id)).returning()
    if (!account) throw new Error(`remote actor ${data.uri} could not be stored`)
    replacedKeys = images.replacedKeys
    if (images.changed) await enqueueRemoteMediaCache(ctx, tx, { accountId: account.id })
    const endpoints = {
      inboxUrl: data.inboxUrl,
      sharedInboxUrl: data.sharedInboxUrl,
      followersUrl: data.followersUrl,
      followingUrl: data.followingUrl,
      outboxUrl: data.outboxUrl,
      ...(data.acceptsChatMessages !== undefined ? { acceptsChatMessages: data.acceptsChatMessages } : {}),
      fetchedAt: new Date(),
    }
    await tx.insert(remoteActors).values({ accountId: account.id, ...endpoints })
      .onConflictDoUpdate({ target: remoteActors.accountId, set: endpoints })
    if ((!existing || data.refreshFeatured) && data.featuredUrl) {
      await enqueuePublish(ctx, tx, { type: 'featured.sync', accountId: account.id, featuredUrl: data.featuredUrl })
    }
    if (data.emojis) await upsertRemoteEmojis(tx, account.id, data.emojis)
    return account
  })
  await deleteStoredFiles(mediaStorage(ctx.config), replacedKeys)
  await noteInstanceSeen(ctx, data.domain)
  return stored
}

/** The inboxes of the remote accounts that follow or are followed by an account, each once. */
export async function relatedInboxes(ctx: Pick<Ctx, 'db'>, accountId: string): Promise<{ uri: string; inboxUrl: string; sharedInboxUrl: string | null }[]> {
  const id = uuidParam(accountId)
  const rows = await ctx.db.selectDistinct({ uri: accounts.uri, inboxUrl: remoteActors.inboxUrl, sharedInboxUrl: remoteActors.sharedInboxUrl })
    .from(follows)
    .innerJoin(accounts, sql`${accounts.id} = case when ${follows.accountId} = ${id} then ${follows.targetAccountId} else ${follows.accountId} end`)
    .innerJoin(remoteActors, eq(remoteActors.accountId, accounts.id))
    .where(and(sql`(${follows.accountId} = ${id} or ${follows.targetAccountId} = ${id})`, isNotNull(accounts.uri), isNull(accounts.deletedAt)))
  return rows.map((r) => ({ uri: r.uri!, inboxUrl: r.inboxUrl, sharedInboxUrl: r.sharedInboxUrl }))
}

/** A local account's signing identity, deleted or not: a Delete of the actor is signed by the actor itself. */
export async function findLocalSigner(ctx: Ctx, username: string): Promise<AccountRow | null> {
  if (!/^[A-Za-z0-9_]{1,64}$/.test(username)) return null
  const [row] = await ctx.db.select().from(accounts).where(and(eq(accounts.username, username), isNull(accounts.domain))).limit(1)
  return row ?? null
}

export async function findRemoteActor(ctx: Ctx, accountId: string) {
  const [row] = await ctx.db.select({ account: accounts, endpoints: remoteActors }).from(accounts)
    .innerJoin(remoteActors, eq(remoteActors.accountId, accounts.id))
    .where(eq(accounts.id, accountId)).limit(1)
  return row ?? null
}

export async function findAccountByUri(ctx: Ctx, uri: string): Promise<AccountRow | null> {
  const [row] = await ctx.db.select().from(accounts).where(eq(accounts.uri, uri)).limit(1)
  return row ?? null
}

export async function findAccountById(ctx: Ctx, id: string): Promise<AccountRow | null> {
  const [row] = await ctx.db.select().from(accounts).where(eq(accounts.id, id)).limit(1)
  return row ?? null
}

/** A stored remote account by `user@domain` (case-insensitive) or by its actor URI. */
export async function findRemoteAccount(ctx: Ctx, query: string): Promise<AccountRow | null> {
  const q = query.trim().replace(/^@/, '').replace(/^acct:/i, '')
  if (/^https?:\/\//i.test(q)) {
    const [row] = await ctx.db.select().from(accounts).where(and(eq(accounts.uri, q), isNotNull(accounts.domain))).limit(1)
    return row ?? null
  }
  const at = q.lastIndexOf('@')
  if (at <= 0) return null
  const [row] = await ctx.db.select().from(accounts)
    .where(and(sql`lower(${accounts.username}) = ${q.slice(0, at).toLowerCase()}`, sql`lower(${accounts.domain}) = ${q.slice(at + 1).toLowerCase()}`))
    .limit(1)
  return row ?? null
}
