// Accounts and conversations between two Rookery instances, each way (A→B: someone on A acts toward an account of
// B, and B→A), driven only through their client APIs: pins, profile updates, quote posts and Pleroma chats.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { PNG } from '../support/emoji'
import type { MadeUser } from '../support/factories'
import { api, arrivesHome, getJson, notificationArrives, postStatus, startTwoInstances, waitUntil, type Instance, type TwoInstances } from '../support/two-instances'

let net: TwoInstances

/** alice on A and bob on B follow each other; carol on A and dan on B are bystanders */
let alice: MadeUser
let bob: MadeUser
let carol: MadeUser
let dan: MadeUser

beforeAll(async () => {
  net = await startTwoInstances()
  ;[alice, carol, bob, dan] = await Promise.all([net.makeUser(net.a), net.makeUser(net.a), net.makeUser(net.b), net.makeUser(net.b)])
  await net.followAccepted(net.a, alice, net.b, bob)
  await net.followAccepted(net.b, bob, net.a, alice)
}, 240_000)

afterAll(async () => {
  await net?.close()
}, 60_000)

/** One direction: `actor` on `from` acts toward `author` on `to`; they follow each other. `fan` and `onlooker` do not. */
interface Direction { name: string; from: Instance; actor: MadeUser; to: Instance; author: MadeUser; fan: MadeUser; onlooker: MadeUser }

const direction = (name: string): Direction => name === 'A→B'
  ? { name, from: net.a, actor: alice, to: net.b, author: bob, fan: dan, onlooker: carol }
  : { name, from: net.b, actor: bob, to: net.a, author: alice, fan: carol, onlooker: dan }

const get = getJson
const post = postStatus

/** The author posts a status (public unless told) and waits for it in the actor's home; its ids on both sides. */
async function postSeen(d: Direction, params: Record<string, unknown> = {}) {
  const status = await post(d.to, d.author, { status: `from ${d.author.account.username} ${Math.random()}`, visibility: 'public', ...params })
  const seen = await arrivesHome(d.from, d.actor, status.uri)
  return { status, seen }
}

const statusOf = (instance: Instance, user: MadeUser, id: string) => get(instance, user, `/api/v1/statuses/${id}`)

describe.each(['A→B', 'B→A'])('%s', (name) => {
  test('pins: the featured collection is read with the account, then pins and unpins travel', async () => {
    const d = direction(name)
    const pinner = await net.makeUser(d.to)
    const first = await post(d.to, pinner, { status: 'pinned before anyone knew me', visibility: 'public' })
    expect((await api(d.to, pinner.token, 'POST', `/api/v1/statuses/${first.id}/pin`)).status).toBe(200)

    // the actor's instance meets the pinner only now, and reads their featured collection
    const pinnerId = await net.followAccepted(d.from, d.actor, d.to, pinner)
    const pinnedUris = async () => ((await get(d.from, d.actor, `/api/v1/accounts/${pinnerId}/statuses?pinned=true`)) as any[]).map((s) => s.uri)
    await waitUntil(async () => (await pinnedUris()).includes(first.uri), 60_000, 'the featured collection read')

    const second = await post(d.to, pinner, { status: 'pinned later', visibility: 'public' })
    await arrivesHome(d.from, d.actor, second.uri)
    expect((await api(d.to, pinner.token, 'POST', `/api/v1/statuses/${second.id}/pin`)).status).toBe(200)
    await waitUntil(async () => (await pinnedUris()).length === 2, 60_000, 'the Add')
    expect((await pinnedUris()).sort()).toEqual([first.uri, second.uri].sort())

    expect((await api(d.to, pinner.token, 'POST', `/api/v1/statuses/${first.id}/unpin`)).status).toBe(200)
    await waitUntil(async () => (await pinnedUris()).length === 1, 60_000, 'the Remove')
    expect(await pinnedUris()).toEqual([second.uri])
  }, 120_000)

  test('a profile update travels: display name, bio, fields and avatar', async () => {
    const d = direction(name)
    const form = new FormData()
    form.set('display_name', `New name ${d.name}`)
    form.set('note', 'a bio that says it all')
    form.set('fields_attributes[0][name]', 'site')
    form.set('fields_attributes[0][value]', 'example')
    form.set('avatar', new File([PNG], 'me.png', { type: 'image/png' }))
    const updated = await api(d.to, d.author.token, 'PATCH', '/api/v1/accounts/update_credentials', form)
    expect(updated.status).toBe(200)
    const avatarFile = new URL(updated.json.avatar).pathname.split('/').pop()!

    const authorId = (await get(d.from, d.actor, `/api/v1/accounts/lookup?acct=${net.acct(d.to, d.author)}`)).id
    // the new avatar is linked (it names the author's file) until the background job caches a copy here
    const newAvatar = (url: string) => url.includes(avatarFile) || url.startsWith(`${d.from.baseUrl}/media/remote/avatars/`)
    const seen = await waitUntil(async () => {
      const account = await get(d.from, d.actor, `/api/v1/accounts/${authorId}`)
      return account.display_name === `New name ${d.name}` && newAvatar(account.avatar) ? account : null
    }, 60_000, 'the Update of the actor')
    expect(seen.note).toContain('a bio that says it all')
    expect(seen.fields).toMatchObject([{ name: 'site', value: expect.stringContaining('example') }])
    const image = await fetch(seen.avatar)
    expect(image.status).toBe(200)
    expect(image.headers.get('content-type')).toBe('image/png')
  }, 120_000)

  test('a quote post reaches the quoted author with its quote', async () => {
    const d = direction(name)
    const { status, seen } = await postSeen(d)
    const quoting = await post(d.from, d.actor, { status: 'look at this', visibility: 'public', quote_id: seen.id })
    expect(quoting.quote).toMatchObject({ state: 'accepted', quoted_status: { id: seen.id } })
    const arrived = await arrivesHome(d.to, d.author, quoting.uri)
    expect(arrived.quote).toMatchObject({ state: 'accepted', quoted_status: { id: status.id, uri: status.uri } })
    await waitUntil(async () => (await statusOf(d.to, d.author, status.id)).quotes_count === 1, 30_000, 'the quote counted')
  }, 120_000)

  test('a chat message each way, with a chat_mention notification', async () => {
    const d = direction(name)
    const authorId = (await get(d.from, d.actor, `/api/v1/accounts/lookup?acct=${net.acct(d.to, d.author)}`)).id
    const chat = await api(d.from, d.actor.token, 'POST', `/api/v1/pleroma/chats/by-account-id/${authorId}`)
    expect(chat.status).toBe(200)
    const sent = await api(d.from, d.actor.token, 'POST', `/api/v1/pleroma/chats/${chat.json.id}/messages`, { content: `hello from ${d.from.name}` })
    expect(sent.status).toBe(200)

    const notification = await notificationArrives(d.to, d.author, 'pleroma:chat_mention', (n) => n.chat_message?.content?.includes(`hello from ${d.from.name}`))
    expect(notification.account.acct).toBe(net.acct(d.from, d.actor))
    const chats = (await get(d.to, d.author, '/api/v1/pleroma/chats')) as any[]
    const theirs = chats.find((c) => c.account.acct === net.acct(d.from, d.actor))
    expect(theirs.last_message.content).toContain(`hello from ${d.from.name}`)

    const answer = await api(d.to, d.author.token, 'POST', `/api/v1/pleroma/chats/${theirs.id}/messages`, { content: `hi back from ${d.to.name}` })
    expect(answer.status).toBe(200)
    await waitUntil(async () => {
      const messages = (await get(d.from, d.actor, `/api/v1/pleroma/chats/${chat.json.id}/messages`)) as any[]
      return messages.some((m) => m.content.includes(`hi back from ${d.to.name}`))
    }, 60_000, 'the answer in the chat')
    // nobody else on either side has the chat
    expect((await get(d.from, d.onlooker, '/api/v1/pleroma/chats')) as any[]).toEqual([])
    expect((await get(d.to, d.fan, '/api/v1/pleroma/chats')) as any[]).toEqual([])
  }, 120_000)
})
