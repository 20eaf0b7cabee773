// Pleroma chats with an account of a server that is not Rookery (a Fedify peer on loopback), both ways.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ChatMessage, Create, Delete, Document, Tombstone, type Activity, type Recipient } from '@fedify/vocab'
import { makeUser, type MadeUser } from '../support/factories'
import { startLiveServer, until, type LiveServer } from '../support/live-server'
import { startPeer, type Peer } from '../support/peer'

let rookery: LiveServer
let peer: Peer
let peerHost: string

beforeAll(async () => {
  rookery = await startLiveServer({ federation: { allowPrivate: true } })
  peer = await startPeer(['bob', 'carl', 'mona'])
  peerHost = new URL(peer.baseUrl).host
  // bob and carl take chats, as Pleroma actors say; mona (a Mastodon-like actor) does not say so
  for (const name of ['bob', 'carl']) peer.profiles.set(name, { extraJson: { capabilities: { acceptsChatMessages: true } } })
}, 60_000)

afterAll(async () => {
  await peer?.stop()
  await rookery?.stop()
}, 60_000)

async function resolve(user: MadeUser, name: string): Promise<string> {
  const { body } = await rookery.api(user, 'GET', `/api/v2/search?q=${encodeURIComponent(`@${name}@${peerHost}`)}&resolve=true&type=accounts`)
  expect(body.accounts.map((a: { acct: string }) => a.acct)).toEqual([`${name}@${peerHost}`])
  return body.accounts[0].id
}

describe('a local account chats with a remote one', () => {
  test('each message goes to the recipient\'s own inbox as a Create of a ChatMessage; a deleted one as a Delete', async () => {
    const alice = await makeUser(rookery.ctx)
    const bobId = await resolve(alice, 'bob')
    const chat = await rookery.api(alice, 'POST', `/api/v1/pleroma/chats/by-account-id/${bobId}`)
    expect(chat.status).toBe(200)
    expect(chat.body.account.acct).toBe(`bob@${peerHost}`)

    const sent = await rookery.api(alice, 'POST', `/api/v1/pleroma/chats/${chat.body.id}/messages`, { content: 'hello <b>bob</b> :)' })
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

    expect((await rookery.api(alice, 'DELETE', `/api/v1/pleroma/chats/${chat.body.id}/messages/${sent.body.id}`)).status).toBe(200)
    const deletion = await peer.waitFor((a): a is Delete => a instanceof Delete && a.objectId?.href === message.id?.href)
    expect(deletion.actorId?.href).toBe(`${rookery.baseUrl}/users/${alice.account.username}`)
  }, 90_000)

  test('a blocked remote account cannot be chatted with', async () => {
    const alice = await makeUser(rookery.ctx)
    const carlId = await resolve(alice, 'carl')
    expect((await rookery.api(alice, 'POST', `/api/v1/accounts/${carlId}/block`)).status).toBe(200)
    expect((await rookery.api(alice, 'POST', `/api/v1/pleroma/chats/by-account-id/${carlId}`)).status).toBe(422)
  }, 60_000)
})

describe('chat capability', () => {
  test('a remote account whose actor does not accept chat messages is refused as a recipient with 422', async () => {
    const alice = await makeUser(rookery.ctx)
    const monaId = await resolve(alice, 'mona')
    const bobId = await resolve(alice, 'bob')
    const accounts = (await rookery.api(alice, 'GET', `/api/v1/accounts/${monaId}`)).body
    expect(accounts.pleroma.accepts_chat_messages).toBe(false)
    expect((await rookery.api(alice, 'GET', `/api/v1/accounts/${bobId}`)).body.pleroma.accepts_chat_messages).toBe(true)
    const chat = await rookery.api(alice, 'POST', `/api/v1/pleroma/chats/by-account-id/${monaId}`)
    expect(chat.status).toBe(200)
    const sent = await rookery.api(alice, 'POST', `/api/v1/pleroma/chats/${chat.body.id}/messages`, { content: 'hello?' })
    expect(sent.status).toBe(422)
    expect(sent.body.error).toBe('Recipient does not accept chat messages')
    await Bun.sleep(500)
    expect(peer.deliveries.some((d) => d.recipient === 'mona')).toBe(false)
  }, 60_000)

  test('local actors say whether they accept chat messages (capabilities.acceptsChatMessages)', async () => {
    const open = await makeUser(rookery.ctx)
    const closed = await makeUser(rookery.ctx, { user: { acceptsChatMessages: false } })
    for (const [user, expected] of [[open, true], [closed, false]] as const) {
      const res = await fetch(`${rookery.baseUrl}/users/${user.account.username}`, { headers: { accept: 'application/activity+json' } })
      const json = await res.json() as Record<string, any>
      expect(json.capabilities).toEqual({ acceptsChatMessages: expected })
      expect(JSON.stringify(json['@context'])).toContain('litepub:acceptsChatMessages')
    }
  }, 30_000)
})

describe('a remote account chats with a local one', () => {
  async function recipientOf(user: MadeUser): Promise<Recipient> {
    return await peer.context().lookupObject(`${rookery.baseUrl}/users/${user.account.username}`) as unknown as Recipient
  }

  function chatMessage(from: string, to: URL[], id: string, content: string, attributedTo = peer.actorUri(from), attachments: Document[] = []) {
    const object = new ChatMessage({ id: new URL(`${peer.baseUrl}/objects/${id}`), attribution: attributedTo, tos: to, content, attachments })
    return new Create({ id: new URL(`${peer.baseUrl}/activities/${id}`), actor: peer.actorUri(from), tos: to, object })
  }

  const chatsOf = async (user: MadeUser) => (await rookery.api(user, 'GET', '/api/v1/pleroma/chats')).body as any[]

  test('a ChatMessage becomes a message in the recipient\'s chat, with a notification; its Delete takes it back', async () => {
    const alice = await makeUser(rookery.ctx)
    const to = await recipientOf(alice)
    const id = crypto.randomUUID()
    await peer.send(chatMessage('bob', [to.id!], id, '<p>hi alice <script>alert(1)</script></p>'), to)
    const [chat] = await until(async () => { const c = await chatsOf(alice); return c.length ? c : null })
    expect(chat.account.acct).toBe(`bob@${peerHost}`)
    expect(chat.last_message.content).toContain('hi alice')
    expect(chat.last_message.content).not.toContain('script')
    expect(chat.unread).toBe(1)
    const notifications = (await rookery.api(alice, 'GET', '/api/v1/notifications?include_types[]=pleroma:chat_mention')).body as any[]
    expect(notifications.map((n) => n.type)).toContain('pleroma:chat_mention')

    // the same message again is not a second one
    await peer.send(chatMessage('bob', [to.id!], id, '<p>hi alice</p>'), to)
    const deletion = new Delete({
      id: new URL(`${peer.baseUrl}/activities/${id}#delete`), actor: peer.actorUri('bob'), to: to.id!,
      object: new Tombstone({ id: new URL(`${peer.baseUrl}/objects/${id}`) }),
    })
    await peer.send(deletion, to)
    await until(async () => {
      const messages = (await rookery.api(alice, 'GET', `/api/v1/pleroma/chats/${chat.id}/messages`)).body as any[]
      return messages.length === 0
    })
  }, 90_000)

  test('a message with only a picture keeps it, at its remote address', async () => {
    const alice = await makeUser(rookery.ctx)
    const to = await recipientOf(alice)
    const picture = new Document({ mediaType: 'image/png', url: new URL(`${peer.baseUrl}/media/cat.png`), name: 'a cat' })
    await peer.send(chatMessage('bob', [to.id!], crypto.randomUUID(), '', peer.actorUri('bob'), [picture]), to)
    const [chat] = await until(async () => { const c = await chatsOf(alice); return c.length ? c : null })
    expect(chat.last_message.attachment).toMatchObject({
      type: 'image', remote_url: `${peer.baseUrl}/media/cat.png`, description: 'a cat',
    })
    const messages = (await rookery.api(alice, 'GET', `/api/v1/pleroma/chats/${chat.id}/messages`)).body as any[]
    expect(messages).toHaveLength(1)
    expect(messages[0].attachment.remote_url).toBe(`${peer.baseUrl}/media/cat.png`)
  }, 90_000)

  test('a message claiming another author, or addressed to more than one account, is dropped', async () => {
    const alice = await makeUser(rookery.ctx)
    const dora = await makeUser(rookery.ctx)
    const to = await recipientOf(alice)
    const other = await recipientOf(dora)
    await peer.send(chatMessage('bob', [to.id!], crypto.randomUUID(), 'forged', peer.actorUri('carl')), to)
    await peer.send(chatMessage('bob', [to.id!, other.id!], crypto.randomUUID(), 'to two'), to)
    // a proper message afterwards shows the inbox has worked through the two before it
    await peer.send(chatMessage('carl', [to.id!], crypto.randomUUID(), 'proper'), to, 'carl')
    const chats = await until(async () => { const c = await chatsOf(alice); return c.length ? c : null })
    expect(chats.map((c) => c.account.acct)).toEqual([`carl@${peerHost}`])
    expect(chats[0].last_message.content).toContain('proper')
    expect(await chatsOf(dora)).toEqual([])
  }, 90_000)

  test('an account that does not take chat messages gets none', async () => {
    const erin = await makeUser(rookery.ctx, { user: { acceptsChatMessages: false } })
    const to = await recipientOf(erin)
    await peer.send(chatMessage('bob', [to.id!], crypto.randomUUID(), 'unwanted'), to)
    await Bun.sleep(2000)
    expect(await chatsOf(erin)).toEqual([])
  }, 60_000)
})

