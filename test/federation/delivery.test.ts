// Delivery bookkeeping: hosts that keep failing are marked unavailable and skipped, and forgiven once they answer.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { Create, Follow, type Activity, type Recipient } from '@fedify/vocab'
import {
  clearDeliveryFailures, recordDeliveryFailure, UNAVAILABLE_AFTER_FAILURES, unavailableAmong,
} from '../../src/core/federation/domains'
import { upsertRemoteActor } from '../../src/core/federation/actors'
import { unavailableDomains } from '../../src/db/schema'
import { makeUser, type MadeUser } from '../support/factories'
import { startLiveServer, until, type LiveServer } from '../support/live-server'
import { startPeer, type Peer } from '../support/peer'

let rookery: LiveServer
let peer: Peer
let other: Peer
let alice: MadeUser
let carlAcct: string
let bobAcct: string

async function post(status: string, visibility = 'direct'): Promise<{ id: string; uri: string }> {
  const res = await rookery.api(alice, 'POST', '/api/v1/statuses', { status, visibility })
  expect(res.status).toBe(200)
  return res.body
}

const createOf = (uri: string) => (a: Activity): a is Create => a instanceof Create && a.objectId?.href === uri
const domainRow = async (domain: string) =>
  (await rookery.ctx.db.select().from(unavailableDomains).where(eq(unavailableDomains.domain, domain)))[0]

async function resolve(acct: string) {
  const found = await rookery.api(alice, 'GET', `/api/v2/search?q=${encodeURIComponent(`@${acct}`)}&resolve=true&type=accounts`)
  expect(found.body.accounts.map((a: { acct: string }) => a.acct)).toEqual([acct])
}

beforeAll(async () => {
  rookery = await startLiveServer({ federation: { allowPrivate: true } })
  peer = await startPeer(['bob'])
  other = await startPeer(['carl'])
  alice = await makeUser(rookery.ctx)
  bobAcct = `bob@${new URL(peer.baseUrl).host}`
  carlAcct = `carl@${new URL(other.baseUrl).host}`
  await resolve(bobAcct)
  await resolve(carlAcct)
}, 90_000)

afterAll(async () => {
  await other?.stop()
  await peer?.stop()
  await rookery?.stop()
}, 60_000)

describe('failing hosts', () => {
  test('a delivery to a host that does not answer is counted against it', async () => {
    const gone = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response(null) })
    const host = `127.0.0.1:${gone.port}`
    await gone.stop(true)
    await upsertRemoteActor(rookery.ctx, {
      uri: `http://${host}/users/ghost`, username: 'ghost', domain: host, displayName: '', note: '', url: null,
      inboxUrl: `http://${host}/users/ghost/inbox`, sharedInboxUrl: null, followersUrl: null, followingUrl: null, outboxUrl: null,
      locked: false, bot: false, actorType: 'Person', avatarUrl: null, headerUrl: null,
    })
    await post(`@ghost@${host} are you there?`)
    const row = await until(() => domainRow(host))
    expect(row.failureCount).toBeGreaterThanOrEqual(1)
    expect(row.unavailableAt).toBeNull()
  }, 60_000)

  test('an unavailable host is skipped; once it delivers to us it is forgiven and gets statuses again', async () => {
    const host = new URL(other.baseUrl).host
    const now = new Date()
    await rookery.ctx.db.insert(unavailableDomains).values({
      domain: host, failureCount: UNAVAILABLE_AFTER_FAILURES, firstFailureAt: new Date(now.getTime() - 3 * 86_400_000), lastFailureAt: now, unavailableAt: now,
    })
    const skipped = await post(`@${carlAcct} @${bobAcct} hello both`)
    await peer.waitFor(createOf(skipped.uri))
    await Bun.sleep(1500)
    expect(other.received.some(createOf(skipped.uri))).toBe(false)

    // carl's server sends us something signed: it is up again
    const actor = await other.context().lookupObject(`${rookery.baseUrl}/users/${alice.account.username}`) as unknown as Recipient
    await other.send(new Follow({ id: new URL(`${other.baseUrl}/follows/${Date.now()}`), actor: other.actorUri('carl'), object: actor.id }), actor)
    await until(async () => !(await domainRow(host)))
    const delivered = await post(`@${carlAcct} welcome back`)
    await other.waitFor(createOf(delivered.uri))
  }, 60_000)

  test('a host with some failures is forgiven by a delivery that succeeds', async () => {
    const host = new URL(peer.baseUrl).host
    await rookery.ctx.db.insert(unavailableDomains).values({ domain: host, failureCount: 3 })
    const status = await post(`@${bobAcct} still there?`)
    await peer.waitFor(createOf(status.uri))
    await until(async () => !(await domainRow(host)))
  }, 60_000)
})

describe('the unavailability rule', () => {
  test('a host is unavailable only after enough failures over a day, and clearing forgets it', async () => {
    const quick = `quick-${Date.now()}.example`
    const start = Date.now()
    for (let i = 0; i < UNAVAILABLE_AFTER_FAILURES + 2; i++) await recordDeliveryFailure(rookery.ctx, quick, new Date(start + i * 60_000))
    expect((await unavailableAmong(rookery.ctx, [quick])).size).toBe(0)

    const slow = `slow-${Date.now()}.example`
    for (let i = 0; i < UNAVAILABLE_AFTER_FAILURES; i++) await recordDeliveryFailure(rookery.ctx, slow, new Date(start + i * 3 * 3_600_000))
    expect([...await unavailableAmong(rookery.ctx, [slow, quick])]).toEqual([slow])
    const row = await domainRow(slow)
    expect(row.failureCount).toBe(UNAVAILABLE_AFTER_FAILURES)

    await clearDeliveryFailures(rookery.ctx, slow)
    expect((await unavailableAmong(rookery.ctx, [slow])).size).toBe(0)
    expect(await unavailableAmong(rookery.ctx, [])).toEqual(new Set())
  }, 30_000)
})
