import { beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { captchaAnswerHash } from '../../src/core/captcha'
import type { Ctx } from '../../src/core/context'
import { revokeInvite } from '../../src/core/invites'
import { accounts, captchas, invites, users } from '../../src/db/schema'
import type { App } from '../../src/server/app'
import { contextWith, getTestContext, testApp } from '../support/context'
import { makeApp, makeAppToken, makeInvite, makeUser, uniqueName } from '../support/factories'
import { call } from '../support/http'
import { expectShape } from '../support/shape'

function signup(overrides: Record<string, unknown> = {}) {
  const username = uniqueName('reg')
  return { username, email: `${username}@example.test`, password: 'a good long password', agreement: true, locale: 'en', ...overrides }
}

async function userByName(ctx: Ctx, username: string) {
  const [row] = await ctx.db.select({ user: users, account: accounts }).from(accounts)
    .innerJoin(users, eq(users.accountId, accounts.id)).where(eq(accounts.username, username))
  return row
}

async function inviteRow(ctx: Ctx, id: string) {
  const [row] = await ctx.db.select().from(invites).where(eq(invites.id, id))
  return row
}

/** An app plus a client_credentials token for a context with the given registration settings. */
async function setup(overrides: Parameters<typeof contextWith>[0]) {
  const ctx = await contextWith(overrides)
  const app = await testApp(ctx)
  const { token, app: oauthApp } = await makeAppToken(ctx)
  return { ctx, app, token, oauthApp }
}

describe('POST /api/v1/accounts (open registrations)', () => {
  let ctx: Ctx
  let app: App
  let token: string

  beforeAll(async () => {
    ;({ ctx, app, token } = await setup({ registrations: 'open', captcha: false, accountActivationRequired: false }))
  })

  test('registers with an app token and returns a Token that works for verify_credentials', async () => {
    const body = signup({ fullname: 'Reggie Newcomer', bio: 'Hello, see https://example.org\n\nsecond paragraph' })
    const res = await call('POST', '/api/v1/accounts', { app, token, json: body })
    expect(res.status).toBe(200)
    expectShape(res.json, 'Token')
    expect(res.json.token_type).toBe('Bearer')
    expect(res.json.scope).toBe('read write follow push')
    expect(res.json.identifier).toBeUndefined()
    expect(res.json.me).toBe(`${ctx.config.baseUrl}/users/${body.username}`)

    const me = await call('GET', '/api/v1/accounts/verify_credentials', { app, token: res.json.access_token })
    expect(me.status).toBe(200)
    expectShape(me.json, 'CredentialAccount')
    expect(me.json.username).toBe(body.username)
    expect(me.json.display_name).toBe('Reggie Newcomer')
    expect(me.json.note).toContain('<a href="https://example.org"')
    expect(me.json.note).toContain('<p>second paragraph</p>')
    expect(me.json.source.note).toBe('Hello, see https://example.org\n\nsecond paragraph')

    const row = await userByName(ctx, body.username)
    expect(row.user.isApproved).toBe(true)
    expect(row.user.confirmedAt).not.toBeNull()
    expect(row.user.locale).toBe('en')
  })

  test('accepts a form-encoded body and a user token as well', async () => {
    const { token: userToken } = await makeUser(ctx)
    const body = signup({ agreement: 'true' })
    const res = await call('POST', '/api/v1/accounts', { app, token: userToken, form: body as unknown as Record<string, string> })
    expect(res.status).toBe(200)
    expect(res.json.access_token).toBeString()
  })

  test('the new token can be narrowed with `scope`, but not widened beyond the app', async () => {
    const narrow = await call('POST', '/api/v1/accounts', { app, token, json: signup({ scope: 'read write:statuses' }) })
    expect(narrow.status).toBe(200)
    expect(narrow.json.scope).toBe('read write:statuses')
    const { token: readOnlyApp } = await makeAppToken(ctx, { app: await makeApp(ctx, { scopes: 'read write:accounts' }) })
    const wide = await call('POST', '/api/v1/accounts', { app, token: readOnlyApp, json: signup({ scope: 'read write' }) })
    expect(wide.status).toBe(422)
  })

  test('needs a token: none or a bogus one is 401', async () => {
    const none = await call('POST', '/api/v1/accounts', { app, json: signup() })
    expect(none.status).toBe(401)
    expect(none.json.error).toBe('The access token is invalid')
    const bogus = await call('POST', '/api/v1/accounts', { app, token: 'not-a-token', json: signup() })
    expect(bogus.status).toBe(401)
  })

  test('a token without write:accounts is 403', async () => {
    const { token: readToken } = await makeAppToken(ctx, { app: await makeApp(ctx, { scopes: 'read' }) })
    const res = await call('POST', '/api/v1/accounts', { app, token: readToken, json: signup() })
    expect(res.status).toBe(403)
    expect(res.json.error).toBe('This action is outside the authorized scopes')
  })

  test('agreement must be given and truthy', async () => {
    for (const agreement of [undefined, false, 'false', '0']) {
      const res = await call('POST', '/api/v1/accounts', { app, token, json: signup({ agreement }) })
      expect(res.status).toBe(422)
      expect(res.json.error).toContain('Agreement must be accepted')
      expect(res.json.details.agreement[0].error).toBe('ERR_ACCEPTED')
      expectShape(res.json, 'ValidationError')
    }
  })

  test('a taken username is refused case-insensitively', async () => {
    const first = signup()
    expect((await call('POST', '/api/v1/accounts', { app, token, json: first })).status).toBe(200)
    const res = await call('POST', '/api/v1/accounts', { app, token, json: signup({ username: first.username.toUpperCase() }) })
    expect(res.status).toBe(422)
    expect(res.json.details.username[0].error).toBe('ERR_TAKEN')
    expect(res.json.error).toBe('Validation failed: Username has already been taken')
  })

  test('a taken e-mail address is refused, whatever its case', async () => {
    const first = signup()
    expect((await call('POST', '/api/v1/accounts', { app, token, json: first })).status).toBe(200)
    const res = await call('POST', '/api/v1/accounts', { app, token, json: signup({ email: first.email.toUpperCase() }) })
    expect(res.status).toBe(422)
    expect(res.json.details.email[0].error).toBe('ERR_TAKEN')
  })

  test('reserved, malformed, over-long and blank usernames are refused', async () => {
    const cases: Array<[unknown, string]> = [
      ['admin', 'ERR_RESERVED'],
      ['Postmaster', 'ERR_RESERVED'],
      ['bad name!', 'ERR_INVALID'],
      ['dots.are.bad', 'ERR_INVALID'],
      ['x'.repeat(31), 'ERR_TOO_LONG'],
      ['', 'ERR_BLANK'],
      [undefined, 'ERR_BLANK'],
    ]
    for (const [username, code] of cases) {
      const res = await call('POST', '/api/v1/accounts', { app, token, json: signup({ username }) })
      expect(res.status).toBe(422)
      expect(res.json.details.username[0].error).toBe(code)
    }
  })

  test('short passwords and bad e-mail addresses are refused, all problems reported together', async () => {
    const res = await call('POST', '/api/v1/accounts', { app, token, json: signup({ password: 'short', email: 'not-an-email', agreement: false }) })
    expect(res.status).toBe(422)
    expect(res.json.details.password[0].error).toBe('ERR_TOO_SHORT')
    expect(res.json.details.email[0].error).toBe('ERR_INVALID')
    expect(res.json.details.agreement[0].error).toBe('ERR_ACCEPTED')
    expect(res.json.error).toStartWith('Validation failed: ')
  })

  test('malformed locale, over-long name and bio are 422', async () => {
    const locale = await call('POST', '/api/v1/accounts', { app, token, json: signup({ locale: '<script>' }) })
    expect(locale.status).toBe(422)
    expect(locale.json.details.locale).toBeArray()
    const name = await call('POST', '/api/v1/accounts', { app, token, json: signup({ fullname: 'n'.repeat(ctx.config.limits.maxNameChars + 1) }) })
    expect(name.status).toBe(422)
    const bio = await call('POST', '/api/v1/accounts', { app, token, json: signup({ bio: 'b'.repeat(ctx.config.limits.maxBioChars + 1) }) })
    expect(bio.status).toBe(422)
  })

  test('locale is normalised and Pleroma `language` is accepted', async () => {
    const body = signup({ locale: undefined, language: 'pt_br' })
    expect((await call('POST', '/api/v1/accounts', { app, token, json: body })).status).toBe(200)
    expect((await userByName(ctx, body.username)).user.locale).toBe('pt-BR')
  })

  test('an invite given in open mode is used and remembered', async () => {
    const invite = await makeInvite(ctx, { maxUse: 5 })
    const body = signup({ token: invite.token })
    expect((await call('POST', '/api/v1/accounts', { app, token, json: body })).status).toBe(200)
    expect((await inviteRow(ctx, invite.id)).uses).toBe(1)
    expect((await userByName(ctx, body.username)).user.inviteId).toBe(invite.id)
  })
})

describe('POST /api/v1/accounts (invite-only)', () => {
  let ctx: Ctx
  let app: App
  let token: string

  beforeAll(async () => {
    ;({ ctx, app, token } = await setup({ registrations: 'invite', captcha: false, accountActivationRequired: false }))
  })

  const register = (body: Record<string, unknown>) => call('POST', '/api/v1/accounts', { app, token, json: body })

  test('without an invite is 422', async () => {
    const res = await register(signup())
    expect(res.status).toBe(422)
    expect(res.json.details.token[0].error).toBe('ERR_BLANK')
  })

  test('with a valid invite creates the user and uses the invite once', async () => {
    const invite = await makeInvite(ctx, { maxUse: 2 })
    const body = signup({ token: invite.token })
    const res = await register(body)
    expect(res.status).toBe(200)
    expect(res.json.access_token).toBeString()
    expect((await inviteRow(ctx, invite.id)).uses).toBe(1)
    expect((await userByName(ctx, body.username)).user.inviteId).toBe(invite.id)
  })

  test('an unknown invite is 422', async () => {
    const res = await register(signup({ token: 'no-such-invite' }))
    expect(res.status).toBe(422)
    expect(res.json.error).toBe('Validation failed: Invite is invalid')
  })

  test('an expired invite is 422', async () => {
    const invite = await makeInvite(ctx, { expiresAt: new Date(Date.now() + 60_000) })
    await ctx.db.update(invites).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(invites.id, invite.id))
    const res = await register(signup({ token: invite.token }))
    expect(res.status).toBe(422)
    expect(res.json.error).toBe('Validation failed: Invite has expired')
  })

  test('a used-up invite is 422', async () => {
    const invite = await makeInvite(ctx, { maxUse: 1 })
    expect((await register(signup({ token: invite.token }))).status).toBe(200)
    const res = await register(signup({ token: invite.token }))
    expect(res.status).toBe(422)
    expect(res.json.error).toBe('Validation failed: Invite has already been used')
  })

  test('a revoked invite is 422', async () => {
    const invite = await makeInvite(ctx)
    await revokeInvite(ctx, invite.token)
    const res = await register(signup({ token: invite.token }))
    expect(res.status).toBe(422)
    expect(res.json.error).toBe('Validation failed: Invite has been revoked')
  })

  test('a registration that fails after the invite check does not use it up', async () => {
    const invite = await makeInvite(ctx, { maxUse: 1 })
    const { account } = await makeUser(ctx)
    const taken = await register(signup({ token: invite.token, username: account.username }))
    expect(taken.status).toBe(422)
    expect((await inviteRow(ctx, invite.id)).uses).toBe(0)
    expect((await register(signup({ token: invite.token }))).status).toBe(200)
  })

  test('concurrent sign-ups on the last use: exactly one account', async () => {
    const invite = await makeInvite(ctx, { maxUse: 1 })
    const bodies = Array.from({ length: 8 }, () => signup({ token: invite.token }))
    const results = await Promise.all(bodies.map((b) => register(b)))
    expect(results.filter((r) => r.status === 200)).toHaveLength(1)
    expect(results.filter((r) => r.status === 422)).toHaveLength(7)
    expect((await inviteRow(ctx, invite.id)).uses).toBe(1)
    const created = await Promise.all(bodies.map((b) => userByName(ctx, b.username)))
    expect(created.filter(Boolean)).toHaveLength(1)
  })

  test('concurrent sign-ups on a three-use invite: exactly three accounts', async () => {
    const invite = await makeInvite(ctx, { maxUse: 3 })
    const results = await Promise.all(Array.from({ length: 8 }, () => register(signup({ token: invite.token }))))
    expect(results.filter((r) => r.status === 200)).toHaveLength(3)
    expect((await inviteRow(ctx, invite.id)).uses).toBe(3)
  })
})

describe('POST /api/v1/accounts (approval required)', () => {
  let ctx: Ctx
  let app: App
  let token: string

  beforeAll(async () => {
    ;({ ctx, app, token } = await setup({ registrations: 'approval', captcha: false, accountActivationRequired: false }))
  })

  test('a reason is required', async () => {
    const res = await call('POST', '/api/v1/accounts', { app, token, json: signup() })
    expect(res.status).toBe(422)
    expect(res.json.details.reason[0].error).toBe('ERR_BLANK')
  })

  test('with a reason: created unapproved, told so, and the token is refused until approval', async () => {
    const body = signup({ reason: 'I would like to talk about birds' })
    const res = await call('POST', '/api/v1/accounts', { app, token, json: body })
    expect(res.status).toBe(200)
    expectShape(res.json, 'Token')
    expect(res.json.identifier).toBe('awaiting_approval')
    expect(res.json.message).toContain('approved')
    const row = await userByName(ctx, body.username)
    expect(row.user.isApproved).toBe(false)
    expect(row.user.registrationReason).toBe('I would like to talk about birds')

    const me = await call('GET', '/api/v1/accounts/verify_credentials', { app, token: res.json.access_token })
    expect(me.status).toBe(403)
    expect(me.json.identifier).toBe('awaiting_approval')

    // Pending accounts stay out of sight of others.
    const lookup = await call('GET', '/api/v1/accounts/lookup', { app, query: { acct: body.username } })
    expect(lookup.status).toBe(404)
  })

  test('an over-long reason is 422', async () => {
    const res = await call('POST', '/api/v1/accounts', { app, token, json: signup({ reason: 'r'.repeat(1001) }) })
    expect(res.status).toBe(422)
    expect(res.json.details.reason[0].error).toBe('ERR_TOO_LONG')
  })

  test('a valid invite skips approval and the reason', async () => {
    const invite = await makeInvite(ctx)
    const body = signup({ token: invite.token })
    const res = await call('POST', '/api/v1/accounts', { app, token, json: body })
    expect(res.status).toBe(200)
    expect(res.json.identifier).toBeUndefined()
    expect((await userByName(ctx, body.username)).user.isApproved).toBe(true)
  })
})

describe('POST /api/v1/accounts (closed)', () => {
  test('is 403, even with an invite', async () => {
    const { ctx, app, token } = await setup({ registrations: 'closed', captcha: false })
    const res = await call('POST', '/api/v1/accounts', { app, token, json: signup() })
    expect(res.status).toBe(403)
    expect(res.json).toEqual({ error: 'Registrations are not open' })
    const invite = await makeInvite(ctx)
    const withInvite = await call('POST', '/api/v1/accounts', { app, token, json: signup({ token: invite.token }) })
    expect(withInvite.status).toBe(403)
    expect((await inviteRow(ctx, invite.id)).uses).toBe(0)
  })
})

describe('POST /api/v1/accounts with e-mail confirmation required', () => {
  test('creates an unconfirmed user whose token is refused with missing_confirmed_email', async () => {
    const { ctx, app, token } = await setup({ registrations: 'open', captcha: false, accountActivationRequired: true })
    const body = signup()
    const res = await call('POST', '/api/v1/accounts', { app, token, json: body })
    expect(res.status).toBe(200)
    expect(res.json.identifier).toBe('missing_confirmed_email')
    expect((await userByName(ctx, body.username)).user.confirmedAt).toBeNull()
    const me = await call('GET', '/api/v1/accounts/verify_credentials', { app, token: res.json.access_token })
    expect(me.status).toBe(403)
    expect(me.json.identifier).toBe('missing_confirmed_email')
  })
})

describe('captcha', () => {
  let ctx: Ctx
  let app: App
  let token: string

  beforeAll(async () => {
    ;({ ctx, app, token } = await setup({ registrations: 'open', captcha: true, accountActivationRequired: false }))
  })

  /** Fetches a captcha and swaps its answer for a known one (the image cannot be read in a test). */
  async function knownCaptcha(answer = 'KM4XP') {
    const res = await call('GET', '/api/pleroma/captcha', { app })
    expect(res.status).toBe(200)
    await ctx.db.update(captchas).set({ answerHash: captchaAnswerHash(res.json.answer_data, answer) }).where(eq(captchas.token, res.json.token))
    return { token: res.json.token as string, answerData: res.json.answer_data as string, answer }
  }

  test('is { type: "none" } when disabled, on both paths', async () => {
    const off = await testApp(await getTestContext())
    for (const path of ['/api/pleroma/captcha', '/api/v1/pleroma/captcha']) {
      const res = await call('GET', path, { app: off })
      expect(res.status).toBe(200)
      expect(res.json).toEqual({ type: 'none' })
    }
  })

  test('issues a native PNG captcha when enabled', async () => {
    for (const path of ['/api/pleroma/captcha', '/api/v1/pleroma/captcha']) {
      const res = await call('GET', path, { app })
      expect(res.status).toBe(200)
      expect(res.json.type).toBe('native')
      expect(res.json.token).toBeString()
      expect(res.json.answer_data).toBeString()
      expect(res.json.seconds_valid).toBe(300)
      expect(res.json.url).toStartWith('data:image/png;base64,')
      const bytes = Buffer.from(res.json.url.slice('data:image/png;base64,'.length), 'base64')
      expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
      expect(bytes.length).toBeGreaterThan(1000)
      expect(res.headers.get('cache-control')).toBe('no-store')
    }
  })

  test('registration without a captcha is 422', async () => {
    const res = await call('POST', '/api/v1/accounts', { app, token, json: signup() })
    expect(res.status).toBe(422)
    expect(res.json.details.captcha).toBeArray()
  })

  test('a solved captcha (any case) lets the registration through, once', async () => {
    const c = await knownCaptcha('KM4XP')
    const ok = await call('POST', '/api/v1/accounts', { app, token, json: signup({ captcha_token: c.token, captcha_solution: ' km4xp ', captcha_answer_data: c.answerData }) })
    expect(ok.status).toBe(200)
    const again = await call('POST', '/api/v1/accounts', { app, token, json: signup({ captcha_token: c.token, captcha_solution: 'KM4XP', captcha_answer_data: c.answerData }) })
    expect(again.status).toBe(422)
    expect(again.json.error).toBe('Validation failed: CAPTCHA already used')
  })

  test('a wrong answer is 422 and uses the captcha up', async () => {
    const c = await knownCaptcha('AC3HJ')
    const wrong = await call('POST', '/api/v1/accounts', { app, token, json: signup({ captcha_token: c.token, captcha_solution: 'XXXXX', captcha_answer_data: c.answerData }) })
    expect(wrong.status).toBe(422)
    expect(wrong.json.error).toBe('Validation failed: Invalid CAPTCHA')
    const right = await call('POST', '/api/v1/accounts', { app, token, json: signup({ captcha_token: c.token, captcha_solution: 'AC3HJ', captcha_answer_data: c.answerData }) })
    expect(right.status).toBe(422)
    expect(right.json.error).toBe('Validation failed: CAPTCHA already used')
  })

  test('the answer only counts with the answer_data it was issued with', async () => {
    const c = await knownCaptcha('TUVW3')
    const res = await call('POST', '/api/v1/accounts', { app, token, json: signup({ captcha_token: c.token, captcha_solution: 'TUVW3', captcha_answer_data: 'forged' }) })
    expect(res.status).toBe(422)
    expect(res.json.error).toBe('Validation failed: Invalid CAPTCHA')
  })

  test('an unknown or expired captcha is 422', async () => {
    const unknown = await call('POST', '/api/v1/accounts', { app, token, json: signup({ captcha_token: 'nope', captcha_solution: 'AAAAA', captcha_answer_data: 'x' }) })
    expect(unknown.status).toBe(422)
    expect(unknown.json.error).toBe('Validation failed: Invalid CAPTCHA')
    const c = await knownCaptcha('HJKLM')
    await ctx.db.update(captchas).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(captchas.token, c.token))
    const expired = await call('POST', '/api/v1/accounts', { app, token, json: signup({ captcha_token: c.token, captcha_solution: 'HJKLM', captcha_answer_data: c.answerData }) })
    expect(expired.status).toBe(422)
    expect(expired.json.error).toBe('Validation failed: CAPTCHA expired')
  })

  test('validation errors come before the captcha is spent', async () => {
    const c = await knownCaptcha('NPRTU')
    const bad = await call('POST', '/api/v1/accounts', { app, token, json: signup({ password: 'short', captcha_token: c.token, captcha_solution: 'NPRTU', captcha_answer_data: c.answerData }) })
    expect(bad.status).toBe(422)
    expect(bad.json.details.password).toBeArray()
    const good = await call('POST', '/api/v1/accounts', { app, token, json: signup({ captcha_token: c.token, captcha_solution: 'NPRTU', captcha_answer_data: c.answerData }) })
    expect(good.status).toBe(200)
  })
})
