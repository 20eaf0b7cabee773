// The token → viewer cache: a hit saves the lookup, and every change that matters ends it at once in this process
// and, through NOTIFY on commit, in any process (here: a change made on another connection, bypassing the code).
import { beforeAll, describe, expect, test } from 'bun:test'
import { eq, sql } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import { accounts, oauthTokens, users } from '../../src/db/schema'
import { sha256 } from '../../src/core/secrets'
import { elsewhere, getTestContext } from '../support/context'
import { makeUser, TEST_PASSWORD, type MadeUser } from '../support/factories'
import { call } from '../support/http'
import { callCounting } from '../support/queries'

let ctx: Ctx

beforeAll(async () => {
  ctx = await getTestContext()
})

async function passwordToken(user: MadeUser, scopes = 'read write') {
  const app = await call('POST', '/api/v1/apps', { form: { client_name: 'cache test', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes } })
  expect(app.status).toBe(200)
  const token = await call('POST', '/oauth/token', {
    form: { grant_type: 'password', client_id: app.json.client_id, client_secret: app.json.client_secret, username: user.account.username, password: TEST_PASSWORD, scope: scopes },
  })
  expect(token.status).toBe(200)
  return { token: token.json.access_token as string, clientId: app.json.client_id as string, clientSecret: app.json.client_secret as string }
}

const lookup = (s: string) => s.includes('"oauth_tokens"."token_hash"')
const me = (token: string) => call('GET', '/api/v1/accounts/verify_credentials', { token })

/** Polls (bounded) until the token is refused, for changes that arrive by notification. */
async function refusedSoon(token: string): Promise<number> {
  let status = 200
  for (const until = Date.now() + 10_000; Date.now() < until; await Bun.sleep(25)) {
    status = (await me(token)).status
    if (status !== 200) break
  }
  return status
}

describe('token cache', () => {
  test('a repeated request skips the token lookup', async () => {
    const user = await makeUser(ctx)
    // the cache keeps nothing until this process listens for changes, which starts with the first lookup
    let again = await callCounting(ctx, 'GET', '/api/v1/accounts/verify_credentials', { token: user.token })
    for (let i = 0; i < 20 && again.statements.some(lookup); i++, await Bun.sleep(50)) {
      again = await callCounting(ctx, 'GET', '/api/v1/accounts/verify_credentials', { token: user.token })
    }
    expect(again.status).toBe(200)
    expect(again.statements.some(lookup)).toBe(false)
    expect(again.statements).toHaveLength(1) // the account with its user and counters
  })

  test('revoking a token takes effect on the next request', async () => {
    const user = await makeUser(ctx)
    const t = await passwordToken(user)
    expect((await me(t.token)).status).toBe(200)
    expect((await me(t.token)).status).toBe(200)
    const revoked = await call('POST', '/oauth/revoke', { form: { client_id: t.clientId, client_secret: t.clientSecret, token: t.token } })
    expect(revoked.status).toBe(200)
    expect((await me(t.token)).status).toBe(401)
  })

  test('a token issued after a miss works at once (misses are not kept)', async () => {
    const user = await makeUser(ctx)
    expect((await me('not-a-token-yet')).status).toBe(401)
    expect((await me(user.token)).status).toBe(200)
  })

  test('a revocation made on another connection reaches the cache by notification', async () => {
    const user = await makeUser(ctx)
    expect((await me(user.token)).status).toBe(200)
    await elsewhere(ctx, sql`update ${oauthTokens} set revoked_at = now() where token_hash = ${sha256(user.token)}`)
    expect(await refusedSoon(user.token)).toBe(401)
  })

  test('suspension, deactivation and a narrower scope made elsewhere end cached access', async () => {
    const suspended = await makeUser(ctx)
    const deactivated = await makeUser(ctx)
    const narrowed = await makeUser(ctx)
    for (const u of [suspended, deactivated, narrowed]) expect((await me(u.token)).status).toBe(200)
    await elsewhere(ctx, sql`update ${accounts} set suspended_at = now() where username = ${suspended.account.username}`)
    await elsewhere(ctx, sql`update ${users} set is_active = false where email = ${deactivated.user.email}`)
    await elsewhere(ctx, sql`update ${oauthTokens} set scopes = 'write' where token_hash = ${sha256(narrowed.token)}`)
    expect(await refusedSoon(suspended.token)).toBe(403)
    expect(await refusedSoon(deactivated.token)).toBe(403)
    expect(await refusedSoon(narrowed.token)).toBe(403)
  })

  test('a change that does not matter (counters, last use) keeps the cache', async () => {
    const user = await makeUser(ctx)
    expect((await me(user.token)).status).toBe(200)
    await ctx.db.update(accounts).set({ statusesCount: 5 }).where(eq(accounts.id, user.account.id))
    const again = await callCounting(ctx, 'GET', '/api/v1/accounts/verify_credentials', { token: user.token })
    expect(again.json.statuses_count).toBe(5)
    expect(again.statements.some(lookup)).toBe(false)
  })
})
