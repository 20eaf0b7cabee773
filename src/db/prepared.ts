import type { DbLike } from './client'

/**
 * A Drizzle query built once per database handle (or transaction) and run with placeholders (`sql.placeholder`), so
 * that a frequent request does not build the same SQL text again on every run. On PostgreSQL the statement is named
 * on each connection as any other parameterized one.
 */
export function preparedPerDb<T>(build: (db: DbLike) => T): (db: DbLike) => T {
  const built = new WeakMap<DbLike, T>()
  return (db) => {
    let query = built.get(db)
    if (!query) built.set(db, (query = build(db)))
    return query
  }
}
