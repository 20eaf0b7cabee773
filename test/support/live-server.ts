// A Rookery app listening on loopback with its job queue and federation workers, sharing the test database.
import { sql } from 'drizzle-orm'
import type { Config } from '../../src/config'
import type { Ctx } from '../../src/core/context'
import { QUEUES, startJobs } from '../../src/core/jobs'
import { startFederationWorkers } from '../../src/federation'
import { createApp } from '../../src/server/app'
import { getTestContext } from './context'

export interface LiveServer {
  ctx: Ctx
  baseUrl: string
  /** A client-API request as `user` (anonymous with null), JSON in and out. */
  api(user: { token: string } | null, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>
  stop(): Promise<void>
}

/** Polls `probe` until it gives something truthy, for at most `timeoutMs`. */
export async function until<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > deadline) throw new Error('timed out')
    await Bun.sleep(100)
  }
}

export async function startLiveServer(overrides: {
  federation?: Partial<Config['federation']>
  remoteMedia?: Partial<Config['remoteMedia']>
  limits?: Partial<Config['limits']>
} = {}): Promise<LiveServer> {
  const shared = await getTestContext()
  const jobs = await startJobs(shared.database, { supervise: false, queues: QUEUES })
  const config: Config = {
    ...shared.config,
    federation: { ...shared.config.federation, ...overrides.federation },
    remoteMedia: { ...shared.config.remoteMedia, ...overrides.remoteMedia },
    limits: { ...shared.config.limits, ...overrides.limits },
  }
  const ctx: Ctx = { ...shared, config, jobs }
  const app = createApp(ctx).listen({ hostname: '127.0.0.1', port: 0 })
  const port = app.server!.port
  config.domain = `127.0.0.1:${port}`
  config.baseUrl = `http://127.0.0.1:${port}`
  // The test files of one process share a database: deliveries and media fetches queued by earlier files' servers (gone
  // by now, and addressed to peers that are gone too) are not this server's to work through before its own.
  await shared.db.execute(sql`delete from pgboss.job where (name like 'federation.%' or name = 'media.remote') and state in ('created', 'retry')`)
  const stopWorkers = new AbortController()
  await startFederationWorkers(ctx, stopWorkers.signal)
  return {
    ctx,
    baseUrl: config.baseUrl,
    async api(user, method, path, body) {
      const res = await fetch(`${config.baseUrl}${path}`, {
        method,
        headers: { ...(user ? { authorization: `Bearer ${user.token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      })
      return { status: res.status, body: await res.json() as any }
    },
    async stop() {
      stopWorkers.abort()
      await app.stop(true)
      await jobs.stop()
    },
  }
}
