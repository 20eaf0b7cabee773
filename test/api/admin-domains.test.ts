// Mastodon's admin domain blocks and allows, the public block list and peers, NodeInfo's published policy, and the
// admin views of remote instances (Pleroma's instance statuses, Mastodon's remote account filters).
import { beforeAll, describe, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { eq } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import { upsertRemoteActor } from '../../src/core/federation/actors'
import { keywordVerdict } from '../../src/core/federation/content-policy'
import { domainPolicy } from '../../src/core/instance/domain-policy'
import { accounts, follows, statuses } from '../../src/db/schema'
import { contextWith, getTestContext, testApp } from '../support/context'
import { makeUser, uniqueName, type MadeUser } from '../support/factories'
import { call } from '../support/http'
import { expectShape } from '../support/shape'

let ctx: Ctx
let admin: MadeUser
let moderator: MadeUser
let plain: MadeUser
let narrow: MadeUser

beforeAll(async () => {
  ctx = await getTestContext()
  admin = await makeUser(ctx, { scopes: ['read', 'admin:read', 'admin:write'], user: { isAdmin: true } })
  moderator = await makeUser(ctx, { scopes: ['admin:read', 'admin:write'], user: { isModerator: true } })
  plain = await makeUser(ctx, { scopes: ['read', 'admin:read', 'admin:write'] })
  narrow = await makeUser(ctx, { scopes: ['admin:read:accounts', 'admin:write:accounts'], user: { isAdmin: true } })
})

const as = (who: MadeUser | null, method: string, path: string, json?: unknown, app?: Awaited<ReturnType<typeof testApp>>) =>
  call(method, path, { token: who?.token, app, ...(json !== undefined ? { json } : {}) })

const domainName = (label = 'd') => `${uniqueName(label).toLowerCase().replace(/_/g, '-')}.example`

async function remoteAccount(domain: string) {
  const username = uniqueName('r')
  return upsertRemoteActor(ctx, {
    uri: `https://${domain}/users/${username}`, username, domain, displayName: '', note: '', url: null,
    inboxUrl: `https://${domain}/users/${username}/inbox`, sharedInboxUrl: null, followersUrl: null, followingUrl: null,
    outboxUrl: null, locked: false, bot: false, actorType: 'Person', avatarUrl: `https://${domain}/a.png`, headerUrl: null,
  })
}

describe('/api/v1/admin/domain_blocks', () => {
  test('create, read, change and delete a block, in Mastodon\'s Admin::DomainBlock shape', async () => {
    const domain = domainName()
    const created = await as(admin, 'POST', '/api/v1/admin/domain_blocks', {
      domain: `https://${domain.toUpperCase()}/`, severity: 'silence', reject_media: true, public_comment: 'spam', private_comment: 'see ticket 4',
    })
    expect(created.status).toBe(200)
    expectShape(created.json, 'AdminDomainBlock')
    expect(created.json).toMatchObject({
      domain, severity: 'silence', reject_media: true, reject_reports: false, obfuscate: false, public_comment: 'spam', private_comment: 'see ticket 4',
    })
    const id = created.json.id

    const one = await as(admin, 'GET', `/api/v1/admin/domain_blocks/${id}`)
    expect(one.json).toEqual(created.json)
    const list = await as(admin, 'GET', '/api/v1/admin/domain_blocks')
    expect(list.json.map((b: any) => b.domain)).toContain(domain)
    for (const b of list.json) expectShape(b, 'AdminDomainBlock')

    const changed = await as(admin, 'PUT', `/api/v1/admin/domain_blocks/${id}`, { severity: 'noop', reject_reports: 'true', obfuscate: true })
    expect(changed.status).toBe(200)
    expect(changed.json).toMatchObject({ id, domain, severity: 'noop', reject_media: true, reject_reports: true, obfuscate: true, public_comment: 'spam' })

    expect((await as(admin, 'DELETE', `/api/v1/admin/domain_blocks/${id}`)).status).toBe(200)
    expect((await as(admin, 'GET', `/api/v1/admin/domain_blocks/${id}`)).status).toBe(404)
    expect((await as(admin, 'DELETE', `/api/v1/admin/domain_blocks/${id}`)).status).toBe(404)
  })

  test('bad input is 422: bad severity, missing or invalid domain, this instance\'s own domain, a duplicate', async () => {
    const domain = domainName()
    for (const body of [{ domain, severity: 'obliterate' }, {}, { domain: 'not a domain!' }, { domain: ctx.config.domain }]) {
      const res = await as(admin, 'POST', '/api/v1/admin/domain_blocks', body)
      expect(res.status).toBe(422)
      expect(typeof res.json.error).toBe('string')
    }
    expect((await as(admin, 'POST', '/api/v1/admin/domain_blocks', { domain })).status).toBe(200)
    const again = await as(admin, 'POST', '/api/v1/admin/domain_blocks', { domain, severity: 'suspend' })
    expect(again.status).toBe(422)
    expect(again.json.error).toContain('already blocked')
    const [block] = (await as(admin, 'GET', '/api/v1/admin/domain_blocks')).json.filter((b: any) => b.domain === domain)
    expect((await as(admin, 'PUT', `/api/v1/admin/domain_blocks/${block.id}`, { severity: 'bogus' })).status).toBe(422)
    expect((await as(admin, 'GET', '/api/v1/admin/domain_blocks/nope')).status).toBe(404)
  })

  test('admins only, with a domain-block scope', async () => {
    expect((await as(null, 'GET', '/api/v1/admin/domain_blocks')).status).toBe(401)
    for (const who of [plain, moderator, narrow]) {
      expect((await as(who, 'GET', '/api/v1/admin/domain_blocks')).status).toBe(403)
      expect((await as(who, 'POST', '/api/v1/admin/domain_blocks', { domain: domainName() })).status).toBe(403)
    }
    const scoped = await makeUser(ctx, { scopes: ['admin:read:domain_blocks'], user: { isAdmin: true } })
    expect((await as(scoped, 'GET', '/api/v1/admin/domain_blocks')).status).toBe(200)
    expect((await as(scoped, 'POST', '/api/v1/admin/domain_blocks', { domain: domainName() })).status).toBe(403)
    expect((await as(scoped, 'GET', '/api/v1/admin/domain_allows')).status).toBe(403)
  })

  test('suspending severs follows with the domain\'s accounts and hides them; lifting it brings them back', async () => {
    const domain = domainName()
    const remote = await remoteAccount(`social.${domain}`)
    const local = await makeUser(ctx)
    await ctx.db.insert(follows).values([{ accountId: local.account.id, targetAccountId: remote.id }, { accountId: remote.id, targetAccountId: local.account.id }])
    const created = await as(admin, 'POST', '/api/v1/admin/domain_blocks', { domain, severity: 'suspend' })
    expect(created.status).toBe(200)
    const row = async () => (await ctx.db.select().from(accounts).where(eq(accounts.id, remote.id)))[0]
    expect((await row()).suspendedAt).not.toBeNull()
    const left = await ctx.db.select().from(follows).where(eq(follows.targetAccountId, remote.id))
    expect(left).toEqual([])
    expect((await ctx.db.select().from(follows).where(eq(follows.accountId, remote.id)))).toEqual([])
    expect((await as(local, 'GET', `/api/v1/accounts/${remote.id}`)).status).toBe(404)
    expect((await domainPolicy(ctx, `social.${domain}:8443`)).reject).toBe(true)
    // an account the block covers cannot come back through a refetch
    expect((await as(admin, 'DELETE', `/api/v1/admin/domain_blocks/${created.json.id}`)).status).toBe(200)
    expect((await row()).suspendedAt).toBeNull()
    expect((await domainPolicy(ctx, `social.${domain}`)).reject).toBe(false)
  })

  test('a more specific block decides for its subdomain; silence applies to new accounts too', async () => {
    const domain = domainName()
    await as(admin, 'POST', '/api/v1/admin/domain_blocks', { domain, severity: 'suspend' })
    await as(admin, 'POST', '/api/v1/admin/domain_blocks', { domain: `ok.${domain}`, severity: 'silence', reject_media: true })
    expect((await domainPolicy(ctx, `x.${domain}`)).reject).toBe(true)
    const sub = await domainPolicy(ctx, `ok.${domain}`)
    expect(sub).toMatchObject({ reject: false, silence: true, rejectMedia: true })
    const newcomer = await remoteAccount(`ok.${domain}`)
    expect(newcomer.silencedAt).not.toBeNull()
    expect(newcomer.avatarUrl).toBeNull()
  })
})

describe('/api/v1/admin/domain_allows', () => {
  test('allow, list, read and remove; allowing twice answers the same entry', async () => {
    const domain = domainName('allow')
    const created = await as(admin, 'POST', '/api/v1/admin/domain_allows', { domain })
    expect(created.status).toBe(200)
    expectShape(created.json, 'AdminDomainAllow')
    expect(created.json.domain).toBe(domain)
    expect((await as(admin, 'POST', '/api/v1/admin/domain_allows', { domain })).json.id).toBe(created.json.id)
    expect((await as(admin, 'GET', '/api/v1/admin/domain_allows')).json.map((a: any) => a.domain)).toContain(domain)
    expect((await as(admin, 'GET', `/api/v1/admin/domain_allows/${created.json.id}`)).json).toEqual(created.json)
    expect((await as(admin, 'DELETE', `/api/v1/admin/domain_allows/${created.json.id}`)).status).toBe(200)
    expect((await as(admin, 'GET', `/api/v1/admin/domain_allows/${created.json.id}`)).status).toBe(404)
  })

  test('unhappy paths: no token, not an admin, bad domain', async () => {
    expect((await as(null, 'POST', '/api/v1/admin/domain_allows', { domain: domainName() })).status).toBe(401)
    expect((await as(moderator, 'POST', '/api/v1/admin/domain_allows', { domain: domainName() })).status).toBe(403)
    expect((await as(admin, 'POST', '/api/v1/admin/domain_allows', { domain: '' })).status).toBe(422)
  })

  test('in limited federation, only allowed domains (and their subdomains) federate', async () => {
    const limited = await contextWith({ federation: { ...ctx.config.federation, limited: true } })
    const domain = domainName('friend')
    expect((await domainPolicy(limited, `a.${domain}`)).reject).toBe(true)
    await as(admin, 'POST', '/api/v1/admin/domain_allows', { domain })
    expect((await domainPolicy(limited, `a.${domain}`)).reject).toBe(false)
    expect((await domainPolicy(ctx, domainName())).reject).toBe(false)
  })
})

describe('public block list, peers and NodeInfo', () => {
  test('signed-in users see silences and suspensions (obfuscated where asked), not noop blocks', async () => {
    const [shown, hidden, noop] = [domainName('shown'), domainName('hidden'), domainName('noop')]
    await as(admin, 'POST', '/api/v1/admin/domain_blocks', { domain: shown, severity: 'suspend', public_comment: 'abuse', private_comment: 'internal' })
    await as(admin, 'POST', '/api/v1/admin/domain_blocks', { domain: hidden, severity: 'silence', obfuscate: true })
    await as(admin, 'POST', '/api/v1/admin/domain_blocks', { domain: noop, severity: 'noop', reject_media: true })
    expect((await as(null, 'GET', '/api/v1/instance/domain_blocks')).status).toBe(401)
    const res = await as(plain, 'GET', '/api/v1/instance/domain_blocks')
    expect(res.status).toBe(200)
    for (const b of res.json) expectShape(b, 'DomainBlock')
    expect(res.json).toContainEqual({ domain: shown, digest: expect.stringMatching(/^[0-9a-f]{64}$/), severity: 'suspend', comment: 'abuse' })
    const obfuscated = res.json.find((b: any) => b.digest === createHash('sha256').update(hidden).digest('hex'))
    expect(obfuscated.severity).toBe('silence')
    expect(obfuscated.domain).toContain('*')
    expect(obfuscated.domain.length).toBe(hidden.length)
    expect(res.json.map((b: any) => b.domain)).not.toContain(hidden)
    expect(res.json.map((b: any) => b.domain)).not.toContain(noop)
    expect(JSON.stringify(res.json)).not.toContain('internal')

    const open = await testApp(await contextWith({ federation: { ...ctx.config.federation, showDomainBlocks: 'all' } }))
    expect((await as(null, 'GET', '/api/v1/instance/domain_blocks', undefined, open)).status).toBe(200)
    const closed = await testApp(await contextWith({ federation: { ...ctx.config.federation, showDomainBlocks: 'none' } }))
    expect((await as(plain, 'GET', '/api/v1/instance/domain_blocks', undefined, closed)).status).toBe(404)
  })

  test('peers list known domains, never blocked ones, whatever the severity (as Mastodon)', async () => {
    const [known, suspended, silenced, noop] = [domainName('peer'), domainName('gone'), domainName('quiet'), domainName('noop')]
    for (const domain of [known, suspended, silenced, noop]) await remoteAccount(domain)
    await as(admin, 'POST', '/api/v1/admin/domain_blocks', { domain: suspended, severity: 'suspend' })
    await as(admin, 'POST', '/api/v1/admin/domain_blocks', { domain: silenced, severity: 'silence' })
    await as(admin, 'POST', '/api/v1/admin/domain_blocks', { domain: noop, severity: 'noop', reject_media: true })
    const peers = (await as(null, 'GET', '/api/v1/instance/peers')).json
    expect(peers).toContain(known)
    for (const blocked of [suspended, silenced, noop]) expect(peers).not.toContain(blocked)
  })

  test('NodeInfo publishes the policy in force when blocks are shown to everyone, as Pleroma does', async () => {
    const blocked = domainName('nodeinfo')
    const secret = domainName('secret')
    await as(admin, 'POST', '/api/v1/admin/domain_blocks', { domain: blocked, severity: 'suspend', reject_media: true, public_comment: 'spam' })
    await as(admin, 'POST', '/api/v1/admin/domain_blocks', { domain: secret, severity: 'suspend', obfuscate: true })
    const federation = {
      ...ctx.config.federation,
      showDomainBlocks: 'all' as const,
      mrf: {
        simple: { ...ctx.config.federation.mrf.simple, media_nsfw: [{ domain: 'nsfw.example', reason: '' }] },
        keyword: { reject: ['casino'], federated_timeline_removal: [], replace: [] },
      },
    }
    const open = await testApp(await contextWith({ federation }))
    const info = (await call('GET', '/nodeinfo/2.1', { app: open })).json.metadata.federation
    expect(info.enabled).toBe(true)
    expect(info.mrf_policies).toEqual(['SimplePolicy', 'KeywordPolicy'])
    expect(info.mrf_simple.reject).toContain(blocked)
    expect(info.mrf_simple.reject).not.toContain(secret)
    expect(info.mrf_simple.media_removal).toContain(blocked)
    expect(info.mrf_simple.media_nsfw).toEqual(['nsfw.example'])
    expect(info.mrf_simple_info.reject[blocked]).toEqual({ reason: 'spam' })
    expect(info.mrf_keyword.reject).toEqual(['casino'])
    // by default (blocks shown to signed-in users only) nothing is published
    expect((await call('GET', '/nodeinfo/2.1')).json.metadata.federation).toEqual({ enabled: true })
  })
})

describe('keyword policy', () => {
  test('words match case-insensitively, /patterns/ as regular expressions, the content warning included', () => {
    const keyword = { reject: ['Spam', '/b[a4]d\\s+word/i', '/(unclosed/'], federated_timeline_removal: ['politics'] }
    expect(keywordVerdict(keyword, { content: '<p>buy SPAM here</p>', spoilerText: '' })).toBe('reject')
    expect(keywordVerdict(keyword, { content: '<p>a B4D   word</p>', spoilerText: '' })).toBe('reject')
    // a pattern that is no valid regular expression is matched as written
    expect(keywordVerdict(keyword, { content: '<p>has /(unclosed/ in it</p>', spoilerText: '' })).toBe('reject')
    expect(keywordVerdict(keyword, { content: '<p>hi</p>', spoilerText: 'Politics' })).toBe('unlist')
    expect(keywordVerdict(keyword, { content: '<p>nothing</p>', spoilerText: '' })).toBeNull()
  })
})

describe('remote instances for admins', () => {
  test('Pleroma\'s instances/:instance/statuses lists one domain\'s statuses; staff only', async () => {
    const domain = domainName('inst')
    const remote = await remoteAccount(domain)
    const other = await remoteAccount(domainName('other'))
    const [mine] = await ctx.db.insert(statuses).values({ accountId: remote.id, local: false, uri: `https://${domain}/s/1`, text: 'x', content: '<p>remote</p>', visibility: 'public' }).returning()
    await ctx.db.insert(statuses).values({ accountId: other.id, local: false, uri: `https://${other.domain}/s/1`, text: 'y', content: '<p>other</p>', visibility: 'public' })
    const res = await as(admin, 'GET', `/api/v1/pleroma/admin/instances/${domain}/statuses?page_size=10`)
    expect(res.status).toBe(200)
    expect(res.json.total).toBe(1)
    expect(res.json.activities.map((s: any) => s.id)).toEqual([mine.id])
    expect(res.json.activities[0].account.acct).toBe(`${remote.username}@${domain}`)
    expect((await as(plain, 'GET', `/api/v1/pleroma/admin/instances/${domain}/statuses`)).status).toBe(403)
    expect((await as(admin, 'GET', '/api/v1/pleroma/admin/instances/nothing.example/statuses')).json).toEqual({ total: 0, activities: [] })
  })

  test('Mastodon\'s admin accounts filter remote accounts by domain', async () => {
    const domain = domainName('acc')
    const remote = await remoteAccount(domain)
    const res = await as(admin, 'GET', `/api/v1/admin/accounts?remote=true&by_domain=${domain}`)
    expect(res.status).toBe(200)
    expect(res.json.map((a: any) => a.id)).toEqual([remote.id])
    expect(res.json[0]).toMatchObject({ domain, username: remote.username })
    const v2 = await as(admin, 'GET', `/api/v2/admin/accounts?origin=remote&by_domain=${domain}`)
    expect(v2.json.map((a: any) => a.id)).toEqual([remote.id])
    expect((await as(admin, 'GET', `/api/v1/admin/accounts?local=true&by_domain=${domain}`)).json).toEqual([])
  })
})
