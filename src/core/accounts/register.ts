import type { AccountRow, UserRow } from '../../db/schema'
import { verifyCaptcha } from '../captcha'
import type { Ctx } from '../context'
import { AppError, ForbiddenError } from '../errors'
import { consumeInvite } from '../invites'
import { getApp } from '../oauth/apps'
import { parseScopes, restrictScopes, validateScopes } from '../oauth/scopes'
import { SESSION_SCOPES, SESSION_TTL_SECONDS } from '../oauth/sessions'
import { issueToken, type IssuedToken } from '../oauth/tokens'
import { parseBool } from '../params'
import { createLocalUser } from './create-user'
import { runDetached, sendConfirmationEmail } from './email-confirmation'
import { ErrorCollector } from './error-collector'
import { hashPassword } from './passwords'
import { formatBio } from './profile-text'
import { validateEmail, validateNickname, validatePassword } from './validation'

export const MAX_REASON_LENGTH = 1000

/** Who is registering: the calling app (client_credentials token) and the scopes that token holds. */
export interface RegistrationCaller {
  appId: string | null
  scopes: string[]
  /** the sign-up form of our own pages: the token is a browser session, not an app's */
  session?: boolean
}

export type PendingIdentifier = 'awaiting_approval' | 'missing_confirmed_email'

export interface RegistrationResult {
  user: UserRow
  account: AccountRow
  token: IssuedToken
  /** Set when the new user cannot use the token yet (Pleroma tells clients why). */
  pending: { identifier: PendingIdentifier; message: string } | null
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return undefined
}

const LOCALE_PATTERN = /^[a-zA-Z]{2,3}(?:[-_][a-zA-Z0-9]{2,8})*$/

/** `en_US` → `en-US`; undefined when absent. */
export function normalizeLocale(value: unknown): string | undefined | null {
  const s = text(value)?.trim()
  if (!s) return undefined
  if (!LOCALE_PATTERN.test(s) || s.length > 35) return null
  const [lang, ...rest] = s.replace(/_/g, '-').split('-')
  return [lang.toLowerCase(), ...rest.map((p) => (p.length === 2 ? p.toUpperCase() : p))].join('-')
}

/**
 * POST /api/v1/accounts. Open, invite-only, approval and closed modes come from the config; an invite is used
 * inside the same transaction that creates the user, so a failed sign-up keeps the use and concurrent sign-ups
 * cannot exceed `max_use`. The captcha is checked (and used up) before that transaction.
 */
export async function registerAccount(ctx: Ctx, input: Record<string, unknown>, caller: RegistrationCaller): Promise<RegistrationResult> {
  const mode = ctx.config.registrations
  if (mode === 'closed') throw new ForbiddenError('Registrations are not open')

  const errors = new ErrorCollector()
  const nickname = errors.check(() => validateNickname(input.username ?? input.nickname))
  const email = errors.check(() => validateEmail(input.email))
  const password = errors.check(() => validatePassword(input.password))
  if (parseBool(input.agreement) !== true) errors.add('agreement', 'ERR_ACCEPTED', 'must be accepted', 'Agreement must be accepted')

  const locale = normalizeLocale(input.locale ?? input.language)
  if (locale === null) errors.add('locale', 'ERR_INCLUSION', 'is not included in the list', 'Locale is not included in the list')

  const inviteToken = text(input.token ?? input.invite_code)?.trim() || null
  if (mode === 'invite' && !inviteToken) errors.add('token', 'ERR_BLANK', "can't be blank", "Invite can't be blank")

  const reason = text(input.reason)?.trim() || null
  if (mode === 'approval' && !inviteToken && !reason) errors.add('reason', 'ERR_BLANK', "can't be blank", "Reason can't be blank")
  if (reason && reason.length > MAX_REASON_LENGTH) {
    errors.add('reason', 'ERR_TOO_LONG', 'is too long', `Reason is too long (maximum is ${MAX_REASON_LENGTH} characters)`)
  }

  const fullname = text(input.fullname ?? input.display_name)
  if (fullname && fullname.length > ctx.config.limits.maxNameChars) {
    errors.add('display_name', 'ERR_TOO_LONG', 'is too long', `Display name is too long (maximum is ${ctx.config.limits.maxNameChars} characters)`)
  }
  const bio = text(input.bio)
  if (bio && bio.length > ctx.config.limits.maxBioChars) {
    errors.add('note', 'ERR_TOO_LONG', 'is too long', `Bio is too long (maximum is ${ctx.config.limits.maxBioChars} characters)`)
  }
  errors.throwIfAny()

  const scopes = caller.session ? SESSION_SCOPES : await tokenScopes(ctx, input, caller)

  if (ctx.config.captcha) {
    await verifyCaptcha(ctx, { token: input.captcha_token, solution: input.captcha_solution, answerData: input.captcha_answer_data })
  }

  const bioHtml = bio?.trim()
    ? await formatBio(ctx.db, bio, { baseUrl: ctx.config.baseUrl, domain: ctx.config.domain })
    : undefined

  // Hashing is slow on purpose; doing it before the transaction keeps the invite's row lock short.
  const passwordHash = await hashPassword(password!)

  const result = await ctx.db.transaction(async (tx) => {
    const invite = inviteToken ? await consumeInvite(tx, inviteToken) : null
    // A valid invite vouches for the newcomer, so it skips approval, as in Mastodon.
    const approved = mode !== 'approval' || invite !== null
    const { user, account } = await createLocalUser(ctx, {
      nickname: nickname!,
      email: email!,
      password: password!,
      passwordHash,
      displayName: fullname,
      bio: bio?.trim() ? bio.trim() : undefined,
      bioHtml,
      locale: locale ?? 'en',
      approved,
      confirmed: !ctx.config.accountActivationRequired,
      registrationReason: reason,
      inviteId: invite?.id ?? null,
    }, tx)
    const token = await issueToken(ctx, caller.session
      ? { appId: null, userId: user.id, scopes, withRefresh: false, expiresInSeconds: SESSION_TTL_SECONDS }
      : { appId: caller.appId, userId: user.id, scopes }, tx)
    return { user, account, token }
  })

  let pending: RegistrationResult['pending'] = null
  if (!result.user.isApproved) {
    pending = { identifier: 'awaiting_approval', message: "You have been registered. You'll be able to log in once your account is approved." }
  } else if (ctx.config.accountActivationRequired && !result.user.confirmedAt) {
    pending = { identifier: 'missing_confirmed_email', message: 'You have been registered. Please check your email for further instructions.' }
  }
  if (ctx.config.accountActivationRequired && !result.user.confirmedAt) await runDetached(() => sendConfirmationEmail(ctx, result.user))
  return { ...result, pending }
}

/** The new token gets the calling app's scopes, or the subset asked for with `scope`. */
async function tokenScopes(ctx: Ctx, input: Record<string, unknown>, caller: RegistrationCaller): Promise<string[]> {
  let allowed = caller.scopes
  if (caller.appId) {
    try {
      allowed = parseScopes((await getApp(ctx, caller.appId)).scopes)
    } catch (e) {
      if (!(e instanceof AppError)) throw e
    }
  }
  const requested = parseScopes(input.scope ?? input.scopes)
  if (!requested.length) return allowed.length ? allowed : ['read']
  validateScopes(requested)
  return restrictScopes(requested, allowed)
}
