import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'

export type RegistrationMode = 'open' | 'invite' | 'approval' | 'closed'

export interface Config {
  /** Public host name (and port, if not standard) the instance is known by, e.g. `social.example.org`. */
  domain: string
  /** Scheme + domain used to build absolute URLs. */
  baseUrl: string
  host: string
  port: number
  /** PostgreSQL connection string; embedded PGlite in `dataDir` when absent. */
  databaseUrl: string | null
  dataDir: string
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
  }
  /** Require a solved captcha on registration. */
  captcha: boolean
  /** Require e-mail confirmation before login. */
  accountActivationRequired: boolean
  /** Log each request (method, path, status, duration). */
  logRequests: boolean
}

type PartialConfig = Partial<Omit<Config, 'instance' | 'limits'>> & {
  instance?: Partial<Config['instance']>
  limits?: Partial<Config['limits']>
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
  maxMediaAttachments: 8,
  maxPinnedStatuses: 5,
}

const REGISTRATION_MODES: RegistrationMode[] = ['open', 'invite', 'approval', 'closed']

function bool(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined
  return ['1', 'true', 'yes', 'on'].includes(value.toLowerCase())
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
  return {
    domain,
    baseUrl,
    host,
    port,
    databaseUrl: overrides.databaseUrl !== undefined ? overrides.databaseUrl : env.DATABASE_URL || fromFile.databaseUrl || null,
    dataDir: resolve(overrides.dataDir ?? env.ROOKERY_DATA_DIR ?? fromFile.dataDir ?? 'data'),
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
    captcha: overrides.captcha ?? bool(env.ROOKERY_CAPTCHA) ?? merged.captcha ?? false,
    accountActivationRequired: overrides.accountActivationRequired ?? bool(env.ROOKERY_ACCOUNT_ACTIVATION_REQUIRED) ?? merged.accountActivationRequired ?? false,
    logRequests: overrides.logRequests ?? bool(env.ROOKERY_LOG_REQUESTS) ?? merged.logRequests ?? false,
  }
}
