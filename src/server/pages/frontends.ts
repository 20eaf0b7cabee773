import { readFile, stat } from 'node:fs/promises'
import type { Ctx } from '../../core/context'
import { NotFoundError } from '../../core/errors'
import { activeFrontendDir, type FrontendRole } from '../../core/frontends/install'
import { cacheControlFor, contentTypeFor, looksLikeFile, resolveFrontendFile } from '../../core/frontends/serve'
import { ValidationError } from '../../core/errors'
import { defaultIcon } from '../../core/instance/images'
import { remoteFollowUrl } from '../../core/web/remote-follow'
import { findPublicLocalAccount } from '../../core/web/public-content'
import type { Base } from '../base'
import { html } from '../views/html'
import { htmlResponse } from '../views/http'
import { publicLayout, PUBLIC_STYLE_HASH } from './layout'
import { prefersData, prefersHtml } from './negotiate'

/** Paths that belong to the server: an unknown one is a JSON 404, never a frontend's page. */
const SERVER_PATH = /^\/(?:api|oauth|\.well-known|nodeinfo|media|emoji|proxy|inbox|actor|auth|pleroma|registration)(?:\/|$)/

export const ADMIN_PREFIX = '/pleroma/admin'

/** A file of an installed build, with its type, caching and a validator for conditional requests. */
async function fileResponse(request: Request, path: string): Promise<Response> {
  const info = await stat(path)
  const etag = `W/"${info.size.toString(36)}-${Math.floor(info.mtimeMs).toString(36)}"`
  const headers = {
    'content-type': contentTypeFor(path),
    'cache-control': cacheControlFor(path),
    etag,
    'last-modified': info.mtime.toUTCString(),
    'x-content-type-options': 'nosniff',
  }
  if (request.headers.get('if-none-match') === etag) return new Response(null, { status: 304, headers })
  return new Response(request.method === 'HEAD' ? null : await readFile(path), { headers: { ...headers, 'content-length': String(info.size) } })
}

/**
 * Answers a request from the build serving `role`, or null when no build serves it. Client-side routes (paths with no
 * file extension, asked for as a page) get the build's `index.html`; a missing asset is a 404.
 */
export async function serveFrontend(ctx: Ctx, role: FrontendRole, request: Request, urlPath: string): Promise<Response | null> {
  const dir = await activeFrontendDir(ctx, role)
  if (!dir) return null
  const file = await resolveFrontendFile(dir, urlPath)
  if (file) return fileResponse(request, file)
  if (looksLikeFile(urlPath) || !prefersHtml(request)) throw new NotFoundError()
  return fileResponse(request, `${dir}/index.html`)
}

/** The primary frontend's entry page for `/`, or null (the built-in landing page) when there is none. */
export async function primaryFrontendHome(ctx: Ctx, request: Request): Promise<Response | null> {
  if (prefersData(request)) return null
  const dir = await activeFrontendDir(ctx, 'primary')
  return dir ? fileResponse(request, `${dir}/index.html`) : null
}

function remoteFollowPage(ctx: Ctx, nickname: string, opts: { profile?: string; error?: string; status?: number } = {}): Response {
  const body = html`<section class="card">
<h1>Follow @${nickname}@${ctx.config.domain}</h1>
${opts.error ? html`<p class="error" role="alert">${opts.error}</p>` : ''}
<form method="post" action="/main/ostatus">
<input type="hidden" name="nickname" value="${nickname}">
<label>Your address on your own instance
<input type="text" name="profile" value="${opts.profile ?? ''}" placeholder="you@your.instance" autocomplete="username" autocapitalize="none" spellcheck="false" maxlength="320" required>
</label>
<div class="actions"><button type="submit">Follow from my instance</button></div>
</form>
<p class="muted">You will be sent to your instance to confirm. If that does not work, search for @${nickname}@${ctx.config.domain} there.</p>
</section>`
  const page = publicLayout({ title: `Follow @${nickname}`, instanceName: ctx.config.instance.name, body, indexable: false })
  return htmlResponse(page, { status: opts.status, styleHash: PUBLIC_STYLE_HASH })
}

/**
 * A page that moves on to the visitor's instance: a redirect answering this form's POST would be blocked by the page's
 * `form-action 'self'`, a refresh and a link are not.
 */
function continuePage(ctx: Ctx, nickname: string, url: string): Response {
  const body = html`<section class="card">
<h1>Follow @${nickname}@${ctx.config.domain}</h1>
<p><a href="${url}" rel="noreferrer noopener">Continue to your instance</a> to confirm the follow.</p>
</section>`
  const head = html`<meta http-equiv="refresh" content="0;url=${url}"><meta name="referrer" content="no-referrer">`
  return htmlResponse(publicLayout({ title: `Follow @${nickname}`, instanceName: ctx.config.instance.name, body, head, indexable: false }), { styleHash: PUBLIC_STYLE_HASH })
}

const text = (v: unknown, max: number) => (typeof v === 'string' ? v.trim().slice(0, max) : '')

/** Pleroma-FE's and Akkoma-FE's logged-out "remote follow": ask for the visitor's address, send them home to follow. */
async function remoteFollow(ctx: Ctx, input: Record<string, unknown>, submitted: boolean): Promise<Response> {
  const nickname = text(input.nickname, 64)
  if (!nickname) throw new NotFoundError()
  const account = await findPublicLocalAccount(ctx, nickname)
  const profile = text(input.profile, 320)
  if (!submitted || !profile) return remoteFollowPage(ctx, account.username)
  try {
    return continuePage(ctx, account.username, await remoteFollowUrl(ctx, profile, account))
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e
    return remoteFollowPage(ctx, account.username, { profile, error: e.message, status: 422 })
  }
}

const pathOf = (request: Request) => new URL(request.url).pathname

/** Browsers ask every site for it; a frontend's own wins, else the instance's icon (browsers take a PNG here). */
const FAVICON = '/favicon.ico'

function defaultFavicon(): Response {
  return new Response(defaultIcon(36), { headers: { 'content-type': 'image/png', 'cache-control': 'public, max-age=86400' } })
}

/** The admin build: `/pleroma/admin` (and, with Elysia's loose paths, `/pleroma/admin/`) and everything under it. */
async function adminFrontend(ctx: Ctx, request: Request): Promise<Response> {
  const path = pathOf(request)
  if (path === ADMIN_PREFIX) {
    if (!(await activeFrontendDir(ctx, 'admin'))) throw new NotFoundError()
    return new Response(null, { status: 301, headers: { location: `${ADMIN_PREFIX}/` } })
  }
  const res = await serveFrontend(ctx, 'admin', request, path.slice(ADMIN_PREFIX.length) || '/')
  if (!res) throw new NotFoundError()
  return res
}

/** Installed frontends: the admin build under /pleroma/admin/, the primary one for every other unrouted page. */
export const frontendsWeb = (app: Base) =>
  app
    .get('/main/ostatus', ({ ctx, input }) => remoteFollow(ctx, input, false), { auth: 'client' })
    .post('/main/ostatus', ({ ctx, input }) => remoteFollow(ctx, input, true), { auth: 'client' })
    .get(ADMIN_PREFIX, ({ ctx, request }) => adminFrontend(ctx, request), { auth: 'public' })
    .get(`${ADMIN_PREFIX}/*`, ({ ctx, request }) => adminFrontend(ctx, request), { auth: 'public' })
    .get('/*', async ({ ctx, request }) => {
      const path = pathOf(request)
      if (SERVER_PATH.test(path)) throw new NotFoundError()
      const res = await serveFrontend(ctx, 'primary', request, path).catch((e) => {
        if (path === FAVICON && e instanceof NotFoundError) return null
        throw e
      })
      if (res) return res
      if (path === FAVICON) return defaultFavicon()
      throw new NotFoundError()
    }, { auth: 'public' })
