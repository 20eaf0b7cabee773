import { and, asc, eq, gt, isNotNull, isNull, sql } from 'drizzle-orm'
import { accounts, follows, remoteActors, users, type AccountRow } from '../../db/schema'
import type { Ctx } from '../context'
import { domainPolicy } from '../instance/domain-policy'
import { sanitizeContent } from '../statuses/format'

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
}

/**
 * Stores or refreshes a remote actor as an account (`username@domain`, never colliding with a local name) with
 * its federation endpoints. The account is found by its URI first, then by its handle.
 */
export async function upsertRemoteActor(ctx: Ctx, data: RemoteActorData): Promise<AccountRow> {
  const policy = await domainPolicy(ctx, data.domain)
  return ctx.db.transaction(async (tx) => {
    const fields = {
      displayName: data.displayName.slice(0, 200),
      note: sanitizeContent(data.note),
      url: data.url,
      uri: data.uri,
      locked: data.locked,
      bot: data.bot,
      actorType: data.actorType,
      avatarUrl: policy.rejectMedia || policy.avatarRemoval ? null : data.avatarUrl,
      headerUrl: policy.rejectMedia || policy.bannerRemoval ? null : data.headerUrl,
      updatedAt: new Date(),
    }
    const [existing] = await tx.select().from(accounts)
      .where(and(isNotNull(accounts.domain), sql`(${accounts.uri} = ${data.uri} or (${accounts.username} = ${data.username} and ${accounts.domain} = ${data.domain}))`))
      .orderBy(sql`${accounts.uri} = ${data.uri} desc`)
      .limit(1)
    const [account] = existing
      ? await tx.update(accounts).set(fields).where(eq(accounts.id, existing.id)).returning()
      : await tx.insert(accounts).values({ username: data.username, domain: data.domain, ...fields, silencedAt: policy.silence ? policy.blockedAt : null }).returning()
    const endpoints = {
      inboxUrl: data.inboxUrl,
      sharedInboxUrl: data.sharedInboxUrl,
      followersUrl: data.followersUrl,
      followingUrl: data.followingUrl,
      outboxUrl: data.outboxUrl,
      fetchedAt: new Date(),
    }
    await tx.insert(remoteActors).values({ accountId: account.id, ...endpoints })
      .onConflictDoUpdate({ target: remoteActors.accountId, set: endpoints })
    return account
  })
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
