// An account moving from one Rookery instance to another, each way, driven only through the client APIs: the new
// account names the old one as an alias, the old one moves, and its followers (on the old account's instance, on the
// new one's, and on a third instance) get a `move` notification and follow the new account where they allow it.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { MadeUser } from '../support/factories'
import { api, getJson as get, notificationArrives, startTwoInstances, waitUntil, type Instance, type TwoInstances } from '../support/two-instances'

let net: TwoInstances

beforeAll(async () => {
  net = await startTwoInstances({ third: true })
}, 180_000)

afterAll(async () => {
  await net?.close()
}, 60_000)

const instanceNamed = (name: string) => (name === 'A' ? net.a : net.b)

/** The accts `instance` lists as `user`'s follows. */
async function followingOf(instance: Instance, user: MadeUser): Promise<string[]> {
  return ((await get(instance, user, `/api/v1/accounts/${user.account.id}/following`)) as any[]).map((a) => a.acct)
}

/** `acct` as `user` on `instance` would write it: bare for a local account. */
const acctOn = (instance: Instance, owner: Instance, user: MadeUser) => (instance === owner ? user.account.username : net.acct(owner, user))

describe.each([['A', 'B'], ['B', 'A']])('from %s to %s', (originName, targetName) => {
  test('followers on both instances and on a third one are told, and those who allow it follow the new account', async () => {
    const origin = instanceNamed(originName)
    const target = instanceNamed(targetName)
    const third = net.c!
    const [old, renewed] = await Promise.all([net.makeUser(origin), net.makeUser(target)])
    const followers = {
      /** on the old account's instance */
      local: { instance: origin, user: await net.makeUser(origin) },
      /** on the new account's instance */
      atTarget: { instance: target, user: await net.makeUser(target) },
      /** on the new account's instance, not allowing moves */
      staying: { instance: target, user: await net.makeUser(target) },
      /** on an instance neither account is on */
      elsewhere: { instance: third, user: await net.makeUser(third) },
    }
    const optOut = await api(target, followers.staying.user.token, 'PATCH', '/api/v1/accounts/update_credentials', { allow_following_move: false })
    expect(optOut.status).toBe(200)
    expect(optOut.json.pleroma?.allow_following_move ?? optOut.json.allow_following_move).toBe(false)

    for (const { instance, user } of Object.values(followers)) {
      if (instance === origin) {
        const res = await api(origin, user.token, 'POST', `/api/v1/accounts/${old.account.id}/follow`)
        expect(res.json).toMatchObject({ following: true })
      } else {
        await net.followAccepted(instance, user, origin, old)
      }
    }

    // without the alias the move is refused (Pleroma's way: 200 with an error)
    const early = await api(origin, old.token, 'POST', '/api/pleroma/move_account', { password: old.password, target_account: net.acct(target, renewed) })
    expect(early.json).toEqual({ error: 'Target account must have the origin in `alsoKnownAs`' })

    const alias = await api(target, renewed.token, 'PUT', '/api/pleroma/aliases', { alias: net.acct(origin, old) })
    expect(alias.status).toBe(200)
    expect((await get(target, renewed, '/api/pleroma/aliases')).aliases).toEqual([net.acct(origin, old)])

    const moved = await api(origin, old.token, 'POST', '/api/pleroma/move_account', { password: old.password, target_account: net.acct(target, renewed) })
    expect(moved.json).toEqual({ status: 'success' })
    expect((await get(origin, null, `/api/v1/accounts/${old.account.id}`)).moved).toMatchObject({ acct: net.acct(target, renewed) })

    for (const [name, { instance, user }] of Object.entries(followers)) {
      const notification = await notificationArrives(instance, user, 'move', () => true)
      expect({ name, from: notification.account.acct, to: notification.target?.acct })
        .toEqual({ name, from: acctOn(instance, origin, old), to: acctOn(instance, target, renewed) })
    }
    for (const name of ['local', 'atTarget', 'elsewhere'] as const) {
      const { instance, user } = followers[name]
      await waitUntil(async () => {
        const following = await followingOf(instance, user)
        return following.length === 1 && following[0] === acctOn(instance, target, renewed)
      }, 90_000, `${name} to follow the new account`)
    }
    expect(await followingOf(target, followers.staying.user)).toEqual([net.acct(origin, old)])

    const newFollowers = async () => ((await get(target, renewed, `/api/v1/accounts/${renewed.account.id}/followers`)) as any[]).map((a) => a.acct).sort()
    await waitUntil(async () => (await newFollowers()).length === 3, 60_000, 'the new account\'s followers')
    expect(await newFollowers()).toEqual([
      net.acct(origin, followers.local.user), followers.atTarget.user.account.username, net.acct(third, followers.elsewhere.user),
    ].sort())
    // the old account keeps only the one who stayed
    await waitUntil(async () => {
      const list = (await get(origin, old, `/api/v1/accounts/${old.account.id}/followers`)) as any[]
      return list.length === 1 && list[0].acct === net.acct(target, followers.staying.user)
    }, 60_000, 'the old account\'s followers')
  }, 300_000)
})
