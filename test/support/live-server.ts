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
  stop(): Promise<void>
}

export async function startLiveServer(overrides: { federation?: Partial<Config['federation']> } = {}): Promise<LiveServer> {
  const shared = await getTestContext()
  const jobs = await startJobs(shared.database, { supervise: false, queues: QUEUES })
  const config: Config = { ...shared.config, federation: { ...shared.config.federation, ...overrides.federation } }
  const ctx: Ctx = { ...shared, config, jobs }
  const app = createApp(ctx).listen({ hostname: '127.0.0.1', port: 0 })
  const port = app.server!.port
  config.domain = `127.0.0.1:${port}`
  config.baseUrl = `http://127.0.0.1:${port}`
  // The test files of one process share a database: deliveries queued by earlier files' servers (gone by now, and
  // addressed to peers that are gone too) are not this server's to work through before its own.
  await shared.db.execute(sql`delete from pgboss.job where name like 'federation.%' and state in ('created', 'retry')`)
  const stopWorkers = new AbortController()
  await startFederationWorkers(ctx, stopWorkers.signal)
  return {
    ctx,
    baseUrl: config.baseUrl,
    async stop() {
      stopWorkers.abort()
      await app.stop(true)
      await jobs.stop()
    },
  }
}
