import { beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import { newId } from '../../src/core/ids'
import { accounts, follows, users } from '../../src/db/schema'
import { getTestContext, TEST_DOMAIN } from '../support/context'
import { makeAppToken, makeUser, uniqueName } from '../support/factories'
import { call } from '../support/http'
import { expectShape } from '../support/shape'

let ctx: Ctx
beforeAll(async () => {
  ctx = await getTestContext()
})

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

async function remoteAccount(overrides: Partial<typeof accounts.$inferInsert> = {}) {
  const username = uniqueName('remote')
  const [row] = await ctx.db.insert(accounts).values({
    username,
    domain: 'remote.example',
    displayName: 'Remote Person',
    note: '<p>remote bio</p>',
    fields: [{ name: 'Site', value: '<a href="https://remote.example">remote.example</a>' }],
    uri: `https://remote.example/users/${username}`,
    url: `https://remote.example/@${username}`,
    ...overrides,
  }).returning()
  return row
}

describe('GET /api/v1/accounts/verify_credentials', () => {
  test('returns the CredentialAccount with source, role and owner-only Pleroma fields', async () => {
    const { token, account, user } = await makeUser(ctx, { displayName: 'Vera Cred' })
    const res = await call('GET', '/api/v1/accounts/verify_credentials', { token })
    expect(res.status).toBe(200)
    expectShape(res.json, 'CredentialAccount')
    const me = res.json
    expect(me).toMatchObject({
      id: account.id,
      username: account.username,
      acct: account.username,
      display_name: 'Vera Cred',
      locked: false,
      bot: false,
      group: false,
      discoverable: true,
      followers_count: 0,
      following_count: 0,
      statuses_count: 0,
      last_status_at: null,
      emojis: [],
      fields: [],
      roles: [],
      url: `${ctx.config.baseUrl}/@${account.username}`,
      uri: `${ctx.config.baseUrl}/users/${account.username}`,
      avatar: `${ctx.config.baseUrl}/images/avi.png`,
      header: `${ctx.config.baseUrl}/images/banner.png`,
      fqn: `${account.username}@${TEST_DOMAIN}`,
    })
    expect(me.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T00:00:00\.000Z$/)
    expect(me.source).toMatchObject({
      privacy: 'public', sensitive: false, language: null, note: '', fields: [], follow_requests_count: 0,
      pleroma: { actor_type: 'Person', discoverable: true, no_rich_text: false, show_role: true },
    })
    expect(me.role).toMatchObject({ name: '', permissions: '0', highlighted: false })
    expect(me.pleroma).toMatchObject({
      ap_id: `${ctx.config.baseUrl}/users/${account.username}`,
      is_admin: false,
      is_moderator: false,
      is_confirmed: true,
      settings_store: {},
      email: user.email,
      allow_following_move: true,
      accepts_chat_messages: true,
      hide_favorites: true,
      relationship: {},
      favicon: null,
    })
  })

  test('needs a user token with read:accounts', async () => {
    expect((await call('GET', '/api/v1/accounts/verify_credentials')).status).toBe(401)
    expect((await call('GET', '/api/v1/accounts/verify_credentials', { token: 'garbage' })).status).toBe(401)
    const { token: writeOnly } = await makeUser(ctx, { scopes: ['write'] })
    const wrong = await call('GET', '/api/v1/accounts/verify_credentials', { token: writeOnly })
    expect(wrong.status).toBe(403)
    expect(wrong.json.error).toBe('This action is outside the authorized scopes')
    const { token: narrow } = await makeUser(ctx, { scopes: ['read:accounts'] })
    expect((await call('GET', '/api/v1/accounts/verify_credentials', { token: narrow })).status).toBe(200)
    const { token: appToken } = await makeAppToken(ctx)
    expect((await call('GET', '/api/v1/accounts/verify_credentials', { token: appToken })).status).toBe(422)
  })

  test('a deactivated user is refused', async () => {
    const { token, user } = await makeUser(ctx)
    await ctx.db.update(users).set({ isActive: false }).where(eq(users.id, user.id))
    const res = await call('GET', '/api/v1/accounts/verify_credentials', { token })
    expect(res.status).toBe(403)
  })
})

describe('PATCH /api/v1/accounts/update_credentials', () => {
  test('updates profile and posting defaults from a JSON body', async () => {
    const { token, account } = await makeUser(ctx)
    const { account: friend } = await makeUser(ctx)
    const res = await call('PATCH', '/api/v1/accounts/update_credentials', {
      token,
      json: {
        display_name: 'New Name',
        note: `Birds & <tags>\nsee https://birds.example #birding @${friend.username}`,
        locked: true,
        bot: true,
        discoverable: false,
        indexable: false,
        source: { privacy: 'private', sensitive: true, language: 'de' },
        fields_attributes: [{ name: 'Site', value: 'https://site.example' }, { name: 'Pronouns', value: 'they/them' }, { name: '', value: '' }],
      },
    })
    expect(res.status).toBe(200)
    expectShape(res.json, 'CredentialAccount')
    const me = res.json
    expect(me).toMatchObject({ display_name: 'New Name', locked: true, bot: true, discoverable: false, indexable: false, noindex: true })
    expect(me.note).toStartWith('<p>Birds &amp; &lt;tags&gt;<br />see <a href="https://birds.example"')
    expect(me.note).toContain(`href="${ctx.config.baseUrl}/tags/birding"`)
    expect(me.note).toContain(`<a href="${ctx.config.baseUrl}/@${friend.username}" class="u-url mention">@<span>${friend.username}</span></a>`)
    expect(me.source).toMatchObject({ privacy: 'private', sensitive: true, language: 'de', note: `Birds & <tags>\nsee https://birds.example #birding @${friend.username}` })
    expect(me.source.pleroma.actor_type).toBe('Service')
    expect(me.fields).toHaveLength(2)
    expect(me.fields[0].name).toBe('Site')
    expect(me.fields[0].value).toContain('<a href="https://site.example"')
    expect(me.fields[1]).toEqual({ name: 'Pronouns', value: 'they/them', verified_at: null })
    expect(me.source.fields).toEqual([
      { name: 'Site', value: 'https://site.example', verified_at: null },
      { name: 'Pronouns', value: 'they/them', verified_at: null },
    ])

    const again = await call('GET', '/api/v1/accounts/verify_credentials', { token })
    expect(again.json.display_name).toBe('New Name')
    const [row] = await ctx.db.select().from(accounts).where(eq(accounts.id, account.id))
    expect(row.noteSource).toContain('Birds & <tags>')
  })

  test('accepts form bodies with Rails brackets, index-keyed fields_attributes included', async () => {
    const { token } = await makeUser(ctx)
    const res = await call('PATCH', '/api/v1/accounts/update_credentials', {
      token,
      form: {
        display_name: 'Form Name',
        locked: '1',
        'source[privacy]': 'unlisted',
        'source[sensitive]': 'true',
        'fields_attributes[1][name]': 'Second',
        'fields_attributes[1][value]': 'two',
        'fields_attributes[0][name]': 'First',
        'fields_attributes[0][value]': 'one',
        hide_followers_count: 'true',
      },
    })
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ display_name: 'Form Name', locked: true })
    expect(res.json.source).toMatchObject({ privacy: 'unlisted', sensitive: true })
    expect(res.json.source.fields.map((f: any) => f.name)).toEqual(['First', 'Second'])
    expect(res.json.pleroma.hide_followers_count).toBe(true)
  })

  test('accepts multipart bodies; "" resets an image (uploads are covered in media.test.ts)', async () => {
    const { token, account } = await makeUser(ctx, { account: { avatarUrl: 'https://cdn.example/a.png', headerUrl: 'https://cdn.example/h.png' } })
    const res = await call('PATCH', '/api/v1/accounts/update_credentials', {
      token,
      multipart: {
        display_name: 'Multi Part',
        note: 'multipart bio',
        'fields_attributes[0][name]': 'M',
        'fields_attributes[0][value]': 'p',
        header: '',
        pleroma_background_image: '',
      },
    })
    expect(res.status).toBe(200)
    expect(res.json.display_name).toBe('Multi Part')
    expect(res.json.source.note).toBe('multipart bio')
    expect(res.json.source.fields).toEqual([{ name: 'M', value: 'p', verified_at: null }])
    expect(res.json.avatar).toBe('https://cdn.example/a.png')
    expect(res.json.header).toBe(`${ctx.config.baseUrl}/images/banner.png`)
    expect(res.json.pleroma.background_image).toBeNull()
    const reset = await call('PATCH', '/api/v1/accounts/update_credentials', { token, json: { avatar: '' } })
    expect(reset.json.avatar).toBe(`${ctx.config.baseUrl}/images/avi.png`)
    const [row] = await ctx.db.select().from(accounts).where(eq(accounts.id, account.id))
    expect(row.avatarUrl).toBeNull()
  })

  test('DELETE /api/v1/profile/avatar and /header put the default pictures back', async () => {
    const { token, account } = await makeUser(ctx, { account: { avatarUrl: 'https://cdn.example/a.png', headerUrl: 'https://cdn.example/h.png' } })
    const avatar = await call('DELETE', '/api/v1/profile/avatar', { token })
    expect(avatar.status).toBe(200)
    expectShape(avatar.json, 'CredentialAccount')
    expect(avatar.json.avatar).toBe(`${ctx.config.baseUrl}/images/avi.png`)
    expect(avatar.json.header).toBe('https://cdn.example/h.png')
    const header = await call('DELETE', '/api/v1/profile/header', { token })
    expect(header.json.header).toBe(`${ctx.config.baseUrl}/images/banner.png`)
    const [row] = await ctx.db.select().from(accounts).where(eq(accounts.id, account.id))
    expect([row.avatarUrl, row.headerUrl]).toEqual([null, null])
    expect((await call('DELETE', '/api/v1/profile/avatar', { token })).status).toBe(200)
    expect((await call('DELETE', '/api/v1/profile/avatar')).status).toBe(401)
    const readOnly = await makeUser(ctx, { scopes: ['read'] })
    expect((await call('DELETE', '/api/v1/profile/header', { token: readOnly.token })).status).toBe(403)
  })

  test('merges pleroma_settings_store per frontend, from objects or JSON strings', async () => {
    const { token } = await makeUser(ctx)
    const first = await call('PATCH', '/api/v1/accounts/update_credentials', { token, json: { pleroma_settings_store: { 'pleroma-fe': { theme: 'dark', collapse: true } } } })
    expect(first.status).toBe(200)
    expect(first.json.pleroma.settings_store).toEqual({ 'pleroma-fe': { theme: 'dark', collapse: true } })
    const second = await call('PATCH', '/api/v1/accounts/update_credentials', { token, form: { pleroma_settings_store: JSON.stringify({ 'masto-fe': { x: 1 } }) } })
    expect(second.json.pleroma.settings_store).toEqual({ 'pleroma-fe': { theme: 'dark', collapse: true }, 'masto-fe': { x: 1 } })
    const third = await call('PATCH', '/api/v1/accounts/update_credentials', { token, json: { pleroma_settings_store: { 'pleroma-fe': { theme: 'light' } } } })
    expect(third.json.pleroma.settings_store).toEqual({ 'pleroma-fe': { theme: 'light' }, 'masto-fe': { x: 1 } })
    for (const bad of ['{not json', '[1,2]', '"text"']) {
      const res = await call('PATCH', '/api/v1/accounts/update_credentials', { token, form: { pleroma_settings_store: bad } })
      expect(res.status).toBe(422)
    }
    const huge = await call('PATCH', '/api/v1/accounts/update_credentials', { token, json: { pleroma_settings_store: { big: 'x'.repeat(100_001) } } })
    expect(huge.status).toBe(422)
  })

  test('sets the Pleroma extras', async () => {
    const { token } = await makeUser(ctx)
    const res = await call('PATCH', '/api/v1/accounts/update_credentials', {
      token,
      json: {
        no_rich_text: true,
        show_role: false,
        default_scope: 'unlisted',
        skip_thread_containment: true,
        allow_following_move: false,
        also_known_as: ['https://old.example/users/me'],
        accepts_chat_messages: false,
        actor_type: 'Service',
        language: 'fr',
        hide_favorites: false,
        hide_collections: true,
      },
    })
    expect(res.status).toBe(200)
    expect(res.json.source.privacy).toBe('unlisted')
    expect(res.json.source.pleroma).toMatchObject({ no_rich_text: true, show_role: false, actor_type: 'Service' })
    expect(res.json.bot).toBe(true)
    expect(res.json.hide_collections).toBe(true)
    expect(res.json.pleroma).toMatchObject({
      skip_thread_containment: true,
      allow_following_move: false,
      also_known_as: ['https://old.example/users/me'],
      accepts_chat_messages: false,
      hide_favorites: false,
      hide_followers: true,
      hide_follows: true,
    })
    const back = await call('PATCH', '/api/v1/accounts/update_credentials', { token, json: { actor_type: 'Person', also_known_as: [] } })
    expect(back.json.bot).toBe(false)
    expect(back.json.pleroma.also_known_as).toEqual([])
  })

  test('over-long and invalid values are 422 and change nothing', async () => {
    const { token, account } = await makeUser(ctx)
    const { limits } = ctx.config
    const tooMany = Array.from({ length: limits.maxProfileFields + 1 }, (_, i) => ({ name: `f${i}`, value: 'v' }))
    const cases: Array<Record<string, unknown>> = [
      { display_name: 'n'.repeat(limits.maxNameChars + 1) },
      { note: 'b'.repeat(limits.maxBioChars + 1) },
      { fields_attributes: tooMany },
      { fields_attributes: [{ name: 'n'.repeat(limits.maxFieldNameChars + 1), value: 'v' }] },
      { fields_attributes: [{ name: 'n', value: 'v'.repeat(limits.maxFieldValueChars + 1) }] },
      { fields_attributes: 'nonsense' },
      { source: { privacy: 'everyone' } },
      { source: { language: 'klingon' } },
      { default_scope: 'sideways' },
      { locked: 'perhaps' },
      { actor_type: 'Group' },
      { also_known_as: ['not a uri'] },
      { language: '<bad>' },
      { display_name: 'fine', note: 'x'.repeat(limits.maxBioChars + 1) },
    ]
    for (const json of cases) {
      const res = await call('PATCH', '/api/v1/accounts/update_credentials', { token, json })
      expect(res.status).toBe(422)
      expect(res.json.error).toStartWith('Validation failed')
    }
    const [row] = await ctx.db.select().from(accounts).where(eq(accounts.id, account.id))
    expect(row.displayName).toBe(account.displayName)
    expect(row.fields).toEqual([])
  })

  test('needs write:accounts', async () => {
    expect((await call('PATCH', '/api/v1/accounts/update_credentials', { json: { display_name: 'x' } })).status).toBe(401)
    const { token } = await makeUser(ctx, { scopes: ['read'] })
    const res = await call('PATCH', '/api/v1/accounts/update_credentials', { token, json: { display_name: 'x' } })
    expect(res.status).toBe(403)
  })
})

describe('what others see', () => {
  test('hidden counts read 0 for others but not for the owner', async () => {
    const owner = await makeUser(ctx, { account: { followersCount: 5, followingCount: 7, statusesCount: 3 } })
    const other = await makeUser(ctx)
    await call('PATCH', '/api/v1/accounts/update_credentials', { token: owner.token, json: { hide_followers_count: true, hide_follows_count: true, hide_followers: true } })
    for (const token of [other.token, undefined]) {
      const res = await call('GET', `/api/v1/accounts/${owner.account.id}`, { token })
      expect(res.status).toBe(200)
      expect(res.json).toMatchObject({ followers_count: 0, following_count: 0, statuses_count: 3 })
      expect(res.json.pleroma).toMatchObject({ hide_followers_count: true, hide_follows_count: true, hide_followers: true, hide_follows: false })
    }
    const own = await call('GET', `/api/v1/accounts/${owner.account.id}`, { token: owner.token })
    expect(own.json).toMatchObject({ followers_count: 5, following_count: 7 })
    const creds = await call('GET', '/api/v1/accounts/verify_credentials', { token: owner.token })
    expect(creds.json).toMatchObject({ followers_count: 5, following_count: 7 })
  })

  test('owner-only data never reaches others', async () => {
    const owner = await makeUser(ctx)
    await call('PATCH', '/api/v1/accounts/update_credentials', { token: owner.token, json: { pleroma_settings_store: { fe: { secret: 1 } } } })
    const other = await makeUser(ctx)
    const res = await call('GET', `/api/v1/accounts/${owner.account.id}`, { token: other.token })
    expectShape(res.json, 'Account')
    expect(res.json.source).toBeUndefined()
    expect(res.json.role).toBeUndefined()
    expect(res.json.pleroma.settings_store).toBeUndefined()
    expect(res.json.pleroma.email).toBeUndefined()
    expect(res.json.pleroma.allow_following_move).toBeUndefined()
    expect(res.json.text).toBeUndefined()
  })

  test('staff roles show only while show_role is on, but always to the owner', async () => {
    const admin = await makeUser(ctx, { isAdmin: true })
    const other = await makeUser(ctx)
    const shown = await call('GET', `/api/v1/accounts/${admin.account.id}`, { token: other.token })
    expect(shown.json.pleroma).toMatchObject({ is_admin: true, is_moderator: false })
    expect(shown.json.roles).toEqual([{ id: '3', name: 'Admin', color: '' }])
    await call('PATCH', '/api/v1/accounts/update_credentials', { token: admin.token, json: { show_role: false } })
    const hidden = await call('GET', `/api/v1/accounts/${admin.account.id}`, { token: other.token })
    expect(hidden.json.pleroma.is_admin).toBeUndefined()
    expect(hidden.json.roles).toEqual([])
    const own = await call('GET', '/api/v1/accounts/verify_credentials', { token: admin.token })
    expect(own.json.pleroma.is_admin).toBe(true)
    expect(own.json.role).toMatchObject({ name: 'Admin', highlighted: false })
  })

  test('remote accounts render with acct user@domain and their stored HTML', async () => {
    const remote = await remoteAccount()
    const res = await call('GET', `/api/v1/accounts/${remote.id}`)
    expect(res.status).toBe(200)
    expectShape(res.json, 'Account')
    expect(res.json).toMatchObject({
      acct: `${remote.username}@remote.example`,
      url: remote.url,
      uri: remote.uri,
      note: '<p>remote bio</p>',
      roles: null,
      fqn: `${remote.username}@remote.example`,
    })
    expect(res.json.fields[0].value).toBe('<a href="https://remote.example">remote.example</a>')
    expect(res.json.pleroma.accepts_chat_messages).toBeNull()
  })
})

describe('GET /api/v1/accounts/:id', () => {
  test('finds an account by id, local nickname or nickname@domain, for anyone', async () => {
    const { account } = await makeUser(ctx)
    for (const key of [account.id, account.username, account.username.toUpperCase(), `${account.username}@${TEST_DOMAIN}`]) {
      const res = await call('GET', `/api/v1/accounts/${encodeURIComponent(key)}`)
      expect(res.status).toBe(200)
      expect(res.json.id).toBe(account.id)
      expectShape(res.json, 'Account')
    }
    const remote = await remoteAccount()
    const byAcct = await call('GET', `/api/v1/accounts/${remote.username}@remote.example`)
    expect(byAcct.json.id).toBe(remote.id)
  })

  test('unknown and malformed ids are 404', async () => {
    for (const id of [newId(), 'nobody_here_at_all', '!!!', '%', '%00', 'x'.repeat(300), 'a@b@c', '\u00e9t\u00e9']) {
      const res = await call('GET', `/api/v1/accounts/${encodeURIComponent(id)}`)
      expect(res.status).toBe(404)
      expect(res.json.error).toBeString()
    }
  })

  test('a token without read:accounts is 403; with it, fine', async () => {
    const { account } = await makeUser(ctx)
    const { token: writeOnly } = await makeUser(ctx, { scopes: ['write'] })
    expect((await call('GET', `/api/v1/accounts/${account.id}`, { token: writeOnly })).status).toBe(403)
    const { token } = await makeUser(ctx, { scopes: ['read:accounts'] })
    expect((await call('GET', `/api/v1/accounts/${account.id}`, { token })).status).toBe(200)
    expect((await call('GET', `/api/v1/accounts/${account.id}`, { token: 'bogus' })).status).toBe(401)
  })

  test('suspended and deactivated accounts are 404 except for staff', async () => {
    const suspended = await makeUser(ctx, { account: { suspendedAt: new Date() } })
    const deactivated = await makeUser(ctx, { user: { isActive: false } })
    const viewer = await makeUser(ctx)
    const moderator = await makeUser(ctx, { isModerator: true })
    for (const target of [suspended, deactivated]) {
      expect((await call('GET', `/api/v1/accounts/${target.account.id}`)).status).toBe(404)
      expect((await call('GET', `/api/v1/accounts/${target.account.username}`, { token: viewer.token })).status).toBe(404)
      const staff = await call('GET', `/api/v1/accounts/${target.account.id}`, { token: moderator.token })
      expect(staff.status).toBe(200)
    }
    const staffView = await call('GET', `/api/v1/accounts/${suspended.account.id}`, { token: moderator.token })
    expect(staffView.json.suspended).toBe(true)
    const deactivatedView = await call('GET', `/api/v1/accounts/${deactivated.account.id}`, { token: moderator.token })
    expect(deactivatedView.json.pleroma.deactivated).toBe(true)
  })
})

describe('GET /api/v1/accounts/lookup', () => {
  test('finds local and known remote accounts by address', async () => {
    const { account } = await makeUser(ctx)
    for (const acct of [account.username, `@${account.username}`, `${account.username}@${TEST_DOMAIN}`]) {
      const res = await call('GET', '/api/v1/accounts/lookup', { query: { acct } })
      expect(res.status).toBe(200)
      expect(res.json.id).toBe(account.id)
      expectShape(res.json, 'Account')
    }
    const remote = await remoteAccount()
    const res = await call('GET', '/api/v1/accounts/lookup', { query: { acct: `${remote.username}@REMOTE.example` } })
    expect(res.status).toBe(200)
    expect(res.json.id).toBe(remote.id)
  })

  test('unknown is 404, missing acct is 422', async () => {
    expect((await call('GET', '/api/v1/accounts/lookup', { query: { acct: 'nobody_like_this' } })).status).toBe(404)
    expect((await call('GET', '/api/v1/accounts/lookup', { query: { acct: 'someone@unknown.example' } })).status).toBe(404)
    expect((await call('GET', '/api/v1/accounts/lookup', { query: { acct: 'bad name' } })).status).toBe(404)
    expect((await call('GET', '/api/v1/accounts/lookup')).status).toBe(422)
  })
})

describe('GET /api/v1/accounts/search', () => {
  let prefix: string
  let exact: Awaited<ReturnType<typeof makeUser>>
  let longer: Awaited<ReturnType<typeof makeUser>>
  let byName: Awaited<ReturnType<typeof makeUser>>
  let hidden: Awaited<ReturnType<typeof makeUser>>

  beforeAll(async () => {
    prefix = uniqueName('srch').replace(/_/g, '')
    byName = await makeUser(ctx, { nickname: uniqueName('club'), displayName: `${prefix}pie Club` })
    longer = await makeUser(ctx, { nickname: `${prefix}pie_fan` })
    exact = await makeUser(ctx, { nickname: `${prefix}pie` })
    hidden = await makeUser(ctx, { nickname: `${prefix}pie_hidden`, account: { discoverable: false } })
    await makeUser(ctx, { nickname: `${prefix}pie_gone`, account: { suspendedAt: new Date() } })
  })

  test('puts the exact username first, then prefixes; hides undiscoverable and suspended accounts', async () => {
    const res = await call('GET', '/api/v1/accounts/search', { query: { q: `${prefix}pie` } })
    expect(res.status).toBe(200)
    const ids = res.json.map((a: any) => a.id)
    expect(ids[0]).toBe(exact.account.id)
    expect(ids).toContain(longer.account.id)
    expect(ids).toContain(byName.account.id)
    expect(ids.indexOf(longer.account.id)).toBeLessThan(ids.indexOf(byName.account.id))
    expect(ids).not.toContain(hidden.account.id)
    expect(ids).toHaveLength(3)
    for (const a of res.json) expectShape(a, 'Account')
  })

  test('finds an undiscoverable account by its exact name, and with @ or the local domain', async () => {
    for (const q of [`${prefix}pie_hidden`, `@${prefix}PIE_hidden`, `${prefix}pie_hidden@${TEST_DOMAIN}`]) {
      const res = await call('GET', '/api/v1/accounts/search', { query: { q } })
      expect(res.json[0].id).toBe(hidden.account.id)
    }
  })

  test('respects limit, and tolerates wildcards and odd input', async () => {
    const res = await call('GET', '/api/v1/accounts/search', { query: { q: `${prefix}pie`, limit: '1' } })
    expect(res.json).toHaveLength(1)
    const offset = await call('GET', '/api/v1/accounts/search', { query: { q: `${prefix}pie`, offset: '1' } })
    expect(offset.json.map((a: any) => a.id)).not.toContain(exact.account.id)
    for (const q of ['%', '_', '\\', '', '   ', "'; drop table accounts; --"]) {
      const odd = await call('GET', '/api/v1/accounts/search', { query: { q } })
      expect(odd.status).toBe(200)
      expect(odd.json).toBeArray()
    }
    expect((await call('GET', '/api/v1/accounts/search', { query: { q: '%' } })).json).toEqual([])
  })

  test('following=true limits to followed accounts and needs a user', async () => {
    const viewer = await makeUser(ctx)
    await ctx.db.insert(follows).values({ accountId: viewer.account.id, targetAccountId: longer.account.id })
    await ctx.db.insert(follows).values({ accountId: viewer.account.id, targetAccountId: hidden.account.id })
    const res = await call('GET', '/api/v1/accounts/search', { token: viewer.token, query: { q: `${prefix}pie`, following: 'true' } })
    expect(res.status).toBe(200)
    expect(res.json.map((a: any) => a.id).sort()).toEqual([longer.account.id, hidden.account.id].sort())
    expect((await call('GET', '/api/v1/accounts/search', { query: { q: `${prefix}pie`, following: 'true' } })).status).toBe(401)
  })

  test('a token without read:accounts is 403', async () => {
    const { token } = await makeUser(ctx, { scopes: ['write'] })
    expect((await call('GET', '/api/v1/accounts/search', { token, query: { q: prefix } })).status).toBe(403)
  })
})

describe('GET /api/v1/accounts (multiple)', () => {
  test('returns the asked accounts in order, skipping unknown, malformed and hidden ones', async () => {
    const a = await makeUser(ctx)
    const b = await makeUser(ctx)
    const gone = await makeUser(ctx, { account: { suspendedAt: new Date() } })
    const res = await call('GET', '/api/v1/accounts', { query: { 'id[]': [b.account.id, 'not-an-id!', newId(), a.account.id, gone.account.id] } })
    expect(res.status).toBe(200)
    expect(res.json.map((x: any) => x.id)).toEqual([b.account.id, a.account.id])
    for (const x of res.json) expectShape(x, 'Account')
    expect((await call('GET', '/api/v1/accounts')).json).toEqual([])
  })
})

describe('GET /api/v1/preferences', () => {
  test('reflects the posting defaults', async () => {
    const { token } = await makeUser(ctx)
    const before = await call('GET', '/api/v1/preferences', { token })
    expect(before.status).toBe(200)
    expectShape(before.json, 'Preferences')
    expect(before.json).toMatchObject({ 'posting:default:visibility': 'public', 'posting:default:sensitive': false, 'posting:default:language': null, 'reading:expand:media': 'default', 'reading:expand:spoilers': false })
    await call('PATCH', '/api/v1/accounts/update_credentials', { token, json: { source: { privacy: 'private', sensitive: true, language: 'nl' } } })
    const after = await call('GET', '/api/v1/preferences', { token })
    expect(after.json).toMatchObject({ 'posting:default:visibility': 'private', 'posting:default:sensitive': true, 'posting:default:language': 'nl' })
  })

  test('needs a user token with read:accounts', async () => {
    expect((await call('GET', '/api/v1/preferences')).status).toBe(401)
    const { token } = await makeUser(ctx, { scopes: ['write'] })
    expect((await call('GET', '/api/v1/preferences', { token })).status).toBe(403)
  })
})

describe('default images', () => {
  test('are served as PNG', async () => {
    for (const path of ['/images/avi.png', '/images/banner.png']) {
      const res = await (await import('../support/context')).testApp().then((app) => app.handle(new Request(`http://localhost${path}`)))
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('image/png')
      const bytes = new Uint8Array(await res.arrayBuffer())
      expect([...bytes.subarray(0, 8)]).toEqual(PNG_SIGNATURE)
    }
  })
})

describe('renderAccounts', () => {
  test('costs the same few queries for one account or a page of them', async () => {
    const { renderAccounts } = await import('../../src/server/render/account')
    const owner = await makeUser(ctx)
    const target = await remoteAccount()
    const moved = await makeUser(ctx, { account: { movedToId: target.id } })
    const many = [owner.account, moved.account]
    for (let i = 0; i < 8; i++) many.push((await makeUser(ctx, { app: null })).account)
    many.push(await remoteAccount())

    let queries = 0
    const counting = { ...ctx, db: new Proxy(ctx.db, { get: (t, k) => (k === 'select' ? (...a: unknown[]) => { queries++; return (t as any).select(...a) } : (t as any)[k]) }) }
    const viewer = { tokenId: null, appId: null, scopes: ['read'], userId: owner.user.id, accountId: owner.account.id, username: owner.account.username, isAdmin: false, isModerator: false }

    await renderAccounts(counting, [owner.account], viewer, { credentials: true })
    const single = queries
    queries = 0
    const page = await renderAccounts(counting, many, viewer, { credentials: true })
    // the page also loads moved-to accounts, and the chat capability of its remote accounts
    expect(queries).toBe(single + 2)
    expect(queries).toBeLessThanOrEqual(4)
    expect(page).toHaveLength(many.length)
    expect(page[0].source).toBeDefined()
    expect(page[1].moved).toMatchObject({ id: target.id, acct: `${target.username}@remote.example` })
    expect(page[2].source).toBeUndefined()
    for (const entity of page) expectShape(entity, 'Account')
  })
})
