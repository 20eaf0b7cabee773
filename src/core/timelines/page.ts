import { asc, desc, gt, lt, type SQL } from 'drizzle-orm'
import type { PgColumn } from 'drizzle-orm/pg-core'

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
export function keyset(column: PgColumn, page: Page): { where: SQL[]; orderBy: SQL; forwards: boolean } {
  const where: SQL[] = []
  if (page.maxId) where.push(lt(column, page.maxId))
  if (page.sinceId) where.push(gt(column, page.sinceId))
  if (page.minId) where.push(gt(column, page.minId))
  const forwards = !!page.minId
  return { where, orderBy: forwards ? asc(column) : desc(column), forwards }
}

/** Rows fetched in `keyset` order, put newest first. */
export const newestFirst = <T>(rows: T[], forwards: boolean): T[] => (forwards ? rows.reverse() : rows)
