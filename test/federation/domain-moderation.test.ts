// Instance moderation against a server that is not Rookery (a Fedify peer on loopback): per severity of a domain
// block, and per simple or keyword policy, what still arrives from the peer and what does not, and that nothing is
// delivered to a suspended domain; the same policies set through Pleroma's config API; and what the instance knows of
// the peer as a server (its NodeInfo, read in the background).
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { Accept, Create, Follow, type Activity } from '@fedify/vocab'
import { blockDomain, unblockDomain } from '../../src/core/instance/domain-blocks'
import { allowDomain, disallowDomain } from '../../src/core/instance/domain-allows'
import { forgetStoredSettings } from '../../src/core/admin/settings'
import type { Ctx } from '../../src/core/context'
import { listKnownInstances, registerInstanceJobs } from '../../src/core/federation/instances'
import type { Jobs } from '../../src/core/jobs'
import { accounts, adminSettings, follows, knownInstances, mediaAttachments, statuses } from '../../src/db/schema'
import { makeUser, type MadeUser } from '../support/factories'
import { startLiveServer, until, type LiveServer } from '../support/live-server'
import { startPeer, type Peer } from '../support/peer'

const PUBLIC = 'https://www.w3.org/ns/activitystreams#Public'

let rookery: LiveServer
let peer: Peer
let peerHost: string
let alice: MadeUser
let carol: MadeUser
let inbox: string
let bobUri: string
let bobId: string
let admin: MadeUser

let seq = 0
function note(fields: Record<string, unknown> = {}): Record<string, any> & { id: string } {
  const actor = peer.actorUri('bob').href
  return {
    id: `${peer.baseUrl}/users/bob/statuses/mod-${Date.now()}-${++seq}`,
    type: 'Note',
    attributedTo: actor,
    content: '<p>hello</p>',
    published: new Date().toISOString(),
    to: [PUBLIC],
    cc: [`${actor}/followers`],
    ...fields,
  }
}

const create = (object: Record<string, any>) => ({
  '@context': 'https://www.w3.org/ns/activitystreams',
  id: `${object.id}/activity`,
  type: 'Create',
  actor: peer.actorUri('bob').href,
  to: object.to,
  cc: object.cc,
  object,
})

const storedStatus = async (uri: string) => (await rookery.ctx.db.select().from(statuses).where(eq(statuses.uri, uri)))[0]
const waitStored = (uri: string) => until(() => storedStatus(uri))

/**
 * Delivers a post, then a plain sentinel post, and waits for the sentinel and a moment more (inbox jobs may run in
 * parallel, out of order): the first has been stored or dropped by then.
 */
async function deliverSettled(object: Record<string, any>) {
  expect((await peer.sendJson(create(object), inbox)).status).toBeLessThan(300)
  const sentinel = note()
  expect((await peer.sendJson(create(sentinel), inbox)).status).toBeLessThan(300)
  await waitStored(sentinel.id)
  for (let tries = 0; tries < 30; tries++) {
    const row = await storedStatus(object.id)
    if (row) return row
    await Bun.sleep(100)
  }
  return undefined
}

const bob = async () => (await rookery.ctx.db.select().from(accounts).where(eq(accounts.id, bobId)))[0]
const publicUris = async (user: MadeUser | null) =>
  (await rookery.api(user, 'GET', '/api/v1/timelines/public?remote=true&limit=40')).body.map((s: any) => s.uri)
const aliceFollowsBob = async () =>
  (await rookery.ctx.db.select().from(follows).where(eq(follows.accountId, alice.account.id))).some((f) => f.targetAccountId === bobId)

async function followBob() {
  await rookery.api(alice, 'POST', `/api/v1/accounts/${bobId}/follow`)
  const follow = await peer.waitFor((a: Activity): a is Follow => a instanceof Follow && a.objectId?.href === bobUri && !seenFollows.has(a.id?.href ?? ''))
  seenFollows.add(follow.id!.href)
  const aliceActor = await peer.context().lookupObject(`${rookery.baseUrl}/users/${alice.account.username}`)
  await peer.send(new Accept({ id: new URL(`${peer.baseUrl}/accepts/${Date.now()}-${++seq}`), actor: new URL(bobUri), object: follow }), aliceActor as any)
  await until(aliceFollowsBob)
}
const seenFollows = new Set<string>()

beforeAll(async () => {
  rookery = await startLiveServer({ federation: { allowPrivate: true } })
  await registerInstanceJobs(rookery.ctx as Ctx & { jobs: Jobs })
  peer = await startPeer(['bob'])
  peerHost = new URL(peer.baseUrl).host
  // what the peer says it runs, read when its first actor is stored
  peer.serve('/.well-known/nodeinfo', { links: [
    { rel: 'http://nodeinfo.diaspora.software/ns/schema/2.0', href: `${peer.baseUrl}/nodeinfo/2.0` },
    { rel: 'http://nodeinfo.diaspora.software/ns/schema/2.1', href: `${peer.baseUrl}/nodeinfo/2.1` },
  ] })
  peer.serve('/nodeinfo/2.0', { version: '2.0', software: { name: 'oldware', version: '0.1' } })
  peer.serve('/nodeinfo/2.1', { version: '2.1', software: { name: 'PeerWare', version: '3.2.1' }, protocols: ['activitypub'] })
  admin = await makeUser(rookery.ctx, { scopes: ['admin:read', 'admin:write'], user: { isAdmin: true } })
  inbox = `${rookery.baseUrl}/inbox`
  bobUri = peer.actorUri('bob').href
  ;[alice, carol] = await Promise.all([makeUser(rookery.ctx), makeUser(rookery.ctx)])
  const found = await rookery.api(alice, 'GET', `/api/v2/search?q=${encodeURIComponent(`@bob@${peerHost}`)}&resolve=true&type=accounts`)
  bobId = found.body.accounts[0].id
  await followBob()
}, 90_000)

afterAll(async () => {
  await peer?.stop()
  await rookery?.stop()
}, 60_000)

afterEach(async () => {
  await rookery.ctx.db.delete(adminSettings)
  forgetStoredSettings(rookery.ctx.database)
  await unblockDomain(rookery.ctx, peerHost)
  const { federation } = rookery.ctx.config
  federation.limited = false
  federation.mrf.keyword.reject = []
  federation.mrf.keyword.federated_timeline_removal = []
  for (const list of Object.values(federation.mrf.simple)) list.length = 0
  await disallowDomain(rookery.ctx, peerHost)
})

describe('domain block severities', () => {
  test('noop with reject_media: posts arrive, their attachments stay plain links', async () => {
    await blockDomain(rookery.ctx, peerHost, 'noop', { reject_media: true })
    const n = note({
      attachment: [{ type: 'Document', mediaType: 'image/png', url: `${peer.baseUrl}/media/cat.png`, blurhash: 'UABC', width: 40, height: 20 }],
    })
    const row = await deliverSettled(n)
    expect(row).toBeDefined()
    const [media] = await rookery.ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.statusId, row!.id))
    expect(media).toMatchObject({ type: 'unknown', remoteUrl: `${peer.baseUrl}/media/cat.png`, blurhash: null })
    const seen = await rookery.api(carol, 'GET', `/api/v1/statuses/${row!.id}`)
    expect(seen.body.media_attachments[0]).toMatchObject({ type: 'unknown', remote_url: `${peer.baseUrl}/media/cat.png` })
    expect((await bob()).silencedAt).toBeNull()
  }, 60_000)

  test('silence: posts arrive for followers, stay off the public timeline for everyone else; lifting it restores', async () => {
    await blockDomain(rookery.ctx, peerHost, 'silence')
    expect((await bob()).silencedAt).not.toBeNull()
    const n = note()
    expect(await deliverSettled(n)).toBeDefined()
    expect(await publicUris(alice)).toContain(n.id)
    expect(await publicUris(carol)).not.toContain(n.id)
    expect(await publicUris(null)).not.toContain(n.id)
    expect(await aliceFollowsBob()).toBe(true)
    await unblockDomain(rookery.ctx, peerHost)
    expect((await bob()).silencedAt).toBeNull()
    expect(await publicUris(carol)).toContain(n.id)
  }, 60_000)

  test('suspend: activities refused before any work, follows severed, the account hidden, nothing delivered', async () => {
    const before = await deliverSettled(note())
    expect(before).toBeDefined()
    await blockDomain(rookery.ctx, peerHost, 'suspend')
    expect(await aliceFollowsBob()).toBe(false)
    expect((await bob()).suspendedAt).not.toBeNull()
    expect((await rookery.api(carol, 'GET', `/api/v1/accounts/${bobId}`)).status).toBe(404)
    expect((await rookery.api(carol, 'GET', `/api/v1/statuses/${before!.id}`)).status).toBe(404)

    const refused = note()
    expect((await peer.sendJson(create(refused), inbox)).status).toBe(403)
    // a post of alice addressed to bob: not one activity reaches the suspended server
    const receivedBefore = peer.received.length
    const posted = await rookery.api(alice, 'POST', '/api/v1/statuses', { status: `@bob@${peerHost} are you there?`, visibility: 'public' })
    expect(posted.status).toBe(200)
    await Bun.sleep(1500)
    expect(peer.received.slice(receivedBefore).filter((a) => a instanceof Create)).toEqual([])
    expect(await storedStatus(refused.id)).toBeUndefined()

    // lifting the block brings the account back (the follow stays ended)
    await unblockDomain(rookery.ctx, peerHost)
    expect((await bob()).suspendedAt).toBeNull()
    expect((await rookery.api(carol, 'GET', `/api/v1/accounts/${bobId}`)).status).toBe(200)
    await followBob()
  }, 90_000)

  test('a block of the parent domain covers the peer', async () => {
    await blockDomain(rookery.ctx, '127.0.0.1', 'suspend')
    try {
      expect((await peer.sendJson(create(note()), inbox)).status).toBe(403)
    } finally {
      await unblockDomain(rookery.ctx, '127.0.0.1')
      await until(async () => !(await bob()).suspendedAt)
      await followBob()
    }
  }, 90_000)
})

describe('limited federation', () => {
  test('only allowed domains federate', async () => {
    rookery.ctx.config.federation.limited = true
    expect((await peer.sendJson(create(note()), inbox)).status).toBe(403)
    await allowDomain(rookery.ctx, peerHost, null)
    expect(await deliverSettled(note())).toBeDefined()
  }, 60_000)
})

describe("Pleroma's simple and keyword policies", () => {
  test('reject refuses the domain', async () => {
    rookery.ctx.config.federation.mrf.simple.reject.push({ domain: peerHost, reason: 'spam' })
    expect((await peer.sendJson(create(note()), inbox)).status).toBe(403)
  }, 60_000)

  test('followers_only makes public posts private; media_nsfw marks media sensitive; federated_timeline_removal unlists', async () => {
    const { simple } = rookery.ctx.config.federation.mrf
    simple.followers_only.push({ domain: peerHost, reason: '' })
    const privateOne = await deliverSettled(note())
    expect(privateOne?.visibility).toBe('private')
    simple.followers_only.length = 0

    simple.media_nsfw.push({ domain: peerHost, reason: '' })
    simple.federated_timeline_removal.push({ domain: peerHost, reason: '' })
    const withMedia = await deliverSettled(note({ attachment: [{ type: 'Document', mediaType: 'image/png', url: `${peer.baseUrl}/media/2.png` }] }))
    expect(withMedia).toMatchObject({ sensitive: true, visibility: 'unlisted' })
  }, 60_000)

  test('keywords: a matching post is rejected or unlisted, by word or by /pattern/', async () => {
    const { keyword } = rookery.ctx.config.federation.mrf
    keyword.reject.push('forbidden', '/buy\\s+now/i')
    keyword.federated_timeline_removal.push('quiet')
    expect(await deliverSettled(note({ content: '<p>This is FORBIDDEN talk</p>' }))).toBeUndefined()
    expect(await deliverSettled(note({ content: '<p>Buy   NOW cheap</p>' }))).toBeUndefined()
    expect(await deliverSettled(note({ content: '<p>a quiet one</p>' }))).toMatchObject({ visibility: 'unlisted' })
    expect(await deliverSettled(note({ content: '<p>all fine</p>' }))).toMatchObject({ visibility: 'public' })
  }, 60_000)
})

describe("policies set through Pleroma's config API", () => {
  const config = (value: unknown[], key: string) =>
    rookery.api(admin, 'POST', '/api/v1/pleroma/admin/config', { configs: [{ group: ':pleroma', key, value }] })

  test('a keyword reject drops a matching post; a replacement rewrites one', async () => {
    const set = await config([
      { tuple: [':reject', ['~r/free\\s+crypto/i']] },
      { tuple: [':replace', [{ tuple: ['cloud', 'butt'] }]] },
    ], ':mrf_keyword')
    expect(set.status).toBe(200)
    expect(await deliverSettled(note({ content: '<p>FREE   crypto for all</p>' }))).toBeUndefined()
    const rewritten = await deliverSettled(note({ content: '<p>the cloud is up</p>' }))
    expect(rewritten?.content).toContain('the butt is up')
  }, 60_000)

  test('a simple reject refuses the domain\'s activities; removing it lets them in again', async () => {
    expect((await config([{ tuple: [':reject', [{ tuple: [peerHost, 'spam'] }]] }], ':mrf_simple')).status).toBe(200)
    expect((await peer.sendJson(create(note()), inbox)).status).toBe(403)
    const removed = await rookery.api(admin, 'POST', '/api/v1/pleroma/admin/config', { configs: [{ group: ':pleroma', key: ':mrf_simple', delete: true, subkeys: [':reject'] }] })
    expect(removed.status).toBe(200)
    expect(await deliverSettled(note())).toBeDefined()
  }, 60_000)
})

describe('known instances', () => {
  test('the peer\'s NodeInfo is read in the background; its accounts, follows and moderation are counted', async () => {
    const row = await until(async () => {
      const [r] = await rookery.ctx.db.select().from(knownInstances).where(eq(knownInstances.domain, peerHost))
      return r?.softwareName ? r : null
    })
    expect(row).toMatchObject({ softwareName: 'peerware', softwareVersion: '3.2.1', nodeinfoError: null })
    await deliverSettled(note())
    await blockDomain(rookery.ctx, peerHost, 'silence')
    const [known] = await listKnownInstances(rookery.ctx, peerHost)
    expect(known).toMatchObject({
      domain: peerHost,
      software: { name: 'peerware', version: '3.2.1' },
      accounts: 1,
      follows: 1,
      followers: 0,
      moderation: { severity: 'silence', rejected: false, allowed: null },
    })
    expect(known.statuses).toBeGreaterThan(0)
    // the peer delivered to us: a success is on record, no failures
    expect(known.reachability).toMatchObject({ failureCount: 0, failingSince: null, unavailableSince: null })
    expect(known.reachability.lastSuccessAt).toBeInstanceOf(Date)
    expect((await listKnownInstances(rookery.ctx)).map((i) => i.domain)).toContain(peerHost)
  }, 60_000)
})
