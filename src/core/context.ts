import type { Config } from '../config'
import type { Database, Db } from '../db/client'

/** What every core action needs: the database and the configuration. */
export interface Ctx {
  db: Db
  database: Database
  config: Config
  startedAt: Date
}
