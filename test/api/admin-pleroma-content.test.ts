// Pleroma's admin API beyond users: invites, statuses, reports, instance documents, stats and the runtime figures.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import { invites, statuses } from '../../src/db/schema'
import { getTestContext } from '../support/context'
import { makeUser, type MadeUser } from '../support/factories'
import { call } from '../support/http'
import { mailbox } from '../support/mail'
import { expectShape } from '../support/shape'

const V1 = '/api/v1/pleroma/admin'
const SCOPES = ['read', 'write', 'admin:read', 'admin:write']

let ctx: Ctx
let admin: MadeUser
let moderator: MadeUser
let alice: MadeUser
let bob: MadeUser
const mail = mailbox()

beforeAll(async () => {
  ctx = await getTestContext()
  admin = await makeUser(ctx, { scopes: SCOPES, user: { isAdmin: true } })
  moderator = await makeUser(ctx, { scopes: SCOPES, user: { isModerator: true } })
  alice = await makeUser(ctx)
  bob = await makeUser(ctx, { scopes: SCOPES })
})
afterAll(() => mail.stop())

const as = (who: MadeUser | null, method: string, path: string, json?: unknown) =>
  call(method, path.startsWith('/api') ? path : `${V1}${path}`, { token: who?.token, ...(json !== undefined ? { json } : {}) })

async function post(who: MadeUser, status: string, visibility = 'public', extra: Record<string, unknown> = {}) {
  const res = await call('POST', '/api/v1/statuses', { token: who.token, json: { status, visibility, ...extra } })
  expect(res.status).toBe(200)
  return res.json as { id: string }
}

describe('invites', () => {
  test('invite_token makes a single-use invite unless told otherwise; invites lists them; revoke_invite uses them up', async () => {
    const single = await as(admin, 'POST', '/users/invite_token', {})
    expect(single.status).toBe(200)
    expect(single.json).toMatchObject({ used: false, uses: 0, max_use: 1, expires_at: null, invite_type: 'one_time' })
    const limited = await as(admin, 'POST', '/users/invite_token', { max_use: 5, expires_at: '2999-01-31' })
    expect(limited.json).toMatchObject({ max_use: 5, invite_type: 'reusable_date_limited', expires_at: '2999-02-01T00:00:00.000Z' })

    const listed = await as(admin, 'GET', '/users/invites')
    expect(listed.json.invites.map((i: any) => i.token)).toEqual(expect.arrayContaining([single.json.token, limited.json.token]))

    const revoked = await as(admin, 'POST', '/users/revoke_invite', { token: single.json.token })
    expect(revoked.json).toMatchObject({ token: single.json.token, used: true })
    expect((await as(admin, 'POST', '/users/revoke_invite', { token: 'no-such-token' })).status).toBe(404)
    expect((await as(admin, 'POST', '/users/revoke_invite', {})).status).toBe(400)
  })

  test('bad parameters are refused, and only admins may invite', async () => {
    expect((await as(admin, 'POST', '/users/invite_token', { max_use: 0 })).status).toBe(400)
    expect((await as(admin, 'POST', '/users/invite_token', { expires_at: 'next week' })).status).toBe(422)
    expect((await as(admin, 'POST', '/users/invite_token', { expires_at: '2001-01-01' })).status).toBe(422)
    expect((await as(moderator, 'POST', '/users/invite_token', {})).status).toBe(403)
    expect((await as(null, 'GET', '/users/invites')).status).toBe(401)
  })

  test('email_invite mails a single-use link', async () => {
    const res = await as(admin, 'POST', '/users/email_invite', { email: 'friend@example.com', name: 'Friend' })
    expect(res.status).toBe(204)
    const message = await mail.next('friend@example.com')
    expect(message.text).toContain('Hello Friend')
    const token = /\/registration\/(\S+)/.exec(message.text)![1]
    const [row] = await ctx.db.select().from(invites).where(eq(invites.token, token))
    expect(row.maxUse).toBe(1)
    expect((await as(admin, 'POST', '/users/email_invite', { email: 'not-an-address' })).status).toBe(422)
    expect((await as(admin, 'POST', '/users/email_invite', {})).status).toBe(400)
  })
})

describe('statuses', () => {
  test('GET /statuses shows public ones; godmode shows private and direct too', async () => {
    const open = await post(alice, 'admin sees this')
    const hidden = await post(alice, 'followers only', 'private')
    const plain = await as(admin, 'GET', '/statuses?page_size=50')
    expect(plain.status).toBe(200)
    const ids = plain.json.map((s: any) => s.id)
    expect(ids).toContain(open.id)
    expect(ids).not.toContain(hidden.id)
    const god = await as(admin, 'GET', '/statuses?godmode=true&page_size=50')
    expect(god.json.map((s: any) => s.id)).toContain(hidden.id)
    const mine = god.json.find((s: any) => s.id === hidden.id)
    expect(mine.account).toMatchObject({ id: alice.account.id, email: alice.user.email, roles: { admin: false, moderator: false } })
    expect((await as(admin, 'GET', '/statuses?page=0')).status).toBe(400)
  })

  test('a user\'s statuses with a total; unknown users are 404', async () => {
    const author = await makeUser(ctx)
    await post(author, 'one')
    await post(author, 'two', 'private')
    const res = await as(admin, 'GET', `/users/${author.account.username}/statuses`)
    expect(res.status).toBe(200)
    expect(res.json.total).toBe(1)
    const god = await as(admin, 'GET', `/users/${author.account.username}/statuses?godmode=true`)
    expect(god.json.total).toBe(2)
    expect(god.json.activities).toHaveLength(2)
    expect((await as(admin, 'GET', '/users/nobody_here_at_all/statuses')).status).toBe(404)
  })

  test('GET /statuses/:id shows any status; PUT changes sensitivity and visibility; moderators may do it', async () => {
    const status = await post(alice, 'to be moderated')
    const shown = await as(admin, 'GET', `/statuses/${status.id}`)
    expect(shown.status).toBe(200)
    expect(shown.json.account.email).toBe(alice.user.email)
    expect((await as(admin, 'GET', '/statuses/000000000000000000')).status).toBe(404)

    const updated = await as(moderator, 'PUT', `/statuses/${status.id}`, { sensitive: true, visibility: 'unlisted' })
    expect(updated.status).toBe(200)
    expectShape(updated.json, 'Status')
    expect(updated.json).toMatchObject({ sensitive: true, visibility: 'unlisted' })
    expect((await as(moderator, 'PUT', `/statuses/${status.id}`, { visibility: 'direct' })).status).toBe(422)
    expect((await as(moderator, 'PUT', `/statuses/${status.id}`, { sensitive: 'maybe' })).status).toBe(400)
    expect((await as(moderator, 'PUT', `/statuses/${status.id}`, {})).status).toBe(422)
    expect((await as(bob, 'PUT', `/statuses/${status.id}`, { sensitive: false })).status).toBe(403)
    // moderators may change and delete statuses but not browse them (Pleroma's default privileges)
    expect((await as(moderator, 'GET', `/statuses/${status.id}`)).status).toBe(403)

    const log = await as(admin, 'GET', `/moderation_log?search=${status.id}`)
    expect(log.json.items[0].message).toBe(`@${moderator.account.username} updated status #${status.id}, set sensitive: 'true', visibility: 'unlisted'`)
  })

  test('direct messages keep their audience', async () => {
    const dm = await post(alice, `@${bob.account.username} secret`, 'direct')
    const res = await as(admin, 'PUT', `/statuses/${dm.id}`, { visibility: 'public' })
    expect(res.status).toBe(422)
    expect((await ctx.db.select().from(statuses).where(eq(statuses.id, dm.id)))[0].visibility).toBe('direct')
  })

  test('DELETE removes the status; a second delete is 404', async () => {
    const status = await post(alice, 'delete me')
    const res = await as(moderator, 'DELETE', `/statuses/${status.id}`)
    expect(res.status).toBe(200)
    expect(res.json).toEqual({})
    expect(await ctx.db.select().from(statuses).where(eq(statuses.id, status.id))).toEqual([])
    expect((await as(moderator, 'DELETE', `/statuses/${status.id}`)).status).toBe(404)
    expect((await as(null, 'DELETE', `/statuses/${status.id}`)).status).toBe(401)
  })
})

describe('reports', () => {
  test('staff list, show, resolve, annotate and assign reports', async () => {
    const status = await post(alice, 'reportable')
    const filed = await call('POST', '/api/v1/reports', { token: bob.token, json: { account_id: alice.account.id, status_ids: [status.id], comment: 'spam' } })
    expect(filed.status).toBe(200)
    const id = filed.json.id

    const list = await as(moderator, 'GET', '/reports?state=open')
    expect(list.status).toBe(200)
    const listed = list.json.reports.find((r: any) => r.id === id)
    expect(listed).toMatchObject({
      state: 'open', content: 'spam', notes: [], assigned_account: null,
      account: { id: alice.account.id, email: alice.user.email }, actor: { id: bob.account.id },
    })
    expect(listed.statuses.map((s: any) => s.id)).toEqual([status.id])
    expect(typeof list.json.total).toBe('number')

    expect((await as(moderator, 'POST', `/reports/${id}/notes`, { content: 'looking into it' })).status).toBe(204)
    const withNote = await as(moderator, 'GET', `/reports/${id}`)
    expect(withNote.json.notes).toHaveLength(1)
    expect(withNote.json.notes[0]).toMatchObject({ content: 'looking into it', user: { id: moderator.account.id } })

    const assigned = await as(moderator, 'PATCH', '/reports/assign_account', { reports: [{ id, assigned_account: moderator.account.username }] })
    expect(assigned.status).toBe(204)
    expect((await as(moderator, 'GET', `/reports/${id}`)).json.assigned_account.id).toBe(moderator.account.id)

    const resolved = await as(moderator, 'PATCH', '/reports', { reports: [{ id, state: 'resolved' }] })
    expect(resolved.status).toBe(204)
    expect((await as(moderator, 'GET', `/reports/${id}`)).json.state).toBe('resolved')

    const mixed = await as(moderator, 'PATCH', '/reports', { reports: [{ id, state: 'closed' }, { id: '000000000000000000', state: 'closed' }, { id, state: 'bogus' }] })
    expect(mixed.status).toBe(400)
    expect(mixed.json).toEqual([
      { id, state: 'closed' },
      { id: '000000000000000000', error: 'Record not found' },
      { id, error: 'State must be one of open, resolved, closed' },
    ])

    const noteId = withNote.json.notes[0].id
    expect((await as(moderator, 'DELETE', `/reports/${id}/notes/${noteId}`)).status).toBe(204)
    expect((await as(moderator, 'DELETE', `/reports/${id}/notes/${noteId}`)).status).toBe(404)

    const log = await as(admin, 'GET', `/moderation_log?search=${id}`)
    expect(log.json.items.map((i: any) => i.data.action)).toEqual(expect.arrayContaining(['report_note', 'report_update', 'report_note_delete', 'report_assigned']))
  })

  test('non-staff get 403, bad input 4xx, unknown reports 404', async () => {
    expect((await as(bob, 'GET', '/reports')).status).toBe(403)
    expect((await as(moderator, 'GET', '/reports?state=weird')).status).toBe(400)
    expect((await as(moderator, 'GET', '/reports/000000000000000000')).status).toBe(404)
    expect((await as(moderator, 'PATCH', '/reports', {})).status).toBe(400)
    expect((await as(moderator, 'POST', '/reports/000000000000000000/notes', { content: 'x' })).status).toBe(404)
  })
})

describe('instance documents', () => {
  test('GET gives the default, PATCH replaces it and answers its URL, the public page serves it, DELETE goes back', async () => {
    const before = await as(admin, 'GET', '/instance_document/instance-panel')
    expect(before.status).toBe(200)
    expect(before.headers.get('content-type')).toContain('text/html')
    expect(before.text).toContain('Welcome to')

    const html = '<h2>Hello</h2><p>Our little instance</p>'
    const res = await call('PATCH', `${V1}/instance_document/instance-panel`, { token: admin.token, multipart: { file: new File([html], 'panel.html', { type: 'text/html' }) } })
    expect(res.status).toBe(200)
    expect(res.json).toEqual({ url: `${ctx.config.baseUrl}/instance/panel.html` })
    const page = await call('GET', '/instance/panel.html')
    expect(page.status).toBe(200)
    expect(page.text).toBe(html)
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'")
    expect((await as(admin, 'GET', '/instance_document/instance-panel')).text).toBe(html)

    expect((await as(admin, 'DELETE', '/instance_document/instance-panel')).status).toBe(200)
    expect((await call('GET', '/instance/panel.html')).text).toContain('Welcome to')
    expect((await as(admin, 'DELETE', '/instance_document/instance-panel')).status).toBe(404)
  })

  test('terms of service live at /static/terms-of-service.html; unknown names 404; no file 400; moderators 403', async () => {
    expect((await call('GET', '/static/terms-of-service.html')).text).toContain('Terms of service')
    expect((await as(admin, 'GET', '/instance_document/about')).status).toBe(404)
    expect((await as(admin, 'PATCH', '/instance_document/terms-of-service', {})).status).toBe(400)
    expect((await as(moderator, 'GET', '/instance_document/terms-of-service')).status).toBe(403)
  })
})

describe('stats and runtime', () => {
  test('stats counts statuses per visibility, for the whole instance or one domain', async () => {
    const before = (await as(admin, 'GET', '/stats')).json.status_visibility
    await post(alice, 'counted', 'unlisted')
    const after = await as(admin, 'GET', '/stats')
    expect(after.status).toBe(200)
    expect(Object.keys(after.json.status_visibility).sort()).toEqual(['direct', 'private', 'public', 'unlisted'])
    expect(after.json.status_visibility.unlisted).toBe(before.unlisted + 1)
    const remote = await as(admin, 'GET', '/stats?instance=nowhere.example')
    expect(remote.json.status_visibility).toEqual({ public: 0, unlisted: 0, private: 0, direct: 0 })
    expect((await as(moderator, 'GET', '/stats')).status).toBe(403)
  })

  test('runtime reports this process and the database', async () => {
    const res = await as(admin, 'GET', '/runtime')
    expect(res.status).toBe(200)
    expect(res.json.server.pid).toBe(process.pid)
    expect(res.json.server.requests_total).toBeGreaterThan(0)
    expect(typeof res.json.server.requests_per_second).toBe('number')
    expect(res.json.users.local).toBeGreaterThan(0)
    expect(res.json.statuses).toMatchObject({ local: expect.any(Number), total: expect.any(Number) })
    expect((await as(bob, 'GET', '/runtime')).status).toBe(403)
  })
})
