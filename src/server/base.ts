import { Elysia } from 'elysia'
import type { Ctx } from '../core/context'
import { ForbiddenError, UnauthorizedError, ValidationError } from '../core/errors'
import { hasAnyScope } from '../core/oauth/scopes'
import { viewerFromPassword, viewerFromToken, type UserViewer, type Viewer } from '../core/oauth/authenticate'
import { availabilityPlugin } from './plugins/availability'
import { bodyLimits, bodyPlugin } from './plugins/body'
import { corsPlugin } from './plugins/cors'
import { errorsPlugin } from './plugins/errors'
import { parsePlugin } from './plugins/parse'
import { rateLimitPlugin } from './plugins/rate-limit'
import { noteAccount, observabilityPlugin } from './observability/requests'

/**
 * How a route authenticates; every route declares one (a test walks the route table).
 * - `'public'`: anyone; a valid token is still read, and a bad one rejected.
 * - `'client'`: anyone; no credentials are read at all. For the OAuth endpoints, which authenticate clients themselves
 *   (`Authorization: Basic` there carries client_id:client_secret, not a user's login) and read the session cookie themselves.
 * - `{ scopes }`: a user token holding any of the scopes.
 * - `{ scopes, optional: true }`: anonymous allowed; a token, if given, must hold a scope.
 * - `{ scopes, app: true }`: an app-only token (client_credentials) is enough.
 * - `{ scopes, role }`: the user must also be an admin (or moderator).
 * - `{ scopes, unconfirmed: true }`: also a user whose e-mail address awaits confirmation.
 */
export type AuthRule =
  | 'public'
  | 'client'
  | { scopes: string[]; optional?: boolean; app?: boolean; role?: 'admin' | 'moderator'; unconfirmed?: boolean }

export const SESSION_COOKIE = '_pleroma_key'

type Credentials = { kind: 'bearer' | 'cookie'; token: string } | { kind: 'basic'; login: string; password: string } | null

export function readCredentials(request: Request, input: Record<string, unknown>): Credentials {
  const header = request.headers.get('authorization')
  if (header) {
    const [scheme, value = ''] = header.trim().split(/\s+/, 2)
    if (/^bearer$/i.test(scheme)) return { kind: 'bearer', token: value }
    if (/^basic$/i.test(scheme)) {
      const decoded = Buffer.from(value, 'base64').toString('utf8')
      const i = decoded.indexOf(':')
      return i < 0 ? null : { kind: 'basic', login: decoded.slice(0, i), password: decoded.slice(i + 1) }
    }
  }
  if (typeof input.access_token === 'string' && input.access_token) return { kind: 'bearer', token: input.access_token }
  const cookie = request.headers.get('cookie')
  const match = cookie && new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=([^;]+)`).exec(cookie)
  if (match) return { kind: 'cookie', token: decodeURIComponent(match[1]) }
  return null
}

/** Cookie sessions may change state only from our own pages: a cross-site form must not ride on them. */
function assertSameOrigin(request: Request) {
  if (['GET', 'HEAD', 'OPTIONS'].includes(request.method)) return
  const origin = request.headers.get('origin') ?? request.headers.get('referer')
  const fetchSite = request.headers.get('sec-fetch-site')
  if (fetchSite === 'cross-site') throw new ForbiddenError('Cross-site request refused')
  if (!origin) return
  let host: string
  try {
    host = new URL(origin).host
  } catch {
    throw new ForbiddenError('Cross-site request refused') // `Origin: null` (sandboxed frames, privacy redirects) or garbage
  }
  if (host !== new URL(request.url).host && host !== request.headers.get('host')) throw new ForbiddenError('Cross-site request refused')
}

export async function authenticate(ctx: Ctx, request: Request, input: Record<string, unknown>, opts: { allowUnconfirmed?: boolean } = {}): Promise<Viewer | null> {
  const credentials = readCredentials(request, input)
  if (!credentials) return null
  if (credentials.kind === 'basic') {
    const viewer = await viewerFromPassword(ctx, credentials.login, credentials.password)
    if (!viewer) throw new UnauthorizedError('Invalid credentials')
    return viewer
  }
  const viewer = await viewerFromToken(ctx, credentials.token, opts)
  if (!viewer) {
    if (credentials.kind === 'cookie') return null // a stale session cookie is simply no session
    throw new UnauthorizedError()
  }
  if (credentials.kind === 'cookie') assertSameOrigin(request)
  return viewer
}

/** Applies a rule to the resolved viewer; throws 401/403/422 as Mastodon does. */
export function enforceRule(rule: AuthRule, viewer: Viewer | null): Viewer | null {
  if (rule === 'public' || rule === 'client') return viewer
  if (!viewer) {
    if (rule.optional) return null
    throw new UnauthorizedError()
  }
  if (!hasAnyScope(viewer.scopes, rule.scopes)) throw new ForbiddenError()
  if (!viewer.userId && !rule.app && !rule.optional) throw new ValidationError('This method requires an authenticated user')
  if (rule.role === 'admin' && !viewer.isAdmin) throw new ForbiddenError('User is not an admin.')
  if (rule.role === 'moderator' && !viewer.isAdmin && !viewer.isModerator) throw new ForbiddenError('User is not a staff member.')
  return viewer
}

/**
 * The base of the app: context, body parsing, errors, CORS and the `auth` macro. Feature modules are functions of it
 * (`(app: Base) => app.get(…)`) that add their routes to the app itself, after it (see `createApp`).
 */
export function createBase(ctx: Ctx) {
  const limits = bodyLimits(ctx.config)
  return new Elysia({ name: 'base', seed: ctx.startedAt.getTime() })
    .use(observabilityPlugin(ctx.config))
    .use(bodyPlugin(limits))
    .use(availabilityPlugin(ctx))
    .use(errorsPlugin)
    .use(corsPlugin)
    .use(parsePlugin(limits))
    .use(rateLimitPlugin(ctx))
    // Elysia deep-merges decorators on `.use()` but leaves frozen values as they are: a frozen ctx keeps it from walking
    // the database clients' object graphs (when every module used the base, seconds of start and 0.5 GB on PGlite).
    .decorate('ctx', Object.freeze(ctx))
    .macro({
      auth: (rule: AuthRule) => ({
        detail: { 'x-auth': rule } as Record<string, unknown>,
        async resolve({ request, input }: { request: Request; input: Record<string, unknown> }) {
          const allowUnconfirmed = typeof rule === 'object' && !!rule.unconfirmed
          const viewer = rule === 'client' ? null : enforceRule(rule, await authenticate(ctx, request, input, { allowUnconfirmed }))
          noteAccount(request, viewer?.accountId)
          return { viewer, user: viewer as UserViewer }
        },
      }),
    })
}

export type Base = ReturnType<typeof createBase>
