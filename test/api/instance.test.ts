import { describe, expect, test } from 'bun:test'
import { eq, sql } from 'drizzle-orm'
import { createLocalUser } from '../../src/core/accounts/create-user'
import type { Ctx } from '../../src/core/context'
import { weekStart } from '../../src/core/instance/activity'
import { publishedInstanceStats } from '../../src/core/instance/stats'
import { FEATURES, SHOUTBOX_FEATURES } from '../../src/core/instance/features'
import { issueToken } from '../../src/core/oauth/tokens'
import { openPglite } from '../../src/db/client'
import { migrate } from '../../src/db/migrate'
import { accounts, oauthTokens, statuses, users } from '../../src/db/schema'
import { MASTODON_API_VERSION, PLEROMA_API_VERSION, ROOKERY_VERSION } from '../../src/version'
import { contextWith, getTestContext, testApp } from '../support/context'
import { makeUser, uniqueName } from '../support/factories'
import { call } from '../support/http'
import { expectShape } from '../support/shape'

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

async function appWith(overrides: Parameters<typeof contextWith>[0]) {
  return testApp(await contextWith(overrides))
}

/** A realistic configuration: contact e-mail, descriptions and rules set, as an admin would. */
async function configuredApp() {
  const base = await getTestContext()
  return appWith({
    instance: {
      ...base.config.instance,
      name: 'Rookery Test',
      shortDescription: 'A small test server',
      description: '<p>Welcome to <strong>Rookery Test</strong>.</p>',
      contactEmail: 'admin@rookery.test',
      languages: ['en', 'de'],
      rules: ['Be kind', 'No spam\nThat includes unsolicited advertising.'],
    },
  })
}

async function getJson(path: string, app?: Awaited<ReturnType<typeof testApp>>) {
  const res = await call('GET', path, { app })
  expect(res.status).toBe(200)
  return res.json
}

describe('GET /api/v1/instance', () => {
  test('matches Mastodon\'s V1Instance, with an admin as contact account', async () => {
    await makeUser(undefined, { isAdmin: true })
    const json = await getJson('/api/v1/instance', await configuredApp())
    expectShape(json, 'V1Instance')
    expect(json.contact_account).not.toBeNull()
    expectShape(json.contact_account, 'Account')
    expect(json).toMatchObject({
      uri: 'rookery.test',
      title: 'Rookery Test',
      short_description: 'A small test server',
      description: '<p>Welcome to <strong>Rookery Test</strong>.</p>',
      email: 'admin@rookery.test',
      languages: ['en', 'de'],
      urls: { streaming_api: 'wss://rookery.test' },
      thumbnail: 'https://rookery.test/instance/thumbnail.png',
    })
  })

  test('the contact account is the longest-standing active admin', async () => {
    const ctx = await getTestContext()
    await makeUser(ctx, { isAdmin: true })
    const [first] = await ctx.db.select({ accountId: users.accountId }).from(users)
      .innerJoin(accounts, eq(accounts.id, users.accountId))
      .where(sql`${users.isAdmin} and ${users.isActive} and ${users.isApproved} and ${accounts.suspendedAt} is null`)
      .orderBy(users.createdAt, users.id).limit(1)
    const json = await getJson('/api/v1/instance')
    expect(json.contact_account.id).toBe(first.accountId)
    expect(json.contact_account.acct).toBe(json.contact_account.username)
  })

  test('version names the Mastodon API level, Pleroma compatibility and Rookery', async () => {
    const { version } = await getJson('/api/v1/instance')
    expect(version).toBe(`${MASTODON_API_VERSION} (compatible; Pleroma ${PLEROMA_API_VERSION}; Rookery ${ROOKERY_VERSION})`)
    expect(version).toContain('(compatible; Pleroma ')
    expect(version).toContain(`Rookery ${ROOKERY_VERSION}`)
    // Soapbox / pl-fe: software and Pleroma version from the "compatible" part.
    const soapbox = /^([\w+.-]*)(?: \(compatible; ([\w]*) (.*)\))?$/.exec(version)!
    expect(soapbox[1]).toBe(MASTODON_API_VERSION)
    expect(soapbox[2]).toBe('Pleroma')
    expect(soapbox[3].match(/^\d+\.\d+\.\d+/)?.[0]).toBe(PLEROMA_API_VERSION)
    // Fedilab's isAkkoma() and Phanpy's /pleroma/i.
    expect(version.includes('compatible; Pleroma')).toBe(true)
    expect(/pleroma/i.test(version)).toBe(true)
    // Clients comparing the Mastodon version read a plain semver first.
    expect(version.split(' ')[0]).toMatch(/^\d+\.\d+\.\d+$/)
    const v2 = await getJson('/api/v2/instance')
    expect(v2.version).toBe(version)
  })

  test('carries Pleroma\'s extras: limits, poll_limits and pleroma.metadata', async () => {
    const json = await getJson('/api/v1/instance')
    const limits = (await getTestContext()).config.limits
    expect(json).toMatchObject({
      max_toot_chars: limits.maxTootChars,
      max_media_attachments: limits.maxMediaAttachments,
      poll_limits: {
        max_options: limits.pollMaxOptions,
        max_option_chars: limits.pollMaxOptionChars,
        min_expiration: limits.pollMinExpiration,
        max_expiration: limits.pollMaxExpiration,
      },
      upload_limit: limits.uploadLimit,
      avatar_upload_limit: limits.avatarUploadLimit,
      banner_upload_limit: limits.bannerUploadLimit,
      background_upload_limit: limits.backgroundUploadLimit,
      description_limit: expect.any(Number),
      chat_limit: expect.any(Number),
      background_image: expect.stringMatching(/^https:\/\/rookery\.test\//),
    })
    const meta = json.pleroma.metadata
    expect(meta.features).toEqual([...FEATURES, ...SHOUTBOX_FEATURES])
    expect(meta.federation).toEqual({ enabled: true, exclusions: false })
    expect(meta.post_formats).toEqual(['text/plain', 'text/html', 'text/markdown'])
    expect(meta.fields_limits).toEqual({
      max_fields: limits.maxProfileFields,
      max_remote_fields: expect.any(Number),
      name_length: limits.maxFieldNameChars,
      value_length: limits.maxFieldValueChars,
    })
    expect(meta).toMatchObject({ account_activation_required: false, privileged_staff: false, birthday_required: false, birthday_min_age: 0 })
    expect(json.pleroma.stats.mau).toBeNumber()
    expect(json.pleroma.vapid_public_key).toMatch(/^[A-Za-z0-9_-]{87}$/)
  })

  test('limits follow the configuration', async () => {
    const base = await getTestContext()
    const app = await appWith({
      limits: { ...base.config.limits, maxTootChars: 777, maxMediaAttachments: 3, pollMaxOptions: 5, pollMaxOptionChars: 42, uploadLimit: 12_345_678, maxProfileFields: 6 },
      accountActivationRequired: true,
    })
    const v1 = await getJson('/api/v1/instance', app)
    expect(v1.max_toot_chars).toBe(777)
    expect(v1.configuration.statuses).toMatchObject({ max_characters: 777, max_media_attachments: 3 })
    expect(v1.configuration.polls).toMatchObject({ max_options: 5, max_characters_per_option: 42 })
    expect(v1.configuration.media_attachments).toMatchObject({ image_size_limit: 12_345_678, video_size_limit: 12_345_678 })
    expect(v1.poll_limits).toMatchObject({ max_options: 5, max_option_chars: 42 })
    expect(v1.upload_limit).toBe(12_345_678)
    expect(v1.pleroma.metadata.fields_limits.max_fields).toBe(6)
    expect(v1.pleroma.metadata.account_activation_required).toBe(true)
    const v2 = await getJson('/api/v2/instance', app)
    expect(v2.configuration.statuses.max_characters).toBe(777)
    expect(v2.configuration.accounts.max_profile_fields).toBe(6)
    expect(v2.configuration.polls.max_options).toBe(5)
    const nodeinfo = await getJson('/nodeinfo/2.1.json', app)
    expect(nodeinfo.metadata.pollLimits.max_options).toBe(5)
    expect(nodeinfo.metadata.uploadLimits.general).toBe(12_345_678)
    expect(nodeinfo.metadata.accountActivationRequired).toBe(true)
  })

  test('registration flags follow the registration mode', async () => {
    const expected = {
      open: { registrations: true, approval_required: false, invites_enabled: false },
      approval: { registrations: true, approval_required: true, invites_enabled: false },
      invite: { registrations: false, approval_required: false, invites_enabled: true },
      closed: { registrations: false, approval_required: false, invites_enabled: false },
    } as const
    for (const [mode, flags] of Object.entries(expected)) {
      const app = await appWith({ registrations: mode as keyof typeof expected })
      const v1 = await getJson('/api/v1/instance', app)
      expect({ mode, registrations: v1.registrations, approval_required: v1.approval_required, invites_enabled: v1.invites_enabled })
        .toEqual({ mode, ...flags })
      const v2 = await getJson('/api/v2/instance', app)
      expect(v2.registrations).toMatchObject({ enabled: flags.registrations, approval_required: flags.approval_required, reason_required: mode === 'approval' })
      expect(v2.pleroma.metadata.invites_enabled).toBe(flags.invites_enabled)
      const nodeinfo = await getJson('/nodeinfo/2.0.json', app)
      expect(nodeinfo.openRegistrations).toBe(flags.registrations)
      expect(nodeinfo.metadata.invitesEnabled).toBe(flags.invites_enabled)
    }
  })

  test('stats count usable local users, local statuses and remote domains', async () => {
    const ctx = await getTestContext()
    const before = (await getJson('/api/v1/instance')).stats
    const { user, account } = await createLocalUser(ctx, { nickname: uniqueName('stats'), email: `${uniqueName('stats')}@example.test`, password: 'correct horse battery staple' })
    let stats = (await getJson('/api/v1/instance')).stats
    expect(stats.user_count).toBe(before.user_count + 1)

    await ctx.db.update(accounts).set({ statusesCount: 7 }).where(eq(accounts.id, account.id))
    stats = (await getJson('/api/v1/instance')).stats
    expect(stats.status_count).toBe(before.status_count + 7)

    const domain = `${uniqueName('peer').replace(/_/g, '-')}.example`
    await ctx.db.insert(accounts).values([
      { username: 'alice', domain, uri: `https://${domain}/users/alice` },
      { username: 'bob', domain: domain.toUpperCase(), uri: `https://${domain}/users/bob` },
    ])
    stats = (await getJson('/api/v1/instance')).stats
    expect(stats.domain_count).toBe(before.domain_count + 1)
    // Remote statuses are not ours.
    expect(stats.status_count).toBe(before.status_count + 7)

    await ctx.db.update(users).set({ isActive: false }).where(eq(users.id, user.id))
    stats = (await getJson('/api/v1/instance')).stats
    expect(stats.user_count).toBe(before.user_count)
    const nodeinfo = await getJson('/nodeinfo/2.0.json')
    expect(nodeinfo.usage.users.total).toBe(stats.user_count)
    expect(nodeinfo.usage.localPosts).toBe(stats.status_count)
  })

  test('monthly active users count sign-ins, token use and posting', async () => {
    const ctx = await getTestContext()
    const mau = async () => {
      const v1 = await getJson('/api/v1/instance')
      const v2 = await getJson('/api/v2/instance')
      const nodeinfo = await getJson('/nodeinfo/2.1.json')
      expect(v2.usage.users.active_month).toBe(v1.pleroma.stats.mau)
      expect(nodeinfo.usage.users.activeMonth).toBe(v1.pleroma.stats.mau)
      return { month: v1.pleroma.stats.mau as number, halfyear: nodeinfo.usage.users.activeHalfyear as number }
    }
    const before = await mau()
    const { user } = await createLocalUser(ctx, { nickname: uniqueName('mau'), email: `${uniqueName('mau')}@example.test`, password: 'correct horse battery staple' })
    expect(await mau()).toEqual(before)

    const { row } = await issueToken(ctx, { appId: null, userId: user.id, scopes: ['read'] })
    expect(await mau()).toEqual({ month: before.month + 1, halfyear: before.halfyear + 1 })

    const longAgo = new Date(Date.now() - 90 * 86_400_000)
    await ctx.db.update(oauthTokens).set({ createdAt: longAgo, lastUsedAt: null }).where(eq(oauthTokens.id, row.id))
    expect(await mau()).toEqual({ month: before.month, halfyear: before.halfyear + 1 })

    await ctx.db.update(users).set({ lastSignInAt: new Date() }).where(eq(users.id, user.id))
    expect(await mau()).toEqual({ month: before.month + 1, halfyear: before.halfyear + 1 })
  })
})

describe('published counts', () => {
  const COUNT = /count\(\*\) filter \(where activity\.at/
  test('are reused for instanceStatsSeconds, counted once for requests that come together, then counted again', async () => {
    const ctx = await getTestContext()
    const poster = await makeUser(ctx)
    const app = await appWith({ instanceStatsSeconds: 2 })
    const counts: string[] = []
    const stop = ctx.database.queries.watch((text) => { if (COUNT.test(text)) counts.push(text) })
    try {
      const first = (await getJson('/api/v1/instance', app)).stats
      await ctx.db.update(accounts).set({ statusesCount: sql`${accounts.statusesCount} + 5` }).where(eq(accounts.id, poster.account.id))
      const together = await Promise.all(['/api/v1/instance', '/api/v2/instance', '/nodeinfo/2.1.json', '/api/v1/instance'].map((path) => getJson(path, app)))
      expect(together[0].stats).toEqual(first)
      expect(together[2].usage.localPosts).toBe(first.status_count)
      expect(counts).toHaveLength(1)
      await Bun.sleep(2_100)
      const [again, alsoAgain] = await Promise.all([getJson('/api/v1/instance', app), getJson('/api/v1/instance', app)])
      expect(again.stats.status_count).toBe(first.status_count + 5)
      expect(alsoAgain.stats).toEqual(again.stats)
      expect(counts).toHaveLength(2)
      // with 0, every request counts
      await getJson('/api/v1/instance')
      await getJson('/api/v1/instance')
      expect(counts).toHaveLength(4)
    } finally {
      stop()
    }
  })

  test('a count that failed is not reused', async () => {
    const ctx = await getTestContext()
    let down = true
    const db = { execute: (query: unknown) => (down ? Promise.reject(new Error('database down')) : ctx.db.execute(query as never)) }
    const flaky = { ...ctx, db, database: { ...ctx.database, db }, config: { ...ctx.config, instanceStatsSeconds: 60 } } as unknown as Ctx
    await expect(publishedInstanceStats(flaky)).rejects.toThrow('database down')
    down = false
    expect((await publishedInstanceStats(flaky)).userCount).toBeGreaterThan(0)
  })
})

describe('GET /api/v2/instance', () => {
  test('matches Mastodon\'s Instance', async () => {
    await makeUser(undefined, { isAdmin: true })
    const json = await getJson('/api/v2/instance', await configuredApp())
    expectShape(json, 'Instance')
    expect(json).toMatchObject({
      domain: 'rookery.test',
      title: 'Rookery Test',
      description: 'A small test server',
      api_versions: { mastodon: 2 },
      contact: { email: 'admin@rookery.test' },
      configuration: {
        urls: { streaming: 'wss://rookery.test' },
        translation: { enabled: false },
      },
      rules: [
        { id: '1', text: 'Be kind', hint: '' },
        { id: '2', text: 'No spam', hint: 'That includes unsolicited advertising.' },
      ],
    })
    expectShape(json.contact.account, 'Account')
    expect(json.pleroma.metadata.features).toEqual([...FEATURES, ...SHOUTBOX_FEATURES])
  })

  test('the description falls back to the long one as plain text', async () => {
    const base = await getTestContext()
    const app = await appWith({ instance: { ...base.config.instance, shortDescription: '', description: '<p>Fish &amp; chips</p><p>daily</p>' } })
    expect((await getJson('/api/v2/instance', app)).description).toBe('Fish & chips\n\ndaily')
  })

  test('without a configured contact address, the contact admin\'s address is published, never an empty string', async () => {
    const base = await getTestContext()
    await makeUser(base, { user: { isAdmin: true } })
    const app = await appWith({ instance: { ...base.config.instance, contactEmail: '' } })
    const v2 = await getJson('/api/v2/instance', app)
    expectShape(v2, 'Instance')
    const v1 = await getJson('/api/v1/instance', app)
    expectShape(v1, 'V1Instance')
    const [admin] = await base.db.select({ email: users.email }).from(users).where(eq(users.accountId, v2.contact.account.id))
    expect(admin.email).toContain('@')
    expect(v2.contact.email).toBe(admin.email)
    expect(v1.email).toBe(admin.email)
  })

  test('the thumbnail and every icon it lists are served as PNG', async () => {
    const json = await getJson('/api/v2/instance')
    const urls = [json.thumbnail.url, ...json.icon.map((i: { src: string }) => i.src)]
    expect(json.icon.map((i: { size: string }) => i.size)).toContain('192x192')
    for (const url of urls) {
      const path = new URL(url).pathname
      const res = await (await testApp()).handle(new Request(`http://localhost${path}`))
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('image/png')
      const bytes = new Uint8Array(await res.arrayBuffer())
      expect([...bytes.slice(0, 8)]).toEqual(PNG_SIGNATURE)
    }
  })

  test('an icon size we do not make is 404', async () => {
    for (const path of ['/instance/icons/100.png', '/instance/icons/192.jpg', '/instance/icons/..%2F..%2Fetc.png']) {
      const res = await call('GET', path)
      expect(res.status).toBe(404)
    }
  })
})

describe('instance sub-resources', () => {
  test('rules carry ids and hints', async () => {
    const json = await getJson('/api/v1/instance/rules', await configuredApp())
    expect(json).toEqual([
      { id: '1', text: 'Be kind', hint: '' },
      { id: '2', text: 'No spam', hint: 'That includes unsolicited advertising.' },
    ])
    for (const rule of json) expectShape(rule, 'Rule')
    expect(await getJson('/api/v1/instance/rules')).toEqual([])
  })

  test('peers lists known remote domains once each, in lower case', async () => {
    const ctx = await getTestContext()
    const domain = `${uniqueName('peers').replace(/_/g, '-')}.example`
    await ctx.db.insert(accounts).values([
      { username: 'carol', domain },
      { username: 'dave', domain: domain.toUpperCase() },
    ])
    const peers: string[] = await getJson('/api/v1/instance/peers')
    expect(peers.filter((p) => p === domain)).toEqual([domain])
    expect(peers).not.toContain('rookery.test')
    expect([...peers].sort()).toEqual(peers)
  })

  test('activity has twelve Monday-based weeks, newest first, from real data', async () => {
    const ctx = await getTestContext()
    const before = await getJson('/api/v1/instance/activity')
    expect(before).toHaveLength(12)
    for (const [i, week] of before.entries()) {
      expect(Object.keys(week).sort()).toEqual(['logins', 'registrations', 'statuses', 'week'])
      for (const value of Object.values(week)) expect(value).toMatch(/^\d+$/)
      expect(new Date(Number(week.week) * 1000).getUTCDay()).toBe(1)
      if (i > 0) expect(Number(before[i - 1].week) - Number(week.week)).toBe(7 * 86400)
    }
    expect(Number(before[0].week) * 1000).toBe(weekStart(new Date()).getTime())

    const { user, account } = await createLocalUser(ctx, { nickname: uniqueName('act'), email: `${uniqueName('act')}@example.test`, password: 'correct horse battery staple' })
    await issueToken(ctx, { appId: null, userId: user.id, scopes: ['read'] })
    await issueToken(ctx, { appId: null, userId: user.id, scopes: ['read'] })
    await ctx.db.update(users).set({ lastSignInAt: new Date() }).where(eq(users.id, user.id))
    await ctx.db.insert(statuses).values({ accountId: account.id, text: 'hello', content: '<p>hello</p>', local: true })
    const remote = (await ctx.db.insert(accounts).values({ username: 'erin', domain: `${uniqueName('act').replace(/_/g, '-')}.example` }).returning())[0]
    await ctx.db.insert(statuses).values({ accountId: remote.id, text: 'far away', local: false })

    const after = await getJson('/api/v1/instance/activity')
    expect(after[0].week).toBe(before[0].week)
    expect(Number(after[0].registrations)).toBe(Number(before[0].registrations) + 1)
    // Two tokens and a sign-in in the same week are one login.
    expect(Number(after[0].logins)).toBe(Number(before[0].logins) + 1)
    expect(Number(after[0].statuses)).toBe(Number(before[0].statuses) + 1)
    expect(after.slice(1)).toEqual(before.slice(1))
  })

  test('weekStart is Monday 00:00 UTC', () => {
    expect(weekStart(new Date('2024-05-15T13:00:00Z')).toISOString()).toBe('2024-05-13T00:00:00.000Z')
    expect(weekStart(new Date('2024-05-13T00:00:00Z')).toISOString()).toBe('2024-05-13T00:00:00.000Z')
    expect(weekStart(new Date('2024-05-19T23:59:59Z')).toISOString()).toBe('2024-05-13T00:00:00.000Z')
  })

  test('extended description is the configured HTML', async () => {
    const json = await getJson('/api/v1/instance/extended_description', await configuredApp())
    expectShape(json, 'ExtendedDescription')
    expect(json.content).toBe('<p>Welcome to <strong>Rookery Test</strong>.</p>')
  })

  test('translation languages, domain blocks and custom emoji are empty', async () => {
    expect(await getJson('/api/v1/instance/translation_languages')).toEqual({})
    // signed-in users only, by default
    expect((await call('GET', '/api/v1/instance/domain_blocks')).status).toBe(401)
    // on an instance of its own: other test files in this process may have added emoji to the shared database
    const base = await getTestContext()
    const fresh = await openPglite(null)
    try {
      await migrate(fresh.db)
      const app = await testApp({ db: fresh.db, database: fresh, config: base.config, startedAt: new Date() })
      const emoji = await call('GET', '/api/v1/custom_emojis', { app })
      expect(emoji.status).toBe(200)
      expect(emoji.json).toEqual([])
      expect(await getJson('/api/pleroma/emoji', app)).toEqual({})
      expect(await getJson('/api/v1/pleroma/emoji', app)).toEqual({})
    } finally {
      await fresh.close()
    }
  })

  test('Pleroma frontend configurations are an empty object', async () => {
    expect(await getJson('/api/pleroma/frontend_configurations')).toEqual({})
    expect(await getJson('/api/v1/pleroma/frontend_configurations')).toEqual({})
  })

  test('a bad token is still refused on public routes', async () => {
    const res = await call('GET', '/api/v1/instance', { token: 'not-a-token' })
    expect(res.status).toBe(401)
  })
})

describe('GET /manifest.json', () => {
  test('is a web app manifest named after the instance', async () => {
    const res = await call('GET', '/manifest.json', { app: await configuredApp() })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toStartWith('application/manifest+json')
    expect(res.json).toMatchObject({ name: 'Rookery Test', short_name: 'Rookery Test', start_url: '/', display: 'standalone', lang: 'en' })
    expect(res.json.icons.map((i: { sizes: string }) => i.sizes)).toEqual(['192x192', '512x512'])
  })
})

describe('healthcheck', () => {
  test('is 200 and healthy while the database answers', async () => {
    for (const path of ['/api/pleroma/healthcheck', '/api/v1/pleroma/healthcheck']) {
      const res = await call('GET', path)
      expect(res.status).toBe(200)
      expect(res.headers.get('cache-control')).toBe('no-store')
      expect(res.json).toMatchObject({
        healthy: true,
        database: (await getTestContext()).database.kind,
        job_queue_stats: {},
        version: ROOKERY_VERSION,
      })
      expect(res.json.memory_used).toBeGreaterThan(0)
      expect(res.json.pool_size).toBeGreaterThan(0)
      expect(res.json.active).toBeGreaterThanOrEqual(1) // the check's own query
      expect(res.json.idle).toBeGreaterThanOrEqual(0)
      expect(res.json.latency_ms).toBeGreaterThanOrEqual(0)
    }
  })

  test('is 503 and unhealthy when the database is gone', async () => {
    const base = await getTestContext()
    const database = await openPglite(null)
    await database.close()
    const dead: Ctx = { db: database.db, database, config: base.config, startedAt: new Date() }
    const app = await testApp(dead)
    for (const path of ['/api/pleroma/healthcheck', '/api/v1/pleroma/healthcheck']) {
      const res = await call('GET', path, { app })
      expect(res.status).toBe(503)
      expect(res.json).toMatchObject({ healthy: false, database: 'pglite', problem: 'database unavailable', latency_ms: null })
      expect(res.text).not.toContain('Failed query')
    }
  }, 60_000)
})

describe('CORS', () => {
  test('instance endpoints allow any origin', async () => {
    for (const path of ['/api/v1/instance', '/api/v2/instance', '/api/pleroma/healthcheck', '/manifest.json']) {
      const res = await call('GET', path, { headers: { origin: 'https://elk.zone' } })
      expect(res.headers.get('access-control-allow-origin')).toBe('*')
    }
    const preflight = await call('OPTIONS', '/api/v2/instance', { headers: { origin: 'https://elk.zone', 'access-control-request-method': 'GET' } })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*')
  })
})
