// Mastodon's admin accounts API: the v1 and v2 lists, one account, and the moderation actions.
import { beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import { accounts, users } from '../../src/db/schema'
import { contextWith, getTestContext, testApp } from '../support/context'
import { makeUser, uniqueName, type MadeUser } from '../support/factories'
import { call } from '../support/http'
import { fileOf, pngFixture } from '../support/media-fixtures'
import { expectShape } from '../support/shape'

const SCOPES = ['read', 'write', 'admin:read', 'admin:write']
let ctx: Ctx
let admin: MadeUser
let moderator: MadeUser
let plain: MadeUser

beforeAll(async () => {
  ctx = await getTestContext()
  admin = await makeUser(ctx, { scopes: SCOPES, user: { isAdmin: true } })
  moderator = await makeUser(ctx, { scopes: SCOPES, user: { isModerator: true } })
  plain = await makeUser(ctx, { scopes: SCOPES })
})

const as = (who: MadeUser | null, method: string, path: string, json?: unknown) =>
  call(method, path, { token: who?.token, ...(json !== undefined ? { json } : {}) })
const account = async (id: string) => (await ctx.db.select().from(accounts).where(eq(accounts.id, id)))[0]

describe('GET /api/v1/admin/accounts/:id', () => {
  test("answers Mastodon's Admin::Account", async () => {
    const target = await makeUser(ctx, { user: { registrationReason: 'hello' } })
    const res = await as(moderator, 'GET', `/api/v1/admin/accounts/${target.account.id}`)
    expect(res.status).toBe(200)
    expectShape(res.json, 'AdminAccount')
    expect(res.json).toMatchObject({
      id: target.account.id, username: target.account.username, domain: null, email: target.user.email,
      confirmed: true, approved: true, disabled: false, silenced: false, suspended: false, sensitized: false,
      invite_request: 'hello', ips: [], role: { id: '-99', permissions: '65536' },
      account: { id: target.account.id, acct: target.account.username },
    })
    expect((await as(moderator, 'GET', `/api/v1/admin/accounts/${admin.account.id}`)).json.role).toMatchObject({ id: '3', name: 'Admin' })
  })

  test('401 without a token, 403 for non-staff and for tokens without admin scopes, 404 for unknown ids', async () => {
    expect((await as(null, 'GET', `/api/v1/admin/accounts/${plain.account.id}`)).status).toBe(401)
    expect((await as(plain, 'GET', `/api/v1/admin/accounts/${plain.account.id}`)).status).toBe(403)
    const noScope = await makeUser(ctx, { scopes: ['read', 'write'], user: { isAdmin: true } })
    expect((await as(noScope, 'GET', `/api/v1/admin/accounts/${plain.account.id}`)).status).toBe(403)
    expect((await as(admin, 'GET', '/api/v1/admin/accounts/000000000000000000')).status).toBe(404)
    expect((await as(admin, 'GET', '/api/v1/admin/accounts/not-an-id')).status).toBe(404)
  })
})

describe('account lists', () => {
  test('v1 filters by origin, state and username prefix, pages with Link', async () => {
    const prefix = uniqueName('ml')
    const a = await makeUser(ctx, { nickname: `${prefix}a` })
    const b = await makeUser(ctx, { nickname: `${prefix}b`, user: { isApproved: false } })
    const c = await makeUser(ctx, { nickname: `${prefix}c`, account: { silencedAt: new Date() } })
    const remote = `${prefix}r`
    await ctx.db.insert(accounts).values({ username: remote, domain: 'remote.example' })

    const names = async (q: string, v = 'v1') => (await as(moderator, 'GET', `/api/${v}/admin/accounts?username=${prefix}&${q}`)).json.map((e: any) => e.username)
    expect(await names('')).toEqual([remote, c.account.username, b.account.username, a.account.username])
    expect(await names('local=true')).toEqual([c.account.username, b.account.username, a.account.username])
    expect(await names('remote=true')).toEqual([remote])
    expect(await names('pending=true')).toEqual([b.account.username])
    expect(await names('silenced=true')).toEqual([c.account.username])
    expect(await names('ip=127.0.0.1')).toEqual([])

    const page = await as(moderator, 'GET', `/api/v1/admin/accounts?username=${prefix}&limit=2`)
    expect(page.json).toHaveLength(2)
    const next = /<([^>]+)>; rel="next"/.exec(page.headers.get('link')!)![1]
    const rest = await as(moderator, 'GET', new URL(next).pathname + new URL(next).search)
    expect(rest.json.map((e: any) => e.username)).toEqual([b.account.username, a.account.username])
    // remote accounts have no e-mail or locale (null, as Mastodon answers); local ones match the contract
    for (const entry of rest.json) expectShape(entry, 'AdminAccount')
    expect(page.json[0]).toMatchObject({ username: remote, domain: 'remote.example', email: null, confirmed: true })
  })

  test('v2 filters by origin, status, permissions and role; bad values are 422', async () => {
    const prefix = uniqueName('m2')
    const staff = await makeUser(ctx, { nickname: `${prefix}s`, user: { isModerator: true } })
    const off = await makeUser(ctx, { nickname: `${prefix}d`, user: { isActive: false } })
    const names = async (q: string) => (await as(admin, 'GET', `/api/v2/admin/accounts?username=${prefix}&${q}`)).json.map((e: any) => e.username)
    expect(await names('origin=local')).toEqual([off.account.username, staff.account.username])
    expect(await names('status=disabled')).toEqual([off.account.username])
    expect(await names('permissions=staff')).toEqual([staff.account.username])
    expect(await names('role_ids[]=2')).toEqual([staff.account.username])
    expect((await as(admin, 'GET', '/api/v2/admin/accounts?origin=mars')).status).toBe(422)
    expect((await as(admin, 'GET', '/api/v2/admin/accounts?status=sleeping')).status).toBe(422)
  })
})

describe('POST /api/v1/admin/accounts/:id/action', () => {
  test('suspend, silence, sensitive and disable; each undone by its own endpoint', async () => {
    const target = await makeUser(ctx)
    const act = (type: string) => as(moderator, 'POST', `/api/v1/admin/accounts/${target.account.id}/action`, { type, text: 'rule 1' })

    expect((await act('silence')).json).toEqual({})
    expect((await act('sensitive')).status).toBe(200)
    const shown = await as(moderator, 'GET', `/api/v1/admin/accounts/${target.account.id}`)
    expect(shown.json).toMatchObject({ silenced: true, sensitized: true, suspended: false })

    expect((await act('disable')).status).toBe(200)
    expect((await call('GET', '/api/v1/accounts/verify_credentials', { token: target.token })).status).toBe(401)
    const enabled = await as(moderator, 'POST', `/api/v1/admin/accounts/${target.account.id}/enable`)
    expect(enabled.json.disabled).toBe(false)

    expect((await act('suspend')).status).toBe(200)
    expect((await account(target.account.id)).suspendedAt).not.toBeNull()
    expect((await call('GET', `/api/v1/accounts/${target.account.id}`)).status).toBe(404)

    const unsuspended = await as(moderator, 'POST', `/api/v1/admin/accounts/${target.account.id}/unsuspend`)
    expect(unsuspended.status).toBe(200)
    expectShape(unsuspended.json, 'AdminAccount')
    expect(unsuspended.json.suspended).toBe(false)
    expect((await as(moderator, 'POST', `/api/v1/admin/accounts/${target.account.id}/unsuspend`)).status).toBe(403)
    expect((await as(moderator, 'POST', `/api/v1/admin/accounts/${target.account.id}/unsilence`)).json.silenced).toBe(false)
    expect((await as(moderator, 'POST', `/api/v1/admin/accounts/${target.account.id}/unsensitive`)).json.sensitized).toBe(false)

    const log = await as(admin, 'GET', `/api/v1/pleroma/admin/moderation_log?search=${target.account.username}`)
    expect(log.json.items.map((i: any) => i.data.action)).toEqual(expect.arrayContaining(['account_suspend', 'account_silence', 'account_unsuspend']))
  })

  test('unknown types are 422, staff cannot be acted on, remote accounts have no login to disable', async () => {
    const target = await makeUser(ctx)
    expect((await as(moderator, 'POST', `/api/v1/admin/accounts/${target.account.id}/action`, { type: 'banish' })).status).toBe(422)
    expect((await as(moderator, 'POST', `/api/v1/admin/accounts/${admin.account.id}/action`, { type: 'suspend' })).status).toBe(403)
    const [remote] = await ctx.db.insert(accounts).values({ username: uniqueName('rx'), domain: 'remote.example' }).returning()
    expect((await as(moderator, 'POST', `/api/v1/admin/accounts/${remote.id}/action`, { type: 'disable' })).status).toBe(422)
    expect((await as(moderator, 'POST', `/api/v1/admin/accounts/${remote.id}/action`, { type: 'suspend' })).status).toBe(200)
    expect((await as(plain, 'POST', `/api/v1/admin/accounts/${target.account.id}/action`, { type: 'suspend' })).status).toBe(403)
  })
})

describe('acting on a report', () => {
  test('report_id resolves the report; an unknown report is 404, one about someone else 422', async () => {
    const target = await makeUser(ctx)
    const filed = await call('POST', '/api/v1/reports', { token: plain.token, json: { account_id: target.account.id, comment: 'rude' } })
    expect(filed.status).toBe(200)
    expect((await as(moderator, 'POST', `/api/v1/admin/accounts/${target.account.id}/action`, { type: 'none', report_id: '000000000000000000' })).status).toBe(404)
    expect((await as(moderator, 'POST', `/api/v1/admin/accounts/${plain.account.id}/action`, { type: 'none', report_id: filed.json.id })).status).toBe(422)
    const res = await as(moderator, 'POST', `/api/v1/admin/accounts/${target.account.id}/action`, { type: 'silence', report_id: filed.json.id, text: 'calm down' })
    expect(res.status).toBe(200)
    const report = await as(moderator, 'GET', `/api/v1/pleroma/admin/reports/${filed.json.id}`)
    expect(report.json.state).toBe('resolved')
  })
})

describe('approval and deletion', () => {
  test('approve and reject work on pending registrations only', async () => {
    const waiting = await makeUser(ctx, { user: { isApproved: false } })
    const approved = await as(moderator, 'POST', `/api/v1/admin/accounts/${waiting.account.id}/approve`)
    expect(approved.status).toBe(200)
    expect(approved.json.approved).toBe(true)
    expect((await as(moderator, 'POST', `/api/v1/admin/accounts/${waiting.account.id}/approve`)).status).toBe(403)
    expect((await as(moderator, 'POST', `/api/v1/admin/accounts/${waiting.account.id}/reject`)).status).toBe(403)

    const spam = await makeUser(ctx, { user: { isApproved: false } })
    const rejected = await as(moderator, 'POST', `/api/v1/admin/accounts/${spam.account.id}/reject`)
    expect(rejected.status).toBe(200)
    expect(await account(spam.account.id)).toBeUndefined()
  })

  test('DELETE needs an admin and a suspended account', async () => {
    const target = await makeUser(ctx)
    expect((await as(admin, 'DELETE', `/api/v1/admin/accounts/${target.account.id}`)).status).toBe(403)
    await as(moderator, 'POST', `/api/v1/admin/accounts/${target.account.id}/action`, { type: 'suspend' })
    expect((await as(moderator, 'DELETE', `/api/v1/admin/accounts/${target.account.id}`)).status).toBe(403)
    const res = await as(admin, 'DELETE', `/api/v1/admin/accounts/${target.account.id}`)
    expect(res.status).toBe(200)
    expect(res.json.suspended).toBe(true)
    expect(await ctx.db.select().from(users).where(eq(users.id, target.user.id))).toEqual([])
    expect((await as(admin, 'DELETE', `/api/v1/admin/accounts/${target.account.id}`)).status).toBe(404)
  })
})

describe('sensitive action', () => {
  test("the account's media show as sensitive from then on, its text-only statuses do not", async () => {
    const mediaDir = mkdtempSync(join(tmpdir(), 'rookery-admin-media-'))
    try {
      const mediaCtx = await contextWith({ media: { dir: mediaDir, baseUrl: null, s3: null } })
      const app = await testApp(mediaCtx)
      const target = await makeUser(mediaCtx)
      const upload = await call('POST', '/api/v1/media', { app, token: target.token, multipart: { file: fileOf(pngFixture(8, 8), 'image/png', 'p.png') } })
      expect(upload.status).toBe(200)
      const withMedia = await call('POST', '/api/v1/statuses', { app, token: target.token, json: { status: 'look', media_ids: [upload.json.id] } })
      const textOnly = await call('POST', '/api/v1/statuses', { app, token: target.token, json: { status: 'just words' } })
      expect(withMedia.json.sensitive).toBe(false)
      expect((await call('POST', `/api/v1/admin/accounts/${target.account.id}/action`, { app, token: moderator.token, json: { type: 'sensitive' } })).status).toBe(200)
      expect((await call('GET', `/api/v1/statuses/${withMedia.json.id}`, { app })).json.sensitive).toBe(true)
      expect((await call('GET', `/api/v1/statuses/${textOnly.json.id}`, { app })).json.sensitive).toBe(false)
      await call('POST', `/api/v1/admin/accounts/${target.account.id}/unsensitive`, { app, token: moderator.token })
      expect((await call('GET', `/api/v1/statuses/${withMedia.json.id}`, { app })).json.sensitive).toBe(false)
    } finally {
      rmSync(mediaDir, { recursive: true, force: true })
    }
  })
})
