import { readFile, stat } from 'node:fs/promises'
import { Elysia } from 'elysia'
import type { Ctx } from '../../core/context'
import { NotFoundError } from '../../core/errors'
import { activeFrontendDir, type FrontendRole } from '../../core/frontends/install'
import { cacheControlFor, contentTypeFor, looksLikeFile, resolveFrontendFile } from '../../core/frontends/serve'
import type { Base } from '../base'
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

const pathOf = (request: Request) => new URL(request.url).pathname

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
export const frontendsWeb = (base: Base) =>
  new Elysia({ name: 'pages.frontends' })
    .use(base)
    .get(ADMIN_PREFIX, ({ ctx, request }) => adminFrontend(ctx, request), { auth: 'public' })
    .get(`${ADMIN_PREFIX}/*`, ({ ctx, request }) => adminFrontend(ctx, request), { auth: 'public' })
    .get('/*', async ({ ctx, request }) => {
      const path = pathOf(request)
      if (SERVER_PATH.test(path)) throw new NotFoundError()
      const res = await serveFrontend(ctx, 'primary', request, path)
      if (!res) throw new NotFoundError()
      return res
    }, { auth: 'public' })
