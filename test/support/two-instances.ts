// Two complete Rookery servers in the test process, federating with each other over loopback.
//
// Each instance is what `rookery serve` starts (startServer): its own database, job queue, federation workers,
// streaming and control socket. A listens on 127.0.0.2 and B on 127.0.0.3 (all of 127.0.0.0/8 is on `lo`, no name
// resolution involved), each on a port picked once, so their domains are `127.0.0.2:<port>` and `127.0.0.3:<port>`
// and http is derived for them (loadConfig treats 127.* as local).
//
// Databases: with TEST_DATABASE_URL (unless `startTwoInstances({ pglite: true })` asks for embedded ones), two fresh
// PostgreSQL databases created beside it and dropped by `close()`; otherwise two PGlite databases on disk in temporary folders (not in memory, so that an instance can be stopped and
// started again on the same data), copied from a migrated template kept in the temporary folder for the current
// migrations and PGlite version (creating and migrating a PGlite database takes half a minute on a busy machine).
// `start()` after `stop()` serves the same database on the same host and port, which is what "B was down and is
// back" needs.
//
// Handles over http: Fedify's WebFinger client asks `https://` for `acct:` handles. These instances set
// `federation.allowPrivate`, with which Rookery's lookup (src/federation/lookup.ts) falls back to its own WebFinger
// request over http; nothing else differs from production (signatures are made and verified for real).
//
// Jobs: each process looks for unannounced due jobs every 0.5 s (`jobPollingSeconds`, 30 s in production; sent jobs
// wake their workers at once anyway), since one follow passes through six queues on its way there and back. Retries: `federation.retryDelaySeconds` is 1 here (30 in production), so a
// delivery that failed while its target was down is tried again within seconds. Keep such an outage short (a few
// failed attempts): after five failures to one host in ten minutes, Fedify's circuit breaker holds deliveries to it
// for 30 minutes.
//
//   const net = await startTwoInstances()
//   const alice = await net.makeUser(net.a)
//   const bob = await net.makeUser(net.b)
//   const found = await net.resolve(net.a, alice.token, net.acct(net.b, bob))
//   await api(net.a, alice.token, 'POST', `/api/v1/accounts/${found.id}/follow`)
//   await waitUntil(async () => (await api(net.b, bob.token, 'GET', `/api/v1/accounts/${bob.account.id}/followers`)).json.length)
//   await net.close()
import { createHash } from 'node:crypto'
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'bun:test'
import { loadConfig, type Config } from '../../src/config'
import type { Ctx } from '../../src/core/context'
import { openPglite } from '../../src/db/client'
import { migrate } from '../../src/db/migrate'
import { customEmojis } from '../../src/db/schema'
import { MIGRATIONS } from '../../src/db/migrations.gen'
import { startServer, type RunningServer } from '../../src/server/serve'
import { createPostgresDatabase } from './context'
import { makeUser, type MadeUser, type MakeUserOptions } from './factories'
import type { CallResult } from './http'

export interface Instance {
  /** 'A' or 'B', for messages */
  name: string
  host: string
  port: number
  /** `host:port`, the instance's domain and the domain part of its handles */
  domain: string
  baseUrl: string
  /** the running server's context (a new one after each start); throws while the instance is stopped */
  readonly ctx: Ctx
  readonly running: boolean
}

interface InstanceState extends Instance {
  config: () => Config
  server: RunningServer | null
  /** the temporary folder holding the data folder (PGlite, media), deleted by `close()` */
  folder: string
  dataDir: string
  dropDatabase?: () => Promise<void>
}

export interface TwoInstances {
  a: Instance
  b: Instance
  /** a third instance (on 127.0.0.4), started only with `startTwoInstances({ third: true })` */
  c: Instance | null
  /** A confirmed local user on `instance` with a token (read write follow push); see makeUser for options. */
  makeUser(instance: Instance, opts?: MakeUserOptions): Promise<MadeUser>
  /** `user@domain` of a user made on `instance`, as the other instance's users would type it. */
  acct(instance: Instance, user: MadeUser): string
  /** The other instance's account `acct` as `instance` knows it, through `/api/v2/search?resolve=true`. */
  resolve(instance: Instance, token: string, acct: string): Promise<any>
  /**
   * `follower` on `from` follows `target` on `to` (found by handle) and waits until both sides agree (the target
   * must not be locked); answers the target's id on `from`.
   */
  followAccepted(from: Instance, follower: MadeUser, to: Instance, target: MadeUser): Promise<string>
  /** A custom emoji `:shortcode:` of `instance`, as its admin would have added it (the row; no image behind it). */
  addCustomEmoji(instance: Instance, shortcode: string): Promise<void>
  /** Stops an instance (HTTP, workers and database); its queued jobs stay in its database. */
  stop(instance: Instance): Promise<void>
  /** Starts a stopped instance again on the same host, port and database. */
  start(instance: Instance): Promise<void>
  /** Stops both and deletes their databases. */
  close(): Promise<void>
}

const HOSTS = { A: '127.0.0.2', B: '127.0.0.3', C: '127.0.0.4' } as const

/** A port free on `host` now; the server takes it a moment later. */
function freePort(host: string): number {
  const probe = Bun.serve({ hostname: host, port: 0, fetch: () => new Response(null) })
  const port = probe.port!
  probe.stop(true)
  return port
}

let template: Promise<string> | null = null

/** A migrated PGlite data folder (never opened by a server, so without an instance identity) to copy from. */
function pgliteTemplate(): Promise<string> {
  template ??= (async () => {
    const pgliteVersion = createRequire(import.meta.url)('@electric-sql/pglite/package.json').version
    const key = createHash('sha256').update(pgliteVersion).update(JSON.stringify(MIGRATIONS)).digest('hex').slice(0, 16)
    const dir = join(tmpdir(), `rookery-pglite-template-${key}`)
    if (existsSync(dir)) return dir
    // built aside and renamed into place, so a folder under the final name is always complete
    const building = mkdtempSync(join(tmpdir(), 'rookery-pglite-template-build-'))
    const database = await openPglite(building)
    await migrate(database.db)
    await database.close()
    try {
      renameSync(building, dir)
    } catch (e) {
      rmSync(building, { recursive: true, force: true })
      if (!existsSync(dir)) throw e // another process renamed its own template into place first otherwise
    }
    return dir
  })()
  return template
}

export interface TwoInstancesOptions {
  /** PGlite databases for both, even when TEST_DATABASE_URL names a PostgreSQL server */
  pglite?: boolean
  /** a third instance, C */
  third?: boolean
}

async function makeInstance(name: keyof typeof HOSTS, opts: TwoInstancesOptions): Promise<InstanceState> {
  const host = HOSTS[name]
  const port = freePort(host)
  const domain = `${host}:${port}`
  const folder = mkdtempSync(join(tmpdir(), `rookery-${name.toLowerCase()}-`))
  const dataDir = join(folder, 'data')
  const adminUrl = opts.pglite ? undefined : process.env.TEST_DATABASE_URL
  const database = adminUrl ? await createPostgresDatabase(adminUrl, `fed${name.toLowerCase()}`) : null
  if (!database) cpSync(await pgliteTemplate(), dataDir, { recursive: true })
  const state: InstanceState = {
    name,
    host,
    port,
    domain,
    baseUrl: `http://${domain}`,
    folder,
    dataDir,
    dropDatabase: database?.drop,
    server: null,
    get ctx(): Ctx {
      if (!state.server) throw new Error(`instance ${name} is stopped`)
      return state.server.ctx
    },
    get running() {
      return state.server !== null
    },
    config: () => loadConfig({ ROOKERY_CONFIG: undefined }, {
      host,
      port,
      domain,
      baseUrl: `http://${domain}`,
      databaseUrl: database?.url ?? null,
      dataDir,
      instance: { name: `Rookery ${name}` },
      rateLimits: { enabled: false },
      jobPollingSeconds: 0.5,
      media: { dir: join(dataDir, 'media'), baseUrl: null, s3: null },
      federation: { allowPrivate: true, retryDelaySeconds: 1 },
    }),
  }
  return state
}

async function startInstance(state: InstanceState) {
  if (state.server) return
  state.server = await startServer(state.config())
}

async function stopInstance(state: InstanceState) {
  const server = state.server
  if (!server) return
  state.server = null
  await server.stop(2_000)
}

/** Starts A and B (in parallel); `close()` them in afterAll. */
export async function startTwoInstances(opts: TwoInstancesOptions = {}): Promise<TwoInstances> {
  const [a, b, c] = await Promise.all([makeInstance('A', opts), makeInstance('B', opts), opts.third ? makeInstance('C', opts) : null])
  const all = c ? [a, b, c] : [a, b]
  const states = new Map<Instance, InstanceState>(all.map((state) => [state, state]))
  const stateOf = (instance: Instance) => {
    const state = states.get(instance)
    if (!state) throw new Error('not an instance of this pair')
    return state
  }
  try {
    await Promise.all(all.map(startInstance))
  } catch (e) {
    await Promise.all(all.map(stopInstance)).catch(() => {})
    throw e
  }
  const net: TwoInstances = {
    a,
    b,
    c,
    makeUser: (instance, opts) => makeUser(instance.ctx, opts),
    acct: (instance, user) => `${user.account.username}@${instance.domain}`,
    async resolve(instance, token, acct) {
      const res = await api(instance, token, 'GET', `/api/v2/search?resolve=true&type=accounts&q=${encodeURIComponent(`@${acct}`)}`)
      expect(res.status).toBe(200)
      const found = (res.json.accounts as any[]).find((account) => account.acct === acct)
      if (!found) throw new Error(`${instance.name} could not resolve @${acct}: ${res.text}`)
      return found
    },
    async followAccepted(from, follower, to, target) {
      const found = await net.resolve(from, follower.token, net.acct(to, target))
      expect((await api(from, follower.token, 'POST', `/api/v1/accounts/${found.id}/follow`)).status).toBe(200)
      await waitUntil(async () => (await api(from, follower.token, 'GET', `/api/v1/accounts/relationships?id[]=${found.id}`)).json?.[0]?.following,
        60_000, `the Accept of ${follower.account.username}'s follow on ${from.name}`)
      await waitUntil(async () => {
        const followers = await api(to, target.token, 'GET', `/api/v1/accounts/${target.account.id}/followers?limit=80`)
        return (followers.json as { acct: string }[]).some((account) => account.acct === net.acct(from, follower))
      }, 30_000, `${follower.account.username} among the followers on ${to.name}`)
      return found.id
    },
    async addCustomEmoji(instance, shortcode) {
      await instance.ctx.db.insert(customEmojis).values({ shortcode, fileKey: `test/${shortcode}.png` }).onConflictDoNothing()
    },
    stop: (instance) => stopInstance(stateOf(instance)),
    start: (instance) => startInstance(stateOf(instance)),
    async close() {
      for (const state of all) {
        await stopInstance(state).catch((e) => console.error(`stopping instance ${state.name}:`, e))
        await state.dropDatabase?.().catch((e) => console.error(`dropping the database of instance ${state.name}:`, e))
        rmSync(state.folder, { recursive: true, force: true })
      }
    },
  }
  return net
}

/** A client-API request to `instance` over its real socket; `body` is sent as JSON, or as multipart if it is FormData. */
export async function api<T = any>(instance: Instance, token: string | null, method: string, path: string, body?: unknown): Promise<CallResult<T>> {
  const headers = new Headers()
  if (token) headers.set('authorization', `Bearer ${token}`)
  const form = body instanceof FormData
  if (body !== undefined && !form) headers.set('content-type', 'application/json')
  const res = await fetch(new URL(path, instance.baseUrl), {
    method,
    headers,
    body: body === undefined ? undefined : form ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  }).catch((e) => {
    throw new Error(`${method} ${path} on ${instance.name}: ${e}`)
  })
  const text = await res.text()
  let json: any
  try {
    json = text ? JSON.parse(text) : undefined
  } catch {}
  return { status: res.status, headers: res.headers, json, text }
}

/**
 * Polls `probe` until it returns something truthy (which is returned), every `intervalMs`, for at most `timeoutMs`.
 * On timeout it throws with `what` and the last value seen.
 */
export async function waitUntil<T>(probe: () => Promise<T> | T, timeoutMs = 30_000, what = 'condition', intervalMs = 200): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  let last: T | undefined
  for (;;) {
    last = await probe()
    if (last) return last as NonNullable<T>
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(last)}`)
    await Bun.sleep(intervalMs)
  }
}

/** A GET that must answer 200; its JSON. */
export async function getJson(instance: Instance, user: { token: string } | null, path: string): Promise<any> {
  const res = await api(instance, user?.token ?? null, 'GET', path)
  if (res.status !== 200) throw new Error(`GET ${path} on ${instance.name}: ${res.status} ${res.text}`)
  return res.json
}

/** `user` posts a status on `instance`; answers it as its own instance renders it. */
export async function postStatus(instance: Instance, user: { token: string }, params: Record<string, unknown>): Promise<any> {
  const res = await api(instance, user.token, 'POST', '/api/v1/statuses', params)
  if (res.status !== 200) throw new Error(`posting on ${instance.name}: ${res.status} ${res.text}`)
  return res.json
}

/** Waits until the status `uri` (with `reblog`, a reblog of it) is in `user`'s home on `instance`; answers it. */
export const arrivesHome = (instance: Instance, user: { token: string }, uri: string, reblog = false) => waitUntil(async () => {
  const list = (await getJson(instance, user, '/api/v1/timelines/home?limit=40')) as any[]
  return list.find((s) => (reblog ? s.reblog?.uri : s.uri) === uri)
}, 60_000, `${uri} in the home timeline on ${instance.name}`)

/** Waits for a notification of `type` for `user` on `instance` that `match` accepts; answers it. */
export const notificationArrives = (instance: Instance, user: { token: string }, type: string, match: (n: any) => boolean) => waitUntil(async () => {
  const list = (await getJson(instance, user, `/api/v1/notifications?types[]=${encodeURIComponent(type)}&limit=40`)) as any[]
  return list.find(match)
}, 60_000, `a ${type} notification on ${instance.name}`)
