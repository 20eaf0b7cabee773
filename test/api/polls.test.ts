import { beforeAll, describe, expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import { notifyEndedPolls } from '../../src/core/polls/ended'
import { follows, notifications, polls } from '../../src/db/schema'
import { getTestContext } from '../support/context'
import { makeUser, type MadeUser } from '../support/factories'
import { call } from '../support/http'
import { expectShape } from '../support/shape'

let ctx: Ctx

beforeAll(async () => {
  ctx = await getTestContext()
})

const postPoll = async (who: MadeUser, poll: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
  const res = await call('POST', '/api/v1/statuses', { token: who.token, json: { status: 'vote!', poll: { expires_in: 600, ...poll }, ...extra } })
  expect(res.status).toBe(200)
  return res.json as { id: string; poll: { id: string } }
}
const vote = (who: MadeUser | null, pollId: string, choices: unknown) =>
  call('POST', `/api/v1/polls/${pollId}/votes`, { token: who?.token, json: { choices } })
const endPoll = (pollId: string) => ctx.db.update(polls).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(polls.id, pollId))

describe('GET /api/v1/polls/:id', () => {
  test('shows a visible poll in the Poll shape, to anyone for a public status', async () => {
    const [alice, bob] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    const status = await postPoll(alice, { options: ['yes', 'no'] })
    const anonymous = await call('GET', `/api/v1/polls/${status.poll.id}`)
    expect(anonymous.status).toBe(200)
    expectShape(anonymous.json, 'Poll')
    expect(anonymous.json).toMatchObject({ id: status.poll.id, expired: false, multiple: false, votes_count: 0, voted: null, own_votes: null })
    const asBob = await call('GET', `/api/v1/polls/${status.poll.id}`, { token: bob.token })
    expect(asBob.json).toMatchObject({ voted: false, own_votes: [] })
  })

  test('a poll on a status the viewer may not see is 404, like an unknown id', async () => {
    const [alice, bob] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    const status = await postPoll(alice, { options: ['a', 'b'] }, { visibility: 'private' })
    expect((await call('GET', `/api/v1/polls/${status.poll.id}`, { token: bob.token })).status).toBe(404)
    expect((await call('GET', `/api/v1/polls/${status.poll.id}`)).status).toBe(404)
    expect((await vote(bob, status.poll.id, [0])).status).toBe(404)
    expect((await call('GET', `/api/v1/polls/${status.poll.id}`, { token: alice.token })).status).toBe(200)
    await ctx.db.insert(follows).values({ accountId: bob.account.id, targetAccountId: alice.account.id })
    expect((await call('GET', `/api/v1/polls/${status.poll.id}`, { token: bob.token })).status).toBe(200)
    expect((await call('GET', '/api/v1/polls/AAAAAAAAAAAAAAAAAA')).status).toBe(404)
    expect((await call('GET', '/api/v1/polls/nope!')).status).toBe(404)
  })
})

describe('POST /api/v1/polls/:id/votes', () => {
  test('single choice: counts once, shows own votes, refuses a second vote and several choices', async () => {
    const [alice, bob, carol] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    const status = await postPoll(alice, { options: ['red', 'blue', 'green'] })
    expect((await vote(bob, status.poll.id, [0, 1])).status).toBe(422)
    const voted = await vote(bob, status.poll.id, ['1'])
    expect(voted.status).toBe(200)
    expectShape(voted.json, 'Poll')
    expect(voted.json).toMatchObject({ votes_count: 1, voters_count: 1, voted: true, own_votes: [1] })
    expect(voted.json.options.map((o: any) => o.votes_count)).toEqual([0, 1, 0])
    expect((await vote(bob, status.poll.id, [2])).status).toBe(422)
    await vote(carol, status.poll.id, [1])
    const shown = (await call('GET', `/api/v1/statuses/${status.id}`, { token: alice.token })).json.poll
    expect(shown).toMatchObject({ votes_count: 2, voters_count: 2, voted: true })
    expect(shown.options.map((o: any) => o.votes_count)).toEqual([0, 2, 0])
  })

  test('multiple choice: several options in one vote, duplicates once', async () => {
    const [alice, bob] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    const status = await postPoll(alice, { options: ['a', 'b', 'c'], multiple: true })
    const voted = await call('POST', `/api/v1/polls/${status.poll.id}/votes`, { token: bob.token, form: { 'choices[]': ['2', '0', '2'] } })
    expect(voted.status).toBe(200)
    expect(voted.json).toMatchObject({ multiple: true, votes_count: 2, voters_count: 1, own_votes: [0, 2] })
    expect(voted.json.options.map((o: any) => o.votes_count)).toEqual([1, 0, 1])
  })

  test('bad choices, own polls and ended polls are 422; voting needs a token with write:statuses', async () => {
    const [alice, bob] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    const status = await postPoll(alice, { options: ['x', 'y'] })
    for (const choices of [[], [2], [-1], ['x'], [0.5], undefined]) expect((await vote(bob, status.poll.id, choices)).status).toBe(422)
    expect((await vote(alice, status.poll.id, [0])).status).toBe(422)
    expect((await vote(null, status.poll.id, [0])).status).toBe(401)
    const reader = await makeUser(ctx, { scopes: ['read'] })
    expect((await vote(reader, status.poll.id, [0])).status).toBe(403)
    await endPoll(status.poll.id)
    const ended = await vote(bob, status.poll.id, [0])
    expect(ended.status).toBe(422)
    expect(ended.json.error).toContain('ended')
    expect((await call('GET', `/api/v1/polls/${status.poll.id}`)).json.expired).toBe(true)
  })

  test('concurrent votes each count exactly once', async () => {
    const alice = await makeUser(ctx)
    const voters = await Promise.all(Array.from({ length: 5 }, () => makeUser(ctx)))
    const status = await postPoll(alice, { options: ['p', 'q'] })
    const results = await Promise.all([...voters, voters[0]].map((v) => vote(v, status.poll.id, [0])))
    expect(results.filter((r) => r.status === 200)).toHaveLength(5)
    const shown = (await call('GET', `/api/v1/polls/${status.poll.id}`)).json
    expect(shown).toMatchObject({ votes_count: 5, voters_count: 5 })
    expect(shown.options[0].votes_count).toBe(5)
  })
})

describe('poll notifications', () => {
  test('when a poll ends, its author and voters are told once, by the maintenance sweep', async () => {
    const [alice, bob, carol, dave] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    const status = await postPoll(alice, { options: ['one', 'two'], multiple: true })
    await vote(bob, status.poll.id, [0, 1])
    await vote(carol, status.poll.id, [1])
    await notifyEndedPolls(ctx)
    const pollNotes = (who: MadeUser) =>
      ctx.db.select().from(notifications).where(and(eq(notifications.accountId, who.account.id), eq(notifications.type, 'poll')))
    expect(await pollNotes(alice)).toHaveLength(0)

    await endPoll(status.poll.id)
    await Promise.all([notifyEndedPolls(ctx), notifyEndedPolls(ctx)])
    await notifyEndedPolls(ctx)
    for (const who of [alice, bob, carol]) expect(await pollNotes(who)).toHaveLength(1)
    expect(await pollNotes(dave)).toHaveLength(0)

    const shown = (await call('GET', '/api/v1/notifications', { token: bob.token, query: { 'types[]': 'poll' } })).json
    expect(shown).toHaveLength(1)
    expectShape(shown[0], 'Notification')
    expect(shown[0].account.id).toBe(alice.account.id)
    expect(shown[0].status.poll).toMatchObject({ expired: true, own_votes: [0, 1] })
    const own = (await call('GET', '/api/v1/notifications', { token: alice.token, query: { 'types[]': 'poll' } })).json
    expect(own).toHaveLength(1)
  })
})
