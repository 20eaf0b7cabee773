// User administration shared by the CLI and the admin API: find, list, create, change and remove accounts.
import { and, desc, eq, ilike, isNotNull, isNull, lt, or, sql, type SQL } from 'drizzle-orm'
import type { DbLike } from '../../db/client'
import { accounts, users, type AccountRow, type UserRow } from '../../db/schema'
import { createLocalUser, type LocalUser } from '../accounts/create-user'
import { hashPassword } from '../accounts/passwords'
import { validatePassword } from '../accounts/validation'
import type { Ctx } from '../context'
import { NotFoundError, ValidationError } from '../errors'
import { isId } from '../ids'
import { revokeUserTokens } from '../oauth/tokens'
import { randomToken } from '../secrets'

export type { LocalUser }

/** An account as administrators see it: `user` is null for remote accounts. */
export interface AdminAccount {
  account: AccountRow
  user: UserRow | null
}

/** 18 random bytes: 24 URL-safe characters, easy to copy and far beyond guessing. */
export function generatePassword(): string {
  return randomToken(18)
}

/**
 * Splits what an admin typed into username and domain: `alice`, `@alice`, `alice@our.domain` are local;
 * `bob@remote.example` is remote. Returns null for anything that cannot be a handle.
 */
export function parseHandle(ctx: Ctx, handle: string): { username: string; domain: string | null } | null {
  const match = /^@?([A-Za-z0-9_.-]+)(?:@([^@\s/]+))?$/.exec(handle.trim())
  if (!match) return null
  const domain = match[2]?.toLowerCase() ?? null
  const local = !domain || domain === ctx.config.domain.toLowerCase() || domain === new URL(ctx.config.baseUrl).host.toLowerCase()
  return { username: match[1], domain: local ? null : domain }
}

/** Finds an account by handle or id, local or remote. */
export async function findAccountForAdmin(ctx: Ctx, handleOrId: string, db: DbLike = ctx.db): Promise<AdminAccount> {
  const handle = parseHandle(ctx, handleOrId)
  const conditions: SQL[] = []
  if (handle) {
    conditions.push(and(eq(accounts.username, handle.username), handle.domain ? eq(accounts.domain, handle.domain) : isNull(accounts.domain))!)
  }
  if (isId(handleOrId)) conditions.push(eq(accounts.id, handleOrId))
  if (conditions.length) {
    const [row] = await db.select({ account: accounts, user: users }).from(accounts)
      .leftJoin(users, eq(users.accountId, accounts.id))
      .where(or(...conditions))
      // a handle match wins over an id that happens to be spelled like a nickname
      .orderBy(sql`case when ${accounts.username} = ${handle?.username ?? ''} then 0 else 1 end`)
      .limit(1)
    if (row) return row
  }
  throw new NotFoundError(`User ${handleOrId} not found`)
}

/** Finds a local user by nickname (or account id); remote accounts have no login to administer. */
export async function findLocalUser(ctx: Ctx, handleOrId: string, db: DbLike = ctx.db): Promise<LocalUser> {
  const found = await findAccountForAdmin(ctx, handleOrId, db)
  if (!found.user) throw new ValidationError(`${found.account.username}@${found.account.domain} is a remote account`)
  return { account: found.account, user: found.user }
}

export interface ListUsersOptions {
  /** only local accounts (those with a login) */
  local?: boolean
  admins?: boolean
  moderators?: boolean
  /** only deactivated local users */
  deactivated?: boolean
  /** part of the nickname, display name or e-mail */
  query?: string
  limit?: number
  /** keyset pagination: accounts older than this id */
  maxId?: string
}

/** Accounts newest first, filtered; `limit` (default 100) bounds the page, `maxId` continues after a page. */
export async function listUsers(ctx: Ctx, opts: ListUsersOptions = {}): Promise<AdminAccount[]> {
  const limit = opts.limit ?? 100
  if (!Number.isInteger(limit) || limit < 1) throw new ValidationError('Validation failed: limit must be a positive whole number')
  const where: SQL[] = []
  if (opts.local) where.push(isNull(accounts.domain))
  if (opts.admins) where.push(eq(users.isAdmin, true))
  if (opts.moderators) where.push(eq(users.isModerator, true))
  if (opts.deactivated) where.push(eq(users.isActive, false))
  if (opts.query?.trim()) {
    const pattern = `%${opts.query.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`
    where.push(or(ilike(accounts.username, pattern), ilike(accounts.displayName, pattern), ilike(users.email, pattern), ilike(accounts.domain, pattern))!)
  }
  if (opts.maxId !== undefined) {
    if (!isId(opts.maxId)) return []
    where.push(lt(accounts.id, opts.maxId))
  }
  const needsUser = opts.admins || opts.moderators || opts.deactivated
  return ctx.db.select({ account: accounts, user: users }).from(accounts)
    .leftJoin(users, eq(users.accountId, accounts.id))
    .where(and(...where, ...(needsUser ? [isNotNull(users.id)] : [])))
    .orderBy(desc(accounts.id))
    .limit(limit)
}

export interface AdminCreateUserInput {
  nickname: string
  email: string
  /** generated (and returned once) when absent */
  password?: string
  displayName?: string
  bio?: string
  locale?: string
  isAdmin?: boolean
  isModerator?: boolean
}

/** Creates a local user on an admin's behalf: confirmed and approved at once, reserved names allowed. */
export async function createUserAsAdmin(ctx: Ctx, input: AdminCreateUserInput): Promise<LocalUser & { generatedPassword: string | null }> {
  const generatedPassword = input.password === undefined ? generatePassword() : null
  const created = await createLocalUser(ctx, {
    nickname: input.nickname,
    email: input.email,
    password: input.password ?? generatedPassword!,
    displayName: input.displayName,
    bio: input.bio,
    locale: input.locale,
    isAdmin: input.isAdmin,
    isModerator: input.isModerator,
    confirmed: true,
    approved: true,
    allowReservedNickname: true,
  })
  return { ...created, generatedPassword }
}

export interface UserChanges {
  isAdmin?: boolean
  isModerator?: boolean
  locked?: boolean
  confirmed?: boolean
  approved?: boolean
}

/** Changes roles and flags; absent fields stay as they are. */
export async function updateUser(ctx: Ctx, handleOrId: string, changes: UserChanges): Promise<LocalUser> {
  return ctx.db.transaction(async (tx) => {
    let { user, account } = await findLocalUser(ctx, handleOrId, tx)
    const userSet: Partial<typeof users.$inferInsert> = {}
    if (changes.isAdmin !== undefined) userSet.isAdmin = changes.isAdmin
    if (changes.isModerator !== undefined) userSet.isModerator = changes.isModerator
    if (changes.approved !== undefined) userSet.isApproved = changes.approved
    if (changes.confirmed === true && !user.confirmedAt) userSet.confirmedAt = sql`now()` as unknown as Date
    if (changes.confirmed === false) userSet.confirmedAt = null
    if (Object.keys(userSet).length) {
      ;[user] = await tx.update(users).set({ ...userSet, updatedAt: sql`now()` as unknown as Date }).where(eq(users.id, user.id)).returning()
    }
    if (changes.locked !== undefined && changes.locked !== account.locked) {
      ;[account] = await tx.update(accounts).set({ locked: changes.locked, updatedAt: sql`now()` as unknown as Date })
        .where(eq(accounts.id, account.id)).returning()
    }
    return { user, account }
  })
}

/** Deactivating also signs the user out everywhere; reactivating restores login but not the old tokens. */
export async function setUserActive(ctx: Ctx, handleOrId: string, active: boolean): Promise<LocalUser & { revokedTokens: number }> {
  return ctx.db.transaction(async (tx) => {
    const found = await findLocalUser(ctx, handleOrId, tx)
    const [user] = await tx.update(users).set({ isActive: active, updatedAt: sql`now()` as unknown as Date })
      .where(eq(users.id, found.user.id)).returning()
    const revokedTokens = active ? 0 : await revokeUserTokens(ctx, user.id, tx)
    return { user, account: found.account, revokedTokens }
  })
}

/** Sets a new password (generated and returned once when none is given) and revokes every token of the user. */
export async function resetUserPassword(ctx: Ctx, handleOrId: string, password?: string): Promise<LocalUser & { generatedPassword: string | null; revokedTokens: number }> {
  const generatedPassword = password === undefined ? generatePassword() : null
  const passwordHash = await hashPassword(validatePassword(password ?? generatedPassword))
  return ctx.db.transaction(async (tx) => {
    const found = await findLocalUser(ctx, handleOrId, tx)
    const [user] = await tx.update(users).set({ passwordHash, passwordResetPending: false, updatedAt: sql`now()` as unknown as Date })
      .where(eq(users.id, found.user.id)).returning()
    const revokedTokens = await revokeUserTokens(ctx, user.id, tx)
    return { user, account: found.account, generatedPassword, revokedTokens }
  })
}

/** Signs a user out of every app and session. */
export async function signOutUser(ctx: Ctx, handleOrId: string): Promise<LocalUser & { revokedTokens: number }> {
  return ctx.db.transaction(async (tx) => {
    const found = await findLocalUser(ctx, handleOrId, tx)
    return { ...found, revokedTokens: await revokeUserTokens(ctx, found.user.id, tx) }
  })
}

/** Removes a local user and everything hanging off the account (the database cascades from `accounts`). */
export async function deleteUser(ctx: Ctx, handleOrId: string): Promise<LocalUser> {
  return ctx.db.transaction(async (tx) => {
    const found = await findLocalUser(ctx, handleOrId, tx)
    await tx.delete(accounts).where(eq(accounts.id, found.account.id))
    return found
  })
}
