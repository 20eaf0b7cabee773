import { existsSync, readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { resolve } from 'node:path'
import { memoryBudgetMb } from './core/memory-budget'

export type RegistrationMode = 'open' | 'invite' | 'approval' | 'closed'

/** A fixed window: at most `limit` requests per `periodSeconds`. */
export interface RateLimit {
  limit: number
  periodSeconds: number
}

/**
 * Buckets of the request limits (see src/core/security/rate-limit.ts for what each one counts and by which key).
 * Defaults follow Mastodon's throttles.
 */
export const DEFAULT_RATE_LIMITS = {
  /** every /api/ request, per token (or per IP without one) */
  api: { limit: 300, periodSeconds: 300 },
  /** login attempts (password grant, login form, MFA codes, HTTP Basic), per IP */
  loginIp: { limit: 25, periodSeconds: 300 },
  /** login attempts per nickname or e-mail tried */
  loginAccount: { limit: 25, periodSeconds: 3600 },
  /** POST /api/v1/accounts, per IP */
  signUp: { limit: 5, periodSeconds: 1800 },
  /** POST /api/v1/apps, per IP */
  apps: { limit: 5, periodSeconds: 600 },
  /** new statuses and reblogs, per account */
  statuses: { limit: 300, periodSeconds: 10_800 },
  /** reports, per account */
  reports: { limit: 400, periodSeconds: 86_400 },
  /** actions that check the current password (change password or e-mail, delete, MFA), per account */
  password: { limit: 10, periodSeconds: 600 },
  /** password resets and confirmation e-mails, per IP */
  emailIp: { limit: 25, periodSeconds: 300 },
  /** password resets and confirmation e-mails, per address or nickname asked for */
  emailAccount: { limit: 5, periodSeconds: 1800 },
  /** ActivityPub inbox deliveries, per remote address */
  inboxIp: { limit: 1500, periodSeconds: 300 },
  /** ActivityPub inbox deliveries, per domain of the signing key */
  inboxDomain: { limit: 1500, periodSeconds: 300 },
} satisfies Record<string, RateLimit>

export type RateLimitName = keyof typeof DEFAULT_RATE_LIMITS

/** An S3-compatible bucket for uploads (AWS S3, MinIO, Garage, R2...). */
export interface S3Config {
  bucket: string
  /** e.g. `https://s3.eu-central-1.amazonaws.com` or `http://127.0.0.1:9000`; AWS's default when empty */
  endpoint: string | null
  region: string
  accessKeyId: string
  secretAccessKey: string
  /** where clients fetch the files, e.g. `https://media.example.org`; derived from endpoint and bucket when empty */
  publicUrl: string | null
  /** `https://<bucket>.<endpoint host>` addressing instead of `<endpoint>/<bucket>` */
  virtualHostedStyle: boolean
}

export interface Config {
  /** Public host name (and port, if not standard) the instance is known by, e.g. `social.example.org`. */
  domain: string
  /** Scheme + domain used to build absolute URLs. */
  baseUrl: string
  /**
   * Whether `domain` / `baseUrl` were given (file, environment or flags) rather than derived from the port. Given
   * ones must match the identity stored at first start (src/core/instance/identity.ts); derived ones yield to it.
   */
  identityGiven: { domain: boolean; baseUrl: boolean }
  host: string
  port: number
  /** PostgreSQL connection string; embedded PGlite in `dataDir` when absent. */
  databaseUrl: string | null
  /** Connections this process opens to PostgreSQL at most (`ROOKERY_DB_POOL`, default `defaultPoolSize()`). */
  databasePoolSize: number
  /**
   * Connections of their own for transactions, besides `databasePoolSize` (`ROOKERY_DB_WRITE_POOL`, default 0:
   * transactions take connections of the one pool).
   */
  databaseWritePoolSize: number
  /**
   * Resident memory `serve` and `worker` aim to stay under, in MB (`ROOKERY_MEMORY_BUDGET_MB`; 150 on PostgreSQL, none
   * on the embedded database; 0 for none). See src/core/memory-budget.ts.
   */
  memoryBudgetMb: number
  dataDir: string
  /**
   * The embedded database syncs each commit to the disk, so acknowledged writes survive a crash of the machine
   * (`ROOKERY_PGLITE_FSYNC`, default on; off trades that for PGlite's own unsynced writes).
   */
  pgliteFsync: boolean
  registrations: RegistrationMode
  instance: {
    name: string
    description: string
    shortDescription: string
    contactEmail: string
    languages: string[]
    rules: string[]
  }
  limits: {
    maxTootChars: number
    maxBioChars: number
    maxNameChars: number
    maxProfileFields: number
    maxFieldNameChars: number
    maxFieldValueChars: number
    pollMaxOptions: number
    pollMaxOptionChars: number
    pollMinExpiration: number
    pollMaxExpiration: number
    uploadLimit: number
    avatarUploadLimit: number
    bannerUploadLimit: number
    backgroundUploadLimit: number
    maxMediaAttachments: number
    maxPinnedStatuses: number
    /** Characters in one shoutbox message (Pleroma's `shout.limit`). */
    shoutChars: number
  }
  media: {
    /** Folder of uploaded files when they are kept locally (served at `/media/...`); default `<dataDir>/media`. */
    dir: string
    /** Public URL prefix of uploaded files; default `<baseUrl>/media` locally, the bucket's public URL on S3. */
    baseUrl: string | null
    /** Store uploads in this bucket instead of `dir`. */
    s3: S3Config | null
  }
  /** Require a solved captcha on registration. */
  captcha: boolean
  /** Pleroma's shoutbox: one chat room for every local user, on the `/socket` WebSocket Pleroma-FE opens. */
  shoutbox: boolean
  /** Require e-mail confirmation before login. */
  accountActivationRequired: boolean
  /** Log each request (method, route, status, duration, request id, account). */
  logRequests: boolean
  /** `text`: readable lines; `json`: one JSON object per line, for log collectors (and request logging on by default). */
  logFormat: 'text' | 'json'
  /**
   * Prometheus metrics at `/metrics`: off by default. With a token, scrapers send `Authorization: Bearer <token>` from
   * anywhere; enabled without one, only clients on this machine that did not come through a proxy may read them.
   */
  metrics: { enabled: boolean; token: string | null }
  /** Request limits shared by every server process; `enabled: false` turns them all off. */
  rateLimits: { enabled: boolean; limits: Record<RateLimitName, RateLimit> }
  /**
   * Reverse proxies (addresses or CIDR ranges) whose `X-Forwarded-For` is believed. Empty: the client address is
   * the connection's, whatever the headers say.
   */
  trustedProxies: string[]
  /**
   * Let server-initiated fetches (link previews) reach loopback and private addresses. Off by default: a status's
   * link must not make the server probe its own network. `'loopback'` permits this machine only. For tests and
   * closed networks.
   */
  fetchPrivateNetwork: boolean | 'loopback'
  /** Outgoing mail. Without `smtpUrl` (e.g. `smtps://user:pass@mail.example:465`) messages go to the server log. */
  mail: { smtpUrl: string | null; from: string }
  /** Accept Web Push endpoints over plain http on loopback addresses (for tests and local push relays). */
  pushAllowLoopbackHttp: boolean
  /**
   * How often a process working jobs looks for due jobs no one announced, in seconds (at least 0.5; default 30). Sent
   * jobs wake the workers on commit and delayed ones when due, so this only bounds how late the rest start.
   */
  jobPollingSeconds: number
  /**
   * Followers past which a local account's new status reaches its followers' home feeds from a job instead of within
   * the posting request (default 1,000): the post is answered at once, whatever its author's following. The author's own
   * feed, mentions and lists still get it in the request.
   */
  inlineFanOutFollowers: number
  /**
   * How long the counts the instance publishes to anyone (users, monthly and half-yearly active users, statuses, known
   * domains; `/api/v1/instance`, `/api/v2/instance`, NodeInfo) are reused before they are counted again, in seconds
   * (default 60; 0 counts them for every request). Counting reads every local user.
   */
  instanceStatsSeconds: number
  /**
   * Media of other servers (avatars, headers, attachments). `cache` (default): fetched in the background through the
   * media pipeline and served from here, within `cacheMaxBytes` in all (oldest evicted first), files older than
   * `retentionDays` pruned daily when set; `proxy`: streamed through `/proxy/...` on each request; `off`: clients load
   * them from the other server.
   */
  remoteMedia: { mode: RemoteMediaMode; cacheMaxBytes: number; retentionDays: number | null; fetchTimeoutSeconds: number }
  federation: {
    /**
     * Fetch actors and objects from private, loopback and link-local addresses. For tests on one machine only:
     * on a public instance it would let remote servers make this one probe its own network.
     */
    allowPrivate: boolean
    /**
     * First retry delay of a failed delivery or inbox job, doubled (with jitter) on each further attempt. Tests
     * shorten it to see a delivery to a stopped instance arrive once it is back.
     */
    retryDelaySeconds: number
    /**
     * Authorized fetch (Mastodon's secure mode): actor documents, objects and collections answer only signed requests
     * (an unsigned request gets an actor's key, not its profile), and suspended domains get nothing.
     */
    authorizedFetch: boolean
    /** Outbox deliveries one process makes at once (`ROOKERY_DELIVERY_CONCURRENCY`, default 8). */
    deliveryConcurrency: number
    /**
     * Of those, how many may go to one remote host at once (`ROOKERY_DELIVERY_PER_HOST`, default 2), so a slow host
     * cannot take every slot; a delivery to a busy host is put back for a moment.
     */
    deliveryPerHost: number
    /**
     * Inbox activities one process handles at once (`ROOKERY_INBOX_CONCURRENCY`, default 8); activities about the
     * same object, or from the same actor about its relationships, still run one after another.
     */
    inboxConcurrency: number
    /**
     * Limited federation (`ROOKERY_LIMITED_FEDERATION`): only domains on the allow list (admin domain allows, or
     * `mrf.simple.accept`) federate with this instance.
     */
    limited: boolean
    /** Who may read `/api/v1/instance/domain_blocks`: everyone, signed-in users (default), or nobody. */
    showDomainBlocks: 'all' | 'users' | 'none'
    /** Pleroma's message rewrite policies, as instance configuration. */
    mrf: { simple: MrfSimple; keyword: MrfKeyword }
  }
}

/** Pleroma's simple policy: per action, the domains (and their subdomains) it applies to. */
export interface MrfSimple {
  reject: MrfDomain[]
  accept: MrfDomain[]
  followers_only: MrfDomain[]
  media_removal: MrfDomain[]
  media_nsfw: MrfDomain[]
  federated_timeline_removal: MrfDomain[]
  report_removal: MrfDomain[]
  avatar_removal: MrfDomain[]
  banner_removal: MrfDomain[]
}

export type MrfSimpleAction = keyof MrfSimple

export interface MrfDomain { domain: string; reason: string }

/** Pleroma's keyword policy: words, or `/regular expressions/i`, that reject a remote post or take it off public timelines. */
export interface MrfKeyword {
  reject: string[]
  federated_timeline_removal: string[]
  /** text replaced in a remote post's content and content warning (pattern as in `reject`) */
  replace: MrfReplacement[]
}

export interface MrfReplacement { pattern: string; replacement: string }

/** `[["pattern", "replacement"], {"pattern": "p", "replacement": "r"}]` → replacements. */
export function mrfReplacements(value: unknown): MrfReplacement[] {
  if (!Array.isArray(value)) return []
  return value.flatMap((v): MrfReplacement[] => {
    const [pattern, replacement] = Array.isArray(v) ? [v[0], v[1]] : v && typeof v === 'object' ? [(v as any).pattern, (v as any).replacement] : []
    return typeof pattern === 'string' && pattern && typeof replacement === 'string' ? [{ pattern, replacement }] : []
  })
}

export const MRF_SIMPLE_ACTIONS: MrfSimpleAction[] = [
  'reject', 'accept', 'followers_only', 'media_removal', 'media_nsfw', 'federated_timeline_removal', 'report_removal',
  'avatar_removal', 'banner_removal',
]

/** `["example.org", {"domain": "b.example", "reason": "spam"}, ["c.example", "spam"]]` → entries; `*.` is implied. */
export function mrfDomains(value: unknown): MrfDomain[] {
  if (!Array.isArray(value)) return []
  return value.flatMap((v): MrfDomain[] => {
    const [domain, reason] = typeof v === 'string' ? [v, ''] : Array.isArray(v) ? [v[0], v[1]] : v && typeof v === 'object' ? [(v as any).domain ?? (v as any).host, (v as any).reason] : []
    if (typeof domain !== 'string' || !domain.trim()) return []
    return [{ domain: domain.trim().toLowerCase().replace(/^\*\./, ''), reason: typeof reason === 'string' ? reason : '' }]
  })
}

function mrfConfig(given: { simple?: object; keyword?: object } | undefined): Config['federation']['mrf'] {
  const simple = Object.fromEntries(MRF_SIMPLE_ACTIONS.map((a) => [a, mrfDomains((given?.simple as Record<string, unknown> | undefined)?.[a])])) as unknown as MrfSimple
  const keyword = given?.keyword as Record<string, unknown> | undefined
  const words = (v: unknown) => (Array.isArray(v) ? v.filter((w): w is string => typeof w === 'string' && w.length > 0) : [])
  return {
    simple,
    keyword: { reject: words(keyword?.reject), federated_timeline_removal: words(keyword?.federated_timeline_removal), replace: mrfReplacements(keyword?.replace) },
  }
}

type PartialConfig = Partial<Omit<Config, 'instance' | 'limits' | 'media' | 'rateLimits' | 'mail' | 'identityGiven' | 'federation' | 'metrics' | 'remoteMedia'>> & {
  remoteMedia?: Partial<Config['remoteMedia']>
  metrics?: Partial<Config['metrics']>
  federation?: Partial<Omit<Config['federation'], 'mrf'>> & { mrf?: { simple?: object; keyword?: object } }
  instance?: Partial<Config['instance']>
  limits?: Partial<Config['limits']>
  media?: { dir?: string; baseUrl?: string | null; s3?: Partial<S3Config> | null }
  rateLimits?: { enabled?: boolean; limits?: Partial<Record<RateLimitName, RateLimit>> }
  mail?: Partial<Config['mail']>
}

const DEFAULT_LIMITS: Config['limits'] = {
  maxTootChars: 5000,
  maxBioChars: 5000,
  maxNameChars: 100,
  maxProfileFields: 10,
  maxFieldNameChars: 255,
  maxFieldValueChars: 2048,
  pollMaxOptions: 20,
  pollMaxOptionChars: 200,
  pollMinExpiration: 300,
  pollMaxExpiration: 31_536_000,
  uploadLimit: 40_000_000,
  avatarUploadLimit: 2_000_000,
  bannerUploadLimit: 4_000_000,
  backgroundUploadLimit: 4_000_000,
  maxMediaAttachments: 4,
  maxPinnedStatuses: 5,
  shoutChars: 5000,
}

const REGISTRATION_MODES: RegistrationMode[] = ['open', 'invite', 'approval', 'closed']

export type RemoteMediaMode = 'cache' | 'proxy' | 'off'
const REMOTE_MEDIA_MODES: RemoteMediaMode[] = ['cache', 'proxy', 'off']

/** ROOKERY_REMOTE_MEDIA, ROOKERY_REMOTE_MEDIA_CACHE_MB and ROOKERY_REMOTE_MEDIA_RETENTION_DAYS over the file's `remoteMedia`. */
function remoteMediaConfig(env: Record<string, string | undefined>, given: PartialConfig['remoteMedia'] = {}, overrides: PartialConfig['remoteMedia'] = {}): Config['remoteMedia'] {
  const mode = (overrides.mode ?? (env.ROOKERY_REMOTE_MEDIA || undefined) ?? given.mode ?? 'cache') as RemoteMediaMode
  if (!REMOTE_MEDIA_MODES.includes(mode)) throw new Error(`ROOKERY_REMOTE_MEDIA must be one of ${REMOTE_MEDIA_MODES.join(', ')}, got "${mode}"`)
  const megabytes = int(env.ROOKERY_REMOTE_MEDIA_CACHE_MB)
  const retention = int(env.ROOKERY_REMOTE_MEDIA_RETENTION_DAYS)
  return {
    mode,
    cacheMaxBytes: Math.max(0, overrides.cacheMaxBytes ?? (megabytes !== undefined ? megabytes * 1024 * 1024 : undefined) ?? given.cacheMaxBytes ?? 10 * 1024 ** 3),
    retentionDays: overrides.retentionDays !== undefined ? overrides.retentionDays : (retention || given.retentionDays) ?? null,
    fetchTimeoutSeconds: Math.max(1, overrides.fetchTimeoutSeconds ?? given.fetchTimeoutSeconds ?? 30),
  }
}

/** Media storage: the JSON file's `media`, overridden by ROOKERY_MEDIA_* and ROOKERY_S3_* variables. */
function mediaConfig(env: Record<string, string | undefined>, given: PartialConfig['media'] = {}, dataDir: string): Config['media'] {
  const s3Given = given?.s3 ?? {}
  const s3 = {
    bucket: env.ROOKERY_S3_BUCKET || s3Given.bucket || '',
    endpoint: (env.ROOKERY_S3_ENDPOINT || s3Given.endpoint || '').replace(/\/+$/, '') || null,
    region: env.ROOKERY_S3_REGION || s3Given.region || 'us-east-1',
    accessKeyId: env.ROOKERY_S3_ACCESS_KEY_ID || s3Given.accessKeyId || '',
    secretAccessKey: env.ROOKERY_S3_SECRET_ACCESS_KEY || s3Given.secretAccessKey || '',
    publicUrl: (env.ROOKERY_S3_PUBLIC_URL || s3Given.publicUrl || '').replace(/\/+$/, '') || null,
    virtualHostedStyle: bool(env.ROOKERY_S3_VIRTUAL_HOSTED_STYLE) ?? s3Given.virtualHostedStyle ?? false,
  }
  if (s3.bucket && (!s3.accessKeyId || !s3.secretAccessKey)) {
    throw new Error('S3 media storage needs ROOKERY_S3_ACCESS_KEY_ID and ROOKERY_S3_SECRET_ACCESS_KEY (or media.s3.accessKeyId / secretAccessKey)')
  }
  for (const [name, url] of [['ROOKERY_S3_ENDPOINT', s3.endpoint], ['ROOKERY_S3_PUBLIC_URL', s3.publicUrl]] as const) {
    if (url && !/^https?:\/\/[^/]/.test(url)) throw new Error(`${name} must be an http(s) URL, got "${url}"`)
  }
  const baseUrl = (env.ROOKERY_MEDIA_BASE_URL || given?.baseUrl || '').replace(/\/+$/, '') || null
  return {
    dir: resolve(env.ROOKERY_MEDIA_DIR || given?.dir || resolve(dataDir, 'media')),
    baseUrl,
    s3: s3.bucket ? s3 : null,
  }
}

function showDomainBlocks(value: string | undefined): Config['federation']['showDomainBlocks'] {
  if (value === undefined || value === '') return 'users'
  if (value !== 'all' && value !== 'users' && value !== 'none') throw new Error(`showDomainBlocks must be all, users or none, got "${value}"`)
  return value
}

/**
 * Twice the cores, at least 4 and at most 10. Each connection is a PostgreSQL backend process: more of them than the
 * cores can run only take turns, and on two cores 10 backends spent 15–45 % more CPU per request than 4 under the
 * same load (bench/README.md, "Connections"). postgres.js sends further queries down busy connections rather than
 * waiting for a free one, so fewer connections do not queue requests behind each other.
 */
export function defaultPoolSize(cores = availableParallelism()): number {
  return Math.min(10, Math.max(4, 2 * cores))
}

function bool(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined
  return ['1', 'true', 'yes', 'on'].includes(value.toLowerCase())
}

function poolSize(given: number | undefined): number {
  if (given === undefined) return defaultPoolSize()
  if (!Number.isInteger(given) || given < 1) throw new Error(`ROOKERY_DB_POOL must be a whole number of connections, at least 1, got "${given}"`)
  return given
}

function writePoolSize(given: number | undefined): number {
  if (given === undefined) return 0
  if (!Number.isInteger(given) || given < 0) throw new Error(`ROOKERY_DB_WRITE_POOL must be a whole number of connections, at least 0, got "${given}"`)
  return given
}

export const DEFAULT_INLINE_FAN_OUT_FOLLOWERS = 1_000

function inlineFanOutFollowers(given: number | undefined): number {
  if (given === undefined) return DEFAULT_INLINE_FAN_OUT_FOLLOWERS
  if (!Number.isInteger(given) || given < 0) throw new Error(`ROOKERY_INLINE_FAN_OUT_FOLLOWERS must be a whole number of followers, at least 0, got "${given}"`)
  return given
}

export const DEFAULT_INSTANCE_STATS_SECONDS = 60

function instanceStatsSeconds(given: number | undefined): number {
  if (given === undefined) return DEFAULT_INSTANCE_STATS_SECONDS
  if (!Number.isInteger(given) || given < 0) throw new Error(`ROOKERY_INSTANCE_STATS_SECONDS must be a whole number of seconds, at least 0, got "${given}"`)
  return given
}

function int(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined
  const n = Number(value)
  if (!Number.isInteger(n)) throw new Error(`expected a whole number, got "${value}"`)
  return n
}

/** Reads the optional JSON config file named by ROOKERY_CONFIG (or ./rookery.json), then environment overrides. */
export function loadConfig(env: Record<string, string | undefined> = process.env, overrides: PartialConfig = {}): Config {
  const file = env.ROOKERY_CONFIG ?? 'rookery.json'
  let fromFile: PartialConfig = {}
  if (existsSync(file)) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8'))
    } catch (e) {
      throw new Error(`cannot read config file ${resolve(file)}: ${(e as Error).message}`)
    }
  } else if (env.ROOKERY_CONFIG) {
    throw new Error(`config file ${resolve(file)} does not exist`)
  }
  const merged: PartialConfig = { ...fromFile, ...overrides }
  const port = overrides.port ?? int(env.PORT ?? env.ROOKERY_PORT) ?? fromFile.port ?? 4000
  const host = overrides.host ?? env.ROOKERY_HOST ?? fromFile.host ?? '127.0.0.1'
  const domain = overrides.domain ?? env.ROOKERY_DOMAIN ?? fromFile.domain ?? `localhost:${port}`
  const secure = !/^(localhost|127\.|\[::1\])/.test(domain)
  const baseUrl = (overrides.baseUrl ?? env.ROOKERY_BASE_URL ?? fromFile.baseUrl ?? `${secure ? 'https' : 'http'}://${domain}`).replace(/\/$/, '')
  const registrations = (overrides.registrations ?? env.ROOKERY_REGISTRATIONS ?? fromFile.registrations ?? 'open') as RegistrationMode
  if (!REGISTRATION_MODES.includes(registrations)) {
    throw new Error(`ROOKERY_REGISTRATIONS must be one of ${REGISTRATION_MODES.join(', ')}, got "${registrations}"`)
  }
  const limits = { ...DEFAULT_LIMITS, ...fromFile.limits, ...overrides.limits }
  const maxChars = int(env.ROOKERY_MAX_TOOT_CHARS)
  if (maxChars !== undefined) limits.maxTootChars = maxChars
  const rateLimits = {
    enabled: overrides.rateLimits?.enabled ?? bool(env.ROOKERY_RATE_LIMITS) ?? fromFile.rateLimits?.enabled ?? true,
    limits: { ...DEFAULT_RATE_LIMITS, ...fromFile.rateLimits?.limits, ...overrides.rateLimits?.limits },
  }
  const trustedProxies = overrides.trustedProxies
    ?? (env.ROOKERY_TRUSTED_PROXIES !== undefined ? env.ROOKERY_TRUSTED_PROXIES.split(',').map((s) => s.trim()).filter(Boolean) : undefined)
    ?? fromFile.trustedProxies ?? []
  const mail = {
    smtpUrl: overrides.mail?.smtpUrl ?? (env.ROOKERY_SMTP_URL || undefined) ?? fromFile.mail?.smtpUrl ?? null,
    from: overrides.mail?.from ?? env.ROOKERY_MAIL_FROM ?? fromFile.mail?.from ?? `Rookery <noreply@${domain.replace(/:\d+$/, '')}>`,
  }
  const uploadLimit = int(env.ROOKERY_UPLOAD_LIMIT)
  if (uploadLimit !== undefined) limits.uploadLimit = uploadLimit
  const dataDir = resolve(overrides.dataDir ?? env.ROOKERY_DATA_DIR ?? fromFile.dataDir ?? 'data')
  const logFormat = (overrides.logFormat ?? (env.ROOKERY_LOG_FORMAT || undefined) ?? fromFile.logFormat ?? 'text') as Config['logFormat']
  if (logFormat !== 'text' && logFormat !== 'json') throw new Error(`ROOKERY_LOG_FORMAT must be text or json, got "${logFormat}"`)
  const metricsToken = overrides.metrics?.token ?? (env.ROOKERY_METRICS_TOKEN || undefined) ?? fromFile.metrics?.token ?? null
  const metrics = {
    enabled: overrides.metrics?.enabled ?? bool(env.ROOKERY_METRICS) ?? fromFile.metrics?.enabled ?? !!metricsToken,
    token: metricsToken,
  }
  const databaseUrl = overrides.databaseUrl !== undefined ? overrides.databaseUrl : env.DATABASE_URL || fromFile.databaseUrl || null
  const identityGiven = {
    domain: (overrides.domain ?? env.ROOKERY_DOMAIN ?? fromFile.domain) !== undefined,
    baseUrl: (overrides.baseUrl ?? env.ROOKERY_BASE_URL ?? fromFile.baseUrl) !== undefined,
  }
  return {
    domain,
    baseUrl,
    identityGiven,
    host,
    port,
    databaseUrl,
    databasePoolSize: poolSize(overrides.databasePoolSize ?? int(env.ROOKERY_DB_POOL) ?? fromFile.databasePoolSize),
    databaseWritePoolSize: writePoolSize(overrides.databaseWritePoolSize ?? int(env.ROOKERY_DB_WRITE_POOL) ?? fromFile.databaseWritePoolSize),
    memoryBudgetMb: memoryBudgetMb(overrides.memoryBudgetMb ?? int(env.ROOKERY_MEMORY_BUDGET_MB) ?? fromFile.memoryBudgetMb, databaseUrl),
    dataDir,
    pgliteFsync: overrides.pgliteFsync ?? bool(env.ROOKERY_PGLITE_FSYNC) ?? fromFile.pgliteFsync ?? true,
    registrations,
    instance: {
      name: env.ROOKERY_INSTANCE_NAME ?? 'Rookery',
      description: 'A Rookery instance',
      shortDescription: '',
      contactEmail: env.ROOKERY_CONTACT_EMAIL ?? '',
      languages: ['en'],
      rules: [],
      ...fromFile.instance,
      ...overrides.instance,
    },
    limits,
    media: mediaConfig(env, { ...fromFile.media, ...overrides.media }, dataDir),
    captcha: overrides.captcha ?? bool(env.ROOKERY_CAPTCHA) ?? merged.captcha ?? false,
    shoutbox: overrides.shoutbox ?? bool(env.ROOKERY_SHOUTBOX) ?? merged.shoutbox ?? true,
    accountActivationRequired: overrides.accountActivationRequired ?? bool(env.ROOKERY_ACCOUNT_ACTIVATION_REQUIRED) ?? merged.accountActivationRequired ?? false,
    logRequests: overrides.logRequests ?? bool(env.ROOKERY_LOG_REQUESTS) ?? merged.logRequests ?? logFormat === 'json',
    logFormat,
    metrics,
    rateLimits,
    trustedProxies,
    fetchPrivateNetwork: overrides.fetchPrivateNetwork
      ?? (env.ROOKERY_FETCH_PRIVATE_NETWORK === 'loopback' ? 'loopback' : bool(env.ROOKERY_FETCH_PRIVATE_NETWORK))
      ?? merged.fetchPrivateNetwork ?? false,
    mail,
    pushAllowLoopbackHttp: overrides.pushAllowLoopbackHttp ?? bool(env.ROOKERY_PUSH_ALLOW_LOOPBACK_HTTP) ?? merged.pushAllowLoopbackHttp ?? false,
    jobPollingSeconds: Math.max(0.5, overrides.jobPollingSeconds ?? merged.jobPollingSeconds ?? 30),
    inlineFanOutFollowers: inlineFanOutFollowers(overrides.inlineFanOutFollowers ?? int(env.ROOKERY_INLINE_FAN_OUT_FOLLOWERS) ?? fromFile.inlineFanOutFollowers),
    instanceStatsSeconds: instanceStatsSeconds(overrides.instanceStatsSeconds ?? int(env.ROOKERY_INSTANCE_STATS_SECONDS) ?? fromFile.instanceStatsSeconds),
    remoteMedia: remoteMediaConfig(env, fromFile.remoteMedia, overrides.remoteMedia),
    federation: {
      allowPrivate: overrides.federation?.allowPrivate ?? bool(env.ROOKERY_FEDERATION_ALLOW_PRIVATE) ?? fromFile.federation?.allowPrivate ?? false,
      retryDelaySeconds: overrides.federation?.retryDelaySeconds ?? fromFile.federation?.retryDelaySeconds ?? 30,
      authorizedFetch: overrides.federation?.authorizedFetch ?? bool(env.ROOKERY_AUTHORIZED_FETCH) ?? fromFile.federation?.authorizedFetch ?? false,
      deliveryConcurrency: Math.max(1, overrides.federation?.deliveryConcurrency ?? int(env.ROOKERY_DELIVERY_CONCURRENCY) ?? fromFile.federation?.deliveryConcurrency ?? 8),
      deliveryPerHost: Math.max(1, overrides.federation?.deliveryPerHost ?? int(env.ROOKERY_DELIVERY_PER_HOST) ?? fromFile.federation?.deliveryPerHost ?? 2),
      inboxConcurrency: Math.max(1, overrides.federation?.inboxConcurrency ?? int(env.ROOKERY_INBOX_CONCURRENCY) ?? fromFile.federation?.inboxConcurrency ?? 8),
      limited: overrides.federation?.limited ?? bool(env.ROOKERY_LIMITED_FEDERATION) ?? fromFile.federation?.limited ?? false,
      showDomainBlocks: showDomainBlocks(overrides.federation?.showDomainBlocks ?? env.ROOKERY_SHOW_DOMAIN_BLOCKS ?? fromFile.federation?.showDomainBlocks),
      mrf: mrfConfig(overrides.federation?.mrf ?? fromFile.federation?.mrf),
    },
  }
}
