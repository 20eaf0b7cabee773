import type { Config } from '../config'
import type { Database, Db } from '../db/client'
import type { Jobs } from './jobs'

/** What every core action needs: the database and the configuration. */
export interface Ctx {
  db: Db
  database: Database
  config: Config
  startedAt: Date
  /** The durable job queue; present in `serve` and wherever background work is sent. */
  jobs?: Jobs
}
