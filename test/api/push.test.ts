// Web Push: subscriptions through the API, and deliveries to a push service on loopback that checks the VAPID
// signature and decrypts the payload with the subscriber's keys, as a browser would.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { lookup } from 'node:dns/promises'
import { hostname } from 'node:os'
import { createECDH, createPublicKey, createDecipheriv, hkdfSync, randomBytes, verify, type ECDH } from 'node:crypto'
import { and, desc, eq } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import { startJobs, type Jobs } from '../../src/core/jobs'
import { deliverPush, dispatchPush, purgeDeadSubscriptions, registerPushJobs } from '../../src/core/push/deliver'
import { notifications, oauthTokens, pushSubscriptions } from '../../src/db/schema'
import { createApp, type App } from '../../src/server/app'
import { contextWith, getTestContext } from '../support/context'
import { makeUser, type MadeUser } from '../support/factories'
import { call as callApp, type CallOptions } from '../support/http'
import { expectShape } from '../support/shape'

let ctx: Ctx
let app: App
const call = (method: string, path: string, opts: CallOptions = {}) => callApp(method, path, { ...opts, app })

beforeAll(async () => {
  ctx = await contextWith({ pushAllowLoopbackHttp: true })
  app = createApp(ctx)
})

const b64 = (buf: Buffer) => buf.toString('base64url')

/** What a browser makes when subscribing: an ECDH key pair on P-256 and a 16-byte auth secret. */
function browserKeys() {
  const ecdh = createECDH('prime256v1')
  ecdh.generateKeys()
  const auth = randomBytes(16)
  return { ecdh, auth, p256dh: b64(ecdh.getPublicKey()), authB64: b64(auth) }
}

type BrowserKeys = ReturnType<typeof browserKeys>

function subscribeForm(endpoint: string, keys: Pick<BrowserKeys, 'p256dh' | 'authB64'>, extra: Record<string, string> = {}) {
  return { 'subscription[endpoint]': endpoint, 'subscription[keys][p256dh]': keys.p256dh, 'subscription[keys][auth]': keys.authB64, ...extra }
}

describe('/api/v1/push/subscription', () => {
  const endpoint = 'https://push.example.net/send/abc123'

  test('create, read, update, replace and delete, each token its own subscription', async () => {
    const alice = await makeUser(ctx)
    const keys = browserKeys()
    const created = await call('POST', '/api/v1/push/subscription', {
      token: alice.token,
      form: subscribeForm(endpoint, keys, {
        'subscription[standard]': 'true', 'data[alerts][mention]': 'true', 'data[alerts][admin.sign_up]': '1',
        'data[alerts][pleroma:emoji_reaction]': 'true', 'data[policy]': 'followed',
      }),
    })
    expect(created.status).toBe(200)
    expectShape(created.json, 'WebPushSubscription')
    expect(created.json).toMatchObject({ endpoint, standard: true, policy: 'followed' })
    expect(created.json.alerts).toMatchObject({ mention: true, 'admin.sign_up': true, 'pleroma:emoji_reaction': true, follow: false, reblog: false, 'pleroma:chat_mention': false, move: false })

    const instance = await call('GET', '/api/v2/instance')
    expect(instance.json.configuration.vapid.public_key).toBe(created.json.server_key)
    expect(Buffer.from(created.json.server_key, 'base64url')).toHaveLength(65)
    const v1 = await call('GET', '/api/v1/instance')
    expect(v1.json.pleroma.vapid_public_key).toBe(created.json.server_key)
    const registered = await call('POST', '/api/v1/apps', { json: { client_name: 'push client', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob' } })
    expect(registered.json.vapid_key).toBe(created.json.server_key)

    const read = await call('GET', '/api/v1/push/subscription', { token: alice.token })
    expect(read.status).toBe(200)
    expect(read.json).toEqual(created.json)

    const updated = await call('PUT', '/api/v1/push/subscription', { token: alice.token, json: { data: { alerts: { follow: true, mention: false }, policy: 'follower' } } })
    expect(updated.status).toBe(200)
    expect(updated.json).toMatchObject({ id: created.json.id, endpoint, policy: 'follower' })
    expect(updated.json.alerts).toMatchObject({ follow: true, mention: false, 'admin.sign_up': true })

    // another token of the same user has none of its own
    const other = await call('POST', '/oauth/token', { json: { grant_type: 'password', username: alice.account.username, password: alice.password, ...(await clientOf()) } })
    expect(other.status).toBe(200)
    expect((await call('GET', '/api/v1/push/subscription', { token: other.json.access_token })).status).toBe(404)

    const replaced = await call('POST', '/api/v1/push/subscription', { token: alice.token, json: { subscription: { endpoint: `${endpoint}2`, keys: { p256dh: keys.p256dh, auth: keys.authB64 } } } })
    expect(replaced.status).toBe(200)
    expect(replaced.json.id).not.toBe(created.json.id)
    expect(replaced.json).toMatchObject({ endpoint: `${endpoint}2`, standard: false, policy: 'all' })
    expect(Object.values(replaced.json.alerts).every((v) => v === false)).toBe(true)
    expect(await ctx.db.select().from(pushSubscriptions).where(eq(pushSubscriptions.accountId, alice.account.id))).toHaveLength(1)

    const deleted = await call('DELETE', '/api/v1/push/subscription', { token: alice.token })
    expect(deleted.status).toBe(200)
    expect(deleted.json).toEqual({})
    expect((await call('GET', '/api/v1/push/subscription', { token: alice.token })).status).toBe(404)
    expect((await call('PUT', '/api/v1/push/subscription', { token: alice.token, json: { data: { policy: 'all' } } })).status).toBe(404)
    expect((await call('DELETE', '/api/v1/push/subscription', { token: alice.token })).json).toEqual({})
  })

  test('no token 401, a token without push 403', async () => {
    const reader = await makeUser(ctx, { scopes: ['read', 'write'] })
    const keys = browserKeys()
    for (const method of ['POST', 'GET', 'PUT', 'DELETE']) {
      const anon = await call(method, '/api/v1/push/subscription', { form: subscribeForm(endpoint, keys) })
      expect(anon.status).toBe(401)
      expect(anon.json.error).toBeString()
      const wrong = await call(method, '/api/v1/push/subscription', { token: reader.token, form: subscribeForm(endpoint, keys) })
      expect(wrong.status).toBe(403)
      expect(wrong.json.error).toBeString()
    }
  })

  test('malformed subscriptions are refused with 4xx and nothing is stored', async () => {
    const bob = await makeUser(ctx)
    const keys = browserKeys()
    const offCurve = b64(Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 0xff)]))
    const cases: [Record<string, unknown>, number][] = [
      [{}, 400],
      [{ subscription: 'nope' }, 400],
      [{ subscription: { keys: { p256dh: keys.p256dh, auth: keys.authB64 } } }, 400],
      [{ subscription: { endpoint: 'not a url', keys: { p256dh: keys.p256dh, auth: keys.authB64 } } }, 422],
      [{ subscription: { endpoint: 'http://push.example.net/x', keys: { p256dh: keys.p256dh, auth: keys.authB64 } } }, 422],
      [{ subscription: { endpoint: 'ftp://push.example.net/x', keys: { p256dh: keys.p256dh, auth: keys.authB64 } } }, 422],
      [{ subscription: { endpoint: 'http://10.0.0.1/x', keys: { p256dh: keys.p256dh, auth: keys.authB64 } } }, 422],
      [{ subscription: { endpoint: 'https://192.168.1.20/x', keys: { p256dh: keys.p256dh, auth: keys.authB64 } } }, 422],
      [{ subscription: { endpoint: 'https://[fd00::1]/x', keys: { p256dh: keys.p256dh, auth: keys.authB64 } } }, 422],
      [{ subscription: { endpoint: 'https://169.254.169.254/latest', keys: { p256dh: keys.p256dh, auth: keys.authB64 } } }, 422],
      [{ subscription: { endpoint: `https://push.example.net/${'a'.repeat(3000)}`, keys: { p256dh: keys.p256dh, auth: keys.authB64 } } }, 422],
      [{ subscription: { endpoint, keys: { auth: keys.authB64 } } }, 400],
      [{ subscription: { endpoint, keys: { p256dh: keys.p256dh } } }, 400],
      [{ subscription: { endpoint, keys: { p256dh: 'short', auth: keys.authB64 } } }, 422],
      [{ subscription: { endpoint, keys: { p256dh: offCurve, auth: keys.authB64 } } }, 422],
      [{ subscription: { endpoint, keys: { p256dh: 'not base64 at all!', auth: keys.authB64 } } }, 422],
      [{ subscription: { endpoint, keys: { p256dh: keys.p256dh, auth: b64(randomBytes(10)) } } }, 422],
      [{ subscription: { endpoint, keys: { p256dh: keys.p256dh, auth: keys.authB64 }, standard: 'maybe' } }, 422],
      [{ subscription: { endpoint, keys: { p256dh: keys.p256dh, auth: keys.authB64 } }, data: { policy: 'everyone' } }, 422],
      [{ subscription: { endpoint, keys: { p256dh: keys.p256dh, auth: keys.authB64 } }, data: { alerts: { mention: 'perhaps' } } }, 422],
      [{ subscription: { endpoint, keys: { p256dh: keys.p256dh, auth: keys.authB64 } }, data: { alerts: 'all' } }, 400],
    ]
    for (const [json, status] of cases) {
      const res = await call('POST', '/api/v1/push/subscription', { token: bob.token, json })
      expect({ json, status: res.status }).toEqual({ json, status })
      expect(res.json.error).toBeString()
    }
    expect(await ctx.db.select().from(pushSubscriptions).where(eq(pushSubscriptions.accountId, bob.account.id))).toHaveLength(0)

    // plain http on loopback only where the configuration allows it
    const strictApp = createApp(await getTestContext())
    const loopback = await callApp('POST', '/api/v1/push/subscription', { app: strictApp, token: bob.token, form: subscribeForm('http://127.0.0.1:9/x', keys) })
    expect(loopback.status).toBe(422)
    expect((await callApp('POST', '/api/v1/push/subscription', { app: strictApp, token: bob.token, form: subscribeForm('https://127.0.0.1/x', keys) })).status).toBe(422)
    expect((await callApp('POST', '/api/v1/push/subscription', { app: strictApp, token: bob.token, form: subscribeForm('https://localhost/x', keys) })).status).toBe(422)
    expect((await call('POST', '/api/v1/push/subscription', { token: bob.token, form: subscribeForm('http://10.1.2.3/x', keys) })).status).toBe(422)
    expect((await call('POST', '/api/v1/push/subscription', { token: bob.token, form: subscribeForm('http://127.0.0.1:9/x', keys) })).status).toBe(200)
    // standard base64 with padding, as some clients send it, is the same key
    const padded = await call('POST', '/api/v1/push/subscription', {
      token: bob.token, json: { subscription: { endpoint, keys: { p256dh: keys.ecdh.getPublicKey().toString('base64'), auth: keys.auth.toString('base64') } } },
    })
    expect(padded.status).toBe(200)
  })

  test('a subscription ends with its token', async () => {
    const carol = await makeUser(ctx)
    const keys = browserKeys()
    expect((await call('POST', '/api/v1/push/subscription', { token: carol.token, form: subscribeForm(endpoint, keys) })).status).toBe(200)
    const [sub] = await ctx.db.select().from(pushSubscriptions).where(eq(pushSubscriptions.accountId, carol.account.id))
    await ctx.db.update(oauthTokens).set({ revokedAt: new Date() }).where(eq(oauthTokens.id, sub.tokenId))
    await purgeDeadSubscriptions(ctx)
    expect(await ctx.db.select().from(pushSubscriptions).where(eq(pushSubscriptions.id, sub.id))).toHaveLength(0)

    const dave = await makeUser(ctx)
    expect((await call('POST', '/api/v1/push/subscription', { token: dave.token, form: subscribeForm(endpoint, keys) })).status).toBe(200)
    const [again] = await ctx.db.select().from(pushSubscriptions).where(eq(pushSubscriptions.accountId, dave.account.id))
    await ctx.db.delete(oauthTokens).where(eq(oauthTokens.id, again.tokenId))
    expect(await ctx.db.select().from(pushSubscriptions).where(eq(pushSubscriptions.id, again.id))).toHaveLength(0)
  })
})

describe('delivery to an endpoint whose name now resolves to a private address', () => {
  test('is refused when the connection is made, and nothing reaches that address', async () => {
    // This machine's own name resolves to loopback (/etc/hosts), as an attacker's DNS name could after subscribing.
    const host = hostname()
    const resolved = await lookup(host)
    expect(resolved.address.startsWith('127.') || resolved.address === '::1').toBe(true)
    let reached = 0
    const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => { reached++; return new Response(null, { status: 201 }) } })
    try {
      const strict = await contextWith({ pushAllowLoopbackHttp: false })
      const strictApp = createApp(strict)
      const [alice, bob] = [await makeUser(strict), await makeUser(strict)]
      const form = subscribeForm(`https://${host}:${server.port}/send/x`, browserKeys(), { 'data[alerts][mention]': 'true' })
      expect((await callApp('POST', '/api/v1/push/subscription', { app: strictApp, token: alice.token, form })).status).toBe(200)
      expect((await callApp('POST', '/api/v1/statuses', { app: strictApp, token: bob.token, json: { status: `@${alice.account.username} hi` } })).status).toBe(200)
      const [sub] = await strict.db.select().from(pushSubscriptions).where(eq(pushSubscriptions.accountId, alice.account.id))
      const [mention] = await strict.db.select().from(notifications).where(eq(notifications.accountId, alice.account.id))
      await expect(deliverPush(strict, { subscriptionId: sub.id, notificationId: mention.id })).rejects.toThrow(/not a public address/)
      expect(reached).toBe(0)
    } finally {
      await server.stop(true)
    }
  })
})

async function clientOf() {
  const res = await call('POST', '/api/v1/apps', { json: { client_name: 'second device', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: 'read write push' } })
  return { client_id: res.json.client_id, client_secret: res.json.client_secret, scope: 'read write push' }
}

// --- a push service on loopback -------------------------------------------------------------------------------

interface Received {
  path: string
  headers: Headers
  body: Buffer
}

const hkdf = (salt: Buffer, ikm: Buffer, info: Buffer, length: number) => Buffer.from(hkdfSync('sha256', ikm, salt, info, length))

function aesGcmOpen(key: Buffer, nonce: Buffer, data: Buffer): Buffer {
  const d = createDecipheriv('aes-128-gcm', key, nonce)
  d.setAuthTag(data.subarray(data.length - 16))
  return Buffer.concat([d.update(data.subarray(0, data.length - 16)), d.final()])
}

/** RFC 8291 with RFC 8188's aes128gcm content coding (one record). */
function decryptAes128gcm(body: Buffer, keys: BrowserKeys): string {
  const salt = body.subarray(0, 16)
  const idlen = body[20]
  const serverPublic = body.subarray(21, 21 + idlen)
  const ciphertext = body.subarray(21 + idlen)
  const shared = keys.ecdh.computeSecret(serverPublic)
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), keys.ecdh.getPublicKey(), serverPublic])
  const ikm = hkdf(keys.auth, shared, keyInfo, 32)
  const cek = hkdf(salt, ikm, Buffer.from('Content-Encoding: aes128gcm\0'), 16)
  const nonce = hkdf(salt, ikm, Buffer.from('Content-Encoding: nonce\0'), 12)
  const padded = aesGcmOpen(cek, nonce, ciphertext)
  let end = padded.length - 1
  while (end > 0 && padded[end] === 0) end--
  expect(padded[end]).toBe(2) // the last record's delimiter
  return padded.subarray(0, end).toString('utf8')
}

const headerParam = (header: string | null, name: string) => {
  for (const part of (header ?? '').split(/[;,]/)) {
    const [k, v] = part.trim().split('=')
    if (k === name) return v
  }
  return undefined
}

/** draft-ietf-webpush-encryption-04 `aesgcm`: keys in the Encryption and Crypto-Key headers, a 2-byte padding length. */
function decryptAesgcm(req: Received, keys: BrowserKeys): string {
  const salt = Buffer.from(headerParam(req.headers.get('encryption'), 'salt')!, 'base64url')
  const serverPublic = Buffer.from(headerParam(req.headers.get('crypto-key'), 'dh')!, 'base64url')
  const shared = keys.ecdh.computeSecret(serverPublic)
  const ikm = hkdf(keys.auth, shared, Buffer.from('Content-Encoding: auth\0'), 32)
  const len = (b: Buffer) => Buffer.from([0, b.length])
  const context = Buffer.concat([Buffer.from('P-256\0'), len(keys.ecdh.getPublicKey()), keys.ecdh.getPublicKey(), len(serverPublic), serverPublic])
  const cek = hkdf(salt, ikm, Buffer.concat([Buffer.from('Content-Encoding: aesgcm\0'), context]), 16)
  const nonce = hkdf(salt, ikm, Buffer.concat([Buffer.from('Content-Encoding: nonce\0'), context]), 12)
  const padded = aesGcmOpen(cek, nonce, req.body)
  const padding = padded.readUInt16BE(0)
  return padded.subarray(2 + padding).toString('utf8')
}

/** RFC 8292: an ES256 JWT for the push service's origin, signed with the instance's VAPID key, not yet expired. */
function checkVapid(req: Received, standard: boolean, serverKey: string, origin: string) {
  const authorization = req.headers.get('authorization') ?? ''
  let jwt: string
  let k: string | undefined
  if (standard) {
    const m = /^vapid t=([^,\s]+),\s*k=(\S+)$/.exec(authorization)
    expect(m).not.toBeNull()
    ;[, jwt, k] = m!
  } else {
    const m = /^WebPush (\S+)$/.exec(authorization)
    expect(m).not.toBeNull()
    jwt = m![1]
    k = headerParam(req.headers.get('crypto-key'), 'p256ecdsa')
  }
  expect(k).toBe(serverKey)
  const raw = Buffer.from(serverKey, 'base64url')
  const publicKey = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64(raw.subarray(1, 33)), y: b64(raw.subarray(33)) }, format: 'jwk' })
  const [h, p, s] = jwt.split('.')
  expect(JSON.parse(Buffer.from(h, 'base64url').toString())).toMatchObject({ alg: 'ES256' })
  expect(verify('sha256', Buffer.from(`${h}.${p}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'))).toBe(true)
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString())
  expect(claims.aud).toBe(origin)
  const now = Date.now() / 1000
  expect(claims.exp).toBeGreaterThan(now)
  expect(claims.exp).toBeLessThanOrEqual(now + 24 * 3600 + 60)
  expect(claims.sub).toMatch(/^(mailto:|https:)/)
}

describe('delivery', () => {
  let jobs: Jobs
  let stopPush: () => Promise<void>
  let server: ReturnType<typeof Bun.serve>
  let origin: string
  const received: Received[] = []

  beforeAll(async () => {
    server = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      async fetch(req) {
        const path = new URL(req.url).pathname
        received.push({ path, headers: req.headers, body: Buffer.from(await req.arrayBuffer()) })
        return new Response(null, { status: path.startsWith('/gone/') ? 410 : 201 })
      },
    })
    origin = `http://127.0.0.1:${server.port}`
    jobs = await startJobs(ctx.database, { supervise: false, queues: ['push.dispatch', 'push.deliver'] })
    stopPush = await registerPushJobs({ ...ctx, jobs })
  })
  afterAll(async () => {
    await stopPush?.()
    await jobs?.stop()
    server?.stop(true)
  }, 30_000)

  const waitFor = async <T>(check: () => T | Promise<T>, ms = 20_000): Promise<T> => {
    const until = Date.now() + ms
    let value = await check()
    while (!value && Date.now() < until) {
      await Bun.sleep(100)
      value = await check()
    }
    return value
  }

  const arrivals = (path: string) => received.filter((r) => r.path === path)

  async function subscribe(who: MadeUser, path: string, keys: BrowserKeys, form: Record<string, string>) {
    const res = await call('POST', '/api/v1/push/subscription', { token: who.token, form: subscribeForm(`${origin}${path}`, keys, form) })
    expect(res.status).toBe(200)
    return res.json as { server_key: string; id: string }
  }

  const latestNotification = async (who: MadeUser, type: string) =>
    (await ctx.db.select().from(notifications).where(and(eq(notifications.accountId, who.account.id), eq(notifications.type, type as any))).orderBy(desc(notifications.seq)).limit(1))[0]

  for (const standard of [true, false]) {
    test(`${standard ? 'aes128gcm' : 'aesgcm'}: a mention arrives signed and readable only with the subscriber's keys; alerts decide the rest`, async () => {
      const [alice, bob] = [await makeUser(ctx, { displayName: 'Alice' }), await makeUser(ctx, { displayName: 'Bob Example' })]
      const keys = browserKeys()
      const path = `/push/${alice.account.id}`
      const sub = await subscribe(alice, path, keys, {
        'subscription[standard]': String(standard), 'data[alerts][mention]': 'true', 'data[alerts][favourite]': 'true', 'data[alerts][follow]': 'false',
      })
      const status = await call('POST', '/api/v1/statuses', { token: bob.token, json: { status: `@${alice.account.username} the geese are back` } })
      expect(status.status).toBe(200)
      expect(await waitFor(() => arrivals(path).length >= 1)).toBe(true)
      const [req] = arrivals(path)
      expect(req.headers.get('content-encoding')).toBe(standard ? 'aes128gcm' : 'aesgcm')
      expect(Number(req.headers.get('ttl'))).toBeGreaterThan(0)
      checkVapid(req, standard, sub.server_key, origin)
      expect(req.body.toString('utf8')).not.toContain('geese')
      const payload = JSON.parse(standard ? decryptAes128gcm(req.body, keys) : decryptAesgcm(req, keys))
      const mention = await latestNotification(alice, 'mention')
      expect(payload).toEqual({
        access_token: alice.token,
        preferred_locale: 'en',
        notification_id: mention.seq,
        notification_type: 'mention',
        icon: expect.stringMatching(/^https?:\/\//),
        title: 'You were mentioned by Bob Example',
        body: expect.stringContaining('the geese are back'),
      })
      expect(Number.isSafeInteger(payload.notification_id)).toBe(true)
      expect(String(payload.notification_id)).toMatch(/^\d+$/)
      // the token in the payload works for the API
      expect((await call('GET', '/api/v1/notifications', { token: payload.access_token })).status).toBe(200)

      // follow is off, favourite is on: only the favourite arrives, after the follow was passed over
      expect((await call('POST', `/api/v1/accounts/${alice.account.id}/follow`, { token: bob.token })).status).toBe(200)
      const own = await call('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'honk' } })
      expect((await call('POST', `/api/v1/statuses/${own.json.id}/favourite`, { token: bob.token })).status).toBe(200)
      expect(await waitFor(() => arrivals(path).length >= 2)).toBe(true)
      const second = JSON.parse(standard ? decryptAes128gcm(arrivals(path)[1].body, keys) : decryptAesgcm(arrivals(path)[1], keys))
      expect(second).toMatchObject({ notification_type: 'favourite', title: 'Bob Example favourited your post', body: 'honk' })
      expect(second.notification_id).toBeGreaterThan(payload.notification_id)
      expect(await latestNotification(alice, 'follow')).toBeDefined()
      expect(arrivals(path)).toHaveLength(2)
    }, 60_000)
  }

  test('policy decides whose notifications are pushed, private mentions included', async () => {
    const [alice, friend, stranger] = [await makeUser(ctx), await makeUser(ctx), await makeUser(ctx)]
    const keys = browserKeys()
    const path = `/push/${alice.account.id}`
    await subscribe(alice, path, keys, { 'subscription[standard]': 'true', 'data[alerts][mention]': 'true', 'data[policy]': 'followed' })
    expect((await call('POST', `/api/v1/accounts/${friend.account.id}/follow`, { token: alice.token })).status).toBe(200)
    const dm = (who: MadeUser, text: string) => call('POST', '/api/v1/statuses', { token: who.token, json: { status: `@${alice.account.username} ${text}`, visibility: 'direct' } })
    expect((await dm(stranger, 'from a stranger')).status).toBe(200)
    expect((await dm(friend, 'from a friend')).status).toBe(200)
    expect(await waitFor(() => arrivals(path).length >= 1)).toBe(true)
    const bodies = () => arrivals(path).map((r) => JSON.parse(decryptAes128gcm(r.body, keys)).body as string)
    expect(bodies()[0]).toContain('from a friend')

    // policy none: nothing at all, once dispatch passed it; back to all: the next one arrives
    expect((await call('PUT', '/api/v1/push/subscription', { token: alice.token, form: { 'data[policy]': 'none' } })).status).toBe(200)
    expect((await dm(friend, 'while muted by policy')).status).toBe(200)
    const passed = await latestNotification(alice, 'mention')
    const cursor = async () => (await ctx.db.select().from(pushSubscriptions).where(eq(pushSubscriptions.accountId, alice.account.id)))[0].lastSeq
    expect(await waitFor(async () => (await cursor()) >= passed.seq)).toBe(true)
    expect((await call('PUT', '/api/v1/push/subscription', { token: alice.token, form: { 'data[policy]': 'all' } })).status).toBe(200)
    // a notification from an account muted since (made here as if it came before the mute) is not pushed, as the
    // notifications API hides it
    expect((await call('POST', `/api/v1/accounts/${stranger.account.id}/mute`, { token: alice.token, json: { notifications: true } })).status).toBe(200)
    const hush = await dm(stranger, 'from a stranger muted later')
    expect(hush.status).toBe(200)
    await ctx.db.insert(notifications).values({ accountId: alice.account.id, fromAccountId: stranger.account.id, type: 'mention', statusId: hush.json.id })
    expect((await dm(friend, 'under policy all')).status).toBe(200)
    expect(await waitFor(() => arrivals(path).length >= 2)).toBe(true)
    await Bun.sleep(300)
    expect(bodies()).toHaveLength(2)
    expect(bodies()[1]).toContain('under policy all')
  }, 60_000)

  test('a notification whose transaction committed after a later one was dispatched is pushed once', async () => {
    const [alice, bob] = [await makeUser(ctx), await makeUser(ctx, { displayName: 'Bob' })]
    const keys = browserKeys()
    const path = `/late/${alice.account.id}`
    const sub = await subscribe(alice, path, keys, { 'subscription[standard]': 'true', 'data[alerts][mention]': 'true', 'data[alerts][follow]': 'true' })
    // the cursor already went past it, as when a later notification's transaction committed and was dispatched first
    const [late] = await ctx.db.insert(notifications).values({ accountId: alice.account.id, fromAccountId: bob.account.id, type: 'follow' }).returning()
    await ctx.db.update(pushSubscriptions).set({ lastSeq: late.seq }).where(eq(pushSubscriptions.id, sub.id))
    expect((await call('POST', '/api/v1/statuses', { token: bob.token, json: { status: `@${alice.account.username} first` } })).status).toBe(200)
    expect(await waitFor(() => arrivals(path).length >= 2)).toBe(true)
    const types = () => arrivals(path).map((r) => JSON.parse(decryptAes128gcm(r.body, keys)).notification_type as string).sort()
    expect(types()).toEqual(['follow', 'mention'])
    expect((await call('POST', '/api/v1/statuses', { token: bob.token, json: { status: `@${alice.account.username} second` } })).status).toBe(200)
    expect(await waitFor(() => arrivals(path).length >= 3)).toBe(true)
    await Bun.sleep(300)
    expect(types()).toEqual(['follow', 'mention', 'mention'])
  }, 60_000)

  test('the periodic sweep pushes what no event announced', async () => {
    const [alice, bob] = [await makeUser(ctx), await makeUser(ctx, { displayName: 'Bob' })]
    const keys = browserKeys()
    const path = `/sweep/${alice.account.id}`
    await subscribe(alice, path, keys, { 'data[alerts][follow]': 'true' })
    await ctx.db.insert(notifications).values({ accountId: alice.account.id, fromAccountId: bob.account.id, type: 'follow' })
    await dispatchPush({ ...ctx, jobs })
    expect(await waitFor(() => arrivals(path).length >= 1)).toBe(true)
    expect(JSON.parse(decryptAesgcm(arrivals(path)[0], keys))).toMatchObject({ notification_type: 'follow', title: 'Bob is now following you' })
    await dispatchPush({ ...ctx, jobs })
    await Bun.sleep(2500)
    expect(arrivals(path)).toHaveLength(1)
  }, 60_000)

  test('a push service answering 410 removes the subscription', async () => {
    const [alice, bob] = [await makeUser(ctx), await makeUser(ctx)]
    const path = `/gone/${alice.account.id}`
    const sub = await subscribe(alice, path, browserKeys(), { 'data[alerts][mention]': 'true' })
    expect((await call('POST', '/api/v1/statuses', { token: bob.token, json: { status: `@${alice.account.username} hello?` } })).status).toBe(200)
    expect(await waitFor(async () => (await ctx.db.select().from(pushSubscriptions).where(eq(pushSubscriptions.id, sub.id))).length === 0)).toBe(true)
    expect(arrivals(path)).toHaveLength(1)
    expect((await call('GET', '/api/v1/push/subscription', { token: alice.token })).status).toBe(404)
  }, 60_000)
})
