import { and, eq, isNull, or } from 'drizzle-orm'
import { accounts, statuses, type AccountRow, type StatusRow } from '../../db/schema'
import { lookupAccount, parseAcct, visibleAccountSql } from '../accounts/queries'
import type { Ctx } from '../context'
import { NotFoundError } from '../errors'
import { isId } from '../ids'
import type { Viewer } from '../oauth/authenticate'
import { visibleWithReblogSql } from '../visibility'

/** What a URL or `user@domain` stands for, once found. */
export type Resolved = { kind: 'account'; account: AccountRow } | { kind: 'status'; status: StatusRow }

/**
 * Fetches an object this instance does not know yet (a remote profile or post by URL, an account by WebFinger) and
 * stores it; federation provides it. It returns the stored row's id, or null when there is nothing there.
 */
export type RemoteResolver = (ctx: Ctx, query: { url: string } | { acct: { username: string; domain: string } }, viewer: Viewer) =>
  Promise<{ kind: 'account'; accountId: string } | { kind: 'status'; statusId: string } | null>

let remoteResolver: RemoteResolver | null = null

/** Installs (or, with null, removes) the remote resolver; until then only objects already known are found. */
export function setRemoteResolver(resolver: RemoteResolver | null) {
  remoteResolver = resolver
}

/**
 * A remote account by `user@domain`, fetched over federation and stored when this instance does not know it yet; null
 * when there is none (or no resolver is installed). For background work acting on a list of addresses (imports).
 */
export async function resolveRemoteAccount(ctx: Ctx, address: string): Promise<AccountRow | null> {
  const m = /^(?:acct:)?@?([^@\s/]+)@([^@\s/]+)$/i.exec(address.trim())
  if (!remoteResolver || !m) return null
  const found = await remoteResolver(ctx, { acct: { username: m[1], domain: m[2] } }, null as unknown as Viewer)
  if (found?.kind !== 'account') return null
  const [row] = await ctx.db.select().from(accounts).where(eq(accounts.id, found.accountId)).limit(1)
  return row ?? null
}

const isUrl = (q: string) => /^https?:\/\/\S+$/i.test(q)

/** `@user@domain` or `user@domain` (a full address, not a bare name). */
export const looksLikeAcct = (q: string) => /^@?[^@\s/]+@[^@\s/]+$/.test(q)

async function visibleStatus(ctx: Ctx, viewer: Viewer | null, where: ReturnType<typeof eq>): Promise<StatusRow | null> {
  const [row] = await ctx.db.select().from(statuses).where(and(where, visibleWithReblogSql(viewer?.accountId ?? null))).limit(1)
  return row ?? null
}

async function visibleAccount(ctx: Ctx, viewer: Viewer | null, where: ReturnType<typeof eq>): Promise<AccountRow | null> {
  const [row] = await ctx.db.select().from(accounts).where(and(where, visibleAccountSql(viewer))).limit(1)
  return row ?? null
}

/** Paths of this instance's own status and profile pages. */
function localPath(ctx: Ctx, url: URL): { statusId: string } | { username: string } | null {
  const base = new URL(ctx.config.baseUrl)
  if (url.host.toLowerCase() !== base.host.toLowerCase()) return null
  const path = decodeURIComponent(url.pathname).replace(/\/+$/, '')
  const status = /^\/(?:@[^/]+|users\/[^/]+\/statuses|notice|objects)\/([0-9A-Za-z]+)$/.exec(path)
  if (status && isId(status[1])) return { statusId: status[1] }
  const profile = /^\/(?:@|users\/)([^/@]+)$/.exec(path)
  return profile ? { username: profile[1] } : null
}

/**
 * `resolve=true` for a URL: an object already known by its URI or URL (any instance's), this instance's own status
 * and profile pages, then the remote resolver. The visibility rule applies to whatever is found.
 */
export async function resolveUrl(ctx: Ctx, viewer: Viewer, q: string): Promise<Resolved | null> {
  if (!isUrl(q)) return null
  let url: URL
  try {
    url = new URL(q)
  } catch {
    return null
  }
  const known = await visibleStatus(ctx, viewer, or(eq(statuses.uri, q), eq(statuses.url, q))!)
  if (known) return { kind: 'status', status: known }
  const knownAccount = await visibleAccount(ctx, viewer, or(eq(accounts.uri, q), eq(accounts.url, q))!)
  if (knownAccount) return { kind: 'account', account: knownAccount }
  const local = localPath(ctx, url)
  if (local && 'statusId' in local) {
    const status = await visibleStatus(ctx, viewer, eq(statuses.id, local.statusId))
    return status ? { kind: 'status', status } : null
  }
  if (local) {
    const account = await visibleAccount(ctx, viewer, and(eq(accounts.username, local.username), isNull(accounts.domain))!)
    return account ? { kind: 'account', account } : null
  }
  return fromRemote(ctx, viewer, { url: q })
}

/** `resolve=true` for `user@domain` of another instance that is not known yet: the remote resolver's WebFinger. */
export async function resolveAcct(ctx: Ctx, viewer: Viewer, q: string): Promise<AccountRow | null> {
  if (!looksLikeAcct(q)) return null
  const address = parseAcct(ctx, q)
  if (!address?.domain) return null
  const found = await fromRemote(ctx, viewer, { acct: { username: address.username, domain: address.domain } })
  return found?.kind === 'account' ? found.account : null
}

/**
 * GET /api/v1/accounts/lookup: a known account by address, or for a signed-in viewer a remote address not known
 * yet, resolved through federation.
 */
export async function lookupAccountResolving(ctx: Ctx, acct: unknown, viewer: Viewer | null): Promise<AccountRow> {
  try {
    return await lookupAccount(ctx, acct, viewer)
  } catch (e) {
    if (!(e instanceof NotFoundError) || !viewer?.accountId || typeof acct !== 'string') throw e
    const found = await resolveAcct(ctx, viewer, acct.trim())
    if (!found) throw e
    return found
  }
}

async function fromRemote(ctx: Ctx, viewer: Viewer, query: Parameters<RemoteResolver>[1]): Promise<Resolved | null> {
  if (!remoteResolver) return null
  const found = await remoteResolver(ctx, query, viewer)
  if (!found) return null
  if (found.kind === 'status') {
    const status = await visibleStatus(ctx, viewer, eq(statuses.id, found.statusId))
    return status ? { kind: 'status', status } : null
  }
  const account = await visibleAccount(ctx, viewer, eq(accounts.id, found.accountId))
  return account ? { kind: 'account', account } : null
}
