// What stays private and what ends between two Rookery instances, each way, driven only through their client APIs:
// direct messages and their replies reaching their addressees and nobody else, reports forwarded to the reported
// account's instance, an account deleted on one side leaving nothing on the other, and a block ending follows and
// deliveries.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { MadeUser } from '../support/factories'
import {
  api, arrivesHome, getJson as get, notificationArrives, postStatus as post, startTwoInstances, waitUntil, type Instance, type TwoInstances,
} from '../support/two-instances'

let net: TwoInstances

beforeAll(async () => {
  net = await startTwoInstances()
}, 120_000)

afterAll(async () => {
  await net?.close()
}, 60_000)

const other = (instance: Instance) => (instance === net.a ? net.b : net.a)
const instanceNamed = (name: string) => (name === 'A' ? net.a : net.b)

const statusCode = async (instance: Instance, user: MadeUser | null, path: string) => (await api(instance, user?.token ?? null, 'GET', path)).status

const homeUris = async (instance: Instance, user: MadeUser) => ((await get(instance, user, '/api/v1/timelines/home?limit=40')) as any[]).map((s) => s.uri)

const notifiedUris = async (instance: Instance, user: MadeUser) => ((await get(instance, user, '/api/v1/notifications?limit=40')) as any[]).map((n) => n.status?.uri)

const conversationUris = async (instance: Instance, user: MadeUser) => ((await get(instance, user, '/api/v1/conversations')) as any[]).map((c) => c.last_status?.uri)

async function relationship(instance: Instance, viewer: MadeUser, id: string) {
  return (await get(instance, viewer, `/api/v1/accounts/relationships?id[]=${id}`))[0]
}

/** Nothing of the status `uri` shows to `user` on `instance`: home, notifications, conversations, search by uri. */
async function seesNothingOf(instance: Instance, user: MadeUser, uri: string) {
  expect(await homeUris(instance, user)).not.toContain(uri)
  expect(await notifiedUris(instance, user)).not.toContain(uri)
  expect(await conversationUris(instance, user)).not.toContain(uri)
  const found = await get(instance, user, `/api/v2/search?type=statuses&resolve=true&q=${encodeURIComponent(uri)}`)
  expect(found.statuses).toEqual([])
}

describe.each(['A', 'B'])('from %s', (fromName) => {
  test('a direct message and the direct reply to it reach only their addressees, not a follower on either side', async () => {
    const from = instanceNamed(fromName)
    const to = other(from)
    const [sender, senderFan, addressee, follower] = await Promise.all([net.makeUser(from), net.makeUser(from), net.makeUser(to), net.makeUser(to)])
    // follower follows the sender, and senderFan follows the addressee: either would get the messages if they leaked
    await net.followAccepted(to, follower, from, sender)
    await net.followAccepted(from, senderFan, to, addressee)
    await net.resolve(from, sender.token, net.acct(to, addressee))

    const dm = await post(from, sender, { status: `@${net.acct(to, addressee)} between us`, visibility: 'direct' })
    const arrived = await notificationArrives(to, addressee, 'mention', (n) => n.status?.uri === dm.uri)
    expect(arrived.status).toMatchObject({ visibility: 'direct', mentions: [{ acct: addressee.account.username }] })
    expect(await conversationUris(to, addressee)).toEqual([dm.uri])

    const reply = await post(to, addressee, { status: `@${net.acct(from, sender)} indeed`, visibility: 'direct', in_reply_to_id: arrived.status.id })
    const back = await notificationArrives(from, sender, 'mention', (n) => n.status?.uri === reply.uri)
    expect(back.status).toMatchObject({ visibility: 'direct', in_reply_to_id: dm.id })

    // a public post by each, delivered after the messages to the same followers, marks that the messages had their chance
    const markerOfSender = await post(from, sender, { status: 'marker', visibility: 'public' })
    const markerOfAddressee = await post(to, addressee, { status: 'marker', visibility: 'public' })
    await arrivesHome(to, follower, markerOfSender.uri)
    await arrivesHome(from, senderFan, markerOfAddressee.uri)

    for (const uri of [dm.uri, reply.uri]) {
      await seesNothingOf(to, follower, uri)
      await seesNothingOf(from, senderFan, uri)
    }
    expect(await statusCode(to, follower, `/api/v1/statuses/${arrived.status.id}`)).toBe(404)
    expect(await statusCode(to, follower, `/api/v1/statuses/${reply.id}`)).toBe(404)
    expect(await statusCode(from, senderFan, `/api/v1/statuses/${back.status.id}`)).toBe(404)
    expect(await statusCode(from, null, `/api/v1/statuses/${dm.id}`)).toBe(404)
  }, 300_000)

  test('a followers-only post mentioning a non-follower reaches them and the followers, nobody else', async () => {
    const from = instanceNamed(fromName)
    const to = other(from)
    const [sender, mentioned, follower, stranger] = await Promise.all([net.makeUser(from), net.makeUser(to), net.makeUser(to), net.makeUser(to)])
    await net.followAccepted(to, follower, from, sender)
    await net.resolve(from, sender.token, net.acct(to, mentioned))
    // the stranger's instance knows the sender (a local user looked them up), but the stranger does not follow
    const senderOnTo = await net.resolve(to, stranger.token, net.acct(from, sender))

    const status = await post(from, sender, { status: `@${net.acct(to, mentioned)} for my followers and you`, visibility: 'private' })
    const arrived = await notificationArrives(to, mentioned, 'mention', (n) => n.status?.uri === status.uri)
    expect(arrived.status.visibility).toBe('private')
    expect((await arrivesHome(to, follower, status.uri)).visibility).toBe('private')

    await seesNothingOf(to, stranger, status.uri)
    expect(await statusCode(to, stranger, `/api/v1/statuses/${arrived.status.id}`)).toBe(404)
    const listed = ((await get(to, stranger, `/api/v1/accounts/${senderOnTo.id}/statuses`)) as any[]).map((s) => s.uri)
    expect(listed).not.toContain(status.uri)

    // the mentioned account answers privately: the sender gets it, the sender's other followers do not
    const senderFollower = await net.makeUser(from)
    const mentionedOnFrom = await net.resolve(from, senderFollower.token, net.acct(to, mentioned))
    expect((await api(from, senderFollower.token, 'POST', `/api/v1/accounts/${mentionedOnFrom.id}/follow`)).status).toBe(200)
    const answer = await post(to, mentioned, { status: `@${net.acct(from, sender)} thanks`, visibility: 'direct', in_reply_to_id: arrived.status.id })
    await notificationArrives(from, sender, 'mention', (n) => n.status?.uri === answer.uri)
    await seesNothingOf(from, senderFollower, answer.uri)
  }, 300_000)

  test('a report with forward=true arrives as a report on the reported account\'s instance', async () => {
    const from = instanceNamed(fromName)
    const to = other(from)
    const [reporter, reported] = await Promise.all([net.makeUser(from), net.makeUser(to)])
    const moderator = await net.makeUser(to, { user: { isModerator: true }, scopes: ['read', 'write', 'admin:read', 'admin:write'] })
    await net.followAccepted(from, reporter, to, reported)
    const status = await post(to, reported, { status: 'something rude', visibility: 'public' })
    const seen = await arrivesHome(from, reporter, status.uri)
    const reportedId = seen.account.id
    const comment = `rude, from ${from.name}`

    const filed = await api(from, reporter.token, 'POST', '/api/v1/reports', { account_id: reportedId, status_ids: [seen.id], comment, forward: true })
    expect(filed.status).toBe(200)
    expect(filed.json).toMatchObject({ comment, forwarded: true, target_account: { id: reportedId } })

    const notification = await notificationArrives(to, moderator, 'pleroma:report', (n) => n.report?.comment === comment || n.report?.content === comment)
    expect(notification).toBeTruthy()
    const reports = (await get(to, moderator, '/api/v1/pleroma/admin/reports')).reports as any[]
    const arrivedReport = reports.find((r) => r.content === comment)
    expect(arrivedReport).toBeTruthy()
    expect(arrivedReport.account.id).toBe(reported.account.id)
    expect(arrivedReport.statuses.map((s: any) => s.id)).toEqual([status.id])
    // the reporter's instance speaks for them: who reported is not given away
    expect(arrivedReport.actor.acct).not.toBe(net.acct(from, reporter))
  }, 300_000)

  test('an account deleted on one instance leaves nothing of it on the other', async () => {
    const from = instanceNamed(fromName)
    const to = other(from)
    const [leaver, reader] = await Promise.all([net.makeUser(from), net.makeUser(to)])
    const leaverId = await net.followAccepted(to, reader, from, leaver)
    await net.followAccepted(from, leaver, to, reader)
    const open = await post(from, leaver, { status: 'goodbye world', visibility: 'public' })
    const closed = await post(from, leaver, { status: 'goodbye followers', visibility: 'private' })
    const openOnTo = await arrivesHome(to, reader, open.uri)
    const closedOnTo = await arrivesHome(to, reader, closed.uri)
    const readerOwn = await post(to, reader, { status: 'mine', visibility: 'public' })
    await arrivesHome(from, leaver, readerOwn.uri)
    const faved = await api(from, leaver.token, 'POST', `/api/v1/statuses/${(await arrivesHome(from, leaver, readerOwn.uri)).id}/favourite`)
    expect(faved.status).toBe(200)
    await waitUntil(async () => (await get(to, reader, `/api/v1/statuses/${readerOwn.id}`)).favourites_count === 1, 60_000, 'the Like')

    const deleted = await api(from, leaver.token, 'POST', '/api/pleroma/delete_account', { password: leaver.password })
    expect(deleted.status).toBe(200)

    await waitUntil(async () => (await statusCode(to, reader, `/api/v1/statuses/${openOnTo.id}`)) === 404, 90_000, 'the Delete of the actor')
    expect(await statusCode(to, reader, `/api/v1/statuses/${closedOnTo.id}`)).toBe(404)
    expect(await statusCode(to, reader, `/api/v1/accounts/${leaverId}`)).toBe(404)
    const home = await homeUris(to, reader)
    expect(home).not.toContain(open.uri)
    expect(home).not.toContain(closed.uri)
    const remote = ((await get(to, null, '/api/v1/timelines/public?remote=true&limit=40')) as any[]).map((s) => s.uri)
    expect(remote).not.toContain(open.uri)
    const me = await get(to, reader, '/api/v1/accounts/verify_credentials')
    expect(me).toMatchObject({ followers_count: 0, following_count: 0 })
    expect((await get(to, reader, `/api/v1/statuses/${readerOwn.id}`)).favourites_count).toBe(0)
  }, 300_000)

  test('a block ends the follows both ways and stops deliveries; the blocked account cannot follow again', async () => {
    const blockerSide = instanceNamed(fromName)
    const blockedSide = other(blockerSide)
    const [blocker, witness, blocked] = await Promise.all([net.makeUser(blockerSide), net.makeUser(blockerSide), net.makeUser(blockedSide)])
    const blockedId = await net.followAccepted(blockerSide, blocker, blockedSide, blocked)
    const blockerId = await net.followAccepted(blockedSide, blocked, blockerSide, blocker)
    await net.followAccepted(blockerSide, witness, blockedSide, blocked)
    await net.resolve(blockedSide, blocked.token, net.acct(blockerSide, blocker))

    const res = await api(blockerSide, blocker.token, 'POST', `/api/v1/accounts/${blockedId}/block`)
    expect(res.json).toMatchObject({ blocking: true, following: false, followed_by: false })
    await waitUntil(async () => {
      const r = await relationship(blockedSide, blocked, blockerId)
      return !r.following && !r.followed_by
    }, 60_000, 'the follows to end on the blocked side')

    const mention = await post(blockedSide, blocked, { status: `@${net.acct(blockerSide, blocker)} hey, why?`, visibility: 'public' })
    const open = await post(blockedSide, blocked, { status: 'to all my followers', visibility: 'public' })
    // the witness still follows and gets what comes after these: by then the blocker would have had them
    const marker = await post(blockedSide, blocked, { status: 'marker', visibility: 'private' })
    await arrivesHome(blockerSide, witness, marker.uri)
    await arrivesHome(blockerSide, witness, open.uri)
    expect(await notifiedUris(blockerSide, blocker)).not.toContain(mention.uri)
    const blockerHome = await homeUris(blockerSide, blocker)
    for (const uri of [mention.uri, open.uri, marker.uri]) expect(blockerHome).not.toContain(uri)

    // the blocker's posts no longer reach the blocked account
    const after = await post(blockerSide, blocker, { status: `@${net.acct(blockedSide, blocked)} not for you`, visibility: 'public' })
    const witnessPost = await post(blockerSide, witness, { status: `@${net.acct(blockedSide, blocked)} from the witness`, visibility: 'direct' })
    await notificationArrives(blockedSide, blocked, 'mention', (n) => n.status?.uri === witnessPost.uri)
    expect(await notifiedUris(blockedSide, blocked)).not.toContain(after.uri)

    // the blocked side knows of the block (its own delivery, in no set order with the others): following again is
    // refused there, and nothing reaches the blocker
    await waitUntil(async () => (await relationship(blockedSide, blocked, blockerId)).blocked_by, 60_000, 'the block to reach the blocked side')
    expect(await relationship(blockedSide, blocked, blockerId)).toMatchObject({ blocked_by: true, following: false, requested: false })
    const again = await api(blockedSide, blocked.token, 'POST', `/api/v1/accounts/${blockerId}/follow`)
    expect(again.status).toBe(403)
    expect(again.json).toEqual({ error: expect.any(String) })
    expect(((await get(blockerSide, blocker, `/api/v1/accounts/${blocker.account.id}/followers`)) as any[])).toEqual([])
    expect(await get(blockerSide, blocker, '/api/v1/follow_requests')).toEqual([])
  }, 300_000)
})
