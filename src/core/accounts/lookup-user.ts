import { and, eq, isNull } from 'drizzle-orm'
import type { DbLike } from '../../db/client'
import { accounts, users } from '../../db/schema'

/** A local user by e-mail address or nickname (`@nick` and `nick@our.domain` too), for the e-mail flows. */
export async function findUserByEmailOrNickname(db: DbLike, localDomain: string, value: unknown) {
  if (typeof value !== 'string') return null
  const name = value.trim().replace(/^@/, '')
  if (!name || name.length > 320) return null
  const local = name.toLowerCase().endsWith(`@${localDomain.toLowerCase()}`) ? name.slice(0, -(localDomain.length + 1)) : name
  const where = local.includes('@') ? eq(users.email, local) : and(eq(accounts.username, local), isNull(accounts.domain))
  const [row] = await db.select({ user: users, account: accounts }).from(users)
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(and(where, isNull(accounts.deletedAt)))
    .limit(1)
  return row ?? null
}
