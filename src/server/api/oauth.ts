import type { Ctx } from '../../core/context'
import { ForbiddenError, OAuthError } from '../../core/errors'
import { isPlainObject, parseBool } from '../../core/params'
import {
  approvalLocation, AuthorizationPageError, AuthorizationRedirectError, checkAuthorizationRequest, createAuthorizationCode,
  denialError, hasPriorConsent, type AuthorizationRequest,
} from '../../core/oauth/authorize'
import { authorizationServerMetadata } from '../../core/oauth/discovery'
import { exchangeToken, revokeClientToken, type ClientCredentials } from '../../core/oauth/grants'
import { oauthError } from '../../core/oauth/protocol'
import { endSession, findSession, SESSION_TTL_SECONDS, signIn, startSession } from '../../core/oauth/sessions'
import { createMfaChallenge, mfaRequired, redeemMfaChallenge } from '../../core/security/mfa'
import { tokenResponse } from '../../core/oauth/tokens'
import { SESSION_COOKIE, type Base } from '../base'
import { consentPage, loginPage, messagePage, oobCodePage, type AuthorizeView, type PageContext } from '../views/authorize'
import { crossSite, csrfFor, csrfValid, isSecure } from '../views/csrf'
import { htmlResponse, readCookie, redirectResponse, serializeCookie } from '../views/http'
import { mfaPage } from '../views/mfa'

type Input = Record<string, unknown>

const SUPPORTED_LANGS = ['en']

function pageContext(ctx: Ctx, lang: unknown): PageContext {
  const wanted = typeof lang === 'string' ? lang.toLowerCase().split(/[-_]/)[0] : ''
  return { lang: SUPPORTED_LANGS.includes(wanted) ? wanted : 'en', instanceName: ctx.config.instance.name, domain: ctx.config.domain }
}

// ---- /oauth/authorize ----

/** Pleroma's own form nests its fields as `authorization[...]`; flat names (Mastodon's query) work too. */
function authorizationInput(input: Input): Input {
  return isPlainObject(input.authorization) ? { ...input, ...input.authorization } : input
}

function checkRequest(ctx: Ctx, p: Input) {
  return checkAuthorizationRequest(ctx, {
    clientId: p.client_id,
    redirectUri: p.redirect_uri,
    responseType: p.response_type,
    scope: p.scope ?? p.scopes,
    state: p.state,
    codeChallenge: p.code_challenge,
    codeChallengeMethod: p.code_challenge_method,
  })
}

function authorizeView(page: PageContext, request: AuthorizationRequest, csrfToken: string, forceLogin: boolean): AuthorizeView {
  const params: Record<string, string> = {
    client_id: request.app.clientId,
    redirect_uri: request.redirectUri,
    response_type: 'code',
    scope: request.scopes.join(' '),
    lang: page.lang,
  }
  if (request.state) params.state = request.state
  if (request.codeChallenge) {
    params.code_challenge = request.codeChallenge
    params.code_challenge_method = request.codeChallengeMethod ?? 'plain'
  }
  if (forceLogin) params.force_login = 'true'
  return { ...page, app: { name: request.app.name, website: request.app.website }, scopes: request.scopes, redirectUri: request.redirectUri, params, csrfToken }
}

function failure(page: PageContext, error: unknown): Response {
  if (error instanceof AuthorizationPageError) {
    return htmlResponse(messagePage(page, 'Authorization failed', error.message, { error: true }), { status: 400 })
  }
  if (error instanceof AuthorizationRedirectError) {
    const location = error.location
    if (location) return redirectResponse(location)
    const title = error.code === 'access_denied' ? 'Authorization denied' : 'Authorization failed'
    const text = error.code === 'access_denied' ? 'You denied the request. You can close this page.' : error.description
    return htmlResponse(messagePage(page, title, text, { error: error.code !== 'access_denied' }), { status: error.code === 'access_denied' ? 200 : 400 })
  }
  throw error
}

async function approve(ctx: Ctx, page: PageContext, request: AuthorizationRequest, userId: string, cookies: string[]): Promise<Response> {
  const code = await createAuthorizationCode(ctx, request, userId)
  const location = approvalLocation(request, code)
  if (location) return redirectResponse(location, cookies)
  return htmlResponse(oobCodePage(page, request.app.name, code), { cookies })
}

/** A completed sign-in: a new browser session replaces whatever the browser had, then the request is approved. */
async function signInAndApprove(ctx: Ctx, page: PageContext, request: AuthorizationRequest, userId: string, oldSession: string | null): Promise<Response> {
  await endSession(ctx, oldSession)
  const session = await startSession(ctx, userId)
  const cookie = serializeCookie(SESSION_COOKIE, session.accessToken, { secure: isSecure(ctx), maxAge: SESSION_TTL_SECONDS })
  return approve(ctx, page, request, userId, [cookie])
}

/** A posted authorization form: same-site with a valid CSRF token, for a valid request; else the error page to answer with. */
async function checkedForm(ctx: Ctx, request: Request, p: Input, page: PageContext): Promise<AuthorizationRequest | Response> {
  if (crossSite(ctx, request) || !csrfValid(ctx, request, p)) return refused(page)
  try {
    return await checkRequest(ctx, p)
  } catch (e) {
    return failure(page, e)
  }
}

function refused(page: PageContext): Response {
  return htmlResponse(messagePage(page, 'Request refused',
    'This form has expired or was not sent from this site. Go back, reload the page and try again.', { error: true }), { status: 403 })
}

// ---- client authentication for /oauth/token and /oauth/revoke ----

/** `client_secret_basic` (RFC 6749 §2.3.1: the parts are form-encoded inside the Basic credentials) or `client_secret_post`. */
function clientCredentials(request: Request, input: Input): ClientCredentials {
  const header = request.headers.get('authorization')
  const basic = header && /^basic\s+(\S+)\s*$/i.exec(header)
  if (!basic) return { clientId: input.client_id, clientSecret: input.client_secret }
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8')
  const i = decoded.indexOf(':')
  if (i < 0) throw oauthError('invalid_client')
  let clientId: string
  let clientSecret: string
  try {
    const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '))
    clientId = formDecode(decoded.slice(0, i))
    clientSecret = formDecode(decoded.slice(i + 1))
  } catch {
    throw oauthError('invalid_client')
  }
  if (typeof input.client_id === 'string' && input.client_id && input.client_id !== clientId) {
    throw oauthError('invalid_request', 'The client was authenticated in more than one way.')
  }
  return { clientId, clientSecret }
}

/** RFC 6749 §5.2: a client that tried HTTP Basic gets a Basic challenge with its invalid_client. */
async function challengeBasic<T>(request: Request, set: { headers: Record<string, string | number> }, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (e) {
    if (e instanceof OAuthError && e.code === 'invalid_client' && /^basic\s/i.test(request.headers.get('authorization') ?? '')) {
      set.headers['www-authenticate'] = 'Basic realm="OAuth client", charset="UTF-8"'
    }
    throw e
  }
}

/** RFC 6749 §5.1: token responses must not be cached. */
const noStore = (set: { headers: Record<string, string | number> }) => {
  set.headers['cache-control'] = 'no-store'
  set.headers.pragma = 'no-cache'
}

const wantsHtml = (request: Request) => (request.headers.get('accept') ?? '').includes('text/html')
const SIGN_OUT_RETURN = /^\/oauth\/authorize(\?[^#\\]*)?$/

export const oauthApi = (app: Base) =>
  app
    .get('/oauth/authorize', async ({ ctx, input, request }) => {
      const page = pageContext(ctx, input.lang)
      let authRequest: AuthorizationRequest
      try {
        authRequest = await checkRequest(ctx, input)
      } catch (e) {
        return failure(page, e)
      }
      const forceLogin = parseBool(input.force_login) === true
      const session = forceLogin ? null : await findSession(ctx, readCookie(request, SESSION_COOKIE))
      if (session && await hasPriorConsent(ctx, authRequest, session.user.id)) return approve(ctx, page, authRequest, session.user.id, [])
      const csrf = csrfFor(ctx, request)
      const view = authorizeView(page, authRequest, csrf.token, forceLogin)
      const url = new URL(request.url)
      const body = session
        ? consentPage(view, { nickname: session.account.username, displayName: session.account.displayName }, `${url.pathname}${url.search}`)
        : loginPage(view)
      return htmlResponse(body, { cookies: csrf.cookies, formTargets: [authRequest.redirectUri] })
    }, { auth: 'client' })

    .post('/oauth/authorize', async ({ ctx, input, request }) => {
      const p = authorizationInput(input)
      const page = pageContext(ctx, p.lang)
      const authRequest = await checkedForm(ctx, request, p, page)
      if (authRequest instanceof Response) return authRequest
      if (p.decision === 'deny' || p.deny !== undefined) return failure(page, denialError(authRequest))

      const forceLogin = parseBool(p.force_login) === true
      const login = p.name ?? p.username
      const hasCredentials = login !== undefined || p.password !== undefined
      const cookieToken = readCookie(request, SESSION_COOKIE)
      if (!hasCredentials && !forceLogin) {
        const session = await findSession(ctx, cookieToken)
        if (session) return approve(ctx, page, authRequest, session.user.id, [])
      }

      const csrf = csrfFor(ctx, request)
      const view = authorizeView(page, authRequest, csrf.token, forceLogin)
      const formTargets = [authRequest.redirectUri]
      const loginText = typeof login === 'string' ? login.slice(0, 320) : ''
      if (!hasCredentials) return htmlResponse(loginPage(view), { formTargets })
      let signedIn
      try {
        signedIn = await signIn(ctx, login, p.password)
      } catch (e) {
        if (!(e instanceof ForbiddenError)) throw e
        return htmlResponse(loginPage(view, { error: e.message, login: loginText }), { status: 403, formTargets })
      }
      if (!signedIn) return htmlResponse(loginPage(view, { error: 'Invalid credentials', login: loginText }), { status: 422, formTargets })
      if (mfaRequired(signedIn.user)) {
        // The password was right; the session starts only once /oauth/mfa/verify gets the second factor.
        const mfaToken = await createMfaChallenge(ctx.db, {
          userId: signedIn.user.id, appId: authRequest.app.id, scopes: authRequest.scopes, redirectUri: authRequest.redirectUri,
        })
        return htmlResponse(mfaPage(view, { mfaToken }), { formTargets })
      }
      return signInAndApprove(ctx, page, authRequest, signedIn.user.id, cookieToken)
    }, { auth: 'client' })

    .post('/oauth/mfa/verify', async ({ ctx, input, request }) => {
      const p = authorizationInput(isPlainObject(input.mfa) ? { ...input, ...input.mfa } : input)
      const page = pageContext(ctx, p.lang)
      const authRequest = await checkedForm(ctx, request, p, page)
      if (authRequest instanceof Response) return authRequest
      const challengeType = p.challenge_type === 'recovery' ? 'recovery' : 'totp'
      const mfaToken = typeof p.mfa_token === 'string' ? p.mfa_token.slice(0, 200) : ''
      const redeemed = await redeemMfaChallenge(ctx, mfaToken, { appId: authRequest.app.id }, challengeType, p.code)
      if (!redeemed || redeemed.challenge.redirectUri !== authRequest.redirectUri || redeemed.challenge.scopes !== authRequest.scopes.join(' ')) {
        const csrf = csrfFor(ctx, request)
        const view = authorizeView(page, authRequest, csrf.token, parseBool(p.force_login) === true)
        return htmlResponse(mfaPage(view, { mfaToken, challengeType, error: 'Two-factor authentication failed.' }),
          { status: 401, cookies: csrf.cookies, formTargets: [authRequest.redirectUri] })
      }
      return signInAndApprove(ctx, page, authRequest, redeemed.user.id, readCookie(request, SESSION_COOKIE))
    }, { auth: 'client' })

    .post('/oauth/token', async ({ ctx, input, request, set }) => {
      noStore(set)
      const result = await challengeBasic(request, set, () => exchangeToken(ctx, {
        ...clientCredentials(request, input),
        grantType: input.grant_type,
        code: input.code,
        redirectUri: input.redirect_uri,
        codeVerifier: input.code_verifier,
        username: input.username ?? input.name,
        password: input.password,
        scope: input.scope ?? input.scopes,
        refreshToken: input.refresh_token,
      }))
      return tokenResponse(ctx, result.issued, result.username)
    }, { auth: 'client' })

    .post('/oauth/revoke', async ({ ctx, input, request, set }) => {
      noStore(set)
      await challengeBasic(request, set, () => revokeClientToken(ctx, clientCredentials(request, input), input.token))
      return {}
    }, { auth: 'client' })

    .get('/.well-known/oauth-authorization-server', ({ ctx }) => authorizationServerMetadata(ctx), { auth: 'public' })

    .post('/auth/sign_out', async ({ ctx, input, request }) => signOut(ctx, input, request), { auth: 'client' })
    .delete('/auth/sign_out', async ({ ctx, input, request }) => signOut(ctx, input, request), { auth: 'client' })

/** Ends the browser session: revokes its token and clears the cookie. Needs the CSRF token like any cookie-bound form. */
async function signOut(ctx: Ctx, input: Input, request: Request): Promise<Response> {
  const page = pageContext(ctx, input.lang)
  if (crossSite(ctx, request) || !csrfValid(ctx, request, input)) {
    if (wantsHtml(request)) return refused(page)
    throw new ForbiddenError("Can't verify CSRF token authenticity.")
  }
  await endSession(ctx, readCookie(request, SESSION_COOKIE))
  const cleared = [serializeCookie(SESSION_COOKIE, '', { secure: isSecure(ctx), maxAge: 0 })]
  const returnTo = typeof input.return_to === 'string' && SIGN_OUT_RETURN.test(input.return_to) ? input.return_to : null
  if (returnTo) return redirectResponse(returnTo, cleared)
  if (wantsHtml(request)) return htmlResponse(messagePage(page, 'Signed out', 'You have been signed out.'), { cookies: cleared })
  const headers = new Headers({ 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
  for (const c of cleared) headers.append('set-cookie', c)
  return new Response('{}', { status: 200, headers })
}
