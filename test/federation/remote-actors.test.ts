// A remote actor stored as fully as Mastodon and Pleroma show it: name and bio with their custom emoji, profile
// fields, aliases, a move, bot/locked/discoverable/indexable flags, creation date, images and counts; and an
// Update of the actor changes all of it.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Emoji, Image, PropertyValue, Service } from '@fedify/vocab'
import { makeUser, type MadeUser } from '../support/factories'
import { startLiveServer, until, type LiveServer } from '../support/live-server'
import { startPeer, type Peer } from '../support/peer'
import { expectShape } from '../support/shape'

const AS = 'application/activity+json'
const { Temporal } = globalThis as any

let rookery: LiveServer
let peer: Peer
let peerHost: string
let alice: MadeUser

beforeAll(async () => {
  rookery = await startLiveServer({ federation: { allowPrivate: true } })
  peer = await startPeer(['rich', 'newrich'])
  peerHost = new URL(peer.baseUrl).host
  alice = await makeUser(rookery.ctx)
  const rich = peer.actorUri('rich').href
  peer.profiles.set('rich', {
    type: Service,
    values: {
      name: 'Rich :blob:',
      summary: '<p>bio :blob: <script>alert(1)</script></p>',
      attachments: [
        new PropertyValue({ name: 'Site', value: '<a href="https://rich.example" onclick="x()">rich.example</a><script>y()</script>' }),
        new PropertyValue({ name: 'Pronouns', value: 'they/them' }),
      ],
      tags: [new Emoji({ id: new URL(`${peer.baseUrl}/emoji/blob`), name: ':blob:', icon: new Image({ url: new URL(`${peer.baseUrl}/emoji/blob.png`) }) })],
      aliases: [new URL('https://old.example/users/rich')],
      successor: peer.actorUri('newrich'),
      discoverable: true,
      indexable: true,
      manuallyApprovesFollowers: true,
      published: Temporal.Instant.from('2020-05-06T07:08:09Z'),
      icon: new Image({ url: new URL(`${peer.baseUrl}/media/avatar.png`) }),
      image: new Image({ url: new URL(`${peer.baseUrl}/media/header.png`) }),
      following: new URL(`${rich}/following`),
      outbox: new URL(`${rich}/outbox`),
    },
    extraJson: { capabilities: { acceptsChatMessages: true } },
  })
  const collection = (path: string, totalItems: number) =>
    peer.serve(path, { '@context': 'https://www.w3.org/ns/activitystreams', id: `${peer.baseUrl}${path}`, type: 'OrderedCollection', totalItems })
  collection('/users/rich/followers', 42)
  collection('/users/rich/following', 3)
  collection('/users/rich/outbox', 7)
}, 60_000)

afterAll(async () => {
  await peer?.stop()
  await rookery?.stop()
}, 60_000)

async function account(id: string) {
  const res = await rookery.api(alice, 'GET', `/api/v1/accounts/${id}`)
  expect(res.status).toBe(200)
  expectShape(res.body, 'Account')
  return res.body
}

describe('a remote actor', () => {
  let richId: string

  test('is stored with everything its document says', async () => {
    const found = await rookery.api(alice, 'GET', `/api/v2/search?q=${encodeURIComponent(`@rich@${peerHost}`)}&resolve=true&type=accounts`)
    expect(found.body.accounts.map((a: any) => a.acct)).toEqual([`rich@${peerHost}`])
    richId = found.body.accounts[0].id
    const a = await account(richId)
    expect(a.display_name).toBe('Rich :blob:')
    expect(a.note).toContain('bio :blob:')
    expect(a.note).not.toContain('<script')
    expect(a.emojis).toEqual([expect.objectContaining({ shortcode: 'blob', url: `${peer.baseUrl}/emoji/blob.png` })])
    expect(a.fields).toHaveLength(2)
    expect(a.fields[0].name).toBe('Site')
    expect(a.fields[0].value).toContain('href="https://rich.example"')
    expect(a.fields[0].value).not.toContain('onclick')
    expect(a.fields[0].value).not.toContain('<script')
    expect(a.fields[0].verified_at).toBeNull()
    expect(a.fields[1]).toEqual({ name: 'Pronouns', value: 'they/them', verified_at: null })
    expect(a.bot).toBe(true)
    expect(a.group).toBe(false)
    expect(a.locked).toBe(true)
    expect(a.discoverable).toBe(true)
    expect(a.created_at).toBe('2020-05-06T00:00:00.000Z')
    expect(a.avatar).toBe(`${peer.baseUrl}/media/avatar.png`)
    expect(a.header).toBe(`${peer.baseUrl}/media/header.png`)
    expect([a.followers_count, a.following_count, a.statuses_count]).toEqual([42, 3, 7])
    expect(a.moved?.acct).toBe(`newrich@${peerHost}`)
    expect(a.pleroma.also_known_as).toEqual(['https://old.example/users/rich'])
    expect(a.pleroma.accepts_chat_messages).toBe(true)
  }, 60_000)

  test('an Update of the actor changes the stored profile', async () => {
    peer.profiles.set('rich', {
      values: {
        name: 'Renamed',
        summary: '<p>new bio</p>',
        attachments: [new PropertyValue({ name: 'Only', value: 'one' })],
        discoverable: false,
        indexable: false,
        published: Temporal.Instant.from('2020-05-06T07:08:09Z'),
      },
      extraJson: { capabilities: { acceptsChatMessages: false } },
    })
    const doc = await (await fetch(peer.actorUri('rich'), { headers: { accept: AS } })).json() as Record<string, unknown>
    const { '@context': context, ...actor } = doc
    const res = await peer.sendJson({
      '@context': context, id: `${peer.actorUri('rich').href}#updates/${Date.now()}`, type: 'Update', actor: actor.id, object: actor,
    }, `${rookery.baseUrl}/inbox`, 'rich')
    expect(res.status).toBeLessThan(300)
    const a = await until(async () => { const x = await account(richId); return x.display_name === 'Renamed' ? x : null })
    expect(a.note).toContain('new bio')
    expect(a.fields).toEqual([{ name: 'Only', value: 'one', verified_at: null }])
    expect(a.bot).toBe(false)
    expect(a.locked).toBe(false)
    expect(a.discoverable).toBe(false)
    expect(a.moved ?? null).toBeNull()
    expect(a.emojis).toEqual([])
    expect(a.pleroma.also_known_as).toEqual([])
    expect(a.pleroma.accepts_chat_messages).toBe(false)
  }, 60_000)

  test('an Update of another actor is ignored', async () => {
    const before = await account(richId)
    const doc = await (await fetch(peer.actorUri('rich'), { headers: { accept: AS } })).json() as Record<string, unknown>
    const { '@context': context, ...actor } = doc
    await peer.sendJson({
      '@context': context, id: `${peer.actorUri('newrich').href}#updates/${Date.now()}`, type: 'Update', actor: peer.actorUri('newrich').href,
      object: { ...actor, name: 'Hijacked' },
    }, `${rookery.baseUrl}/inbox`, 'newrich')
    await Bun.sleep(1500)
    expect((await account(richId)).display_name).toBe(before.display_name)
  }, 30_000)
})
