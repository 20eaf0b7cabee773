import { eq } from 'drizzle-orm'
import { accounts, users, type AccountRow, type UserRow } from '../../db/schema'
import type { Ctx } from '../context'
import { NotFoundError, ValidationError } from '../errors'
import { verifyPassword } from './passwords'

export const INVALID_PASSWORD = 'Invalid password.'

/** Loads the user and checks the password they typed to confirm a sensitive action (Pleroma's `confirm_current_password`). */
export async function confirmCurrentPassword(ctx: Ctx, userId: string, password: unknown): Promise<{ user: UserRow; account: AccountRow }> {
  const [row] = await ctx.db.select({ user: users, account: accounts }).from(users)
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(eq(users.id, userId)).limit(1)
  if (!row) throw new NotFoundError()
  const given = typeof password === 'string' ? password.slice(0, 1024) : ''
  if (!given || !(await verifyPassword(given, row.user.passwordHash))) throw new ValidationError(INVALID_PASSWORD)
  return row
}
