import { eq, sql, type SQL } from 'drizzle-orm'
import type { DbLike } from '../../db/client'
import { accounts, statuses } from '../../db/schema'

type StatusCounter = 'repliesCount' | 'reblogsCount' | 'favouritesCount' | 'quotesCount'

/** Adds `delta` to one counter of a status, never below zero. Call only when a row really changed. */
export async function bumpStatusCounter(db: DbLike, statusId: string, counter: StatusCounter, delta: number): Promise<void> {
  const column = statuses[counter]
  await db.update(statuses).set({ [counter]: sql`greatest(${column} + ${delta}, 0)` }).where(eq(statuses.id, statusId))
}

/** The author's `statuses_count` (and `last_status_at` when a status was added). */
export async function bumpAuthorStatuses(db: DbLike, accountId: string, delta: number): Promise<void> {
  await authorStatusesUpdate(db, accountId, delta, delta > 0)
}

/** The update of `bumpAuthorStatuses`, also for a statement that does it with others (account and delta may be SQL). */
export function authorStatusesUpdate(db: DbLike, accountId: string | SQL, delta: number | SQL, added: boolean) {
  return db.update(accounts).set({
    statusesCount: sql`greatest(${accounts.statusesCount} + ${delta}, 0)`,
    ...(added ? { lastStatusAt: sql`now()` } : {}),
  }).where(eq(accounts.id, accountId))
}
