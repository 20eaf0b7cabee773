// Instance moderation between two Rookery instances: B's admin limits A through Mastodon's admin API (domain blocks
// of each severity, reject_media, reject_reports, obfuscate, allow-list mode) or Pleroma's simple policy in B's
// configuration, and the tests check, through both client APIs, what still crosses and what does not, what lifting a
// block gives back, and how B lists its blocks and peers.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { resultRows } from '../../src/db/client'
import { sha256 } from '../../src/core/secrets'
import type { MadeUser } from '../support/factories'
import { fileOf, pngFixture } from '../support/media-fixtures'
import { api, startTwoInstances, waitUntil, type Instance, type TwoInstances } from '../support/two-instances'

let net: TwoInstances
/** B's admin, who blocks and allows A */
let admin: MadeUser

beforeAll(async () => {
  net = await startTwoInstances()
  admin = await net.makeUser(net.b, { scopes: ['read', 'write', 'follow', 'admin:read', 'admin:write'], user: { isAdmin: true } })
}, 120_000)

afterAll(async () => {
  await net?.close()
}, 60_000)

afterEach(async () => {
  for (const block of (await call(net.b, admin, 'GET', '/api/v1/admin/domain_blocks')) as any[]) {
    expect((await api(net.b, admin.token, 'DELETE', `/api/v1/admin/domain_blocks/${block.id}`)).status).toBe(200)
  }
  for (const allow of (await call(net.b, admin, 'GET', '/api/v1/admin/domain_allows')) as any[]) {
    expect((await api(net.b, admin.token, 'DELETE', `/api/v1/admin/domain_allows/${allow.id}`)).status).toBe(200)
  }
  // B's configuration is one object shared by its server and workers: what a test set there is taken back here
  const { federation } = net.b.ctx.config
  federation.limited = false
  for (const list of Object.values(federation.mrf.simple)) list.length = 0
})

async function call(instance: Instance, user: MadeUser | null, method: string, path: string, body?: unknown) {
  const res = await api(instance, user?.token ?? null, method, path, body)
  if (res.status !== 200) throw new Error(`${method} ${path} on ${instance.name}: ${res.status} ${res.text}`)
  return res.json
}

/** B's admin blocks A's domain through the admin API; answers the block. */
async function blockA(params: Record<string, unknown>) {
  const res = await api(net.b, admin.token, 'POST', '/api/v1/admin/domain_blocks', { domain: net.a.domain, ...params })
  expect(res.status).toBe(200)
  return res.json
}

const liftBlock = async (id: string) => expect((await api(net.b, admin.token, 'DELETE', `/api/v1/admin/domain_blocks/${id}`)).status).toBe(200)

async function post(instance: Instance, user: MadeUser, params: Record<string, unknown>): Promise<{ id: string; uri: string }> {
  return call(instance, user, 'POST', '/api/v1/statuses', params)
}

async function relationship(instance: Instance, viewer: MadeUser, id: string) {
  return (await call(instance, viewer, 'GET', `/api/v1/accounts/relationships?id[]=${id}`))[0]
}

const accts = async (instance: Instance, viewer: MadeUser, path: string): Promise<string[]> =>
  ((await call(instance, viewer, 'GET', path)) as any[]).map((a) => a.acct)

/** `follower` on `from` follows `target` on `to` and waits until both sides agree; the target's id on `from`. */
async function followAccepted(from: Instance, follower: MadeUser, to: Instance, target: MadeUser): Promise<string> {
  const found = await net.resolve(from, follower.token, net.acct(to, target))
  await call(from, follower, 'POST', `/api/v1/accounts/${found.id}/follow`)
  await waitUntil(async () => (await relationship(from, follower, found.id)).following, 60_000, 'the Accept')
  await waitUntil(async () => (await accts(to, target, `/api/v1/accounts/${target.account.id}/followers`)).includes(net.acct(from, follower)), 30_000, 'the follower on the other side')
  return found.id
}

const uris = async (instance: Instance, viewer: MadeUser | null, path: string): Promise<string[]> =>
  ((await call(instance, viewer, 'GET', path)) as any[]).map((s) => s.uri)
const home = (instance: Instance, viewer: MadeUser) => uris(instance, viewer, '/api/v1/timelines/home?limit=40')
const federated = (instance: Instance, viewer: MadeUser | null) => uris(instance, viewer, '/api/v1/timelines/public?remote=true&limit=40')

/** Waits until the status `uri` is in `viewer`'s home on `instance`; answers it as rendered there. */
const arrivesHome = (instance: Instance, viewer: MadeUser, uri: string) => waitUntil(async () => {
  const list = (await call(instance, viewer, 'GET', '/api/v1/timelines/home?limit=40')) as any[]
  return list.find((s) => s.uri === uri)
}, 60_000, `${uri} in a home on ${instance.name}`)

async function count(instance: Instance, query: ReturnType<typeof sql>): Promise<number> {
  return resultRows<{ n: number }>(await instance.ctx.db.execute(query))[0]?.n ?? 0
}

/** Whether `instance` holds a copy of the status `uri`. */
const holds = async (instance: Instance, uri: string) => (await count(instance, sql`select count(*)::int as n from statuses where uri = ${uri}`)) > 0

/** Deliveries from `from` to `to` that were queued after `since`. */
const deliveriesQueued = (from: Instance, to: Instance, since: Date) => count(from, sql`select count(*)::int as n from pgboss.job
  where name = 'federation.outbox' and data->'message'->>'inbox' like ${`${to.baseUrl}/%`} and created_on > ${since.toISOString()}::timestamptz`)

/** Deliveries from `from` to `to` queued after `since` that were tried at least once (delivered, refused or waiting to retry). */
const deliveriesTried = (from: Instance, to: Instance, since: Date) => count(from, sql`select count(*)::int as n from pgboss.job
  where name = 'federation.outbox' and data->'message'->>'inbox' like ${`${to.baseUrl}/%`} and created_on > ${since.toISOString()}::timestamptz
    and state not in ('created', 'active')`)

/** Waits until nothing is waiting or running in `instance`'s federation queues (retries of refused deliveries aside). */
const federationIdle = (instance: Instance) => waitUntil(async () => (await count(instance, sql`select count(*)::int as n from pgboss.job
  where name like 'federation.%' and state in ('created', 'active') and start_after <= now()`)) === 0, 60_000, `${instance.name}'s federation queues to empty`)

/** An uploaded picture of `user` on `instance`, for `media_ids`. */
async function upload(instance: Instance, user: MadeUser): Promise<string> {
  const form = new FormData()
  form.append('file', fileOf(pngFixture(32, 24), 'image/png', 'red.png'))
  const res = await fetch(`${instance.baseUrl}/api/v2/media`, { method: 'POST', headers: { authorization: `Bearer ${user.token}` }, body: form })
  expect(res.status).toBeLessThan(300)
  return ((await res.json()) as { id: string }).id
}

const peers = async (): Promise<string[]> => call(net.b, null, 'GET', '/api/v1/instance/peers')

describe('silence', () => {
  test('A\'s posts reach followers only; strangers\' notifications wait as requests, follows become requests; lifting it restores the timelines', async () => {
    const [alice, dave] = await Promise.all([net.makeUser(net.a), net.makeUser(net.a)])
    const [bob, carol] = await Promise.all([net.makeUser(net.b), net.makeUser(net.b)])
    await followAccepted(net.b, bob, net.a, alice)
    const aliceOnB = await net.resolve(net.b, bob.token, net.acct(net.a, alice))
    await Promise.all([net.resolve(net.a, alice.token, net.acct(net.b, bob)), net.resolve(net.a, alice.token, net.acct(net.b, carol))])
    expect(await peers()).toContain(net.a.domain)

    const block = await blockA({ severity: 'silence', obfuscate: true, public_comment: 'too loud' })
    expect(block).toMatchObject({ domain: net.a.domain, severity: 'silence', obfuscate: true })
    expect((await call(net.b, admin, 'GET', `/api/v1/admin/accounts/${aliceOnB.id}`)).silenced).toBe(true)

    const loud = await post(net.a, alice, { status: `@${net.acct(net.b, bob)} @${net.acct(net.b, carol)} hello both`, visibility: 'public' })
    const onB = await arrivesHome(net.b, bob, loud.uri)
    // the follower has it everywhere, mention notification included
    expect(await federated(net.b, bob)).toContain(loud.uri)
    const bobs = await waitUntil(async () => ((await call(net.b, bob, 'GET', '/api/v1/notifications?types[]=mention')) as any[]).find((n) => n.status.uri === loud.uri), 30_000, 'bob\'s mention')
    expect(bobs.account.acct).toBe(net.acct(net.a, alice))
    // a stranger can read it, but it is off her public timelines and her notification is held back as a request
    expect((await api(net.b, carol.token, 'GET', `/api/v1/statuses/${onB.id}`)).status).toBe(200)
    expect(await federated(net.b, carol)).not.toContain(loud.uri)
    expect(await federated(net.b, null)).not.toContain(loud.uri)
    const request = await waitUntil(async () => ((await call(net.b, carol, 'GET', '/api/v1/notifications/requests')) as any[])
      .find((r) => r.account.acct === net.acct(net.a, alice)), 30_000, 'carol\'s notification request')
    expect(request.last_status?.uri).toBe(loud.uri)
    expect((await call(net.b, carol, 'GET', '/api/v1/notifications')) as any[]).toEqual([])

    // a new follower from A only asks, even of an unlocked account, and the request is held back too
    const carolOnA = await net.resolve(net.a, dave.token, net.acct(net.b, carol))
    await call(net.a, dave, 'POST', `/api/v1/accounts/${carolOnA.id}/follow`)
    await waitUntil(async () => (await accts(net.b, carol, '/api/v1/follow_requests')).includes(net.acct(net.a, dave)), 60_000, 'dave\'s request on B')
    expect(await accts(net.b, carol, `/api/v1/accounts/${carol.account.id}/followers`)).toEqual([])
    expect((await call(net.b, carol, 'GET', '/api/v1/notifications')) as any[]).toEqual([])
    expect(await relationship(net.a, dave, carolOnA.id)).toMatchObject({ following: false, requested: true })

    // what B publishes: the obfuscated name with the real name's digest; A is no peer while it is blocked
    const listed = (await call(net.b, carol, 'GET', '/api/v1/instance/domain_blocks')) as any[]
    const entry = listed.find((b) => b.digest === sha256(net.a.domain))
    expect(entry).toMatchObject({ severity: 'silence', comment: 'too loud' })
    expect(entry.domain).not.toBe(net.a.domain)
    expect(entry.domain).toContain('*')
    expect(entry.domain).toHaveLength(net.a.domain.length)
    expect(await peers()).not.toContain(net.a.domain)

    await liftBlock(block.id)
    expect((await call(net.b, admin, 'GET', `/api/v1/admin/accounts/${aliceOnB.id}`)).silenced).toBe(false)
    expect(await federated(net.b, carol)).toContain(loud.uri)
    expect(await federated(net.b, null)).toContain(loud.uri)
    expect(await peers()).toContain(net.a.domain)
    expect((await call(net.b, carol, 'GET', '/api/v1/instance/domain_blocks')) as any[]).toEqual([])
    // the pending request stays one, for carol to answer
    expect(await accts(net.b, carol, '/api/v1/follow_requests')).toEqual([net.acct(net.a, dave)])
  }, 240_000)
})

describe('noop with reject_media and reject_reports', () => {
  test('A\'s posts arrive with their pictures as links only; A\'s reports are dropped; lifting it takes pictures and reports again', async () => {
    const alice = await net.makeUser(net.a)
    const bob = await net.makeUser(net.b)
    await followAccepted(net.b, bob, net.a, alice)
    const bobOnA = (await net.resolve(net.a, alice.token, net.acct(net.b, bob))).id
    const reportsOnB = async (): Promise<string[]> => ((await call(net.b, admin, 'GET', '/api/v1/pleroma/admin/reports?page_size=200')).reports as any[])
      .filter((r) => r.account?.id === bob.account.id).map((r) => r.content)

    const block = await blockA({ severity: 'noop', reject_media: true, reject_reports: true })
    const pictured = await post(net.a, alice, { status: 'a picture', visibility: 'public', media_ids: [await upload(net.a, alice)] })
    const stripped = await arrivesHome(net.b, bob, pictured.uri)
    expect(stripped.media_attachments).toHaveLength(1)
    expect(stripped.media_attachments[0].type).toBe('unknown')
    expect(stripped.media_attachments[0].remote_url).toStartWith(net.a.baseUrl)
    expect(stripped.media_attachments[0].preview_url ?? null).toBeNull()
    // noop limits nothing else: the post is on B's public timeline, and B publishes no block; but as on Mastodon a
    // blocked domain is no peer, whatever the severity
    expect(await federated(net.b, null)).toContain(pictured.uri)
    expect(await peers()).not.toContain(net.a.domain)
    expect(((await call(net.b, bob, 'GET', '/api/v1/instance/domain_blocks')) as any[])).toEqual([])

    const since = new Date()
    await call(net.a, alice, 'POST', '/api/v1/reports', { account_id: bobOnA, comment: 'dropped report', forward: true })
    await waitUntil(() => deliveriesTried(net.a, net.b, since), 60_000, 'the Flag delivered to B')
    await federationIdle(net.b)

    await liftBlock(block.id)
    await call(net.a, alice, 'POST', '/api/v1/reports', { account_id: bobOnA, comment: 'taken report', forward: true })
    await waitUntil(async () => (await reportsOnB()).length, 60_000, 'the report on B')
    expect(await reportsOnB()).toEqual(['taken report'])
    const pictured2 = await post(net.a, alice, { status: 'another picture', visibility: 'public', media_ids: [await upload(net.a, alice)] })
    expect((await arrivesHome(net.b, bob, pictured2.uri)).media_attachments[0].type).toBe('image')
  }, 240_000)
})

describe('suspend', () => {
  test('follows are severed, nothing crosses either way, A is listed and no peer; lifting it brings the accounts back, not the follows', async () => {
    const alice = await net.makeUser(net.a)
    const bob = await net.makeUser(net.b)
    const bobOnA = await followAccepted(net.a, alice, net.b, bob)
    const aliceOnB = await followAccepted(net.b, bob, net.a, alice)
    const before = await post(net.a, alice, { status: 'before the block', visibility: 'public' })
    const beforeOnB = await arrivesHome(net.b, bob, before.uri)

    const block = await blockA({ severity: 'suspend', public_comment: 'gone' })
    expect(await accts(net.b, bob, `/api/v1/accounts/${bob.account.id}/followers`)).toEqual([])
    expect(await accts(net.b, bob, `/api/v1/accounts/${bob.account.id}/following`)).toEqual([])
    expect((await api(net.b, bob.token, 'GET', `/api/v1/accounts/${aliceOnB}`)).status).toBe(404)
    expect((await api(net.b, bob.token, 'GET', `/api/v1/statuses/${beforeOnB.id}`)).status).toBe(404)
    expect(await home(net.b, bob)).not.toContain(before.uri)
    expect(((await call(net.b, bob, 'GET', '/api/v1/instance/domain_blocks')) as any[])).toEqual([
      { domain: net.a.domain, digest: sha256(net.a.domain), severity: 'suspend', comment: 'gone' },
    ])
    expect(await peers()).not.toContain(net.a.domain)

    // B sends A nothing: bob's post and his mention of alice queue no delivery to A, and A never gets them
    const since = new Date()
    const fromB = await post(net.b, bob, { status: `@${net.acct(net.a, alice)} are you there?`, visibility: 'public' })
    await federationIdle(net.b)
    expect(await deliveriesQueued(net.b, net.a, since)).toBe(0)
    expect(await holds(net.a, fromB.uri)).toBe(false)
    // and takes nothing from A: alice's post to bob is refused when delivered
    const fromA = await post(net.a, alice, { status: `@${net.acct(net.b, bob)} hello?`, visibility: 'public' })
    await waitUntil(() => deliveriesTried(net.a, net.b, since), 60_000, 'A\'s delivery tried')
    await federationIdle(net.b)
    expect(await holds(net.b, fromA.uri)).toBe(false)
    // A's own view is unchanged: it was told nothing
    expect(await relationship(net.a, alice, bobOnA)).toMatchObject({ following: true })

    await liftBlock(block.id)
    expect((await api(net.b, bob.token, 'GET', `/api/v1/accounts/${aliceOnB}`)).status).toBe(200)
    expect((await api(net.b, bob.token, 'GET', `/api/v1/statuses/${beforeOnB.id}`)).status).toBe(200)
    expect(await relationship(net.b, bob, aliceOnB)).toMatchObject({ following: false, followed_by: false })
    expect(await peers()).toContain(net.a.domain)
    // following again works both ways
    await call(net.b, bob, 'POST', `/api/v1/accounts/${aliceOnB}/follow`)
    await waitUntil(async () => (await relationship(net.b, bob, aliceOnB)).following, 60_000, 'bob following alice again')
    const after = await post(net.a, alice, { status: 'after the block', visibility: 'public' })
    await arrivesHome(net.b, bob, after.uri)
  }, 300_000)
})

describe('allow-list mode', () => {
  test('with limited federation only allowed domains federate; allowing A lets its posts and follows through', async () => {
    const alice = await net.makeUser(net.a)
    const [bob, carol] = await Promise.all([net.makeUser(net.b), net.makeUser(net.b)])
    await followAccepted(net.b, bob, net.a, alice)
    const carolOnA = (await net.resolve(net.a, alice.token, net.acct(net.b, carol))).id

    net.b.ctx.config.federation.limited = true
    expect(await peers()).not.toContain(net.a.domain)
    const since = new Date()
    const refused = await post(net.a, alice, { status: 'not allowed yet', visibility: 'public' })
    await waitUntil(() => deliveriesTried(net.a, net.b, since), 60_000, 'A\'s delivery tried')
    await federationIdle(net.b)
    expect(await holds(net.b, refused.uri)).toBe(false)
    const fromB = await post(net.b, bob, { status: `@${net.acct(net.a, alice)} anyone?`, visibility: 'public' })
    await federationIdle(net.b)
    expect(await deliveriesQueued(net.b, net.a, since)).toBe(0)
    expect(await holds(net.a, fromB.uri)).toBe(false)

    const allowed = await api(net.b, admin.token, 'POST', '/api/v1/admin/domain_allows', { domain: net.a.domain })
    expect(allowed.status).toBe(200)
    expect(allowed.json.domain).toBe(net.a.domain)
    expect(await peers()).toContain(net.a.domain)
    const taken = await post(net.a, alice, { status: 'allowed now', visibility: 'public' })
    await arrivesHome(net.b, bob, taken.uri)
    await call(net.a, alice, 'POST', `/api/v1/accounts/${carolOnA}/follow`)
    await waitUntil(async () => (await relationship(net.a, alice, carolOnA)).following, 60_000, 'alice following carol')
  }, 240_000)
})

describe('Pleroma\'s simple policy on B', () => {
  test('avatar_removal and banner_removal drop A\'s pictures; followers_only, media_nsfw and federated_timeline_removal change A\'s posts', async () => {
    const alice = await net.makeUser(net.a)
    const form = new FormData()
    form.append('avatar', fileOf(pngFixture(40, 40), 'image/png', 'avatar.png'))
    form.append('header', fileOf(pngFixture(90, 30), 'image/png', 'header.png'))
    const updated = await fetch(`${net.a.baseUrl}/api/v1/accounts/update_credentials`, { method: 'PATCH', headers: { authorization: `Bearer ${alice.token}` }, body: form })
    expect(updated.status).toBe(200)
    const [bob, carol] = await Promise.all([net.makeUser(net.b), net.makeUser(net.b)])

    const { simple } = net.b.ctx.config.federation.mrf
    const rule = { domain: net.a.host, reason: 'policy test' }
    simple.avatar_removal.push(rule)
    simple.banner_removal.push(rule)
    simple.followers_only.push(rule)
    const aliceOnB = await net.resolve(net.b, bob.token, net.acct(net.a, alice))
    expect(aliceOnB.avatar).not.toContain(net.a.host)
    expect(aliceOnB.header).not.toContain(net.a.host)
    expect(aliceOnB.avatar).toBe(aliceOnB.avatar_static)
    await followAccepted(net.b, bob, net.a, alice)

    const open = await post(net.a, alice, { status: 'public on A', visibility: 'public' })
    const narrowed = await arrivesHome(net.b, bob, open.uri)
    expect(narrowed.visibility).toBe('private')
    expect((await api(net.b, carol.token, 'GET', `/api/v1/statuses/${narrowed.id}`)).status).toBe(404)
    expect(await federated(net.b, bob)).not.toContain(open.uri)
    // configured limits are published as silences
    expect(((await call(net.b, carol, 'GET', '/api/v1/instance/domain_blocks')) as any[]).find((b) => b.domain === net.a.host))
      .toMatchObject({ severity: 'silence', comment: 'policy test' })

    simple.followers_only.length = 0
    simple.media_nsfw.push(rule)
    simple.federated_timeline_removal.push(rule)
    const pictured = await post(net.a, alice, { status: 'a picture', visibility: 'public', media_ids: [await upload(net.a, alice)] })
    const marked = await arrivesHome(net.b, bob, pictured.uri)
    expect(marked).toMatchObject({ visibility: 'unlisted', sensitive: true })
    expect(marked.media_attachments[0].type).toBe('image')
    expect((await api(net.b, carol.token, 'GET', `/api/v1/statuses/${marked.id}`)).status).toBe(200)
    expect(await federated(net.b, bob)).not.toContain(pictured.uri)
    expect(await federated(net.b, null)).not.toContain(pictured.uri)
  }, 240_000)
})
