import { asc, desc, gt, lt, type SQL } from 'drizzle-orm'
import type { PgColumn } from 'drizzle-orm/pg-core'
import { inlineBinds, type Binds } from '../../db/sql'

/** Keyset paging parameters (already validated): ids are flake ids, so newer means greater. */
export interface Page {
  maxId?: string
  sinceId?: string
  minId?: string
  limit: number
}

/**
 * Conditions and order for one page along `column`, Mastodon style: newest first; `min_id` pages forwards from
 * an id (oldest of the newer ones first, then reversed back), `since_id` only bounds the newest page.
 */
export function keyset(column: PgColumn, page: Page, binds: Binds = inlineBinds): { where: SQL[]; orderBy: SQL; forwards: boolean } {
  const where: SQL[] = []
  if (page.maxId) where.push(lt(column, binds.forColumn(column, page.maxId)))
  if (page.sinceId) where.push(gt(column, binds.forColumn(column, page.sinceId)))
  if (page.minId) where.push(gt(column, binds.forColumn(column, page.minId)))
  const forwards = !!page.minId
  return { where, orderBy: forwards ? asc(column) : desc(column), forwards }
}

/** Which bounds `keyset` writes, for the key of a prepared statement. */
export const keysetShape = (page: Page) => `${page.maxId ? 'max' : ''}${page.sinceId ? 'since' : ''}${page.minId ? 'min' : ''}`

/** The values `keyset` binds, by name (`runPreparedWith`). */
export const keysetArgs = (page: Page) => ({ maxId: page.maxId, sinceId: page.sinceId, minId: page.minId })

/** Rows fetched in `keyset` order, put newest first. */
export const newestFirst = <T>(rows: T[], forwards: boolean): T[] => (forwards ? rows.reverse() : rows)

/** A page of items paged by their own row id (a favourite, a follow, a reblog), with the ids for the Link header. */
export interface KeyedPage<T> {
  items: T[]
  firstKey?: string
  lastKey?: string
}

/** Rows fetched in `keyset` order with their paging key, as a newest-first `KeyedPage`. */
export function keyedPage<T>(rows: { key: string; item: T }[], forwards: boolean): KeyedPage<T> {
  const ordered = newestFirst(rows, forwards)
  return { items: ordered.map((r) => r.item), firstKey: ordered[0]?.key, lastKey: ordered[ordered.length - 1]?.key }
}

/** One round of `fillFromBatches`: what a batch of candidates kept for the page, and where the next batch starts. */
export interface CandidateBatch<T> {
  rows: T[]
  /** how many candidates the batch had: fewer than asked for means there are no more */
  size: number
  /** the batch's last candidate in reading order (the oldest; with min_id the newest): the next batch reads past it */
  edge: string | undefined
}

/**
 * Fills a page from an index of candidates read a batch at a time (newest first, or oldest first with min_id, from
 * the given cursor), keeping what `readBatch` lets through, until the page is full or the candidates run out. For
 * pages whose filters would otherwise make the planner abandon the index order. `batch` is the number of candidates
 * per round, or a function of the round (from 1) giving it; each round's cursor carries it as its `limit`.
 */
export async function fillFromBatches<T extends { id: string }>(
  page: Page,
  batch: number | ((round: number) => number),
  readBatch: (cursor: Page) => Promise<CandidateBatch<T>>,
  /** at most this many batches: where the filters keep almost nothing, the page ends short rather than late */
  maxRounds = Infinity,
): Promise<T[]> {
  const batchOf = typeof batch === 'number' ? () => batch : batch
  const found: T[] = []
  let cursor: Page = { ...page, limit: batchOf(1) }
  for (let round = 1; ; round++) {
    const { rows, size, edge } = await readBatch(cursor)
    found.push(...rows)
    if (!edge || found.length >= page.limit || size < cursor.limit || round >= maxRounds) break
    const limit = batchOf(round + 1)
    cursor = page.minId ? { minId: edge, limit } : { maxId: edge, sinceId: page.sinceId, limit }
  }
  found.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
  // With min_id the page is the oldest `limit` of those newer than it.
  return page.minId ? found.slice(-page.limit) : found.slice(0, page.limit)
}
