// Pleroma's admin API for users: listing and searching, creating, deleting, activation, roles, tags, credentials,
// and the moderation log those actions write.
import { beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import { accounts, oauthTokens, users } from '../../src/db/schema'
import { getTestContext } from '../support/context'
import { makeUser, TEST_PASSWORD, uniqueName, type MadeUser } from '../support/factories'
import { call } from '../support/http'

const V1 = '/api/v1/pleroma/admin'
const ADMIN_SCOPES = ['read', 'write', 'admin:read', 'admin:write']

let ctx: Ctx
let admin: MadeUser
let moderator: MadeUser
let plain: MadeUser

const makeAdmin = (scopes = ADMIN_SCOPES) => makeUser(ctx, { scopes, user: { isAdmin: true } })

beforeAll(async () => {
  ctx = await getTestContext()
  admin = await makeAdmin()
  moderator = await makeUser(ctx, { scopes: ADMIN_SCOPES, user: { isModerator: true } })
  plain = await makeUser(ctx, { scopes: ADMIN_SCOPES })
})

const as = (who: MadeUser | null, method: string, path: string, json?: unknown) =>
  call(method, path.startsWith('/api') ? path : `${V1}${path}`, { token: who?.token, ...(json !== undefined ? { json } : {}) })

async function userRow(accountId: string) {
  const [row] = await ctx.db.select().from(users).where(eq(users.accountId, accountId))
  return row
}

describe('authorisation', () => {
  test('no token is 401, a non-staff user and a token without admin scopes are 403, moderators cannot manage users', async () => {
    expect((await as(null, 'GET', '/users')).status).toBe(401)
    const notAdmin = await as(plain, 'GET', '/users')
    expect(notAdmin.status).toBe(403)
    expect(notAdmin.json.error).toBe('User is not an admin.')
    const noScope = await makeAdmin(['read', 'write'])
    expect((await as(noScope, 'GET', '/users')).status).toBe(403)
    expect((await as(moderator, 'GET', '/users')).status).toBe(403)
    expect((await as(moderator, 'PATCH', '/users/deactivate', { nicknames: [plain.account.username] })).status).toBe(403)
    // the granular scope is enough for reading, not for writing
    const reader = await makeAdmin(['admin:read:accounts'])
    expect((await as(reader, 'GET', '/users')).status).toBe(200)
    expect((await as(reader, 'PATCH', '/users/deactivate', { nicknames: [plain.account.username] })).status).toBe(403)
  })

  test('the older /api/pleroma/admin prefix answers the same', async () => {
    const res = await as(admin, 'GET', `/api/pleroma/admin/users/${admin.account.username}`)
    expect(res.status).toBe(200)
    expect(res.json.nickname).toBe(admin.account.username)
  })
})

describe('GET /users', () => {
  test("lists with Pleroma's view, count and page size; filters narrow it down", async () => {
    const tag = uniqueName('flt')
    const a = await makeUser(ctx, { nickname: `${tag}_a`, user: { isModerator: true, tags: ['mrf_tag:media-force-nsfw'] } })
    const b = await makeUser(ctx, { nickname: `${tag}_b`, user: { isApproved: false, registrationReason: 'let me in' } })
    const c = await makeUser(ctx, { nickname: `${tag}_c`, user: { isActive: false } })

    const all = await as(admin, 'GET', `/users?query=${tag}`)
    expect(all.status).toBe(200)
    expect(all.json.count).toBe(3)
    expect(all.json.page_size).toBe(50)
    expect(all.json.users.map((u: any) => u.nickname)).toEqual([c.account.username, b.account.username, a.account.username])
    expect(all.json.users[2]).toEqual({
      id: a.account.id,
      email: a.user.email,
      avatar: expect.stringMatching(/^https?:\/\//),
      nickname: a.account.username,
      display_name: a.account.displayName,
      is_active: true,
      local: true,
      roles: { admin: false, moderator: true },
      tags: ['mrf_tag:media-force-nsfw'],
      is_confirmed: true,
      is_approved: true,
      is_suggested: false,
      url: a.account.uri,
      registration_reason: null,
      actor_type: 'Person',
      created_at: a.account.createdAt.toISOString(),
    })

    const names = async (q: string) => (await as(admin, 'GET', `/users?query=${tag}&${q}`)).json.users.map((u: any) => u.nickname)
    expect(await names('filters=need_approval')).toEqual([b.account.username])
    expect(await names('filters=deactivated')).toEqual([c.account.username])
    expect(await names('filters=is_moderator,local')).toEqual([a.account.username])
    expect(await names('filters=active')).toEqual([a.account.username])
    expect(await names('need_approval=true')).toEqual([b.account.username])
    expect(await names('tags[]=mrf_tag:media-force-nsfw')).toEqual([a.account.username])
    expect(await names('filters=external')).toEqual([])
    expect(await names(`email=${encodeURIComponent(c.user.email)}`)).toEqual([c.account.username])

    const paged = await as(admin, 'GET', `/users?query=${tag}&page=2&page_size=2`)
    expect(paged.json).toMatchObject({ count: 3, page_size: 2 })
    expect(paged.json.users.map((u: any) => u.nickname)).toEqual([a.account.username])
    expect((await as(admin, 'GET', '/users?page=zero')).status).toBe(400)
    expect((await as(admin, 'GET', '/users?page_size=-1')).status).toBe(400)
  })

  test('remote accounts are listed as nickname@domain and shown by that handle', async () => {
    const username = uniqueName('far')
    await ctx.db.insert(accounts).values({ username, domain: 'remote.example', uri: `https://remote.example/users/${username}` })
    const listed = await as(admin, 'GET', `/users?query=${username}&filters=external`)
    expect(listed.json.users).toHaveLength(1)
    expect(listed.json.users[0]).toMatchObject({ nickname: `${username}@remote.example`, local: false, email: null, is_active: true })
    const shown = await as(admin, 'GET', `/users/${username}@remote.example`)
    expect(shown.status).toBe(200)
    expect(shown.json.url).toBe(`https://remote.example/users/${username}`)
  })

  test('an unknown nickname is 404', async () => {
    expect((await as(admin, 'GET', '/users/nobody_by_that_name')).status).toBe(404)
  })
})

describe('POST /users', () => {
  test('creates several users at once; without a password the answer carries a reset link', async () => {
    const n1 = uniqueName('new')
    const n2 = uniqueName('new')
    const res = await as(admin, 'POST', '/users', { users: [
      { nickname: n1, email: `${n1}@example.com`, password: 'a fine password' },
      { nickname: n2, email: `${n2}@example.com` },
    ] })
    expect(res.status).toBe(200)
    expect(res.json[0]).toEqual({ type: 'success', code: 200, data: { nickname: n1, email: `${n1}@example.com` } })
    expect(res.json[1].data.password_reset_link).toMatch(/\/api\/v1\/pleroma\/password_reset\/\S+$/)
    const shown = await as(admin, 'GET', `/users/${n1}`)
    expect(shown.json).toMatchObject({ is_confirmed: true, is_approved: true, is_active: true })
  })

  test('one bad entry creates none and answers 409 with the reasons', async () => {
    const fresh = uniqueName('ok')
    const res = await as(admin, 'POST', '/users', { users: [
      { nickname: fresh, email: `${fresh}@example.com`, password: 'a fine password' },
      { nickname: plain.account.username, email: `${uniqueName('x')}@example.com`, password: 'a fine password' },
      { nickname: uniqueName('sh'), email: `${uniqueName('y')}@example.com`, password: 'x' },
    ] })
    expect(res.status).toBe(409)
    expect(res.json.map((r: any) => [r.type, r.code, r.error])).toEqual([
      ['error', 409, ''],
      ['error', 409, 'nickname has already been taken'],
      ['error', 409, 'password is too short'],
    ])
    expect((await as(admin, 'GET', `/users/${fresh}`)).status).toBe(404)
  })

  test('a body without users is 400', async () => {
    expect((await as(admin, 'POST', '/users', {})).status).toBe(400)
    expect((await as(admin, 'POST', '/users', { users: ['alice'] })).status).toBe(400)
  })
})

describe('DELETE /users', () => {
  test('deletes the named users and answers with their nicknames; an unknown one deletes nothing', async () => {
    const victim = await makeUser(ctx)
    const other = await makeUser(ctx)
    const missing = await as(admin, 'DELETE', '/users', { nicknames: [other.account.username, 'no_such_user_here'] })
    expect(missing.status).toBe(404)
    expect(await userRow(other.account.id)).toBeDefined()
    const res = await as(admin, 'DELETE', '/users', { nicknames: [victim.account.username] })
    expect(res.status).toBe(200)
    expect(res.json).toEqual([victim.account.username])
    expect(await ctx.db.select().from(accounts).where(eq(accounts.id, victim.account.id))).toEqual([])
    expect((await as(admin, 'DELETE', '/users', {})).status).toBe(400)
  })
})

describe('activation, approval, confirmation', () => {
  test('deactivate revokes tokens and answers {users}; activate and toggle_activation restore', async () => {
    const target = await makeUser(ctx)
    const off = await as(admin, 'PATCH', '/users/deactivate', { nicknames: [target.account.username] })
    expect(off.status).toBe(200)
    expect(off.json.users[0]).toMatchObject({ nickname: target.account.username, is_active: false })
    expect((await call('GET', '/api/v1/accounts/verify_credentials', { token: target.token })).status).toBe(401) // revoked
    const live = await ctx.db.select().from(oauthTokens).where(eq(oauthTokens.userId, target.user.id))
    expect(live.every((t) => t.revokedAt)).toBe(true)

    const toggled = await as(admin, 'PATCH', `/users/${target.account.username}/toggle_activation`)
    expect(toggled.json.is_active).toBe(true)
    const again = await as(admin, 'PATCH', `/users/${target.account.username}/toggle_activation`)
    expect(again.json.is_active).toBe(false)
    const on = await as(admin, 'PATCH', '/users/activate', { nicknames: [target.account.username] })
    expect(on.json.users[0].is_active).toBe(true)
    expect((await as(admin, 'PATCH', '/users/nobody_xyz/toggle_activation')).status).toBe(404)
  })

  test('approve and confirm_email', async () => {
    const pending = await makeUser(ctx, { user: { isApproved: false, confirmedAt: null } })
    const approved = await as(admin, 'PATCH', '/users/approve', { nicknames: [pending.account.username] })
    expect(approved.json.users[0].is_approved).toBe(true)
    const confirmed = await as(admin, 'PATCH', '/users/confirm_email', { nicknames: [pending.account.username] })
    expect(confirmed.status).toBe(200)
    expect(confirmed.json).toBe('')
    expect((await userRow(pending.account.id)).confirmedAt).not.toBeNull()
  })

  test('remote accounts cannot be deactivated here (422)', async () => {
    const username = uniqueName('rem')
    await ctx.db.insert(accounts).values({ username, domain: 'remote.example' })
    expect((await as(admin, 'PATCH', '/users/deactivate', { nicknames: [`${username}@remote.example`] })).status).toBe(422)
  })

  test('force_password_reset signs the user out and refuses the old password until it is reset', async () => {
    const target = await makeUser(ctx)
    const res = await as(admin, 'PATCH', '/users/force_password_reset', { nicknames: [target.account.username] })
    expect(res.status).toBe(204)
    const basic = `Basic ${Buffer.from(`${target.account.username}:${TEST_PASSWORD}`).toString('base64')}`
    const refused = await call('GET', '/api/v1/accounts/verify_credentials', { headers: { authorization: basic } })
    expect(refused.status).toBe(403)
    expect(refused.json.error).toBe('Password reset is required')
  })
})

describe('tags', () => {
  test('PUT adds, DELETE removes, both 204', async () => {
    const target = await makeUser(ctx)
    const put = await as(admin, 'PUT', '/users/tag', { nicknames: [target.account.username], tags: ['foo', 'mrf_tag:disable-any-subscription', 'foo'] })
    expect(put.status).toBe(204)
    expect((await userRow(target.account.id)).tags).toEqual(['foo', 'mrf_tag:disable-any-subscription'])
    const del = await as(admin, 'DELETE', '/users/tag', { nicknames: [target.account.username], tags: ['foo'] })
    expect(del.status).toBe(204)
    expect((await as(admin, 'GET', `/users/${target.account.username}`)).json.tags).toEqual(['mrf_tag:disable-any-subscription'])
    expect((await as(admin, 'PUT', '/users/tag', { nicknames: [target.account.username], tags: [] })).status).toBe(422)
    expect((await as(admin, 'PUT', '/users/tag', { nicknames: ['nobody_tagged_x'], tags: ['x'] })).status).toBe(404)
  })
})

describe('permission groups', () => {
  test('grant and revoke admin and moderator; nobody revokes their own; unknown groups are 404', async () => {
    const target = await makeUser(ctx)
    const grant = await as(admin, 'POST', '/users/permission_group/moderator', { nicknames: [target.account.username] })
    expect(grant.status).toBe(200)
    expect(grant.json).toEqual({ is_moderator: true })
    expect((await as(admin, 'GET', `/users/${target.account.username}/permission_group`)).json).toEqual({ is_admin: false, is_moderator: true })
    const single = await as(admin, 'POST', `/users/${target.account.username}/permission_group/admin`)
    expect(single.json).toEqual({ is_admin: true })
    const revoke = await as(admin, 'DELETE', '/users/permission_group/admin', { nicknames: [target.account.username] })
    expect(revoke.json).toEqual({ is_admin: false })
    expect((await userRow(target.account.id))).toMatchObject({ isAdmin: false, isModerator: true })

    const own = await as(admin, 'DELETE', '/users/permission_group/admin', { nicknames: [admin.account.username] })
    expect(own.status).toBe(403)
    expect(own.json.error).toBe("You can't revoke your own admin/moderator status.")
    expect((await userRow(admin.account.id)).isAdmin).toBe(true)
    expect((await as(admin, 'POST', '/users/permission_group/owner', { nicknames: [target.account.username] })).status).toBe(404)
  })
})

describe('credentials', () => {
  test('GET shows what an admin may edit; PATCH changes it', async () => {
    const target = await makeUser(ctx)
    const shown = await as(admin, 'GET', `/users/${target.account.username}/credentials`)
    expect(shown.status).toBe(200)
    expect(shown.json).toMatchObject({ id: target.account.id, nickname: target.account.username, email: target.user.email, is_locked: false })
    const email = `${uniqueName('mail')}@example.com`
    const patched = await as(admin, 'PATCH', `/users/${target.account.username}/credentials`, { name: 'New Name', bio: 'About me', is_locked: true, email })
    expect(patched.status).toBe(200)
    expect(patched.json).toEqual({ status: 'success' })
    const after = await as(admin, 'GET', `/users/${target.account.username}/credentials`)
    expect(after.json).toMatchObject({ name: 'New Name', bio: 'About me', is_locked: true, email })
    expect((await as(admin, 'PATCH', `/users/${target.account.username}/credentials`, { email: 'not an address' })).status).toBe(422)
    expect((await as(admin, 'PATCH', `/users/${target.account.username}/credentials`, { email: admin.user.email })).status).toBe(422)
  })

  test('password_reset hands out a link', async () => {
    const res = await as(admin, 'GET', `/users/${plain.account.username}/password_reset`)
    expect(res.status).toBe(200)
    expect(res.json.link).toContain(res.json.token)
  })
})

describe('moderation log', () => {
  test('records the actions with Pleroma messages; search and user_id filter it', async () => {
    const target = await makeUser(ctx)
    await as(admin, 'PATCH', '/users/deactivate', { nicknames: [target.account.username] })
    const log = await as(admin, 'GET', `/moderation_log?search=${target.account.username}`)
    expect(log.status).toBe(200)
    expect(log.json.total).toBe(1)
    expect(log.json.items[0]).toMatchObject({
      message: `@${admin.account.username} deactivated users: @${target.account.username}`,
      data: { action: 'deactivate', actor: { id: admin.account.id, nickname: admin.account.username, type: 'user' } },
    })
    expect(typeof log.json.items[0].time).toBe('number')
    const byOther = await as(admin, 'GET', `/moderation_log?search=${target.account.username}&user_id=${plain.account.id}`)
    expect(byOther.json.total).toBe(0)
    expect((await as(admin, 'GET', '/moderation_log?start_date=yesterday')).status).toBe(422)
  })
})
