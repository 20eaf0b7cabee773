import { sql, type AnyColumn, type SQL } from 'drizzle-orm'
import { idToUuid } from '../core/ids'

/** Escapes `\`, `%` and `_` so a text matches itself in LIKE/ILIKE patterns. */
export const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`)

/** A flake id as a uuid parameter in raw SQL (drizzle's column mapping does not apply there). */
export const uuidParam = (id: string): SQL => sql`${idToUuid(id)}::uuid`

/**
 * Flake ids as one `uuid[]` parameter, for `= any(...)` over many ids (drizzle's `inArray` spends one parameter per id).
 * Sent as an array literal so postgres.js and PGlite read it alike; uuids need no quoting in one.
 */
export const uuidArrayParam = (ids: readonly string[]): SQL => sql`${`{${ids.map(idToUuid).join(',')}}`}::uuid[]`

/**
 * `column = any(ids)` with the ids as one array parameter: the statement's text is the same whatever the number of
 * ids, so PostgreSQL keeps one prepared statement (and, after a few runs, one generic plan) for it instead of one per
 * list length, and the driver binds one value instead of one per id.
 */
export const anyId = (column: SQL | AnyColumn, ids: readonly string[]): SQL =>
  // one id (a single status, its author) as a plain equality, whose generic plan PostgreSQL estimates exactly
  ids.length === 1 ? sql`${column} = ${uuidParam(ids[0])}` : sql`${column} = any(${uuidArrayParam(ids)})`

/**
 * A LIMIT written into the statement's text instead of bound. With a bound limit PostgreSQL's generic plan assumes a
 * tenth of the rows are wanted, prefers sorting them all to walking an index in order, and so never replaces the
 * custom plans: every run is planned anew. A page's limit takes few values, hence few statement texts.
 */
export function constantLimit(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`not a limit: ${n}`)
  // drizzle writes an SQL object after `limit` as it is
  return sql.raw(String(n)) as unknown as number
}
