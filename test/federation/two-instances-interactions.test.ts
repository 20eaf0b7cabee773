// Interactions with statuses between two Rookery instances, each way (A→B: someone on A acts on a status of B, and
// B→A), driven only through their client APIs: favourites, reblogs, Pleroma emoji reactions and poll votes.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { MadeUser } from '../support/factories'
import { api, arrivesHome, getJson, notificationArrives, postStatus, startTwoInstances, waitUntil, type Instance, type TwoInstances } from '../support/two-instances'

let net: TwoInstances

/** alice on A and bob on B follow each other; carol on A and dan on B follow the one on the other instance */
let alice: MadeUser
let bob: MadeUser
let carol: MadeUser
let dan: MadeUser
/** the custom emoji each instance has */
const emoji = { A: `emoji_a${Date.now().toString(36)}`, B: `emoji_b${Date.now().toString(36)}` }

beforeAll(async () => {
  net = await startTwoInstances()
  ;[alice, carol, bob, dan] = await Promise.all([net.makeUser(net.a), net.makeUser(net.a), net.makeUser(net.b), net.makeUser(net.b)])
  await net.followAccepted(net.a, alice, net.b, bob)
  await net.followAccepted(net.b, bob, net.a, alice)
  await net.followAccepted(net.a, carol, net.b, bob)
  await net.followAccepted(net.b, dan, net.a, alice)
  await net.addCustomEmoji(net.a, emoji.A)
  await net.addCustomEmoji(net.b, emoji.B)
}, 240_000)

afterAll(async () => {
  await net?.close()
}, 60_000)

/**
 * One direction of an interaction: `actor` on `from` acts on what `author` on `to` posted. Both follow each other;
 * `fan` (on `to`) follows the actor, and `onlooker` (on `from`) follows the author.
 */
interface Direction { name: string; from: Instance; actor: MadeUser; to: Instance; author: MadeUser; fan: MadeUser; onlooker: MadeUser }

const direction = (name: string): Direction => name === 'A→B'
  ? { name, from: net.a, actor: alice, to: net.b, author: bob, fan: dan, onlooker: carol }
  : { name, from: net.b, actor: bob, to: net.a, author: alice, fan: carol, onlooker: dan }

const get = getJson
const post = postStatus

/** The author posts a status (public unless told) and waits for it in the actor's home; its ids on both sides. */
async function postSeen(d: Direction, params: Record<string, unknown> = {}) {
  const status = await post(d.to, d.author, { status: `from ${d.author.account.username} ${Math.random()}`, visibility: 'public', ...params })
  const seen = await arrivesHome(d.from, d.actor, status.uri)
  return { status, seen }
}

const statusOf = (instance: Instance, user: MadeUser, id: string) => get(instance, user, `/api/v1/statuses/${id}`)

describe.each(['A→B', 'B→A'])('%s', (name) => {
  test('favourite and unfavourite: counted on the author\'s side, with favourited_by and a notification', async () => {
    const d = direction(name)
    const { status, seen } = await postSeen(d)
    const faved = await api(d.from, d.actor.token, 'POST', `/api/v1/statuses/${seen.id}/favourite`)
    expect(faved.status).toBe(200)
    expect(faved.json).toMatchObject({ favourited: true, favourites_count: 1 })

    await waitUntil(async () => (await statusOf(d.to, d.author, status.id)).favourites_count === 1, 60_000, 'the Like')
    const by = (await get(d.to, d.author, `/api/v1/statuses/${status.id}/favourited_by`)) as any[]
    expect(by.map((a) => a.acct)).toEqual([net.acct(d.from, d.actor)])
    const notification = await notificationArrives(d.to, d.author, 'favourite', (n) => n.status?.id === status.id)
    expect(notification.account.acct).toBe(net.acct(d.from, d.actor))

    const unfaved = await api(d.from, d.actor.token, 'POST', `/api/v1/statuses/${seen.id}/unfavourite`)
    expect(unfaved.json).toMatchObject({ favourited: false, favourites_count: 0 })
    await waitUntil(async () => (await statusOf(d.to, d.author, status.id)).favourites_count === 0, 60_000, 'the Undo of the Like')
    expect(await get(d.to, d.author, `/api/v1/statuses/${status.id}/favourited_by`)).toEqual([])
  }, 120_000)

  test('reblog and unreblog: counted and notified on the author\'s side, in the home of the reblogger\'s follower there', async () => {
    const d = direction(name)
    const { status, seen } = await postSeen(d)
    const reblogged = await api(d.from, d.actor.token, 'POST', `/api/v1/statuses/${seen.id}/reblog`)
    expect(reblogged.status).toBe(200)
    expect(reblogged.json).toMatchObject({ reblog: { id: seen.id, reblogged: true } })

    await waitUntil(async () => (await statusOf(d.to, d.author, status.id)).reblogs_count === 1, 60_000, 'the Announce')
    const by = (await get(d.to, d.author, `/api/v1/statuses/${status.id}/reblogged_by`)) as any[]
    expect(by.map((a) => a.acct)).toEqual([net.acct(d.from, d.actor)])
    const notification = await notificationArrives(d.to, d.author, 'reblog', (n) => n.status?.id === status.id)
    expect(notification.account.acct).toBe(net.acct(d.from, d.actor))
    const inFanHome = await arrivesHome(d.to, d.fan, status.uri, true)
    expect(inFanHome).toMatchObject({ account: { acct: net.acct(d.from, d.actor) }, reblog: { id: status.id } })

    expect((await api(d.from, d.actor.token, 'POST', `/api/v1/statuses/${seen.id}/unreblog`)).status).toBe(200)
    await waitUntil(async () => (await statusOf(d.to, d.author, status.id)).reblogs_count === 0, 60_000, 'the Undo of the Announce')
    expect(await get(d.to, d.author, `/api/v1/statuses/${status.id}/reblogged_by`)).toEqual([])
    await waitUntil(async () => {
      const list = (await get(d.to, d.fan, '/api/v1/timelines/home?limit=40')) as any[]
      return !list.some((s) => s.reblog?.uri === status.uri)
    }, 60_000, 'the reblog to leave the fan\'s home')
  }, 120_000)

  test('a followers-only status cannot be reblogged by a follower on the other instance', async () => {
    const d = direction(name)
    const { status, seen } = await postSeen(d, { visibility: 'private' })
    expect(seen.visibility).toBe('private')
    const refused = await api(d.from, d.actor.token, 'POST', `/api/v1/statuses/${seen.id}/reblog`)
    expect(refused.status).toBeGreaterThanOrEqual(400)
    expect(refused.status).toBeLessThan(500)
    expect(refused.json).toEqual({ error: expect.any(String) })
    expect((await statusOf(d.from, d.actor, seen.id)).reblogs_count).toBe(0)
    expect((await statusOf(d.to, d.author, status.id)).reblogs_count).toBe(0)
  }, 120_000)

  test('emoji reactions, unicode and custom: listed and notified on the author\'s side, then removed', async () => {
    const d = direction(name)
    const { status, seen } = await postSeen(d)
    const custom = emoji[d.from.name as 'A' | 'B']
    for (const reaction of ['👍', custom]) {
      const res = await api(d.from, d.actor.token, 'PUT', `/api/v1/pleroma/statuses/${seen.id}/reactions/${encodeURIComponent(reaction)}`)
      expect(res.status).toBe(200)
    }
    const reactionsOnAuthor = () => get(d.to, d.author, `/api/v1/pleroma/statuses/${status.id}/reactions`) as Promise<any[]>
    const both = await waitUntil(async () => {
      const list = await reactionsOnAuthor()
      return list.length === 2 ? list : null
    }, 60_000, 'both reactions on the author\'s side')
    const unicode = both.find((r) => r.name === '👍')
    expect(unicode).toMatchObject({ count: 1, me: false })
    expect(unicode.accounts.map((a: any) => a.acct)).toEqual([net.acct(d.from, d.actor)])
    // a remote custom emoji is named after its instance, as Pleroma names it
    const customReaction = both.find((r) => r.name === `${custom}@${d.from.domain}`)
    expect(customReaction).toMatchObject({ count: 1 })
    expect(customReaction.url).toStartWith(d.from.baseUrl)
    expect(customReaction.accounts.map((a: any) => a.acct)).toEqual([net.acct(d.from, d.actor)])

    const reactionNotes = await waitUntil(async () => {
      const list = (await get(d.to, d.author, '/api/v1/notifications?types[]=pleroma:emoji_reaction&limit=40')) as any[]
      const mine = list.filter((n) => n.status?.id === status.id)
      return mine.length === 2 ? mine : null
    }, 60_000, 'two reaction notifications')

    expect(reactionNotes.map((n) => n.emoji).sort()).toEqual(['👍', `:${custom}@${d.from.domain}:`].sort())
    expect(reactionNotes.every((n) => n.account.acct === net.acct(d.from, d.actor))).toBe(true)

    for (const reaction of ['👍', custom]) {
      const res = await api(d.from, d.actor.token, 'DELETE', `/api/v1/pleroma/statuses/${seen.id}/reactions/${encodeURIComponent(reaction)}`)
      expect(res.status).toBe(200)
    }
    await waitUntil(async () => (await reactionsOnAuthor()).length === 0, 60_000, 'the reactions to be undone')
  }, 120_000)

  test('a poll vote is counted on the author\'s side and the results come back', async () => {
    const d = direction(name)
    const { status, seen } = await postSeen(d, { status: 'tea or coffee?', poll: { options: ['tea', 'coffee'], expires_in: 3600 } })
    expect(seen.poll).toMatchObject({ votes_count: 0, voted: false })
    const voted = await api(d.from, d.actor.token, 'POST', `/api/v1/polls/${seen.poll.id}/votes`, { choices: [1] })
    expect(voted.status).toBe(200)
    expect(voted.json).toMatchObject({ voted: true, own_votes: [1] })

    const onAuthor = await waitUntil(async () => {
      const poll = await get(d.to, d.author, `/api/v1/polls/${status.poll.id}`)
      return poll.votes_count === 1 ? poll : null
    }, 60_000, 'the vote on the author\'s side')
    expect(onAuthor.options.map((o: any) => o.votes_count)).toEqual([0, 1])
    expect(onAuthor.voters_count).toBe(1)
    // the author's instance tells the others the new counts (an Update of the question)
    const onlookerSees = await waitUntil(async () => {
      const poll = await get(d.from, d.onlooker, `/api/v1/polls/${seen.poll.id}`)
      return poll.votes_count === 1 ? poll : null
    }, 60_000, 'the results on the voter\'s instance')
    expect(onlookerSees.options.map((o: any) => o.votes_count)).toEqual([0, 1])
    expect(onlookerSees).toMatchObject({ voted: false })
    expect(await get(d.from, d.actor, `/api/v1/polls/${seen.poll.id}`)).toMatchObject({ voted: true, own_votes: [1], votes_count: 1 })

    const again = await api(d.from, d.actor.token, 'POST', `/api/v1/polls/${seen.poll.id}/votes`, { choices: [0] })
    expect(again.status).toBe(422)
    expect(again.json).toEqual({ error: expect.any(String) })
  }, 120_000)
})
