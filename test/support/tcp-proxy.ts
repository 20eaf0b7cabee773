import { createServer, connect, type Socket } from 'node:net'

export interface TcpProxy {
  port: number
  /**
   * Cuts the line: open connections are dropped; new ones are closed at once (`refuse`, like a stopped server)
   * or accepted and left unanswered (`blackhole`, like a lost network).
   */
  cut(mode?: 'refuse' | 'blackhole'): void
  restore(): void
  /** Connections accepted so far, whatever happened to them. */
  readonly accepted: number
  close(): Promise<void>
}

/** A loopback TCP proxy to `host:port` that a test can cut and restore. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>()
  let mode: 'up' | 'refuse' | 'blackhole' = 'up'
  let accepted = 0
  const track = (s: Socket) => {
    open.add(s)
    s.on('close', () => open.delete(s))
    s.on('error', () => s.destroy())
  }
  const server = createServer((client) => {
    accepted++
    track(client)
    if (mode === 'refuse') return void client.destroy()
    if (mode === 'blackhole') return void client.on('data', () => {})
    const upstream = connect(target.port, target.host)
    track(upstream)
    client.pipe(upstream)
    upstream.pipe(client)
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    port,
    get accepted() { return accepted },
    cut(how = 'refuse') {
      mode = how
      for (const s of open) s.destroy()
    },
    restore() {
      mode = 'up'
      for (const s of open) s.destroy() // blackholed connections
    },
    async close() {
      for (const s of open) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
