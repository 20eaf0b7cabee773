// Real client libraries against a listening server: app registration, login and verify_credentials.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createOAuthAPIClient, createRestAPIClient } from 'masto'
import generator, { detector } from 'megalodon'
import { createApp } from '../../src/server/app'
import { contextWith } from '../support/context'
import { makeUser, TEST_PASSWORD } from '../support/factories'

let server: { stop(): void; url: string }

beforeAll(async () => {
  // Discovery documents link to the public base URL, so it must be the address this server listens on.
  const ctx = await contextWith({})
  const app = createApp(ctx).listen({ hostname: '127.0.0.1', port: 0 })
  server = { stop: () => app.stop(true), url: `http://127.0.0.1:${app.server!.port}` }
  ctx.config.baseUrl = server.url
  ctx.config.domain = new URL(server.url).host
})
afterAll(() => server.stop())

describe('masto.js', () => {
  test('registers an app, logs in with the password grant and verifies credentials', async () => {
    const { account } = await makeUser()
    const rest = createRestAPIClient({ url: server.url })
    const app = await rest.v1.apps.create({ clientName: 'masto.js test', redirectUris: 'urn:ietf:wg:oauth:2.0:oob', scopes: 'read write follow' })
    expect(app.clientId).toBeString()
    const oauth = createOAuthAPIClient({ url: server.url })
    const token = await oauth.token.create({
      grantType: 'password', clientId: app.clientId!, clientSecret: app.clientSecret!,
      username: account.username, password: TEST_PASSWORD, scope: 'read write follow', redirectUri: 'urn:ietf:wg:oauth:2.0:oob',
    })
    const me = await createRestAPIClient({ url: server.url, accessToken: token.accessToken }).v1.accounts.verifyCredentials()
    expect(me.id).toBe(account.id)
    expect(me.username).toBe(account.username)
    const instance = await rest.v2.instance.fetch()
    expect(instance.configuration.statuses.maxCharacters).toBeGreaterThan(0)
  })
})

/** A word no other status contains (letters only). */
const word = () => `zq${Math.random().toString(36).slice(2, 12).replace(/[0-9]/g, (d) => 'abcdefghij'[Number(d)])}`

describe('masto.js', () => {
  test('v2.search.list returns accounts, statuses and hashtags', async () => {
    const { account, token } = await makeUser(undefined, { nickname: word() })
    const client = createRestAPIClient({ url: server.url, accessToken: token })
    const w = word()
    const status = await client.v1.statuses.create({ status: `${w} and #${w}` })
    const found = await client.v2.search.list({ q: w })
    expect(found.statuses.map((s) => s.id)).toEqual([status.id])
    expect(found.hashtags.map((t) => t.name)).toEqual([w])
    const people = await client.v2.search.list({ q: account.username, type: 'accounts' })
    expect(people.accounts.map((a) => a.id)).toContain(account.id)
  })
})

describe('megalodon', () => {
  test('search returns accounts, statuses and hashtags through the Pleroma adapter', async () => {
    const { account, token } = await makeUser(undefined, { nickname: word() })
    const client = generator('pleroma', server.url, token)
    const w = word()
    const posted = await client.postStatus(`${w} and #${w}`)
    const found = await client.search(w)
    expect(found.data.statuses.map((s) => s.id)).toEqual([(posted.data as { id: string }).id])
    expect(found.data.hashtags.map((t) => t.name)).toEqual([w])
    const people = await client.search(account.username, { type: 'accounts' })
    expect(people.data.accounts.map((a) => a.id)).toContain(account.id)
  })

  test('detects the server and logs in through the Pleroma adapter', async () => {
    const { account } = await makeUser()
    expect(['mastodon', 'pleroma']).toContain(await detector(server.url))
    const client = generator('pleroma', server.url)
    const app = await client.registerApp('megalodon test', { scopes: ['read', 'write'] })
    expect(app.client_id).toBeString()
    const res = await fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'password', client_id: app.client_id, client_secret: app.client_secret, username: account.username, password: TEST_PASSWORD }),
    })
    const { access_token } = await res.json()
    const authed = generator('pleroma', server.url, access_token)
    const me = await authed.verifyAccountCredentials()
    expect(me.data.id).toBe(account.id)
    expect(me.data.acct).toBe(account.username)
  })
})
