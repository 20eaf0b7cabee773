// Federation benchmarks against a fresh PostgreSQL database (dropped and created by this script):
//
//   (a) fan-out: a local account with --followers remote followers spread over --domains remote hosts (each host a
//       loopback listener of the sink below, with one shared inbox) posts one status through the API; measures the
//       time until every host's shared inbox got its Create with a valid draft-cavage signature.
//   (b) inbound: a sink-side actor sends signed Creates to Rookery's shared inbox at --concurrency for --seconds;
//       measures accepted (2xx) and stored statuses per second.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/rookery_fedbench bun bench/federation.ts [--followers 10000]
//     [--domains 500] [--seconds 10] [--concurrency 8] [--port 4490]
import { spawn } from 'node:child_process'
import { createHash, createVerify, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { signRequest } from '@fedify/fedify'
import { and, count, eq } from 'drizzle-orm'
import { loadConfig } from '../src/config'
import { createLocalUser } from '../src/core/accounts/create-user'
import type { Ctx } from '../src/core/context'
import { upsertRemoteActor } from '../src/core/federation/actors'
import { issueToken } from '../src/core/oauth/tokens'
import { openPostgres } from '../src/db/client'
import { migrate } from '../src/db/migrate'
import { follows, statuses } from '../src/db/schema'
import { freshDatabase } from './database'
import { option } from './options'

const url = process.env.DATABASE_URL
if (!url) {
  console.error('DATABASE_URL is required (a PostgreSQL URL of a database this script may drop and create)')
  process.exit(2)
}
const FOLLOWERS = Number(option('followers', '10000'))
const DOMAINS = Number(option('domains', '500'))
const SECONDS = Math.min(Number(option('seconds', '10')), 60)
const CONCURRENCY = Number(option('concurrency', '8'))
const PORT = Number(option('port', '4490'))
const BASE = `http://127.0.0.1:${PORT}`
const FANOUT_TIMEOUT_MS = 120_000

const started = Date.now()
const step = (label: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${label}`)

await freshDatabase(url)
const database = openPostgres(url, 4)
await migrate(database.db)
const env = {
  ...process.env, DATABASE_URL: url, PORT: String(PORT), ROOKERY_DOMAIN: `127.0.0.1:${PORT}`,
  ROOKERY_FEDERATION_ALLOW_PRIVATE: 'true', ROOKERY_LOG_REQUESTS: 'false', ROOKERY_RATE_LIMITS: 'false',
}
const ctx: Ctx = { db: database.db, database, config: loadConfig(env, { databaseUrl: url }), startedAt: new Date() }

// ---- the sink: one loopback listener per remote host, checking draft-cavage signatures against keys fetched once
const publicKeys = new Map<string, Promise<KeyObject | string>>()
async function publicKeyOf(keyId: string): Promise<KeyObject | string> {
  let key = publicKeys.get(keyId)
  if (!key) {
    key = fetch(keyId, { headers: { accept: 'application/activity+json' } }).then(async (res) => {
      const actor = await res.json() as { publicKey?: { id: string; publicKeyPem: string } | { id: string; publicKeyPem: string }[] }
      const found = [actor.publicKey ?? []].flat().find((k) => k.id === keyId)
      if (!found) throw new Error(`no key ${keyId}`)
      return found.publicKeyPem
    })
    publicKeys.set(keyId, key)
  }
  return key
}

const stats = { verified: 0, rejected: 0, creates: 0 }
const firstCreate = new Map<string, number>()
let allArrived: (() => void) | null = null

async function verified(req: Request, path: string, body: string): Promise<boolean> {
  const header = req.headers.get('signature')
  if (!header) return false
  const fields = Object.fromEntries([...header.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]))
  if (!fields.keyId || !fields.signature || !fields.headers) return false
  const digest = req.headers.get('digest')
  if (!digest || digest !== `SHA-256=${createHash('sha256').update(body).digest('base64')}`) return false
  const signed = fields.headers.split(' ').map((name) =>
    name === '(request-target)' ? `(request-target): ${req.method.toLowerCase()} ${path}` : `${name}: ${req.headers.get(name) ?? ''}`).join('\n')
  const key = await publicKeyOf(fields.keyId).catch(() => null)
  return !!key && createVerify('RSA-SHA256').update(signed).verify(key, fields.signature, 'base64')
}

// The sink-side actor of the inbound stream lives on the first host.
const sinkKeys = generateKeyPairSync('rsa', { modulusLength: 2048 })
const sinkPrivate = await crypto.subtle.importKey(
  'pkcs8', sinkKeys.privateKey.export({ type: 'pkcs8', format: 'der' }), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['sign'],
)
const sinkPem = sinkKeys.publicKey.export({ type: 'spki', format: 'pem' }) as string

const hosts: string[] = []
const listeners = Array.from({ length: DOMAINS }, () => Bun.serve({
  hostname: '127.0.0.1', port: 0,
  async fetch(req) {
    const u = new URL(req.url)
    if (req.method === 'GET' && u.pathname === '/users/bench') {
      const id = `http://${u.host}/users/bench`
      return Response.json({
        '@context': ['https://www.w3.org/ns/activitystreams', 'https://w3id.org/security/v1'],
        id, type: 'Person', preferredUsername: 'bench', inbox: `${id}/inbox`, followers: `${id}/followers`,
        endpoints: { sharedInbox: `http://${u.host}/inbox` },
        publicKey: { id: `${id}#main-key`, owner: id, publicKeyPem: sinkPem },
      }, { headers: { 'content-type': 'application/activity+json' } })
    }
    if (req.method !== 'POST') return new Response(null, { status: 404 })
    const body = await req.text()
    if (!(await verified(req, u.pathname, body))) {
      stats.rejected++
      return new Response(null, { status: 401 })
    }
    stats.verified++
    if (u.pathname === '/inbox' && body.includes('"Create"')) {
      stats.creates++
      if (!firstCreate.has(u.host)) {
        firstCreate.set(u.host, Date.now())
        if (firstCreate.size === DOMAINS) allArrived?.()
      }
    }
    return new Response(null, { status: 202 })
  },
}))
for (const l of listeners) hosts.push(`127.0.0.1:${l.port}`)

// ---- Rookery as its own process
const server = spawn(process.execPath, ['src/cli/index.ts', 'serve'], { env, stdio: ['ignore', 'ignore', 'inherit'] })
const stop = async (code: number) => {
  server.kill('SIGTERM')
  for (const l of listeners) l.stop(true)
  await database.close?.()
  process.exit(code)
}
process.on('SIGINT', () => void stop(130))
process.on('exit', () => server.kill('SIGTERM'))
const upDeadline = Date.now() + 60_000
for (;;) {
  const ok = await fetch(`${BASE}/api/v1/instance`).then((r) => r.ok, () => false)
  if (ok) break
  if (Date.now() > upDeadline) {
    console.error('rookery serve did not come up')
    await stop(1)
  }
  await Bun.sleep(250)
}
step(`rookery serve up on ${BASE}`)

// ---- dataset
const { user, account: alice } = await createLocalUser(ctx, { nickname: 'alice', email: 'alice@bench.test', password: 'correct horse battery staple' })
const token = (await issueToken(ctx, { appId: null, userId: user.id, scopes: ['read', 'write'], withRefresh: false })).accessToken
const perDomain = Math.ceil(FOLLOWERS / DOMAINS)
const followerIds: string[] = []
async function seedFollower(i: number) {
  const host = hosts[i % DOMAINS]!
  const uri = `http://${host}/users/f${i}`
  const account = await upsertRemoteActor(ctx, {
    uri, username: `f${i}`, domain: host, displayName: '', note: '', url: null,
    inboxUrl: `${uri}/inbox`, sharedInboxUrl: `http://${host}/inbox`, followersUrl: null, followingUrl: null, outboxUrl: null,
    locked: false, bot: false, actorType: 'Person', avatarUrl: null, headerUrl: null,
  })
  followerIds.push(account.id)
}
for (let i = 0; i < FOLLOWERS; i += 16) await Promise.all(Array.from({ length: Math.min(16, FOLLOWERS - i) }, (_, k) => seedFollower(i + k)))
for (let i = 0; i < followerIds.length; i += 1000) {
  await ctx.db.insert(follows).values(followerIds.slice(i, i + 1000).map((id) => ({ accountId: id, targetAccountId: alice.id })))
}
step(`seeded ${followerIds.length} remote followers over ${DOMAINS} hosts (${perDomain} each, one shared inbox per host)`)

// ---- (a) fan-out
const arrived = new Promise<void>((resolve) => { allArrived = resolve })
const posted = Date.now()
const res = await fetch(`${BASE}/api/v1/statuses`, {
  method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  body: JSON.stringify({ status: 'hello, fediverse', visibility: 'public' }),
})
if (res.status !== 200) {
  console.error(`posting failed: ${res.status} ${await res.text()}`)
  await stop(1)
}
const answered = Date.now() - posted
await Promise.race([arrived, Bun.sleep(FANOUT_TIMEOUT_MS)])
const times = [...firstCreate.values()].map((t) => t - posted).sort((a, b) => a - b)
const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? NaN
console.log(`\n(a) fan-out: 1 status, ${followerIds.length} followers, ${DOMAINS} hosts`)
console.log(`    API answered in ${answered} ms; ${firstCreate.size}/${DOMAINS} shared inboxes got the Create` +
  ` (${stats.creates} Create POSTs, ${stats.verified} signatures valid, ${stats.rejected} refused)`)
console.log(`    first ${at(0)} ms, median ${at(0.5)} ms, 99 % ${at(0.99)} ms, all ${times.length === DOMAINS ? `${times[times.length - 1]} ms` : 'not within the limit'}`)
console.log(`    that is ${(firstCreate.size / ((times[times.length - 1] ?? 1) / 1000)).toFixed(1)} deliveries/s`)

// ---- (b) inbound stream
const sinkHost = hosts[0]!
const actorUri = `http://${sinkHost}/users/bench`
const benchActor = await upsertRemoteActor(ctx, {
  uri: actorUri, username: 'bench', domain: sinkHost, displayName: '', note: '', url: null,
  inboxUrl: `${actorUri}/inbox`, sharedInboxUrl: `http://${sinkHost}/inbox`, followersUrl: `${actorUri}/followers`, followingUrl: null, outboxUrl: null,
  locked: false, bot: false, actorType: 'Person', avatarUrl: null, headerUrl: null,
})
await ctx.db.insert(follows).values({ accountId: alice.id, targetAccountId: benchActor.id })
const PUBLIC = 'https://www.w3.org/ns/activitystreams#Public'
let sequence = 0
const inbound = { accepted: 0, refused: 0, failed: 0 }
async function sendOne() {
  const n = ++sequence
  const id = `${actorUri}/statuses/${n}`
  const published = new Date().toISOString()
  const activity = {
    '@context': 'https://www.w3.org/ns/activitystreams',
    id: `${id}/activity`, type: 'Create', actor: actorUri, published, to: [PUBLIC], cc: [`${actorUri}/followers`],
    object: { id, type: 'Note', attributedTo: actorUri, content: `<p>inbound status ${n}</p>`, published, to: [PUBLIC], cc: [`${actorUri}/followers`] },
  }
  const request = await signRequest(new Request(`${BASE}/inbox`, {
    method: 'POST', headers: { 'content-type': 'application/activity+json', accept: 'application/activity+json' }, body: JSON.stringify(activity),
  }), sinkPrivate, new URL(`${actorUri}#main-key`), { spec: 'draft-cavage-http-signatures-12' })
  try {
    const answer = await fetch(request)
    await answer.arrayBuffer()
    if (answer.ok) inbound.accepted++
    else inbound.refused++
  } catch {
    inbound.failed++
  }
}
const storedCount = async () => (await ctx.db.select({ n: count() }).from(statuses)
  .where(and(eq(statuses.accountId, benchActor.id))))[0]!.n
const streamStart = Date.now()
const streamEnd = streamStart + SECONDS * 1000
await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
  while (Date.now() < streamEnd) await sendOne()
}))
const streamMs = Date.now() - streamStart
const storedInWindow = await storedCount()
// Let the inbox queue finish what it accepted (bounded), to tell storing throughput from accepting.
const drainDeadline = Date.now() + 20_000
let stored = storedInWindow
while (stored < inbound.accepted && Date.now() < drainDeadline) {
  await Bun.sleep(500)
  stored = await storedCount()
}
const drainMs = Date.now() - streamStart
console.log(`\n(b) inbound: signed Creates to the shared inbox, ${CONCURRENCY} at a time for ${SECONDS} s`)
console.log(`    accepted ${inbound.accepted} (${(inbound.accepted / (streamMs / 1000)).toFixed(1)}/s), refused ${inbound.refused}, failed ${inbound.failed}`)
console.log(`    stored ${storedInWindow} within the window (${(storedInWindow / (streamMs / 1000)).toFixed(1)}/s); ` +
  `${stored} of ${inbound.accepted} after ${(drainMs / 1000).toFixed(1)} s (${(stored / (drainMs / 1000)).toFixed(1)}/s overall)`)
console.log(`    load average: ${(await Bun.file('/proc/loadavg').text().catch(() => '?')).split(' ').slice(0, 3).join(' ')}`)
await stop(0)
