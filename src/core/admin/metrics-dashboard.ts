// Mastodon's admin dashboard figures: measures (a total and daily values over a period) and dimensions (the top
// values of something), for the instance as a whole and for one other server (`instance_*`, with `{domain}`).
import { sql, type SQL } from 'drizzle-orm'
import { resultRows } from '../../db/client'
import { ROOKERY_VERSION } from '../../version'
import type { Ctx } from '../context'
import { BadRequestError } from '../errors'
import { idAtTime, idToUuid } from '../ids'
import { isPlainObject } from '../params'

const DAY_MS = 86_400_000
/** Longest period asked about, so one request never reads years of rows day by day. */
const MAX_DAYS = 1000
const DEFAULT_DAYS = 30

export interface Period {
  /** midnight UTC of the first day */
  start: Date
  /** the end of the last day (exclusive) */
  end: Date
}

/** `start_at` and `end_at` (dates or date-times, either may be left out) as whole UTC days. */
export function parsePeriod(startAt: unknown, endAt: unknown, now = new Date()): Period {
  const day = (value: unknown, name: string, fallback: Date): Date => {
    if (value === undefined || value === null || value === '') return fallback
    const d = new Date(String(value))
    if (Number.isNaN(d.getTime())) throw new BadRequestError(`${name} is not a date`)
    return d
  }
  const midnight = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()))
  const last = midnight(day(endAt, 'end_at', now))
  const first = midnight(day(startAt, 'start_at', new Date(last.getTime() - (DEFAULT_DAYS - 1) * DAY_MS)))
  if (first > last) throw new BadRequestError('start_at is after end_at')
  if ((last.getTime() - first.getTime()) / DAY_MS >= MAX_DAYS) throw new BadRequestError(`The period is longer than ${MAX_DAYS} days`)
  return { start: first, end: new Date(last.getTime() + DAY_MS) }
}

const previousPeriod = (p: Period): Period => {
  const length = p.end.getTime() - p.start.getTime()
  return { start: new Date(p.start.getTime() - length), end: p.start }
}

export interface Measure {
  key: string
  unit: string | null
  total: string
  human_value?: string
  previous_total?: string
  data: { date: string; value: string }[]
}

/** `instance_accounts[domain]` and the like, from the request; a measure with parameters needs its `domain`. */
export type MeasureParams = Record<string, unknown>

function domainParam(params: MeasureParams, key: string): string {
  const given = params[key]
  const domain = isPlainObject(given) ? given.domain : params[`${key}[domain]`]
  if (typeof domain !== 'string' || !domain.trim()) throw new BadRequestError(`param is missing or the value is empty: ${key}`)
  return domain.trim().toLowerCase()
}

const iso = (d: Date) => d.toISOString()
const bounds = (p: Period) => sql`${iso(p.start)}::timestamptz and ${iso(p.end)}::timestamptz`

/** Per-day values of `query` (rows of `day` as epoch seconds and `n`) over the period, zero where nothing happened. */
async function daily(ctx: Ctx, p: Period, query: SQL): Promise<Measure['data']> {
  const rows = resultRows<{ day: string | number; n: string | number }>(await ctx.db.execute(query))
  const byDay = new Map(rows.map((r) => [Number(r.day) * 1000, Number(r.n)]))
  const out: Measure['data'] = []
  for (let t = p.start.getTime(); t < p.end.getTime(); t += DAY_MS) out.push({ date: new Date(t).toISOString(), value: String(byDay.get(t) ?? 0) })
  return out
}

async function scalar(ctx: Ctx, query: SQL): Promise<number> {
  const [row] = resultRows<{ n: string | number | null }>(await ctx.db.execute(query))
  return Number(row?.n ?? 0)
}

const dayOf = (column: SQL) => sql`extract(epoch from date_trunc('day', ${column} at time zone 'UTC'))::bigint`

/** Sign-ins (a token issued, or the recorded last sign-in) in a period, as `user_id, at`. */
const signIns = (p: Period) => sql`
  select user_id, created_at as at from oauth_tokens where user_id is not null and created_at between ${bounds(p)}
  union all select id, last_sign_in_at from users where last_sign_in_at between ${bounds(p)}`

/** Favourites, reblogs and replies that local posts received in a period, as `at`. */
const interactions = (p: Period) => sql`
  select f.created_at as at from favourites f join statuses s on s.id = f.status_id where s.local and f.created_at between ${bounds(p)}
  union all select r.created_at from statuses r join statuses s on s.id = r.reblog_of_id where s.local and r.created_at between ${bounds(p)}
  union all select r.created_at from statuses r join statuses s on s.id = r.in_reply_to_id where s.local and r.reblog_of_id is null and r.created_at between ${bounds(p)}`

interface MeasureDef {
  unit?: string
  withDomain?: boolean
  /** the total is the period's (with the previous period's beside it), not of all time */
  inPeriod: boolean
  total(ctx: Ctx, p: Period, domain: string): Promise<number>
  data(ctx: Ctx, p: Period, domain: string): Promise<Measure['data']>
  human?(total: number): string
}

/** A measure counting rows of `from` (an SQL source with an `at` column) per day, and in all or within the period. */
function counting(from: (p: Period | null, domain: string) => SQL, inPeriod: boolean, withDomain = false, sum = sql`count(*)`): MeasureDef {
  return {
    inPeriod,
    withDomain,
    total: (ctx, p, domain) => scalar(ctx, sql`select ${sum} as n from (${from(inPeriod ? p : null, domain)}) x`),
    data: (ctx, p, domain) => daily(ctx, p, sql`select ${dayOf(sql`at`)} as day, ${sum} as n from (${from(p, domain)}) x group by 1`),
  }
}

const within = (column: SQL, p: Period | null) => (p ? sql`and ${column} between ${bounds(p)}` : sql``)

function humanBytes(n: number): string {
  const units = ['Bytes', 'KB', 'MB', 'GB', 'TB']
  let i = 0
  let v = n
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++ }
  return `${i ? v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0).replace(/\.?0+$/, '') : v} ${units[i]}`
}

const MEASURES: Record<string, MeasureDef> = {
  active_users: {
    inPeriod: true,
    total: (ctx, p) => scalar(ctx, sql`select count(distinct user_id) as n from (${signIns(p)}) x`),
    data: (ctx, p) => daily(ctx, p, sql`select ${dayOf(sql`at`)} as day, count(distinct user_id) as n from (${signIns(p)}) x group by 1`),
  },
  new_users: counting((p) => sql`select created_at as at from users where true ${within(sql`created_at`, p)}`, true),
  interactions: counting((p) => interactions(p!), true),
  opened_reports: counting((p) => sql`select created_at as at from reports where true ${within(sql`created_at`, p)}`, true),
  resolved_reports: counting((p) => sql`select action_taken_at as at from reports where action_taken_at is not null ${within(sql`action_taken_at`, p)}`, true),
  instance_accounts: counting((p, d) => sql`select created_at as at from accounts where domain = ${d} ${within(sql`created_at`, p)}`, false, true),
  instance_statuses: counting((p, d) => sql`select s.created_at as at from statuses s join accounts a on a.id = s.account_id
    where a.domain = ${d} ${within(sql`s.created_at`, p)}`, false, true),
  instance_media_attachments: {
    ...counting((p, d) => sql`select m.created_at as at, m.file_size from media_attachments m join accounts a on a.id = m.account_id
      where a.domain = ${d} ${within(sql`m.created_at`, p)}`, false, true, sql`coalesce(sum(file_size), 0)`),
    unit: 'bytes',
    human: humanBytes,
  },
  // follows of accounts there (by anyone here), and accounts there following anyone here, as Mastodon counts them
  instance_follows: counting((p, d) => sql`select f.created_at as at from follows f join accounts a on a.id = f.target_account_id
    where a.domain = ${d} ${within(sql`f.created_at`, p)}`, false, true),
  instance_followers: counting((p, d) => sql`select f.created_at as at from follows f join accounts a on a.id = f.account_id
    where a.domain = ${d} ${within(sql`f.created_at`, p)}`, false, true),
  instance_reports: counting((p, d) => sql`select r.created_at as at from reports r join accounts a on a.id = r.target_account_id
    where a.domain = ${d} ${within(sql`r.created_at`, p)}`, false, true),
}

export const MEASURE_KEYS = Object.keys(MEASURES)

/** `POST /api/v1/admin/measures`: the named measures, in the order asked; unknown names are left out, as Mastodon does. */
export async function adminMeasures(ctx: Ctx, keys: string[], period: Period, params: MeasureParams): Promise<Measure[]> {
  const known = [...new Set(keys)].filter((k) => Object.hasOwn(MEASURES, k))
  const domains = new Map(known.filter((k) => MEASURES[k].withDomain).map((k) => [k, domainParam(params, k)]))
  const out: Measure[] = []
  for (const key of known) {
    const def = MEASURES[key]
    const domain = domains.get(key) ?? ''
    const [total, data, previous] = await Promise.all([
      def.total(ctx, period, domain),
      def.data(ctx, period, domain),
      def.inPeriod ? def.total(ctx, previousPeriod(period), domain) : Promise.resolve(null),
    ])
    out.push({
      key,
      unit: def.unit ?? null,
      total: String(total),
      ...(def.human ? { human_value: def.human(total) } : {}),
      ...(previous !== null ? { previous_total: String(previous) } : {}),
      data,
    })
  }
  return out
}

export interface Dimension {
  key: string
  data: { key: string; human_key: string; value: string; unit?: string; human_value?: string }[]
}

const languageName = (code: string) => {
  try {
    return new Intl.DisplayNames(['en'], { type: 'language' }).of(code) ?? code
  } catch {
    return code
  }
}

type DimensionDef = { withDomain?: boolean; query(ctx: Ctx, p: Period, limit: number, domain: string): Promise<Dimension['data']> }

async function keyed(ctx: Ctx, query: SQL, human: (key: string) => string = (k) => k): Promise<Dimension['data']> {
  return resultRows<{ key: string; value: string | number }>(await ctx.db.execute(query))
    .map((r) => ({ key: r.key, human_key: human(r.key), value: String(r.value) }))
}

const DIMENSIONS: Record<string, DimensionDef> = {
  // posts written in the period, per server (this one included), the busiest first
  servers: {
    query: (ctx, p, limit) => keyed(ctx, sql`
      select coalesce(a.domain, ${ctx.config.domain}) as key, count(*) as value from statuses s join accounts a on a.id = s.account_id
      where s.id >= ${idToUuid(idAtTime(p.start))}::uuid and s.id < ${idToUuid(idAtTime(p.end))}::uuid
      group by a.domain order by count(*) desc, 1 limit ${limit}`),
  },
  software_versions: {
    async query(ctx) {
      const [row] = resultRows<{ version: string }>(await ctx.db.execute(sql`select version() as version`))
      const postgres = /^(?:PostgreSQL )?(\S+)/.exec(row?.version ?? '')?.[1] ?? ''
      return [
        { key: 'rookery', human_key: 'Rookery', value: ROOKERY_VERSION, human_value: ROOKERY_VERSION },
        { key: 'bun', human_key: 'Bun', value: Bun.version, human_value: Bun.version },
        { key: 'postgresql', human_key: ctx.database.pglite ? 'PostgreSQL (embedded)' : 'PostgreSQL', value: postgres, human_value: postgres },
      ]
    },
  },
  // the languages of the users who signed in during the period
  languages: {
    query: (ctx, p, limit) => keyed(ctx, sql`
      select u.locale as key, count(distinct u.id) as value from users u join (${signIns(p)}) s on s.user_id = u.id
      group by u.locale order by 2 desc, 1 limit ${limit}`, languageName),
  },
  // the accounts there with the most followers here
  instance_accounts: {
    withDomain: true,
    query: (ctx, _p, limit, domain) => keyed(ctx, sql`
      select a.username as key, count(f.id) as value from accounts a left join follows f on f.target_account_id = a.id
      where a.domain = ${domain} group by a.id, a.username order by 2 desc, 1 limit ${limit}`),
  },
  // the languages of the posts from there in the period
  instance_languages: {
    withDomain: true,
    query: (ctx, p, limit, domain) => keyed(ctx, sql`
      select s.language as key, count(*) as value from statuses s join accounts a on a.id = s.account_id
      where a.domain = ${domain} and s.language is not null and s.created_at between ${bounds(p)}
      group by s.language order by 2 desc, 1 limit ${limit}`, languageName),
  },
}

export const DIMENSION_KEYS = Object.keys(DIMENSIONS)
const MAX_LIMIT = 1000

/** `POST /api/v1/admin/dimensions`: the named dimensions, each its top `limit` values; unknown names are left out. */
export async function adminDimensions(ctx: Ctx, keys: string[], period: Period, limit: number, params: MeasureParams): Promise<Dimension[]> {
  const known = [...new Set(keys)].filter((k) => Object.hasOwn(DIMENSIONS, k))
  const domains = new Map(known.filter((k) => DIMENSIONS[k].withDomain).map((k) => [k, domainParam(params, k)]))
  const top = Math.max(1, Math.min(limit, MAX_LIMIT))
  const out: Dimension[] = []
  for (const key of known) out.push({ key, data: await DIMENSIONS[key].query(ctx, period, top, domains.get(key) ?? '') })
  return out
}
