import { and, eq, isNull, sql } from 'drizzle-orm'
import type { DbLike } from '../../db/client'
import { accounts, users, type AccountRow, type UserRow } from '../../db/schema'
import type { Ctx } from '../context'
import { ValidationError } from '../errors'
import { escapeHtml } from '../statuses/format'
import { hashPassword } from './passwords'
import { validateEmail, validateNickname, validatePassword } from './validation'

export interface CreateUserInput {
  nickname: string
  email: string
  password: string
  /** an argon2id hash of `password` computed beforehand (imports, test factories), skipping the slow hashing */
  passwordHash?: string
  displayName?: string
  bio?: string
  /** the bio already rendered to HTML (links, mentions); plain escaping of `bio` otherwise */
  bioHtml?: string
  locale?: string
  isAdmin?: boolean
  isModerator?: boolean
  /** accounts created by an admin are confirmed and approved at once */
  confirmed?: boolean
  approved?: boolean
  registrationReason?: string | null
  inviteId?: string | null
  /** admins may hand out reserved names */
  allowReservedNickname?: boolean
}

export interface LocalUser {
  user: UserRow
  account: AccountRow
}

/**
 * Creates a local account and its user row in one transaction (or inside the caller's).
 * Nickname and e-mail uniqueness are checked case-insensitively; the unique indexes back it up under races.
 */
export async function createLocalUser(ctx: Ctx, input: CreateUserInput, db?: DbLike): Promise<LocalUser> {
  const nickname = validateNickname(input.nickname, { allowReserved: input.allowReservedNickname })
  const email = validateEmail(input.email)
  const passwordHash = input.passwordHash ?? await hashPassword(validatePassword(input.password))
  const run = async (tx: DbLike): Promise<LocalUser> => {
    const [taken] = await tx.select({ id: accounts.id }).from(accounts)
      .where(and(eq(accounts.username, nickname), isNull(accounts.domain))).limit(1)
    if (taken) throw new ValidationError('Validation failed: Username has already been taken', { details: { username: [{ error: 'ERR_TAKEN', description: 'has already been taken' }] } })
    const [emailTaken] = await tx.select({ id: users.id }).from(users).where(eq(users.email, email)).limit(1)
    if (emailTaken) throw new ValidationError('Validation failed: Email has already been taken', { details: { email: [{ error: 'ERR_TAKEN', description: 'has already been taken' }] } })
    const base = ctx.config.baseUrl
    const [account] = await tx.insert(accounts).values({
      username: nickname,
      domain: null,
      displayName: input.displayName?.trim() || nickname,
      noteSource: input.bio ?? '',
      note: input.bioHtml ?? (input.bio ? textToHtml(input.bio) : ''),
      uri: `${base}/users/${nickname}`,
      url: `${base}/@${nickname}`,
    }).returning()
    const [user] = await tx.insert(users).values({
      accountId: account.id,
      email,
      passwordHash,
      isAdmin: input.isAdmin ?? false,
      isModerator: input.isModerator ?? false,
      isApproved: input.approved ?? true,
      confirmedAt: input.confirmed === false ? null : sql`now()` as unknown as Date,
      registrationReason: input.registrationReason ?? null,
      inviteId: input.inviteId ?? null,
      locale: input.locale ?? 'en',
    }).returning()
    return { user, account }
  }
  return db ? run(db) : ctx.db.transaction((tx) => run(tx))
}

/** Plain text to the minimal safe HTML Mastodon uses for bios: escaped, paragraphs and line breaks. */
export function textToHtml(text: string): string {
  return text.trim().split(/\n{2,}/).map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`).join('')
}
