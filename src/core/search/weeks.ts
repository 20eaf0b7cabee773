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

/** The least part of a week a window counts as read: an hour, so a rate is never worked out over no time at all. */
const SHORTEST_SPAN_MS = 3_600_000

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
 * After this many weeks without a match the rest is read at once: such a word (or words together) is rare, and a wide
 * window costs more than its few matches do, as each week's lexeme is on every status of that week.
 */
const WEEKS_WITHOUT_MATCHES = 4

/**
 * One query of matches after the cursor in keyset order: those of `weeks`, or, when that is absent, those beyond
 * the weeks already read (`bound`, on the id). A match is whatever the caller reads of it (its id, in either form).
 */
export type ReadWindow<T> = (cursor: Page, limit: number, weeks: SQL | undefined, bound: SQL | undefined) => Promise<T[]>

/**
 * A batch reader for `fillFromBatches`: the next `cursor.limit` matches after the cursor in keyset order (newest first,
 * or oldest first from `min_id`), read week window by week window from the cursor's week outwards. The first window
 * is one week; after one that came back short, the next is as wide as the matches seen per week so far say the rest
 * of the batch needs (with a margin), and at least twice as wide; four times as wide while nothing matched, and the
 * rest at once when nothing matched in four weeks. `newestId` gives the newest status id (null when there is none):
 * no window reaches past its week. One reader serves one search, its rounds in turn.
 */
export function readByWeeks<T>(
  newestId: () => Promise<Id | null>,
  readWindow: ReadWindow<T>,
  idColumn: SQL,
): (cursor: Page) => Promise<T[]> {
  let span = 1
  let weeksRead = 0
  let matched = 0
  let newest: Promise<number | null> | undefined
  const newestTime = () => (newest ??= newestId().then((id) => (id === null ? null : idTime(id))))
  const widen = (missing: number) => {
    if (matched) span = Math.max(2 * span, Math.ceil((missing * weeksRead / matched) * 1.25))
    else span = weeksRead >= WEEKS_WITHOUT_MATCHES ? Infinity : 4 * span
  }

  return async (cursor) => {
    const ids: T[] = []
    const latest = await newestTime()
    if (latest === null) return []
    // The weeks at either end are read only in part (the newest up to its newest status, a cursor's from or to its
    // id): the rate of matches per week counts only the part read, or a week just begun would make a common word look
    // rare, and its next window far too wide.
    const readFrom = cursor.minId ?? cursor.sinceId
    const low = readFrom ? idTime(readFrom) : 0
    const high = Math.min(cursor.maxId ? idTime(cursor.maxId) : latest, latest) + 1
    const weeksCovered = (from: number, to: number) =>
      Math.max(Math.min(high, (to + 1) * WEEK_MS) - Math.max(low, from * WEEK_MS), SHORTEST_SPAN_MS) / WEEK_MS
    const read = async (weeks: SQL | undefined, bound?: SQL) => { ids.push(...await readWindow(cursor, cursor.limit - ids.length, weeks, bound)) }
    const readWeeks = async (from: number, to: number) => {
      const before = ids.length
      await read(weeksTsquery(from, to))
      weeksRead += weeksCovered(from, to)
      matched += ids.length - before
      if (ids.length < cursor.limit) widen(cursor.limit - ids.length)
    }
    const newest = Math.floor(latest / WEEK_MS)
    if (cursor.minId) {
      // Upwards from min_id's week to the newest status's (or max_id's).
      const last = cursor.maxId ? Math.min(weekOf(cursor.maxId), newest) : newest
      let from = weekOf(cursor.minId)
      while (ids.length < cursor.limit && from <= last) {
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
    const first = cursor.maxId ? Math.min(weekOf(cursor.maxId), newest) : newest
    const floor = cursor.sinceId ? weekOf(cursor.sinceId) : 0
    let to = first
    while (ids.length < cursor.limit && to >= floor) {
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
