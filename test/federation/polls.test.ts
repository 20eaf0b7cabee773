// Poll votes and results between Rookery and a server that is not Rookery (a Fedify peer on loopback), both ways.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { Create, Note, Question, Update } from '@fedify/vocab'
import { notifyEndedPolls } from '../../src/core/polls/ended'
import { polls, statuses } from '../../src/db/schema'
import { makeUser, type MadeUser } from '../support/factories'
import { startLiveServer, until, type LiveServer } from '../support/live-server'
import { startPeer, type Peer } from '../support/peer'

const PUBLIC = 'https://www.w3.org/ns/activitystreams#Public'
const CONTEXT = ['https://www.w3.org/ns/activitystreams', { toot: 'http://joinmastodon.org/ns#', votersCount: 'toot:votersCount' }]

let rookery: LiveServer
/** bob follows alice */
let peer: Peer
let alice: MadeUser
let carol: MadeUser
let aliceUri: string
let inbox: string
let bobUri: string
let seq = 0

const idOn = (name: string, kind: string) => peer.activityId(name, kind)
const actorOf = (name: string) => peer.actorUri(name).href
const deliver = (json: unknown, as = 'bob') => peer.sendJson(json, inbox, as)

const pollOf = async (statusId: string) => (await rookery.ctx.db.select().from(polls).where(eq(polls.statusId, statusId)))[0]

async function localPoll(options: string[], multiple = false): Promise<{ id: string; uri: string }> {
  const res = await rookery.api(alice, 'POST', '/api/v1/statuses', { status: `poll ${++seq}`, visibility: 'public', poll: { options, expires_in: 3600, multiple } })
  expect(res.status).toBe(200)
  return res.body
}

const voteJson = (name: string, question: string, option: string, extra: Record<string, unknown> = {}) => {
  const id = idOn(name, 'votes')
  const note = { id, type: 'Note', attributedTo: actorOf(name), name: option, inReplyTo: question, to: [aliceUri], ...extra }
  return { '@context': CONTEXT, id: `${id}/activity`, type: 'Create', actor: actorOf(name), to: [aliceUri], object: note }
}

/** Sends `json`, then a vote by bob on a fresh poll, and waits for that: the first was handled by then. */
async function deliverAndSettle(json: unknown, as: string) {
  await deliver(json, as)
  const sentinel = await localPoll(['x', 'y'])
  expect((await deliver(voteJson('bob', sentinel.uri, 'x'))).status).toBeLessThan(300)
  await until(async () => (await pollOf(sentinel.id))?.votersCount === 1)
  await Bun.sleep(300)
}

function questionJson(uri: string, counts: number[], extra: Record<string, unknown> = {}) {
  return {
    id: uri, type: 'Question', attributedTo: bobUri, content: '<p>which?</p>', published: new Date().toISOString(), to: [PUBLIC], cc: [],
    endTime: new Date(Date.now() + 3600_000).toISOString(), votersCount: counts.reduce((a, b) => a + b, 0),
    oneOf: counts.map((n, i) => ({ type: 'Note', name: `option ${i}`, replies: { type: 'Collection', totalItems: n } })),
    ...extra,
  }
}

beforeAll(async () => {
  rookery = await startLiveServer({ federation: { allowPrivate: true } })
  peer = await startPeer(['bob', 'dora', 'eve'])
  alice = await makeUser(rookery.ctx)
  carol = await makeUser(rookery.ctx)
  aliceUri = `${rookery.baseUrl}/users/${alice.account.username}`
  inbox = `${rookery.baseUrl}/inbox`
  bobUri = actorOf('bob')
  await peer.follow('bob', aliceUri)
}, 90_000)

afterAll(async () => {
  await peer?.stop()
  await rookery?.stop()
}, 60_000)

describe('votes on remote polls', () => {
  test('voting sends one Create{Note name=option, inReplyTo=question} per choice to the poll\'s author', async () => {
    const uri = idOn('bob', 'statuses')
    const q = questionJson(uri, [0, 0, 0])
    expect((await deliver({ '@context': CONTEXT, id: `${uri}/activity`, type: 'Create', actor: bobUri, to: [PUBLIC], object: q })).status).toBeLessThan(300)
    const row = await until(async () => (await rookery.ctx.db.select().from(statuses).where(eq(statuses.uri, uri)))[0])
    const poll = await until(() => pollOf(row.id))
    const res = await rookery.api(carol, 'POST', `/api/v1/polls/${poll.id}/votes`, { choices: [2] })
    expect(res.status).toBe(200)
    expect(res.body.voted).toBe(true)
    const create = await peer.waitFor((a): a is Create => a instanceof Create && a.actorId?.href === `${rookery.baseUrl}/users/${carol.account.username}`)
    const note = await create.getObject(peer.context())
    expect(note).toBeInstanceOf(Note)
    expect((note as Note).name?.toString()).toBe('option 2')
    expect((note as Note).replyTargetId?.href).toBe(uri)
    expect(peer.deliveries.find((d) => d.activity === create)?.recipient).toBe('bob')
  }, 60_000)

  test('an incoming Update{Question} refreshes the counts', async () => {
    const uri = idOn('bob', 'statuses')
    expect((await deliver({ '@context': CONTEXT, id: `${uri}/activity`, type: 'Create', actor: bobUri, to: [PUBLIC], object: questionJson(uri, [0, 0]) })).status).toBeLessThan(300)
    const row = await until(async () => (await rookery.ctx.db.select().from(statuses).where(eq(statuses.uri, uri)))[0])
    expect((await deliver({ '@context': CONTEXT, id: `${uri}#updates/1`, type: 'Update', actor: bobUri, to: [PUBLIC], object: questionJson(uri, [3, 4]) })).status).toBeLessThan(300)
    const poll = await until(async () => {
      const p = await pollOf(row.id)
      return p?.votesCount === 7 ? p : null
    })
    expect(poll.options.map((o) => o.votes_count)).toEqual([3, 4])
    const seen = (await rookery.api(carol, 'GET', `/api/v1/statuses/${row.id}`)).body.poll
    expect(seen.options.map((o: any) => o.votes_count)).toEqual([3, 4])
  }, 30_000)

  test('when a remote poll ends, its local voters get a poll notification (its remote author none here)', async () => {
    const uri = idOn('bob', 'statuses')
    expect((await deliver({ '@context': CONTEXT, id: `${uri}/activity`, type: 'Create', actor: bobUri, to: [PUBLIC], object: questionJson(uri, [0, 0]) })).status).toBeLessThan(300)
    const row = await until(async () => (await rookery.ctx.db.select().from(statuses).where(eq(statuses.uri, uri)))[0])
    const poll = await until(() => pollOf(row.id))
    const voter = await makeUser(rookery.ctx)
    expect((await rookery.api(voter, 'POST', `/api/v1/polls/${poll.id}/votes`, { choices: [0] })).status).toBe(200)
    const pollNotes = async (user: MadeUser) => ((await rookery.api(user, 'GET', '/api/v1/notifications?types[]=poll')).body as any[])
      .filter((n) => n.status?.id === row.id)
    expect(await pollNotes(voter)).toEqual([])

    await rookery.ctx.db.update(polls).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(polls.id, poll.id))
    expect(await notifyEndedPolls(rookery.ctx)).toBeGreaterThanOrEqual(1)
    const [note] = await pollNotes(voter)
    expect(note).toMatchObject({ type: 'poll', account: { acct: `bob@${new URL(peer.baseUrl).host}` }, status: { id: row.id, poll: { expired: true } } })
    expect(await pollNotes(carol)).toEqual([]) // carol did not vote on this one
    // a second run notifies nobody again
    await notifyEndedPolls(rookery.ctx)
    expect(await pollNotes(voter)).toHaveLength(1)
  }, 60_000)
})

describe('votes on local polls', () => {
  test('a remote vote counts once; the new counts go out as Update{Question}', async () => {
    const status = await localPoll(['red', 'blue'])
    expect((await deliver(voteJson('bob', status.uri, 'blue'))).status).toBeLessThan(300)
    await until(async () => (await pollOf(status.id))?.votersCount === 1)
    // a second vote on a single-choice poll is refused
    await deliverAndSettle(voteJson('bob', status.uri, 'red'), 'bob')
    const poll = await pollOf(status.id)
    expect(poll.options.map((o) => o.votes_count)).toEqual([0, 1])
    expect(poll.votersCount).toBe(1)

    const update = await peer.waitFor((a): a is Update => a instanceof Update && a.objectId?.href === status.uri)
    const question = await update.getObject(peer.context())
    expect(question).toBeInstanceOf(Question)
    const options = await Array.fromAsync((question as Question).getExclusiveOptions(peer.context()))
    const counts = await Promise.all(options.map(async (o) => (await o.getReplies(peer.context()))?.totalItems ?? 0))
    expect(counts).toEqual([0, 1])
  }, 60_000)

  test('a multiple-choice poll takes one Create per choice as one voter', async () => {
    const status = await localPoll(['a', 'b', 'c'], true)
    expect((await deliver(voteJson('dora', status.uri, 'a'), 'dora')).status).toBeLessThan(300)
    expect((await deliver(voteJson('dora', status.uri, 'c'), 'dora')).status).toBeLessThan(300)
    const poll = await until(async () => {
      const p = await pollOf(status.id)
      return p?.votesCount === 2 ? p : null
    })
    expect(poll.votersCount).toBe(1)
    expect(poll.options.map((o) => o.votes_count)).toEqual([1, 0, 1])
  }, 30_000)

  test('refused: a vote on an ended poll, for an unknown option, and one attributed to someone else', async () => {
    const ended = await localPoll(['yes', 'no'])
    await rookery.ctx.db.update(polls).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(polls.statusId, ended.id))
    await deliverAndSettle(voteJson('dora', ended.uri, 'yes'), 'dora')
    const open = await localPoll(['yes', 'no'])
    await deliverAndSettle(voteJson('dora', open.uri, 'maybe'), 'dora')
    await deliverAndSettle(voteJson('eve', open.uri, 'yes', { attributedTo: actorOf('dora') }), 'eve')
    expect((await pollOf(ended.id)).votesCount).toBe(0)
    expect((await pollOf(open.id)).votesCount).toBe(0)
  }, 60_000)
})

