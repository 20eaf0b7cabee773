import { afterAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { accounts, emailTokens, follows, statuses, users } from '../../src/db/schema'
import { contextWith, getTestContext, testApp } from '../support/context'
import { makeApp, makeUser, TEST_PASSWORD, uniqueName } from '../support/factories'
import { call } from '../support/http'
import { linkIn, mailbox, settle } from '../support/mail'
import { expectShape } from '../support/shape'

const mail = mailbox()
afterAll(() => mail.stop())

async function passwordLogin(username: string, password: string) {
  const app = await makeApp()
  return call('POST', '/oauth/token', {
    form: { grant_type: 'password', client_id: app.clientId, client_secret: app.clientSecret, username, password },
  })
}

async function post(token: string, text: string) {
  const res = await call('POST', '/api/v1/statuses', { token, json: { status: text } })
  expect(res.status).toBe(200)
  return res.json.id as string
}

async function follow(token: string, accountId: string) {
  const res = await call('POST', `/api/v1/accounts/${accountId}/follow`, { token })
  expect(res.status).toBe(200)
}

async function account(id: string) {
  const ctx = await getTestContext()
  const [row] = await ctx.db.select().from(accounts).where(eq(accounts.id, id))
  return row
}

describe('POST /api/pleroma/delete_account', () => {
  test('a wrong or missing password changes nothing (Pleroma: 200 with an error)', async () => {
    const alice = await makeUser()
    for (const form of [{ password: 'wrong password!' }, {}] as Record<string, string>[]) {
      const res = await call('POST', '/api/pleroma/delete_account', { token: alice.token, form })
      expect(res.status).toBe(200)
      expect(res.json).toEqual({ error: 'Invalid password.' })
    }
    expect((await account(alice.account.id)).deletedAt).toBeNull()
    expect((await call('GET', '/api/v1/accounts/verify_credentials', { token: alice.token })).status).toBe(200)
  })

  test('removes statuses, follows and tokens, fixes counters, hides the account and keeps its name taken', async () => {
    const ctx = await getTestContext()
    const alice = await makeUser()
    const bob = await makeUser()
    const carol = await makeUser()
    const own = await post(alice.token, 'hello from alice')
    const bobs = await post(bob.token, 'bob writes')
    const reblog = await call('POST', `/api/v1/statuses/${bobs}/reblog`, { token: alice.token })
    expect(reblog.status).toBe(200)
    const fav = await call('POST', `/api/v1/statuses/${bobs}/favourite`, { token: alice.token })
    expect(fav.status).toBe(200)
    await follow(alice.token, bob.account.id)
    await follow(carol.token, alice.account.id)
    expect((await account(bob.account.id)).followersCount).toBe(1)
    expect((await account(carol.account.id)).followingCount).toBe(1)

    const res = await call('POST', '/api/pleroma/delete_account', { token: alice.token, json: { password: TEST_PASSWORD } })
    expect(res.status).toBe(200)
    expect(res.json).toEqual({ status: 'success' })

    const tombstone = await account(alice.account.id)
    expect(tombstone.deletedAt).not.toBeNull()
    expect(tombstone.statusesCount).toBe(0)
    expect(await ctx.db.select().from(statuses).where(eq(statuses.accountId, alice.account.id))).toEqual([])
    expect(await ctx.db.select().from(users).where(eq(users.accountId, alice.account.id))).toEqual([])
    expect(await ctx.db.select().from(follows).where(eq(follows.accountId, alice.account.id))).toEqual([])
    expect((await account(bob.account.id)).followersCount).toBe(0)
    expect((await account(carol.account.id)).followingCount).toBe(0)
    const bobsStatus = await call('GET', `/api/v1/statuses/${bobs}`, { token: bob.token })
    expect(bobsStatus.json.reblogs_count).toBe(0)
    expect(bobsStatus.json.favourites_count).toBe(0)

    expect((await call('GET', '/api/v1/accounts/verify_credentials', { token: alice.token })).status).toBe(401)
    expect((await call('GET', `/api/v1/accounts/${alice.account.id}`, { token: bob.token })).status).toBe(404)
    expect((await call('GET', '/api/v1/accounts/lookup', { query: { acct: alice.account.username } })).status).toBe(404)
    expect((await call('GET', `/api/v1/statuses/${own}`)).status).toBe(404)
    expect((await passwordLogin(alice.account.username, TEST_PASSWORD)).status).toBe(400)

    const again = await call('POST', '/api/v1/accounts', {
      token: (await (await import('../support/factories')).makeAppToken()).token,
      json: { username: alice.account.username, email: `${uniqueName('new')}@example.test`, password: TEST_PASSWORD, agreement: true },
    })
    expect(again.status).toBe(422)
    expect(again.json.error).toContain('Username has already been taken')
  })

  test('the account’s uploaded files, avatar included, are removed', async () => {
    const { fileOf, pngFixture } = await import('../support/media-fixtures')
    const { keyFromUrl, mediaStorage } = await import('../../src/core/media/storage')
    const { mediaAttachments } = await import('../../src/db/schema')
    const ctx = await getTestContext()
    const user = await makeUser()
    const upload = await call('POST', '/api/v2/media', { token: user.token, multipart: { file: fileOf(pngFixture(), 'image/png', 'a.png') } })
    expect(upload.status).toBe(200)
    const avatar = await call('PATCH', '/api/v1/accounts/update_credentials', { token: user.token, multipart: { avatar: fileOf(pngFixture(32, 32), 'image/png', 'me.png') } })
    expect(avatar.status).toBe(200)
    await call('POST', '/api/v1/statuses', { token: user.token, json: { status: 'with media', media_ids: [upload.json.id] } })
    const [row] = await ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.id, upload.json.id))
    const storage = mediaStorage(ctx.config)
    const keys = [row.fileKey!, row.previewKey, keyFromUrl(storage, avatar.json.avatar)].filter((k): k is string => !!k)
    expect(keys).toHaveLength(3)
    for (const key of keys) expect(await storage.get(key)).not.toBeNull()

    const res = await call('POST', '/api/pleroma/delete_account', { token: user.token, json: { password: TEST_PASSWORD } })
    expect(res.json).toEqual({ status: 'success' })
    for (const key of keys) expect(await storage.get(key)).toBeNull()
    expect(await ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.accountId, user.account.id))).toEqual([])
  })
})

describe('POST /api/pleroma/disable_account', () => {
  test('wrong password refused; right one deactivates and signs out everywhere', async () => {
    const alice = await makeUser()
    const wrong = await call('POST', '/api/pleroma/disable_account', { token: alice.token, query: { password: 'nope nope nope' } })
    expect(wrong.json).toEqual({ error: 'Invalid password.' })
    const res = await call('POST', '/api/pleroma/disable_account', { token: alice.token, query: { password: TEST_PASSWORD } })
    expect(res.json).toEqual({ status: 'success' })
    expect((await call('GET', '/api/v1/accounts/verify_credentials', { token: alice.token })).status).toBe(401)
    const login = await passwordLogin(alice.account.username, TEST_PASSWORD)
    expect(login.status).toBe(403)
    expect(login.json.error).toBe('Your login is currently disabled')
    expect((await call('GET', `/api/v1/accounts/${alice.account.id}`)).status).toBe(404)
  })
})

describe('POST /api/pleroma/change_password', () => {
  test('checks the current password, the confirmation and the new password', async () => {
    const alice = await makeUser()
    const base = { password: TEST_PASSWORD, new_password: 'a brand new secret', new_password_confirmation: 'a brand new secret' }
    const cases: [Record<string, string>, string][] = [
      [{ ...base, password: 'not my password' }, 'Invalid password.'],
      [{ ...base, new_password_confirmation: 'something else' }, 'New password does not match confirmation.'],
      [{ ...base, new_password: 'short', new_password_confirmation: 'short' }, 'New password is too short (minimum is 8 characters).'],
    ]
    for (const [form, error] of cases) {
      const res = await call('POST', '/api/pleroma/change_password', { token: alice.token, form })
      expect(res.status).toBe(200)
      expect(res.json).toEqual({ error })
    }
    const missing = await call('POST', '/api/pleroma/change_password', { token: alice.token, form: { password: TEST_PASSWORD } })
    expect(missing.status).toBe(400)
    expect(typeof missing.json.error).toBe('string')
    expect((await passwordLogin(alice.account.username, TEST_PASSWORD)).status).toBe(200)
  })

  test('sets the new password and revokes every token, as Pleroma does', async () => {
    const alice = await makeUser()
    const res = await call('POST', '/api/pleroma/change_password', {
      token: alice.token,
      json: { password: TEST_PASSWORD, new_password: 'a brand new secret', new_password_confirmation: 'a brand new secret' },
    })
    expect(res.json).toEqual({ status: 'success' })
    expect((await call('GET', '/api/v1/accounts/verify_credentials', { token: alice.token })).status).toBe(401)
    expect((await passwordLogin(alice.account.username, TEST_PASSWORD)).status).toBe(400)
    expect((await passwordLogin(alice.account.username, 'a brand new secret')).status).toBe(200)
  })
})

describe('POST /api/pleroma/change_email', () => {
  test('validates the password and the address', async () => {
    const alice = await makeUser()
    const bob = await makeUser()
    const cases: [Record<string, string>, string][] = [
      [{ password: 'wrong wrong wrong', email: 'fresh@example.test' }, 'Invalid password.'],
      [{ password: TEST_PASSWORD, email: 'not an address' }, 'Email is invalid.'],
      [{ password: TEST_PASSWORD, email: bob.user.email.toUpperCase() }, 'Email has already been taken.'],
    ]
    for (const [form, error] of cases) {
      const res = await call('POST', '/api/pleroma/change_email', { token: alice.token, form })
      expect(res.json).toEqual({ error })
    }
    expect((await call('POST', '/api/pleroma/change_email', { token: alice.token, form: { password: TEST_PASSWORD } })).status).toBe(400)
  })

  test('changes the address at once when confirmation is not required', async () => {
    const ctx = await getTestContext()
    const alice = await makeUser()
    const email = `${uniqueName('mail')}@example.test`
    const res = await call('POST', '/api/pleroma/change_email', { token: alice.token, form: { password: TEST_PASSWORD, email } })
    expect(res.json).toEqual({ status: 'success' })
    const [user] = await ctx.db.select().from(users).where(eq(users.id, alice.user.id))
    expect(user.email).toBe(email)
  })

  test('with confirmation required, the new address takes over only from the mailed link', async () => {
    const ctx = await contextWith({ accountActivationRequired: true })
    const app = await testApp(ctx)
    const alice = await makeUser(ctx)
    const email = `${uniqueName('mail')}@example.test`
    const res = await call('POST', '/api/pleroma/change_email', { app, token: alice.token, form: { password: TEST_PASSWORD, email } })
    expect(res.json).toEqual({ status: 'success' })
    let [user] = await ctx.db.select().from(users).where(eq(users.id, alice.user.id))
    expect(user.email).toBe(alice.user.email)
    expect(user.unconfirmedEmail).toBe(email)
    const link = new URL(linkIn(await mail.next(email)))
    expect(link.pathname).toStartWith(`/api/account/confirm_email/${alice.user.id}/`)
    const confirmed = await call('GET', link.pathname, { app })
    expect(confirmed.status).toBe(200)
    expect(confirmed.headers.get('content-type')).toContain('text/html')
    ;[user] = await ctx.db.select().from(users).where(eq(users.id, alice.user.id))
    expect(user.email).toBe(email)
    expect(user.unconfirmedEmail).toBeNull()
    expect((await call('GET', link.pathname, { app })).status).toBe(404)
  })
})

describe('aliases', () => {
  test('add, list and remove local aliases; unknown, remote and self are refused', async () => {
    const alice = await makeUser()
    const bob = await makeUser()
    expect((await call('GET', '/api/pleroma/aliases', { token: alice.token })).json).toEqual({ aliases: [] })

    const unknown = await call('PUT', '/api/pleroma/aliases', { token: alice.token, json: { alias: 'nobody_here_at_all' } })
    expect(unknown.status).toBe(404)
    expect(unknown.json).toEqual({ error: 'Target account does not exist.' })
    // a remote account that cannot be found is unknown too
    const remote = await call('PUT', '/api/pleroma/aliases', { token: alice.token, json: { alias: 'someone@remote.invalid' } })
    expect(remote.status).toBe(404)
    const self = await call('PUT', '/api/pleroma/aliases', { token: alice.token, json: { alias: alice.account.username } })
    expect(self.json.error).toBeString()
    expect((await call('PUT', '/api/pleroma/aliases', { token: alice.token, json: {} })).status).toBe(400)

    for (let i = 0; i < 2; i++) {
      const ok = await call('PUT', '/api/pleroma/aliases', { token: alice.token, json: { alias: `@${bob.account.username}` } })
      expect(ok.json).toEqual({ status: 'success' })
    }
    expect((await call('GET', '/api/pleroma/aliases', { token: alice.token })).json).toEqual({ aliases: [`${bob.account.username}@rookery.test`] })
    const verify = await call('GET', '/api/v1/accounts/verify_credentials', { token: alice.token })
    expect(verify.json.pleroma.also_known_as).toEqual([bob.account.uri])

    const notAlias = await call('DELETE', '/api/pleroma/aliases', { token: alice.token, json: { alias: 'nobody_here_at_all' } })
    expect(notAlias.status).toBe(404)
    expect(notAlias.json).toEqual({ error: 'Account has no such alias.' })
    const removed = await call('DELETE', '/api/pleroma/aliases', { token: alice.token, json: { alias: bob.account.username } })
    expect(removed.json).toEqual({ status: 'success' })
    expect((await call('GET', '/api/pleroma/aliases', { token: alice.token })).json).toEqual({ aliases: [] })
  })
})

describe('POST /api/pleroma/move_account', () => {
  test('needs the password, a known local target that lists the origin as an alias', async () => {
    const origin = await makeUser()
    const target = await makeUser()
    const cases: [Record<string, string>, number, unknown][] = [
      [{ password: 'wrong password x', target_account: target.account.username }, 200, { error: 'Invalid password.' }],
      [{ password: TEST_PASSWORD, target_account: 'no_such_account_xyz' }, 404, { error: 'Target account not found.' }],
      [{ password: TEST_PASSWORD, target_account: 'someone@remote.invalid' }, 404, { error: 'Target account not found.' }],
      [{ password: TEST_PASSWORD, target_account: target.account.username }, 200, { error: 'Target account must have the origin in `alsoKnownAs`' }],
    ]
    for (const [form, status, body] of cases) {
      const res = await call('POST', '/api/pleroma/move_account', { token: origin.token, form })
      expect(res.status).toBe(status)
      expect(res.json).toEqual(body)
    }
    expect((await account(origin.account.id)).movedToId).toBeNull()
  })

  test('moves followers who allow it, notifies every follower and marks the old account moved', async () => {
    const ctx = await getTestContext()
    const origin = await makeUser()
    const target = await makeUser()
    const mover = await makeUser()
    const stayer = await makeUser(undefined, { user: { allowFollowingMove: false } })
    await follow(mover.token, origin.account.id)
    await follow(stayer.token, origin.account.id)
    const alias = await call('PUT', '/api/pleroma/aliases', { token: target.token, json: { alias: origin.account.username } })
    expect(alias.json).toEqual({ status: 'success' })

    const res = await call('POST', '/api/pleroma/move_account', {
      token: origin.token, json: { password: TEST_PASSWORD, target_account: target.account.username },
    })
    expect(res.status).toBe(200)
    expect(res.json).toEqual({ status: 'success' })

    const pairs = async (follower: string) => (await ctx.db.select().from(follows).where(eq(follows.accountId, follower))).map((f) => f.targetAccountId)
    expect(await pairs(mover.account.id)).toEqual([target.account.id])
    expect(await pairs(stayer.account.id)).toEqual([origin.account.id])
    expect((await account(origin.account.id)).followersCount).toBe(1)
    expect((await account(target.account.id)).followersCount).toBe(1)
    expect((await account(mover.account.id)).followingCount).toBe(1)

    for (const who of [mover, stayer]) {
      const notes = await call('GET', '/api/v1/notifications', { token: who.token, query: { types: ['move'] } })
      expect(notes.status).toBe(200)
      const move = notes.json.find((n: any) => n.type === 'move')
      expect(move?.account.id).toBe(origin.account.id)
      expect(move?.target.id).toBe(target.account.id)
    }
    const shown = await call('GET', `/api/v1/accounts/${origin.account.id}`)
    expect(shown.json.moved?.id).toBe(target.account.id)
    expectShape(shown.json, 'Account')
  })
})

describe('e-mail confirmation', () => {
  test('registration mails a link; resend answers 204 whatever the account; the link confirms once', async () => {
    const ctx = await contextWith({ accountActivationRequired: true })
    const app = await testApp(ctx)
    const { makeAppToken } = await import('../support/factories')
    const nickname = uniqueName('conf')
    const email = `${nickname}@example.test`
    const reg = await call('POST', '/api/v1/accounts', {
      app, token: (await makeAppToken(ctx)).token, json: { username: nickname, email, password: TEST_PASSWORD, agreement: true },
    })
    expect(reg.status).toBe(200)
    expect(reg.json.identifier).toBe('missing_confirmed_email')
    const first = linkIn(await mail.next(email))

    const before = mail.messages.length
    const unknown = await call('POST', '/api/v1/pleroma/accounts/confirmation_resend', { app, form: { email: 'nobody@nowhere.example' } })
    expect(unknown.status).toBe(204)
    expect(unknown.text).toBe('')
    const known = await call('POST', '/api/v1/pleroma/accounts/confirmation_resend', { app, form: { nickname } })
    expect(known.status).toBe(204)
    await settle(200)
    expect(mail.messages.length).toBe(before + 1)
    const second = linkIn(mail.to(email).at(-1)!)
    expect(second).not.toBe(first)
    // a new link replaces the old one
    expect((await call('GET', new URL(first).pathname, { app })).status).toBe(404)

    const login = await call('POST', '/oauth/token', { app, form: { grant_type: 'password', client_id: (await makeApp(ctx)).clientId, client_secret: 'x', username: nickname, password: TEST_PASSWORD } })
    expect(login.status).toBe(401)
    const confirmed = await call('GET', new URL(second).pathname, { app })
    expect(confirmed.status).toBe(200)
    expect(confirmed.text).toContain('confirmed')
    const [user] = await ctx.db.select().from(users).where(eq(users.email, email))
    expect(user.confirmedAt).not.toBeNull()
    expect((await call('GET', new URL(second).pathname, { app })).status).toBe(404)
    expect((await call('GET', `/api/account/confirm_email/not-an-id/whatever`, { app })).status).toBe(404)
  })
})

describe('POST /api/v1/emails/confirmations', () => {
  test('the user\'s own token asks for a new link while the address awaits confirmation, optionally to a new address', async () => {
    const ctx = await contextWith({ accountActivationRequired: true })
    const app = await testApp(ctx)
    const waiting = await makeUser(ctx, { user: { confirmedAt: null } })
    // the token is refused everywhere else while the address is unconfirmed
    const elsewhere = await call('GET', '/api/v1/accounts/verify_credentials', { app, token: waiting.token })
    expect(elsewhere.status).toBe(403)
    expect(elsewhere.json.identifier).toBe('missing_confirmed_email')

    const again = await call('POST', '/api/v1/emails/confirmations', { app, token: waiting.token })
    expect(again.status).toBe(200)
    expect(again.json).toEqual({})
    linkIn(await mail.next(waiting.user.email))

    const fixed = `${uniqueName('fixed')}@example.test`
    expect((await call('POST', '/api/v1/emails/confirmations', { app, token: waiting.token, form: { email: fixed } })).status).toBe(200)
    const link = linkIn(await mail.next(fixed))
    const [row] = await ctx.db.select().from(users).where(eq(users.id, waiting.user.id))
    expect(row.email).toBe(fixed)

    const other = await makeUser(ctx)
    const taken = await call('POST', '/api/v1/emails/confirmations', { app, token: waiting.token, json: { email: other.user.email } })
    expect(taken.status).toBe(422)
    expect((await call('POST', '/api/v1/emails/confirmations', { app, token: waiting.token, json: { email: 'not an address' } })).status).toBe(422)

    expect((await call('GET', new URL(link).pathname, { app })).status).toBe(200)
    const done = await call('POST', '/api/v1/emails/confirmations', { app, token: waiting.token })
    expect(done.status).toBe(403)
    expect(done.json.error).toContain('awaiting confirmation')
    expect((await call('POST', '/api/v1/emails/confirmations', { app })).status).toBe(401)
    const readOnly = await makeUser(ctx, { scopes: ['read'], user: { confirmedAt: null } })
    expect((await call('POST', '/api/v1/emails/confirmations', { app, token: readOnly.token })).status).toBe(403)
  })
})

describe('password reset', () => {
  test('POST /auth/password is 204 for known and unknown accounts and mails only the known one', async () => {
    const alice = await makeUser()
    const before = mail.messages.length
    for (const form of [{ email: 'ghost@nowhere.example' }, { nickname: 'ghost_nobody_here' }] as Record<string, string>[]) {
      const res = await call('POST', '/auth/password', { form })
      expect(res.status).toBe(204)
      expect(res.text).toBe('')
    }
    const res = await call('POST', '/auth/password', { form: { email: alice.user.email } })
    expect(res.status).toBe(204)
    const message = await mail.next(alice.user.email)
    expect(mail.messages.length).toBe(before + 1)
    expect(linkIn(message)).toContain('/api/v1/pleroma/password_reset/')
  })

  test('the link opens a form; a matching new password is set once and signs out everywhere', async () => {
    const alice = await makeUser()
    await call('POST', '/auth/password', { form: { nickname: alice.account.username } })
    const link = new URL(linkIn(await mail.next(alice.user.email)))
    const token = link.pathname.split('/').pop()!

    const page = await call('GET', link.pathname)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toContain('text/html')
    expect(page.headers.get('x-frame-options')).toBe('DENY')
    expect(page.text).toContain('name="data[password]"')
    expect(page.text).toContain(alice.account.username)

    const mismatch = await call('POST', '/api/v1/pleroma/password_reset', {
      form: { 'data[token]': token, 'data[password]': 'new secret one', 'data[password_confirmation]': 'other secret' },
    })
    expect(mismatch.status).toBe(422)
    const ok = await call('POST', '/api/v1/pleroma/password_reset', {
      form: { 'data[token]': token, 'data[password]': 'new secret one', 'data[password_confirmation]': 'new secret one' },
    })
    expect(ok.status).toBe(200)
    expect(ok.text).toContain('Password changed')
    expect((await call('GET', '/api/v1/accounts/verify_credentials', { token: alice.token })).status).toBe(401)
    expect((await passwordLogin(alice.account.username, 'new secret one')).status).toBe(200)
    expect((await passwordLogin(alice.account.username, TEST_PASSWORD)).status).toBe(400)

    const replay = await call('POST', '/api/v1/pleroma/password_reset', {
      form: { 'data[token]': token, 'data[password]': 'third secret!', 'data[password_confirmation]': 'third secret!' },
    })
    expect(replay.status).toBe(404)
    expect((await call('GET', link.pathname)).status).toBe(404)
  })

  test('an expired link is refused', async () => {
    const ctx = await getTestContext()
    const alice = await makeUser()
    await call('POST', '/auth/password', { form: { email: alice.user.email } })
    const link = new URL(linkIn(await mail.next(alice.user.email)))
    await ctx.db.update(emailTokens).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(emailTokens.userId, alice.user.id))
    expect((await call('GET', link.pathname)).status).toBe(404)
    const res = await call('POST', link.pathname, { form: { 'data[password]': 'new secret one', 'data[password_confirmation]': 'new secret one' } })
    expect(res.status).toBe(404)
    expect((await passwordLogin(alice.account.username, TEST_PASSWORD)).status).toBe(200)
  })
})

describe('registration approval', () => {
  test('a reason is required and stored when approval is on', async () => {
    const ctx = await contextWith({ registrations: 'approval' })
    const app = await testApp(ctx)
    const { makeAppToken } = await import('../support/factories')
    const token = (await makeAppToken(ctx)).token
    const nickname = uniqueName('appr')
    const body = { username: nickname, email: `${nickname}@example.test`, password: TEST_PASSWORD, agreement: true }
    const missing = await call('POST', '/api/v1/accounts', { app, token, json: body })
    expect(missing.status).toBe(422)
    const ok = await call('POST', '/api/v1/accounts', { app, token, json: { ...body, reason: 'I would like to join' } })
    expect(ok.status).toBe(200)
    expect(ok.json.identifier).toBe('awaiting_approval')
    const [user] = await ctx.db.select().from(users).where(eq(users.email, body.email))
    expect(user.registrationReason).toBe('I would like to join')
    expect(user.isApproved).toBe(false)
  })
})
