import { getTableColumns, sql, type AnyColumn, type Column, type SQL, type Table } from 'drizzle-orm'
import { idToUuid } from '../core/ids'

/** Escapes `\`, `%` and `_` so a text matches itself in LIKE/ILIKE patterns. */
export const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`)

/** A flake id as a uuid parameter in raw SQL (drizzle's column mapping does not apply there). */
export const uuidParam = (id: string): SQL => sql`${idToUuid(id)}::uuid`

/** Flake ids as a `uuid[]` array literal, which postgres.js and PGlite read alike; uuids need no quoting in one. */
export const uuidArrayLiteral = (ids: readonly string[]): string => `{${ids.map(idToUuid).join(',')}}`

/**
 * Flake ids as one `uuid[]` parameter, for `= any(...)` over many ids (drizzle's `inArray` spends one parameter per id).
 */
export const uuidArrayParam = (ids: readonly string[]): SQL => sql`${uuidArrayLiteral(ids)}::uuid[]`

/**
 * `column = any(ids)` with the ids as one array parameter: the statement's text is the same whatever the number of
 * ids, so PostgreSQL keeps one prepared statement (and, after a few runs, one generic plan) for it instead of one per
 * list length, and the driver binds one value instead of one per id.
 */
export const anyId = (column: SQL | AnyColumn, ids: readonly string[], binds: Binds = inlineBinds): SQL =>
  // one id (a single status, its author) as a plain equality, whose generic plan PostgreSQL estimates exactly
  ids.length === 1 ? sql`${column} = ${binds.uuid(ids[0])}` : sql`${column} = any(${binds.uuids(ids)})`

/** The shape `anyId` gives a statement, for the key of a prepared one. */
export const anyIdShape = (ids: readonly string[]) => (ids.length === 1 ? 'one' : 'many')

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

/**
 * How a statement's values go into it: bound in place (`inlineBinds`), or as placeholders whose values a prepared
 * statement takes at each run (`PlaceholderBinds`). Code that builds a statement from values takes one, so the same
 * code builds either.
 */
export interface Binds {
  /** a value for raw SQL */
  value(value: unknown): SQL
  /** a flake id as a uuid */
  uuid(id: string): SQL
  /** flake ids as one `uuid[]` */
  uuids(ids: readonly string[]): SQL
  /** a value compared with `column` through drizzle (`eq`, `lt`, ...), mapped by the column's encoder */
  forColumn<T>(column: AnyColumn, value: T): T
}

export const inlineBinds: Binds = {
  value: (value) => sql`${value}`,
  uuid: uuidParam,
  uuids: uuidArrayParam,
  forColumn: (_column, value) => value,
}

/** Binds every value as a numbered placeholder and keeps the values for the run. */
export class PlaceholderBinds implements Binds {
  readonly values: Record<string, unknown> = {}
  private count = 0

  private placeholder(value: unknown) {
    const name = `p${++this.count}`
    this.values[name] = value
    return sql.placeholder(name)
  }
  value(value: unknown): SQL {
    return sql`${this.placeholder(value)}`
  }
  uuid(id: string): SQL {
    return sql`${this.placeholder(idToUuid(id))}::uuid`
  }
  uuids(ids: readonly string[]): SQL {
    return sql`${this.placeholder(uuidArrayLiteral(ids))}::uuid[]`
  }
  forColumn<T>(column: AnyColumn, value: T): T {
    return sql.param(this.placeholder(value), column) as unknown as T
  }
}

/** How a placeholder of `NamedBinds` takes its value from an argument. */
type Derivation = { arg: string; kind: 'value' | 'uuid' | 'uuids' }

/** Equal as bound values: the same value, or arrays of the same values. */
export const sameValue = (a: unknown, b: unknown) =>
  a === b || (Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => x === b[i]))

/**
 * Binds each value as the argument of the statement it equals, by name, so that a statement kept under a key runs
 * again with other arguments without being built (`runPreparedWith`). A value that is none of the arguments is an
 * error; one equal to several is bound to the first of them (`runPreparedWith` keys such runs apart).
 */
export class NamedBinds implements Binds {
  private readonly derived = new Map<string, Derivation>()

  constructor(private readonly args: Readonly<Record<string, unknown>>) {}

  private placeholder(value: unknown, kind: Derivation['kind']) {
    const arg = Object.keys(this.args).find((k) => this.args[k] != null && sameValue(this.args[k], value))
    if (arg === undefined) throw new Error(`bound value ${JSON.stringify(value)} is none of the statement's arguments (${Object.keys(this.args).join(', ')})`)
    const name = `${arg}_${kind}`
    this.derived.set(name, { arg, kind })
    return sql.placeholder(name)
  }
  value(value: unknown): SQL {
    return sql`${this.placeholder(value, 'value')}`
  }
  uuid(id: string): SQL {
    return sql`${this.placeholder(id, 'uuid')}::uuid`
  }
  uuids(ids: readonly string[]): SQL {
    return sql`${this.placeholder(ids, 'uuids')}::uuid[]`
  }
  forColumn<T>(column: AnyColumn, value: T): T {
    return sql.param(this.placeholder(value, 'value'), column) as unknown as T
  }

  /** The placeholders' values for these arguments (named as those the statement was built with). */
  valuesFor(args: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const values: Record<string, unknown> = {}
    for (const [name, { arg, kind }] of this.derived) {
      const value = args[arg]
      values[name] = kind === 'uuid' ? idToUuid(value as string) : kind === 'uuids' ? uuidArrayLiteral(value as string[]) : value
    }
    return values
  }

  /** Which placeholder takes which argument, to tell two builds of a key apart. */
  get shape(): string {
    return [...this.derived].map(([name, d]) => `${name}=${d.arg}`).join()
  }
}

const columnsByName = new WeakMap<Table, [string, Column][]>()

/**
 * A table's row from its JSON rendering in PostgreSQL (`row_to_json`, keys as column names), each value mapped by its
 * column as the driver's would be: a statement can then carry rows of several tables as JSON columns.
 */
export function rowFromJson<T extends Table>(table: T, json: Record<string, unknown>): T['$inferSelect'] {
  let columns = columnsByName.get(table)
  if (!columns) columnsByName.set(table, (columns = Object.entries(getTableColumns(table))))
  const row: Record<string, unknown> = {}
  for (const [key, column] of columns) {
    const value = json[column.name]
    row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value)
  }
  return row as T['$inferSelect']
}

/** Some of a table's columns as one JSON array in a statement, and their values mapped back from it. */
export interface JsonArrayColumns<R> {
  /** `json_build_array` of the columns of the row aliased as given */
  sql: SQL
  /** the row from the array's values starting at `offset`, each mapped by its column as the driver's value would be */
  row(values: readonly unknown[], offset?: number): R
}

/**
 * The columns `keys` of a table's row aliased `alias`, as one JSON array: a statement can carry rows of another
 * table, with only the columns a caller reads.
 */
export function jsonArrayColumns<T extends Table, K extends keyof T['$inferSelect'] & string>(table: T, alias: string, keys: readonly K[]): JsonArrayColumns<Pick<T['$inferSelect'], K>> {
  const all = getTableColumns(table)
  const columns = keys.map((key) => all[key])
  return {
    sql: sql.raw(`json_build_array(${columns.map((c) => `"${alias}"."${c.name}"`).join(', ')})`),
    row(values, offset = 0) {
      const row: Record<string, unknown> = {}
      for (let i = 0; i < keys.length; i++) {
        const value = values[offset + i]
        row[keys[i]] = value === null || value === undefined ? null : columns[i].mapFromDriverValue(value)
      }
      return row as Pick<T['$inferSelect'], K>
    },
  }
}
