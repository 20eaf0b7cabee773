import type { Ctx } from '../../core/context'
import { AppError, NotFoundError, ValidationError } from '../../core/errors'
import type { Viewer } from '../../core/oauth/authenticate'
import { findSession } from '../../core/oauth/sessions'
import { followAccount } from '../../core/relationships/follow'
import { relationshipTarget } from '../../core/relationships/target'
import { lookupAccountResolving, resolveUrl } from '../../core/search/resolve'
import { remoteInteractionUrl } from '../../core/web/remote-follow'
import type { AccountRow, StatusRow } from '../../db/schema'
import { SESSION_COOKIE, type Base } from '../base'
import { csrfFor, formTrusted } from '../views/csrf'
import { html } from '../views/html'
import { htmlResponse, readCookie } from '../views/http'
import { publicLayout, PUBLIC_STYLE_HASH } from './layout'
import { messagePage } from './views'

const text = (v: unknown, max: number) => (typeof v === 'string' ? v.trim().slice(0, max) : '')

type Session = NonNullable<Awaited<ReturnType<typeof findSession>>>
type Target = { account: AccountRow; status: StatusRow | null }

const viewerOf = (s: Session): Viewer => ({
  tokenId: null, appId: null, scopes: ['read', 'write', 'follow'], userId: s.user.id, accountId: s.account.id,
  username: s.account.username, isAdmin: s.user.isAdmin, isModerator: s.user.isModerator,
})

const page = (ctx: Ctx, title: string, body: ReturnType<typeof html>, opts: { status?: number; cookies?: string[] } = {}) =>
  htmlResponse(publicLayout({ title, instanceName: ctx.config.instance.name, body, indexable: false }), { status: opts.status, cookies: opts.cookies, styleHash: PUBLIC_STYLE_HASH })

const message = (ctx: Ctx, title: string, body: string, status = 200) =>
  htmlResponse(messagePage(ctx.config.instance.name, title, body, { error: status >= 400 }), { status, styleHash: PUBLIC_STYLE_HASH })

/** An account (by address or URL) or a status (by URL), fetched from its instance when not known yet. */
async function findTarget(ctx: Ctx, viewer: Viewer, query: string): Promise<Target | null> {
  try {
    if (/^https?:\/\//i.test(query)) {
      const found = await resolveUrl(ctx, viewer, query)
      if (!found) return null
      if (found.kind === 'account') return { account: found.account, status: null }
      return { account: await relationshipTarget(ctx, found.status.accountId), status: found.status }
    }
    return { account: await lookupAccountResolving(ctx, query.replace(/^acct:/i, ''), viewer), status: null }
  } catch (e) {
    if (e instanceof AppError && e.status < 500) return null
    throw e
  }
}

const acctOf = (a: AccountRow) => (a.domain ? `${a.username}@${a.domain}` : a.username)

/**
 * The page other instances' remote-follow buttons open (`/authorize_interaction?uri=`, Mastodon's, and
 * `/ostatus_subscribe?acct=`, Pleroma's): signed in, the account (and post) with a Follow button; otherwise a sign-in
 * prompt that comes back here.
 */
async function interactionPage(ctx: Ctx, request: Request, query: string, here: string): Promise<Response> {
  if (!query) return message(ctx, 'Nothing to show', 'This link names no account or post.', 400)
  const session = await findSession(ctx, readCookie(request, SESSION_COOKIE))
  if (!session) {
    return page(ctx, 'Sign in to continue', html`<section class="card">
<h1>Sign in to continue</h1>
<p>Sign in to ${ctx.config.instance.name} to follow <strong>${query}</strong>.</p>
<div class="actions"><a class="button" href="/auth/sign_in?return_to=${encodeURIComponent(here)}">Sign in</a></div>
</section>`, { status: 401 })
  }
  const target = await findTarget(ctx, viewerOf(session), query)
  if (!target) return message(ctx, 'Not found', `Could not find ${query}.`, 404)
  const csrf = csrfFor(ctx, request)
  const { account, status } = target
  const self = account.id === session.account.id
  const body = html`<section class="card">
<h1>${account.displayName || account.username}</h1>
<p class="muted">@${acctOf(account)}</p>
${status ? html`<p>A post by @${acctOf(account)}${status.url || status.uri ? html`: <a href="${status.url ?? status.uri ?? ''}" rel="noreferrer noopener">${status.url ?? status.uri ?? ''}</a>` : ''}</p>` : ''}
${self ? html`<p>This is you.</p>` : html`<form method="post" action="/authorize_interaction">
<input type="hidden" name="authenticity_token" value="${csrf.token}">
<input type="hidden" name="uri" value="${query}">
<div class="actions"><button type="submit">Follow @${acctOf(account)}</button></div>
</form>`}
<p class="muted">Signed in as @${session.account.username}</p>
</section>`
  return page(ctx, `Follow @${acctOf(account)}`, body, { cookies: csrf.cookies })
}

async function followFromPage(ctx: Ctx, request: Request, input: Record<string, unknown>): Promise<Response> {
  if (!formTrusted(ctx, request, input)) {
    return message(ctx, 'Request refused', 'This form has expired or was not sent from this site. Go back, reload the page and try again.', 403)
  }
  const session = await findSession(ctx, readCookie(request, SESSION_COOKIE))
  const query = text(input.uri, 2000)
  if (!session) return message(ctx, 'Not signed in', 'Sign in and try again.', 401)
  const target = query ? await findTarget(ctx, viewerOf(session), query) : null
  if (!target) return message(ctx, 'Not found', `Could not find ${query}.`, 404)
  try {
    const result = await followAccount(ctx, session.account.id, target.account)
    const acct = acctOf(target.account)
    return result === 'following'
      ? message(ctx, 'Followed', `You now follow @${acct}.`)
      : message(ctx, 'Follow requested', `@${acct} has been asked to accept your follow.`)
  } catch (e) {
    if (e instanceof AppError && e.status < 500) return message(ctx, 'Could not follow', e.message, e.status)
    throw e
  }
}

/** Remote interaction: Pleroma's API for logged-out visitors, and the pages remote-follow buttons lead to. */
export const interactionPages = (app: Base) =>
  app
    .post('/api/v1/pleroma/remote_interaction', async ({ ctx, input }) => {
      const apId = text(input.ap_id, 2000)
      const profile = text(input.profile, 320)
      if (!apId || !profile) throw new ValidationError('Validation failed: ap_id and profile are required')
      try {
        return { url: await remoteInteractionUrl(ctx, profile, apId) }
      } catch (e) {
        if (e instanceof ValidationError) throw new NotFoundError("Couldn't find user")
        throw e
      }
    }, { auth: 'public' })
    .get('/ostatus_subscribe', ({ ctx, request, input }) => {
      const acct = text(input.acct, 2000)
      return interactionPage(ctx, request, acct, `/ostatus_subscribe?acct=${encodeURIComponent(acct)}`)
    }, { auth: 'client' })
    .get('/authorize_interaction', ({ ctx, request, input }) => {
      const uri = text(input.uri, 2000)
      return interactionPage(ctx, request, uri, `/authorize_interaction?uri=${encodeURIComponent(uri)}`)
    }, { auth: 'client' })
    .post('/authorize_interaction', ({ ctx, request, input }) => followFromPage(ctx, request, input), { auth: 'client' })
