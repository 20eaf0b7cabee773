// Pleroma chats with an account of a server that is not Rookery (a Fedify peer on loopback), both ways.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ChatMessage, Create, Delete, type Activity } from '@fedify/vocab'
import { makeUser, type MadeUser } from '../support/factories'
import { startLiveServer, type LiveServer } from '../support/live-server'
import { startPeer, type Peer } from '../support/peer'

let rookery: LiveServer
let peer: Peer
let peerHost: string

beforeAll(async () => {
  rookery = await startLiveServer({ federation: { allowPrivate: true } })
  peer = await startPeer(['bob', 'carl'])
  peerHost = new URL(peer.baseUrl).host
}, 60_000)

afterAll(async () => {
  await peer?.stop()
  await rookery?.stop()
}, 60_000)

async function api(user: MadeUser, method: string, path: string, json?: unknown) {
  const res = await fetch(`${rookery.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${user.token}`, ...(json ? { 'content-type': 'application/json' } : {}) },
    body: json ? JSON.stringify(json) : undefined,
  })
  return { status: res.status, body: await res.json() as any }
}

async function resolve(user: MadeUser, name: string): Promise<string> {
  const { body } = await api(user, 'GET', `/api/v2/search?q=${encodeURIComponent(`@${name}@${peerHost}`)}&resolve=true&type=accounts`)
  expect(body.accounts.map((a: { acct: string }) => a.acct)).toEqual([`${name}@${peerHost}`])
  return body.accounts[0].id
}

describe('a local account chats with a remote one', () => {
  test('each message goes to the recipient\'s own inbox as a Create of a ChatMessage; a deleted one as a Delete', async () => {
    const alice = await makeUser(rookery.ctx)
    const bobId = await resolve(alice, 'bob')
    const chat = await api(alice, 'POST', `/api/v1/pleroma/chats/by-account-id/${bobId}`)
    expect(chat.status).toBe(200)
    expect(chat.body.account.acct).toBe(`bob@${peerHost}`)

    const sent = await api(alice, 'POST', `/api/v1/pleroma/chats/${chat.body.id}/messages`, { content: 'hello <b>bob</b> :)' })
    expect(sent.status).toBe(200)
    const create = await peer.waitFor((a): a is Create => a instanceof Create && a.objectId?.href !== undefined
      && peer.deliveries.some((d) => d.activity === a && d.recipient === 'bob'))
    const object = await create.getObject()
    expect(object).toBeInstanceOf(ChatMessage)
    const message = object as ChatMessage
    expect(message.toIds.map((u) => u.href)).toEqual([peer.actorUri('bob').href])
    expect(message.attributionId?.href).toBe(`${rookery.baseUrl}/users/${alice.account.username}`)
    expect(message.content?.toString()).toContain('hello &lt;b&gt;bob&lt;/b&gt; :)')
    expect(create.toIds.map((u) => u.href)).toEqual([peer.actorUri('bob').href])
    // never through the shared inbox, and only to bob
    expect(peer.deliveries.filter((d) => d.activity instanceof Create).every((d) => d.recipient === 'bob')).toBe(true)

    expect((await api(alice, 'DELETE', `/api/v1/pleroma/chats/${chat.body.id}/messages/${sent.body.id}`)).status).toBe(200)
    const deletion = await peer.waitFor((a): a is Delete => a instanceof Delete && a.objectId?.href === message.id?.href)
    expect(deletion.actorId?.href).toBe(`${rookery.baseUrl}/users/${alice.account.username}`)
  }, 90_000)

  test('a blocked remote account cannot be chatted with', async () => {
    const alice = await makeUser(rookery.ctx)
    const carlId = await resolve(alice, 'carl')
    expect((await api(alice, 'POST', `/api/v1/accounts/${carlId}/block`)).status).toBe(200)
    expect((await api(alice, 'POST', `/api/v1/pleroma/chats/by-account-id/${carlId}`)).status).toBe(422)
  }, 60_000)
})
