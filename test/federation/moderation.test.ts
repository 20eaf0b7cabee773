// Emoji reactions, blocks, reports and account deletions between Rookery and a server that is not Rookery (a Fedify
// peer on loopback), both ways, with the refusals.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import { Accept, Block, Delete, EmojiReact, Flag, Follow, Undo, type Activity } from '@fedify/vocab'
import { deleteLocalAccount, registerAccountJobs } from '../../src/core/accounts/delete-account'
import { accounts, blocks, customEmojis, follows, reports, statusReactions, statuses } from '../../src/db/schema'
import { makeUser, uniqueName, type MadeUser } from '../support/factories'
import { startLiveServer, until, type LiveServer } from '../support/live-server'
import { startPeer, type Peer } from '../support/peer'

const PUBLIC = 'https://www.w3.org/ns/activitystreams#Public'
const CONTEXT = ['https://www.w3.org/ns/activitystreams', { litepub: 'http://litepub.social/ns#', EmojiReact: 'litepub:EmojiReact', toot: 'http://joinmastodon.org/ns#', Emoji: 'toot:Emoji', misskey: 'https://misskey-hub.net/ns#', _misskey_reaction: 'misskey:_misskey_reaction' }]

let rookery: LiveServer
/** bob follows alice; dora reports; eve tries to act for others; gone deletes itself */
let peer: Peer
let alice: MadeUser
/** follows bob */
let carol: MadeUser
let admin: MadeUser
let aliceUri: string
let inbox: string
let bobUri: string
let bobId: string
let peerHost: string
let seq = 0

const idOn = (name: string, kind: string) => peer.activityId(name, kind)
const actorOf = (name: string) => peer.actorUri(name).href
const deliver = (json: unknown, as = 'bob') => peer.sendJson(json, inbox, as)

async function post(user: MadeUser, params: Record<string, unknown>): Promise<{ id: string; uri: string }> {
  const res = await rookery.api(user, 'POST', '/api/v1/statuses', params)
  expect(res.status).toBe(200)
  return res.body
}

/** Sends `json`, then a plain Like of a fresh sentinel status by bob, and waits for that: the first was handled by then. */
async function deliverAndSettle(json: unknown, as: string) {
  await deliver(json, as)
  const sentinel = await post(alice, { status: `sentinel ${++seq}`, visibility: 'public' })
  const like = { '@context': CONTEXT, id: idOn('bob', 'likes'), type: 'Like', actor: bobUri, object: sentinel.uri }
  expect((await deliver(like)).status).toBeLessThan(300)
  await until(async () => (await rookery.api(alice, 'GET', `/api/v1/statuses/${sentinel.id}`)).body.favourites_count === 1)
  await Bun.sleep(300)
}

/** A public status by `name`, delivered to Rookery; its id here. */
async function remoteStatus(name = 'bob'): Promise<{ id: string; uri: string }> {
  const uri = idOn(name, 'statuses')
  const actor = actorOf(name)
  const note = { id: uri, type: 'Note', attributedTo: actor, content: '<p>from the peer</p>', published: new Date().toISOString(), to: [PUBLIC], cc: [`${actor}/followers`] }
  expect((await deliver({ '@context': CONTEXT, id: `${uri}/activity`, type: 'Create', actor, to: note.to, cc: note.cc, object: note }, name)).status).toBeLessThan(300)
  const row = await until(async () => (await rookery.ctx.db.select().from(statuses).where(eq(statuses.uri, uri)))[0])
  return { id: row.id, uri }
}

async function lookup(user: MadeUser, name: string): Promise<string> {
  const found = await rookery.api(user, 'GET', `/api/v2/search?q=${encodeURIComponent(`@${name}@${peerHost}`)}&resolve=true&type=accounts`)
  return found.body.accounts[0].id
}

/** `name` on the peer follows the local `user`, accepted. */
async function peerFollows(name: string, user: MadeUser) {
  await peer.follow(name, `${rookery.baseUrl}/users/${user.account.username}`)
}

/** The local `user` follows `name` on the peer, accepted. */
async function followsPeer(user: MadeUser, name: string): Promise<string> {
  const id = await lookup(user, name)
  await rookery.api(user, 'POST', `/api/v1/accounts/${id}/follow`)
  const userUri = `${rookery.baseUrl}/users/${user.account.username}`
  const follow = await peer.waitFor((a: Activity): a is Follow => a instanceof Follow && a.objectId?.href === actorOf(name) && a.actorId?.href === userUri)
  const actor = await peer.context().lookupObject(userUri)
  await peer.send(new Accept({ id: new URL(idOn(name, 'accepts')), actor: peer.actorUri(name), object: follow }), actor as any, name)
  await until(async () => (await rookery.api(user, 'GET', `/api/v1/accounts/relationships?id[]=${id}`)).body[0]?.following)
  return id
}

const reactionsOf = (statusId: string) => rookery.ctx.db.select().from(statusReactions).where(eq(statusReactions.statusId, statusId))

beforeAll(async () => {
  rookery = await startLiveServer({ federation: { allowPrivate: true } })
  // the purge of a deleted account's statuses, as `serve` runs it
  await registerAccountJobs(rookery.ctx as Parameters<typeof registerAccountJobs>[0])
  peer = await startPeer(['bob', 'dora', 'eve', 'gone', 'zoe'])
  peerHost = new URL(peer.baseUrl).host
  alice = await makeUser(rookery.ctx)
  admin = await makeUser(rookery.ctx, { user: { isModerator: true } })
  aliceUri = `${rookery.baseUrl}/users/${alice.account.username}`
  inbox = `${rookery.baseUrl}/inbox`
  bobUri = actorOf('bob')
  await peerFollows('bob', alice)
  carol = await makeUser(rookery.ctx)
  bobId = await followsPeer(carol, 'bob')
}, 90_000)

afterAll(async () => {
  await peer?.stop()
  await rookery?.stop()
}, 60_000)

describe('emoji reactions', () => {
  test('reacting to a remote status sends EmojiReact to its author; removing it sends Undo{EmojiReact}', async () => {
    const status = await remoteStatus()
    const path = `/api/v1/pleroma/statuses/${status.id}/reactions/${encodeURIComponent('🔥')}`
    expect((await rookery.api(alice, 'PUT', path)).status).toBe(200)
    const react = await peer.waitFor((a): a is EmojiReact => a instanceof EmojiReact && a.objectId?.href === status.uri)
    expect(react.actorId?.href).toBe(aliceUri)
    expect(react.content?.toString()).toBe('🔥')
    expect(peer.deliveries.find((d) => d.activity === react)?.recipient).toBe('bob')

    expect((await rookery.api(alice, 'DELETE', path)).status).toBe(200)
    const undo = await peer.waitFor((a): a is Undo => a instanceof Undo && a.actorId?.href === aliceUri && a.objectId?.href === react.id?.href)
    expect(await undo.getObject(peer.context())).toBeInstanceOf(EmojiReact)
  }, 60_000)

  test('a custom emoji reaction carries the emoji as a tag', async () => {
    const shortcode = uniqueName('rk')
    await rookery.ctx.db.insert(customEmojis).values({ shortcode, fileKey: `emoji/${shortcode}.png` })
    const status = await remoteStatus()
    expect((await rookery.api(alice, 'PUT', `/api/v1/pleroma/statuses/${status.id}/reactions/${shortcode}`)).status).toBe(200)
    const react = await peer.waitFor((a): a is EmojiReact => a instanceof EmojiReact && a.objectId?.href === status.uri)
    expect(react.content?.toString()).toBe(`:${shortcode}:`)
    const tags = await Array.fromAsync(react.getTags(peer.context()))
    expect(tags.map((t) => t.name?.toString())).toEqual([`:${shortcode}:`])
  }, 60_000)

  test('reacting to a local status sends nothing', async () => {
    const own = await post(alice, { status: 'mine', visibility: 'public' })
    expect((await rookery.api(carol, 'PUT', `/api/v1/pleroma/statuses/${own.id}/reactions/${encodeURIComponent('👍')}`)).status).toBe(200)
    await Bun.sleep(1000)
    expect(peer.received.some((a) => a instanceof EmojiReact && a.objectId?.href === own.uri)).toBe(false)
  }, 30_000)

  test('an incoming EmojiReact is a reaction with its notification; another actor cannot undo it, its author can', async () => {
    const status = await post(alice, { status: 'react to me', visibility: 'public' })
    const react = { '@context': CONTEXT, id: idOn('bob', 'reactions'), type: 'EmojiReact', actor: bobUri, object: status.uri, content: '❤' }
    expect((await deliver(react)).status).toBeLessThan(300)
    const list = await until(async () => {
      const body = (await rookery.api(alice, 'GET', `/api/v1/pleroma/statuses/${status.id}/reactions`)).body
      return body.length ? body : null
    })
    expect(list[0].name).toBe('❤️')
    expect(list[0].accounts[0].acct).toBe(`bob@${peerHost}`)
    const notes = await until(async () => {
      const body = (await rookery.api(alice, 'GET', '/api/v1/notifications?types[]=pleroma:emoji_reaction')).body
      return body.find((n: any) => n.status?.id === status.id)
    })
    expect(notes.emoji).toBe('❤️')

    await deliverAndSettle({ '@context': CONTEXT, id: idOn('eve', 'undos'), type: 'Undo', actor: actorOf('eve'), object: react }, 'eve')
    expect(await reactionsOf(status.id)).toHaveLength(1)

    expect((await deliver({ '@context': CONTEXT, id: idOn('bob', 'undos'), type: 'Undo', actor: bobUri, object: react })).status).toBeLessThan(300)
    await until(async () => (await reactionsOf(status.id)).length === 0)
    await until(async () => !(await rookery.api(alice, 'GET', '/api/v1/notifications?types[]=pleroma:emoji_reaction')).body.some((n: any) => n.status?.id === status.id))
  }, 60_000)

  test('an Undo naming the EmojiReact by id only removes the sender\'s own reaction, not another\'s', async () => {
    const status = await post(alice, { status: 'undo by id', visibility: 'public' })
    const react = { '@context': CONTEXT, id: idOn('bob', 'reactions'), type: 'EmojiReact', actor: bobUri, object: status.uri, content: '👀' }
    expect((await deliver(react)).status).toBeLessThan(300)
    await until(async () => (await reactionsOf(status.id)).length === 1)
    await deliverAndSettle({ '@context': CONTEXT, id: idOn('eve', 'undos'), type: 'Undo', actor: actorOf('eve'), object: react.id }, 'eve')
    expect(await reactionsOf(status.id)).toHaveLength(1)
    expect((await deliver({ '@context': CONTEXT, id: idOn('bob', 'undos'), type: 'Undo', actor: bobUri, object: react.id })).status).toBeLessThan(300)
    await until(async () => (await reactionsOf(status.id)).length === 0)
  }, 30_000)

  test('a remote custom emoji reaction is kept as that domain\'s emoji', async () => {
    const status = await post(alice, { status: 'custom please', visibility: 'public' })
    const icon = `${peer.baseUrl}/emoji/blobcat.png`
    const react = {
      '@context': CONTEXT, id: idOn('dora', 'reactions'), type: 'EmojiReact', actor: actorOf('dora'), object: status.uri, content: ':blobcat:',
      tag: [{ type: 'Emoji', id: `${peer.baseUrl}/emoji/blobcat`, name: ':blobcat:', icon: { type: 'Image', url: icon } }],
    }
    expect((await deliver(react, 'dora')).status).toBeLessThan(300)
    const list = await until(async () => {
      const body = (await rookery.api(alice, 'GET', `/api/v1/pleroma/statuses/${status.id}/reactions`)).body
      return body.length ? body : null
    })
    expect(list[0].name).toBe(`blobcat@${peerHost}`)
    expect(list[0].url).toBe(icon)
    const [emoji] = await rookery.ctx.db.select().from(customEmojis).where(and(eq(customEmojis.shortcode, 'blobcat'), eq(customEmojis.domain, peerHost)))
    expect(emoji.remoteUrl).toBe(icon)
  }, 30_000)

  test('a Misskey reaction Like is a reaction, not a favourite; its Undo removes it', async () => {
    const status = await post(alice, { status: 'misskey me', visibility: 'public' })
    const like = { '@context': CONTEXT, id: idOn('dora', 'likes'), type: 'Like', actor: actorOf('dora'), object: status.uri, _misskey_reaction: '🎉', content: '🎉' }
    expect((await deliver(like, 'dora')).status).toBeLessThan(300)
    await until(async () => (await reactionsOf(status.id)).length === 1)
    expect((await rookery.api(alice, 'GET', `/api/v1/statuses/${status.id}`)).body.favourites_count).toBe(0)
    expect((await deliver({ '@context': CONTEXT, id: idOn('dora', 'undos'), type: 'Undo', actor: actorOf('dora'), object: like }, 'dora')).status).toBeLessThan(300)
    await until(async () => (await reactionsOf(status.id)).length === 0)
  }, 30_000)

  test('refused: a reaction that is not an emoji, and one with an id on another origin', async () => {
    const status = await post(alice, { status: 'not like this', visibility: 'public' })
    await deliverAndSettle({ '@context': CONTEXT, id: idOn('dora', 'reactions'), type: 'EmojiReact', actor: actorOf('dora'), object: status.uri, content: 'hello there' }, 'dora')
    await deliverAndSettle({ '@context': CONTEXT, id: `https://elsewhere.invalid/r/${++seq}`, type: 'EmojiReact', actor: actorOf('dora'), object: status.uri, content: '🔥' }, 'dora')
    expect(await reactionsOf(status.id)).toHaveLength(0)
  }, 30_000)
})

describe('blocks', () => {
  test('blocking a remote account sends Block to its inbox, ends the follow, and nothing more reaches it; unblocking sends Undo', async () => {
    const user = await makeUser(rookery.ctx)
    await peerFollows('zoe', user)
    const zoeId = await lookup(user, 'zoe')
    const userUri = `${rookery.baseUrl}/users/${user.account.username}`
    expect((await rookery.api(user, 'POST', `/api/v1/accounts/${zoeId}/block`)).status).toBe(200)
    const block = await peer.waitFor((a): a is Block => a instanceof Block && a.actorId?.href === userUri)
    expect(block.objectId?.href).toBe(actorOf('zoe'))
    expect(peer.deliveries.find((d) => d.activity === block)?.recipient).toBe('zoe')
    expect((await rookery.api(user, 'GET', `/api/v1/accounts/${user.account.id}/followers`)).body).toHaveLength(0)

    const mention = await post(user, { status: `@zoe@${peerHost} hello`, visibility: 'public' })
    const later = await post(user, { status: 'after the block', visibility: 'public' })
    await Bun.sleep(1500)
    expect(peer.received.some((a) => [mention.uri, later.uri].includes(a.objectId?.href ?? ''))).toBe(false)

    expect((await rookery.api(user, 'POST', `/api/v1/accounts/${zoeId}/unblock`)).status).toBe(200)
    const undo = await peer.waitFor((a): a is Undo => a instanceof Undo && a.actorId?.href === userUri && a.objectId?.href === block.id?.href)
    expect(peer.deliveries.find((d) => d.activity === undo)?.recipient).toBe('zoe')
  }, 60_000)

  test('an incoming Block ends follows both ways; another actor cannot undo it; its author can', async () => {
    const user = await makeUser(rookery.ctx)
    await followsPeer(user, 'dora')
    await peerFollows('dora', user)
    const doraId = await lookup(user, 'dora')
    const userUri = `${rookery.baseUrl}/users/${user.account.username}`
    const block = { '@context': CONTEXT, id: idOn('dora', 'blocks'), type: 'Block', actor: actorOf('dora'), object: userUri }
    expect((await deliver(block, 'dora')).status).toBeLessThan(300)
    await until(async () => (await rookery.ctx.db.select().from(blocks).where(and(eq(blocks.accountId, doraId), eq(blocks.targetAccountId, user.account.id)))).length === 1)
    const rel = (await rookery.api(user, 'GET', `/api/v1/accounts/relationships?id[]=${doraId}`)).body[0]
    expect(rel.following).toBe(false)
    expect(rel.followed_by).toBe(false)
    expect(rel.blocked_by).toBe(true)
    const pairs = await rookery.ctx.db.select().from(follows).where(eq(follows.accountId, doraId))
    expect(pairs.some((f) => f.targetAccountId === user.account.id)).toBe(false)

    // the blocked account's posts do not go to the blocker
    const after = await post(user, { status: `@dora@${peerHost} still there?`, visibility: 'public' })
    await Bun.sleep(1500)
    expect(peer.received.some((a) => a.objectId?.href === after.uri)).toBe(false)

    await deliverAndSettle({ '@context': CONTEXT, id: idOn('eve', 'undos'), type: 'Undo', actor: actorOf('eve'), object: block }, 'eve')
    expect((await rookery.api(user, 'GET', `/api/v1/accounts/relationships?id[]=${doraId}`)).body[0].blocked_by).toBe(true)
    expect((await deliver({ '@context': CONTEXT, id: idOn('dora', 'undos'), type: 'Undo', actor: actorOf('dora'), object: block }, 'dora')).status).toBeLessThan(300)
    await until(async () => !(await rookery.api(user, 'GET', `/api/v1/accounts/relationships?id[]=${doraId}`)).body[0].blocked_by)
  }, 90_000)
})

describe('reports', () => {
  test('a forwarded report sends an anonymous Flag from the instance actor; an unforwarded one sends nothing', async () => {
    const status = await remoteStatus()
    const res = await rookery.api(carol, 'POST', '/api/v1/reports', { account_id: bobId, status_ids: [status.id], comment: 'spam spam', forward: true })
    expect(res.status).toBe(200)
    const flag = await peer.waitFor((a): a is Flag => a instanceof Flag && a.objectIds.some((u) => u.href === status.uri))
    expect(flag.actorId?.href).toBe(`${rookery.baseUrl}/actor`)
    expect(flag.objectIds.map((u) => u.href).sort()).toEqual([bobUri, status.uri].sort())
    expect(flag.content?.toString()).toBe('spam spam')
    expect(JSON.stringify(await flag.toJsonLd())).not.toContain(carol.account.username)

    const quiet = await remoteStatus()
    expect((await rookery.api(carol, 'POST', '/api/v1/reports', { account_id: bobId, status_ids: [quiet.id], comment: 'quiet' })).status).toBe(200)
    await Bun.sleep(1000)
    expect(peer.received.some((a) => a instanceof Flag && a.objectIds.some((u) => u.href === quiet.uri))).toBe(false)
  }, 60_000)

  test('an incoming Flag is a report on the local account with its statuses, and moderators are notified', async () => {
    const status = await post(alice, { status: 'reported', visibility: 'public' })
    const other = await post(carol, { status: 'not alice', visibility: 'public' })
    const flag = { '@context': CONTEXT, id: idOn('dora', 'flags'), type: 'Flag', actor: actorOf('dora'), object: [aliceUri, status.uri, other.uri], content: 'rude' }
    expect((await deliver(flag, 'dora')).status).toBeLessThan(300)
    const report = await until(async () => (await rookery.ctx.db.select().from(reports).where(and(eq(reports.targetAccountId, alice.account.id), eq(reports.comment, 'rude'))))[0])
    expect(report.statusIds).toEqual([status.id])
    const [reporter] = await rookery.ctx.db.select().from(accounts).where(eq(accounts.id, report.accountId))
    expect(reporter.uri).toBe(actorOf('dora'))
    // carol's status names carol too
    await until(async () => (await rookery.ctx.db.select().from(reports).where(and(eq(reports.targetAccountId, carol.account.id), eq(reports.comment, 'rude')))).length === 1)
    const note = await until(async () => (await rookery.api(admin, 'GET', '/api/v1/notifications?types[]=pleroma:report')).body
      .find((n: any) => n.report?.id === report.id || n.target?.id === alice.account.id))
    expect(note.type).toBe('pleroma:report')
  }, 30_000)

  test('a Flag naming nothing local files no report', async () => {
    const before = (await rookery.ctx.db.select().from(reports)).length
    await deliverAndSettle({ '@context': CONTEXT, id: idOn('dora', 'flags'), type: 'Flag', actor: actorOf('dora'), object: [bobUri], content: 'elsewhere' }, 'dora')
    expect((await rookery.ctx.db.select().from(reports)).length).toBe(before)
  }, 30_000)
})

describe('account deletion', () => {
  test('deleting a local account sends Delete of the actor to the instances that knew it', async () => {
    const user = await makeUser(rookery.ctx)
    await peerFollows('zoe', user)
    const userUri = `${rookery.baseUrl}/users/${user.account.username}`
    expect(await deleteLocalAccount(rookery.ctx, user.account.id)).toBe(true)
    const del = await peer.waitFor((a): a is Delete => a instanceof Delete && a.objectId?.href === userUri)
    expect(del.actorId?.href).toBe(userUri)
  }, 60_000)

  test('an actor\'s Delete of itself removes its statuses and relationships here', async () => {
    const user = await makeUser(rookery.ctx)
    await peerFollows('gone', user)
    const status = await remoteStatus('gone')
    const goneId = await lookup(user, 'gone')
    expect((await rookery.api(user, 'GET', `/api/v1/accounts/relationships?id[]=${goneId}`)).body[0].followed_by).toBe(true)
    const del = { '@context': CONTEXT, id: `${actorOf('gone')}#delete`, type: 'Delete', actor: actorOf('gone'), object: actorOf('gone'), to: [PUBLIC] }
    expect((await deliver(del, 'gone')).status).toBeLessThan(300)
    await until(async () => (await rookery.ctx.db.select().from(statuses).where(eq(statuses.id, status.id))).length === 0)
    const [row] = await rookery.ctx.db.select().from(accounts).where(eq(accounts.id, goneId))
    expect(row.deletedAt).not.toBeNull()
    expect(await rookery.ctx.db.select().from(follows).where(eq(follows.accountId, goneId))).toHaveLength(0)
    expect((await rookery.api(user, 'GET', `/api/v1/accounts/${goneId}`)).status).toBe(404)
  }, 60_000)

  test('refused: a Delete of another actor, and one signed by someone else', async () => {
    const status = await remoteStatus('dora')
    await deliverAndSettle({ '@context': CONTEXT, id: idOn('eve', 'deletes'), type: 'Delete', actor: actorOf('eve'), object: actorOf('dora') }, 'eve')
    const forged = await deliver({ '@context': CONTEXT, id: idOn('dora', 'deletes'), type: 'Delete', actor: actorOf('dora'), object: actorOf('dora') }, 'eve')
    expect(forged.status).toBeGreaterThanOrEqual(400)
    const [dora] = await rookery.ctx.db.select().from(accounts).where(eq(accounts.uri, actorOf('dora')))
    expect(dora.deletedAt).toBeNull()
    expect(await rookery.ctx.db.select().from(statuses).where(eq(statuses.id, status.id))).toHaveLength(1)
  }, 30_000)
})
