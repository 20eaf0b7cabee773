// Pleroma's shoutbox: the Phoenix socket at /socket/websocket, driven with the `phoenix` client Pleroma-FE uses.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Socket, type Channel } from 'phoenix'
import { issueSocketToken, postShout } from '../../src/core/chats/shoutbox'
import type { Ctx } from '../../src/core/context'
import { eq } from 'drizzle-orm'
import { viewerFromToken } from '../../src/core/oauth/authenticate'
import { oauthTokens, shouts } from '../../src/db/schema'
import { createApp, type App } from '../../src/server/app'
import { contextWith } from '../support/context'
import { makeUser, type MadeUser } from '../support/factories'
import { call as callApp, type CallOptions } from '../support/http'
import { HandshakeRefused, TestSocket } from '../support/websocket'

let ctx: Ctx
let app: App
let origin: string
let alice: MadeUser
let bob: MadeUser
const opened: { disconnect(): void }[] = []

beforeAll(async () => {
  ctx = await contextWith({})
  await ctx.db.delete(shouts)
  app = createApp(ctx).listen({ hostname: '127.0.0.1', port: 0 })
  origin = `127.0.0.1:${app.server!.port}`
  await app.decorator.shoutbox.start()
  alice = await makeUser(ctx)
  bob = await makeUser(ctx)
})

afterAll(async () => {
  for (const s of opened) s.disconnect()
  await app.decorator.shoutbox.stop()
  await app.stop(true)
})

const call = (method: string, path: string, opts: CallOptions = {}) => callApp(method, path, { ...opts, app })

async function chatToken(who: MadeUser): Promise<string> {
  const res = await call('GET', '/api/v1/accounts/verify_credentials', { token: who.token })
  expect(res.status).toBe(200)
  expect(res.json.pleroma.chat_token).toEqual(expect.any(String))
  return res.json.pleroma.chat_token
}

interface Message { id: string; text: string; author: { acct: string; id: string } }

/** A member of the room as Pleroma-FE makes one: a phoenix Socket with the chat token, joined to `topic`. */
async function join(who: MadeUser, topic = 'shout:public') {
  const socket = new Socket(`ws://${origin}/socket`, { params: { token: await chatToken(who) }, reconnectAfterMs: () => 60_000 })
  opened.push(socket)
  socket.connect()
  const channel: Channel = socket.channel(topic)
  const received: Message[] = []
  let history: Message[] | null = null
  channel.on('new_msg', (m: Message) => { received.push(m) })
  channel.on('messages', ({ messages }: { messages: Message[] }) => { history = messages })
  const reply = await new Promise<string>((resolve) => {
    channel.join().receive('ok', () => resolve('ok')).receive('error', (e: { reason: string }) => resolve(`error: ${e.reason}`))
  })
  expect(reply).toBe('ok')
  await until(() => history !== null)
  return { socket, channel, received, history: () => history!, say: (text: string) => channel.push('new_msg', { text }) }
}

async function until(check: () => boolean, ms = 5000) {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await Bun.sleep(10)
  }
}

async function refusedWith(url: string): Promise<number> {
  try {
    const s = await TestSocket.open(url)
    s.close()
    return 101
  } catch (e) {
    if (e instanceof HandshakeRefused) return e.status
    throw e
  }
}

describe('shoutbox', () => {
  test('is advertised as Pleroma-FE looks for it, with a chat_token for the signed-in user', async () => {
    const nodeinfo = await call('GET', '/nodeinfo/2.1.json')
    expect(nodeinfo.json.metadata.features).toEqual(expect.arrayContaining(['chat', 'shout']))
    expect(await chatToken(alice)).not.toBe(await chatToken(bob))
    const other = await call('GET', `/api/v1/accounts/${alice.account.id}`, { token: bob.token })
    expect(other.json.pleroma.chat_token).toBeUndefined()
  })

  test('a message reaches every member, with its author, and later members get it in the history', async () => {
    const a = await join(alice)
    const b = await join(bob, 'chat:public')
    a.say('  hello, room  ')
    await until(() => a.received.length === 1 && b.received.length === 1)
    for (const m of [a.received[0], b.received[0]]) {
      expect(m).toMatchObject({ text: 'hello, room', author: { id: alice.account.id, acct: alice.account.username } })
      expect(m.id).toEqual(expect.any(String))
    }
    const c = await join(bob)
    expect(c.history().map((m) => m.text)).toContain('hello, room')
  })

  test('keeps the last 20 messages, oldest first; empty and too long ones are dropped', async () => {
    await ctx.db.delete(shouts)
    const author = { accountId: bob.account.id }
    for (let i = 1; i <= 23; i++) await postShout(ctx, author, `m${i}`)
    expect(await postShout(ctx, author, '   ')).toBeNull()
    expect(await postShout(ctx, author, 'x'.repeat(ctx.config.limits.shoutChars + 1))).toBeNull()
    const member = await join(alice)
    expect(member.history().map((m) => m.text)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i + 4}`))
    expect((await ctx.db.select().from(shouts)).length).toBe(20)
  })

  test('a flood from one socket is cut to a burst', async () => {
    await ctx.db.delete(shouts)
    const member = await join(alice)
    for (let i = 0; i < 12; i++) member.say(`flood ${i}`)
    await until(() => member.received.length >= 5)
    await Bun.sleep(300)
    expect(member.received.length).toBeLessThan(8)
  })

  test('speaks the version 1 frames of older clients and refuses unknown topics and messages before joining', async () => {
    const s = await TestSocket.open(`ws://${origin}/socket/websocket?token=${encodeURIComponent(await chatToken(bob))}`)
    try {
      s.send({ topic: 'shout:public', event: 'new_msg', payload: { text: 'too early' }, ref: '1' })
      expect((await s.first()).raw).toContain('"unmatched topic"')
      s.send({ topic: 'room:lobby', event: 'phx_join', payload: {}, ref: '2', join_ref: '2' })
      expect(JSON.parse((await s.first()).raw)).toMatchObject({ topic: 'room:lobby', event: 'phx_reply', ref: '2', payload: { status: 'error' } })
      s.send({ topic: 'phoenix', event: 'heartbeat', payload: {}, ref: '3' })
      expect(JSON.parse((await s.first()).raw)).toMatchObject({ topic: 'phoenix', event: 'phx_reply', ref: '3', payload: { status: 'ok' } })
      s.send({ topic: 'shout:public', event: 'phx_join', payload: {}, ref: '4', join_ref: '4' })
      expect(JSON.parse((await s.first()).raw)).toMatchObject({ event: 'phx_reply', ref: '4', payload: { status: 'ok' } })
      expect(JSON.parse((await s.first()).raw)).toMatchObject({ event: 'messages', payload: { messages: expect.any(Array) } })
      s.send({ topic: 'shout:public', event: 'phx_leave', payload: {}, ref: '5', join_ref: '4' })
      expect(JSON.parse((await s.first()).raw)).toMatchObject({ event: 'phx_reply', ref: '5', payload: { status: 'ok' } })
      expect(JSON.parse((await s.first()).raw)).toMatchObject({ event: 'phx_close' })
    } finally {
      s.close()
    }
  })

  test('refuses sockets without a working token', async () => {
    const url = (token?: string) => `ws://${origin}/socket/websocket?vsn=2.0.0${token === undefined ? '' : `&token=${encodeURIComponent(token)}`}`
    expect(await refusedWith(url())).toBe(403)
    expect(await refusedWith(url('nonsense'))).toBe(403)
    const good = await chatToken(alice)
    expect(await refusedWith(url(good.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))))).toBe(403)
    const carol = await makeUser(ctx)
    const viewer = await call('GET', '/api/v1/accounts/verify_credentials', { token: carol.token })
    const tokenId = (await viewerFromToken(ctx, carol.token))!.tokenId!
    const expired = await issueSocketToken(ctx, tokenId, Date.now() - 90_000_000)
    expect(await refusedWith(url(expired))).toBe(403)
    expect(await refusedWith(url(viewer.json.pleroma.chat_token))).toBe(101)
    await ctx.db.update(oauthTokens).set({ revokedAt: new Date() }).where(eq(oauthTokens.id, tokenId))
    expect(await refusedWith(url(viewer.json.pleroma.chat_token))).toBe(403)
  })

  test('is gone when the configuration turns it off', async () => {
    const offCtx = { ...ctx, config: { ...ctx.config, shoutbox: false } }
    const off = createApp(offCtx).listen({ hostname: '127.0.0.1', port: 0 })
    try {
      const nodeinfo = await callApp('GET', '/nodeinfo/2.1.json', { app: off })
      expect(nodeinfo.json.metadata.features).not.toContain('shout')
      const token = await chatToken(alice)
      expect(await refusedWith(`ws://127.0.0.1:${off.server!.port}/socket/websocket?token=${encodeURIComponent(token)}`)).toBe(404)
    } finally {
      await off.stop(true)
    }
  })
})

