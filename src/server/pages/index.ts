import { registerAccount } from '../../core/accounts/register'
import { createCaptcha } from '../../core/captcha'
import type { Ctx } from '../../core/context'
import { AppError, ForbiddenError, NotFoundError } from '../../core/errors'
import { isId } from '../../core/ids'
import { loadInstanceInfo } from '../../core/instance/info'
import { instanceRules } from '../../core/instance/registration'
import { endSession, findSession, SESSION_TTL_SECONDS, signIn, startSession } from '../../core/oauth/sessions'
import { mfaRequired } from '../../core/security/mfa'
import type { Page } from '../../core/timelines/page'
import {
  findPublicAccount, findPublicLocalAccount, findPublicStatus, publicAccountStatuses, publicTagStatuses, publicThread, type PublicReach,
} from '../../core/web/public-content'
import type { AccountRow } from '../../db/schema'
import { SESSION_COOKIE, type Base } from '../base'
import { renderAccount } from '../render/account'
import { renderStatuses, type StatusEntity } from '../render/status'
import { csrfFor, formTrusted, isSecure } from '../views/csrf'
import { htmlResponse, readCookie, redirectResponse, serializeCookie } from '../views/http'
import { ATOM_CONTENT_TYPE, buildAtom, buildRss, RSS_CONTENT_TYPE, type FeedView } from './feeds'
import { primaryFrontendHome } from './frontends'
import { PUBLIC_STYLE_HASH } from './layout'
import { prefersData, prefersHtml } from './negotiate'
import { homePage, messagePage, profilePage, signInPage, signUpPage, statusPage, statusPath, tagPage, type Pager } from './views'

type Input = Record<string, unknown>

const PAGE_SIZE = 20
const FEED_SIZE = 20
/** Public pages are the same for every reader: a short shared cache absorbs a link going around. */
const PUBLIC_CACHE = 'public, max-age=60'

/** Every image a set of rendered statuses and accounts shows, for the page's `img-src`. */
function imageUrls(statuses: StatusEntity[], accounts: { avatar: string; header: string; emojis: { url: string }[] }[] = []): string[] {
  const urls: string[] = []
  for (const a of [...accounts, ...statuses.map((s) => s.account)]) urls.push(a.avatar, a.header, ...a.emojis.map((e) => e.url))
  for (const s of statuses) {
    urls.push(...s.emojis.map((e) => e.url))
    for (const m of s.media_attachments) if (m.preview_url) urls.push(m.preview_url)
  }
  return urls
}

function page(html: string, opts: { status?: number; imgSources?: string[]; cookies?: string[]; cache?: boolean } = {}): Response {
  return htmlResponse(html, {
    status: opts.status, styleHash: PUBLIC_STYLE_HASH, imgSources: opts.imgSources, cookies: opts.cookies,
    cacheControl: opts.cache ? PUBLIC_CACHE : undefined,
  })
}

/** `max_id` / `min_id` from the query; malformed ids are ignored, as if absent. */
function readPage(input: Input, limit: number): Page {
  const id = (v: unknown) => (typeof v === 'string' && isId(v) ? v : undefined)
  return { maxId: id(input.max_id), minId: id(input.min_id), limit }
}

function pagerFor(p: Page, rows: { id: string }[]): Pager {
  const paged = !!(p.maxId || p.minId)
  return {
    older: rows.length === p.limit || (p.minId && rows.length) ? `max_id=${rows[rows.length - 1].id}` : undefined,
    newer: paged && rows.length ? `min_id=${rows[0].id}` : undefined,
  }
}

/** `name.rss` / `name.atom` → the feed format asked for, and the name without it. */
function splitFormat(name: string): { name: string; format: 'rss' | 'atom' | null } {
  const m = /^(.*)\.(rss|atom)$/.exec(name)
  return m ? { name: m[1], format: m[2] as 'rss' | 'atom' } : { name, format: null }
}

const decode = (s: string) => {
  try {
    return decodeURIComponent(s)
  } catch {
    throw new NotFoundError()
  }
}

async function profile(ctx: Ctx, account: AccountRow, input: Input): Promise<Response> {
  const p = readPage(input, PAGE_SIZE)
  const rows = await publicAccountStatuses(ctx, account, p, 'linked')
  const [entity, statuses] = await Promise.all([renderAccount(ctx, account, null), renderStatuses(ctx, rows, null)])
  const body = profilePage({
    instanceName: ctx.config.instance.name, baseUrl: ctx.config.baseUrl, account: entity, statuses,
    hideFollowersCount: account.hideFollowersCount, hideFollowsCount: account.hideFollowsCount, pager: pagerFor(p, rows),
  })
  return page(body, { imgSources: imageUrls(statuses, [entity]), cache: true })
}

function feedResponse(format: 'rss' | 'atom', feed: FeedView): Response {
  return new Response(format === 'rss' ? buildRss(feed) : buildAtom(feed), {
    headers: { 'content-type': format === 'rss' ? RSS_CONTENT_TYPE : ATOM_CONTENT_TYPE, 'cache-control': PUBLIC_CACHE },
  })
}

const statusUrl = (ctx: Ctx) => (s: StatusEntity) => `${ctx.config.baseUrl}${statusPath(s)}`

async function accountFeed(ctx: Ctx, account: AccountRow, format: 'rss' | 'atom'): Promise<Response> {
  if (account.domain !== null) throw new NotFoundError()
  const rows = await publicAccountStatuses(ctx, account, { limit: FEED_SIZE }, 'listed')
  const [entity, statuses] = await Promise.all([renderAccount(ctx, account, null), renderStatuses(ctx, rows, null)])
  const base = `${ctx.config.baseUrl}/@${account.username}`
  return feedResponse(format, {
    title: `${entity.display_name || entity.username} (@${entity.fqn})`,
    description: `Public posts from @${entity.fqn}`,
    pageUrl: base,
    selfUrl: { rss: `${base}.rss`, atom: `${base}.atom` },
    image: entity.avatar,
    statuses,
    statusUrl: statusUrl(ctx),
  })
}

async function tagFeed(ctx: Ctx, tag: string, format: 'rss' | 'atom'): Promise<Response> {
  const rows = await publicTagStatuses(ctx, tag, { limit: FEED_SIZE })
  const statuses = await renderStatuses(ctx, rows, null)
  const base = `${ctx.config.baseUrl}/tags/${encodeURIComponent(tag)}`
  return feedResponse(format, {
    title: `#${tag}`,
    description: `Public posts with #${tag} on ${ctx.config.instance.name}`,
    pageUrl: base,
    selfUrl: { rss: `${base}.rss`, atom: `${base}.atom` },
    statuses,
    statusUrl: statusUrl(ctx),
  })
}

async function statusView(ctx: Ctx, acct: string, id: string): Promise<Response> {
  const row = await findPublicStatus(ctx, id)
  const thread = await publicThread(ctx, row)
  const [status, ...rest] = await renderStatuses(ctx, [row, ...thread.ancestors, ...thread.descendants], null)
  // The address must name the author; another name in the path is a stale or forged link.
  if (status.account.acct.toLowerCase() !== acct.toLowerCase()) throw new NotFoundError()
  const ancestors = rest.slice(0, thread.ancestors.length)
  const descendants = rest.slice(thread.ancestors.length)
  const body = statusPage({
    instanceName: ctx.config.instance.name, baseUrl: ctx.config.baseUrl, status, ancestors, descendants,
    indexable: status.account.noindex !== true && status.visibility === 'public',
  })
  return page(body, { imgSources: imageUrls([status, ...rest]), cache: true })
}

/** A page is HTML for anyone not asking for data; `strict` paths (shared with ActivityPub) need HTML asked for outright. */
function assertHtmlWanted(request: Request, strict: boolean) {
  if (strict ? !prefersHtml(request) : prefersData(request)) throw new NotFoundError()
}

type Mode = 'open' | 'invite' | 'approval'

async function signUpForm(ctx: Ctx, request: Request, opts: { inviteToken?: string; values?: Record<string, string>; errors?: string[]; status?: number } = {}): Promise<Response> {
  const mode = ctx.config.registrations
  const name = ctx.config.instance.name
  if (mode === 'closed') return page(messagePage(name, 'Sign-ups are closed', `${name} is not taking new accounts at the moment.`), { status: 403 })
  const csrf = csrfFor(ctx, request)
  const captcha = await createCaptcha(ctx)
  const body = signUpPage({
    instanceName: name, domain: ctx.config.domain, mode: mode as Mode, rules: instanceRules(ctx.config), csrfToken: csrf.token,
    inviteToken: opts.inviteToken ?? '', captcha: captcha.type === 'native' ? captcha : null, values: opts.values ?? {}, errors: opts.errors ?? [],
  })
  return page(body, { status: opts.status, cookies: csrf.cookies })
}

const KEPT_FIELDS = ['username', 'display_name', 'email', 'reason', 'agreement']

async function signUp(ctx: Ctx, request: Request, input: Input): Promise<Response> {
  const name = ctx.config.instance.name
  if (!formTrusted(ctx, request, input)) {
    return page(messagePage(name, 'Request refused', 'This form has expired or was not sent from this site. Go back, reload the page and try again.', { error: true }), { status: 403 })
  }
  if (ctx.config.registrations === 'closed') return page(messagePage(name, 'Sign-ups are closed', `${name} is not taking new accounts at the moment.`), { status: 403 })
  const text = (v: unknown) => (typeof v === 'string' ? v.slice(0, 2000) : '')
  const fields = {
    username: text(input.username), display_name: text(input.display_name), email: text(input.email), password: text(input.password),
    reason: text(input.reason), agreement: text(input.agreement), token: text(input.token).trim(),
    captcha_token: text(input.captcha_token), captcha_solution: text(input.captcha_solution), captcha_answer_data: text(input.captcha_answer_data),
  }
  let result
  try {
    result = await registerAccount(ctx, fields, { appId: null, scopes: [], session: true })
  } catch (e) {
    if (!(e instanceof AppError) || e.status >= 500) throw e
    const errors = e.message.replace(/^Validation failed: /, '').split(', ')
    const values = Object.fromEntries(KEPT_FIELDS.map((k) => [k, fields[k as keyof typeof fields]]))
    return signUpForm(ctx, request, { inviteToken: fields.token, values, errors, status: e.status === 403 ? 403 : 422 })
  }
  if (result.pending) return page(messagePage(name, 'Thank you for signing up', result.pending.message))
  await endSession(ctx, readCookie(request, SESSION_COOKIE))
  const cookie = serializeCookie(SESSION_COOKIE, result.token.accessToken, { secure: isSecure(ctx), maxAge: SESSION_TTL_SECONDS })
  return redirectResponse(`/@${result.account.username}`, [cookie])
}

/** Pages that send visitors to sign in and back: only these, as paths of this site (never another site's URL). */
const SIGN_IN_RETURN = /^\/(?:ostatus_subscribe|authorize_interaction)\?[^\s\\]{0,2000}$/
const returnTo = (v: unknown) => (typeof v === 'string' && SIGN_IN_RETURN.test(v) ? v : null)

function signInForm(ctx: Ctx, request: Request, opts: { login?: string; error?: string; status?: number; returnTo?: string | null } = {}): Response {
  const csrf = csrfFor(ctx, request)
  const body = signInPage({ instanceName: ctx.config.instance.name, csrfToken: csrf.token, login: opts.login ?? '', error: opts.error ?? null, returnTo: opts.returnTo })
  return page(body, { status: opts.status, cookies: csrf.cookies })
}

/** Checks the password like the OAuth login page and starts a browser session in place of any earlier one. */
async function signInPost(ctx: Ctx, request: Request, input: Input): Promise<Response> {
  const name = ctx.config.instance.name
  if (!formTrusted(ctx, request, input)) {
    return page(messagePage(name, 'Request refused', 'This form has expired or was not sent from this site. Go back, reload the page and try again.', { error: true }), { status: 403 })
  }
  const login = typeof input.username === 'string' ? input.username.slice(0, 320) : ''
  let signedIn
  try {
    signedIn = await signIn(ctx, login, input.password)
  } catch (e) {
    if (!(e instanceof ForbiddenError)) throw e
    return signInForm(ctx, request, { login, error: e.message, status: 403, returnTo: returnTo(input.return_to) })
  }
  if (!signedIn) return signInForm(ctx, request, { login, error: 'Invalid credentials', status: 422, returnTo: returnTo(input.return_to) })
  if (mfaRequired(signedIn.user)) {
    return page(messagePage(name, 'Two-factor authentication', 'This account uses two-factor authentication: sign in from an app, which asks for the code.'), { status: 403 })
  }
  await endSession(ctx, readCookie(request, SESSION_COOKIE))
  const session = await startSession(ctx, signedIn.user.id)
  return redirectResponse(returnTo(input.return_to) ?? '/', [serializeCookie(SESSION_COOKIE, session.accessToken, { secure: isSecure(ctx), maxAge: SESSION_TTL_SECONDS })])
}

async function home(ctx: Ctx, request: Request): Promise<Response> {
  const [info, session] = await Promise.all([loadInstanceInfo(ctx), findSession(ctx, readCookie(request, SESSION_COOKIE))])
  const csrf = session ? csrfFor(ctx, request) : null
  const body = homePage({
    instanceName: ctx.config.instance.name,
    domain: ctx.config.domain,
    description: ctx.config.instance.shortDescription || ctx.config.instance.description,
    rules: instanceRules(ctx.config),
    registrations: ctx.config.registrations,
    stats: { userCount: info.stats.userCount, statusCount: info.stats.statusCount },
    signedInAs: session?.account.username ?? null,
    csrfToken: csrf?.token ?? null,
  })
  return page(body, { cookies: csrf?.cookies })
}

/** The web's front door: landing page, sign-up and sign-in forms, public profiles, posts and hashtags, and their feeds. */
export const pagesApi = (app: Base) =>
  app
    .get('/', async ({ ctx, request }) => (await primaryFrontendHome(ctx, request)) ?? home(ctx, request), { auth: 'public' })
    .get('/auth/sign_up', ({ ctx, request, input }) =>
      signUpForm(ctx, request, { inviteToken: typeof input.invite === 'string' ? input.invite.slice(0, 200) : '' }), { auth: 'client' })
    .post('/auth/sign_up', ({ ctx, request, input }) => signUp(ctx, request, input), { auth: 'client' })
    .get('/auth/sign_in', ({ ctx, request, input }) => signInForm(ctx, request, { returnTo: returnTo(input.return_to) }), { auth: 'client' })
    .post('/auth/sign_in', ({ ctx, request, input }) => signInPost(ctx, request, input), { auth: 'client' })
    .get('/registration/:token', ({ ctx, request, params }) => signUpForm(ctx, request, { inviteToken: decode(params.token).slice(0, 200) }), { auth: 'client' })

    .get('/@:name', async ({ ctx, request, params, input }) => {
      const { name, format } = splitFormat(decode((params as unknown as { name: string }).name))
      if (format) return accountFeed(ctx, await findPublicLocalAccount(ctx, name), format)
      assertHtmlWanted(request, false)
      return profile(ctx, await findPublicAccount(ctx, name), input)
    }, { auth: 'public' })
    .get('/@:name/:id', ({ ctx, request, params }) => {
      assertHtmlWanted(request, false)
      return statusView(ctx, decode((params as unknown as { name: string }).name), params.id)
    }, { auth: 'public' })
    .get('/users/:name', async ({ ctx, request, params, input }) => {
      assertHtmlWanted(request, true)
      return profile(ctx, await findPublicLocalAccount(ctx, decode(params.name)), input)
    }, { auth: 'public' })
    .get('/users/:name/feed.rss', async ({ ctx, params }) => accountFeed(ctx, await findPublicLocalAccount(ctx, decode(params.name)), 'rss'), { auth: 'public' })
    .get('/users/:name/feed.atom', async ({ ctx, params }) => accountFeed(ctx, await findPublicLocalAccount(ctx, decode(params.name)), 'atom'), { auth: 'public' })
    .get('/users/:name/statuses/:id', ({ ctx, request, params }) => statusRedirect(ctx, request, params.id), { auth: 'public' })
    .get('/notice/:id', ({ ctx, request, params }) => statusRedirect(ctx, request, params.id), { auth: 'public' })
    .get('/objects/:id', ({ ctx, request, params }) => statusRedirect(ctx, request, params.id), { auth: 'public' })
    .get('/tags/:name', async ({ ctx, request, params, input }) => {
      const { name, format } = splitFormat(decode(params.name))
      const tag = name.replace(/^#/, '')
      if (!tag || tag.length > 200) throw new NotFoundError()
      if (format) return tagFeed(ctx, tag, format)
      assertHtmlWanted(request, false)
      const p = readPage(input, PAGE_SIZE)
      const rows = await publicTagStatuses(ctx, tag, p)
      const statuses = await renderStatuses(ctx, rows, null)
      const body = tagPage({ instanceName: ctx.config.instance.name, baseUrl: ctx.config.baseUrl, tag, statuses, pager: pagerFor(p, rows) })
      return page(body, { imgSources: imageUrls(statuses), cache: true })
    }, { auth: 'public' })

/** Pleroma's and ActivityPub's addresses of a post send browsers to its page. */
async function statusRedirect(ctx: Ctx, request: Request, id: string): Promise<Response> {
  assertHtmlWanted(request, true)
  const row = await findPublicStatus(ctx, id)
  const [status] = await renderStatuses(ctx, [row], null)
  return redirectResponse(statusPath(status))
}
