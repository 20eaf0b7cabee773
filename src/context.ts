import { loadConfig, type Config } from './config'
import type { Ctx } from './core/context'
import { openDatabase, type OpenOptions } from './db/client'
import { migrate } from './db/migrate'

/** Opens the database for a config and wraps it in a Ctx; `serve` and `migrate` also apply pending migrations. */
export async function openContext(opts: { config?: Config; role: OpenOptions['role']; migrate?: boolean; memory?: boolean }): Promise<Ctx> {
  const config = opts.config ?? loadConfig()
  const database = await openDatabase({ databaseUrl: config.databaseUrl, poolSize: config.databasePoolSize, writePoolSize: config.databaseWritePoolSize, dataDir: config.dataDir, pgliteFsync: config.pgliteFsync, role: opts.role, memory: opts.memory })
  try {
    if (opts.migrate) await migrate(database.db)
  } catch (e) {
    await database.close()
    throw e
  }
  return { db: database.db, database, config, startedAt: new Date() }
}
