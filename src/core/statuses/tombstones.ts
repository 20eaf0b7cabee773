import { and, eq, lt, sql } from 'drizzle-orm'
import type { DbLike } from '../../db/client'
import { statusTombstones, type StatusRow } from '../../db/schema'

/** How long a remote status's deletion is remembered: long enough for every retry of a late Create or Update. */
const REMOTE_TOMBSTONE_DAYS = 30

/**
 * Remembers a deleted status. A local one only when it was public or unlisted: a private or direct status's
 * existence is not revealed to anyone afterwards.
 */
export async function rememberDeletion(tx: DbLike, gone: Pick<StatusRow, 'uri' | 'accountId' | 'local' | 'visibility' | 'reblogOfId'>) {
  if (!gone.uri || gone.reblogOfId) return
  if (gone.local && gone.visibility !== 'public' && gone.visibility !== 'unlisted') return
  await tx.insert(statusTombstones).values({ uri: gone.uri, accountId: gone.accountId, local: gone.local }).onConflictDoNothing()
}

/** A remote Delete of a status not stored here (yet): its Create, if it comes late, is not stored. */
export async function rememberRemoteDeletion(db: DbLike, uri: string, accountId: string | null) {
  await db.insert(statusTombstones).values({ uri, accountId, local: false }).onConflictDoNothing()
}

/** Whether a status by this URI was deleted (here, or by its remote author). */
export async function isDeleted(db: DbLike, uri: string): Promise<boolean> {
  const [row] = await db.select({ uri: statusTombstones.uri }).from(statusTombstones).where(eq(statusTombstones.uri, uri)).limit(1)
  return !!row
}

/** The deletion time of a local public or unlisted status, for its Tombstone; null when there is none. */
export async function localTombstone(db: DbLike, uri: string): Promise<Date | null> {
  const [row] = await db.select({ deletedAt: statusTombstones.deletedAt }).from(statusTombstones)
    .where(and(eq(statusTombstones.uri, uri), eq(statusTombstones.local, true))).limit(1)
  return row?.deletedAt ?? null
}

/** Forgets remote deletions older than the retry window; local ones stay (their URIs answer 410 for good). */
export async function pruneRemoteTombstones(db: DbLike): Promise<number> {
  const gone = await db.delete(statusTombstones)
    .where(and(eq(statusTombstones.local, false), lt(statusTombstones.deletedAt, sql`now() - make_interval(days => ${REMOTE_TOMBSTONE_DAYS})`)))
    .returning({ uri: statusTombstones.uri })
  return gone.length
}
