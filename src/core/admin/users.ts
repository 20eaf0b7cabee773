// User administration shared by the CLI and the admin API: find, list, create, change and remove accounts.
import { and, count, desc, eq, ilike, inArray, isNotNull, isNull, lt, or, sql, type SQL } from 'drizzle-orm'
import { escapeLike } from '../../db/sql'
import type { DbLike } from '../../db/client'
import { accounts, users, type AccountRow, type UserRow } from '../../db/schema'
import { createLocalUser, type LocalUser } from '../accounts/create-user'
import { sendConfirmationEmail } from '../accounts/email-confirmation'
import { issueEmailToken } from '../accounts/email-tokens'
import { passwordResetUrl } from '../accounts/password-reset'
import { hashPassword } from '../accounts/passwords'
import { validatePassword } from '../accounts/validation'
import type { Ctx } from '../context'
import { AppError, ForbiddenError, NotFoundError, ValidationError } from '../errors'
import { isId } from '../ids'
import { revokeUserTokens } from '../oauth/tokens'
import { randomToken } from '../secrets'
import { logAction, loggedUser, nicknamesText, type Actor } from './moderation-log'

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
    const pattern = likePattern(opts.query.trim())
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
  tags?: string[]
}

export type CreatedUser = LocalUser & { generatedPassword: string | null }

/** Hashes the password (slow) before any transaction opens; absent (or, for Pleroma's batch, empty) means generate one. */
async function prepareCreate(input: AdminCreateUserInput, emptyMeansAbsent = false) {
  const generatedPassword = input.password === undefined || (emptyMeansAbsent && input.password === '') ? generatePassword() : null
  const password = generatedPassword ?? input.password!
  return { generatedPassword, password, passwordHash: await hashPassword(validatePassword(password)) }
}

async function insertAdminUser(ctx: Ctx, input: AdminCreateUserInput, prepared: Awaited<ReturnType<typeof prepareCreate>>, tx: DbLike): Promise<CreatedUser> {
  const created = await createLocalUser(ctx, {
    nickname: input.nickname,
    email: input.email,
    password: prepared.password,
    passwordHash: prepared.passwordHash,
    displayName: input.displayName,
    bio: input.bio,
    locale: input.locale,
    isAdmin: input.isAdmin,
    isModerator: input.isModerator,
    confirmed: true,
    approved: true,
    allowReservedNickname: true,
  }, tx)
  const tags = normalizeTags(input.tags ?? [])
  if (tags.length) {
    ;[created.user] = await tx.update(users).set({ tags }).where(eq(users.id, created.user.id)).returning()
  }
  return { ...created, generatedPassword: prepared.generatedPassword }
}

/** Creates a local user on an admin's behalf: confirmed and approved at once, reserved names allowed. */
export async function createUserAsAdmin(ctx: Ctx, input: AdminCreateUserInput, actor: Actor = null): Promise<CreatedUser> {
  const prepared = await prepareCreate(input)
  return ctx.db.transaction(async (tx) => {
    const created = await insertAdminUser(ctx, input, prepared, tx)
    const subjects = [loggedUser(created.account)]
    await logAction(tx, actor, 'create', { subjects }, (who) => `${who} created users: ${nicknamesText(subjects)}`)
    return created
  })
}

/** One entry of a batch creation: the user, or why it could not be created. */
export type BatchCreateResult = { input: AdminCreateUserInput; created: CreatedUser; error: null } | { input: AdminCreateUserInput; created: null; error: string }

/** Raised when a batch creation was rolled back: every entry, with the reasons of those that failed. */
export class BatchCreateError extends AppError {
  constructor(readonly results: BatchCreateResult[]) {
    super(409, 'Some users could not be created')
  }
}

/** What went wrong for one user, in Pleroma's words: "nickname has already been taken". */
export function creationErrorText(error: unknown): string {
  const details = (error as AppError)?.extra?.details as Record<string, { description: string }[]> | undefined
  if (details) {
    const [field, problems] = Object.entries(details)[0] ?? []
    if (field && problems?.[0]) return `${field === 'username' ? 'nickname' : field} ${problems[0].description}`
  }
  if (error instanceof AppError) return error.message.replace(/^Validation failed: /, '')
  throw error
}

/**
 * Creates several users all at once or none at all (Pleroma's `POST /admin/users`): if any fails, nothing is kept
 * and a BatchCreateError lists every entry with the failures' reasons.
 */
export async function createUsersAsAdmin(ctx: Ctx, inputs: AdminCreateUserInput[], actor: Actor = null, opts: { resetLinks?: boolean } = {}): Promise<(CreatedUser & { passwordResetLink: string | null })[]> {
  if (!inputs.length) throw new ValidationError('Validation failed: users must not be empty')
  const prepared: (Awaited<ReturnType<typeof prepareCreate>> | Error)[] = []
  for (const input of inputs) prepared.push(await prepareCreate(input, true).catch((e: Error) => e))
  const rollback = new Error('rollback')
  let results: BatchCreateResult[] = []
  try {
    return await ctx.db.transaction(async (tx) => {
      for (const [i, input] of inputs.entries()) {
        const ready = prepared[i]
        try {
          if (ready instanceof Error) throw ready
          // a savepoint per user, so one failure leaves the transaction usable for checking the others
          const created = await tx.transaction((sp) => insertAdminUser(ctx, input, ready, sp))
          results.push({ input, created, error: null })
        } catch (e) {
          results.push({ input, created: null, error: creationErrorText(e) })
        }
      }
      if (results.some((r) => r.error !== null)) throw rollback
      const subjects = results.map((r) => loggedUser(r.created!.account))
      await logAction(tx, actor, 'create', { subjects }, (who) => `${who} created users: ${nicknamesText(subjects)}`)
      // Pleroma hands out a reset link, so users given no password choose their own
      const out: (CreatedUser & { passwordResetLink: string | null })[] = []
      for (const { created } of results) {
        const token = opts.resetLinks && created!.generatedPassword ? await issueEmailToken(tx, created!.user.id, 'password_reset') : null
        out.push({ ...created!, passwordResetLink: token ? passwordResetUrl(ctx, token) : null })
      }
      return out
    })
  } catch (e) {
    if (e !== rollback) throw e
    results = results.map((r) => (r.error === null ? { input: r.input, created: null, error: '' } : r))
    throw new BatchCreateError(results)
  }
}

export interface UserChanges {
  isAdmin?: boolean
  isModerator?: boolean
  locked?: boolean
  confirmed?: boolean
  approved?: boolean
}

/** Changes roles and flags; absent fields stay as they are. */
export async function updateUser(ctx: Ctx, handleOrId: string, changes: UserChanges, actor: Actor = null): Promise<LocalUser> {
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
    const subject = [loggedUser(account)]
    await logAction(tx, actor, 'updated_users', { subject, changes }, (who) => `${who} updated users: ${nicknamesText(subject)}`)
    return { user, account }
  })
}

/**
 * Finds local users by nickname (or id) for a bulk action: every one must exist (404 naming the first unknown) and be
 * local (422). Repeated names count once; the order given is kept.
 */
export async function findLocalUsers(ctx: Ctx, nicknames: string[], db: DbLike = ctx.db): Promise<LocalUser[]> {
  const wanted = [...new Set(nicknames.map((n) => n.trim()).filter(Boolean))]
  if (!wanted.length) throw new ValidationError('Validation failed: nicknames must not be empty')
  if (wanted.length > MAX_BULK) throw new ValidationError(`Validation failed: at most ${MAX_BULK} nicknames at once`)
  const found: LocalUser[] = []
  for (const nickname of wanted) {
    const user = await findLocalUser(ctx, nickname, db)
    if (!found.some((f) => f.user.id === user.user.id)) found.push(user)
  }
  return found
}

const MAX_BULK = 500

type BulkResult = LocalUser & { revokedTokens: number }

/**
 * Applies `change` to each user's row inside one transaction and logs the action once.
 * `change` returns the new row (or the old one when nothing had to change).
 */
async function bulkUpdate(
  ctx: Ctx, nicknames: string[], actor: Actor, action: string, describe: (who: string, subjects: string) => string,
  change: (tx: DbLike, user: LocalUser) => Promise<{ user: UserRow; revokedTokens?: number }>,
  extra: Record<string, unknown> = {},
): Promise<BulkResult[]> {
  return ctx.db.transaction(async (tx) => {
    const found = await findLocalUsers(ctx, nicknames, tx)
    const out: BulkResult[] = []
    for (const entry of found) {
      const { user, revokedTokens = 0 } = await change(tx, entry)
      out.push({ account: entry.account, user, revokedTokens })
    }
    const subject = found.map((f) => loggedUser(f.account))
    await logAction(tx, actor, action, { subject, ...extra }, (who) => describe(who, nicknamesText(subject)))
    return out
  })
}

const now = () => sql`now()` as unknown as Date

/** Deactivating also signs the users out everywhere; reactivating restores login but not the old tokens. */
export function setUsersActive(ctx: Ctx, nicknames: string[], active: boolean, actor: Actor = null): Promise<BulkResult[]> {
  return bulkUpdate(ctx, nicknames, actor, active ? 'activate' : 'deactivate',
    (who, subjects) => `${who} ${active ? 'activated' : 'deactivated'} users: ${subjects}`,
    async (tx, { user }) => {
      const [row] = await tx.update(users).set({ isActive: active, updatedAt: now() }).where(eq(users.id, user.id)).returning()
      return { user: row, revokedTokens: active ? 0 : await revokeUserTokens(ctx, user.id, tx) }
    })
}

export async function setUserActive(ctx: Ctx, handleOrId: string, active: boolean, actor: Actor = null): Promise<BulkResult> {
  const [changed] = await setUsersActive(ctx, [handleOrId], active, actor)
  return changed
}

/** Lets users waiting for approval log in. */
export function approveUsers(ctx: Ctx, nicknames: string[], actor: Actor = null): Promise<BulkResult[]> {
  return bulkUpdate(ctx, nicknames, actor, 'approve', (who, subjects) => `${who} approved users: ${subjects}`, async (tx, { user }) => {
    if (user.isApproved) return { user }
    const [row] = await tx.update(users).set({ isApproved: true, updatedAt: now() }).where(eq(users.id, user.id)).returning()
    return { user: row }
  })
}

/** Marks the users' e-mail addresses confirmed (those already confirmed keep their date). */
export function confirmUsers(ctx: Ctx, nicknames: string[], actor: Actor = null): Promise<BulkResult[]> {
  return bulkUpdate(ctx, nicknames, actor, 'confirm_email', (who, subjects) => `${who} confirmed email for users: ${subjects}`, async (tx, { user }) => {
    if (user.confirmedAt) return { user }
    const [row] = await tx.update(users).set({ confirmedAt: now(), updatedAt: now() }).where(eq(users.id, user.id)).returning()
    return { user: row }
  })
}

/**
 * Makes the users choose a new password: they are signed out everywhere, and logging in is refused until a new
 * password is set (by a password reset, or an admin with `user reset-password`).
 */
export function forcePasswordReset(ctx: Ctx, nicknames: string[], actor: Actor = null): Promise<BulkResult[]> {
  return bulkUpdate(ctx, nicknames, actor, 'force_password_reset', (who, subjects) => `${who} forced password reset for users: ${subjects}`, async (tx, { user }) => {
    const [row] = await tx.update(users).set({ passwordResetPending: true, updatedAt: now() }).where(eq(users.id, user.id)).returning()
    return { user: row, revokedTokens: await revokeUserTokens(ctx, user.id, tx) }
  })
}

export type StaffRole = 'admin' | 'moderator'

/** Grants or revokes a staff role. Nobody revokes their own: another admin has to. */
export function setUsersRole(ctx: Ctx, nicknames: string[], role: StaffRole, value: boolean, actor: Actor = null): Promise<BulkResult[]> {
  const column = role === 'admin' ? 'isAdmin' : 'isModerator'
  return bulkUpdate(ctx, nicknames, actor, value ? 'grant' : 'revoke',
    (who, subjects) => (value ? `${who} made ${subjects} ${role}` : `${who} revoked ${role} role from ${subjects}`),
    async (tx, { user, account }) => {
      if (!value && actor && account.id === actor.accountId) throw new ForbiddenError("You can't revoke your own admin/moderator status.")
      if (user[column] === value) return { user }
      const [row] = await tx.update(users).set({ [column]: value, updatedAt: now() }).where(eq(users.id, user.id)).returning()
      return { user: row }
    }, { permission: role })
}

const MAX_TAG_LENGTH = 100

/** Tags as admins type them: trimmed, without empty ones and repeats; Pleroma's `mrf_tag:*` names included. */
export function normalizeTags(tags: string[]): string[] {
  const out: string[] = []
  for (const raw of tags) {
    const tag = raw.trim()
    if (!tag) continue
    if (tag.length > MAX_TAG_LENGTH || /\s/.test(tag)) throw new ValidationError(`Validation failed: tag "${tag.slice(0, 40)}" must be one word of at most ${MAX_TAG_LENGTH} characters`)
    if (!out.includes(tag)) out.push(tag)
  }
  return out
}

/** Adds (or with `remove`, takes away) tags on users. */
export async function tagUsers(ctx: Ctx, nicknames: string[], tags: string[], opts: { remove?: boolean; actor?: Actor } = {}): Promise<BulkResult[]> {
  const given = normalizeTags(tags)
  if (!given.length) throw new ValidationError('Validation failed: tags must not be empty')
  const action = opts.remove ? 'untag' : 'tag'
  return ctx.db.transaction(async (tx) => {
    const found = await findLocalUsers(ctx, nicknames, tx)
    const out: BulkResult[] = []
    for (const { user, account } of found) {
      const next = opts.remove ? user.tags.filter((t) => !given.includes(t)) : [...user.tags, ...given.filter((t) => !user.tags.includes(t))]
      const [row] = next.length === user.tags.length && next.every((t, i) => t === user.tags[i])
        ? [user]
        : await tx.update(users).set({ tags: next, updatedAt: now() }).where(eq(users.id, user.id)).returning()
      out.push({ user: row, account, revokedTokens: 0 })
    }
    const names = found.map((f) => loggedUser(f.account).nickname)
    await logAction(tx, opts.actor ?? null, action, { nicknames: names, tags: given }, (who) =>
      `${who} ${opts.remove ? 'removed' : 'added'} tags: ${given.join(', ')} ${opts.remove ? 'from' : 'to'} users: ${names.map((n) => `@${n}`).join(', ')}`)
    return out
  })
}

/** Sets a new password (generated and returned once when none is given) and revokes every token of the user. */
export async function resetUserPassword(ctx: Ctx, handleOrId: string, password?: string, actor: Actor = null): Promise<LocalUser & { generatedPassword: string | null; revokedTokens: number }> {
  const generatedPassword = password === undefined ? generatePassword() : null
  const passwordHash = await hashPassword(validatePassword(password ?? generatedPassword))
  return ctx.db.transaction(async (tx) => {
    const found = await findLocalUser(ctx, handleOrId, tx)
    const [user] = await tx.update(users).set({ passwordHash, passwordResetPending: false, updatedAt: now() })
      .where(eq(users.id, found.user.id)).returning()
    const revokedTokens = await revokeUserTokens(ctx, user.id, tx)
    const subject = [loggedUser(found.account)]
    await logAction(tx, actor, 'reset_password', { subject }, (who) => `${who} set a new password for users: ${nicknamesText(subject)}`)
    return { user, account: found.account, generatedPassword, revokedTokens }
  })
}

/** Signs a user out of every app and session. */
export async function signOutUser(ctx: Ctx, handleOrId: string, actor: Actor = null): Promise<LocalUser & { revokedTokens: number }> {
  return ctx.db.transaction(async (tx) => {
    const found = await findLocalUser(ctx, handleOrId, tx)
    const revokedTokens = await revokeUserTokens(ctx, found.user.id, tx)
    const subject = [loggedUser(found.account)]
    await logAction(tx, actor, 'sign_out', { subject }, (who) => `${who} signed out users: ${nicknamesText(subject)}`)
    return { ...found, revokedTokens }
  })
}

/** Removes local users and everything hanging off their accounts (the database cascades from `accounts`). */
export async function deleteUsers(ctx: Ctx, nicknames: string[], actor: Actor = null): Promise<LocalUser[]> {
  return ctx.db.transaction(async (tx) => {
    const found = await findLocalUsers(ctx, nicknames, tx)
    if (actor && found.some((f) => f.account.id === actor.accountId)) throw new ForbiddenError("You can't delete your own account here.")
    await tx.delete(accounts).where(inArray(accounts.id, found.map((f) => f.account.id)))
    const subject = found.map((f) => loggedUser(f.account))
    await logAction(tx, actor, 'delete', { subject }, (who) => `${who} deleted users: ${nicknamesText(subject)}`)
    return found
  })
}

export async function deleteUser(ctx: Ctx, handleOrId: string, actor: Actor = null): Promise<LocalUser> {
  const [deleted] = await deleteUsers(ctx, [handleOrId], actor)
  return deleted
}

/** Pleroma's user search filters (`GET /api/v1/pleroma/admin/users`). */
export interface UserSearch {
  /** part of the nickname, display name or e-mail */
  query?: string
  /** part of the display name */
  name?: string
  /** part of the e-mail address */
  email?: string
  /** users having any of these tags */
  tags?: string[]
  /** accounts of these actor types (Person, Service, Group...) */
  actorTypes?: string[]
  local?: boolean
  external?: boolean
  /** can log in: active, approved and confirmed, not suspended */
  active?: boolean
  deactivated?: boolean
  needApproval?: boolean
  unconfirmed?: boolean
  isAdmin?: boolean
  isModerator?: boolean
  page?: number
  pageSize?: number
}

export const likePattern = (text: string) => `%${escapeLike(text)}%`

/** One page of accounts (local and remote) newest first, and how many match in all. */
export async function searchUsers(ctx: Ctx, search: UserSearch = {}): Promise<{ entries: AdminAccount[]; count: number }> {
  const page = search.page ?? 1
  const pageSize = search.pageSize ?? 50
  const where: SQL[] = [isNull(accounts.deletedAt)]
  const query = search.query?.trim()
  // a remote account's nickname is `user@domain`, so a domain finds its accounts, as on Pleroma
  const nickname = sql`${accounts.username} || coalesce('@' || ${accounts.domain}, '')`
  if (query) where.push(or(ilike(nickname, likePattern(query)), ilike(accounts.displayName, likePattern(query)), ilike(users.email, likePattern(query)))!)
  if (search.name?.trim()) where.push(ilike(accounts.displayName, likePattern(search.name.trim())))
  if (search.email?.trim()) where.push(ilike(users.email, likePattern(search.email.trim())))
  if (search.tags?.length) where.push(sql`${users.tags} ?| ${sql`array[${sql.join(search.tags.map((t) => sql`${t}`), sql`, `)}]::text[]`}`)
  if (search.actorTypes?.length) where.push(inArray(accounts.actorType, search.actorTypes))
  if (search.local) where.push(isNull(accounts.domain))
  if (search.external) where.push(isNotNull(accounts.domain))
  if (search.active) {
    where.push(isNull(accounts.suspendedAt))
    where.push(or(isNull(users.id), and(eq(users.isActive, true), eq(users.isApproved, true), isNotNull(users.confirmedAt)))!)
  }
  if (search.deactivated) where.push(or(isNotNull(accounts.suspendedAt), eq(users.isActive, false))!)
  if (search.needApproval) where.push(eq(users.isApproved, false))
  if (search.unconfirmed) where.push(isNull(users.confirmedAt), isNotNull(users.id))
  if (search.isAdmin) where.push(eq(users.isAdmin, true))
  if (search.isModerator) where.push(eq(users.isModerator, true))
  const condition = and(...where)
  const [entries, [{ n }]] = await Promise.all([
    ctx.db.select({ account: accounts, user: users }).from(accounts).leftJoin(users, eq(users.accountId, accounts.id))
      .where(condition).orderBy(desc(accounts.id)).limit(pageSize).offset((page - 1) * pageSize),
    ctx.db.select({ n: count() }).from(accounts).leftJoin(users, eq(users.accountId, accounts.id)).where(condition),
  ])
  return { entries, count: Number(n) }
}

/** Flips a user between active and deactivated (Pleroma's `toggle_activation`). */
export async function toggleUserActivation(ctx: Ctx, handleOrId: string, actor: Actor = null): Promise<BulkResult> {
  const { user } = await findLocalUser(ctx, handleOrId)
  return setUserActive(ctx, handleOrId, !user.isActive, actor)
}

/** Mails a new confirmation link to each user whose address is not confirmed yet (confirmed ones get nothing). */
export async function resendConfirmationEmails(ctx: Ctx, nicknames: string[], actor: Actor = null): Promise<LocalUser[]> {
  const found = await findLocalUsers(ctx, nicknames)
  for (const { user } of found) if (!user.confirmedAt) await sendConfirmationEmail(ctx, user)
  const subject = found.map((f) => loggedUser(f.account))
  await logAction(ctx.db, actor, 'resend_confirmation_email', { subject }, (who) => `${who} re-sent confirmation email for users: ${nicknamesText(subject)}`)
  return found
}

/** A password reset link for a local user, for an admin to hand over (the link works once, for a few hours). */
export async function createPasswordResetLink(ctx: Ctx, handleOrId: string, db: DbLike = ctx.db): Promise<{ token: string; link: string; user: LocalUser }> {
  const found = await findLocalUser(ctx, handleOrId, db)
  const token = await issueEmailToken(db, found.user.id, 'password_reset')
  return { token, link: passwordResetUrl(ctx, token), user: found }
}
