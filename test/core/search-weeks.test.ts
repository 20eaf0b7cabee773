import { describe, expect, test } from 'bun:test'
import { PgDialect } from 'drizzle-orm/pg-core'
import { sql, type SQL } from 'drizzle-orm'
import { idTime, newId, uuidToId, type Id } from '../../src/core/ids'
import { readByWeeks } from '../../src/core/search/weeks'
import type { Page } from '../../src/core/timelines/page'

const WEEK_MS = 7 * 86_400_000
const HOUR_MS = 3_600_000
const dialect = new PgDialect()

/** The week numbers a window's tsquery names. */
function weeksOf(weeks: SQL): number[] {
  const { sql: text, params } = dialect.sqlToQuery(weeks)
  return [...`${text} ${params.join(' ')}`.matchAll(/'week (\d+)'/g)].map((m) => Number(m[1]))
}

/** The id a downward read of the rest stays below (`id < first id of a week`). */
function belowBound(bound: SQL): Id {
  const { sql: text, params } = dialect.sqlToQuery(bound)
  expect(text).toContain('<')
  return uuidToId(String(params[0]))
}

/**
 * Matches of a word, `perWeek` in each of the `fullWeeks` weeks before the newest one, and the newest status an hour
 * into the newest week (which has just begun; a match unless `newestMatches` is false), read through `readByWeeks` as
 * search reads them; every window is recorded.
 */
function wordOverWeeks(perWeek: number, fullWeeks: number, newestMatches = true) {
  const newestWeek = Math.floor(Date.now() / WEEK_MS) - 1
  const matches: Id[] = []
  for (let week = newestWeek - fullWeeks; week < newestWeek; week++) {
    for (let i = 0; i < perWeek; i++) matches.push(newId(week * WEEK_MS + Math.floor(((i + 0.5) / perWeek) * WEEK_MS)))
  }
  const newest = newId(newestWeek * WEEK_MS + HOUR_MS)
  if (newestMatches) matches.push(newest)
  matches.sort((a, b) => (a < b ? 1 : -1))
  const windows: (number[] | 'rest')[] = []
  const read = readByWeeks<Id>(
    async () => newest,
    async (cursor: Page, limit, weeks, bound) => {
      windows.push(weeks ? weeksOf(weeks) : 'rest')
      const inWindow = weeks ? new Set(weeksOf(weeks)) : null
      const below = bound ? belowBound(bound) : null
      return matches.filter((id) => (!inWindow || inWindow.has(Math.floor(idTime(id) / WEEK_MS)))
        && (!below || id < below) && (!cursor.maxId || id < cursor.maxId))
        .slice(0, limit)
    },
    sql`id`)
  return { read, windows, matches }
}

describe('status search read a week at a time', () => {
  test('a week just begun does not make a common word look rare: the next window is as wide as its full weeks need', async () => {
    const { read, windows, matches } = wordOverWeeks(30, 40)
    const ids = await read({ limit: 200 })
    expect(ids).toEqual(matches.slice(0, 200))
    // one match in the first hour of the newest week; 30 a week before it: the rest of 200 needs about 7 weeks
    expect(windows[0]).toHaveLength(1)
    expect(windows).not.toContain('rest')
    expect(windows.length).toBeLessThanOrEqual(3)
    for (const w of windows.slice(1)) expect((w as number[]).length).toBeLessThanOrEqual(16)
  })

  test('a rare word still ends in one read of the rest once the weeks it needs are too many', async () => {
    const { read, windows, matches } = wordOverWeeks(2, 60)
    const ids = await read({ limit: 200 })
    expect(ids).toEqual(matches.slice(0, 200))
    expect(windows.at(-1)).toBe('rest')
  })

  test('a small first batch from a common word is read from its newest weeks alone', async () => {
    const { read, windows, matches } = wordOverWeeks(30, 40)
    expect(await read({ limit: 40 })).toEqual(matches.slice(0, 40))
    expect(windows).toHaveLength(2)
    expect((windows[1] as number[]).length).toBeLessThanOrEqual(3)
    // the next round goes on from where the first stopped, with the rate seen so far
    const next = await read({ maxId: matches[39], limit: 200 })
    expect(next).toEqual(matches.slice(40, 240))
    expect(windows).not.toContain('rest')
  })

  test('words with no match in four weeks are read at once, without ever wider windows', async () => {
    const { read, windows, matches } = wordOverWeeks(0, 30, false)
    // three matches half a year before
    const old = Math.floor(Date.now() / WEEK_MS) - 26
    matches.push(...[1, 2, 3].map((day) => newId(old * WEEK_MS + day * 86_400_000)).reverse())
    expect(await read({ limit: 40 })).toEqual(matches)
    // the newest week (an hour of it), then four weeks, then the rest
    expect(windows).toEqual([expect.any(Array), expect.any(Array), 'rest'])
    expect((windows[1] as number[]).length).toBe(4)
  })
})
