// Remote interaction: the WebFinger subscribe template, Pleroma's remote_interaction API, and the pages remote-follow
// buttons open (/authorize_interaction, /ostatus_subscribe) with the sign-in that comes back to them.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Follow } from '@fedify/vocab'
import { makeUser, TEST_PASSWORD, type MadeUser } from '../support/factories'
import { startLiveServer, type LiveServer } from '../support/live-server'
import { startPeer, type Peer } from '../support/peer'

let rookery: LiveServer
let peer: Peer
let alice: MadeUser

beforeAll(async () => {
  rookery = await startLiveServer({ federation: { allowPrivate: true } })
  rookery.ctx.config.fetchPrivateNetwork = 'loopback'
  peer = await startPeer(['carl'])
  alice = await makeUser(rookery.ctx)
}, 60_000)

afterAll(async () => {
  await peer?.stop()
  await rookery?.stop()
}, 60_000)

const url = (path: string) => `${rookery.baseUrl}${path}`
const peerHost = () => new URL(peer.baseUrl).host

/** A browser: keeps its cookies and sends them back. */
function browser() {
  const jar = new Map<string, string>()
  return {
    async fetch(path: string, init: RequestInit = {}) {
      const headers = new Headers(init.headers)
      if (jar.size) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '))
      const res = await fetch(url(path), { ...init, headers, redirect: 'manual' })
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';')
        const i = pair.indexOf('=')
        jar.set(pair.slice(0, i), pair.slice(i + 1))
      }
      return res
    },
    async post(path: string, fields: Record<string, string>) {
      return this.fetch(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() })
    },
  }
}
const hidden = (page: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(page)?.[1]?.replaceAll('&amp;', '&') ?? ''

async function signedIn(user: MadeUser, returnTo: string) {
  const b = browser()
  const form = await (await b.fetch(`/auth/sign_in?return_to=${encodeURIComponent(returnTo)}`)).text()
  expect(hidden(form, 'return_to')).toBe(returnTo)
  const res = await b.post('/auth/sign_in', {
    authenticity_token: hidden(form, 'authenticity_token'), username: user.account.username, password: TEST_PASSWORD, return_to: hidden(form, 'return_to'),
  })
  expect(res.status).toBe(302)
  expect(res.headers.get('location')).toBe(returnTo)
  return b
}

describe('WebFinger and the remote_interaction API', () => {
  test('a local account\'s WebFinger has the subscribe template', async () => {
    const jrd = await (await fetch(url(`/.well-known/webfinger?resource=acct:${alice.account.username}@${rookery.ctx.config.domain}`))).json()
    const link = jrd.links.find((l: { rel: string }) => l.rel === 'http://ostatus.org/schema/1.0/subscribe')
    expect(link).toEqual({ rel: 'http://ostatus.org/schema/1.0/subscribe', template: `${rookery.baseUrl}/authorize_interaction?uri={uri}` })
  })

  test('answers where the profile\'s instance lets them act on an object', async () => {
    const apId = peer.actorUri('carl').href
    const res = await fetch(url('/api/v1/pleroma/remote_interaction'), {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ap_id: apId, profile: `${alice.account.username}@${rookery.ctx.config.domain}` }),
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ url: `${rookery.baseUrl}/authorize_interaction?uri=${encodeURIComponent(apId)}` })
  }, 30_000)

  test('an address whose instance has no subscribe template, or no such user, is not found; missing fields are 422', async () => {
    const post = (body: Record<string, string>) => fetch(url('/api/v1/pleroma/remote_interaction'), {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    })
    const noTemplate = await post({ ap_id: 'https://x.example/1', profile: `carl@${peerHost()}` })
    expect(noTemplate.status).toBe(404)
    expect(await noTemplate.json()).toEqual({ error: "Couldn't find user" })
    const noUser = await post({ ap_id: 'https://x.example/1', profile: `nobody@${rookery.ctx.config.domain}` })
    expect(noUser.status).toBe(404)
    const bad = await post({ ap_id: 'https://x.example/1', profile: 'not an address' })
    expect(bad.status).toBe(404)
    const missing = await post({ profile: `${alice.account.username}@${rookery.ctx.config.domain}` })
    expect(missing.status).toBe(422)
    expect((await missing.json()).error).toContain('ap_id')
  }, 30_000)
})

describe('interaction pages', () => {
  test('signed out: a sign-in prompt that comes back to the page', async () => {
    const path = `/authorize_interaction?uri=${encodeURIComponent(peer.actorUri('carl').href)}`
    const res = await fetch(url(path), { headers: { accept: 'text/html' } })
    expect(res.status).toBe(401)
    const page = await res.text()
    expect(page).toContain(`/auth/sign_in?return_to=${encodeURIComponent(path)}`)
    // a return address off this site is ignored
    const b = browser()
    const form = await (await b.fetch(`/auth/sign_in?return_to=${encodeURIComponent('https://evil.example/')}`)).text()
    expect(form).not.toContain('evil.example')
  }, 30_000)

  test('signed in: the remote account with a Follow button that follows through the server', async () => {
    const bob = await makeUser(rookery.ctx)
    const path = `/authorize_interaction?uri=${encodeURIComponent(peer.actorUri('carl').href)}`
    const b = await signedIn(bob, path)
    const res = await b.fetch(path)
    expect(res.status).toBe(200)
    const page = await res.text()
    expect(page).toContain(`@carl@${peerHost()}`)
    expect(page).toContain('Peer carl')
    expect(hidden(page, 'uri')).toBe(peer.actorUri('carl').href)

    // a form without the browser's token is refused
    const forged = await b.post('/authorize_interaction', { uri: peer.actorUri('carl').href, authenticity_token: 'x'.repeat(43) })
    expect(forged.status).toBe(403)

    const followed = await b.post('/authorize_interaction', { uri: hidden(page, 'uri'), authenticity_token: hidden(page, 'authenticity_token') })
    expect(followed.status).toBe(200)
    expect(await followed.text()).toContain('asked to accept')
    const follow = await peer.waitFor((a): a is Follow => a instanceof Follow && a.actorId?.href === `${rookery.baseUrl}/users/${bob.account.username}`)
    expect(follow.objectId?.href).toBe(peer.actorUri('carl').href)
  }, 60_000)

  test('/ostatus_subscribe finds an account by address; an unknown one is a 404 page', async () => {
    const dan = await makeUser(rookery.ctx)
    const path = `/ostatus_subscribe?acct=${encodeURIComponent(`carl@${peerHost()}`)}`
    const b = await signedIn(dan, path)
    const res = await b.fetch(path)
    expect(res.status).toBe(200)
    const page = await res.text()
    expect(page).toContain(`Follow @carl@${peerHost()}`)
    const local = await b.fetch(`/ostatus_subscribe?acct=${alice.account.username}`)
    expect(local.status).toBe(200)
    expect(await local.text()).toContain(`@${alice.account.username}`)
    const missing = await b.fetch(`/ostatus_subscribe?acct=${encodeURIComponent(`nobody@${peerHost()}`)}`)
    expect(missing.status).toBe(404)
    const empty = await b.fetch('/ostatus_subscribe')
    expect(empty.status).toBe(400)
  }, 60_000)
})
