import { beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import type { Jobs } from '../../src/core/jobs'
import { deleteExpiredStatuses } from '../../src/core/statuses/delete-expired-statuses'
import { registerStatusJobs, STATUS_MAINTENANCE_QUEUE } from '../../src/core/statuses/maintenance'
import { accounts, blocks, follows, mutes, pollVotes, polls, statusEdits, statusIdempotencyKeys, statusMentions, statuses } from '../../src/db/schema'
import { getTestContext } from '../support/context'
import { makeUser, type MadeUser } from '../support/factories'
import { call } from '../support/http'
import { expectShape } from '../support/shape'

let ctx: Ctx
let alice: MadeUser
let bob: MadeUser
let carol: MadeUser

beforeAll(async () => {
  ctx = await getTestContext()
  alice = await makeUser(ctx)
  bob = await makeUser(ctx)
  carol = await makeUser(ctx)
})

const post = async (user: MadeUser, json: Record<string, unknown>) => {
  const res = await call('POST', '/api/v1/statuses', { token: user.token, json })
  expect(res.status).toBe(200)
  return res.json
}
const row = async (id: string) => (await ctx.db.select().from(statuses).where(eq(statuses.id, id)))[0]
const statusesCount = async (accountId: string) =>
  (await ctx.db.select({ n: accounts.statusesCount }).from(accounts).where(eq(accounts.id, accountId)))[0].n

describe('GET /api/v1/statuses/:id/context', () => {
  test('ancestors oldest first, descendants in thread order', async () => {
    const root = await post(alice, { status: 'root' })
    const a = await post(bob, { status: 'a', in_reply_to_id: root.id })
    const b = await post(carol, { status: 'b', in_reply_to_id: root.id })
    const a1 = await post(alice, { status: 'a1', in_reply_to_id: a.id })
    const a1x = await post(bob, { status: 'a1x', in_reply_to_id: a1.id })
    const b1 = await post(alice, { status: 'b1', in_reply_to_id: b.id })

    const fromRoot = await call('GET', `/api/v1/statuses/${root.id}/context`)
    expect(fromRoot.status).toBe(200)
    expectShape(fromRoot.json, 'Context')
    expect(fromRoot.json.ancestors).toEqual([])
    expect(fromRoot.json.descendants.map((s: any) => s.content)).toEqual(['<p>a</p>', '<p>a1</p>', '<p>a1x</p>', '<p>b</p>', '<p>b1</p>'])

    const fromMiddle = await call('GET', `/api/v1/statuses/${a1.id}/context`, { token: carol.token })
    expect(fromMiddle.json.ancestors.map((s: any) => s.id)).toEqual([root.id, a.id])
    expect(fromMiddle.json.descendants.map((s: any) => s.id)).toEqual([a1x.id])
    expect(fromMiddle.json.ancestors[1].pleroma.parent_visible).toBe(true)
    expect(b1.pleroma.conversation_id).toBe(root.pleroma.conversation_id)
  })

  test('a hidden status is left out without cutting the chain; parent_visible tells', async () => {
    const dave = await makeUser(ctx)
    const eve = await makeUser(ctx)
    await ctx.db.insert(follows).values([
      { accountId: dave.account.id, targetAccountId: bob.account.id },
      { accountId: eve.account.id, targetAccountId: dave.account.id },
    ])
    const root = await post(alice, { status: 'open root' })
    const hidden = await post(bob, { status: 'followers only', visibility: 'private', in_reply_to_id: root.id })
    const child = await post(dave, { status: 'wide reply', visibility: 'public', in_reply_to_id: hidden.id })
    expect(child.visibility).toBe('private') // capped by its private parent

    // eve follows dave (sees the child) but not bob (cannot see its parent)
    const fromRoot = await call('GET', `/api/v1/statuses/${root.id}/context`, { token: eve.token })
    expect(fromRoot.json.descendants.map((s: any) => s.id)).toEqual([child.id])
    expect(fromRoot.json.descendants[0].pleroma.parent_visible).toBe(false)
    const fromChild = await call('GET', `/api/v1/statuses/${child.id}/context`, { token: eve.token })
    expect(fromChild.json.ancestors.map((s: any) => s.id)).toEqual([root.id])

    // dave sees the whole chain
    const asDave = await call('GET', `/api/v1/statuses/${child.id}/context`, { token: dave.token })
    expect(asDave.json.ancestors.map((s: any) => s.id)).toEqual([root.id, hidden.id])
    expect((await call('GET', `/api/v1/statuses/${child.id}`, { token: dave.token })).json.pleroma.parent_visible).toBe(true)

    // a stranger sees neither
    const stranger = await makeUser(ctx)
    expect((await call('GET', `/api/v1/statuses/${root.id}/context`, { token: stranger.token })).json.descendants).toEqual([])
  })

  test('replies by accounts the viewer blocks or mutes are left out of the thread', async () => {
    const root = await post(alice, { status: 'thread' })
    const byBob = await post(bob, { status: 'bob says', in_reply_to_id: root.id })
    const byCarol = await post(carol, { status: 'carol says', in_reply_to_id: root.id })
    const viewer = await makeUser(ctx)
    await ctx.db.insert(blocks).values({ accountId: viewer.account.id, targetAccountId: bob.account.id })
    await ctx.db.insert(mutes).values({ accountId: viewer.account.id, targetAccountId: carol.account.id })
    const res = await call('GET', `/api/v1/statuses/${root.id}/context`, { token: viewer.token })
    expect(res.json.descendants).toEqual([])
    const other = await call('GET', `/api/v1/statuses/${root.id}/context`)
    expect(other.json.descendants.map((s: any) => s.id)).toEqual([byBob.id, byCarol.id])
  })
})

describe('DELETE /api/v1/statuses/:id', () => {
  test('returns the status with its source, undoes counters once, keeps replies', async () => {
    const parent = await post(bob, { status: 'parent' })
    const before = await statusesCount(alice.account.id)
    const doomed = await post(alice, { status: `to be deleted @${carol.account.username} #gone`, in_reply_to_id: parent.id, poll: { options: ['x', 'y'], expires_in: 600 } })
    const child = await post(carol, { status: 'child', in_reply_to_id: doomed.id })
    expect((await row(parent.id)).repliesCount).toBe(1)
    expect(await statusesCount(alice.account.id)).toBe(before + 1)

    const res = await call('DELETE', `/api/v1/statuses/${doomed.id}`, { token: alice.token })
    expect(res.status).toBe(200)
    expectShape(res.json, 'Status')
    expect(res.json).toMatchObject({ id: doomed.id, text: `to be deleted @${carol.account.username} #gone` })
    expect(res.json.poll.options.map((o: any) => o.title)).toEqual(['x', 'y'])
    expect(res.json.tags.map((t: any) => t.name)).toEqual(['gone'])

    expect(await row(doomed.id)).toBeUndefined()
    expect((await row(parent.id)).repliesCount).toBe(0)
    expect(await statusesCount(alice.account.id)).toBe(before)
    expect(await ctx.db.select().from(statusMentions).where(eq(statusMentions.statusId, doomed.id))).toEqual([])

    const again = await call('DELETE', `/api/v1/statuses/${doomed.id}`, { token: alice.token })
    expect(again.status).toBe(404)
    expect((await row(parent.id)).repliesCount).toBe(0)
    expect(await statusesCount(alice.account.id)).toBe(before)

    const orphan = await call('GET', `/api/v1/statuses/${child.id}`)
    expect(orphan.status).toBe(200)
    expect(orphan.json.in_reply_to_id).toBe(doomed.id)
    expect(orphan.json.pleroma.parent_visible).toBe(false)
    expect((await call('GET', `/api/v1/statuses/${child.id}/context`)).json.ancestors).toEqual([])
  })

  test('concurrent deletes decrement once', async () => {
    const parent = await post(bob, { status: 'parent for a race' })
    const doomed = await post(alice, { status: 'racing delete', in_reply_to_id: parent.id })
    const before = await statusesCount(alice.account.id)
    const results = await Promise.all(Array.from({ length: 4 }, () => call('DELETE', `/api/v1/statuses/${doomed.id}`, { token: alice.token })))
    expect(results.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(1)
    expect(results.every((r) => r.status === 200 || r.status === 404)).toBe(true)
    expect(await statusesCount(alice.account.id)).toBe(before - 1)
    expect((await row(parent.id)).repliesCount).toBe(0)
  })

  test('deleting a status removes reblogs of it', async () => {
    const original = await post(alice, { status: 'will be reblogged' })
    const [reblog] = await ctx.db.insert(statuses).values({ accountId: bob.account.id, reblogOfId: original.id, visibility: 'public' }).returning()
    await ctx.db.update(accounts).set({ statusesCount: 5 }).where(eq(accounts.id, bob.account.id))
    expect((await call('DELETE', `/api/v1/statuses/${original.id}`, { token: alice.token })).status).toBe(200)
    expect(await row(reblog.id)).toBeUndefined()
    expect(await statusesCount(bob.account.id)).toBe(4)
  })
})

describe('PUT /api/v1/statuses/:id, history and source', () => {
  test('edits text, keeps the previous revision and lists history oldest first', async () => {
    const original = await post(alice, { status: 'first version #one', spoiler_text: 'cw1' })
    expect((await call('GET', `/api/v1/statuses/${original.id}/history`)).json).toHaveLength(1)

    const edited = await call('PUT', `/api/v1/statuses/${original.id}`, { token: alice.token, json: { status: `second version #two @${bob.account.username}`, spoiler_text: 'cw2', sensitive: true } })
    expect(edited.status).toBe(200)
    expectShape(edited.json, 'Status')
    expect(edited.json.content).toContain('second version')
    expect(edited.json.edited_at).toBeString()
    expect(edited.json.created_at).toBe(original.created_at)
    expect(edited.json.tags.map((t: any) => t.name)).toEqual(['two'])
    expect(edited.json.mentions.map((m: any) => m.id)).toEqual([bob.account.id])
    expect(edited.json.sensitive).toBe(true)

    await call('PUT', `/api/v1/statuses/${original.id}`, { token: alice.token, json: { status: 'third version' } })
    const history = await call('GET', `/api/v1/statuses/${original.id}/history`, { token: bob.token })
    expect(history.status).toBe(200)
    for (const entry of history.json) expectShape(entry, 'StatusEdit')
    expect(history.json.map((e: any) => e.content)).toEqual([
      '<p>first version <a href="https://rookery.test/tags/one" class="mention hashtag" rel="tag">#<span>one</span></a></p>',
      expect.stringContaining('second version'),
      '<p>third version</p>',
    ])
    expect(history.json.map((e: any) => e.spoiler_text)).toEqual(['cw1', 'cw2', 'cw2'])
    expect(history.json[0].created_at).toBe(original.created_at)
    expect(history.json[0].account.id).toBe(alice.account.id)
    const times = history.json.map((e: any) => Date.parse(e.created_at))
    expect([...times].sort((a, b) => a - b)).toEqual(times)

    // bob was mentioned in the second version: he keeps access after the third dropped the mention
    expect((await call('GET', `/api/v1/statuses/${original.id}`, { token: bob.token })).status).toBe(200)

    const source = await call('GET', `/api/v1/statuses/${original.id}/source`, { token: alice.token })
    expect(source.status).toBe(200)
    expectShape(source.json, 'StatusSource')
    expect(source.json).toEqual({ id: original.id, text: 'third version', spoiler_text: 'cw2', content_type: 'text/plain' })
  })

  test('an edit that changes nothing records no revision', async () => {
    const s = await post(alice, { status: 'stable' })
    const res = await call('PUT', `/api/v1/statuses/${s.id}`, { token: alice.token, json: { status: 'stable' } })
    expect(res.json.edited_at).toBeNull()
    expect(await ctx.db.select().from(statusEdits).where(eq(statusEdits.statusId, s.id))).toEqual([])
  })

  test('validation applies to edits', async () => {
    const s = await post(alice, { status: 'valid' })
    expect((await call('PUT', `/api/v1/statuses/${s.id}`, { token: alice.token, json: { status: '' } })).status).toBe(422)
    expect((await call('PUT', `/api/v1/statuses/${s.id}`, { token: alice.token, json: { status: 'x'.repeat(ctx.config.limits.maxTootChars + 1) } })).status).toBe(422)
    expect((await call('PUT', `/api/v1/statuses/${s.id}`, { token: alice.token, json: { status: 'p', poll: { options: ['one'], expires_in: 600 } } })).status).toBe(422)
    expect((await row(s.id)).text).toBe('valid')
  })

  test('changing poll options resets the votes; leaving the poll out removes it', async () => {
    const s = await post(alice, { status: 'vote', poll: { options: ['a', 'b'], expires_in: 600 } })
    const [poll] = await ctx.db.select().from(polls).where(eq(polls.statusId, s.id))
    await ctx.db.insert(pollVotes).values({ pollId: poll.id, accountId: bob.account.id, choice: 0 })
    await ctx.db.update(polls).set({ votesCount: 1, votersCount: 1, options: [{ title: 'a', votes_count: 1 }, { title: 'b', votes_count: 0 }] }).where(eq(polls.id, poll.id))

    const same = await call('PUT', `/api/v1/statuses/${s.id}`, { token: alice.token, json: { status: 'vote!', poll: { options: ['a', 'b'], expires_in: 600 } } })
    expect(same.json.poll.votes_count).toBe(1)

    const changed = await call('PUT', `/api/v1/statuses/${s.id}`, { token: alice.token, json: { status: 'vote!', poll: { options: ['a', 'c'], expires_in: 600 } } })
    expect(changed.status).toBe(200)
    expect(changed.json.poll).toMatchObject({ votes_count: 0, options: [{ title: 'a', votes_count: 0 }, { title: 'c', votes_count: 0 }] })
    expect(await ctx.db.select().from(pollVotes).where(eq(pollVotes.pollId, poll.id))).toEqual([])

    const history = await call('GET', `/api/v1/statuses/${s.id}/history`)
    expect(history.json.map((e: any) => e.poll?.options.map((o: any) => o.title))).toEqual([['a', 'b'], ['a', 'b'], ['a', 'c']])

    const removed = await call('PUT', `/api/v1/statuses/${s.id}`, { token: alice.token, json: { status: 'no poll now' } })
    expect(removed.json.poll).toBeNull()
  })
})

describe('expiring statuses', () => {
  test('deleteExpiredStatuses removes due statuses (and undoes their counters), leaves the rest', async () => {
    const user = await makeUser(ctx)
    const due = await post(user, { status: 'expiring', expires_in: 3600 })
    const later = await post(user, { status: 'later', expires_in: 7200 })
    const keep = await post(user, { status: 'forever' })
    expect(await statusesCount(user.account.id)).toBe(3)
    const deleted = await deleteExpiredStatuses(ctx, { now: new Date(Date.now() + 3700_000) })
    expect(deleted).toBeGreaterThanOrEqual(1)
    expect(await row(due.id)).toBeUndefined()
    expect(await row(later.id)).toBeDefined()
    expect(await row(keep.id)).toBeDefined()
    expect(await statusesCount(user.account.id)).toBe(2)
    expect(await deleteExpiredStatuses(ctx, { now: new Date(Date.now() + 3700_000) })).toBe(0)
  })
})

describe('status maintenance job', () => {
  test('registers a once-a-minute job that deletes due statuses and stale idempotency keys', async () => {
    const handlers = new Map<string, (data: object, id: string) => Promise<void>>()
    const schedules: [string, string][] = []
    const jobs = {
      work: async (queue: string, handler: any) => { handlers.set(queue, handler) },
      schedule: async (queue: string, cron: string) => { schedules.push([queue, cron]) },
      // the deletion tells other servers through the federation queue
      send: async () => null,
    } as unknown as Jobs
    await registerStatusJobs({ ...ctx, jobs })
    expect(schedules).toEqual([[STATUS_MAINTENANCE_QUEUE, '* * * * *']])

    const user = await makeUser(ctx)
    const due = await post(user, { status: 'already due', expires_in: 3600 })
    await ctx.db.update(statuses).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(statuses.id, due.id))
    const keyed = await post(user, { status: 'keyed' })
    await ctx.db.insert(statusIdempotencyKeys).values({ accountId: user.account.id, key: 'old-key', requestHash: 'x', statusId: keyed.id, createdAt: new Date(Date.now() - 2 * 3600_000) })

    await handlers.get(STATUS_MAINTENANCE_QUEUE)!({}, 'job-1')
    expect(await row(due.id)).toBeUndefined()
    expect(await row(keyed.id)).toBeDefined()
    expect(await ctx.db.select().from(statusIdempotencyKeys).where(eq(statusIdempotencyKeys.accountId, user.account.id))).toEqual([])
  })
})
