import { sql, type SQL } from 'drizzle-orm'
import { uuidParam } from '../../db/sql'
import { idAtTime, idTime, type Id } from '../ids'
import type { Page } from '../timelines/page'

/**
 * Status search reads a word's matches a week at a time. `statuses.search_document` holds one extra lexeme,
 * `'week N'` with N the week of the status's flake id (its milliseconds / 7 days, migration 0033), so that "this
 * word in these weeks" is answered inside the GIN index: only the matches of those weeks are fetched and sorted,
 * however many statuses and matches the table holds. The lexeme contains a space, which the text parser never puts
 * in a lexeme, so search words cannot produce it.
 */
const WEEK_MS = 7 * 86_400_000

const weekOf = (id: Id): number => Math.floor(idTime(id) / WEEK_MS)

/** A tsquery matching statuses of the weeks `from` to `to`. */
const weeksTsquery = (from: number, to: number): SQL => {
  const weeks = Array.from({ length: to - from + 1 }, (_, i) => `'week ${from + i}'`)
  return sql`${weeks.join(' | ')}::tsquery`
}

/** The first id of a week: everything of earlier weeks is below it. */
const weekStart = (week: number): SQL => uuidParam(idAtTime(week * WEEK_MS))

/**
 * A window is up to this many weeks: after it the rest is read in one query without weeks, as words whose matches
 * have not filled a batch in that long are rare, and the index returns all of a rare word's matches cheaply.
 */
const MAX_WEEKS_PER_WINDOW = 16

/**
 * One query of matches after the cursor in keyset order: those of `weeks`, or, when that is absent, those beyond
 * the weeks already read (`bound`, on the id).
 */
export type ReadWindow = (cursor: Page, limit: number, weeks: SQL | undefined, bound: SQL | undefined) => Promise<Id[]>

/**
 * A batch reader for `fillFromCandidates`: the next `batch` matches after the cursor in keyset order (newest first,
 * or oldest first from `min_id`), read week window by week window from the cursor's week outwards. The first window
 * is one week; after one that came back short, the next is as wide as the matches seen per week so far say the rest
 * of the batch needs (with a margin), and at least twice as wide, four times when nothing matched yet. `newestId`
 * gives the newest status id (null when there is none): no window reaches past its week. One reader serves one
 * search, its rounds in turn.
 */
export function readByWeeks(
  batch: number,
  newestId: () => Promise<Id | null>,
  readWindow: ReadWindow,
  idColumn: SQL,
): (cursor: Page) => Promise<Id[]> {
  let span = 1
  let weeksRead = 0
  let matched = 0
  let newest: Promise<number | null> | undefined
  const newestWeek = () => (newest ??= newestId().then((id) => (id === null ? null : weekOf(id))))
  const widen = (missing: number) => {
    span = matched ? Math.max(2 * span, Math.ceil((missing * weeksRead / matched) * 1.25)) : 4 * span
  }

  return async (cursor) => {
    const ids: Id[] = []
    const read = async (weeks: SQL | undefined, bound?: SQL) => { ids.push(...await readWindow(cursor, batch - ids.length, weeks, bound)) }
    const readWeeks = async (from: number, to: number) => {
      const before = ids.length
      await read(weeksTsquery(from, to))
      weeksRead += to - from + 1
      matched += ids.length - before
      if (ids.length < batch) widen(batch - ids.length)
    }
    if (cursor.minId) {
      // Upwards from min_id's week to the newest status's (or max_id's).
      const newest = await newestWeek()
      if (newest === null) return []
      const last = cursor.maxId ? Math.min(weekOf(cursor.maxId), newest) : newest
      let from = weekOf(cursor.minId)
      while (ids.length < batch && from <= last) {
        if (span > MAX_WEEKS_PER_WINDOW) {
          await read(undefined, sql`${idColumn} >= ${weekStart(from)}`)
          break
        }
        const to = Math.min(from + span - 1, last)
        await readWeeks(from, to)
        from = to + 1
      }
      return ids
    }
    // Downwards from the newest status's week (or max_id's) to since_id's.
    const newest = await newestWeek()
    if (newest === null) return []
    const first = cursor.maxId ? Math.min(weekOf(cursor.maxId), newest) : newest
    const floor = cursor.sinceId ? weekOf(cursor.sinceId) : 0
    let to = first
    while (ids.length < batch && to >= floor) {
      if (span > MAX_WEEKS_PER_WINDOW) {
        await read(undefined, sql`${idColumn} < ${weekStart(to + 1)}`)
        break
      }
      const from = Math.max(to - span + 1, floor)
      await readWeeks(from, to)
      to = from - 1
    }
    return ids
  }
}
