// Follow suggestions (v1 and v2) and familiar followers: who is suggested, why, and who never is.
import { beforeAll, describe, expect, test } from 'bun:test'
import type { Ctx } from '../../src/core/context'
import { blockAccount } from '../../src/core/relationships/block'
import { endorseAccount } from '../../src/core/relationships/endorsements'
import { followAccount } from '../../src/core/relationships/follow'
import { muteAccount } from '../../src/core/relationships/mute'
import { getTestContext } from '../support/context'
import { makeUser, type MadeUser } from '../support/factories'
import { call } from '../support/http'
import { expectShape } from '../support/shape'

let ctx: Ctx
const follow = (a: MadeUser, b: MadeUser) => followAccount(ctx, a.account.id, b.account)
const recently = () => new Date(Date.now() - 3600_000)

async function v2(who: MadeUser, query: Record<string, string> = { limit: '80' }) {
  const res = await call('GET', '/api/v2/suggestions', { token: who.token, query })
  expect(res.status).toBe(200)
  return res.json as { source: string; sources: string[]; account: { id: string } }[]
}

beforeAll(async () => {
  ctx = await getTestContext()
})

describe('suggestions', () => {
  test('friends of friends (most shared first), staff picks and popular active accounts, with their sources', async () => {
    const [me, friend1, friend2, shared, single] = await Promise.all([makeUser(), makeUser(), makeUser(), makeUser(), makeUser()])
    const admin = await makeUser(undefined, { user: { isAdmin: true } })
    const pick = await makeUser()
    const popular = await makeUser(undefined, { account: { lastStatusAt: recently(), followersCount: 100_000 } })
    const dormant = await makeUser(undefined, { account: { lastStatusAt: new Date('2020-01-01'), followersCount: 200_000 } })
    await follow(me, friend1)
    await follow(me, friend2)
    await follow(friend1, shared)
    await follow(friend2, shared)
    await follow(friend1, single)
    await follow(admin, pick)
    await endorseAccount(ctx, admin.account.id, pick.account)

    const list = await v2(me)
    for (const s of list) expectShape(s, 'Suggestion')
    const ids = list.map((s) => s.account.id)
    expect(ids.slice(0, 2)).toEqual([shared.account.id, single.account.id])
    expect(list[0].sources).toEqual(['friends_of_friends'])
    expect(list[0].source).toBe('past_interactions')
    const staff = list.find((s) => s.account.id === pick.account.id)!
    expect(staff.sources).toEqual(['featured'])
    expect(staff.source).toBe('staff')
    expect(list.find((s) => s.account.id === popular.account.id)!.sources).toEqual(['most_followed'])
    expect(ids).not.toContain(dormant.account.id)
    expect(ids.indexOf(pick.account.id)).toBeLessThan(ids.indexOf(popular.account.id))

    const v1 = await call('GET', '/api/v1/suggestions', { token: me.token, query: { limit: '2' } })
    expect(v1.status).toBe(200)
    expect(v1.json.map((a: any) => a.id)).toEqual([shared.account.id, single.account.id])
    for (const a of v1.json) expectShape(a, 'Account')
  })

  test('never yourself, followed, requested, blocked either way, muted, hidden, limited or not discoverable', async () => {
    const me = await makeUser()
    const friend = await makeUser()
    const excluded = {
      followed: await makeUser(),
      requested: await makeUser(undefined, { account: { locked: true } }),
      blocked: await makeUser(),
      blocker: await makeUser(),
      muted: await makeUser(),
      undiscoverable: await makeUser(undefined, { account: { discoverable: false } }),
      suspended: await makeUser(undefined, { account: { suspendedAt: new Date() } }),
      deactivated: await makeUser(undefined, { user: { isActive: false } }),
      silenced: await makeUser(undefined, { account: { silencedAt: new Date() } }),
    }
    const visible = await makeUser()
    await follow(me, friend)
    for (const who of [...Object.values(excluded), visible, me]) await follow(friend, who)
    await follow(me, excluded.followed)
    await follow(me, excluded.requested)
    await blockAccount(ctx, me.account.id, excluded.blocked.account)
    await blockAccount(ctx, excluded.blocker.account.id, me.account)
    await muteAccount(ctx, me.account.id, excluded.muted.account, { notifications: true, durationSeconds: 0 })

    const ids = (await v2(me)).map((s) => s.account.id)
    expect(ids).toContain(visible.account.id)
    expect(ids).not.toContain(me.account.id)
    expect(ids).not.toContain(friend.account.id)
    for (const [why, who] of Object.entries(excluded)) expect(ids, why).not.toContain(who.account.id)
  })

  test('a dismissed suggestion is remembered', async () => {
    const [me, friend, other] = await Promise.all([makeUser(), makeUser(), makeUser()])
    await follow(me, friend)
    await follow(friend, other)
    expect((await v2(me)).map((s) => s.account.id)).toContain(other.account.id)
    const dismissed = await call('DELETE', `/api/v1/suggestions/${other.account.id}`, { token: me.token })
    expect(dismissed.status).toBe(200)
    expect((await v2(me)).map((s) => s.account.id)).not.toContain(other.account.id)
    // only for the one who dismissed it
    const [someone] = await Promise.all([makeUser()])
    await follow(someone, friend)
    expect((await v2(someone)).map((s) => s.account.id)).toContain(other.account.id)
  })

  test('unhappy paths', async () => {
    const me = await makeUser()
    expect((await call('GET', '/api/v2/suggestions')).status).toBe(401)
    expect((await call('GET', '/api/v1/suggestions')).status).toBe(401)
    const writeOnly = await makeUser(undefined, { scopes: ['write'] })
    expect((await call('GET', '/api/v2/suggestions', { token: writeOnly.token })).status).toBe(403)
    expect((await call('DELETE', '/api/v1/suggestions/unknown', { token: me.token })).status).toBe(404)
    const bad = await call('GET', '/api/v2/suggestions', { token: me.token, query: { limit: 'lots' } })
    expect(bad.status).toBe(422)
    expect(typeof bad.json.error).toBe('string')
    const suspended = await makeUser(undefined, { account: { suspendedAt: new Date() } })
    expect((await call('DELETE', `/api/v1/suggestions/${suspended.account.id}`, { token: me.token })).status).toBe(404)
  })
})

describe('familiar followers', () => {
  test('accounts I follow that follow each given account, in the order asked; hidden ones left out', async () => {
    const [me, a, b, hiddenFollower, stranger, target, other] = await Promise.all([
      makeUser(), makeUser(), makeUser(), makeUser(), makeUser(), makeUser(), makeUser(),
    ])
    const secretive = await makeUser(undefined, { account: { hideFollowers: true } })
    for (const f of [a, b, hiddenFollower]) await follow(me, f)
    for (const f of [a, b, hiddenFollower, stranger]) await follow(f, target)
    await follow(a, secretive)
    await follow(b, other)
    await blockAccount(ctx, hiddenFollower.account.id, me.account)

    const res = await call('GET', '/api/v1/accounts/familiar_followers', {
      token: me.token, query: { 'id[]': [other.account.id, target.account.id, secretive.account.id, 'nope', target.account.id] },
    })
    expect(res.status).toBe(200)
    for (const entry of res.json) expectShape(entry, 'FamiliarFollowers')
    expect(res.json.map((e: any) => e.id)).toEqual([other.account.id, target.account.id, secretive.account.id])
    expect(res.json[0].accounts.map((x: any) => x.id)).toEqual([b.account.id])
    expect(res.json[1].accounts.map((x: any) => x.id).sort()).toEqual([a.account.id, b.account.id].sort())
    expect(res.json[2].accounts).toEqual([])

    expect((await call('GET', '/api/v1/accounts/familiar_followers', { query: { 'id[]': [target.account.id] } })).status).toBe(401)
    const readStatuses = await makeUser(undefined, { scopes: ['read:statuses'] })
    expect((await call('GET', '/api/v1/accounts/familiar_followers', { token: readStatuses.token, query: { id: target.account.id } })).status).toBe(403)
    const none = await call('GET', '/api/v1/accounts/familiar_followers', { token: me.token })
    expect(none.status).toBe(200)
    expect(none.json).toEqual([])
  })
})
