// A private unix socket on which a running server tells local admin commands (`rookery top`) what only it knows:
// its request rate, open streams and memory. Nothing on it changes anything; the file is readable by its owner only.
import { chmodSync, existsSync, rmSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Config } from '../config'
import { serverFigures, type ServerFigures } from '../core/admin/runtime'

/**
 * Where the server of this configuration listens: in the data folder for the embedded database (one server per
 * folder), else in the temporary folder, named after the database it serves. Unix socket paths are kept short.
 */
export function controlSocketPath(config: Config): string {
  if (!config.databaseUrl) {
    const inside = join(config.dataDir, '.rookery-control.sock')
    if (Buffer.byteLength(inside) <= 100) return inside
  }
  const key = createHash('sha256').update(config.databaseUrl ?? config.dataDir).digest('hex').slice(0, 16)
  return join(tmpdir(), `rookery-control-${key}.sock`)
}

export interface ControlSocket {
  path: string
  stop(): Promise<void>
}

/** Serves `GET /runtime` on the control socket; a socket file left by a server that died is replaced. */
export async function startControlSocket(config: Config): Promise<ControlSocket> {
  const path = controlSocketPath(config)
  if (existsSync(path)) rmSync(path, { force: true })
  const server = Bun.serve({
    unix: path,
    fetch(request) {
      const { pathname } = new URL(request.url)
      if (request.method === 'GET' && pathname === '/runtime') return Response.json(serverFigures())
      return new Response('Not found', { status: 404 })
    },
  })
  chmodSync(path, 0o600)
  return {
    path,
    async stop() {
      await server.stop(true)
      rmSync(path, { force: true })
    },
  }
}

/** The running server's figures, or null when no server answers on this configuration's socket. */
export async function fetchServerFigures(config: Config, timeoutMs = 1000): Promise<ServerFigures | null> {
  const path = controlSocketPath(config)
  if (!existsSync(path)) return null
  try {
    const res = await fetch('http://localhost/runtime', { unix: path, signal: AbortSignal.timeout(timeoutMs) } as RequestInit)
    return res.ok ? ((await res.json()) as ServerFigures) : null
  } catch {
    return null
  }
}
