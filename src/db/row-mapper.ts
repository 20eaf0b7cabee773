import { Column, getTableName, is, SQL, Subquery } from 'drizzle-orm'

/** One selected field as Drizzle lists them for a query: where in the row object it goes, and what it is. */
export interface SelectedField {
  path: string[]
  field: unknown
}

interface Decoder {
  mapFromDriverValue(value: unknown): unknown
}

interface FieldPlan {
  parents: string[]
  leaf: string
  decoder: Decoder
  /** for a table's column in an object of its own (a join): that object's name and the table's */
  joined: { object: string; table: string } | null
}

/** What Drizzle keeps on an SQL expression but does not type: its `mapWith` decoder. */
type Decoded = { decoder: Decoder }

function decoderOf(field: unknown): Decoder {
  if (is(field, Column)) return field
  if (is(field, SQL)) return (field as unknown as Decoded).decoder
  if (is(field, Subquery)) return (field as unknown as { _: { sql: Decoded } })._.sql.decoder
  return (field as { sql: Decoded }).sql.decoder
}

/**
 * The rows of a statement as Drizzle maps them (`mapResultRow` in drizzle-orm/utils), with what each field needs
 * worked out once per statement instead of for every value of every row: Drizzle's own mapping, which tells each
 * field's kind apart through its class chain per value, was about a twelfth of a timeline page's CPU time. Same
 * result, including a left-joined table's object set to null when its first column is (and the join may be empty).
 */
export function rowsMapper(fields: readonly SelectedField[], joinsNotNullableMap: Record<string, boolean> | undefined): (rows: unknown[][]) => Record<string, unknown>[] {
  const plan: FieldPlan[] = fields.map(({ path, field }) => ({
    parents: path.slice(0, -1),
    leaf: path[path.length - 1],
    decoder: decoderOf(field),
    joined: joinsNotNullableMap && path.length === 2 && is(field, Column) ? { object: path[0], table: getTableName(field.table) } : null,
  }))
  const count = plan.length
  const mapRow = (row: unknown[]) => {
    const result: Record<string, unknown> = {}
    let nullify: Record<string, string | false> | null = null
    for (let i = 0; i < count; i++) {
      const { parents, leaf, decoder, joined } = plan[i]
      let node = result
      for (const name of parents) node = (node[name] ??= {}) as Record<string, unknown>
      const raw = row[i]
      const value = node[leaf] = raw === null ? null : decoder.mapFromDriverValue(raw)
      if (joined) {
        nullify ??= {}
        const seen = nullify[joined.object]
        // as Drizzle: the object's first column decides, unless another table's column shares the object
        if (seen === undefined) nullify[joined.object] = value === null ? joined.table : false
        else if (typeof seen === 'string' && seen !== joined.table) nullify[joined.object] = false
      }
    }
    if (nullify) {
      for (const object in nullify) {
        const table = nullify[object]
        if (typeof table === 'string' && !joinsNotNullableMap![table]) result[object] = null
      }
    }
    return result
  }
  return (rows) => rows.map(mapRow)
}

interface MappedQuery {
  fields?: SelectedField[]
  joinsNotNullableMap?: Record<string, boolean>
  customResultMapper?: unknown
}

/** Gives a prepared Drizzle query (postgres.js or PGlite) `rowsMapper`'s mapping of its rows, when it maps them at all. */
export function mapRowsOnce<Q>(prepared: Q): Q {
  const q = prepared as unknown as MappedQuery
  if (q.fields && !q.customResultMapper) q.customResultMapper = rowsMapper(q.fields, q.joinsNotNullableMap)
  return prepared
}
