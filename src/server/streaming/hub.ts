import type { Ctx } from '../../core/context'
import { listenEvents, type StreamEvent } from '../../core/events'
import { liveTokenIds } from '../../core/streaming/audience'
import type { StreamConnection } from './connection'
import { prepareEvent, writeOutgoing, type Outgoing } from './delivery'

/**
 * How many events are prepared at once (their audience and rendering queries overlap); their frames are still
 * written one event after the other, in commit order.
 */
const PREPARE_AHEAD = 4

/** WebSocket close code for a server going away (RFC 6455). */
const GOING_AWAY = 1001
const NORMAL_CLOSURE = 1000
/** How often open streams check that their token still works (revoked, expired, user disabled or suspended). */
const TOKEN_CHECK_MS = 60_000

/**
 * The streaming side of one server process: its open connections, and the LISTEN on the database through which
 * every process hears every committed event. Several events are prepared at once, but their frames are written in
 * the order the events were committed, so a client never sees a status's `delete` before its `update`.
 */
export class StreamingHub {
  private readonly connections = new Set<StreamConnection>()
  private listening: Promise<void> | null = null
  private unlisten: (() => Promise<void>) | null = null
  private delivering: Promise<void> = Promise.resolve()
  private preparing = 0
  private readonly waitingToPrepare: (() => void)[] = []
  private tokenCheck: ReturnType<typeof setInterval> | null = null
  private stopped = false

  constructor(private readonly ctx: Ctx) {}

  get size(): number {
    return this.connections.size
  }

  add(connection: StreamConnection): void {
    if (this.stopped) connection.transport.close(GOING_AWAY, 'Server shutting down')
    else this.connections.add(connection)
  }

  remove(connection: StreamConnection): void {
    this.connections.delete(connection)
  }

  /** Starts listening for events (idempotent); resolves once the LISTEN is in place. */
  start(): Promise<void> {
    this.listening ??= listenEvents(this.ctx.database, (event) => this.enqueue(event)).then((unlisten) => {
      this.unlisten = unlisten
      if (this.stopped) return this.release()
      this.tokenCheck = setInterval(() => {
        this.closeRevokedStreams().catch((e) => console.error('[rookery] streaming: checking tokens failed:', e))
      }, TOKEN_CHECK_MS)
      this.tokenCheck.unref?.()
    })
    return this.listening
  }

  /** Closes the streams whose token no longer works (as Pleroma does when a token is revoked). */
  async closeRevokedStreams(): Promise<void> {
    const authenticated = [...this.connections].filter((c) => c.viewer?.tokenId)
    if (!authenticated.length) return
    const live = await liveTokenIds(this.ctx, authenticated.map((c) => c.viewer!.tokenId!))
    for (const connection of authenticated) {
      if (live.has(connection.viewer!.tokenId!)) continue
      this.connections.delete(connection)
      connection.transport.close(NORMAL_CLOSURE, 'Access token revoked')
    }
  }

  private enqueue(event: StreamEvent): void {
    if (this.stopped) return
    const prepared = this.prepare(event).then((out) => ({ out }), (error: unknown) => ({ error }))
    this.delivering = this.delivering.then(async () => {
      const result = await prepared
      if ('error' in result) console.error(`[rookery] streaming: delivering ${event.type} failed:`, result.error)
      else writeOutgoing(result.out)
    })
  }

  /** Prepares an event once one of the PREPARE_AHEAD slots is free (a slot passes straight to the next waiting event). */
  private async prepare(event: StreamEvent): Promise<Outgoing[]> {
    if (this.preparing < PREPARE_AHEAD) this.preparing++
    else await new Promise<void>((resolve) => this.waitingToPrepare.push(resolve))
    try {
      return this.connections.size && !this.stopped ? await prepareEvent(this.ctx, [...this.connections], event) : []
    } finally {
      const next = this.waitingToPrepare.shift()
      if (next) next()
      else this.preparing--
    }
  }

  private async release(): Promise<void> {
    const unlisten = this.unlisten
    this.unlisten = null
    await unlisten?.().catch((e) => {
      // The listening connection is already gone (the database is closing): nothing is left to undo.
      if (!/^CONNECTION_(DESTROYED|ENDED|CLOSED)$/.test((e as { code?: string })?.code ?? '')) console.error('[rookery] streaming: unlisten failed:', e)
    })
  }

  /**
   * Closes every connection (WebSocket code 1001), stops listening and waits for the delivery in progress, so the
   * database can close right after. Idempotent.
   */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.tokenCheck) clearInterval(this.tokenCheck)
    for (const connection of this.connections) connection.transport.close(GOING_AWAY, 'Server shutting down')
    this.connections.clear()
    await this.listening?.catch(() => {})
    await this.release()
    await this.delivering
  }
}
