import { sql, type SQL } from 'drizzle-orm'
import type { Config, RateLimitName } from '../../config'
import type { DbLike } from '../../db/client'
import { resultRows } from '../../db/client'
import { oauthTokens, rateLimitCounters, users } from '../../db/schema'
import { sha256 } from '../secrets'
import { ipBucket } from './client-ip'

/**
 * Who a bucket counts: an address (IPv6 by /64), a login name that was tried, the token presented (its IP when the
 * token is unknown, so made-up tokens do not buy fresh buckets) or the account behind the token (nothing when unknown:
 * such a request fails authentication anyway).
 */
export type RateLimitSubject =
  | { kind: 'ip'; ip: string }
  | { kind: 'login'; login: string }
  | { kind: 'token'; token: string; ip: string }
  | { kind: 'account'; token: string }
  | { kind: 'domain'; domain: string }

export interface RateLimitHit {
  name: RateLimitName
  subject: RateLimitSubject
}

export interface RateLimitState {
  name: RateLimitName
  limit: number
  count: number
  remaining: number
  resetAt: Date
  exceeded: boolean
}

const liveToken = (token: string) => sql`${oauthTokens.tokenHash} = ${sha256(token)} and ${oauthTokens.revokedAt} is null`

function keySql(hit: RateLimitHit): SQL {
  const prefix = `${hit.name}:`
  const s = hit.subject
  switch (s.kind) {
    case 'ip': return sql`${`${prefix}ip:${ipBucket(s.ip)}`}::text`
    case 'domain': return sql`${`${prefix}domain:${s.domain.toLowerCase().slice(0, 260)}`}::text`
    case 'login': return sql`${`${prefix}login:${s.login.trim().toLowerCase().slice(0, 320)}`}::text`
    case 'token': return sql`${prefix}::text || coalesce(
      (select 'token:' || ${oauthTokens.id}::text from ${oauthTokens} where ${liveToken(s.token)} limit 1),
      ${`ip:${ipBucket(s.ip)}`}::text)`
    case 'account': return sql`${prefix}::text || (
      select 'account:' || ${users.accountId}::text from ${oauthTokens} join ${users} on ${users.id} = ${oauthTokens.userId}
      where ${liveToken(s.token)} limit 1)`
  }
}

/**
 * Counts one request in every given bucket with a single atomic statement (an upsert per key: a fixed window that
 * starts with its first request), so several server processes share the counts and concurrent requests never
 * admit more than the limit.
 */
export async function hitRateLimits(db: DbLike, config: Config, hits: RateLimitHit[]): Promise<RateLimitState[]> {
  const unique = new Map<string, RateLimitHit>()
  for (const hit of hits) unique.set(`${hit.name}:${JSON.stringify(hit.subject)}`, hit)
  const list = [...unique.values()]
  if (!list.length) return []
  const rows = list.map((hit) => sql`(${hit.name}::text, ${keySql(hit)}, ${config.rateLimits.limits[hit.name].periodSeconds}::int)`)
  const result = await db.execute(sql`
    insert into ${rateLimitCounters} as c ("key", "count", "reset_at")
    select v.key, 1, now() + make_interval(secs => v.period)
    from (values ${sql.join(rows, sql`, `)}) as v(name, key, period)
    where v.key is not null
    on conflict ("key") do update set
      "count" = case when c.reset_at <= now() then 1 else c.count + 1 end,
      "reset_at" = case when c.reset_at <= now() then excluded.reset_at else c.reset_at end
    returning c.key, c.count, c.reset_at`)
  return resultRows<{ key: string; count: number; reset_at: string | Date }>(result).map((row) => {
    const name = row.key.slice(0, row.key.indexOf(':')) as RateLimitName
    const { limit } = config.rateLimits.limits[name]
    const count = Number(row.count)
    return {
      name,
      limit,
      count,
      remaining: Math.max(0, limit - count),
      resetAt: new Date(row.reset_at),
      exceeded: count > limit,
    }
  })
}

/** Drops finished windows; cheap enough to run now and then from any process. */
export async function pruneRateLimits(db: DbLike): Promise<void> {
  await db.execute(sql`delete from ${rateLimitCounters} where ${rateLimitCounters.resetAt} < now()`)
}

export interface LimitedRequest {
  method: string
  path: string
  input: Record<string, unknown>
  /** a bearer token or session cookie, as presented (not yet checked) */
  token: string | null
  /** the login of HTTP Basic credentials, if any */
  basicLogin: string | null
  ip: string
}

/** `/API//v1/apps.json/` is `/api/v1/apps`: every spelling the router might accept counts in one bucket. */
export function normalizePath(path: string): string {
  let p = path
  try {
    p = decodeURIComponent(p)
  } catch {}
  p = p.toLowerCase().replace(/\/{2,}/g, '/').replace(/\/+$/, '')
  return p.replace(/\.json$/, '') || '/'
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() ? value.trim() : null
}

const PASSWORD_CHECKING = /^\/api\/(v1\/)?pleroma\/(change_password|change_email|delete_account|disable_account|move_account)$/
const MFA_CHANGE = /^\/api\/(v1\/)?pleroma\/accounts\/mfa\/(confirm\/[^/]+|[^/]+)$/

/**
 * The buckets a request counts in, Mastodon style: every API call per token (or IP), logins per IP and per login
 * tried, sign-ups and app registrations per IP, posting and reporting per account, password-checking actions per
 * account, and reset or confirmation e-mails per IP and per address asked for.
 */
export function requestLimits(req: LimitedRequest): RateLimitHit[] {
  const path = normalizePath(req.path)
  const method = req.method.toUpperCase()
  const post = method === 'POST'
  const hits: RateLimitHit[] = []
  const ip: RateLimitSubject = { kind: 'ip', ip: req.ip }
  const login = (name: RateLimitName, value: unknown) => {
    const l = text(value)
    if (l) hits.push({ name, subject: { kind: 'login', login: l.replace(/^@/, '') } })
  }
  const perAccount = (name: RateLimitName) => {
    if (req.token) hits.push({ name, subject: { kind: 'account', token: req.token } })
  }

  if (path.startsWith('/api/')) {
    hits.push({ name: 'api', subject: req.token ? { kind: 'token', token: req.token, ip: req.ip } : ip })
  }
  if (req.basicLogin !== null && !path.startsWith('/oauth/')) {
    hits.push({ name: 'loginIp', subject: ip })
    login('loginAccount', req.basicLogin)
  }
  if (post && path === '/oauth/token' && req.input.grant_type === 'password') {
    hits.push({ name: 'loginIp', subject: ip })
    login('loginAccount', req.input.username ?? req.input.name)
  }
  if (post && path === '/oauth/authorize') {
    const form = (typeof req.input.authorization === 'object' && req.input.authorization) ? { ...req.input, ...(req.input.authorization as object) } as Record<string, unknown> : req.input
    if (form.password !== undefined || form.name !== undefined || form.username !== undefined) {
      hits.push({ name: 'loginIp', subject: ip })
      login('loginAccount', form.name ?? form.username)
    }
  }
  if (post && path === '/auth/sign_in') {
    hits.push({ name: 'loginIp', subject: ip })
    login('loginAccount', req.input.username)
  }
  if (post && (path === '/oauth/mfa/challenge' || path === '/oauth/mfa/verify')) hits.push({ name: 'loginIp', subject: ip })
  if (post && (path === '/api/v1/accounts' || path === '/auth/sign_up')) hits.push({ name: 'signUp', subject: ip })
  if (post && path === '/api/v1/apps') hits.push({ name: 'apps', subject: ip })
  if (post && (path === '/api/v1/statuses' || /^\/api\/v1\/statuses\/[^/]+\/reblog$/.test(path))) perAccount('statuses')
  if (post && path === '/api/v1/reports') perAccount('reports')
  if ((post && (PASSWORD_CHECKING.test(path) || /^\/api\/(v1\/)?pleroma\/accounts\/mfa\/confirm\//.test(path)))
    || (method === 'DELETE' && MFA_CHANGE.test(path))) perAccount('password')
  if (post && (path === '/auth/password' || path === '/api/v1/pleroma/accounts/confirmation_resend' || path === '/api/pleroma/accounts/confirmation_resend')) {
    hits.push({ name: 'emailIp', subject: ip })
    login('emailAccount', req.input.email ?? req.input.nickname)
  }
  return hits
}

/** The state to report in `X-RateLimit-*`: an exceeded bucket if any, else the one closest to its limit. */
export function tightest(states: RateLimitState[]): RateLimitState | null {
  if (!states.length) return null
  const exceeded = states.filter((s) => s.exceeded)
  const pool = exceeded.length ? exceeded : states
  return pool.reduce((a, b) => (b.remaining < a.remaining || (b.remaining === a.remaining && b.resetAt > a.resetAt) ? b : a))
}

export function rateLimitHeaders(state: RateLimitState, now = Date.now()): Record<string, string> {
  const headers: Record<string, string> = {
    'x-ratelimit-limit': String(state.limit),
    'x-ratelimit-remaining': String(state.remaining),
    'x-ratelimit-reset': state.resetAt.toISOString(),
  }
  if (state.exceeded) headers['retry-after'] = String(Math.max(1, Math.ceil((state.resetAt.getTime() - now) / 1000)))
  return headers
}
