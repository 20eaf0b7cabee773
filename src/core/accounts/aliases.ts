import { and, eq, inArray, isNull, sql } from 'drizzle-orm'
import { accounts, type AccountRow } from '../../db/schema'
import type { Ctx } from '../context'
import { NotFoundError, ValidationError } from '../errors'
import { findRemoteAccount } from '../federation/actors'
import type { Viewer } from '../oauth/authenticate'
import { resolveAcct } from '../search/resolve'
import { parseAcct } from './queries'

export const MAX_ALIASES = 10

/**
 * An existing, not suspended or deleted account named by `nick`, `@nick` or `nick@domain`: local, or remote (looked up
 * through federation for a signed-in `viewer`, so what its server says now is what is stored; else as known here).
 * Unknown names are 404 with `notFound`.
 */
export async function findTargetAccount(ctx: Ctx, handle: unknown, notFound: string, viewer: Viewer | null): Promise<AccountRow> {
  if (typeof handle !== 'string' || !handle.trim()) throw new ValidationError(`${notFound.replace(/\.$/, '')}: no account given.`)
  const address = parseAcct(ctx, handle)
  if (!address) throw new NotFoundError(notFound)
  if (address.domain) {
    const found = (viewer?.accountId ? await resolveAcct(ctx, viewer, `${address.username}@${address.domain}`) : null)
      ?? await findRemoteAccount(ctx, `${address.username}@${address.domain}`)
    if (!found || found.deletedAt || found.suspendedAt) throw new NotFoundError(notFound)
    return found
  }
  const [row] = await ctx.db.select().from(accounts).where(and(
    eq(accounts.username, address.username), isNull(accounts.domain), isNull(accounts.deletedAt), isNull(accounts.suspendedAt),
  )).limit(1)
  if (!row) throw new NotFoundError(notFound)
  return row
}

export const accountUri = (ctx: Ctx, row: Pick<AccountRow, 'uri' | 'username'>) => row.uri ?? `${ctx.config.baseUrl}/users/${row.username}`

const fullNickname = (ctx: Ctx, row: Pick<AccountRow, 'username' | 'domain'>) => `${row.username}@${row.domain ?? ctx.config.domain}`

/** `GET /api/pleroma/aliases`: the accounts this one says it is also known as, as `nick@domain`. */
export async function listAliases(ctx: Ctx, accountId: string): Promise<string[]> {
  const [own] = await ctx.db.select({ alsoKnownAs: accounts.alsoKnownAs }).from(accounts).where(eq(accounts.id, accountId)).limit(1)
  const uris = own?.alsoKnownAs ?? []
  if (!uris.length) return []
  const rows = await ctx.db.select({ uri: accounts.uri, username: accounts.username, domain: accounts.domain }).from(accounts)
    .where(and(inArray(accounts.uri, uris), isNull(accounts.deletedAt)))
  const byUri = new Map(rows.map((r) => [r.uri, r]))
  return uris.map((uri) => byUri.get(uri)).filter((r): r is NonNullable<typeof r> => !!r).map((r) => fullNickname(ctx, r))
}

/** `PUT /api/pleroma/aliases` (alias): adds an account to `also_known_as`; adding one twice changes nothing. */
export async function addAlias(ctx: Ctx, accountId: string, alias: unknown, viewer: Viewer | null = null): Promise<void> {
  const target = await findTargetAccount(ctx, alias, 'Target account does not exist.', viewer)
  if (target.id === accountId) throw new ValidationError('An account cannot be an alias of itself.')
  const uri = accountUri(ctx, target)
  await ctx.db.transaction(async (tx) => {
    const [own] = await tx.select({ alsoKnownAs: accounts.alsoKnownAs }).from(accounts).where(eq(accounts.id, accountId)).for('update').limit(1)
    const current = own?.alsoKnownAs ?? []
    if (current.includes(uri)) return
    if (current.length >= MAX_ALIASES) throw new ValidationError(`An account can have at most ${MAX_ALIASES} aliases.`)
    await tx.update(accounts).set({ alsoKnownAs: [...current, uri], updatedAt: sql`now()` as unknown as Date }).where(eq(accounts.id, accountId))
  })
}

/** `DELETE /api/pleroma/aliases` (alias): 404 when the account has no such alias. */
export async function removeAlias(ctx: Ctx, accountId: string, alias: unknown): Promise<void> {
  const address = typeof alias === 'string' ? parseAcct(ctx, alias) : null
  if (!address) throw new NotFoundError('Account has no such alias.')
  const remote = address.domain ? await findRemoteAccount(ctx, `${address.username}@${address.domain}`) : null
  if (address.domain && !remote?.uri) throw new NotFoundError('Account has no such alias.')
  const uri = remote?.uri ?? `${ctx.config.baseUrl}/users/${address.username}`
  await ctx.db.transaction(async (tx) => {
    const [own] = await tx.select({ alsoKnownAs: accounts.alsoKnownAs }).from(accounts).where(eq(accounts.id, accountId)).for('update').limit(1)
    const current = own?.alsoKnownAs ?? []
    const kept = current.filter((u) => u.toLowerCase() !== uri.toLowerCase())
    if (kept.length === current.length) throw new NotFoundError('Account has no such alias.')
    await tx.update(accounts).set({ alsoKnownAs: kept, updatedAt: sql`now()` as unknown as Date }).where(eq(accounts.id, accountId))
  })
}
