// Crash safety: runs `rookery serve` as a child process, drives writes through the API (statuses, statuses with
// media, follows), kills the server with SIGKILL at random moments, restarts it and checks that every write the server
// acknowledged (a 2xx answer) is still there: the status with its text, its media file, the follow, and the account
// counters. A remote follower on loopback (a hand-made ActivityPub inbox) follows every account, so each status also
// queues a delivery job in its own transaction: after the last restart every acknowledged status must reach that inbox,
// each under one activity id (a redelivery after a crash carries the same id, which receivers deduplicate), and no
// delivery may be of a status that is not there. Bounded in kills and in time.
//
//   bun scripts/crash-test.ts [--kills 5] [--seconds 180] [--seed 1] [--database-url postgres://user@host/postgres]
//                             [--load-ms 1500-5000] [--power-loss] [--pglite-fsync off] [--clean-restart-first]
//
// Without --database-url it runs on a fresh embedded (PGlite) data folder; with one, on a fresh database created on
// that server (and dropped afterwards). Exits 1 when an acknowledged write was lost.
//
// A kill -9 loses nothing the process handed to the kernel. --power-loss (PGlite only) makes each kill a power cut
// for the database: the server keeps what it writes to its data folder in memory until it is fsynced
// (ROOKERY_CRASH_TEST_POWER_LOSS=1, src/db/write-back-cache.ts), so the kill loses everything not fsynced.
// --pglite-fsync off runs the embedded database without its fsync: with --power-loss, the control that shows the
// simulation loses what is not synced. A data folder that no longer opens after a cut is reported as `damaged`.
// --clean-restart-first stops the server cleanly once after the setup (which writes everything back), so that the
// control's cuts are about acknowledged writes rather than the folder PGlite created and never synced.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import postgres from 'postgres'
import { createRaster, encodePng } from '../src/core/accounts/png'
import { startRawActors, type RawActors } from '../test/support/raw-actor'
import { seededRandom } from './seeded-random'

const ROOT = resolve(import.meta.dir, '..')

export interface CrashOptions {
  kills: number
  /** overall time bound; the run stops killing and checks what it has once it is reached */
  seconds: number
  seed: number
  /** a PostgreSQL server to create a scratch database on; embedded PGlite without it */
  databaseUrl?: string | null
  /** how long writes run before each kill, at random within these bounds */
  loadMs?: [number, number]
  /** accounts writing at once (4 by default) */
  users?: number
  log?: (line: string) => void
  /** each kill is a power cut for the embedded database: what it did not fsync is lost (PGlite only) */
  powerLoss?: boolean
  /** the embedded database's fsync (`ROOKERY_PGLITE_FSYNC`); on by default */
  pgliteFsync?: boolean
  /**
   * Stop the server cleanly and start it again once the accounts are set up, before the first kill: a clean stop
   * writes everything back, so the cuts are about the writes that follow (for the control without fsync, where the
   * folder PGlite creates never reaches the disk otherwise).
   */
  cleanRestartFirst?: boolean
}

export interface CrashReport {
  database: 'pglite' | 'postgres'
  powerLoss: boolean
  pgliteFsync: boolean
  kills: number
  restarts: number
  acknowledged: { statuses: number; media: number; follows: number }
  /** the remote follower's inbox: Create deliveries, distinct activities among them, and deliveries of one activity again */
  deliveries: { received: number; activities: number; redelivered: number }
  /** requests cut off by a kill (their outcome is unknown, and either outcome is allowed) */
  interrupted: number
  /** acknowledged writes missing afterwards (all of them when the data folder no longer opens) */
  missing: { statuses: number; follows: number }
  /** each time the server did not start again after a kill: why, and whether removing an empty lock file let it */
  damaged: string[]
  lost: string[]
  seconds: number
}

export interface User { id: string; username: string; token: string }
interface AckedStatus { id: string; uri: string; text: string; author: User; mediaUrl: string | null }

class Server {
  private constructor(readonly proc: ReturnType<typeof Bun.spawn>, readonly url: string) {}

  static async start(env: Record<string, string>, deadlineMs = 120_000): Promise<Server> {
    const proc = Bun.spawn([process.execPath, 'src/cli/index.ts', 'serve', '--port', '0', '--json'], {
      cwd: ROOT, env, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe',
    })
    // Whatever happens to this script, the server it started does not outlive it.
    const orphan = () => proc.kill('SIGKILL')
    process.once('exit', orphan)
    void proc.exited.then(() => process.off('exit', orphan))
    const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader()
    const decoder = new TextDecoder()
    let out = ''
    const deadline = Date.now() + deadlineMs
    while (!out.includes('\n')) {
      const chunk = await Promise.race([reader.read(), Bun.sleep(Math.max(0, deadline - Date.now())).then(() => null)])
      if (!chunk || chunk.done) {
        proc.kill('SIGKILL')
        const err = await new Response(proc.stderr as ReadableStream).text()
        throw new Error(`serve did not start (exit ${await proc.exited}): ${out}\n${err}`)
      }
      out += decoder.decode(chunk.value, { stream: true })
    }
    // Keep reading so a full pipe never blocks the server.
    void (async () => { while (!(await reader.read()).done); })().catch(() => {})
    void new Response(proc.stderr as ReadableStream).text().catch(() => {})
    return new Server(proc, JSON.parse(out.slice(0, out.indexOf('\n'))).url)
  }

  async kill() {
    this.proc.kill('SIGKILL')
    await this.proc.exited
  }

  async stop() {
    this.proc.kill('SIGTERM')
    const code = await Promise.race([this.proc.exited, Bun.sleep(20_000).then(() => null)])
    if (code === null) await this.kill()
  }
}

export async function api(base: string, method: string, path: string, opts: { token?: string; json?: unknown; form?: FormData } = {}): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {}
  if (opts.token) headers.authorization = `Bearer ${opts.token}`
  let body: BodyInit | undefined
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(opts.json)
  } else if (opts.form) body = opts.form
  const res = await fetch(base + path, { method, headers, body, signal: AbortSignal.timeout(15_000) })
  const text = await res.text()
  let parsed: unknown = text
  try {
    parsed = JSON.parse(text)
  } catch {}
  return { status: res.status, body: parsed }
}

export async function register(base: string, name: string): Promise<User> {
  const app = await api(base, 'POST', '/api/v1/apps', { json: { client_name: 'crash-test', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: 'read write follow' } })
  const appToken = await api(base, 'POST', '/oauth/token', { json: { grant_type: 'client_credentials', client_id: app.body.client_id, client_secret: app.body.client_secret, scope: 'read write follow' } })
  const account = await api(base, 'POST', '/api/v1/accounts', {
    token: appToken.body.access_token,
    json: { username: name, email: `${name}@crash.test`, password: `Crash-test-${name}-password`, agreement: true, locale: 'en' },
  })
  if (account.status !== 200) throw new Error(`cannot register ${name}: ${account.status} ${JSON.stringify(account.body)}`)
  const me = await api(base, 'GET', '/api/v1/accounts/verify_credentials', { token: account.body.access_token })
  return { id: me.body.id, username: name, token: account.body.access_token }
}

async function scratchDatabase(url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `rookery_crash_${process.pid}_${Date.now().toString(36)}`
  const admin = postgres(url, { max: 1, onnotice: () => {} })
  await admin.unsafe(`create database "${name}"`)
  const target = new URL(url)
  target.pathname = `/${name}`
  return {
    url: target.toString(),
    async drop() {
      await admin.unsafe(`drop database if exists "${name}" with (force)`)
      await admin.end({ timeout: 5 })
    },
  }
}

const AP = 'application/activity+json'

/** The remote actor follows every account (signed Follows to their inboxes) and waits for each Accept. */
async function followFromRemote(base: string, remote: RawActors, users: User[]) {
  for (const u of users) {
    const actor = await fetch(`${base}/users/${u.username}`, { headers: { accept: AP }, signal: AbortSignal.timeout(15_000) })
    const actorId = (await actor.json() as { id: string }).id
    const follow = JSON.stringify({
      '@context': 'https://www.w3.org/ns/activitystreams',
      id: `${remote.baseUrl}/follows/${u.username}`, type: 'Follow', actor: remote.actorUri('watcher'), object: actorId,
    })
    const res = await fetch(await remote.signed('watcher', `${base}/users/${u.username}/inbox`, { body: follow }), { signal: AbortSignal.timeout(15_000) })
    if (res.status >= 300) throw new Error(`the remote Follow of ${u.username} was refused: ${res.status} ${await res.text()}`)
  }
  const accepted = () => new Set(inboxActivities(remote).filter((a) => a.type === 'Accept').map((a) => a.actor)).size
  const until = Date.now() + 60_000
  while (accepted() < users.length) {
    if (Date.now() > until) throw new Error(`${accepted()} of ${users.length} remote follows were accepted within 60 s`)
    await Bun.sleep(100)
  }
}

interface Delivered { id: string; type: string; actor: string; object: unknown }

function inboxActivities(remote: RawActors): Delivered[] {
  const out: Delivered[] = []
  for (const r of remote.received) {
    if (r.method !== 'POST') continue
    try {
      out.push(JSON.parse(r.body))
    } catch {}
  }
  return out
}

const objectId = (object: unknown) => (typeof object === 'string' ? object : (object as { id?: string } | null)?.id ?? null)

/**
 * Waits (up to `waitMs`) for a Create of every acknowledged status at the remote inbox, then records in `lost` an
 * acknowledged status never delivered, a status delivered under two activity ids (a receiver would show it twice),
 * and a delivery of a status the server does not have.
 */
async function checkDeliveries(base: string, remote: RawActors, statuses: AckedStatus[], waitMs: number, lost: string[]) {
  const creates = () => inboxActivities(remote).filter((a) => a.type === 'Create')
  const until = Date.now() + waitMs
  const missing = () => {
    const delivered = new Set(creates().map((a) => objectId(a.object)))
    return statuses.filter((s) => !delivered.has(s.uri))
  }
  while (missing().length && Date.now() < until) await Bun.sleep(250)
  for (const s of missing()) lost.push(`status ${s.id}: acknowledged but never delivered to its remote follower`)
  const received = creates()
  const activitiesByObject = new Map<string, Set<string>>()
  for (const a of received) {
    const object = objectId(a.object) ?? '?'
    activitiesByObject.set(object, (activitiesByObject.get(object) ?? new Set()).add(a.id))
  }
  const acked = new Set(statuses.map((s) => s.uri))
  for (const [object, ids] of activitiesByObject) {
    if (ids.size > 1) lost.push(`${object}: delivered as ${ids.size} different activities (${[...ids].join(', ')})`)
    if (acked.has(object)) continue
    // A status cut off by a kill may or may not have been written; if it was delivered, it must be there.
    const id = object.split('/').pop()!
    const res = await api(base, 'GET', `/api/v1/statuses/${id}`)
    if (res.status !== 200) lost.push(`${object}: delivered, but the server answers ${res.status} for it`)
  }
  const activities = new Set(received.map((a) => a.id)).size
  return { received: received.length, activities, redelivered: received.length - activities }
}

export async function runCrashTest(opts: CrashOptions): Promise<CrashReport> {
  const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'))
  const rand = seededRandom(opts.seed)
  const [minLoad, maxLoad] = opts.loadMs ?? [1500, 5000]
  const started = Date.now()
  const deadline = started + opts.seconds * 1000
  if (opts.powerLoss && opts.databaseUrl) throw new Error('the power-loss simulation is of the embedded database (PGlite)')
  const dataDir = mkdtempSync(join(tmpdir(), 'rookery-crash-'))
  const scratch = opts.databaseUrl ? await scratchDatabase(opts.databaseUrl) : null
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(DATABASE_URL|ROOKERY_|PORT$)/.test(k)) env[k] = v
  Object.assign(env, {
    ROOKERY_DATA_DIR: dataDir, ROOKERY_DOMAIN: 'crash.rookery.test', ROOKERY_RATE_LIMITS: 'false', NO_COLOR: '1',
    ROOKERY_FEDERATION_ALLOW_PRIVATE: 'true', // the remote follower is on loopback
  })
  if (scratch) env.DATABASE_URL = scratch.url
  if (opts.powerLoss) env.ROOKERY_CRASH_TEST_POWER_LOSS = '1'
  if (opts.pgliteFsync === false) env.ROOKERY_PGLITE_FSYNC = 'off'
  const png = new Uint8Array(encodePng(createRaster(8, 8, [30, 120, 200])))

  const statuses: AckedStatus[] = []
  const follows: Array<[User, User]> = []
  const attempted = new Map<string, number>()
  let interrupted = 0
  let kills = 0
  let restarts = 0
  let server: Server | null = await Server.start(env)
  let remote: RawActors | null = null
  const lost: string[] = []
  let deliveries = { received: 0, activities: 0, redelivered: 0 }
  const missing = { statuses: 0, follows: 0 }
  const damaged: string[] = []
  const cut = opts.powerLoss ? 'power cut' : 'kill'
  try {
    const kind = scratch ? 'PostgreSQL' : `PGlite${opts.powerLoss ? ', power-loss simulation' : ''}${opts.pgliteFsync === false ? ', fsync off' : ''}`
    log(`serve on ${server.url} (${kind}) after ${Date.now() - started} ms`)
    const users = [] as User[]
    for (let i = 0; i < (opts.users ?? 4); i++) users.push(await register(server.url, `crash${i}`))
    log(`${users.length} users after ${Date.now() - started} ms`)
    remote = await startRawActors(['watcher'])
    await followFromRemote(server.url, remote, users)
    log(`the remote follower is accepted by every account after ${Date.now() - started} ms`)
    if (opts.cleanRestartFirst) {
      await server.stop()
      server = await Server.start(env)
      log(`stopped cleanly and started again after ${Date.now() - started} ms`)
    }
    let n = 0
    const followsTried = new Set<string>()

    /** One write; what was acknowledged is recorded, anything cut off counts as interrupted. */
    const write = async (base: string) => {
      const author = users[Math.floor(rand() * users.length)]
      const pick = rand()
      try {
        if (pick < 0.2) {
          const other = users.filter((u) => u !== author)[Math.floor(rand() * (users.length - 1))]
          // The two writers could pick the same pair at once: each follow is tried (and counted) once.
          const pair = `${author.id}>${other.id}`
          if (followsTried.has(pair)) return
          followsTried.add(pair)
          const res = await api(base, 'POST', `/api/v1/accounts/${other.id}/follow`, { token: author.token })
          if (res.status === 200) follows.push([author, other])
          return
        }
        const text = `crash test status ${++n} ${Math.floor(rand() * 1e9)}`
        attempted.set(author.id, (attempted.get(author.id) ?? 0) + 1)
        let mediaId: string | null = null
        let mediaUrl: string | null = null
        if (pick < 0.4) {
          const form = new FormData()
          form.append('file', new Blob([png], { type: 'image/png' }), 'pixel.png')
          const media = await api(base, 'POST', '/api/v2/media', { token: author.token, form })
          if (media.status !== 200 && media.status !== 202) return
          mediaId = media.body.id
          mediaUrl = media.body.url
        }
        const res = await api(base, 'POST', '/api/v1/statuses', { token: author.token, json: { status: text, media_ids: mediaId ? [mediaId] : [] } })
        if (res.status === 200) statuses.push({ id: res.body.id, uri: res.body.uri, text, author, mediaUrl })
      } catch {
        interrupted++
      }
    }

    while (kills < opts.kills && Date.now() < deadline) {
      const base = server!.url
      const loadFor = minLoad + rand() * (maxLoad - minLoad)
      let killed = false
      // Two writers at once, so that the kill often lands inside a request; they stop at the kill.
      const writer = async () => { while (!killed) await write(base) }
      const load = Promise.all([writer(), writer()])
      await Bun.sleep(loadFor)
      killed = true
      await server!.kill()
      kills++
      await load
      log(`${cut} ${kills}: ${statuses.length} statuses and ${follows.length} follows acknowledged so far, ${interrupted} requests cut off`)
      server = null
      const restartAt = Date.now()
      try {
        server = await Server.start(env)
      } catch (e) {
        // Only a cut that lost what the database needs to open leaves a folder the server cannot start on.
        let damage = `the server did not start after ${cut} ${kills}: ${String(e).slice(0, 2000)}`
        // PostgreSQL refuses to start on an empty lock file (the cut kept its name, not its contents) and asks for it to
        // be removed: done here once, so that the report also says what else the cut lost.
        const lockFile = join(dataDir, 'pg', 'postmaster.pid')
        if (!scratch && existsSync(lockFile) && statSync(lockFile).size === 0) {
          rmSync(lockFile)
          server = await Server.start(env).catch((again) => {
            damage += `; with the empty postmaster.pid removed: ${String(again).slice(0, 2000)}`
            return null
          })
          if (server) damage += '; it started once the empty postmaster.pid was removed'
        }
        damaged.push(damage)
        log(damage)
        if (!server) break
      }
      restarts++
      log(`restarted in ${Date.now() - restartAt} ms`)
    }

    lost.push(...damaged)
    if (server) {
      const base = server.url
      const present: AckedStatus[] = []
      for (const s of statuses) {
        const res = await api(base, 'GET', `/api/v1/statuses/${s.id}`, { token: s.author.token })
        if (res.status !== 200 || !String(res.body.content).includes(s.text)) {
          lost.push(`status ${s.id} ("${s.text}"): ${res.status}`)
          missing.statuses++
          continue
        }
        present.push(s)
        if (s.mediaUrl) {
          if (res.body.media_attachments?.length !== 1) lost.push(`status ${s.id}: its media attachment is missing`)
          const file = await fetch(new URL(new URL(s.mediaUrl).pathname, base), { signal: AbortSignal.timeout(15_000) })
          const bytes = await file.arrayBuffer()
          if (file.status !== 200 || bytes.byteLength === 0) lost.push(`status ${s.id}: its media file answers ${file.status}`)
        }
      }
      for (const [from, to] of follows) {
        const res = await api(base, 'GET', `/api/v1/accounts/relationships?id[]=${to.id}`, { token: from.token })
        if (!res.body?.[0]?.following) {
          lost.push(`follow ${from.username} → ${to.username}`)
          missing.follows++
        }
      }
      // A status lost in a power cut is reported above; it is not waited for at the inbox.
      deliveries = await checkDeliveries(base, remote, present, Math.max(30_000, deadline - Date.now()), lost)
      for (const u of users) {
        const me = await api(base, 'GET', '/api/v1/accounts/verify_credentials', { token: u.token })
        const acked = statuses.filter((s) => s.author === u).length
        const tried = attempted.get(u.id) ?? 0
        // Counters move in the status's own transaction: at least every acknowledged one, at most every attempted one.
        if (me.body.statuses_count < acked || me.body.statuses_count > tried) lost.push(`${u.username}: statuses_count ${me.body.statuses_count}, acknowledged ${acked}, attempted ${tried}`)
        const following = follows.filter(([a]) => a === u).length
        if (me.body.following_count < following) lost.push(`${u.username}: following_count ${me.body.following_count}, acknowledged ${following}`)
      }
      await server.stop()
      server = null
    } else {
      // The folder does not open: every acknowledged write in it is lost.
      missing.statuses = statuses.length
      missing.follows = follows.length
      lost.push(`all ${statuses.length} acknowledged statuses and ${follows.length} follows are in the folder that does not open`)
    }
  } finally {
    await server?.kill().catch(() => {})
    await remote?.stop().catch(() => {})
    await scratch?.drop().catch(() => {})
    rmSync(dataDir, { recursive: true, force: true })
  }
  return {
    database: scratch ? 'postgres' : 'pglite',
    powerLoss: !!opts.powerLoss,
    pgliteFsync: opts.pgliteFsync !== false,
    kills,
    restarts,
    acknowledged: { statuses: statuses.length, media: statuses.filter((s) => s.mediaUrl).length, follows: follows.length },
    deliveries,
    interrupted,
    missing,
    damaged,
    lost,
    seconds: Math.round((Date.now() - started) / 1000),
  }
}

if (import.meta.main) {
  const { values } = (await import('node:util')).parseArgs({
    options: {
      kills: { type: 'string', default: '5' },
      seconds: { type: 'string', default: '180' },
      seed: { type: 'string', default: String(Date.now() % 100000) },
      'database-url': { type: 'string' },
      'power-loss': { type: 'boolean', default: false },
      'pglite-fsync': { type: 'string', default: 'on' },
      'clean-restart-first': { type: 'boolean', default: false },
      'load-ms': { type: 'string', default: '1500-5000' },
    },
  })
  const [minLoad, maxLoad] = values['load-ms'].split('-').map(Number)
  const report = await runCrashTest({
    loadMs: [minLoad!, maxLoad ?? minLoad!],
    kills: Number(values.kills), seconds: Number(values.seconds), seed: Number(values.seed), databaseUrl: values['database-url'] ?? null,
    powerLoss: values['power-loss'], pgliteFsync: values['pglite-fsync'] !== 'off', cleanRestartFirst: values['clean-restart-first'],
  })
  // a control run can lose hundreds of writes: the first few say what kind
  const shown = report.lost.length > 20 ? [...report.lost.slice(0, 20), `... and ${report.lost.length - 20} more`] : report.lost
  console.log(JSON.stringify({ seed: Number(values.seed), ...report, lost: shown }, null, 2))
  process.exit(report.lost.length ? 1 : 0)
}
