// A WebSocket test client (Bun's global WebSocket) that collects messages and waits for the ones a test expects.
import { connect } from 'node:net'
import type { Ctx } from '../../src/core/context'
import { createApp } from '../../src/server/app'

export interface StreamMessage {
  stream?: string[]
  event: string
  /** the payload as sent (a JSON string, or a bare id for `delete`) */
  payload?: string
  /** the payload decoded, when it is JSON */
  body?: any
  /** the frame exactly as received */
  raw: string
}

export class TestSocket {
  private readonly received: StreamMessage[] = []
  private readonly waiters: (() => void)[] = []
  closed: { code: number; reason: string } | null = null

  private constructor(readonly ws: WebSocket) {
    ws.addEventListener('message', (e) => {
      const raw = String(e.data)
      const parsed = JSON.parse(raw)
      let body: unknown
      try {
        body = typeof parsed.payload === 'string' ? JSON.parse(parsed.payload) : undefined
      } catch {}
      this.received.push({ ...parsed, body, raw })
      this.wake()
    })
    ws.addEventListener('close', (e) => {
      this.closed = { code: e.code, reason: e.reason }
      this.wake()
    })
  }

  private wake() {
    for (const w of this.waiters.splice(0)) w()
  }

  /** Opens a socket; rejects with the handshake's HTTP status when it is refused. */
  static open(url: string, opts: { protocols?: string[]; headers?: Record<string, string> } = {}): Promise<TestSocket> {
    const ws = new WebSocket(url, { protocols: opts.protocols, headers: opts.headers } as any)
    return new Promise((resolve, reject) => {
      ws.addEventListener('open', () => resolve(new TestSocket(ws)), { once: true })
      ws.addEventListener('error', (e) => {
        const status = /status code: (\d+)/.exec((e as ErrorEvent).message ?? '')?.[1]
        reject(new HandshakeRefused(status ? Number(status) : 0))
      }, { once: true })
    })
  }

  get protocol(): string {
    return this.ws.protocol
  }

  send(message: unknown) {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message))
  }

  /** Removes and returns the first message matching, waiting up to `timeoutMs` for it. */
  async next(match: (m: StreamMessage) => boolean = () => true, timeoutMs = 5000): Promise<StreamMessage> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const i = this.received.findIndex(match)
      if (i >= 0) return this.received.splice(i, 1)[0]
      const left = deadline - Date.now()
      if (left <= 0 || this.closed) {
        throw new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.received.map((m) => m.raw.slice(0, 200)))}`)
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.waiters.push(() => { clearTimeout(timer); resolve() })
      })
    }
  }

  /** The next message, whatever it is. */
  first(timeoutMs?: number) {
    return this.next(() => true, timeoutMs)
  }

  /** Messages received so far and not taken. */
  pending(): StreamMessage[] {
    return [...this.received]
  }

  async waitClosed(timeoutMs = 5000) {
    const deadline = Date.now() + timeoutMs
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    return this.closed
  }

  close() {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close()
  }
}

export class HandshakeRefused extends Error {
  constructor(readonly status: number) {
    super(`WebSocket handshake refused with ${status}`)
  }
}

/** Sends a WebSocket handshake by hand and returns the status and headers of the answer (for what clients hide). */
export function rawHandshake(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string> }> {
  const u = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname)
    let data = ''
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1')
      const end = data.indexOf('\r\n\r\n')
      if (end < 0) return
      const [statusLine, ...lines] = data.slice(0, end).split('\r\n')
      const found: Record<string, string> = {}
      for (const line of lines) {
        const i = line.indexOf(':')
        found[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim()
      }
      socket.destroy()
      resolve({ status: Number(statusLine.split(' ')[1]), headers: found })
    })
    socket.on('error', reject)
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')
    socket.write(`GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
      + `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`)
  })
}

/**
 * A listening app with its streaming hub started, for tests that open WebSockets: `open` connects to
 * `/api/v1/streaming?<query>` and `stop` closes every socket it opened, the hub and the server.
 */
export async function streamingServer(ctx: Ctx) {
  const app = createApp(ctx).listen({ hostname: '127.0.0.1', port: 0 })
  await app.decorator.streaming.start()
  const base = `ws://127.0.0.1:${app.server!.port}/api/v1/streaming`
  const sockets: TestSocket[] = []
  return {
    app,
    base,
    async open(query: string): Promise<TestSocket> {
      const socket = await TestSocket.open(`${base}?${query}`)
      sockets.push(socket)
      return socket
    },
    async stop() {
      for (const s of sockets) s.close()
      await app.decorator.streaming.stop()
      await app.stop(true)
    },
  }
}
