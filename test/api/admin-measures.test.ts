// Mastodon's admin dashboard: measures and dimensions for the instance and for one other server, and the admin
// account lists (Mastodon's and Pleroma's) narrowed to remote accounts.
import { beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import { upsertRemoteActor } from '../../src/core/federation/actors'
import { accounts, follows, mediaAttachments, reports, statuses } from '../../src/db/schema'
import { getTestContext } from '../support/context'
import { makeUser, uniqueName, type MadeUser } from '../support/factories'
import { call } from '../support/http'
import { expectShape } from '../support/shape'

let ctx: Ctx
let admin: MadeUser
let moderator: MadeUser
let local: MadeUser
let domain: string
const DAY = 86_400_000
const today = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()))
const daysAgo = (n: number) => new Date(today.getTime() - n * DAY + 3_600_000)
const dayIso = (d: Date) => d.toISOString().slice(0, 10)

async function remoteAccount(host: string, createdAt = new Date()) {
  const username = uniqueName('r')
  const account = await upsertRemoteActor(ctx, {
    uri: `https://${host}/users/${username}`, username, domain: host, displayName: '', note: '', url: null,
    inboxUrl: `https://${host}/users/${username}/inbox`, sharedInboxUrl: null, followersUrl: null, followingUrl: null,
    outboxUrl: null, locked: false, bot: false, actorType: 'Person', avatarUrl: null, headerUrl: null,
  })
  await ctx.db.update(accounts).set({ createdAt }).where(eq(accounts.id, account.id))
  return account
}

beforeAll(async () => {
  ctx = await getTestContext()
  admin = await makeUser(ctx, { scopes: ['read', 'admin:read', 'admin:write'], user: { isAdmin: true } })
  moderator = await makeUser(ctx, { scopes: ['admin:read'], user: { isModerator: true } })
  local = await makeUser(ctx)
  domain = `${uniqueName('m').toLowerCase().replace(/_/g, '-')}.example`
  const [a, b] = [await remoteAccount(domain, daysAgo(2)), await remoteAccount(domain, daysAgo(0))]
  const old = await remoteAccount(domain, daysAgo(40))
  await ctx.db.insert(statuses).values([
    { accountId: a.id, local: false, uri: `https://${domain}/s/1`, content: '<p>a</p>', language: 'de', createdAt: daysAgo(2) },
    { accountId: a.id, local: false, uri: `https://${domain}/s/2`, content: '<p>b</p>', language: 'de', createdAt: daysAgo(1) },
    { accountId: b.id, local: false, uri: `https://${domain}/s/3`, content: '<p>c</p>', language: 'fr', createdAt: daysAgo(1) },
    { accountId: old.id, local: false, uri: `https://${domain}/s/4`, content: '<p>d</p>', language: 'de', createdAt: daysAgo(50) },
  ])
  // a and b follow the local user; the local user follows a
  await ctx.db.insert(follows).values([
    { accountId: a.id, targetAccountId: local.account.id, createdAt: daysAgo(1) },
    { accountId: b.id, targetAccountId: local.account.id, createdAt: daysAgo(1) },
    { accountId: local.account.id, targetAccountId: a.id, createdAt: daysAgo(0) },
  ])
  await ctx.db.insert(reports).values({ accountId: local.account.id, targetAccountId: b.id, createdAt: daysAgo(0) })
  await ctx.db.insert(mediaAttachments).values({ accountId: a.id, type: 'image', mimeType: 'image/png', fileSize: 2048, remoteUrl: `https://${domain}/m.png`, createdAt: daysAgo(1) })
})

const measures = (body: Record<string, unknown>, who: MadeUser = admin) => call('POST', '/api/v1/admin/measures', { token: who.token, json: body })
const dimensions = (body: Record<string, unknown>, who: MadeUser = admin) => call('POST', '/api/v1/admin/dimensions', { token: who.token, json: body })
const period = () => ({ start_at: dayIso(daysAgo(6)), end_at: dayIso(today) })
const byKey = (list: any[], key: string) => list.find((m) => m.key === key)
const valueOn = (m: any, d: Date) => m.data.find((p: any) => p.date.startsWith(dayIso(d)))?.value

describe('POST /api/v1/admin/measures', () => {
  test('one server\'s accounts, statuses, follows, followers, reports and media: all-time totals, daily values in the period', async () => {
    const keys = ['instance_accounts', 'instance_statuses', 'instance_follows', 'instance_followers', 'instance_reports', 'instance_media_attachments']
    const res = await measures({ keys, ...period(), ...Object.fromEntries(keys.map((k) => [k, { domain }])) })
    expect(res.status).toBe(200)
    expect(res.json.map((m: any) => m.key)).toEqual(keys)
    for (const m of res.json) {
      expectShape(m, 'AdminMeasure')
      expect(m.data).toHaveLength(7)
      expect(m.previous_total).toBeUndefined()
    }
    const accountsM = byKey(res.json, 'instance_accounts')
    expect(accountsM.total).toBe('3')
    expect(valueOn(accountsM, daysAgo(2))).toBe('1')
    expect(valueOn(accountsM, daysAgo(0))).toBe('1')
    expect(accountsM.data.reduce((n: number, p: any) => n + Number(p.value), 0)).toBe(2)
    const statusesM = byKey(res.json, 'instance_statuses')
    expect(statusesM.total).toBe('4')
    expect(valueOn(statusesM, daysAgo(1))).toBe('2')
    expect(byKey(res.json, 'instance_follows')).toMatchObject({ total: '1' })
    expect(byKey(res.json, 'instance_followers')).toMatchObject({ total: '2' })
    expect(valueOn(byKey(res.json, 'instance_followers'), daysAgo(1))).toBe('2')
    expect(byKey(res.json, 'instance_reports')).toMatchObject({ total: '1' })
    expect(byKey(res.json, 'instance_media_attachments')).toMatchObject({ unit: 'bytes', total: '2048', human_value: '2 KB' })
  })

  test('instance-wide measures carry the previous period\'s total; form parameters work too', async () => {
    const res = await call('POST', '/api/v1/admin/measures', {
      token: admin.token,
      form: { 'keys[]': ['new_users', 'opened_reports', 'active_users', 'interactions', 'resolved_reports', 'no_such_measure'], start_at: dayIso(daysAgo(6)), end_at: dayIso(today) },
    })
    expect(res.status).toBe(200)
    expect(res.json.map((m: any) => m.key)).toEqual(['new_users', 'opened_reports', 'active_users', 'interactions', 'resolved_reports'])
    for (const m of res.json) {
      expectShape(m, 'AdminMeasure')
      expect(typeof m.previous_total).toBe('string')
    }
    expect(Number(byKey(res.json, 'new_users').total)).toBeGreaterThanOrEqual(3)
    expect(Number(byKey(res.json, 'opened_reports').total)).toBeGreaterThanOrEqual(1)
  })

  test('a server measure without its domain, bad dates, a too long period are 400; the dashboard is for admins', async () => {
    for (const body of [
      { keys: ['instance_accounts'], ...period() },
      { keys: ['instance_accounts'], instance_accounts: { domain: '' }, ...period() },
      { keys: ['new_users'], start_at: 'yesterday-ish', end_at: dayIso(today) },
      { keys: ['new_users'], start_at: dayIso(today), end_at: dayIso(daysAgo(3)) },
      { keys: ['new_users'], start_at: '2001-01-01', end_at: dayIso(today) },
    ]) {
      const res = await measures(body)
      expect(res.status).toBe(400)
      expect(typeof res.json.error).toBe('string')
    }
    expect((await measures({ keys: ['new_users'] }, moderator)).status).toBe(403)
    expect((await measures({ keys: ['new_users'] }, local)).status).toBe(403)
    expect((await call('POST', '/api/v1/admin/measures', { json: { keys: ['new_users'] } })).status).toBe(401)
    expect((await measures({ keys: [] })).json).toEqual([])
  })
})

describe('POST /api/v1/admin/dimensions', () => {
  test('servers, software versions, one server\'s accounts and languages, users\' languages', async () => {
    const res = await dimensions({
      keys: ['servers', 'software_versions', 'instance_accounts', 'instance_languages', 'languages', 'space_usage_not_here'],
      ...period(), limit: 5, instance_accounts: { domain }, instance_languages: { domain },
    })
    expect(res.status).toBe(200)
    expect(res.json.map((d: any) => d.key)).toEqual(['servers', 'software_versions', 'instance_accounts', 'instance_languages', 'languages'])
    for (const d of res.json) {
      expectShape(d, 'AdminDimension')
      expect(d.data.length).toBeLessThanOrEqual(5)
    }
    expect(byKey(res.json, 'software_versions').data.map((d: any) => d.key)).toEqual(['rookery', 'bun', 'postgresql'])
    const langs = byKey(res.json, 'instance_languages').data
    expect(langs).toEqual([
      { key: 'de', human_key: 'German', value: '2' },
      { key: 'fr', human_key: 'French', value: '1' },
    ])
    const top = byKey(res.json, 'instance_accounts').data
    expect(top).toHaveLength(3)
    expect(top[0].value).toBe('1')
    expect(top.slice(1).map((d: any) => d.value)).toEqual(['0', '0'])
    expect((await dimensions({ keys: ['instance_languages'], ...period() })).status).toBe(400)
    expect((await dimensions({ keys: ['servers'], limit: 'many' })).status).toBe(400)
    expect((await dimensions({ keys: ['servers'] }, moderator)).status).toBe(403)
  })
})

describe('remote accounts in the admin account lists', () => {
  test('Mastodon\'s remote=true and origin=remote, Pleroma\'s filters=external', async () => {
    const v1 = await call('GET', '/api/v1/admin/accounts?remote=true&limit=200', { token: admin.token })
    expect(v1.status).toBe(200)
    const remote = v1.json.filter((a: any) => a.domain === domain)
    expect(remote).toHaveLength(3)
    expect(v1.json.every((a: any) => a.domain !== null)).toBe(true)
    // as on Mastodon, a remote account has no e-mail address or locale (null where its schema says string)
    for (const a of remote) expect(a).toMatchObject({ domain, email: null, locale: null, account: { acct: `${a.username}@${domain}` } })
    const v2 = await call('GET', `/api/v2/admin/accounts?origin=remote&by_domain=${domain}`, { token: admin.token })
    expect(v2.json).toHaveLength(3)
    const pleroma = await call('GET', `/api/v1/pleroma/admin/users?filters=external&query=${domain}&page_size=50`, { token: admin.token })
    expect(pleroma.status).toBe(200)
    expect(pleroma.json.users.length).toBe(3)
    expect(pleroma.json.users.every((u: any) => u.local === false && u.nickname.endsWith(`@${domain}`))).toBe(true)
    const locals = await call('GET', '/api/v1/pleroma/admin/users?filters=local&page_size=500', { token: admin.token })
    expect(locals.json.users.some((u: any) => u.nickname.endsWith(`@${domain}`))).toBe(false)
  })
})
