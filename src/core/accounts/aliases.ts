import { and, eq, inArray, isNull, sql } from 'drizzle-orm'
import { accounts, type AccountRow } from '../../db/schema'
import type { Ctx } from '../context'
import { AppError, NotFoundError, ValidationError } from '../errors'
import { parseAcct } from './queries'

export const MAX_ALIASES = 10

/** Federation is not there yet: naming a remote account gets this clear 422 instead of a silent failure. */
export class RemoteAccountsUnsupportedError extends AppError {
  constructor() {
    super(422, 'Remote accounts are not supported yet: this server does not federate.')
  }
}

/**
 * A local, existing, not suspended or deleted account named by `nick`, `@nick` or `nick@our.domain`.
 * Remote addresses are refused with 422 until federation exists; unknown names are 404 with `notFound`.
 */
export async function findLocalTarget(ctx: Ctx, handle: unknown, notFound: string): Promise<AccountRow> {
  if (typeof handle !== 'string' || !handle.trim()) throw new ValidationError(`${notFound.replace(/\.$/, '')}: no account given.`)
  const address = parseAcct(ctx, handle)
  if (!address) throw new NotFoundError(notFound)
  if (address.domain) throw new RemoteAccountsUnsupportedError()
  const [row] = await ctx.db.select().from(accounts).where(and(
    eq(accounts.username, address.username), isNull(accounts.domain), isNull(accounts.deletedAt), isNull(accounts.suspendedAt),
  )).limit(1)
  if (!row) throw new NotFoundError(notFound)
  return row
}

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
export async function addAlias(ctx: Ctx, accountId: string, alias: unknown): Promise<void> {
  const target = await findLocalTarget(ctx, alias, 'Target account does not exist.')
  if (target.id === accountId) throw new ValidationError('An account cannot be an alias of itself.')
  const uri = target.uri ?? `${ctx.config.baseUrl}/users/${target.username}`
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
  if (address.domain) throw new RemoteAccountsUnsupportedError()
  const uri = `${ctx.config.baseUrl}/users/${address.username}`
  await ctx.db.transaction(async (tx) => {
    const [own] = await tx.select({ alsoKnownAs: accounts.alsoKnownAs }).from(accounts).where(eq(accounts.id, accountId)).for('update').limit(1)
    const current = own?.alsoKnownAs ?? []
    const kept = current.filter((u) => u.toLowerCase() !== uri.toLowerCase())
    if (kept.length === current.length) throw new NotFoundError('Account has no such alias.')
    await tx.update(accounts).set({ alsoKnownAs: kept, updatedAt: sql`now()` as unknown as Date }).where(eq(accounts.id, accountId))
  })
}
