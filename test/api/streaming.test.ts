// The streaming API against a listening server, with real WebSocket (and EventSource-style) clients.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { spawn, type Subprocess } from 'bun'
import { sql } from 'drizzle-orm'
import { createStreamingAPIClient } from 'masto'
import type { Ctx } from '../../src/core/context'
import { createList } from '../../src/core/lists/lists'
import { addMembers } from '../../src/core/lists/members'
import { blockAccount } from '../../src/core/relationships/block'
import { followAccount } from '../../src/core/relationships/follow'
import { liveTokenSql, issueToken } from '../../src/core/oauth/tokens'
import { muteAccount } from '../../src/core/relationships/mute'
import { oauthTokens } from '../../src/db/schema'
import { resultRows } from '../../src/db/client'
import { createApp, type App } from '../../src/server/app'
import { contextWith } from '../support/context'
import { makeUser, type MadeUser } from '../support/factories'
import { call as callApp, type CallOptions } from '../support/http'
import { HandshakeRefused, rawHandshake, TestSocket, type StreamMessage } from '../support/websocket'

let ctx: Ctx
let app: App
let base: string
const sockets: TestSocket[] = []

beforeAll(async () => {
  ctx = await contextWith({})
  app = createApp(ctx).listen({ hostname: '127.0.0.1', port: 0 })
  base = `ws://127.0.0.1:${app.server!.port}/api/v1/streaming`
  await app.decorator.streaming.start()
})

afterAll(async () => {
  for (const s of sockets) s.close()
  await app.decorator.streaming.stop()
  await app.stop(true)
})

/** API calls go through the listening app: its hub is the one delivering. */
const call = (method: string, path: string, opts: CallOptions = {}) => callApp(method, path, { ...opts, app })

/** Opens a socket that the suite closes at the end. */
async function open(query = '', opts: { protocols?: string[]; headers?: Record<string, string>; url?: string } = {}) {
  const socket = await TestSocket.open(`${opts.url ?? base}${query}`, opts)
  sockets.push(socket)
  return socket
}

async function refusal(query: string, opts: { protocols?: string[]; headers?: Record<string, string> } = {}): Promise<number> {
  try {
    const s = await open(query, opts)
    s.close()
    return 101
  } catch (e) {
    if (e instanceof HandshakeRefused) return e.status
    throw e
  }
}

const post = async (who: MadeUser, json: Record<string, unknown>) => {
  const res = await call('POST', '/api/v1/statuses', { token: who.token, json })
  expect(res.status).toBe(200)
  return res.json as { id: string }
}

const follow = (follower: MadeUser, target: MadeUser) => followAccount(ctx, follower.account.id, target.account)

const isUpdate = (id: string) => (m: StreamMessage) => m.event === 'update' && m.body?.id === id
const respond = (payload: Record<string, string>) => JSON.stringify({ event: 'pleroma:respond', payload: JSON.stringify(payload) })

/** Subscribes on the unified socket and waits for Pleroma's answer. */
async function subscribe(socket: TestSocket, stream: string, params: Record<string, unknown> = {}) {
  socket.send({ type: 'subscribe', stream, ...params })
  const answer = await socket.next((m) => m.event === 'pleroma:respond')
  expect(answer.body).toEqual({ result: 'success', type: 'subscribe' })
}

describe('endpoints', () => {
  test('GET /api/v1/streaming/health answers OK', async () => {
    const res = await fetch(`${base.replace('ws:', 'http:')}/health`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toStartWith('text/plain')
    expect(await res.text()).toBe('OK')
  })

  test('the instance advertises streaming', async () => {
    const v1 = await call('GET', '/api/v1/instance')
    expect(v1.json.urls.streaming_api).toStartWith('ws')
    expect(v1.json.pleroma.metadata.features).toContain('mastodon_api_streaming')
    const v2 = await call('GET', '/api/v2/instance')
    expect(v2.json.configuration.urls.streaming).toStartWith('ws')
  })
})

describe('authentication', () => {
  test('access_token in the query opens a user stream', async () => {
    const me = await makeUser(ctx)
    const socket = await open(`?stream=user&access_token=${me.token}`)
    const own = await post(me, { status: 'hello me' })
    const msg = await socket.next(isUpdate(own.id))
    expect(msg.stream).toEqual(['user'])
    expect(msg.body.account.id).toBe(me.account.id)
  })

  test('the Authorization header opens a user stream', async () => {
    const me = await makeUser(ctx)
    const socket = await open('?stream=user', { headers: { authorization: `Bearer ${me.token}` } })
    const own = await post(me, { status: 'hello header' })
    expect((await socket.next(isUpdate(own.id))).stream).toEqual(['user'])
  })

  test('a token in Sec-WebSocket-Protocol authenticates and is echoed back, alone', async () => {
    const me = await makeUser(ctx)
    const socket = await open('?stream=user', { protocols: [me.token] })
    expect(socket.protocol).toBe(me.token)
    const own = await post(me, { status: 'hello protocol' })
    await socket.next(isUpdate(own.id))

    const raw = await rawHandshake(`${base}?stream=user`, { 'sec-websocket-protocol': `${me.token}, phoenix` })
    expect(raw.status).toBe(101)
    expect(raw.headers['sec-websocket-protocol']).toBe(me.token)
  })

  test('an invalid token is refused with 401, wherever it comes from', async () => {
    expect(await refusal('?stream=user&access_token=nonsense')).toBe(401)
    expect(await refusal('?stream=public&access_token=nonsense')).toBe(401)
    expect(await refusal('', { headers: { authorization: 'Bearer nonsense' } })).toBe(401)
    const raw = await rawHandshake(`${base}?stream=user`, { 'sec-websocket-protocol': 'I am a friend' })
    expect(raw.status).toBe(401)
    expect(raw.headers['sec-websocket-protocol']).toBeUndefined()
  })

  test('user streams need a token with the right scope; unknown streams are 404', async () => {
    expect(await refusal('?stream=user')).toBe(401)
    expect(await refusal('?stream=user:notification')).toBe(401)
    expect(await refusal('?stream=direct')).toBe(401)
    expect(await refusal('?stream=nonsense')).toBe(404)
    expect(await refusal('?stream=hashtag')).toBe(404)
    const statusesOnly = await makeUser(ctx, { scopes: ['read:statuses'] })
    expect(await refusal(`?stream=user:notification&access_token=${statusesOnly.token}`)).toBe(401)
    expect(await refusal(`?stream=user&access_token=${statusesOnly.token}`)).toBe(101)
    const writeOnly = await makeUser(ctx, { scopes: ['write'] })
    expect(await refusal(`?stream=user&access_token=${writeOnly.token}`)).toBe(401)
    expect(await refusal(`?stream=public&access_token=${writeOnly.token}`)).toBe(101)
    expect(await refusal('?stream=public')).toBe(101)
    expect(await refusal('?stream=hashtag&tag=cats')).toBe(101)
    expect(await refusal('?stream=public:remote&instance=example.org')).toBe(101)
    expect(await refusal(`?stream=user:pleroma_chat&access_token=${statusesOnly.token}`)).toBe(101)
  })

  test('pleroma:authenticate answers exactly as Pleroma does', async () => {
    const me = await makeUser(ctx)
    const socket = await open()
    socket.send({ type: 'pleroma:authenticate', token: 'Something else' })
    expect((await socket.first()).raw).toBe(respond({ error: 'unauthorized', result: 'error', type: 'pleroma:authenticate' }))
    socket.send({ type: 'subscribe', stream: 'user' })
    expect((await socket.first()).raw).toBe(respond({ error: 'unauthorized', result: 'error', type: 'subscribe' }))

    socket.send({ type: 'pleroma:authenticate', token: me.token })
    expect((await socket.first()).raw).toBe('{"event":"pleroma:respond","payload":"{\\"result\\":\\"success\\",\\"type\\":\\"pleroma:authenticate\\"}"}')
    socket.send({ type: 'subscribe', stream: 'user' })
    expect((await socket.first()).raw).toBe(respond({ result: 'success', type: 'subscribe' }))
    socket.send({ type: 'pleroma:authenticate', token: me.token })
    expect((await socket.first()).raw).toBe(respond({ error: 'already_authenticated', result: 'error', type: 'pleroma:authenticate' }))

    const own = await post(me, { status: 'authenticated in band' })
    expect((await socket.next(isUpdate(own.id))).stream).toEqual(['user'])
  })
})

describe('revoked tokens', () => {
  test('streams close once their token is revoked; other tokens of the user keep theirs', async () => {
    const me = await makeUser(ctx)
    const second = await issueToken(ctx, { appId: null, userId: me.user.id, scopes: ['read', 'write'] })
    const doomed = await open(`?stream=user&access_token=${me.token}`)
    const kept = await open(`?stream=user&access_token=${second.accessToken}`)
    await ctx.db.update(oauthTokens).set({ revokedAt: new Date() }).where(liveTokenSql(me.token))
    await app.decorator.streaming.closeRevokedStreams()
    expect(await doomed.waitClosed()).toEqual({ code: 1000, reason: 'Access token revoked' })
    const own = await post({ ...me, token: second.accessToken }, { status: 'still streaming' })
    await kept.next(isUpdate(own.id))
  })
})

describe('subscriptions', () => {
  test('subscribe, subscribe again (ignored), bad streams, unsubscribe', async () => {
    const author = await makeUser(ctx)
    const socket = await open()
    socket.send({ type: 'subscribe', stream: 'public' })
    expect((await socket.first()).raw).toBe(respond({ result: 'success', type: 'subscribe' }))
    socket.send({ type: 'subscribe', stream: 'public' })
    expect((await socket.first()).raw).toBe(respond({ result: 'ignored', type: 'subscribe' }))
    socket.send({ type: 'subscribe', stream: 'nonsense' })
    expect((await socket.first()).raw).toBe(respond({ error: 'bad_topic', result: 'error', type: 'subscribe' }))
    socket.send({ type: 'subscribe', stream: 'hashtag', tag: 'StreamCats' })
    expect((await socket.first()).raw).toBe(respond({ result: 'success', type: 'subscribe' }))

    const first = await post(author, { status: 'meow #streamcats' })
    const streams = [(await socket.next(isUpdate(first.id))).stream, (await socket.next(isUpdate(first.id))).stream]
    expect(streams).toContainEqual(['public'])
    expect(streams).toContainEqual(['hashtag', 'StreamCats'])

    socket.send({ type: 'unsubscribe', stream: 'public' })
    expect((await socket.first()).raw).toBe(respond({ result: 'success', type: 'unsubscribe' }))
    socket.send({ type: 'unsubscribe', stream: 'public' })
    expect((await socket.first()).raw).toBe(respond({ result: 'ignored', type: 'unsubscribe' }))

    const second = await post(author, { status: 'no tag here' })
    const third = await post(author, { status: 'again #StreamCats' })
    const next = await socket.first()
    expect(next.body.id).toBe(third.id)
    expect(next.stream).toEqual(['hashtag', 'StreamCats'])
    expect(socket.pending().some((m) => m.body?.id === second.id)).toBe(false)
  })

  test('malformed and unknown client messages are ignored', async () => {
    const socket = await open()
    socket.send('not json')
    socket.send({ type: 'dance' })
    socket.send([1, 2])
    await subscribe(socket, 'public:local')
  })
})

describe('what each stream receives', () => {
  test('public, local, remote and media streams follow the public timelines', async () => {
    const author = await makeUser(ctx)
    const pub = await open('?stream=public')
    const local = await open('?stream=public:local')
    const remote = await open('?stream=public:remote')
    const media = await open('?stream=public:media')
    const unlisted = await post(author, { status: 'quiet', visibility: 'unlisted' })
    const shown = await post(author, { status: 'loud' })
    expect((await pub.first()).body.id).toBe(shown.id)
    const l = await local.first()
    expect(l.body.id).toBe(shown.id)
    expect(l.stream).toEqual(['public:local'])
    // A local sentinel never reaches remote or media streams: nothing but later remote/media posts could.
    expect(remote.pending()).toEqual([])
    expect(media.pending()).toEqual([])
    expect([...pub.pending(), ...local.pending()].some((m) => m.body?.id === unlisted.id)).toBe(false)
  })

  test('a hashtag stream gets public statuses with the tag, in any case; hashtag:local only local ones', async () => {
    const author = await makeUser(ctx)
    const socket = await open('?stream=hashtag:local&tag=Birbs')
    await post(author, { status: 'nothing to see' })
    const tagged = await post(author, { status: 'look #BIRBS' })
    const msg = await socket.first()
    expect(msg.body.id).toBe(tagged.id)
    expect(msg.stream).toEqual(['hashtag:local', 'Birbs'])
  })

  test('the user stream gets what enters the home feed: followed accounts, not strangers; private only for followers', async () => {
    const [reader, friend, stranger] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    await follow(reader, friend)
    const readerSocket = await open(`?stream=user&access_token=${reader.token}`)
    const strangerSocket = await open(`?stream=user&access_token=${stranger.token}`)
    const publicSocket = await open('?stream=public')

    const strangers = await post(stranger, { status: 'not followed by reader', visibility: 'unlisted' })
    const priv = await post(friend, { status: 'for followers only', visibility: 'private' })
    const msg = await readerSocket.next((m) => m.event === 'update')
    expect(msg.body.id).toBe(priv.id)
    expect(msg.body.visibility).toBe('private')

    // The stranger's stream gets their own statuses, in order, and nothing in between.
    const sentinel = await post(stranger, { status: 'mine', visibility: 'unlisted' })
    expect((await strangerSocket.next((m) => m.event === 'update')).body.id).toBe(strangers.id)
    expect((await strangerSocket.next((m) => m.event === 'update')).body.id).toBe(sentinel.id)
    const pub = await post(friend, { status: 'for everyone' })
    expect((await publicSocket.first()).body.id).toBe(pub.id)
  })

  test('statuses of blocked and muted authors are not delivered', async () => {
    const [viewer, blocked, muted, other] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    await blockAccount(ctx, viewer.account.id, blocked.account)
    await muteAccount(ctx, viewer.account.id, muted.account, { notifications: true, durationSeconds: null })
    const viewerSocket = await open(`?stream=public&access_token=${viewer.token}`)
    const anonymous = await open('?stream=public')
    const b = await post(blocked, { status: 'from a blocked account' })
    const m = await post(muted, { status: 'from a muted account' })
    const o = await post(other, { status: 'from someone else' })
    expect((await viewerSocket.first()).body.id).toBe(o.id)
    expect((await anonymous.next(isUpdate(b.id))).body.id).toBe(b.id)
    expect((await anonymous.next(isUpdate(m.id))).body.id).toBe(m.id)
  })

  test('the viewer gets statuses rendered for them', async () => {
    const [reader, author] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    await follow(reader, author)
    const socket = await open(`?stream=user&access_token=${reader.token}`)
    const s = await post(author, { status: 'render me' })
    const msg = await socket.next(isUpdate(s.id))
    expect(msg.body.account.id).toBe(author.account.id)
    expect(msg.body.favourited).toBe(false)
    expect(typeof msg.payload).toBe('string')
  })

  test('each viewer gets, byte for byte, what the REST API answers them', async () => {
    const [author, booster, faved, bookmarked, muted, filtering, voter, staff, plain] = await Promise.all([
      makeUser(ctx), makeUser(ctx), makeUser(ctx), makeUser(ctx), makeUser(ctx), makeUser(ctx), makeUser(ctx),
      makeUser(ctx, { user: { isAdmin: true } }), makeUser(ctx),
    ])
    // (not the author: a reblog skips home feeds that hold the original)
    const viewers = { faved, bookmarked, muted, filtering, voter, staff, plain }
    for (const viewer of Object.values(viewers)) await follow(viewer, booster)
    const original = await post(author, {
      status: `shared render with #streamtag for @${plain.account.username}`,
      poll: { options: ['yes', 'no'], expires_in: 3600 },
    }) as { id: string; poll: { id: string } }
    const act = async (who: MadeUser, method: string, path: string, json?: unknown) =>
      expect((await call(method, path, { token: who.token, json })).status).toBe(200)
    await act(faved, 'POST', `/api/v1/statuses/${original.id}/favourite`)
    await act(faved, 'PUT', `/api/v1/pleroma/statuses/${original.id}/reactions/🔥`)
    await act(bookmarked, 'POST', `/api/v1/statuses/${original.id}/bookmark`)
    await act(muted, 'POST', `/api/v1/statuses/${original.id}/mute`)
    await act(filtering, 'POST', '/api/v2/filters', { title: 'no polls', context: ['home', 'public'], filter_action: 'warn', keywords_attributes: [{ keyword: 'shared render' }] })
    await act(voter, 'POST', `/api/v1/polls/${original.poll.id}/votes`, { choices: [1] })
    await act(author, 'POST', `/api/v1/statuses/${original.id}/pin`)

    const sockets = new Map(await Promise.all(Object.entries(viewers).map(async ([name, who]) =>
      [name, await open(`?stream=user&access_token=${who.token}`)] as const)))
    const reblog = await call('POST', `/api/v1/statuses/${original.id}/reblog`, { token: booster.token })
    expect(reblog.status).toBe(200)
    const payloads: Record<string, string> = {}
    for (const [name, who] of Object.entries(viewers)) {
      const msg = await sockets.get(name)!.next(isUpdate(reblog.json.id))
      const rest = await call('GET', `/api/v1/statuses/${reblog.json.id}`, { token: who.token })
      expect(rest.status).toBe(200)
      expect(msg.payload).toBe(rest.text)
      payloads[name] = msg.payload!
    }
    // the viewers' own states differ, each in their own payload only
    const body = (name: string) => JSON.parse(payloads[name]).reblog
    expect(body('faved').favourited).toBe(true)
    expect(body('faved').pleroma.emoji_reactions).toEqual([expect.objectContaining({ name: '🔥', count: 1, me: true })])
    expect(body('plain').favourited).toBe(false)
    expect(body('plain').pleroma.emoji_reactions).toEqual([expect.objectContaining({ name: '🔥', count: 1, me: false })])
    expect(body('bookmarked').bookmarked).toBe(true)
    expect(body('muted').muted).toBe(true)
    expect(body('plain').muted).toBe(false)
    expect(body('filtering').filtered).toEqual([expect.objectContaining({ keyword_matches: ['shared render'] })])
    expect(body('plain').filtered).toEqual([])
    expect(body('voter').poll.own_votes).toEqual([1])
    expect(body('plain').poll).toMatchObject({ voted: false, own_votes: [] })
    expect(body('plain').pinned).toBe(true)
    expect(body('staff').account.pleroma).toHaveProperty('is_approved')
    expect(body('plain').account.pleroma).not.toHaveProperty('is_approved')
    expect(new Set(Object.values(payloads)).size).toBe(Object.keys(viewers).length)
  })

  test('events prepared side by side still arrive in the order they were committed', async () => {
    const [reader, author] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    await follow(reader, author)
    const socket = await open(`?stream=user&access_token=${reader.token}`)
    // a status takes queries to prepare, a filter change none: unordered, each change would overtake the status before it
    const expected: string[] = []
    for (let i = 0; i < 4; i++) {
      const s = await post(author, { status: `in order ${i}`, poll: { options: ['a', 'b'], expires_in: 3600 } })
      const filter = await call('POST', '/api/v2/filters', { token: reader.token, json: { title: `order ${i}`, context: ['home'], keywords_attributes: [{ keyword: `zz${i}` }] } })
      expect(filter.status).toBe(200)
      expected.push(`update:${s.id}`, 'filters_changed')
    }
    const got: string[] = []
    for (const _ of expected) {
      const m = await socket.next((m) => m.event === 'update' || m.event === 'filters_changed')
      got.push(m.event === 'update' ? `update:${m.body.id}` : m.event)
    }
    expect(got).toEqual(expected)
  })

  test('notifications reach user:notification, and user when the token may read them', async () => {
    const [me, other] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    const notes = await open(`?stream=user:notification&access_token=${me.token}`)
    const user = await open(`?stream=user&access_token=${me.token}`)
    const s = await post(other, { status: `hi @${me.account.username}` })
    const n = await notes.next((m) => m.event === 'notification')
    expect(n.stream).toEqual(['user:notification'])
    expect(n.body.type).toBe('mention')
    expect(n.body.status.id).toBe(s.id)
    expect(n.body.account.id).toBe(other.account.id)
    const u = await user.next((m) => m.event === 'notification')
    expect(u.stream).toEqual(['user'])
    expect(u.body.id).toBe(n.body.id)
  })

  test('the direct stream gets direct statuses of their participants, and the conversation', async () => {
    const [alice, bob, eve] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    const bobSocket = await open(`?stream=direct&access_token=${bob.token}`)
    const eveSocket = await open(`?stream=direct&access_token=${eve.token}`)
    const dm = await post(alice, { status: `psst @${bob.account.username}`, visibility: 'direct' })
    const update = await bobSocket.next(isUpdate(dm.id))
    expect(update.stream).toEqual(['direct'])
    const conversation = await bobSocket.next((m) => m.event === 'conversation')
    expect(conversation.body.last_status.id).toBe(dm.id)
    expect(conversation.body.accounts.map((a: { id: string }) => a.id)).toEqual([alice.account.id])

    const own = await post(eve, { status: `note to self @${eve.account.username}`, visibility: 'direct' })
    expect((await eveSocket.next((m) => m.event === 'update')).body.id).toBe(own.id)
    expect(eveSocket.pending().some((m) => m.body?.id === dm.id || m.body?.last_status?.id === dm.id)).toBe(false)
  })

  test('a list stream gets its members’ statuses', async () => {
    const [owner, member, outsider] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    await follow(owner, member)
    await follow(owner, outsider)
    const list = await createList(ctx, owner.account.id, { title: 'friends' })
    await addMembers(ctx, owner.account.id, list.id, [member.account.id])
    const socket = await open(`?stream=list&list=${list.id}&access_token=${owner.token}`)
    await post(outsider, { status: 'not on the list' })
    const s = await post(member, { status: 'on the list' })
    const msg = await socket.first()
    expect(msg.body.id).toBe(s.id)
    expect(msg.stream).toEqual(['list', list.id])

    const other = await makeUser(ctx)
    expect(await refusal(`?stream=list&list=${list.id}&access_token=${other.token}`)).toBe(404)
  })

  test('edits arrive as status.update', async () => {
    const author = await makeUser(ctx)
    const socket = await open(`?stream=user&access_token=${author.token}`)
    const s = await post(author, { status: 'first draft' })
    await socket.next(isUpdate(s.id))
    expect((await call('PUT', `/api/v1/statuses/${s.id}`, { token: author.token, json: { status: 'second draft' } })).status).toBe(200)
    const msg = await socket.next((m) => m.event === 'status.update')
    expect(msg.body.id).toBe(s.id)
    expect(msg.body.content).toContain('second draft')
  })

  test('deletions reach the streams that showed the status, and only viewers who could see it', async () => {
    const [author, follower, stranger] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    await follow(follower, author)
    const pub = await open('?stream=public')
    const followerSocket = await open(`?stream=user&access_token=${follower.token}`)
    const strangerSocket = await open(`?stream=user&access_token=${stranger.token}`)
    const open1 = await post(author, { status: 'soon gone' })
    const priv = await post(author, { status: 'soon gone too', visibility: 'private' })
    await followerSocket.next(isUpdate(priv.id))
    for (const id of [open1.id, priv.id]) {
      expect((await call('DELETE', `/api/v1/statuses/${id}`, { token: author.token })).status).toBe(200)
    }
    const d = await pub.next((m) => m.event === 'delete')
    expect(d.payload).toBe(open1.id)
    expect(d.stream).toEqual(['public'])
    expect((await followerSocket.next((m) => m.event === 'delete')).payload).toBe(open1.id)
    expect((await followerSocket.next((m) => m.event === 'delete')).payload).toBe(priv.id)
    const mine = await post(stranger, { status: 'stranger sentinel' })
    await strangerSocket.next(isUpdate(mine.id))
    await pub.next(isUpdate(mine.id))
    expect(strangerSocket.pending().some((m) => m.event === 'delete')).toBe(false)
    expect(pub.pending().some((m) => m.payload === priv.id)).toBe(false)
  })

  test('filter changes and follows are announced on the user stream', async () => {
    const [me, target] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    const socket = await open(`?stream=user&access_token=${me.token}`)
    const res = await call('POST', '/api/v2/filters', { token: me.token, json: { title: 'spoilers', context: ['home'], keywords_attributes: [{ keyword: 'ending' }] } })
    expect(res.status).toBe(200)
    const changed = await socket.next((m) => m.event === 'filters_changed')
    expect(changed.stream).toEqual(['user'])
    expect(changed.payload).toBeUndefined()

    await follow(me, target)
    const rel = await socket.next((m) => m.event === 'pleroma:follow_relationships_update')
    expect(rel.body).toEqual({
      follower: { id: me.account.id, follower_count: 0, following_count: 1 },
      following: { id: target.account.id, follower_count: 1, following_count: 0 },
      state: 'follow_accept',
    })
  })
})

describe('Mastodon clients', () => {
  test('a client sending its token as Sec-WebSocket-Protocol gets no answer to good subscriptions, only to bad ones', async () => {
    const me = await makeUser(ctx)
    const socket = await open('', { protocols: [me.token] })
    socket.send({ type: 'subscribe', stream: 'nonsense' })
    expect((await socket.first()).raw).toBe(respond({ error: 'bad_topic', result: 'error', type: 'subscribe' }))
    socket.send({ type: 'subscribe', stream: 'user' })
    // Client events are handled in order: once a later bad one is answered, the subscription is in place.
    socket.send({ type: 'unsubscribe', stream: 'nonsense' })
    expect((await socket.first()).raw).toBe(respond({ error: 'bad_topic', result: 'error', type: 'unsubscribe' }))
    const own = await post(me, { status: 'quietly subscribed' })
    const first = await socket.first()
    expect(first.event).toBe('update')
    expect(first.body.id).toBe(own.id)
  })

  test('masto.js (Elk, Phanpy) receives updates', async () => {
    const me = await makeUser(ctx)
    const client = createStreamingAPIClient({ streamingApiUrl: base.replace('/api/v1/streaming', ''), accessToken: me.token, retry: false })
    try {
      const events = client.user.subscribe()[Symbol.asyncIterator]()
      const received = events.next()
      // The subscription is sent once the socket is open; post until it is in place.
      let result: IteratorResult<any> | null = null
      const posted: string[] = []
      for (let i = 0; i < 20 && !result; i++) {
        posted.push((await post(me, { status: `masto.js ${i}` })).id)
        result = await Promise.race([received, Bun.sleep(500).then(() => null)])
      }
      expect(result?.value.event).toBe('update')
      expect(posted).toContain(result?.value.payload.id)
      expect(result?.value.stream).toEqual(['user'])
    } finally {
      client.close()
    }
  })
})

describe('path forms and server-sent events', () => {
  test('a WebSocket on /api/v1/streaming/public/local is that stream', async () => {
    const author = await makeUser(ctx)
    const socket = await open('', { url: `${base}/public/local` })
    const s = await post(author, { status: 'via path' })
    expect((await socket.next(isUpdate(s.id))).stream).toEqual(['public:local'])
  })

  test('GET /api/v1/streaming/user streams events as text/event-stream', async () => {
    const me = await makeUser(ctx)
    const controller = new AbortController()
    const res = await fetch(`${base.replace('ws:', 'http:')}/user`, { headers: { authorization: `Bearer ${me.token}` }, signal: controller.signal })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toStartWith('text/event-stream')
    const reader = res.body!.getReader()
    const s = await post(me, { status: 'over sse' })
    let text = ''
    const decoder = new TextDecoder()
    while (!text.includes(s.id)) {
      const { value, done } = await reader.read()
      if (done) break
      text += decoder.decode(value)
    }
    expect(text).toContain('event: update\ndata: {')
    controller.abort()
    expect((await fetch(`${base.replace('ws:', 'http:')}/user`)).status).toBe(401)
    expect((await fetch(`${base.replace('ws:', 'http:')}/nonsense`)).status).toBe(404)
  })
})

describe('several server processes', () => {
  const databaseUrl = process.env.TEST_DATABASE_URL
  let child: Subprocess | null = null

  afterAll(async () => {
    if (!child) return
    child.kill('SIGTERM')
    await Promise.race([child.exited, Bun.sleep(15_000)])
  })

  // PGlite is one process's database: a second `serve` cannot open it, so this needs PostgreSQL (TEST_DATABASE_URL).
  test.skipIf(!databaseUrl)('a status posted through one process reaches a client of another', async () => {
    const [{ name }] = resultRows<{ name: string }>(await ctx.db.execute(sql`select current_database() as name`))
    const url = new URL(databaseUrl!)
    url.pathname = `/${name}`
    child = spawn(['node_modules/.bin/bun', 'src/cli/index.ts', 'serve', '--port', '0', '--host', '127.0.0.1'], {
      env: { ...process.env, DATABASE_URL: url.toString(), ROOKERY_CONFIG: undefined },
      stdout: 'pipe',
      stderr: 'pipe',
    })
    const stderr = new Response(child.stderr as ReadableStream).text() // drained, so the child never blocks on it
    const otherBase = await listeningUrl(child).catch(async (e) => {
      child?.kill('SIGKILL')
      throw new Error(`${(e as Error).message}\n${await stderr}`)
    })
    const [author, reader] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    await follow(reader, author)

    // Posted here (process A), delivered by the other process (B).
    const onB = await open(`?stream=user&access_token=${reader.token}`, { url: `${otherBase.replace('http', 'ws')}/api/v1/streaming` })
    const here = await post(author, { status: 'from process A' })
    expect((await onB.next(isUpdate(here.id), 10_000)).body.content).toContain('from process A')

    // Posted through B, delivered here.
    const onA = await open(`?stream=user&access_token=${reader.token}`)
    const res = await fetch(`${otherBase}/api/v1/statuses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${author.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'from process B' }),
    })
    expect(res.status).toBe(200)
    const there = await res.json() as { id: string }
    expect((await onA.next(isUpdate(there.id), 10_000)).body.id).toBe(there.id)

    child.kill('SIGTERM')
    expect(await Promise.race([child.exited, Bun.sleep(15_000).then(() => 'timeout')])).toBe(0)
    expect((await onB.waitClosed())?.code).toBe(1001)
    child = null
  }, 60_000)
})

/** Reads the serve process's output until it prints the address it listens on. */
async function listeningUrl(proc: Subprocess): Promise<string> {
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  const deadline = Date.now() + 45_000
  let output = ''
  while (Date.now() < deadline) {
    const chunk = await Promise.race([reader.read(), Bun.sleep(Math.max(0, deadline - Date.now())).then(() => null)])
    if (!chunk || chunk.done) break
    output += decoder.decode(chunk.value)
    const found = /(http:\/\/[^\s,]+:\d+)/.exec(output)
    if (found) {
      reader.releaseLock()
      return found[1]
    }
  }
  throw new Error(`serve did not start: ${output}`)
}

describe('shutdown', () => {
  test('stopping the streaming side closes streams with 1001 and releases the listener', async () => {
    const socket = await open('?stream=public')
    expect(app.decorator.streaming.size).toBeGreaterThan(0)
    await app.decorator.streaming.stop()
    expect((await socket.waitClosed())?.code).toBe(1001)
    expect(app.decorator.streaming.size).toBe(0)
    expect(await refusal('?stream=public')).toBe(101) // accepted, then closed at once: the server is going away
  })
})
