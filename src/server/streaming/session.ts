import type { Ctx } from '../../core/context'
import { AppError, NotFoundError, UnauthorizedError } from '../../core/errors'
import { viewerFromToken, type Viewer } from '../../core/oauth/authenticate'
import type { StreamConnection } from './connection'
import { resolveStream, type StreamParams, type Subscription } from './streams'

/**
 * A streaming client's token: `Authorization: Bearer`, else the first `Sec-WebSocket-Protocol` value (browsers cannot
 * set headers on a WebSocket; preferred over the query as Pleroma does), else `access_token` in the query. Session
 * cookies are never read: a page on another site could otherwise open a socket riding on them.
 */
export function streamingToken(request: Request, query: Record<string, unknown>, opts: { protocol: boolean }): { token: string | null; fromProtocol: boolean } {
  const header = request.headers.get('authorization')
  const bearer = header && /^bearer\s+(\S+)/i.exec(header.trim())
  if (bearer) return { token: bearer[1], fromProtocol: false }
  const protocol = opts.protocol ? request.headers.get('sec-websocket-protocol')?.split(',')[0]?.trim() : undefined
  if (protocol) return { token: protocol, fromProtocol: true }
  const token = typeof query.access_token === 'string' && query.access_token ? query.access_token : null
  return { token, fromProtocol: false }
}

/** The user behind a token; app-only, unknown, revoked and expired tokens (and disabled users) are all refused. */
export async function streamingViewer(ctx: Ctx, token: string): Promise<Viewer | null> {
  try {
    const viewer = await viewerFromToken(ctx, token)
    return viewer?.accountId ? viewer : null
  } catch (e) {
    if (e instanceof AppError) return null
    throw e
  }
}

/**
 * The stream a connection asks for when it opens (`?stream=` or a Mastodon path form), checked as Pleroma does:
 * an unknown stream is 404, one the viewer may not read 401. Null for the unified endpoint without a stream.
 */
export async function initialSubscription(ctx: Ctx, name: string | null, params: StreamParams, viewer: Viewer | null): Promise<Subscription | null> {
  if (name === null) return null
  const resolved = await resolveStream(ctx, name, params, viewer)
  if (resolved === 'bad_topic') throw new NotFoundError('Unknown stream type')
  if (resolved === 'unauthorized') throw new UnauthorizedError(viewer ? 'This stream requires other scopes' : 'Missing access token')
  return resolved
}

/** Client-sent events on a WebSocket: `subscribe`, `unsubscribe` and Pleroma's `pleroma:authenticate`; anything else is ignored. */
export async function handleClientEvent(ctx: Ctx, connection: StreamConnection, message: unknown): Promise<void> {
  if (!message || typeof message !== 'object' || Array.isArray(message)) return
  const event = message as Record<string, unknown>
  switch (event.type) {
    case 'subscribe': {
      if (!('stream' in event)) return
      const resolved = await resolveStream(ctx, event.stream, event, connection.viewer)
      if (typeof resolved === 'string') return connection.respond('subscribe', 'error', resolved)
      const added = !connection.subscriptions.has(resolved.key)
      connection.subscriptions.set(resolved.key, resolved)
      if (connection.answersSubscriptions) connection.respond('subscribe', added ? 'success' : 'ignored')
      return
    }
    case 'unsubscribe': {
      if (!('stream' in event)) return
      const resolved = await resolveStream(ctx, event.stream, event, connection.viewer)
      if (typeof resolved === 'string') return connection.respond('unsubscribe', 'error', resolved)
      const removed = connection.subscriptions.delete(resolved.key)
      if (connection.answersSubscriptions) connection.respond('unsubscribe', removed ? 'success' : 'ignored')
      return
    }
    case 'pleroma:authenticate': {
      if (!('token' in event)) return
      if (connection.viewer) return connection.respond('pleroma:authenticate', 'error', 'already_authenticated')
      const viewer = typeof event.token === 'string' && event.token ? await streamingViewer(ctx, event.token) : null
      if (!viewer) return connection.respond('pleroma:authenticate', 'error', 'unauthorized')
      connection.viewer = viewer
      return connection.respond('pleroma:authenticate', 'success')
    }
  }
}
