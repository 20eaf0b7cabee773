import { addAlias, listAliases, removeAlias } from '../../core/accounts/aliases'
import { changeEmail } from '../../core/accounts/change-email'
import { changePassword } from '../../core/accounts/change-password'
import { deleteOwnAccount } from '../../core/accounts/delete-account'
import { disableOwnAccount } from '../../core/accounts/disable-account'
import { confirmEmail, resendConfirmation, resendOwnConfirmation } from '../../core/accounts/email-confirmation'
import { moveAccount } from '../../core/accounts/move-account'
import { findPasswordReset, requestPasswordReset, resetPassword } from '../../core/accounts/password-reset'
import type { Ctx } from '../../core/context'
import { AppError, BadRequestError, ValidationError } from '../../core/errors'
import { isPlainObject } from '../../core/params'
import type { Base } from '../base'
import { passwordResetPage } from '../views/account-pages'
import { messagePage, type PageContext } from '../views/authorize'
import { htmlResponse } from '../views/http'

type Input = Record<string, unknown>

/**
 * Pleroma's TwitterAPI UtilController answers `{"status": "success"}`, and a refused action (wrong password, taken
 * e-mail...) with `{"error": "..."}` and HTTP 200, which Pleroma-FE and Soapbox read. Missing fields are 400, unknown
 * targets 404, and everything else keeps its own status.
 */
async function utilAction(run: () => Promise<unknown>): Promise<{ status: 'success' } | { error: string }> {
  try {
    await run()
    return { status: 'success' }
  } catch (e) {
    if (e instanceof ValidationError) return { error: e.message }
    throw e
  }
}

function requireFields(input: Input, ...names: string[]): void {
  for (const name of names) {
    if (input[name] === undefined || input[name] === null || input[name] === '') throw new BadRequestError(`Missing field: ${name}.`)
  }
}

const page = (ctx: Ctx): PageContext => ({ lang: 'en', instanceName: ctx.config.instance.name, domain: ctx.config.domain })
const noContent = () => new Response(null, { status: 204 })
const crossSite = (request: Request) => request.headers.get('sec-fetch-site') === 'cross-site'

async function resetPasswordPage(ctx: Ctx, request: Request, input: Input): Promise<Response> {
  const data = isPlainObject(input.data) ? input.data : input
  const token = typeof data.token === 'string' ? data.token : ''
  const p = page(ctx)
  if (crossSite(request)) return htmlResponse(messagePage(p, 'Request refused', 'This form was not sent from this site.', { error: true }), { status: 403 })
  const reset = await findPasswordReset(ctx, token)
  if (!reset) return htmlResponse(messagePage(p, 'Invalid link', 'This password reset link is invalid or has expired. Ask for a new one.', { error: true }), { status: 404 })
  try {
    if (await resetPassword(ctx, token, data.password, data.password_confirmation)) {
      return htmlResponse(messagePage(p, 'Password changed', 'Your password has been changed. Sign in with the new one in your apps.'))
    }
  } catch (e) {
    if (!(e instanceof AppError) || e.status !== 422) throw e
    return htmlResponse(passwordResetPage(p, { token, nickname: reset.account.username, error: e.message.replace(/^Validation failed: /, '') }), { status: 422 })
  }
  return htmlResponse(messagePage(p, 'Invalid link', 'This password reset link is invalid or has expired. Ask for a new one.', { error: true }), { status: 404 })
}

/** Pleroma's account management (`/api/pleroma/*`), e-mail confirmation and password reset. */
export const pleromaAccountApi = (app: Base) =>
  app
    .post('/api/pleroma/delete_account', ({ ctx, input, user }) =>
      utilAction(() => deleteOwnAccount(ctx, user.userId, input.password)), { auth: { scopes: ['write:accounts'] } })
    .post('/api/pleroma/disable_account', ({ ctx, input, user }) =>
      utilAction(() => disableOwnAccount(ctx, user.userId, input.password)), { auth: { scopes: ['write:accounts'] } })
    .post('/api/pleroma/change_email', ({ ctx, input, user }) => {
      requireFields(input, 'password', 'email')
      return utilAction(() => changeEmail(ctx, user.userId, input.password, input.email))
    }, { auth: { scopes: ['write:accounts'] } })
    .post('/api/pleroma/change_password', ({ ctx, input, user }) => {
      requireFields(input, 'password', 'new_password', 'new_password_confirmation')
      return utilAction(() => changePassword(ctx, user.userId, {
        password: input.password, newPassword: input.new_password, newPasswordConfirmation: input.new_password_confirmation,
      }))
    }, { auth: { scopes: ['write:accounts'] } })
    .post('/api/pleroma/move_account', ({ ctx, input, user }) => {
      requireFields(input, 'password', 'target_account')
      return utilAction(() => moveAccount(ctx, user.userId, input.password, input.target_account, user))
    }, { auth: { scopes: ['write:accounts'] } })
    .get('/api/pleroma/aliases', async ({ ctx, user }) => ({ aliases: await listAliases(ctx, user.accountId) }),
      { auth: { scopes: ['read:accounts'] } })
    .put('/api/pleroma/aliases', ({ ctx, input, user }) => {
      requireFields(input, 'alias')
      return utilAction(() => addAlias(ctx, user.accountId, input.alias, user))
    }, { auth: { scopes: ['write:accounts'] } })
    .delete('/api/pleroma/aliases', ({ ctx, input, user }) => {
      requireFields(input, 'alias')
      return utilAction(() => removeAlias(ctx, user.accountId, input.alias))
    }, { auth: { scopes: ['write:accounts'] } })

    .post('/api/v1/pleroma/accounts/confirmation_resend', ({ ctx, input }) => {
      void resendConfirmation(ctx, input.email ?? input.nickname)
      return noContent()
    }, { auth: 'client' })
    // Mastodon: the signed-up user's own token may ask again (and fix the address) while it awaits confirmation.
    .post('/api/v1/emails/confirmations', async ({ ctx, input, user }) => {
      await resendOwnConfirmation(ctx, user.userId, input.email)
      return {}
    }, { auth: { scopes: ['write:accounts'], unconfirmed: true } })
    .get('/api/account/confirm_email/:user_id/:token', async ({ ctx, params }) => {
      const p = page(ctx)
      try {
        await confirmEmail(ctx, params.user_id, params.token)
      } catch (e) {
        if (!(e instanceof AppError) || e.status !== 404) throw e
        return htmlResponse(messagePage(p, 'Invalid link', `${e.message}. Ask for a new confirmation e-mail.`, { error: true }), { status: 404 })
      }
      return htmlResponse(messagePage(p, 'E-mail address confirmed', 'Thank you: your e-mail address is confirmed. You can sign in now.'))
    }, { auth: 'client' })

    .post('/auth/password', ({ ctx, input }) => {
      void requestPasswordReset(ctx, input.email ?? input.nickname)
      return noContent()
    }, { auth: 'client' })
    .get('/api/v1/pleroma/password_reset/:token', async ({ ctx, params }) => {
      const reset = await findPasswordReset(ctx, params.token)
      if (!reset) {
        return htmlResponse(messagePage(page(ctx), 'Invalid link', 'This password reset link is invalid or has expired. Ask for a new one.', { error: true }), { status: 404 })
      }
      return htmlResponse(passwordResetPage(page(ctx), { token: params.token, nickname: reset.account.username }))
    }, { auth: 'client' })
    .post('/api/v1/pleroma/password_reset', ({ ctx, input, request }) => resetPasswordPage(ctx, request, input), { auth: 'client' })
    .post('/api/v1/pleroma/password_reset/:token', ({ ctx, input, params, request }) => {
      const data = isPlainObject(input.data) ? input.data : input
      return resetPasswordPage(ctx, request, { data: { ...data, token: params.token } })
    }, { auth: 'client' })
