import { beforeAll, describe, expect, test } from 'bun:test'
import type { Ctx } from '../../src/core/context'
import { newId } from '../../src/core/ids'
import { eq } from 'drizzle-orm'
import { accounts, blocks, follows, users as usersTable } from '../../src/db/schema'
import { getTestContext } from '../support/context'
import { makeUser, uniqueName, type MadeUser } from '../support/factories'
import { call } from '../support/http'

type Role = 'author' | 'mentioned' | 'follower' | 'stranger' | 'blocked' | 'anonymous'
const ROLES: Role[] = ['author', 'mentioned', 'follower', 'stranger', 'blocked', 'anonymous']
const VISIBILITIES = ['public', 'unlisted', 'local', 'private', 'direct'] as const
const EVERYONE_BUT_BLOCKED: Role[] = ['author', 'mentioned', 'follower', 'stranger', 'anonymous']
const EXPECTED: Record<(typeof VISIBILITIES)[number], Role[]> = {
  public: EVERYONE_BUT_BLOCKED,
  unlisted: EVERYONE_BUT_BLOCKED,
  local: EVERYONE_BUT_BLOCKED,
  private: ['author', 'mentioned', 'follower'],
  direct: ['author', 'mentioned'],
}

let ctx: Ctx
const users = {} as Record<Exclude<Role, 'anonymous'>, MadeUser>
const token = (role: Role) => (role === 'anonymous' ? undefined : users[role].token)
/** Per visibility: a root status, and a public root with a reply of that visibility (for context). */
const posted = {} as Record<string, { id: string; root: string; reply: string }>
/** A hashtag only this file's statuses carry. */
const TAG = uniqueName('vis').replace(/_/g, '')

beforeAll(async () => {
  ctx = await getTestContext()
  for (const role of ['author', 'mentioned', 'follower', 'stranger', 'blocked'] as const) users[role] = await makeUser(ctx)
  await ctx.db.insert(follows).values([
    { accountId: users.follower.account.id, targetAccountId: users.author.account.id },
    { accountId: users.blocked.account.id, targetAccountId: users.author.account.id },
  ])
  await ctx.db.insert(blocks).values({ accountId: users.author.account.id, targetAccountId: users.blocked.account.id })
  await ctx.db.update(accounts).set({ hideFavorites: false }).where(eq(accounts.id, users.author.account.id))
  const author = users.author.token
  // Roots come from a bystander: a reply mentions the replied-to author, who could then see it.
  const host = await makeUser(ctx)
  const mention = `@${users.mentioned.account.username}`
  for (const visibility of VISIBILITIES) {
    const status = await call('POST', '/api/v1/statuses', { token: author, json: { status: `${visibility} ${mention} #${TAG}`, visibility } })
    expect(status.status).toBe(200)
    // The author favourites and reblogs where allowed, so favourited_by, reblogged_by and favourite lists have something to show.
    await call('POST', `/api/v1/statuses/${status.json.id}/favourite`, { token: author })
    if (visibility !== 'direct') expect((await call('POST', `/api/v1/statuses/${status.json.id}/reblog`, { token: author })).status).toBe(200)
    const root = await call('POST', '/api/v1/statuses', { token: host.token, json: { status: `open root for ${visibility}` } })
    const reply = await call('POST', '/api/v1/statuses', { token: author, json: { status: `${visibility} reply ${mention}`, visibility, in_reply_to_id: root.json.id } })
    expect(reply.status).toBe(200)
    posted[visibility] = { id: status.json.id, root: root.json.id, reply: reply.json.id }
  }
})

describe('who sees a status, on every read endpoint', () => {
  for (const visibility of VISIBILITIES) {
    for (const role of ROLES) {
      const allowed = EXPECTED[visibility].includes(role)
      test(`${visibility}: ${allowed ? 'visible' : 'hidden'} to ${role}`, async () => {
        const { id, root, reply } = posted[visibility]
        const show = await call('GET', `/api/v1/statuses/${id}`, { token: token(role) })
        expect(show.status).toBe(allowed ? 200 : 404)
        if (allowed) expect(show.json.id).toBe(id)
        else expect(show.json).toEqual({ error: 'Record not found' })

        expect((await call('GET', `/api/v1/statuses/${id}/context`, { token: token(role) })).status).toBe(allowed ? 200 : 404)
        expect((await call('GET', `/api/v1/statuses/${id}/history`, { token: token(role) })).status).toBe(allowed ? 200 : 404)

        const many = await call('GET', '/api/v1/statuses', { token: token(role), query: { 'id[]': [id] } })
        expect(many.status).toBe(200)
        expect(many.json.map((s: any) => s.id)).toEqual(allowed ? [id] : [])

        // The reply of this visibility under an open root: listed in the root's context only when visible.
        if (role !== 'blocked') {
          const context = await call('GET', `/api/v1/statuses/${root}/context`, { token: token(role) })
          expect(context.status).toBe(200)
          expect(context.json.descendants.map((s: any) => s.id)).toEqual(allowed ? [reply] : [])
        }
      })
    }
  }
})

const ids = (json: any) => (json as { id: string }[]).map((s) => s.id)
/** Original statuses in a timeline page, whether listed themselves or reblogged. */
const originals = (json: any) => (json as { id: string; reblog: { id: string } | null }[]).map((s) => s.reblog?.id ?? s.id)

describe('who sees a status, on every list and timeline', () => {
  const HOME_OWNERS: Role[] = ['author', 'follower']
  const PUBLIC_TIMELINE: string[] = ['public', 'local']
  for (const visibility of VISIBILITIES) {
    for (const role of ROLES) {
      const allowed = EXPECTED[visibility].includes(role)
      test(`${visibility}: ${allowed ? 'listed' : 'never listed'} for ${role}`, async () => {
        const { id } = posted[visibility]
        const t = token(role)
        const expectListed = (list: string[], listed: boolean) => (listed ? expect(list).toContain(id) : expect(list).not.toContain(id))

        const account = await call('GET', `/api/v1/accounts/${users.author.account.id}/statuses`, { token: t, query: { limit: '40', exclude_reblogs: 'true' } })
        expect(account.status).toBe(200)
        expectListed(ids(account.json), allowed)

        const pub = await call('GET', '/api/v1/timelines/public', { token: t, query: { limit: '40' } })
        expectListed(ids(pub.json), allowed && PUBLIC_TIMELINE.includes(visibility))
        const tag = await call('GET', `/api/v1/timelines/tag/${TAG}`, { token: t, query: { limit: '40' } })
        expectListed(ids(tag.json), allowed && PUBLIC_TIMELINE.includes(visibility))

        if (role !== 'anonymous') {
          const home = await call('GET', '/api/v1/timelines/home', { token: t, query: { limit: '40' } })
          expect(home.status).toBe(200)
          expectListed(originals(home.json), allowed && HOME_OWNERS.includes(role))
        }

        const favouritedBy = await call('GET', `/api/v1/statuses/${id}/favourited_by`, { token: t })
        expect(favouritedBy.status).toBe(allowed ? 200 : 404)
        const rebloggedBy = await call('GET', `/api/v1/statuses/${id}/reblogged_by`, { token: t })
        expect(rebloggedBy.status).toBe(allowed ? 200 : 404)

        const favourites = await call('GET', `/api/v1/pleroma/accounts/${users.author.account.id}/favourites`, { token: t, query: { limit: '40' } })
        expect(favourites.status).toBe(200)
        expectListed(ids(favourites.json), allowed)

        // Reblogs carry the original's visibility rule: a reblog never shows what the original hides.
        const reblogs = await call('GET', `/api/v1/accounts/${users.author.account.id}/statuses`, { token: t, query: { limit: '40' } })
        expectListed(originals(reblogs.json), allowed)
      })
    }
  }
})

describe('changing someone else\'s status', () => {
  test('a visible status of someone else: 403 for delete and edit, 404 for source', async () => {
    const { id } = posted.public
    const del = await call('DELETE', `/api/v1/statuses/${id}`, { token: users.stranger.token })
    expect(del.status).toBe(403)
    expect(del.json.error).toBe('This action is not allowed')
    const edit = await call('PUT', `/api/v1/statuses/${id}`, { token: users.stranger.token, json: { status: 'hijacked' } })
    expect(edit.status).toBe(403)
    expect((await call('GET', `/api/v1/statuses/${id}/source`, { token: users.stranger.token })).status).toBe(404)
    expect((await call('GET', `/api/v1/statuses/${id}`)).json.content).toContain('public')
  })

  test('a hidden status of someone else: 404, so its existence does not leak', async () => {
    const { id } = posted.private
    expect((await call('DELETE', `/api/v1/statuses/${id}`, { token: users.stranger.token })).status).toBe(404)
    expect((await call('PUT', `/api/v1/statuses/${id}`, { token: users.stranger.token, json: { status: 'x' } })).status).toBe(404)
    expect((await call('DELETE', `/api/v1/statuses/${posted.public.id}`, { token: users.blocked.token })).status).toBe(404)
  })
})

describe('tokens and ids', () => {
  test('writing needs a token with write:statuses; source needs a user token', async () => {
    const { id } = posted.public
    expect((await call('DELETE', `/api/v1/statuses/${id}`)).status).toBe(401)
    expect((await call('PUT', `/api/v1/statuses/${id}`, { json: { status: 'x' } })).status).toBe(401)
    expect((await call('GET', `/api/v1/statuses/${id}/source`)).status).toBe(401)
    const readOnly = await makeUser(ctx, { scopes: ['read'] })
    expect((await call('DELETE', `/api/v1/statuses/${id}`, { token: readOnly.token })).status).toBe(403)
    expect((await call('PUT', `/api/v1/statuses/${id}`, { token: readOnly.token, json: { status: 'x' } })).status).toBe(403)
    const writeOnly = await makeUser(ctx, { scopes: ['write'] })
    expect((await call('GET', `/api/v1/statuses/${id}`, { token: writeOnly.token })).status).toBe(403)
    expect((await call('GET', `/api/v1/statuses/${id}`, { token: 'bogus' })).status).toBe(401)
  })

  test('unknown and malformed ids are 404 on every endpoint', async () => {
    const t = users.author.token
    for (const id of [newId(), 'not-an-id', '00000000000000000000000000', "1' or '1'='1"]) {
      const path = `/api/v1/statuses/${encodeURIComponent(id)}`
      for (const [method, suffix] of [['GET', ''], ['GET', '/context'], ['GET', '/history'], ['GET', '/source'], ['DELETE', ''], ['PUT', '']] as const) {
        const res = await call(method, path + suffix, { token: t, json: method === 'PUT' ? { status: 'x' } : undefined })
        expect(res.status).toBe(404)
        expect(res.json.error).toBeString()
      }
    }
  })
})

describe('GET /api/v1/statuses?id[]=', () => {
  test('keeps the order asked for, drops hidden, unknown, malformed and repeated ids', async () => {
    const ids = [posted.unlisted.id, posted.private.id, newId(), 'bad id', posted.public.id, posted.unlisted.id]
    const res = await call('GET', '/api/v1/statuses', { token: users.stranger.token, query: { 'id[]': ids } })
    expect(res.status).toBe(200)
    expect(res.json.map((s: any) => s.id)).toEqual([posted.unlisted.id, posted.public.id])
    const pleroma = await call('GET', '/api/v1/statuses', { token: users.follower.token, query: { 'ids[]': [posted.private.id, posted.public.id] } })
    expect(pleroma.json.map((s: any) => s.id)).toEqual([posted.private.id, posted.public.id])
    expect((await call('GET', '/api/v1/statuses')).json).toEqual([])
  })

  test('refuses more than 100 ids', async () => {
    const res = await call('GET', '/api/v1/statuses', { query: { 'id[]': Array.from({ length: 101 }, () => newId()) } })
    expect(res.status).toBe(422)
    const ok = await call('GET', '/api/v1/statuses', { query: { 'id[]': Array.from({ length: 100 }, () => newId()) } })
    expect(ok.status).toBe(200)
  })
})

describe('who is listed, on every list of accounts', () => {
  type Kind = 'shown' | 'deactivated' | 'unapproved' | 'suspended' | 'blocking' | 'blocked'
  const KINDS: Kind[] = ['shown', 'deactivated', 'unapproved', 'suspended', 'blocking', 'blocked']
  /** Hidden from everyone but staff, whatever the relationship. */
  const HIDDEN_FROM_ALL: Kind[] = ['deactivated', 'unapproved', 'suspended']
  const PREFIX = uniqueName('lst').replace(/_/g, '')
  const people = {} as Record<Kind, MadeUser>
  let viewer: MadeUser
  let owner: MadeUser
  let statusId: string
  let listId: string

  beforeAll(async () => {
    viewer = await makeUser(ctx)
    owner = await makeUser(ctx)
    statusId = (await call('POST', '/api/v1/statuses', { token: owner.token, json: { status: 'listed by everyone' } })).json.id
    listId = (await call('POST', '/api/v1/lists', { token: viewer.token, json: { title: 'everyone' } })).json.id
    for (const kind of KINDS) {
      const person = people[kind] = await makeUser(ctx, { nickname: `${PREFIX}${kind}` })
      // Every kind interacts while still active; the state that should hide it comes afterwards.
      for (const [path, method] of [['favourite', 'POST'], ['reblog', 'POST'], ['emoji_reactions/👍', 'PUT']] as const) {
        expect((await call(method, `/api/v1/statuses/${statusId}/${path}`, { token: person.token })).status).toBe(200)
      }
      expect((await call('POST', `/api/v1/accounts/${owner.account.id}/follow`, { token: person.token })).status).toBe(200)
      expect((await call('POST', `/api/v1/accounts/${person.account.id}/follow`, { token: owner.token })).status).toBe(200)
      expect((await call('POST', `/api/v1/accounts/${person.account.id}/endorse`, { token: owner.token })).status).toBe(200)
      expect((await call('POST', `/api/v1/accounts/${person.account.id}/follow`, { token: viewer.token })).status).toBe(200)
      expect((await call('POST', `/api/v1/lists/${listId}/accounts`, { token: viewer.token, json: { account_ids: [person.account.id] } })).status).toBe(200)
    }
    await ctx.db.update(usersTable).set({ isActive: false }).where(eq(usersTable.id, people.deactivated.user.id))
    await ctx.db.update(usersTable).set({ isApproved: false }).where(eq(usersTable.id, people.unapproved.user.id))
    await ctx.db.update(accounts).set({ suspendedAt: new Date() }).where(eq(accounts.id, people.suspended.account.id))
    await ctx.db.insert(blocks).values([
      { accountId: people.blocking.account.id, targetAccountId: viewer.account.id },
      { accountId: viewer.account.id, targetAccountId: people.blocked.account.id },
    ])
  })

  const LISTS: Record<string, { path: () => string; accounts: (json: any) => string[]; anonymous: boolean }> = {
    favourited_by: { path: () => `/api/v1/statuses/${statusId}/favourited_by`, accounts: (j) => j.map((a: any) => a.id), anonymous: true },
    reblogged_by: { path: () => `/api/v1/statuses/${statusId}/reblogged_by`, accounts: (j) => j.map((a: any) => a.id), anonymous: true },
    reactions: { path: () => `/api/v1/pleroma/statuses/${statusId}/reactions`, accounts: (j) => j.flatMap((r: any) => r.accounts.map((a: any) => a.id)), anonymous: true },
    'status emoji_reactions': { path: () => `/api/v1/statuses/${statusId}`, accounts: (j) => j.pleroma.emoji_reactions.flatMap((r: any) => r.account_ids), anonymous: true },
    followers: { path: () => `/api/v1/accounts/${owner.account.id}/followers`, accounts: (j) => j.map((a: any) => a.id), anonymous: true },
    following: { path: () => `/api/v1/accounts/${owner.account.id}/following`, accounts: (j) => j.map((a: any) => a.id), anonymous: true },
    endorsements: { path: () => `/api/v1/accounts/${owner.account.id}/endorsements`, accounts: (j) => j.map((a: any) => a.id), anonymous: true },
    'account search': { path: () => `/api/v1/accounts/search?q=${PREFIX}&limit=40`, accounts: (j) => j.map((a: any) => a.id), anonymous: true },
    'list members': { path: () => `/api/v1/lists/${listId}/accounts`, accounts: (j) => j.map((a: any) => a.id), anonymous: false },
  }

  for (const [name, list] of Object.entries(LISTS)) {
    test(`${name}: only accounts the viewer may see, on neither side of a block`, async () => {
      const res = await call('GET', list.path(), { token: viewer.token })
      expect(res.status).toBe(200)
      const listed = new Set(list.accounts(res.json))
      for (const kind of KINDS) expect({ kind, listed: listed.has(people[kind].account.id) }).toEqual({ kind, listed: kind === 'shown' })
    })
    if (list.anonymous) {
      test(`${name}: anonymously, every active account and none that is hidden`, async () => {
        const res = await call('GET', list.path())
        expect(res.status).toBe(200)
        const listed = new Set(list.accounts(res.json))
        for (const kind of KINDS) expect({ kind, listed: listed.has(people[kind].account.id) }).toEqual({ kind, listed: !HIDDEN_FROM_ALL.includes(kind) })
      })
    }
  }

  test('the count of a reaction leaves out the accounts it does not list', async () => {
    const res = await call('GET', `/api/v1/statuses/${statusId}`, { token: viewer.token })
    expect(res.json.pleroma.emoji_reactions).toEqual([expect.objectContaining({ name: '👍', count: 1, account_ids: [people.shown.account.id] })])
  })

  test('the viewer\'s own block list still shows whom they block', async () => {
    const res = await call('GET', '/api/v1/blocks', { token: viewer.token })
    expect(res.json.map((a: any) => a.id)).toContain(people.blocked.account.id)
  })
})
