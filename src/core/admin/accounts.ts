// Mastodon's account moderation (`/api/v1/admin/accounts`): filters, and the actions on local and remote accounts.
import { and, eq, ilike, isNotNull, isNull, or, sql, type SQL } from 'drizzle-orm'
import type { DbLike } from '../../db/client'
import { accounts, users } from '../../db/schema'
import { escapeLike, uuidParam } from '../../db/sql'
import type { Ctx } from '../context'
import { ForbiddenError, NotFoundError, ValidationError } from '../errors'
import { isId } from '../ids'
import { revokeUserTokens } from '../oauth/tokens'
import { setReportState } from '../reports/moderate'
import { getReport } from '../reports/queries'
import { keyset, newestFirst, type Page } from '../timelines/page'
import { logAction, loggedUser, type Actor } from './moderation-log'
import type { AdminAccount } from './users'

/** Finds any account (local or remote) by id; unknown and malformed ids are 404. */
export async function findAccountById(ctx: Ctx, id: string, db: DbLike = ctx.db): Promise<AdminAccount> {
  if (!isId(id)) throw new NotFoundError()
  const [row] = await db.select({ account: accounts, user: users }).from(accounts)
    .leftJoin(users, eq(users.accountId, accounts.id))
    .where(and(eq(accounts.id, id), isNull(accounts.deletedAt))).limit(1)
  if (!row) throw new NotFoundError()
  return row
}

export type AccountStatusFilter = 'active' | 'pending' | 'disabled' | 'silenced' | 'suspended' | 'sensitized'

/** The filters of Mastodon's v1 and v2 admin account lists, in one shape. */
export interface AccountFilter {
  origin?: 'local' | 'remote'
  byDomain?: string
  status?: AccountStatusFilter[]
  /** admins and moderators only */
  staff?: boolean
  /** Mastodon role ids: '3' Admin, '2' Moderator, '-99' everyone else */
  roleIds?: string[]
  /** accounts invited by this account id */
  invitedBy?: string
  /** prefix of the username, display name or e-mail, as Mastodon matches them */
  username?: string
  displayName?: string
  email?: string
  /** Rookery keeps no sign-in addresses: any address matches nobody. */
  ip?: string
}

const prefix = (text: string) => `${escapeLike(text)}%`

function filterConditions(filter: AccountFilter): SQL[] | null {
  const where: SQL[] = [isNull(accounts.deletedAt)]
  if (filter.origin === 'local') where.push(isNull(accounts.domain))
  if (filter.origin === 'remote') where.push(isNotNull(accounts.domain))
  if (filter.byDomain?.trim()) where.push(eq(accounts.domain, filter.byDomain.trim().toLowerCase()))
  for (const status of filter.status ?? []) {
    switch (status) {
      case 'active': where.push(isNull(accounts.suspendedAt)); break
      case 'pending': where.push(eq(users.isApproved, false)); break
      case 'disabled': where.push(eq(users.isActive, false)); break
      case 'silenced': where.push(isNotNull(accounts.silencedAt)); break
      case 'suspended': where.push(isNotNull(accounts.suspendedAt)); break
      case 'sensitized': where.push(isNotNull(accounts.sensitizedAt)); break
    }
  }
  if (filter.staff) where.push(or(eq(users.isAdmin, true), eq(users.isModerator, true))!)
  if (filter.roleIds?.length) {
    const roles: SQL[] = []
    if (filter.roleIds.includes('3')) roles.push(eq(users.isAdmin, true))
    if (filter.roleIds.includes('2')) roles.push(and(eq(users.isModerator, true), eq(users.isAdmin, false))!)
    if (filter.roleIds.includes('-99')) roles.push(or(isNull(users.id), and(eq(users.isAdmin, false), eq(users.isModerator, false)))!)
    if (!roles.length) return null
    where.push(or(...roles)!)
  }
  if (filter.invitedBy !== undefined) {
    if (!isId(filter.invitedBy)) return null
    where.push(sql`${users.inviteId} in (select i.id from invites i join users u on u.id = i.created_by_user_id where u.account_id = ${uuidParam(filter.invitedBy)})`)
  }
  if (filter.username?.trim()) where.push(ilike(accounts.username, prefix(filter.username.trim())))
  if (filter.displayName?.trim()) where.push(ilike(accounts.displayName, prefix(filter.displayName.trim())))
  if (filter.email?.trim()) where.push(ilike(users.email, prefix(filter.email.trim())))
  if (filter.ip?.trim()) return null
  return where
}

/** A page of accounts for moderators, newest first, with keyset paging. */
export async function listAccountsForAdmin(ctx: Ctx, filter: AccountFilter, page: Page): Promise<AdminAccount[]> {
  const where = filterConditions(filter)
  if (!where) return []
  const { where: paging, orderBy, forwards } = keyset(accounts.id, page)
  const rows = await ctx.db.select({ account: accounts, user: users }).from(accounts)
    .leftJoin(users, eq(users.accountId, accounts.id))
    .where(and(...where, ...paging)).orderBy(orderBy).limit(page.limit)
  return newestFirst(rows, forwards)
}

export type AccountActionType = 'none' | 'sensitive' | 'disable' | 'silence' | 'suspend'
export const ACCOUNT_ACTIONS: AccountActionType[] = ['none', 'sensitive', 'disable', 'silence', 'suspend']

const now = () => sql`now()` as unknown as Date

function requireUser(entry: AdminAccount) {
  if (!entry.user) throw new ValidationError(`${entry.account.username}@${entry.account.domain} is a remote account`)
  return entry.user
}

const PAST: Record<AccountActionType, string> = { none: 'warned', sensitive: 'marked as sensitive', disable: 'disabled the login of', silence: 'limited', suspend: 'suspended' }

/**
 * Mastodon's moderation action on an account: `disable` stops a local login (and signs it out), `suspend` hides the
 * account and everything it wrote and signs it out, `silence` limits it, `sensitive` forces its media sensitive,
 * `none` only records a warning. Staff accounts cannot be acted on.
 */
export async function takeAccountAction(ctx: Ctx, id: string, type: AccountActionType, opts: { text?: string; reportId?: string } = {}, actor: Actor = null): Promise<AdminAccount> {
  if (!ACCOUNT_ACTIONS.includes(type)) throw new ValidationError(`Validation failed: type must be one of ${ACCOUNT_ACTIONS.join(', ')}`)
  const report = opts.reportId ? await getReport(ctx, opts.reportId) : null
  if (report && report.targetAccountId !== id) throw new ValidationError('Validation failed: the report is about another account')
  const done = await ctx.db.transaction(async (tx) => {
    const entry = await findAccountById(ctx, id, tx)
    if (type !== 'none' && (entry.user?.isAdmin || entry.user?.isModerator)) throw new ForbiddenError('Staff accounts cannot be moderated; take their role away first')
    let { account, user } = entry
    if (type === 'disable') {
      const u = requireUser(entry)
      ;[user] = await tx.update(users).set({ isActive: false, updatedAt: now() }).where(eq(users.id, u.id)).returning()
      await revokeUserTokens(ctx, u.id, tx)
    } else if (type === 'suspend') {
      if (!account.suspendedAt) [account] = await tx.update(accounts).set({ suspendedAt: now(), updatedAt: now() }).where(eq(accounts.id, account.id)).returning()
      if (user) await revokeUserTokens(ctx, user.id, tx)
    } else if (type === 'silence') {
      if (!account.silencedAt) [account] = await tx.update(accounts).set({ silencedAt: now(), updatedAt: now() }).where(eq(accounts.id, account.id)).returning()
    } else if (type === 'sensitive') {
      if (!account.sensitizedAt) [account] = await tx.update(accounts).set({ sensitizedAt: now(), updatedAt: now() }).where(eq(accounts.id, account.id)).returning()
    }
    const subject = [loggedUser(account)]
    await logAction(tx, actor, `account_${type}`, { subject, text: opts.text ?? null, report_id: opts.reportId ?? null },
      (who) => `${who} ${PAST[type]} @${subject[0].nickname}${opts.text ? `: ${opts.text}` : ''}`)
    return { account, user }
  })
  // acting on a report settles it, as in Mastodon
  if (report && actor) await setReportState(ctx, report.id, 'resolved', actor.accountId)
  return done
}

type Undo = 'enable' | 'unsilence' | 'unsuspend' | 'unsensitive'

/** Reverses one action: `enable` a disabled login, `unsilence`, `unsuspend` (403 when not suspended), `unsensitive`. */
export async function undoAccountAction(ctx: Ctx, id: string, undo: Undo, actor: Actor = null): Promise<AdminAccount> {
  return ctx.db.transaction(async (tx) => {
    const entry = await findAccountById(ctx, id, tx)
    let { account, user } = entry
    if (undo === 'enable') {
      const u = requireUser(entry)
      ;[user] = await tx.update(users).set({ isActive: true, updatedAt: now() }).where(eq(users.id, u.id)).returning()
    } else if (undo === 'unsuspend') {
      if (!account.suspendedAt) throw new ForbiddenError('This account is not suspended')
      ;[account] = await tx.update(accounts).set({ suspendedAt: null, updatedAt: now() }).where(eq(accounts.id, account.id)).returning()
    } else {
      const column = undo === 'unsilence' ? 'silencedAt' : 'sensitizedAt'
      if (account[column]) [account] = await tx.update(accounts).set({ [column]: null, updatedAt: now() }).where(eq(accounts.id, account.id)).returning()
    }
    const subject = [loggedUser(account)]
    const words: Record<Undo, string> = { enable: 'enabled the login of', unsilence: 'lifted the limit on', unsuspend: 'unsuspended', unsensitive: 'lifted the sensitive mark of' }
    await logAction(tx, actor, `account_${undo}`, { subject }, (who) => `${who} ${words[undo]} @${subject[0].nickname}`)
    return { account, user }
  })
}

function requirePending(entry: AdminAccount) {
  const user = requireUser(entry)
  if (user.isApproved) throw new ForbiddenError('This account is not awaiting approval')
  return user
}

/** Approves a registration waiting for approval (403 when it is not waiting). */
export async function approveAccount(ctx: Ctx, id: string, actor: Actor = null): Promise<AdminAccount> {
  return ctx.db.transaction(async (tx) => {
    const entry = await findAccountById(ctx, id, tx)
    const pending = requirePending(entry)
    const [user] = await tx.update(users).set({ isApproved: true, updatedAt: now() }).where(eq(users.id, pending.id)).returning()
    const subject = [loggedUser(entry.account)]
    await logAction(tx, actor, 'approve', { subject }, (who) => `${who} approved users: @${subject[0].nickname}`)
    return { account: entry.account, user }
  })
}

/** Rejects a registration waiting for approval: the account is deleted (403 when it is not waiting). */
export async function rejectAccount(ctx: Ctx, id: string, actor: Actor = null): Promise<AdminAccount> {
  return ctx.db.transaction(async (tx) => {
    const entry = await findAccountById(ctx, id, tx)
    requirePending(entry)
    await tx.delete(accounts).where(eq(accounts.id, entry.account.id))
    const subject = [loggedUser(entry.account)]
    await logAction(tx, actor, 'reject', { subject }, (who) => `${who} rejected the registration of @${subject[0].nickname}`)
    return entry
  })
}

/** Deletes a suspended account with everything it wrote (Mastodon refuses for accounts not suspended first). */
export async function deleteSuspendedAccount(ctx: Ctx, id: string, actor: Actor = null): Promise<AdminAccount> {
  return ctx.db.transaction(async (tx) => {
    const entry = await findAccountById(ctx, id, tx)
    if (!entry.account.suspendedAt) throw new ForbiddenError('Only suspended accounts can be deleted; suspend it first')
    await tx.delete(accounts).where(eq(accounts.id, entry.account.id))
    const subject = [loggedUser(entry.account)]
    await logAction(tx, actor, 'delete', { subject }, (who) => `${who} deleted users: @${subject[0].nickname}`)
    return entry
  })
}
