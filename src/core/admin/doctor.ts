// `rookery doctor`: checks an installation and says, for each problem, what to do about it.
import { existsSync, mkdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { count, eq, isNull, sql } from 'drizzle-orm'
import type { Config } from '../../config'
import { openContext } from '../../context'
import { resultRows } from '../../db/client'
import { MIGRATIONS } from '../../db/migrations.gen'
import { migrationStatus } from '../../db/migrate'
import { accounts, instanceSecrets, users } from '../../db/schema'
import type { Ctx } from '../context'
import { adoptIdentity, readIdentity } from '../instance/identity'
import { mediaStorage } from '../media/storage'
import { databaseStatus } from './database'

export type CheckState = 'ok' | 'warn' | 'fail' | 'skip'

export interface Check {
  id: string
  name: string
  state: CheckState
  detail: string
  /** what to do about a warning or failure */
  fix: string | null
}

export interface DoctorOptions {
  /** whether to ask the public URL for the instance (off: the check is skipped) */
  network: boolean
  timeoutMs: number
}

const MiB = 1024 * 1024
const GiB = 1024 * MiB
/** Below this much free space the database and uploads may fail to write. */
const DISK_FAIL_BYTES = 256 * MiB
const DISK_WARN_BYTES = 2 * GiB
/** Beyond these the embedded database is still correct, but one process and one core do all the work. */
const PGLITE_ADVICE = { bytes: 2 * GiB, localUsers: 100 }
/** HTTP signatures are refused when the clocks of two servers differ by more than Fedify's window (an hour). */
const CLOCK_WARN_SECONDS = 10
const CLOCK_FAIL_SECONDS = 300
/** A job running this long is most likely held by a process that died. */
const STUCK_ACTIVE_MINUTES = 30
const OVERDUE_MINUTES = 10

const ok = (id: string, name: string, detail: string): Check => ({ id, name, state: 'ok', detail, fix: null })
const warn = (id: string, name: string, detail: string, fix: string): Check => ({ id, name, state: 'warn', detail, fix })
const fail = (id: string, name: string, detail: string, fix: string): Check => ({ id, name, state: 'fail', detail, fix })
const skip = (id: string, name: string, detail: string): Check => ({ id, name, state: 'skip', detail, fix: null })

function bytes(n: number): string {
  if (n >= GiB) return `${(n / GiB).toFixed(1)} GiB`
  return `${Math.round(n / MiB)} MiB`
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms)
  })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}

const isLocalHost = (host: string) => /^(localhost|127\.|\[::1\])/.test(host)

export function checkConfiguration(config: Config): Check {
  const name = 'Configuration'
  let url: URL
  try {
    url = new URL(config.baseUrl)
  } catch {
    return fail('config', name, `the base URL "${config.baseUrl}" is not a URL`, 'set ROOKERY_BASE_URL to e.g. https://social.example.org')
  }
  const problems: string[] = []
  if (url.protocol !== 'https:' && !isLocalHost(url.host)) problems.push(`the base URL ${config.baseUrl} is not https: other servers and apps expect TLS`)
  if (url.host !== config.domain) problems.push(`the domain ${config.domain} differs from the base URL's host ${url.host}`)
  if (!config.mail.smtpUrl && !isLocalHost(config.domain)) problems.push('no SMTP server: confirmation and password-reset mail only reaches the server log')
  if (problems.length) {
    return warn('config', name, problems.join('; '), 'set ROOKERY_BASE_URL / ROOKERY_DOMAIN (before the first start) and ROOKERY_SMTP_URL as the README describes')
  }
  return ok('config', name, `${config.domain} at ${config.baseUrl}`)
}

/** The disk holding `path` (or its nearest existing parent). */
function freeSpace(path: string): { free: number; total: number } | null {
  let dir = path
  for (let i = 0; i < 64 && !existsSync(dir); i++) dir = join(dir, '..')
  try {
    const s = statfsSync(dir)
    return { free: Number(s.bavail) * Number(s.bsize), total: Number(s.blocks) * Number(s.bsize) }
  } catch {
    return null
  }
}

function diskCheck(id: string, name: string, path: string, what: string): Check {
  const space = freeSpace(path)
  if (!space) return skip(id, name, `cannot read the free space of ${path}`)
  const detail = `${bytes(space.free)} free of ${bytes(space.total)} at ${path}`
  const fix = `free space on the disk of ${path} (old backups, logs), or move ${what} to a larger disk`
  if (space.free < DISK_FAIL_BYTES) return fail(id, name, detail, fix)
  if (space.free < DISK_WARN_BYTES || space.free < space.total * 0.05) return warn(id, name, detail, fix)
  return ok(id, name, detail)
}

export async function checkMedia(config: Config, timeoutMs: number): Promise<Check[]> {
  const name = 'Media storage'
  if (config.media.s3) {
    const storage = mediaStorage(config)
    const key = `doctor/${randomBytes(8).toString('hex')}.txt`
    try {
      await withTimeout(storage.put(key, new TextEncoder().encode('rookery doctor'), 'text/plain'), timeoutMs, 'the bucket')
      await withTimeout(storage.delete(key), timeoutMs, 'the bucket')
      return [ok('media', name, `bucket ${config.media.s3.bucket} accepts writes`)]
    } catch (e) {
      return [fail('media', name, `cannot write to bucket ${config.media.s3.bucket}: ${(e as Error).message}`,
        'check ROOKERY_S3_BUCKET, ROOKERY_S3_ENDPOINT and that the key pair may put and delete objects')]
    }
  }
  const dir = config.media.dir
  const probe = join(dir, `.doctor-${randomBytes(6).toString('hex')}`)
  try {
    mkdirSync(dir, { recursive: true })
    writeFileSync(probe, 'rookery doctor')
    rmSync(probe, { force: true })
  } catch (e) {
    return [fail('media', name, `cannot write to ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      `let the user running rookery write to ${dir} (chown it), or set ROOKERY_MEDIA_DIR`)]
  }
  return [ok('media', name, `${dir} is writable`), diskCheck('media_disk', 'Media disk space', dir, 'the media folder (ROOKERY_MEDIA_DIR)')]
}

async function checkMigrations(ctx: Ctx): Promise<Check> {
  const name = 'Migrations'
  const status = await migrationStatus(ctx.db)
  const applied = status.filter((m) => m.applied).length
  const [recorded] = resultRows<{ n: number | string }>(await ctx.db.execute(sql`
    select case when to_regclass('drizzle.__drizzle_migrations') is null then 0
           else (select count(*) from drizzle.__drizzle_migrations) end as n`))
  const known = new Set(MIGRATIONS.map((m) => m.when))
  if (Number(recorded?.n ?? 0) > applied) {
    const [newest] = resultRows<{ created_at: string | number }>(await ctx.db.execute(sql`select max(created_at) as created_at from drizzle.__drizzle_migrations`))
    if (newest && !known.has(Number(newest.created_at))) {
      return fail('migrations', name, 'the database has migrations this version does not know: it was used by a newer Rookery',
        'run the newer version again, or restore a backup made with this one')
    }
  }
  const pending = status.length - applied
  if (pending) {
    return warn('migrations', name, `${applied} of ${status.length} applied, ${pending} pending`, 'run "rookery migrate" (rookery serve also applies them when it starts)')
  }
  return ok('migrations', name, `all ${status.length} applied`)
}

async function checkIdentity(ctx: Ctx): Promise<Check> {
  const name = 'Instance identity'
  const stored = await readIdentity(ctx.db)
  if (!stored) {
    return warn('identity', name, 'not stored yet: the first start stores the configured domain and base URL',
      'set ROOKERY_DOMAIN (and ROOKERY_BASE_URL) to their final values, then start rookery serve')
  }
  try {
    await adoptIdentity(ctx.db, structuredClone(ctx.config), { claim: false })
  } catch (e) {
    return fail('identity', name, (e as Error).message, `unset ROOKERY_DOMAIN / ROOKERY_BASE_URL, or set them to ${stored.domain} and ${stored.baseUrl}`)
  }
  return ok('identity', name, `${stored.domain} (${stored.baseUrl}), matches the configuration`)
}

async function checkPushKeys(ctx: Ctx): Promise<Check> {
  const name = 'Web Push keys'
  const [row] = await ctx.db.select({ value: instanceSecrets.value }).from(instanceSecrets).where(eq(instanceSecrets.name, 'vapid_keys'))
  if (!row) return ok('vapid', name, 'not made yet: made at the first push subscription or app registration')
  try {
    const keys = JSON.parse(row.value) as { publicKey?: unknown; privateKey?: unknown }
    if (typeof keys.publicKey === 'string' && typeof keys.privateKey === 'string' && keys.publicKey.length >= 80) {
      return ok('vapid', name, `present (public key ${keys.publicKey.slice(0, 12)}…)`)
    }
  } catch {}
  return fail('vapid', name, 'the stored VAPID key pair is unreadable', 'restore instance_secrets from a backup (new keys would end every push subscription)')
}

export async function checkQueue(ctx: Ctx): Promise<Check> {
  const name = 'Job queue'
  const [present] = resultRows<{ ok: boolean }>(await ctx.db.execute(sql`select to_regclass('pgboss.job') is not null as ok`))
  if (!present?.ok) return ok('queue', name, 'not set up yet: rookery serve creates it at its first start')
  const [row] = resultRows<{ failed: number | string; stuck: number | string; overdue: number | string; waiting: number | string }>(await ctx.db.execute(sql`
    select count(*) filter (where state = 'failed' and completed_on > now() - interval '1 day') as failed,
           count(*) filter (where state = 'active' and started_on < now() - make_interval(mins => ${STUCK_ACTIVE_MINUTES})) as stuck,
           count(*) filter (where state in ('created', 'retry') and start_after < now() - make_interval(mins => ${OVERDUE_MINUTES})) as overdue,
           count(*) filter (where state in ('created', 'retry', 'active')) as waiting
      from pgboss.job`))
  const failed = Number(row?.failed ?? 0)
  const stuck = Number(row?.stuck ?? 0)
  const overdue = Number(row?.overdue ?? 0)
  const detail = `${Number(row?.waiting ?? 0)} waiting or running, ${failed} failed in the last day, ${stuck} running for over ${STUCK_ACTIVE_MINUTES} min, ${overdue} due for over ${OVERDUE_MINUTES} min`
  if (stuck || overdue) {
    return warn('queue', name, detail, 'make sure rookery serve is running (it runs the jobs); its log tells why jobs fail or hang')
  }
  if (failed) return warn('queue', name, detail, 'read the server log for the failing jobs (outgoing mail, push, link previews, federation)')
  return ok('queue', name, detail)
}

async function checkClock(ctx: Ctx): Promise<Check> {
  const name = 'Clock'
  const before = Date.now()
  const [row] = resultRows<{ now: string | Date }>(await ctx.db.execute(sql`select now() as now`))
  const local = (before + Date.now()) / 2
  const database = new Date(row.now).getTime()
  const skew = Math.abs(local - database) / 1000
  const detail = `${new Date(local).toISOString()}, ${skew.toFixed(1)} s from the database server's clock`
  const fix = 'keep the clocks synchronised (systemd-timesyncd, chrony or ntpd): other servers refuse signatures from a wrong clock'
  if (new Date(local).getUTCFullYear() < 2025) return fail('clock', name, detail, fix)
  if (skew > CLOCK_FAIL_SECONDS) return fail('clock', name, detail, fix)
  if (skew > CLOCK_WARN_SECONDS) return warn('clock', name, detail, fix)
  return ok('clock', name, detail)
}

async function checkSize(ctx: Ctx): Promise<Check> {
  const name = 'Database size'
  const status = await databaseStatus(ctx, { tables: 0 })
  const [people] = await ctx.db.select({ n: count() }).from(users).innerJoin(accounts, eq(accounts.id, users.accountId)).where(isNull(accounts.suspendedAt))
  const local = Number(people?.n ?? 0)
  const detail = `${bytes(status.sizeBytes)}, ${local} local user${local === 1 ? '' : 's'}`
  if (ctx.config.databaseUrl) return ok('size', name, `${detail} on PostgreSQL`)
  if (status.sizeBytes > PGLITE_ADVICE.bytes || local > PGLITE_ADVICE.localUsers) {
    return warn('size', name, `${detail} on the embedded database, which runs in the server's one process`,
      'move to PostgreSQL: stop serve, then "rookery db move --to postgres://..." (see Running in production in the README)')
  }
  return ok('size', name, `${detail}: the embedded database suits this size`)
}

async function checkPublicUrl(config: Config, timeoutMs: number): Promise<Check> {
  const name = 'Public URL'
  const target = `${config.baseUrl}/api/v1/instance`
  const fix = `make sure rookery serve runs and the reverse proxy passes ${config.baseUrl} to it (DNS, TLS certificate, proxy_pass)`
  try {
    const res = await fetch(target, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual', headers: { accept: 'application/json' } })
    if (res.status !== 200) return warn('url', name, `${target} answered ${res.status}`, fix)
    const body = (await res.json().catch(() => null)) as { uri?: unknown } | null
    if (body?.uri !== config.domain) return warn('url', name, `${target} answers, but not as ${config.domain} (uri: ${String(body?.uri)})`, fix)
    const date = Date.parse(res.headers.get('date') ?? '')
    const skew = Number.isFinite(date) ? Math.abs(Date.now() - date) / 1000 : 0
    if (skew > CLOCK_WARN_SECONDS + 1) return warn('url', name, `${target} answers, but its clock is ${Math.round(skew)} s off this one`, 'synchronise the clocks of both machines')
    return ok('url', name, `${target} answers as ${config.domain}`)
  } catch (e) {
    const reason = (e as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e as Error).message
    return warn('url', name, `${target}: ${reason}`, fix)
  }
}

/** Runs every check; the database ones are skipped, not failed again, when the database cannot be opened. */
export async function runDoctor(config: Config, opts: DoctorOptions): Promise<Check[]> {
  const checks: Check[] = [checkConfiguration(config)]
  const dbChecks: Array<[id: string, name: string, run: (ctx: Ctx) => Promise<Check>]> = [
    ['migrations', 'Migrations', checkMigrations], ['identity', 'Instance identity', checkIdentity], ['vapid', 'Web Push keys', checkPushKeys],
    ['queue', 'Job queue', checkQueue], ['clock', 'Clock', checkClock], ['size', 'Database size', checkSize],
  ]
  let ctx: Ctx | null = null
  if (!config.databaseUrl && !existsSync(join(config.dataDir, 'pg', 'PG_VERSION'))) {
    checks.push(fail('database', 'Database', `no embedded database in ${config.dataDir}`,
      'point ROOKERY_DATA_DIR (or --data-dir) at the instance\'s data folder, set DATABASE_URL for PostgreSQL, or start rookery serve once to create it'))
  } else {
    try {
      ctx = await withTimeout(openContext({ config: structuredClone(config), role: 'cli' }), opts.timeoutMs * 2, 'the database')
      const [version] = resultRows<{ version: string; num: string | number }>(await withTimeout(ctx.db.execute(
        sql`select current_setting('server_version') as version, current_setting('server_version_num') as num`), opts.timeoutMs, 'the database'))
      const major = Math.floor(Number(version.num) / 10000)
      if (major < 13) {
        checks.push(fail('database', 'Database', `${ctx.database.describe}: PostgreSQL ${version.version}`, 'use PostgreSQL 13 or newer'))
      } else {
        checks.push(ok('database', 'Database', `${ctx.database.describe}: PostgreSQL ${version.version}`))
      }
    } catch (e) {
      await ctx?.database.close().catch(() => {})
      ctx = null
      checks.push(fail('database', 'Database', `cannot open the database: ${(e as Error).message.split('\n')[0]}`,
        config.databaseUrl ? 'check DATABASE_URL, that PostgreSQL runs and accepts this user' : 'check ROOKERY_DATA_DIR and that no other process holds the folder'))
    }
  }
  if (ctx) {
    try {
      for (const [id, name, run] of dbChecks) {
        try {
          checks.push(await withTimeout(run(ctx), opts.timeoutMs * 2, 'the database'))
        } catch (e) {
          checks.push(fail(id, name, `check failed: ${(e as Error).message.split('\n')[0]}`, 'check that the database is reachable, then run rookery doctor again'))
        }
      }
    } finally {
      await ctx.database.close().catch(() => {})
    }
  } else {
    for (const [id, name] of dbChecks) checks.push(skip(id, name, 'needs the database'))
  }
  checks.push(...(await checkMedia(config, opts.timeoutMs)))
  if (!config.databaseUrl) checks.push(diskCheck('data_disk', 'Data disk space', config.dataDir, 'the data folder (ROOKERY_DATA_DIR)'))
  checks.push(opts.network ? await checkPublicUrl(config, opts.timeoutMs) : skip('url', 'Public URL', 'not asked (--offline)'))
  return checks
}
