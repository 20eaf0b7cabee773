import { beforeAll, describe, expect, test } from 'bun:test'
import type { Ctx } from '../../src/core/context'
import { blocks } from '../../src/db/schema'
import { getTestContext } from '../support/context'
import { makeUser, type MadeUser } from '../support/factories'
import { call, postStatus } from '../support/http'
import { expectShape } from '../support/shape'

let ctx: Ctx

beforeAll(async () => {
  ctx = await getTestContext()
})

const post = (who: MadeUser, json: Record<string, unknown>) => postStatus<{ id: string; pleroma: { direct_conversation_id: string | null } }>(who, json)
const dm = (from: MadeUser, to: MadeUser[], text = 'psst', extra: Record<string, unknown> = {}) =>
  post(from, { status: `${to.map((u) => `@${u.account.username}`).join(' ')} ${text}`, visibility: 'direct', ...extra })
const conversations = (who: MadeUser, query: Record<string, string | string[]> = {}) => call('GET', '/api/v1/conversations', { token: who.token, query })
const ids = (list: { id: string }[]) => list.map((x) => x.id)
const users4 = () => Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx), makeUser(ctx)])

describe('GET /api/v1/conversations', () => {
  test('a direct status gives each local participant a conversation: unread for the addressed, read for the author', async () => {
    const [alice, bob, carol] = await users4()
    const first = await dm(bob, [alice, carol], 'group chat')

    const forAlice = await conversations(alice)
    expect(forAlice.status).toBe(200)
    expect(forAlice.json).toHaveLength(1)
    const c = forAlice.json[0]
    expectShape(c, 'Conversation')
    expect(c.unread).toBe(true)
    expect(ids(c.accounts).sort()).toEqual([bob.account.id, carol.account.id].sort())
    expect(ids(c.pleroma.recipients).sort()).toEqual([bob.account.id, carol.account.id].sort())
    expect(c.last_status.id).toBe(first.id)
    expect(c.last_status.pleroma.direct_conversation_id).toBe(c.id)

    const forBob = (await conversations(bob)).json
    expect(forBob).toHaveLength(1)
    expect(forBob[0].unread).toBe(false)
    expect(forBob[0].id).not.toBe(c.id)
    expect(ids(forBob[0].accounts).sort()).toEqual([alice.account.id, carol.account.id].sort())
    // the author's own answer names the author's participation
    expect(first.pleroma.direct_conversation_id).toBe(forBob[0].id)

    // a reply moves the conversation on: unread again for bob, read for alice
    const reply = await post(alice, { status: `@${bob.account.username} @${carol.account.username} sure`, visibility: 'direct', in_reply_to_id: first.id })
    const bobNow = (await conversations(bob)).json
    expect(bobNow).toHaveLength(1)
    expect(bobNow[0]).toMatchObject({ id: forBob[0].id, unread: true, last_status: { id: reply.id } })
    expect((await conversations(alice)).json[0]).toMatchObject({ id: c.id, unread: false, last_status: { id: reply.id } })
  })

  test('newest last status first, paged by last status ids with a Link header', async () => {
    const [alice, bob, carol, dave] = await users4()
    await dm(bob, [alice], 'one')
    await dm(carol, [alice], 'two')
    const latest = await dm(dave, [alice], 'three')
    const all = (await conversations(alice)).json
    expect(all.map((c: any) => c.accounts[0].id)).toEqual([dave.account.id, carol.account.id, bob.account.id])

    const page = await conversations(alice, { limit: '2' })
    expect(ids(page.json)).toEqual(ids(all.slice(0, 2)))
    const link = page.headers.get('link')!
    expect(all[0].last_status.id).toBe(latest.id)
    expect(link).toContain(`min_id=${latest.id}`)
    expect(link).toContain(`max_id=${all[1].last_status.id}`)
    expect(ids((await conversations(alice, { max_id: all[1].last_status.id })).json)).toEqual([all[2].id])
    expect(ids((await conversations(alice, { min_id: all[2].last_status.id, limit: '1' })).json)).toEqual([all[1].id])
  })

  test('recipients[] keeps conversations with exactly those other participants (Pleroma)', async () => {
    const [alice, bob, carol] = await users4()
    await dm(bob, [alice], 'just bob')
    await dm(bob, [alice, carol], 'bob and carol')
    const onlyBob = (await conversations(alice, { 'recipients[]': bob.account.id })).json
    expect(onlyBob).toHaveLength(1)
    expect(ids(onlyBob[0].accounts)).toEqual([bob.account.id])
    expect((await conversations(alice, { 'recipients[]': [bob.account.id, carol.account.id] })).json).toHaveLength(1)
    expect((await conversations(alice, { 'recipients[]': carol.account.id })).json).toHaveLength(0)
    expect((await conversations(alice, { 'recipients[]': 'junk' })).json).toHaveLength(0)
  })

  test('a participant who blocks the author gets nothing from the thread', async () => {
    const [alice, bob] = await users4()
    await ctx.db.insert(blocks).values({ accountId: alice.account.id, targetAccountId: bob.account.id })
    await dm(bob, [alice], 'blocked')
    expect((await conversations(alice)).json).toEqual([])
    expect((await conversations(bob)).json).toHaveLength(1)
  })

  test('needs read:statuses', async () => {
    const writer = await makeUser(ctx, { scopes: ['write'] })
    expect((await call('GET', '/api/v1/conversations')).status).toBe(401)
    expect((await conversations(writer)).status).toBe(403)
  })
})

describe('reading and hiding', () => {
  test('POST /:id/read marks one read; someone else\'s is 404', async () => {
    const [alice, bob] = await users4()
    await dm(bob, [alice])
    const [c] = (await conversations(alice)).json
    expect((await call('POST', `/api/v1/conversations/${c.id}/read`, { token: bob.token })).status).toBe(404)
    const read = await call('POST', `/api/v1/conversations/${c.id}/read`, { token: alice.token })
    expect(read.status).toBe(200)
    expectShape(read.json, 'Conversation')
    expect(read.json).toMatchObject({ id: c.id, unread: false })
    expect((await call('POST', '/api/v1/conversations/AAAAAAAAAAAAAAAAAA/read', { token: alice.token })).status).toBe(404)
    const readOnly = await makeUser(ctx, { scopes: ['read'] })
    expect((await call('POST', `/api/v1/conversations/${c.id}/read`, { token: readOnly.token })).status).toBe(403)
  })

  test('DELETE hides a conversation until a new status arrives', async () => {
    const [alice, bob] = await users4()
    const first = await dm(bob, [alice], 'first')
    const [c] = (await conversations(alice)).json
    expect((await call('DELETE', `/api/v1/conversations/${c.id}`, { token: bob.token })).status).toBe(404)
    const gone = await call('DELETE', `/api/v1/conversations/${c.id}`, { token: alice.token })
    expect(gone.status).toBe(200)
    expect(gone.json).toEqual({})
    expect((await conversations(alice)).json).toEqual([])
    await post(bob, { status: `@${alice.account.username} still there?`, visibility: 'direct', in_reply_to_id: first.id })
    const back = (await conversations(alice)).json
    expect(back).toHaveLength(1)
    expect(back[0]).toMatchObject({ id: c.id, unread: true })
  })

  test('deleting the last status falls back to the newest remaining one; with none left the conversation goes', async () => {
    const [alice, bob] = await users4()
    const first = await dm(bob, [alice], 'first')
    const second = await post(bob, { status: `@${alice.account.username} second`, visibility: 'direct', in_reply_to_id: first.id })
    expect((await conversations(alice)).json[0].last_status.id).toBe(second.id)
    expect((await call('DELETE', `/api/v1/statuses/${second.id}`, { token: bob.token })).status).toBe(200)
    const after = (await conversations(alice)).json
    expect(after).toHaveLength(1)
    expect(after[0].last_status.id).toBe(first.id)
    await call('DELETE', `/api/v1/statuses/${first.id}`, { token: bob.token })
    expect((await conversations(alice)).json).toEqual([])
  })

  test('Pleroma: POST /api/v1/pleroma/conversations/read marks all read and returns those', async () => {
    const [alice, bob, carol] = await users4()
    await dm(bob, [alice])
    await dm(carol, [alice])
    await dm(alice, [bob], 'mine')
    const res = await call('POST', '/api/v1/pleroma/conversations/read', { token: alice.token })
    expect(res.status).toBe(200)
    expect(res.json).toHaveLength(2)
    expect(res.json.every((c: any) => c.unread === false)).toBe(true)
    expect((await conversations(alice)).json.every((c: any) => !c.unread)).toBe(true)
    expect((await conversations(bob)).json.some((c: any) => c.unread)).toBe(true)
  })
})

describe('Pleroma conversation endpoints', () => {
  test('GET /api/v1/pleroma/conversations/:id shows one\'s own participation; others get 404', async () => {
    const [alice, bob, carol] = await users4()
    await dm(bob, [alice])
    const [c] = (await conversations(alice)).json
    const shown = await call('GET', `/api/v1/pleroma/conversations/${c.id}`, { token: alice.token })
    expect(shown.status).toBe(200)
    expect(shown.json).toEqual(c)
    expect((await call('GET', `/api/v1/pleroma/conversations/${c.id}`, { token: carol.token })).status).toBe(404)
    expect((await call('GET', '/api/v1/pleroma/conversations/nope', { token: alice.token })).status).toBe(404)
  })

  test('PATCH recipients[] changes whom a reply to the conversation addresses', async () => {
    const [alice, bob, carol, dave] = await users4()
    await dm(bob, [alice, carol], 'original')
    const [c] = (await conversations(alice)).json
    const patched = await call('PATCH', `/api/v1/pleroma/conversations/${c.id}`, { token: alice.token, json: { recipients: [bob.account.id, dave.account.id, 'junk'] } })
    expect(patched.status).toBe(200)
    expect(ids(patched.json.accounts).sort()).toEqual([bob.account.id, dave.account.id].sort())
    expect((await call('PATCH', `/api/v1/pleroma/conversations/${c.id}`, { token: alice.token, json: {} })).status).toBe(422)
    expect((await call('PATCH', `/api/v1/pleroma/conversations/${c.id}`, { token: carol.token, json: { recipients: [] } })).status).toBe(404)

    const reply = await post(alice, { status: 'to the new set', in_reply_to_conversation_id: c.id })
    const mentioned = (await call('GET', `/api/v1/statuses/${reply.id}`, { token: alice.token })).json.mentions.map((m: any) => m.id).sort()
    expect(mentioned).toEqual([bob.account.id, dave.account.id].sort())
    expect((await call('GET', `/api/v1/statuses/${reply.id}`, { token: dave.token })).status).toBe(200)
    expect((await call('GET', `/api/v1/statuses/${reply.id}`, { token: carol.token })).status).toBe(404)
    // dave now takes part: his conversation is in the same thread
    const [daves] = (await conversations(dave)).json
    expect(daves.last_status.id).toBe(reply.id)
  })

  test('GET /:id/statuses lists the thread\'s statuses the viewer may see, oldest first, paged', async () => {
    const [alice, bob, carol] = await users4()
    const root = await dm(bob, [alice, carol], 'root')
    const r1 = await post(alice, { status: `@${bob.account.username} @${carol.account.username} r1`, visibility: 'direct', in_reply_to_id: root.id })
    // carol answers bob alone: alice may not see it
    const hidden = await post(carol, { status: `@${bob.account.username} just you`, visibility: 'direct', in_reply_to_id: root.id })
    const r2 = await post(bob, { status: `@${alice.account.username} @${carol.account.username} r2`, visibility: 'direct', in_reply_to_id: r1.id })
    const [c] = (await conversations(alice)).json

    const all = await call('GET', `/api/v1/pleroma/conversations/${c.id}/statuses`, { token: alice.token })
    expect(all.status).toBe(200)
    expect(ids(all.json)).toEqual([root.id, r1.id, r2.id])
    expect(ids(all.json)).not.toContain(hidden.id)
    const page = await call('GET', `/api/v1/pleroma/conversations/${c.id}/statuses`, { token: alice.token, query: { limit: '2' } })
    expect(ids(page.json)).toEqual([r1.id, r2.id])
    expect(page.headers.get('link')).toContain(`max_id=${r1.id}`)
    const older = await call('GET', `/api/v1/pleroma/conversations/${c.id}/statuses`, { token: alice.token, query: { max_id: r1.id } })
    expect(ids(older.json)).toEqual([root.id])
    expect((await call('GET', `/api/v1/pleroma/conversations/${c.id}/statuses`, { token: bob.token })).status).toBe(404)
  })
})

describe('GET /api/v1/timelines/direct', () => {
  test('direct statuses the viewer wrote or is addressed by, newest first, with direct_conversation_id', async () => {
    const [alice, bob, carol] = await users4()
    const a = await dm(bob, [alice], 'to alice')
    await dm(bob, [carol], 'to carol')
    const b = await dm(alice, [carol], 'from alice')
    await post(bob, { status: `@${alice.account.username} public mention` })

    const res = await call('GET', '/api/v1/timelines/direct', { token: alice.token })
    expect(res.status).toBe(200)
    expect(ids(res.json)).toEqual([b.id, a.id])
    for (const s of res.json) expectShape(s, 'Status')
    const mine = (await conversations(alice)).json
    expect(res.json.map((s: any) => s.pleroma.direct_conversation_id).sort()).toEqual(ids(mine).sort())

    const page = await call('GET', '/api/v1/timelines/direct', { token: alice.token, query: { limit: '1' } })
    expect(ids(page.json)).toEqual([b.id])
    expect(page.headers.get('link')).toContain(`max_id=${b.id}`)
    expect((await call('GET', '/api/v1/timelines/direct')).status).toBe(401)
  })

  test('direct_conversation_id is the viewer\'s own participation, and null for other visibilities', async () => {
    const [alice, bob] = await users4()
    const d = await dm(bob, [alice])
    const asAlice = (await call('GET', `/api/v1/statuses/${d.id}`, { token: alice.token })).json
    const asBob = (await call('GET', `/api/v1/statuses/${d.id}`, { token: bob.token })).json
    expect(asAlice.pleroma.direct_conversation_id).toBe((await conversations(alice)).json[0].id)
    expect(asBob.pleroma.direct_conversation_id).toBe((await conversations(bob)).json[0].id)
    const open = await post(bob, { status: 'public' })
    expect(open.pleroma.direct_conversation_id).toBeNull()
  })
})
