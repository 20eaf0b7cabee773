import { randomBytes } from 'node:crypto'
import { and, eq, gt, isNull, like, lt, sql } from 'drizzle-orm'
import type { TOTP } from 'otpauth'
import type { DbLike } from '../../db/client'
import { accounts, mfaChallenges, rateLimitCounters, users, type AccountRow, type UserRow } from '../../db/schema'
import { confirmCurrentPassword } from '../accounts/current-password'
import type { Ctx } from '../context'
import { AppError, NotFoundError, ValidationError } from '../errors'
import { randomToken, sha256 } from '../secrets'

/** otpauth is required by the first two-factor check or setup, not at start. */
const otpauth = () => require('otpauth') as typeof import('otpauth')

export const TOTP_DIGITS = 6
export const TOTP_PERIOD = 30
/** Codes of the previous and next period count too, for clocks that drift a little. */
const TOTP_WINDOW = 1
export const BACKUP_CODE_COUNT = 5
const BACKUP_CODE_BYTES = 8
/** Pleroma's `mfa_token` lives five minutes and may be answered a few times. */
export const MFA_CHALLENGE_TTL_SECONDS = 300
export const MFA_MAX_ATTEMPTS = 5

export type ChallengeType = 'totp' | 'recovery'

/** Pleroma's 403 for a password login of a user with MFA: `{"error":"mfa_required","mfa_token":...,"supported_challenge_types":"totp"}`. */
export class MfaRequiredError extends AppError {
  constructor(mfaToken: string) {
    super(403, 'mfa_required', { mfa_token: mfaToken, supported_challenge_types: 'totp' })
  }
}

export interface MfaSettings {
  enabled: boolean
  totp: boolean
  backup_codes: boolean
}

/** `GET /api/pleroma/accounts/mfa`: MFA is on when a confirmed TOTP secret exists. */
export function mfaSettings(user: Pick<UserRow, 'totpSecret' | 'backupCodeHashes'>): MfaSettings {
  const totp = !!user.totpSecret
  return { enabled: totp, totp, backup_codes: user.backupCodeHashes.length > 0 }
}

export const mfaRequired = (user: Pick<UserRow, 'totpSecret'>): boolean => !!user.totpSecret

function totp(ctx: Ctx, secret: string, label: string): TOTP {
  const { Secret, TOTP } = otpauth()
  return new TOTP({
    issuer: ctx.config.instance.name || ctx.config.domain,
    label,
    algorithm: 'SHA1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD,
    secret: Secret.fromBase32(secret),
  })
}

/**
 * Checks a six-digit code against a base32 secret and returns the time step it belongs to (null when wrong);
 * anything that is not six digits fails without work.
 */
export function verifyTotp(ctx: Ctx, secret: string, code: unknown, now = Date.now()): number | null {
  const token = typeof code === 'string' || typeof code === 'number' ? String(code).replace(/\s+/g, '') : ''
  if (!new RegExp(`^\\d{${TOTP_DIGITS}}$`).test(token)) return null
  const delta = totp(ctx, secret, 'check').validate({ token, timestamp: now, window: TOTP_WINDOW })
  return delta === null ? null : Math.floor(now / 1000 / TOTP_PERIOD) + delta
}

/**
 * A code works once: the first use of a (user, time step) pair claims it, so a code seen over someone's shoulder or
 * replayed from a log is refused, as Mastodon does. Claims live in the shared counters table and expire with the
 * codes' validity.
 */
async function claimTotpStep(db: DbLike, userId: string, step: number): Promise<boolean> {
  const rows = await db.insert(rateLimitCounters)
    .values({ key: `totp:${userId}:${step}`, count: 1, resetAt: new Date(Date.now() + (2 * TOTP_WINDOW + 2) * TOTP_PERIOD * 1000) })
    .onConflictDoNothing().returning({ key: rateLimitCounters.key })
  await db.delete(rateLimitCounters).where(and(like(rateLimitCounters.key, `totp:${userId}:%`), lt(rateLimitCounters.resetAt, sql`now()`)))
  return rows.length > 0
}

async function useTotp(ctx: Ctx, userId: string, secret: string, code: unknown): Promise<boolean> {
  const step = verifyTotp(ctx, secret, code)
  return step !== null && claimTotpStep(ctx.db, userId, step)
}

/** The current code of a secret (what an authenticator app shows); for tests and tooling. */
export function currentTotp(ctx: Ctx, secret: string, at = Date.now()): string {
  return totp(ctx, secret, 'code').generate({ timestamp: at })
}

async function loadUser(db: DbLike, userId: string): Promise<UserRow> {
  const [user] = await db.select().from(users).where(eq(users.id, userId)).limit(1)
  if (!user) throw new NotFoundError()
  return user
}

export async function getMfaSettings(ctx: Ctx, userId: string): Promise<MfaSettings> {
  return mfaSettings(await loadUser(ctx.db, userId))
}

/**
 * `GET /api/pleroma/accounts/mfa/setup/totp`: a new secret to scan, kept as pending until a code from it is
 * confirmed. An MFA already on stays on with its old secret meanwhile.
 */
export async function setupTotp(ctx: Ctx, userId: string): Promise<{ key: string; provisioning_uri: string }> {
  const user = await loadUser(ctx.db, userId)
  const key = new (otpauth().Secret)({ size: 20 }).base32
  await ctx.db.update(users).set({ pendingTotpSecret: key, updatedAt: sql`now()` as unknown as Date }).where(eq(users.id, userId))
  return { key, provisioning_uri: totp(ctx, key, user.email).toString() }
}

/** `POST /api/pleroma/accounts/mfa/confirm/totp` (password, code): turns MFA on with the pending secret. */
export async function confirmTotp(ctx: Ctx, userId: string, password: unknown, code: unknown): Promise<void> {
  const { user } = await confirmCurrentPassword(ctx, userId, password)
  if (!user.pendingTotpSecret) throw new ValidationError('TOTP setup has not been started')
  if (!(await useTotp(ctx, userId, user.pendingTotpSecret, code))) throw new ValidationError('invalid_token')
  await ctx.db.update(users).set({ totpSecret: user.pendingTotpSecret, pendingTotpSecret: null, updatedAt: sql`now()` as unknown as Date })
    .where(and(eq(users.id, userId), eq(users.pendingTotpSecret, user.pendingTotpSecret)))
}

/** `DELETE /api/pleroma/accounts/mfa/totp` (password): MFA off, backup codes dropped. */
export async function disableMfa(ctx: Ctx, userId: string, password: unknown): Promise<void> {
  await confirmCurrentPassword(ctx, userId, password)
  await ctx.db.update(users).set({ totpSecret: null, pendingTotpSecret: null, backupCodeHashes: [], updatedAt: sql`now()` as unknown as Date })
    .where(eq(users.id, userId))
}

const normalizeBackupCode = (code: unknown) => (typeof code === 'string' ? code.replace(/[\s-]+/g, '').toLowerCase() : '')

/** `GET /api/pleroma/accounts/mfa/backup_codes`: fresh single-use codes, shown once; the old ones stop working. */
export async function generateBackupCodes(ctx: Ctx, userId: string): Promise<string[]> {
  await loadUser(ctx.db, userId)
  const codes = Array.from({ length: BACKUP_CODE_COUNT }, () => randomBytes(BACKUP_CODE_BYTES).toString('hex'))
  await ctx.db.update(users).set({ backupCodeHashes: codes.map((c) => sha256(c)), updatedAt: sql`now()` as unknown as Date })
    .where(eq(users.id, userId))
  return codes
}

/** Uses up a backup code atomically: of two requests with the same code only one succeeds. */
export async function consumeBackupCode(db: DbLike, userId: string, code: unknown): Promise<boolean> {
  const normalized = normalizeBackupCode(code)
  if (!/^[0-9a-f]{16}$/.test(normalized)) return false
  const hash = sha256(normalized)
  const rows = await db.update(users)
    .set({ backupCodeHashes: sql`${users.backupCodeHashes} - ${hash}::text` as unknown as string[] })
    .where(and(eq(users.id, userId), sql`${users.backupCodeHashes} @> ${JSON.stringify([hash])}::jsonb`))
    .returning({ id: users.id })
  return rows.length > 0
}

/** Checks the second factor of a login: a TOTP code, or a backup code (used up). */
export async function verifySecondFactor(ctx: Ctx, user: Pick<UserRow, 'id' | 'totpSecret'>, type: unknown, code: unknown): Promise<boolean> {
  if (!user.totpSecret) return false
  if (type === 'totp') return useTotp(ctx, user.id, user.totpSecret, code)
  if (type === 'recovery') return consumeBackupCode(ctx.db, user.id, code)
  return false
}

export interface ChallengeInput {
  userId: string
  appId: string | null
  scopes: string[]
  redirectUri?: string | null
  /** what the authorization_code flow needs to resume after the code */
  state?: Record<string, unknown>
}

/** Starts the second step of a login: returns the `mfa_token` (stored hashed) the client answers with a code. */
export async function createMfaChallenge(db: DbLike, input: ChallengeInput): Promise<string> {
  const token = randomToken(32)
  await db.insert(mfaChallenges).values({
    tokenHash: sha256(token),
    userId: input.userId,
    appId: input.appId,
    scopes: input.scopes.join(' '),
    redirectUri: input.redirectUri ?? null,
    state: input.state ?? {},
    expiresAt: new Date(Date.now() + MFA_CHALLENGE_TTL_SECONDS * 1000),
  })
  await db.delete(mfaChallenges).where(lt(mfaChallenges.expiresAt, sql`now() - interval '1 day'`))
  return token
}

export interface RedeemedChallenge {
  challenge: typeof mfaChallenges.$inferSelect
  user: UserRow
  account: AccountRow
}

/**
 * Answers a challenge: the token must be live (unused, unexpired, fewer than MFA_MAX_ATTEMPTS wrong codes) and, when
 * `appId` is given, issued to that app. A wrong code counts an attempt; a right one uses the challenge up. Null for
 * every failure, so the caller answers them all alike.
 */
export async function redeemMfaChallenge(ctx: Ctx, token: unknown, opts: { appId?: string | null }, type: unknown, code: unknown): Promise<RedeemedChallenge | null> {
  if (typeof token !== 'string' || !token || token.length > 200) return null
  const [row] = await ctx.db.select({ challenge: mfaChallenges, user: users, account: accounts }).from(mfaChallenges)
    .innerJoin(users, eq(users.id, mfaChallenges.userId))
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(and(
      eq(mfaChallenges.tokenHash, sha256(token)),
      isNull(mfaChallenges.usedAt),
      gt(mfaChallenges.expiresAt, sql`now()`),
      lt(mfaChallenges.attempts, MFA_MAX_ATTEMPTS),
    )).limit(1)
  if (!row) return null
  if (opts.appId !== undefined && row.challenge.appId !== opts.appId) return null
  if (!(await verifySecondFactor(ctx, row.user, type, code))) {
    await ctx.db.update(mfaChallenges).set({ attempts: sql`${mfaChallenges.attempts} + 1` }).where(eq(mfaChallenges.id, row.challenge.id))
    return null
  }
  const [used] = await ctx.db.update(mfaChallenges).set({ usedAt: sql`now()` as unknown as Date })
    .where(and(eq(mfaChallenges.id, row.challenge.id), isNull(mfaChallenges.usedAt))).returning()
  return used ? { ...row, challenge: used } : null
}

/** An admin turns a locked-out user's MFA off (`rookery user reset-mfa`); says whether it was on. */
export async function resetMfa(ctx: Ctx, userId: string): Promise<boolean> {
  const user = await loadUser(ctx.db, userId)
  await ctx.db.update(users).set({ totpSecret: null, pendingTotpSecret: null, backupCodeHashes: [], updatedAt: sql`now()` as unknown as Date })
    .where(eq(users.id, userId))
  return mfaRequired(user)
}
