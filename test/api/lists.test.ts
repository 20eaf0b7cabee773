import { beforeAll, describe, expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import { newId } from '../../src/core/ids'
import { MAX_LISTS } from '../../src/core/lists/lists'
import { removeFromOwnersLists } from '../../src/core/lists/members'
import { backfillHomeFeed } from '../../src/core/timelines/home-feed'
import { blocks, follows, listAccounts, lists, mutes, statuses } from '../../src/db/schema'
import { getTestContext } from '../support/context'
import { makeUser, pastIds, type MadeUser } from '../support/factories'
import { call, postStatus } from '../support/http'
import { expectShape } from '../support/shape'

let ctx: Ctx

beforeAll(async () => {
  ctx = await getTestContext()
})

/** An accepted follow, as the follow action leaves it. */
async function follow(follower: MadeUser, target: MadeUser) {
  await ctx.db.insert(follows).values({ accountId: follower.account.id, targetAccountId: target.account.id })
  await backfillHomeFeed(ctx.db, follower.account.id, target.account.id)
}

async function makeList(owner: MadeUser, json: Record<string, unknown> = {}) {
  const res = await call('POST', '/api/v1/lists', { token: owner.token, json: { title: 'friends', ...json } })
  expect(res.status).toBe(200)
  return res.json as { id: string; title: string; replies_policy: string; exclusive: boolean }
}

async function addMembers(owner: MadeUser, listId: string, members: MadeUser[]) {
  const res = await call('POST', `/api/v1/lists/${listId}/accounts`, { token: owner.token, json: { account_ids: members.map((m) => m.account.id) } })
  expect(res.status).toBe(200)
}

const post = (who: MadeUser, json: Record<string, unknown>) => postStatus<{ id: string; visibility: string; pleroma: { visibility: string } }>(who, json)

const ids = (res: { json: any }) => (res.json as { id: string }[]).map((s) => s.id)
const timeline = (who: MadeUser, listId: string, query: Record<string, string> = {}) =>
  call('GET', `/api/v1/timelines/list/${listId}`, { token: who.token, query })

describe('lists', () => {
  test('create, show, update and delete a list', async () => {
    const owner = await makeUser(ctx)
    const created = await call('POST', '/api/v1/lists', { token: owner.token, form: { title: '  Close friends ' } })
    expect(created.status).toBe(200)
    expectShape(created.json, 'List')
    expect(created.json).toMatchObject({ title: 'Close friends', replies_policy: 'list', exclusive: false })

    const shown = await call('GET', `/api/v1/lists/${created.json.id}`, { token: owner.token })
    expect(shown.json).toEqual(created.json)

    const updated = await call('PUT', `/api/v1/lists/${created.json.id}`, { token: owner.token, json: { replies_policy: 'followed', exclusive: true } })
    expect(updated.status).toBe(200)
    expectShape(updated.json, 'List')
    expect(updated.json).toEqual({ id: created.json.id, title: 'Close friends', replies_policy: 'followed', exclusive: true })

    const renamed = await call('PUT', `/api/v1/lists/${created.json.id}`, { token: owner.token, form: { title: 'Renamed', exclusive: 'false' } })
    expect(renamed.json).toMatchObject({ title: 'Renamed', replies_policy: 'followed', exclusive: false })

    const deleted = await call('DELETE', `/api/v1/lists/${created.json.id}`, { token: owner.token })
    expect(deleted.status).toBe(200)
    expect(deleted.json).toEqual({})
    expect((await call('GET', `/api/v1/lists/${created.json.id}`, { token: owner.token })).status).toBe(404)
    expect((await call('DELETE', `/api/v1/lists/${created.json.id}`, { token: owner.token })).status).toBe(404)
  })

  test('the index holds only the viewer’s own lists, oldest first', async () => {
    const [owner, other] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    const a = await makeList(owner, { title: 'a' })
    const b = await makeList(owner, { title: 'b', replies_policy: 'none' })
    await makeList(other, { title: 'not mine' })
    const res = await call('GET', '/api/v1/lists', { token: owner.token })
    expect(res.status).toBe(200)
    for (const l of res.json) expectShape(l, 'List')
    expect(ids(res)).toEqual([a.id, b.id])
  })

  test('invalid titles, policies and flags are 422', async () => {
    const owner = await makeUser(ctx)
    for (const json of [{}, { title: '   ' }, { title: 'x'.repeat(257) }, { title: 'ok', replies_policy: 'everyone' }, { title: 'ok', exclusive: 'maybe' }]) {
      const res = await call('POST', '/api/v1/lists', { token: owner.token, json })
      expect(res.status).toBe(422)
      expect(typeof res.json.error).toBe('string')
    }
    const list = await makeList(owner)
    expect((await call('PUT', `/api/v1/lists/${list.id}`, { token: owner.token, json: { title: '' } })).status).toBe(422)
    expect((await call('PUT', `/api/v1/lists/${list.id}`, { token: owner.token, json: { replies_policy: 'all' } })).status).toBe(422)
    expect((await call('GET', '/api/v1/lists', { token: owner.token })).json).toHaveLength(1)
  })

  test(`at most ${MAX_LISTS} lists per account`, async () => {
    const owner = await makeUser(ctx)
    await ctx.db.insert(lists).values(Array.from({ length: MAX_LISTS }, (_, i) => ({ accountId: owner.account.id, title: `l${i}` })))
    const res = await call('POST', '/api/v1/lists', { token: owner.token, json: { title: 'one too many' } })
    expect(res.status).toBe(422)
  })

  test('someone else’s list, unknown and malformed ids are 404 everywhere', async () => {
    const [owner, intruder, friend] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    const list = await makeList(owner)
    await follow(intruder, friend)
    for (const id of [list.id, newId(), 'not-an-id']) {
      expect((await call('GET', `/api/v1/lists/${id}`, { token: intruder.token })).status).toBe(404)
      expect((await call('PUT', `/api/v1/lists/${id}`, { token: intruder.token, json: { title: 'mine now' } })).status).toBe(404)
      expect((await call('DELETE', `/api/v1/lists/${id}`, { token: intruder.token })).status).toBe(404)
      expect((await call('GET', `/api/v1/lists/${id}/accounts`, { token: intruder.token })).status).toBe(404)
      expect((await call('POST', `/api/v1/lists/${id}/accounts`, { token: intruder.token, json: { account_ids: [friend.account.id] } })).status).toBe(404)
      expect((await call('DELETE', `/api/v1/lists/${id}/accounts`, { token: intruder.token, json: { account_ids: [friend.account.id] } })).status).toBe(404)
      expect((await timeline(intruder, id)).status).toBe(404)
    }
    expect((await call('GET', `/api/v1/lists/${list.id}`, { token: owner.token })).json.title).toBe('friends')
  })

  test('needs a token with the lists scopes', async () => {
    const owner = await makeUser(ctx)
    const list = await makeList(owner)
    expect((await call('GET', '/api/v1/lists')).status).toBe(401)
    expect((await call('POST', '/api/v1/lists', { json: { title: 'x' } })).status).toBe(401)
    expect((await timeline({ ...owner, token: '' }, list.id)).status).toBe(401)
    const readOnly = await makeUser(ctx, { scopes: ['read:lists'] })
    expect((await call('GET', '/api/v1/lists', { token: readOnly.token })).status).toBe(200)
    expect((await call('POST', '/api/v1/lists', { token: readOnly.token, json: { title: 'x' } })).status).toBe(403)
    const statusesOnly = await makeUser(ctx, { scopes: ['read:statuses', 'write:statuses'] })
    expect((await call('GET', '/api/v1/lists', { token: statusesOnly.token })).status).toBe(403)
    const writer = await makeUser(ctx, { scopes: ['write:lists'] })
    expect((await call('POST', '/api/v1/lists', { token: writer.token, json: { title: 'x' } })).status).toBe(200)
  })
})

describe('list members', () => {
  test('followed accounts can be added, listed and removed; the owner may add themselves', async () => {
    const [owner, a, b] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    await follow(owner, a)
    await follow(owner, b)
    const list = await makeList(owner)
    const added = await call('POST', `/api/v1/lists/${list.id}/accounts`, { token: owner.token, form: { 'account_ids[]': [a.account.id, owner.account.id] } })
    expect(added.status).toBe(200)
    expect(added.json).toEqual({})
    // Adding a member twice changes nothing.
    await addMembers(owner, list.id, [a, b])

    const members = await call('GET', `/api/v1/lists/${list.id}/accounts`, { token: owner.token, query: { limit: '0' } })
    expect(members.status).toBe(200)
    for (const m of members.json) expectShape(m, 'Account')
    expect(new Set(ids(members))).toEqual(new Set([owner.account.id, a.account.id, b.account.id]))

    const removed = await call('DELETE', `/api/v1/lists/${list.id}/accounts`, { token: owner.token, query: { 'account_ids[]': [a.account.id, newId(), 'junk'] } })
    expect(removed.status).toBe(200)
    const after = await call('GET', `/api/v1/lists/${list.id}/accounts`, { token: owner.token })
    expect(new Set(ids(after))).toEqual(new Set([owner.account.id, b.account.id]))
  })

  test('an account the owner does not follow is refused with 422, and nothing of the request is added', async () => {
    const [owner, followed, stranger, requested] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    await follow(owner, followed)
    await follow(stranger, owner) // being followed by them is not enough
    const list = await makeList(owner)
    const res = await call('POST', `/api/v1/lists/${list.id}/accounts`, { token: owner.token, json: { account_ids: [followed.account.id, stranger.account.id] } })
    expect(res.status).toBe(422)
    expect(res.json.error).toContain('follow')
    expect((await call('POST', `/api/v1/lists/${list.id}/accounts`, { token: owner.token, json: { account_ids: [requested.account.id] } })).status).toBe(422)
    expect((await call('GET', `/api/v1/lists/${list.id}/accounts`, { token: owner.token })).json).toEqual([])
  })

  test('unknown and malformed account ids are 404', async () => {
    const owner = await makeUser(ctx)
    const list = await makeList(owner)
    for (const id of [newId(), 'not-an-id']) {
      expect((await call('POST', `/api/v1/lists/${list.id}/accounts`, { token: owner.token, json: { account_ids: [id] } })).status).toBe(404)
    }
  })

  test('members page newest account first with Link headers', async () => {
    const owner = await makeUser(ctx)
    const people = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    for (const p of people) await follow(owner, p)
    const list = await makeList(owner)
    await addMembers(owner, list.id, people)
    const expected = people.map((p) => p.account.id).sort().reverse()

    const first = await call('GET', `/api/v1/lists/${list.id}/accounts`, { token: owner.token, query: { limit: '2' } })
    expect(ids(first)).toEqual(expected.slice(0, 2))
    const link = first.headers.get('link')!
    expect(link).toContain(`max_id=${expected[1]}`)
    expect(link).toContain('rel="next"')
    const next = new URL(/<([^>]+)>; rel="next"/.exec(link)![1])
    const second = await call('GET', `${next.pathname}${next.search}`, { token: owner.token })
    expect(ids(second)).toEqual(expected.slice(2))

    const all = await call('GET', `/api/v1/lists/${list.id}/accounts`, { token: owner.token, query: { limit: '0' } })
    expect(all.json).toHaveLength(3)
    expect(all.headers.get('link')).toBeNull()
  })

  test('GET /api/v1/accounts/:id/lists lists the viewer’s lists holding the account', async () => {
    const [owner, other, friend] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    await follow(owner, friend)
    await follow(other, friend)
    const [withFriend, without] = [await makeList(owner, { title: 'with' }), await makeList(owner, { title: 'without' })]
    const othersList = await makeList(other)
    await addMembers(owner, withFriend.id, [friend])
    await addMembers(other, othersList.id, [friend])

    const res = await call('GET', `/api/v1/accounts/${friend.account.id}/lists`, { token: owner.token })
    expect(res.status).toBe(200)
    for (const l of res.json) expectShape(l, 'List')
    expect(ids(res)).toEqual([withFriend.id])
    expect(ids(res)).not.toContain(without.id)
    expect((await call('GET', `/api/v1/accounts/${other.account.id}/lists`, { token: owner.token })).json).toEqual([])
    expect((await call('GET', `/api/v1/accounts/${newId()}/lists`, { token: owner.token })).status).toBe(404)
    expect((await call('GET', `/api/v1/accounts/${friend.account.id}/lists`)).status).toBe(401)
  })

  test('removeFromOwnersLists takes an unfollowed account out of the unfollower’s lists only', async () => {
    const [owner, other, friend] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    await follow(owner, friend)
    await follow(other, friend)
    const [l1, l2, theirs] = [await makeList(owner), await makeList(owner), await makeList(other)]
    await addMembers(owner, l1.id, [friend, owner])
    await addMembers(owner, l2.id, [friend])
    await addMembers(other, theirs.id, [friend])

    await ctx.db.transaction(async (tx) => {
      await tx.delete(follows).where(and(eq(follows.accountId, owner.account.id), eq(follows.targetAccountId, friend.account.id)))
      await removeFromOwnersLists(tx, owner.account.id, friend.account.id)
    })
    const remaining = await ctx.db.select().from(listAccounts).where(eq(listAccounts.accountId, friend.account.id))
    expect(remaining.map((r) => r.listId)).toEqual([theirs.id])
    expect(ids(await call('GET', `/api/v1/lists/${l1.id}/accounts`, { token: owner.token }))).toEqual([owner.account.id])
  })
})

describe('list timeline', () => {
  test('statuses and reblogs by members only, newest first, with Link headers', async () => {
    const [owner, member, outsider] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    await follow(owner, member)
    await follow(owner, outsider)
    const list = await makeList(owner)
    await addMembers(owner, list.id, [member])

    const outsiderPost = await post(outsider, { status: 'not on the list' })
    const a = await post(member, { status: 'member one' })
    const priv = await post(member, { status: 'member for followers', visibility: 'private' })
    const reblog = await call('POST', `/api/v1/statuses/${outsiderPost.id}/reblog`, { token: member.token })
    expect(reblog.status).toBe(200)

    const res = await timeline(owner, list.id)
    expect(res.status).toBe(200)
    for (const s of res.json) expectShape(s, 'Status')
    expect(ids(res)).toEqual([reblog.json.id, priv.id, a.id])
    expect(res.json[0].reblog.id).toBe(outsiderPost.id)

    const page = await timeline(owner, list.id, { limit: '2' })
    expect(ids(page)).toEqual([reblog.json.id, priv.id])
    const next = new URL(/<([^>]+)>; rel="next"/.exec(page.headers.get('link')!)![1])
    expect(next.searchParams.get('max_id')).toBe(priv.id)
    expect(ids(await call('GET', `${next.pathname}${next.search}`, { token: owner.token }))).toEqual([a.id])
    expect(ids(await timeline(owner, list.id, { min_id: a.id }))).toEqual([reblog.json.id, priv.id])
  })

  test('pages merge the members’ statuses across batches that keep nothing, in both directions', async () => {
    const [owner, friend, other, muted] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    for (const p of [friend, other, muted]) await follow(owner, p)
    const list = await makeList(owner)
    await addMembers(owner, list.id, [friend, other, muted])
    await ctx.db.insert(mutes).values({ accountId: owner.account.id, targetAccountId: muted.account.id })
    // newest first: 3 of the friend's; 150 of the muted member's (more than two batches of candidates that keep
    // nothing); then 130 alternating between the friend and the other member, more than a batch each
    const past = pastIds(283, 5000)
    const author = (i: number) => (i < 3 ? friend : i < 153 ? muted : i % 2 ? friend : other)
    const rows = past.map((id, i) => ({ id, accountId: author(i).account.id, content: `<p>${i}</p>` }))
    await ctx.db.insert(statuses).values(rows)
    const shown = rows.filter((r) => r.accountId !== muted.account.id).map((r) => r.id)

    expect(ids(await timeline(owner, list.id, { limit: '4' }))).toEqual(shown.slice(0, 4))
    const walk = async (query: Record<string, string>, next: (page: string[]) => Record<string, string>) => {
      const seen: string[] = []
      for (let page = ids(await timeline(owner, list.id, query)); page.length; page = ids(await timeline(owner, list.id, { ...query, ...next(page) }))) {
        seen.push(...page)
        if (seen.length > shown.length) break
      }
      return seen
    }
    // backwards with max_id, then forwards with min_id from below the oldest
    expect(await walk({ limit: '10' }, (page) => ({ max_id: page[page.length - 1] }))).toEqual(shown)
    const oldestFirst = [...shown].reverse()
    const chunks = Array.from({ length: Math.ceil(oldestFirst.length / 10) }, (_, i) => oldestFirst.slice(i * 10, i * 10 + 10).reverse())
    const beforeAll = pastIds(1, 5000 * 284)[0]
    expect(await walk({ limit: '10', min_id: beforeAll }, (page) => ({ min_id: page[0] }))).toEqual(chunks.flat())
  })

  test('replies follow the list’s replies_policy', async () => {
    const [owner, member, member2, followedOnly, stranger] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    for (const p of [member, member2, followedOnly]) await follow(owner, p)
    const [byList, byFollowed, byNone] = [
      await makeList(owner, { replies_policy: 'list' }), await makeList(owner, { replies_policy: 'followed' }), await makeList(owner, { replies_policy: 'none' }),
    ]
    for (const l of [byList, byFollowed, byNone]) await addMembers(owner, l.id, [member, member2])

    const [p2, pF, pS, pO] = [await post(member2, { status: 'm2' }), await post(followedOnly, { status: 'f' }), await post(stranger, { status: 's' }), await post(owner, { status: 'o' })]
    const reply = (to: { id: string }, text: string) => post(member, { status: text, in_reply_to_id: to.id })
    const toMember = await reply(p2, 'to a member')
    const toFollowed = await reply(pF, 'to someone followed')
    const toStranger = await reply(pS, 'to a stranger')
    const toOwner = await reply(pO, 'to the owner')
    const first = await post(member, { status: 'thread 1' })
    const selfReply = await reply(first, 'thread 2')

    const seen = async (listId: string) => new Set(ids(await timeline(owner, listId)))
    const list = await seen(byList.id)
    expect([toMember.id, toOwner.id, selfReply.id].every((id) => list.has(id))).toBe(true)
    expect(list.has(toFollowed.id) || list.has(toStranger.id)).toBe(false)
    const followed = await seen(byFollowed.id)
    expect([toMember.id, toFollowed.id, toOwner.id, selfReply.id].every((id) => followed.has(id))).toBe(true)
    expect(followed.has(toStranger.id)).toBe(false)
    const none = await seen(byNone.id)
    expect([toOwner.id, selfReply.id, first.id].every((id) => none.has(id))).toBe(true)
    expect(none.has(toMember.id) || none.has(toFollowed.id) || none.has(toStranger.id)).toBe(false)
  })

  test('the visibility rule, blocks and mutes apply', async () => {
    const [owner, member, muted, blocked, hidden] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    for (const p of [member, muted, blocked]) await follow(owner, p)
    const list = await makeList(owner)
    await addMembers(owner, list.id, [member, muted, blocked])
    // A member who is no longer followed (the follow row went without the list cleanup) shows only what anyone may see.
    await ctx.db.delete(follows).where(and(eq(follows.accountId, owner.account.id), eq(follows.targetAccountId, member.account.id)))
    const memberPrivate = await post(member, { status: 'followers only', visibility: 'private' })
    const memberPublic = await post(member, { status: 'for everyone' })
    const dmElsewhere = await post(member, { status: `@${hidden.account.username} secret`, visibility: 'direct' })
    const mutedPost = await post(muted, { status: 'muted' })
    const blockedPost = await post(blocked, { status: 'blocked' })
    await ctx.db.insert(mutes).values({ accountId: owner.account.id, targetAccountId: muted.account.id })
    await ctx.db.insert(blocks).values({ accountId: owner.account.id, targetAccountId: blocked.account.id })

    const seen = ids(await timeline(owner, list.id))
    expect(seen).toEqual([memberPublic.id])
    for (const id of [memberPrivate.id, dmElsewhere.id, mutedPost.id, blockedPost.id]) expect(seen).not.toContain(id)
    expect(ids(await timeline(owner, list.id, { with_muted: 'true' }))).toContain(mutedPost.id)
  })
})

describe('list visibility (list:ID)', () => {
  test('a status addressed to a list reaches its members only, shown as private with pleroma.visibility "list"', async () => {
    const [author, member, follower] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    await follow(author, member)
    await follow(follower, author)
    const list = await makeList(author)
    await addMembers(author, list.id, [member])

    const status = await post(author, { status: 'for my list', visibility: `list:${list.id}` })
    expectShape(status, 'Status')
    expect(status.visibility).toBe('private')
    expect(status.pleroma.visibility).toBe('list')

    const asMember = await call('GET', `/api/v1/statuses/${status.id}`, { token: member.token })
    expect(asMember.status).toBe(200)
    expect(asMember.json.pleroma.visibility).toBe('list')
    expect((await call('GET', `/api/v1/statuses/${status.id}`, { token: follower.token })).status).toBe(404)
    expect((await call('GET', `/api/v1/statuses/${status.id}`)).status).toBe(404)

    // Members get it in their home timeline even without following the author; other followers do not.
    expect(ids(await call('GET', '/api/v1/timelines/home', { token: member.token }))).toContain(status.id)
    expect(ids(await call('GET', '/api/v1/timelines/home', { token: follower.token }))).not.toContain(status.id)

    await call('DELETE', `/api/v1/lists/${list.id}/accounts`, { token: author.token, json: { account_ids: [member.account.id] } })
    expect((await call('GET', `/api/v1/statuses/${status.id}`, { token: member.token })).status).toBe(404)
  })

  test('only the poster’s own lists can be addressed', async () => {
    const [author, other] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    const othersList = await makeList(other)
    for (const visibility of [`list:${othersList.id}`, `list:${newId()}`, 'list:junk']) {
      const res = await call('POST', '/api/v1/statuses', { token: author.token, json: { status: 'hi', visibility } })
      expect(res.status).toBe(422)
    }
  })
})
