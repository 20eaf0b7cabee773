// Two Rookery instances federating over loopback, driven only through the client API: finding a remote account,
// following it (unlocked and locked), rejecting, unfollowing, removing a follower, blocking, and a delivery that
// waits for its target to come back.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { resultRows } from '../../src/db/client'
import type { MadeUser } from '../support/factories'
import { api, startTwoInstances, waitUntil, type Instance, type TwoInstances } from '../support/two-instances'

let net: TwoInstances

beforeAll(async () => {
  net = await startTwoInstances()
}, 120_000)

afterAll(async () => {
  await net?.close()
}, 60_000)

/** How `viewer` on `instance` relates to the account `id` (an id on that instance). */
async function relationship(instance: Instance, viewer: MadeUser, id: string) {
  const res = await api(instance, viewer.token, 'GET', `/api/v1/accounts/relationships?id[]=${id}`)
  expect(res.status).toBe(200)
  return res.json[0]
}

async function accountsOf(instance: Instance, viewer: MadeUser, path: string): Promise<string[]> {
  const res = await api(instance, viewer.token, 'GET', path)
  expect(res.status).toBe(200)
  return (res.json as { acct: string }[]).map((a) => a.acct)
}

/** The accts of `user`'s followers, as its own instance lists them. */
const followersOf = (instance: Instance, user: MadeUser) => accountsOf(instance, user, `/api/v1/accounts/${user.account.id}/followers`)

const followingOf = (instance: Instance, user: MadeUser) => accountsOf(instance, user, `/api/v1/accounts/${user.account.id}/following`)

async function counts(instance: Instance, user: MadeUser) {
  const res = await api(instance, user.token, 'GET', '/api/v1/accounts/verify_credentials')
  expect(res.status).toBe(200)
  return { followers: res.json.followers_count as number, following: res.json.following_count as number }
}

/** `follower` on `from` follows `target` on the other instance, found by handle; answers the follow's relationship. */
async function follow(from: Instance, follower: MadeUser, to: Instance, target: MadeUser) {
  const found = await net.resolve(from, follower.token, net.acct(to, target))
  const res = await api(from, follower.token, 'POST', `/api/v1/accounts/${found.id}/follow`)
  expect(res.status).toBe(200)
  return { remoteId: found.id as string, relationship: res.json }
}

/** `follower` on `from` follows `target` and waits until the follow is accepted on both sides. */
async function followAccepted(from: Instance, follower: MadeUser, to: Instance, target: MadeUser) {
  const { remoteId } = await follow(from, follower, to, target)
  await waitUntil(async () => (await relationship(from, follower, remoteId)).following, 60_000, 'the Accept')
  await waitUntil(async () => (await followersOf(to, target)).includes(net.acct(from, follower)), 30_000, 'the follower on the other side')
  return remoteId
}

/** The id of the account `acct` on `instance` (an account it already knows). */
async function idOn(instance: Instance, viewer: MadeUser, acct: string): Promise<string> {
  const res = await api(instance, viewer.token, 'GET', `/api/v1/accounts/lookup?acct=${encodeURIComponent(acct)}`)
  expect(res.status).toBe(200)
  return res.json.id
}

describe('finding a remote account', () => {
  test('@user@domain resolves by search and by lookup, with the remote profile', async () => {
    const alice = await net.makeUser(net.a)
    const bob = await net.makeUser(net.b, { account: { displayName: 'Bob of B', note: '<p>hello from B</p>' } })
    const found = await net.resolve(net.a, alice.token, net.acct(net.b, bob))
    expect(found).toMatchObject({ username: bob.account.username, acct: net.acct(net.b, bob), display_name: 'Bob of B' })
    expect(found.url).toStartWith(net.b.baseUrl)
    expect(found.note).toContain('hello from B')

    const lookup = await api(net.a, alice.token, 'GET', `/api/v1/accounts/lookup?acct=${net.acct(net.b, bob)}`)
    expect(lookup.status).toBe(200)
    expect(lookup.json.id).toBe(found.id)
  }, 60_000)

  test('an unknown user on the other instance is not found', async () => {
    const alice = await net.makeUser(net.a)
    const search = await api(net.a, alice.token, 'GET', `/api/v2/search?resolve=true&type=accounts&q=${encodeURIComponent(`@nobody_here@${net.b.domain}`)}`)
    expect(search.status).toBe(200)
    expect(search.json.accounts).toEqual([])
    const lookup = await api(net.a, alice.token, 'GET', `/api/v1/accounts/lookup?acct=nobody_here@${net.b.domain}`)
    expect(lookup.status).toBe(404)
    expect(lookup.json).toEqual({ error: expect.any(String) })
  }, 60_000)
})

describe('following across instances', () => {
  test('an unlocked account is followed at once: both sides list it and count it', async () => {
    const alice = await net.makeUser(net.a)
    const bob = await net.makeUser(net.b)
    const { remoteId, relationship: first } = await follow(net.a, alice, net.b, bob)
    // the follow of a remote account is a request until its Accept arrives
    expect(first).toMatchObject({ id: remoteId, requested: true, following: false })

    await waitUntil(async () => (await relationship(net.a, alice, remoteId)).following, 60_000, 'the Accept')
    expect(await relationship(net.a, alice, remoteId)).toMatchObject({ following: true, requested: false })
    expect(await followingOf(net.a, alice)).toEqual([net.acct(net.b, bob)])
    expect((await counts(net.a, alice)).following).toBe(1)

    await waitUntil(async () => (await followersOf(net.b, bob)).length > 0, 30_000, 'bob\'s follower')
    expect(await followersOf(net.b, bob)).toEqual([net.acct(net.a, alice)])
    expect((await counts(net.b, bob)).followers).toBe(1)
    const aliceOnB = await idOn(net.b, bob, net.acct(net.a, alice))
    expect(await relationship(net.b, bob, aliceOnB)).toMatchObject({ followed_by: true, following: false })
  }, 90_000)

  test('the Pleroma way, POST /api/v1/follows with a handle, follows too', async () => {
    const alice = await net.makeUser(net.a)
    const bob = await net.makeUser(net.b)
    const res = await api(net.a, alice.token, 'POST', '/api/v1/follows', { uri: net.acct(net.b, bob) })
    expect(res.status).toBe(200)
    expect(res.json.acct).toBe(net.acct(net.b, bob))
    await waitUntil(async () => (await relationship(net.a, alice, res.json.id)).following, 60_000, 'the Accept')
    await waitUntil(async () => (await followersOf(net.b, bob)).includes(net.acct(net.a, alice)), 30_000, 'bob\'s follower')

    const unknown = await api(net.a, alice.token, 'POST', '/api/v1/follows', { uri: `nobody_here@${net.b.domain}` })
    expect(unknown.status).toBe(404)
  }, 90_000)

  test('a locked account gets a request it authorizes over the API; then the follower sees it accepted', async () => {
    const alice = await net.makeUser(net.a)
    const bob = await net.makeUser(net.b, { account: { locked: true } })
    const { remoteId } = await follow(net.a, alice, net.b, bob)

    const requests = await waitUntil(async () => {
      const listed = await accountsOf(net.b, bob, '/api/v1/follow_requests')
      return listed.length ? listed : null
    }, 60_000, 'the follow request on B')
    expect(requests).toEqual([net.acct(net.a, alice)])
    expect(await followersOf(net.b, bob)).toEqual([])
    expect(await relationship(net.a, alice, remoteId)).toMatchObject({ requested: true, following: false })

    const aliceOnB = await idOn(net.b, bob, net.acct(net.a, alice))
    expect(await relationship(net.b, bob, aliceOnB)).toMatchObject({ requested_by: true, followed_by: false })
    const authorized = await api(net.b, bob.token, 'POST', `/api/v1/follow_requests/${aliceOnB}/authorize`)
    expect(authorized.status).toBe(200)
    expect(authorized.json).toMatchObject({ followed_by: true, requested_by: false })
    expect(await followersOf(net.b, bob)).toEqual([net.acct(net.a, alice)])
    expect(await accountsOf(net.b, bob, '/api/v1/follow_requests')).toEqual([])

    await waitUntil(async () => (await relationship(net.a, alice, remoteId)).following, 60_000, 'the Accept')
    expect(await relationship(net.a, alice, remoteId)).toMatchObject({ following: true, requested: false })
    expect((await counts(net.a, alice)).following).toBe(1)
  }, 120_000)

  test('a rejected request leaves no follow on either side; only the followed account can reject it', async () => {
    const alice = await net.makeUser(net.a)
    const bob = await net.makeUser(net.b, { account: { locked: true } })
    const mallory = await net.makeUser(net.b)
    const { remoteId } = await follow(net.a, alice, net.b, bob)
    await waitUntil(async () => (await accountsOf(net.b, bob, '/api/v1/follow_requests')).length, 60_000, 'the follow request on B')
    const aliceOnB = await idOn(net.b, bob, net.acct(net.a, alice))

    const notHers = await api(net.b, mallory.token, 'POST', `/api/v1/follow_requests/${aliceOnB}/reject`)
    expect(notHers.status).toBe(404)
    expect(notHers.json).toEqual({ error: expect.any(String) })

    const rejected = await api(net.b, bob.token, 'POST', `/api/v1/follow_requests/${aliceOnB}/reject`)
    expect(rejected.status).toBe(200)
    expect(rejected.json).toMatchObject({ followed_by: false, requested_by: false })

    await waitUntil(async () => !(await relationship(net.a, alice, remoteId)).requested, 60_000, 'the Reject')
    expect(await relationship(net.a, alice, remoteId)).toMatchObject({ following: false, requested: false })
    expect(await followingOf(net.a, alice)).toEqual([])
    expect(await followersOf(net.b, bob)).toEqual([])
    expect((await counts(net.b, bob)).followers).toBe(0)
  }, 120_000)

  test('unfollowing on A removes the follower on B', async () => {
    const alice = await net.makeUser(net.a)
    const bob = await net.makeUser(net.b)
    const remoteId = await followAccepted(net.a, alice, net.b, bob)

    const res = await api(net.a, alice.token, 'POST', `/api/v1/accounts/${remoteId}/unfollow`)
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ following: false, requested: false })
    await waitUntil(async () => (await followersOf(net.b, bob)).length === 0, 60_000, 'the Undo on B')
    expect((await counts(net.b, bob)).followers).toBe(0)
    expect((await counts(net.a, alice)).following).toBe(0)
  }, 120_000)

  test('bob removing alice from his followers ends her follow on A', async () => {
    const alice = await net.makeUser(net.a)
    const bob = await net.makeUser(net.b)
    const remoteId = await followAccepted(net.a, alice, net.b, bob)
    const aliceOnB = await idOn(net.b, bob, net.acct(net.a, alice))

    const res = await api(net.b, bob.token, 'POST', `/api/v1/accounts/${aliceOnB}/remove_from_followers`)
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ followed_by: false })
    expect(await followersOf(net.b, bob)).toEqual([])

    await waitUntil(async () => !(await relationship(net.a, alice, remoteId)).following, 60_000, 'the Reject on A')
    expect(await followingOf(net.a, alice)).toEqual([])
    expect((await counts(net.a, alice)).following).toBe(0)
  }, 120_000)

  test('a block ends the follows both ways, on both instances', async () => {
    const alice = await net.makeUser(net.a)
    const bob = await net.makeUser(net.b)
    const bobOnA = await followAccepted(net.a, alice, net.b, bob)
    const aliceOnB = await followAccepted(net.b, bob, net.a, alice)
    expect(await relationship(net.a, alice, bobOnA)).toMatchObject({ following: true, followed_by: true })

    const res = await api(net.b, bob.token, 'POST', `/api/v1/accounts/${aliceOnB}/block`)
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ blocking: true, following: false, followed_by: false })
    expect(await followersOf(net.b, bob)).toEqual([])
    expect(await followingOf(net.b, bob)).toEqual([])

    await waitUntil(async () => {
      const r = await relationship(net.a, alice, bobOnA)
      return !r.following && !r.followed_by
    }, 60_000, 'the Undo and the Reject on A')
    expect(await followersOf(net.a, alice)).toEqual([])
    expect(await followingOf(net.a, alice)).toEqual([])
    expect(await counts(net.a, alice)).toEqual({ followers: 0, following: 0 })
  }, 150_000)
})

describe('an instance that is down', () => {
  /** Outbox jobs of `instance` that failed at least once and wait for their next attempt. */
  async function outboxRetries(instance: Instance): Promise<number> {
    const rows = resultRows<{ n: number }>(await instance.ctx.db.execute(
      sql`select count(*)::int as n from pgboss.job where name = 'federation.outbox' and state = 'retry'`,
    ))
    return rows[0]?.n ?? 0
  }

  test('a follow sent while B is stopped waits in A\'s queue and arrives once B is back', async () => {
    const alice = await net.makeUser(net.a)
    const bob = await net.makeUser(net.b)
    const bobOnA = await net.resolve(net.a, alice.token, net.acct(net.b, bob))

    await net.stop(net.b)
    try {
      const res = await api(net.a, alice.token, 'POST', `/api/v1/accounts/${bobOnA.id}/follow`)
      expect(res.status).toBe(200)
      expect(res.json).toMatchObject({ requested: true, following: false })
      // the delivery failed and is waiting to be tried again (kept to few failures: see the harness on the circuit breaker)
      await waitUntil(() => outboxRetries(net.a), 60_000, 'a failed delivery waiting for its retry')
      expect(await relationship(net.a, alice, bobOnA.id)).toMatchObject({ requested: true, following: false })
    } finally {
      await net.start(net.b)
    }

    await waitUntil(async () => (await followersOf(net.b, bob)).includes(net.acct(net.a, alice)), 90_000, 'the Follow on B')
    await waitUntil(async () => (await relationship(net.a, alice, bobOnA.id)).following, 60_000, 'the Accept on A')
    expect(await outboxRetries(net.a)).toBe(0)
  }, 240_000)
})
