import type { Viewer } from '../../core/oauth/authenticate'
import type { Subscription } from './streams'

/** How events reach a client: a WebSocket, or an EventSource (server-sent events) response. */
export interface Transport {
  kind: 'websocket' | 'sse'
  /** Writes one frame; false when the client is gone. */
  write(text: string): boolean
  close(code?: number, reason?: string): void
}

let sequence = 0

/** One client connection: who it is (may change once, with `pleroma:authenticate`) and what it subscribed to. */
export class StreamConnection {
  readonly id = ++sequence
  readonly subscriptions = new Map<string, Subscription>()
  private queue: Promise<unknown> = Promise.resolve()

  /**
   * Whether successful `subscribe`/`unsubscribe` messages get Pleroma's `pleroma:respond` answer. Mastodon answers
   * them with nothing, and its clients that send the token as Sec-WebSocket-Protocol (masto.js: Elk, Phanpy) fail on
   * any message without a `stream`; Pleroma-FE authenticates in band instead. Errors are always answered.
   */
  readonly answersSubscriptions: boolean

  constructor(readonly transport: Transport, public viewer: Viewer | null, opts: { mastodonClient?: boolean } = {}) {
    this.answersSubscriptions = !opts.mastodonClient
  }

  get accountId(): string | null {
    return this.viewer?.accountId ?? null
  }

  /**
   * Sends an event on one of its streams. WebSocket: Mastodon's `{"stream": [...], "event": ..., "payload": ...}` with
   * the payload as a JSON string (or the bare id for `delete`); EventSource: `event:` and `data:` lines.
   */
  send(subscription: Subscription, event: string, payload?: string): void {
    if (this.transport.kind === 'sse') {
      this.transport.write(`event: ${event}\ndata: ${payload ?? ''}\n\n`)
      return
    }
    this.transport.write(JSON.stringify(payload === undefined ? { stream: subscription.stream, event } : { stream: subscription.stream, event, payload }))
  }

  /** Pleroma's reply to a client-sent event, byte for byte: keys in Elixir's (alphabetical) order. */
  respond(type: string, result: 'success' | 'ignored' | 'error', error?: string): void {
    const payload = error ? { error, result, type } : { result, type }
    this.transport.write(JSON.stringify({ event: 'pleroma:respond', payload: JSON.stringify(payload) }))
  }

  /** Runs client-sent events one after the other, so an unsubscribe never overtakes its subscribe. */
  serially(task: () => Promise<void>): Promise<void> {
    const next = this.queue.then(task)
    this.queue = next.catch(() => {})
    return next
  }
}
