import { socketTokenHolder, type ShoutAuthor } from '../../core/chats/shoutbox'
import { ForbiddenError, NotFoundError } from '../../core/errors'
import type { Base } from '../base'
import { phoenixVersion, type PhoenixVersion } from '../streaming/phoenix'
import { ShoutRoom, ShoutSocket } from '../streaming/shoutbox'
import type { RawSocket } from '../streaming/transports'

const HANDSHAKE = Symbol('shoutbox handshake')
interface Handshake { author: ShoutAuthor; version: PhoenixVersion }

/**
 * Pleroma's shoutbox: the Phoenix socket Pleroma-FE opens at `/socket/websocket?token=<chat_token>` (the token from
 * `verify_credentials`' `pleroma.chat_token`), with one room, `shout:public` (`chat:public` for older front ends).
 * Joining sends the last messages (`messages`); `new_msg` posts one, which every member receives as `new_msg`.
 */
export const shoutboxApi = (app: Base) => {
  const ctx = app.decorator.ctx
  const room = new ShoutRoom(ctx)
  const sockets = new WeakMap<object, ShoutSocket>()

  async function upgrade(context: { query: Record<string, unknown> }) {
    if (!ctx.config.shoutbox) throw new NotFoundError()
    const token = typeof context.query.token === 'string' ? context.query.token : ''
    const author = token ? await socketTokenHolder(ctx, token) : null
    // Phoenix refuses a socket whose `connect` fails with a plain 403.
    if (!author) throw new ForbiddenError('Invalid socket token')
    ;(context as unknown as Record<symbol, Handshake>)[HANDSHAKE] = { author, version: phoenixVersion(context.query.vsn) }
  }

  function open(raw: RawSocket, data: object) {
    const found = (data as Record<symbol, Handshake | undefined>)[HANDSHAKE]
    if (!found) return raw.close(1011, 'No handshake')
    const socket = new ShoutSocket(raw, found.version, found.author)
    sockets.set(raw, socket)
    room.add(socket)
  }

  function message(raw: RawSocket, text: unknown) {
    const socket = sockets.get(raw)
    if (!socket) return
    const frame = typeof text === 'string' ? text : JSON.stringify(text)
    socket.serially(() => room.receive(socket, frame)).catch((e) => console.error('[rookery] shoutbox: message failed:', e))
  }

  function close(raw: RawSocket) {
    const socket = sockets.get(raw)
    if (socket) room.remove(socket)
    sockets.delete(raw)
  }

  return app
    .decorate('shoutbox', room)
    .onStart(() => {
      if (ctx.config.shoutbox) room.start().catch((e) => console.error('[rookery] shoutbox: cannot listen for messages:', e))
    })
    .onStop(() => room.stop())
    .ws('/socket/websocket', {
      auth: 'client',
      // A message is at most `limits.shoutChars` characters of text in a small frame.
      maxPayloadLength: 64 * 1024,
      upgrade,
      open: (ws) => open(ws.raw, ws.data),
      message: (ws, m) => message(ws.raw, m),
      close: (ws) => close(ws.raw),
    })
}
