import * as drizzle from 'drizzle-orm'
import { is, Param, Placeholder, type SQL } from 'drizzle-orm'
import type { Database, Db, DbLike } from './client'
import { mapRowsOnce, rowsMapper, type SelectedField } from './row-mapper'
import { NamedBinds, PlaceholderBinds, sameValue, type Binds } from './sql'

interface Runnable<R> {
  execute(values?: Record<string, unknown>): Promise<R>
}
/** A Drizzle query `runPrepared` can prepare. */
export interface Preparable<R> extends Runnable<R> {
  prepare(name: string): Runnable<R>
  toSQL(): { sql: string; params: unknown[] }
}

interface Kept {
  query: Runnable<unknown>
  text: string
}

const isPlaceholder = (p: unknown) => is(p, Placeholder) || (is(p, Param) && is(p.value, Placeholder))

const kept = new WeakMap<Database, Map<string, Kept>>()
/** Shapes are few (a page's options and keyset); this bounds them should a key ever take unforeseen values. */
const MAX_KEPT = 500
/** Under test, every run checks that its key built the kept statement's text, so a key that misses a shape fails. */
const checkShapes = process.env.NODE_ENV === 'test'

/** The statements kept for a database in one of the maps of kept statements. */
function keptOf<E extends Kept>(maps: WeakMap<Database, Map<string, E>>, database: Database): Map<string, E> {
  let byKey = maps.get(database)
  if (!byKey) maps.set(database, (byKey = new Map()))
  return byKey
}

/** Prepares `query` and keeps it under `key`, with `extra`; the kept ones are forgotten all at once past `MAX_KEPT`. */
function keep<E extends Kept>(byKey: Map<string, E>, key: string, query: Preparable<unknown>, extra: Omit<E, keyof Kept>): E {
  const { sql: text, params } = query.toSQL()
  // A value bound in place would be kept in the statement and reused for every later run (another viewer's id).
  if (!params.every(isPlaceholder)) throw new Error(`prepared statement ${key} has a value bound in place: ${text}`)
  if (byKey.size >= MAX_KEPT) byKey.clear()
  const entry = { query: mapRowsOnce(query.prepare(key.replace(/[^a-z0-9_]/gi, '_'))), text, ...extra } as E
  byKey.set(key, entry)
  return entry
}

/**
 * Runs a statement of a hot path built by `build` with placeholders, prepared once per process under `key`.
 * Building the statement object is cheap; turning it into SQL (drizzle walking and escaping it) is what a page paid
 * for each statement, and a prepared one does that once. `key` must name everything that shapes the statement
 * (which conditions, how many values in a list): the values themselves are bound at each run. Inside a transaction,
 * or with a null key, the statement is built and run as any other.
 */
export async function runPrepared<R>(ctx: { db: DbLike; database: Database }, key: string | null, build: (binds: Binds) => Preparable<R>): Promise<R> {
  const binds = new PlaceholderBinds()
  const query = build(binds)
  if (key === null || ctx.db !== ctx.database.db) return query.execute(binds.values)
  const byKey = keptOf(kept, ctx.database)
  let entry = byKey.get(key)
  if (!entry) {
    entry = keep(byKey, key, query, {})
  } else if (checkShapes) {
    const text = query.toSQL().sql
    if (text !== entry.text) throw new Error(`prepared statement ${key} built another statement:\n${text}\nthan the kept one:\n${entry.text}`)
  }
  return entry.query.execute(binds.values) as Promise<R>
}

const keptNamed = new WeakMap<Database, Map<string, Kept & { binds: NamedBinds }>>()

/**
 * Which arguments equal an earlier one, as a suffix of a key (`:y=x`; empty when none do). A value equal to several
 * arguments is bound to the first of them, which is right for every run whose arguments are equal in the same way:
 * such runs share a statement, and runs where they differ get another.
 */
export function equalArguments(args: Readonly<Record<string, unknown>>): string {
  const names = Object.keys(args)
  let suffix = ''
  for (let i = 1; i < names.length; i++) {
    const value = args[names[i]]
    if (value == null) continue
    const first = names.findIndex((name, j) => j < i && args[name] != null && sameValue(args[name], value))
    if (first >= 0) suffix += `:${names[i]}=${names[first]}`
  }
  return suffix
}

/**
 * `runPrepared` for a statement each of whose values is one of `args` (bound through `NamedBinds`): once it is kept
 * under `key`, later runs do not build it at all, only take its values from their own `args`. For the hottest
 * statements, where building Drizzle's objects was about a sixth of a request. `key` must name every shape, as for
 * `runPrepared`; under test every run is built too and must give the kept statement's text and bindings.
 */
export async function runPreparedWith<R>(ctx: { db: DbLike; database: Database }, key: string, args: Readonly<Record<string, unknown>>,
  build: (binds: Binds) => Preparable<R>): Promise<R> {
  const inTransaction = ctx.db !== ctx.database.db
  const fullKey = key + equalArguments(args)
  const entry = inTransaction ? undefined : keptNamed.get(ctx.database)?.get(fullKey)
  if (entry && !checkShapes) return entry.query.execute(entry.binds.valuesFor(args)) as Promise<R>
  const binds = new NamedBinds(args)
  const query = build(binds)
  if (entry) {
    const text = query.toSQL().sql
    if (text !== entry.text || binds.shape !== entry.binds.shape) {
      throw new Error(`prepared statement ${fullKey} built another statement:\n${text}\n(${binds.shape})\nthan the kept one:\n${entry.text}\n(${entry.binds.shape})`)
    }
    return entry.query.execute(entry.binds.valuesFor(args)) as Promise<R>
  }
  if (inTransaction) return query.execute(binds.valuesFor(args))
  return keep(keptOf(keptNamed, ctx.database), fullKey, query, { binds }).query.execute(binds.valuesFor(args)) as Promise<R>
}

/**
 * A Drizzle query of one fixed shape, built once per database handle (or transaction) and run with placeholders
 * (`sql.placeholder`), so that a frequent request does not build the same SQL text again on every run. On PostgreSQL
 * the statement is named on each connection as any other parameterized one, and its rows are mapped through
 * `rowsMapper`. Statements whose text depends on the request (options, paging, how many values) go through
 * `runPrepared` instead.
 */
export function preparedPerDb<T>(build: (db: DbLike) => T): (db: DbLike) => T {
  const built = new WeakMap<DbLike, T>()
  return (db) => {
    let query = built.get(db)
    if (!query) built.set(db, (query = mapRowsOnce(build(db))))
    return query
  }
}

interface Session {
  prepareQuery(query: { sql: string; params: unknown[] }, fields: unknown, name: string | undefined, isResponseInArrayMode: boolean,
    customResultMapper?: (rows: unknown[][]) => unknown): Runnable<unknown>
}
/** What Drizzle's query builders and databases hold, and type as internal. */
interface Internals {
  session: Session
  dialect: { sqlToQuery(sql: SQL): { sql: string; params: unknown[] } }
}

/**
 * A statement of fixed shape whose text is built once per process and run on any handle, a transaction included
 * (Drizzle's `.prepare()` ties a statement to the handle it was built on, and a post's writes run in a new
 * transaction each time). `build` returns the statement with `sql.placeholder` for every value and, for a statement
 * with `returning`, the fields the rows map to (Drizzle's own, from `returningFields`). On PostgreSQL the statement is
 * named on each connection as any other parameterized one.
 */
export function builtOnce<R>(build: (db: Db) => { statement: SQL; fields?: unknown }): (db: DbLike, values: Record<string, unknown>) => Promise<R> {
  let built: { query: { sql: string; params: unknown[] }; fields: unknown; mapRows?: (rows: unknown[][]) => unknown } | null = null
  return (db, values) => {
    if (!built) {
      const { statement, fields } = build(db as Db)
      const query = (db as unknown as Internals).dialect.sqlToQuery(statement)
      if (!query.params.every(isPlaceholder)) throw new Error(`statement built once has a value bound in place: ${query.sql}`)
      built = { query, fields, mapRows: fields ? rowsMapper(fields as SelectedField[], undefined) : undefined }
    }
    return (db as unknown as Internals).session.prepareQuery(built.query, built.fields, undefined, !!built.fields, built.mapRows).execute(values) as Promise<R>
  }
}

/** The fields an insert's `returning()` maps its rows to, for `builtOnce`. */
export function returningFields(query: object): unknown {
  const fields = (query as { config?: { returning?: unknown } }).config?.returning
  if (!fields) throw new Error('query has no returning fields')
  return fields
}

/** The fields a select maps its rows to, for `builtOnce`: Drizzle's own ordering of them (not in its typings). */
export function selectedFields(query: object): unknown {
  const fields = (query as { config?: { fields?: unknown } }).config?.fields
  if (!fields) throw new Error('query has no selected fields')
  return (drizzle as unknown as { orderSelectedFields(fields: unknown): unknown }).orderSelectedFields(fields)
}

/** `builtOnce` for a select (Drizzle's builder): its rows mapped and typed as the select's own. */
export function builtOnceSelect<Q extends { getSQL(): SQL; _: { result: unknown } }>(build: (db: Db) => Q): (db: DbLike, values: Record<string, unknown>) => Promise<Q['_']['result']> {
  return builtOnce((db) => {
    const query = build(db)
    return { statement: query.getSQL(), fields: selectedFields(query) }
  })
}
