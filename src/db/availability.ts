import { Socket } from 'node:net'

/** Retry-After for requests refused while the database is unreachable. */
export const RETRY_AFTER_SECONDS = 5

/** postgres.js's own connection failures, and PostgreSQL's connection-exception and shutdown SQLSTATEs. */
const UNAVAILABLE_CODES = new Set([
  'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED',
  '08000', '08001', '08003', '08004', '08006', '57P01', '57P02', '57P03',
])

/** Marks socket errors of database connections, so that a refused connection elsewhere (S3, a remote server) is not one. */
const DATABASE_SOCKET = Symbol('database socket error')

const markSocketErrors = (socket: Socket) => socket.on('error', (e) => {
  ;(e as unknown as Record<symbol, boolean>)[DATABASE_SOCKET] = true
})

/**
 * Which connection attempt the driver makes (patched postgres.js): with several hosts in the URL, a new connection
 * tries `host` 0, then the next after each failure, until one answers (as libpq does).
 */
export interface ConnectAttempt {
  /** the driver's connection, the same through its attempts at each host */
  connection: number
  host: number
  hosts: number
}

const SINGLE_HOST: ConnectAttempt = { connection: 0, host: 0, hosts: 1 }

/** Whether an error (or one it wraps, as Drizzle does) says the database cannot be reached, rather than that a query failed. */
export function isUnavailableError(error: unknown): boolean {
  for (let e: any = error, depth = 0; e && depth < 5; e = e.cause, depth++) {
    if (e[DATABASE_SOCKET]) return true
    if (typeof e.code === 'string' && UNAVAILABLE_CODES.has(e.code)) return true
  }
  return false
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${ms} ms`), { code: 'CONNECT_TIMEOUT' })), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/**
 * What the server believes about its database: marked down by the first connection attempt that gets no answer (or a
 * request that fails to reach it); then requests are refused at once instead of each waiting for a connection, while
 * one `select 1` at a time (at most one per `probeIntervalMs`) finds out when it is back.
 */
export class DatabaseAvailability {
  private downSince: Date | null = null
  private probing: Promise<boolean> | null = null
  private lastProbeAt = 0
  private lastAttemptAt = 0
  /** The connection whose attempts at every host are the probe's. */
  private probeConnection: number | null = null

  constructor(
    private readonly probe: () => Promise<unknown>,
    private readonly opts: { probeIntervalMs: number; probeTimeoutMs: number } = { probeIntervalMs: 1000, probeTimeoutMs: 3000 },
  ) {}

  get up(): boolean {
    return this.downSince === null
  }

  get unavailableSince(): Date | null {
    return this.downSince
  }

  markDown() {
    this.downSince ??= new Date()
  }

  markUp() {
    this.downSince = null
  }

  /** Up or not, without waiting; while down, starts a probe unless one ran within the interval. */
  check(): boolean {
    if (this.up) return true
    if (!this.probing && Date.now() - this.lastProbeAt >= this.opts.probeIntervalMs) void this.probeNow()
    return false
  }

  /**
   * Opens a connection for the driver (postgres.js's `socket` option). postgres.js retries a connection that closes
   * during startup without end, holding its queries; so while down only a probe may really try, at most every
   * 200 ms, and any other attempt fails at once, which fails the query waiting for it. With several hosts, the probe
   * tries each of them, and the database is down only once the last host of an attempt has not answered either.
   */
  connect(open: () => Socket, attempt: ConnectAttempt = SINGLE_HOST): Socket {
    const now = Date.now()
    if (!this.up && !this.mayTry(attempt, now)) {
      const refused = markSocketErrors(new Socket()) // also handles the error before the driver's handler is attached
      // Fail the driver's first write (its startup message) rather than close before it: postgres.js loses the next
      // connection's first write when a socket closes with one still pending.
      refused._write = (_chunk, _encoding, callback) => callback(Object.assign(new Error('database unavailable'), { code: 'ECONNREFUSED' }))
      return refused
    }
    this.lastAttemptAt = now
    const socket = markSocketErrors(open())
    let answered = false
    socket.on('data', () => {
      answered = true
    })
    socket.once('close', () => {
      if (!answered && attempt.host === attempt.hosts - 1) this.markDown()
    })
    return socket
  }

  /** While down: whether this attempt is the probe's (its first host at most every 200 ms, then the others). */
  private mayTry(attempt: ConnectAttempt, now: number): boolean {
    if (attempt.host > 0) return this.probing !== null && this.probeConnection === attempt.connection
    if (!this.probing || now - this.lastAttemptAt < 200) return false
    this.probeConnection = attempt.connection
    return true
  }

  /** Runs (or joins) a probe and records its outcome. */
  probeNow(): Promise<boolean> {
    this.probing ??= withTimeout(this.probe(), this.opts.probeTimeoutMs)
      .then(() => (this.markUp(), true), () => (this.markDown(), false))
      .finally(() => {
        this.probing = null
        this.lastProbeAt = Date.now()
      })
    return this.probing
  }
}
