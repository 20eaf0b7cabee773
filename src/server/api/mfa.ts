import type { Ctx } from '../../core/context'
import { AppError, BadRequestError, ValidationError } from '../../core/errors'
import { assertUserCanLogIn } from '../../core/oauth/authenticate'
import { authenticateClient } from '../../core/oauth/grants'
import { issueToken, tokenResponse } from '../../core/oauth/tokens'
import { confirmTotp, disableMfa, generateBackupCodes, getMfaSettings, redeemMfaChallenge, setupTotp } from '../../core/security/mfa'
import type { Base } from '../base'

/** Pleroma answers MFA failures with 422 `{"error": ...}` and unknown methods with 400. */
async function mfaAction<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (e) {
    if (e instanceof ValidationError) throw new AppError(422, e.message)
    throw e
  }
}

/** `client_secret_post`, or HTTP Basic with the client's id and secret, as on /oauth/token. */
function clientCredentials(request: Request, input: Record<string, unknown>) {
  const basic = /^basic\s+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '')
  if (!basic) return { clientId: input.client_id, clientSecret: input.client_secret }
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8')
  const i = decoded.indexOf(':')
  return i < 0 ? { clientId: undefined, clientSecret: undefined } : { clientId: decoded.slice(0, i), clientSecret: decoded.slice(i + 1) }
}

/**
 * `POST /oauth/mfa/challenge`: the second step of a password login with MFA. A right code for a live `mfa_token` of
 * this client gets the token the password grant held back; anything else is Pleroma's 400 `{"error":"Invalid code"}`.
 */
async function answerChallenge(ctx: Ctx, request: Request, input: Record<string, unknown>) {
  const { app } = await authenticateClient(ctx, clientCredentials(request, input))
  const redeemed = await redeemMfaChallenge(ctx, input.mfa_token, { appId: app.id }, input.challenge_type, input.code)
  if (!redeemed) throw new BadRequestError('Invalid code')
  assertUserCanLogIn(ctx, { ...redeemed.user, isActive: redeemed.user.isActive && !redeemed.account.suspendedAt })
  const issued = await issueToken(ctx, { appId: app.id, userId: redeemed.user.id, scopes: redeemed.challenge.scopes.split(' ').filter(Boolean) })
  return tokenResponse(ctx, issued, redeemed.account.username)
}

/** Pleroma's two-factor settings (`/api/pleroma/accounts/mfa*`) and the OAuth MFA challenge. */
export const mfaApi = (app: Base) =>
  app
    .get('/api/pleroma/accounts/mfa', async ({ ctx, user }) => ({ settings: await getMfaSettings(ctx, user.userId) }),
      { auth: { scopes: ['read:security'] } })
    .get('/api/pleroma/accounts/mfa/backup_codes', async ({ ctx, user }) => ({ codes: await generateBackupCodes(ctx, user.userId) }),
      { auth: { scopes: ['write:security'] } })
    .get('/api/pleroma/accounts/mfa/setup/:method', async ({ ctx, params, user }) => {
      if (params.method !== 'totp') throw new BadRequestError('undefined method')
      return setupTotp(ctx, user.userId)
    }, { auth: { scopes: ['write:security'] } })
    .post('/api/pleroma/accounts/mfa/confirm/:method', async ({ ctx, params, input, user }) => {
      if (params.method !== 'totp') throw new BadRequestError('undefined mfa method')
      await mfaAction(() => confirmTotp(ctx, user.userId, input.password, input.code))
      return {}
    }, { auth: { scopes: ['write:security'] } })
    .delete('/api/pleroma/accounts/mfa/:method', async ({ ctx, params, input, user }) => {
      if (params.method !== 'totp' && params.method !== 'mfa') throw new BadRequestError('undefined mfa method')
      await mfaAction(() => disableMfa(ctx, user.userId, input.password))
      return {}
    }, { auth: { scopes: ['write:security'] } })
    .post('/oauth/mfa/challenge', ({ ctx, input, request, set }) => {
      set.headers['cache-control'] = 'no-store'
      return answerChallenge(ctx, request, input)
    }, { auth: 'client' })
