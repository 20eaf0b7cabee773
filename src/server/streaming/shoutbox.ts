import type { Ctx } from '../../core/context'
import { postShout, recentShouts, shoutsById, type ShoutAuthor } from '../../core/chats/shoutbox'
import { listenEvents } from '../../core/events'
import type { ShoutRow } from '../../db/schema'
import { loadAccountsWithUsers, renderAccounts } from '../render/account'
import { decodePhoenix, encodePhoenix, phoenixReply, type PhoenixFrame, type PhoenixVersion } from './phoenix'
import type { RawSocket } from './transports'

/** The room's topic: `shout:public` since Pleroma 2.3, `chat:public` for older Pleroma-FE. */
const ROOM_TOPICS = new Set(['shout:public', 'chat:public'])
/** Messages one socket may post in a burst, and how fast that allowance refills. */
const BURST = 5
const REFILL_MS = 2_000

interface ShoutMessage {
  id: string
  text: string
  author: unknown
}

/** One `/socket/websocket` connection: the topics it joined (with their join refs) and its posting allowance. */
export class ShoutSocket {
  readonly joined = new Map<string, string | null>()
  /** Topics joined whose history is still being sent; messages for them wait here so none comes before it. */
  readonly waiting = new Map<string, ShoutMessage[]>()
  private allowance = BURST
  private refilledAt = Date.now()
  private handling: Promise<void> = Promise.resolve()

  constructor(readonly raw: RawSocket, readonly version: PhoenixVersion, readonly author: ShoutAuthor) {}

  /** Runs `task` after this socket's earlier frames are handled, so a join's history comes before later frames. */
  serially(task: () => Promise<void>): Promise<void> {
    this.handling = this.handling.then(task, task)
    return this.handling
  }

  send(frame: PhoenixFrame): void {
    if (this.raw.readyState === 1) this.raw.send(encodePhoenix(this.version, frame))
  }

  mayPost(now = Date.now()): boolean {
    this.allowance = Math.min(BURST, this.allowance + (now - this.refilledAt) / REFILL_MS)
    this.refilledAt = now
    if (this.allowance < 1) return false
    this.allowance -= 1
    return true
  }
}

/**
 * Pleroma's shoutbox on this server process: the sockets in the room, and the LISTEN through which it hears messages
 * posted through any process. Messages go out in the order they were committed.
 */
export class ShoutRoom {
  private readonly sockets = new Set<ShoutSocket>()
  private listening: Promise<void> | null = null
  private unlisten: (() => Promise<void>) | null = null
  private broadcasting: Promise<void> = Promise.resolve()

  constructor(private readonly ctx: Ctx) {}

  start(): Promise<void> {
    this.listening ??= listenEvents(this.ctx.database, (event) => {
      if (event.type === 'shout') this.broadcast(event.shoutId)
    }).then((unlisten) => { this.unlisten = unlisten })
    return this.listening
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.raw.close(1001, 'Server shutting down')
    this.sockets.clear()
    await this.listening?.catch(() => {})
    await this.unlisten?.().catch(() => {})
    this.unlisten = null
  }

  add(socket: ShoutSocket): void {
    this.sockets.add(socket)
  }

  remove(socket: ShoutSocket): void {
    this.sockets.delete(socket)
  }

  /** Handles one frame from a client; frames of one socket are handled one after another by the caller. */
  async receive(socket: ShoutSocket, text: string): Promise<void> {
    const frame = decodePhoenix(socket.version, text)
    if (!frame) return
    if (frame.topic === 'phoenix') {
      if (frame.event === 'heartbeat') socket.send(phoenixReply(frame, 'ok'))
      return
    }
    if (frame.event === 'phx_join') return this.join(socket, frame)
    if (!socket.joined.has(frame.topic)) return socket.send(phoenixReply(frame, 'error', { reason: 'unmatched topic' }))
    if (frame.event === 'phx_leave') {
      socket.joined.delete(frame.topic)
      socket.waiting.delete(frame.topic)
      socket.send(phoenixReply(frame, 'ok'))
      socket.send({ joinRef: frame.joinRef, ref: frame.joinRef, topic: frame.topic, event: 'phx_close', payload: {} })
      return
    }
    if (frame.event === 'new_msg' && typeof frame.payload.text === 'string' && socket.mayPost()) {
      await postShout(this.ctx, socket.author, frame.payload.text)
    }
  }

  private async join(socket: ShoutSocket, frame: PhoenixFrame): Promise<void> {
    if (!ROOM_TOPICS.has(frame.topic)) return socket.send(phoenixReply(frame, 'error', { reason: 'unmatched topic' }))
    socket.joined.set(frame.topic, frame.joinRef)
    socket.waiting.set(frame.topic, [])
    socket.send(phoenixReply(frame, 'ok'))
    const history = await this.render(await recentShouts(this.ctx))
    const shown = new Set(history.map((m) => m.id))
    socket.send({ joinRef: frame.joinRef, ref: null, topic: frame.topic, event: 'messages', payload: { messages: history } })
    const waited = socket.waiting.get(frame.topic) ?? []
    socket.waiting.delete(frame.topic)
    for (const message of waited) {
      if (!shown.has(message.id)) socket.send({ joinRef: null, ref: null, topic: frame.topic, event: 'new_msg', payload: { ...message } })
    }
  }

  private broadcast(shoutId: string): void {
    this.broadcasting = this.broadcasting.then(async () => {
      if (!this.sockets.size) return
      const [message] = await this.render(await shoutsById(this.ctx, [shoutId]))
      if (!message) return
      for (const socket of this.sockets) {
        for (const topic of socket.joined.keys()) {
          const waiting = socket.waiting.get(topic)
          if (waiting) waiting.push(message)
          else socket.send({ joinRef: null, ref: null, topic, event: 'new_msg', payload: { ...message } })
        }
      }
    }).catch((e) => console.error('[rookery] shoutbox: broadcasting failed:', e))
  }

  /** Pleroma's message shape: the text, the author as an Account entity, and an id. */
  private async render(rows: ShoutRow[]): Promise<ShoutMessage[]> {
    const { rows: authors, users } = await loadAccountsWithUsers(this.ctx, [...new Set(rows.map((r) => r.accountId))])
    const rendered = new Map((await renderAccounts(this.ctx, authors, null, { users })).map((a) => [a.id, a]))
    return rows.flatMap((r) => (rendered.has(r.accountId) ? [{ id: r.id, text: r.text, author: rendered.get(r.accountId) }] : []))
  }
}
