import type { Viewer } from '../../core/oauth/authenticate'
import { StreamConnection, type Transport } from './connection'
import type { StreamingHub } from './hub'
import type { Subscription } from './streams'

/** Keeps idle EventSource responses (and the proxies in front of them) from timing out. */
const SSE_HEARTBEAT_MS = 15_000

/** What the streaming code uses of Bun's ServerWebSocket. */
export interface RawSocket {
  readonly readyState: number
  send(text: string): number
  close(code?: number, reason?: string): void
}

const OPEN = 1

export function socketTransport(ws: RawSocket): Transport {
  return {
    kind: 'websocket',
    // 0 means the message was dropped (socket closing); -1 is only backpressure: Bun queues it.
    write: (text) => ws.readyState === OPEN && ws.send(text) !== 0,
    close: (code, reason) => ws.close(code, reason),
  }
}

/**
 * A `text/event-stream` response (Mastodon's EventSource endpoints) carrying one subscription's events until the
 * client goes away or the hub stops.
 */
export function eventSourceResponse(hub: StreamingHub, viewer: Viewer | null, subscription: Subscription): Response {
  const encoder = new TextEncoder()
  let connection: StreamConnection | null = null
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let open = true
      let heartbeat: ReturnType<typeof setInterval> | undefined
      const finish = () => {
        if (!open) return
        open = false
        clearInterval(heartbeat)
        if (connection) hub.remove(connection)
      }
      const write = (text: string) => {
        if (!open) return false
        try {
          controller.enqueue(encoder.encode(text))
          return true
        } catch {
          finish()
          return false
        }
      }
      connection = new StreamConnection({
        kind: 'sse',
        write,
        close: () => {
          finish()
          try {
            controller.close()
          } catch {}
        },
      }, viewer)
      connection.subscriptions.set(subscription.key, subscription)
      write(':)\n\n')
      hub.add(connection)
      if (open) heartbeat = setInterval(() => write(':thump\n\n'), SSE_HEARTBEAT_MS)
    },
    cancel() {
      connection?.transport.close()
    },
  })
  return new Response(body, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no' } })
}
