import { chmodSync, rmSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import type { PGlite } from '@electric-sql/pglite'

/**
 * Serves the embedded database on a unix socket in the PostgreSQL wire protocol, so CLI commands can work on the data
 * of a running `serve` (PGlite is one backend in one process).
 *
 * Written for this purpose instead of @electric-sql/pglite-socket, whose server locks PGlite per protocol message only:
 * the server's own queries could then run inside a socket client's transaction (or between its Parse and Sync), and
 * socket messages inside the server's transactions. Here a client holds PGlite's transaction lock from its first message
 * until it is idle again outside a transaction, which serialises it with in-process queries and transactions.
 */

const SSL_REQUEST = 80877103
const GSSENC_REQUEST = 80877104
const CANCEL_REQUEST = 80877102
/** A client that holds the database and sends nothing for this long is disconnected (its transaction rolled back). */
const HOLD_TIMEOUT_MS = 30_000

/** The semi-private lock PGlite's own query/exec/transaction take; pinned PGlite version (0.5.x). */
type LockablePglite = PGlite & { _runExclusiveTransaction<T>(fn: () => Promise<T>): Promise<T> }

const SYNC = Uint8Array.from([0x53, 0, 0, 0, 4])
const simpleQuery = (text: string) => {
  const body = Buffer.from(text + '\0')
  const msg = Buffer.alloc(5 + body.length)
  msg[0] = 0x51
  msg.writeInt32BE(4 + body.length, 1)
  body.copy(msg, 5)
  return new Uint8Array(msg)
}

class Connection {
  private buffer = Buffer.alloc(0)
  private started = false
  private chain: Promise<void> = Promise.resolve()
  private release: (() => void) | null = null
  private holdTimer: ReturnType<typeof setTimeout> | null = null
  private closed = false

  constructor(
    private readonly pglite: LockablePglite, private readonly socket: Socket, private readonly onClosed: (c: Connection) => void,
    private readonly afterWork: () => void,
  ) {
    socket.setNoDelay?.(true)
    socket.on('data', (data) => this.receive(Buffer.from(data)))
    socket.on('error', () => this.close())
    socket.on('close', () => this.close())
  }

  /** Received chunks (copied: the socket may reuse its buffer) not yet joined, until the next message is complete. */
  private pending: Buffer[] = []
  private pendingBytes = 0
  private needed = 8

  private receive(data: Buffer) {
    this.pending.push(Buffer.from(data))
    this.pendingBytes += data.length
    // Joining on every chunk would copy a large message once per chunk.
    if (this.buffer.length + this.pendingBytes < this.needed) return
    this.buffer = Buffer.concat([this.buffer, ...this.pending])
    this.pending = []
    this.pendingBytes = 0
    for (;;) {
      const msg = this.nextMessage()
      if (!msg) break
      this.chain = this.chain.then(() => this.handle(msg)).catch(() => this.close())
    }
    this.needed = this.bytesNeeded()
  }

  /** How many buffered bytes the next message needs, as far as its header tells. */
  private bytesNeeded(): number {
    if (!this.started) return this.buffer.length < 8 ? 8 : Math.max(8, this.buffer.readInt32BE(0))
    return this.buffer.length < 5 ? 5 : 1 + Math.max(4, this.buffer.readInt32BE(1))
  }

  /** Cuts one complete message off the buffer; the startup packet (and SSL/GSS probes) carry no type byte. */
  private nextMessage(): { type: number; bytes: Uint8Array } | null {
    if (!this.started) {
      if (this.buffer.length < 8) return null
      const length = this.buffer.readInt32BE(0)
      const code = this.buffer.readInt32BE(4)
      if (length === 8 && (code === SSL_REQUEST || code === GSSENC_REQUEST)) {
        this.buffer = this.buffer.subarray(8)
        this.socket.write('N')
        return this.nextMessage()
      }
      if (length === 16 && code === CANCEL_REQUEST) {
        this.buffer = Buffer.alloc(0)
        this.socket.end()
        return null
      }
      if (this.buffer.length < length) return null
      this.started = true
      return this.take(0, length)
    }
    if (this.buffer.length < 5) return null
    const length = 1 + this.buffer.readInt32BE(1)
    if (length < 5) {
      this.close() // not the PostgreSQL protocol
      return null
    }
    if (this.buffer.length < length) return null
    return this.take(this.buffer[0], length)
  }

  private take(type: number, length: number) {
    const bytes = new Uint8Array(this.buffer.subarray(0, length))
    this.buffer = this.buffer.subarray(length)
    return { type, bytes }
  }

  private async handle({ type, bytes }: { type: number; bytes: Uint8Array }) {
    if (this.closed) return
    if (type === 0x58) { // Terminate: the backend is shared, so it only ends this connection
      this.socket.end()
      return this.close()
    }
    if (this.holdTimer) clearTimeout(this.holdTimer)
    this.holdTimer = null
    if (!this.release) {
      this.release = await new Promise<() => void>((acquired) => {
        void this.pglite._runExclusiveTransaction(() => new Promise<void>((done) => acquired(done)))
      })
    }
    await this.pglite.runExclusive(() => this.pglite.execProtocolRawStream(bytes, {
      // PGlite hands out views of memory it reuses for the next chunk, while the socket may still hold on to
      // what it could not send yet: every chunk is copied.
      onRawData: (data) => { if (!this.closed && this.socket.writable) this.socket.write(Buffer.from(data)) },
    }))
    // Sync, a simple Query and the startup packet end a unit of work; the lock is kept while a transaction is open.
    if ((type === 0x53 || type === 0x51 || type === 0) && !this.pglite.isInTransaction()) {
      this.letGo()
      this.afterWork()
    }
    else if (!this.closed) this.holdTimer = setTimeout(() => this.socket.destroy(), HOLD_TIMEOUT_MS)
  }

  private letGo() {
    if (this.holdTimer) clearTimeout(this.holdTimer)
    this.holdTimer = null
    const release = this.release
    this.release = null
    release?.()
  }

  /** Leaves the shared backend clean: ends an interrupted extended-protocol exchange and rolls back an open transaction. */
  close() {
    if (this.closed) return
    this.closed = true
    this.chain = this.chain.then(async () => {
      if (this.release) {
        await this.pglite.runExclusive(async () => {
          await this.pglite.execProtocolRawStream(SYNC, { onRawData: () => {} })
          if (this.pglite.isInTransaction()) await this.pglite.execProtocolRawStream(simpleQuery('ROLLBACK'), { onRawData: () => {} })
        }).catch(() => {})
        this.letGo()
      }
    }).finally(() => this.onClosed(this))
    if (!this.socket.destroyed) this.socket.destroy()
  }

  settled() {
    return this.chain
  }
}

export interface PgliteSocketServer {
  path: string
  stop(): Promise<void>
}

/**
 * Serves the embedded database on a unix socket. `afterWork` runs after each unit of work a client finished: PGlite
 * hands what those sessions NOTIFY to the socket client only, so the serving process learns of their changes here.
 */
export async function servePgliteSocket(pglite: PGlite, path: string, afterWork: () => void = () => {}): Promise<PgliteSocketServer> {
  const connections = new Set<Connection>()
  const server: Server = createServer((socket) => {
    connections.add(new Connection(pglite as LockablePglite, socket, (c) => connections.delete(c), afterWork))
  })
  // Only `serve` gets here, holding the data-folder lock, so a socket file left here belongs to a process that is gone.
  rmSync(path, { force: true })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(path, () => {
      server.off('error', reject)
      resolve()
    })
  })
  chmodSync(path, 0o600) // the socket gives superuser access to the database
  return {
    path,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      const open = [...connections]
      for (const c of open) c.close()
      await Promise.all([closed, ...open.map((c) => c.settled())])
      rmSync(path, { force: true })
    },
  }
}
