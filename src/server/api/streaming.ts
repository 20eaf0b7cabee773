import { parseBool } from '../../core/params'
import type { Viewer } from '../../core/oauth/authenticate'
import { NotFoundError, UnauthorizedError } from '../../core/errors'
import type { Base } from '../base'
import { StreamConnection } from '../streaming/connection'
import { StreamingHub } from '../streaming/hub'
import { handleClientEvent, initialSubscription, streamingToken, streamingViewer } from '../streaming/session'
import { streamFromPath, type Subscription } from '../streaming/streams'
import { eventSourceResponse, socketTransport, type RawSocket } from '../streaming/transports'

/** What the WebSocket handshake found out, handed to `open` through the socket's data. */
interface Handshake {
  viewer: Viewer | null
  initial: Subscription | null
  /** the token came as Sec-WebSocket-Protocol, as Mastodon clients send it */
  mastodonClient: boolean
}
const HANDSHAKE = Symbol('streaming handshake')

type Query = Record<string, unknown>

/** The stream asked for: `?stream=`, else the Mastodon path form (`/api/v1/streaming/public/local`); null for none. */
function requestedStream(path: string | undefined, query: Query): string | null {
  const named = typeof query.stream === 'string' && query.stream ? query.stream : null
  if (named || !path) return named
  return streamFromPath(path, parseBool(query.only_media) ?? false) ?? path
}

/**
 * The streaming API (Mastodon's, with Pleroma's additions): WebSocket on `/api/v1/streaming` (one stream by
 * `?stream=`, or any number with `subscribe`/`unsubscribe` messages) and on the path forms, and server-sent events
 * on the path forms (`GET /api/v1/streaming/user`, ...). Tokens come from the Authorization header, the
 * Sec-WebSocket-Protocol (echoed in the handshake), `access_token` or Pleroma's `pleroma:authenticate` message.
 * The hub listens for database events while the server listens (`onStart`/`onStop`, or `streaming.start()`/`stop()`).
 */
export const streamingApi = (app: Base) => {
  const ctx = app.decorator.ctx
  const hub = new StreamingHub(ctx)
  const sockets = new WeakMap<object, StreamConnection>()

  async function handshake(request: Request, query: Query, path: string | undefined, allowProtocol: boolean) {
    const { token, fromProtocol } = streamingToken(request, query, { protocol: allowProtocol })
    const viewer = token ? await streamingViewer(ctx, token) : null
    if (token && !viewer) throw new UnauthorizedError()
    const initial = await initialSubscription(ctx, requestedStream(path, query), query, viewer)
    return { viewer, initial, protocolToken: fromProtocol ? token : null }
  }

  // Cookies are never a streaming credential (see streamingToken): every WebSocket route is `auth: 'client'` and the
  // token is checked here, before the upgrade, so a bad one is a plain 401.
  async function upgrade(context: { request: Request; query: Query; params?: Record<string, string>; set: { headers: Record<string, unknown> } }) {
    const { viewer, initial, protocolToken } = await handshake(context.request, context.query, context.params?.['*'], true)
    if (protocolToken) context.set.headers['sec-websocket-protocol'] = protocolToken
    ;(context as unknown as Record<symbol, Handshake>)[HANDSHAKE] = { viewer, initial, mastodonClient: !!protocolToken }
  }

  function open(raw: RawSocket, data: object) {
    const found = (data as Record<symbol, Handshake | undefined>)[HANDSHAKE]
    const connection = new StreamConnection(socketTransport(raw), found?.viewer ?? null, { mastodonClient: found?.mastodonClient })
    if (found?.initial) connection.subscriptions.set(found.initial.key, found.initial)
    sockets.set(raw, connection)
    hub.add(connection)
  }

  function message(raw: RawSocket, message: unknown) {
    const connection = sockets.get(raw)
    if (!connection) return
    connection.serially(() => handleClientEvent(ctx, connection, message))
      .catch((e) => console.error('[rookery] streaming: client event failed:', e))
  }

  function close(raw: RawSocket) {
    const connection = sockets.get(raw)
    if (connection) hub.remove(connection)
    sockets.delete(raw)
  }

  async function eventSource(request: Request, query: Query, path: string | undefined) {
    const { viewer, initial } = await handshake(request, query, path, false)
    if (!initial) throw new NotFoundError('Unknown stream type')
    return eventSourceResponse(hub, viewer, initial)
  }

  return app
    .decorate('streaming', hub)
    .onStart(() => {
      hub.start().catch((e) => console.error('[rookery] streaming: cannot listen for events:', e))
    })
    .onStop(() => hub.stop())
    .get('/api/v1/streaming/health', ({ set }) => {
      set.headers['content-type'] = 'text/plain; charset=utf-8'
      return 'OK'
    }, { auth: 'client' })
    .get('/api/v1/streaming', ({ request, query }) => eventSource(request, query, undefined), { auth: 'client' })
    .get('/api/v1/streaming/*', ({ request, query, params }) => eventSource(request, query, params['*']), { auth: 'client' })
    .ws('/api/v1/streaming', {
      auth: 'client', upgrade, open: (ws) => open(ws.raw, ws.data), message: (ws, m) => message(ws.raw, m), close: (ws) => close(ws.raw),
    })
    .ws('/api/v1/streaming/*', {
      auth: 'client', upgrade, open: (ws) => open(ws.raw, ws.data), message: (ws, m) => message(ws.raw, m), close: (ws) => close(ws.raw),
    })
}
