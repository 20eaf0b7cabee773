import type { FilterKeyword, FilterStatus, FilterWithRules } from '../../core/filters/filters'
import { matchFilters, searchableText, type FilterMatch } from '../../core/filters/match'
import type { V1Filter } from '../../core/filters/v1'
import { htmlToPlainText } from '../../core/statuses/format'
import type { StatusRow } from '../../db/schema'
import type { StatusBundle } from './bundle'

const iso = (d: Date | null) => (d ? d.toISOString() : null)

export const renderFilterKeyword = (k: FilterKeyword) => ({ id: k.id, keyword: k.keyword, whole_word: k.wholeWord })

export const renderFilterStatus = (s: FilterStatus) => ({ id: s.id, status_id: s.statusId })

/** The Filter entity's own fields: what a FilterResult carries (Mastodon leaves keywords and statuses out there). */
function filterCore(f: FilterWithRules) {
  return { id: f.id, title: f.title, context: f.context, expires_at: iso(f.expiresAt), filter_action: f.action }
}

/** Mastodon's (v2) Filter entity with its keywords and statuses. */
export function renderFilter(f: FilterWithRules) {
  return { ...filterCore(f), keywords: f.keywords.map(renderFilterKeyword), statuses: f.statuses.map(renderFilterStatus) }
}

/** Mastodon's V1_Filter: one keyword of a filter. */
export function renderV1Filter({ keyword, filter }: V1Filter) {
  return {
    id: keyword.id,
    phrase: keyword.keyword,
    context: filter.context,
    whole_word: keyword.wholeWord,
    expires_at: iso(filter.expiresAt),
    irreversible: filter.action === 'hide',
  }
}

/** Mastodon's FilterResult, the items of a Status's `filtered`. */
export function renderFilterResult(m: FilterMatch) {
  return { filter: filterCore(m.filter), keyword_matches: m.keywordMatches, status_matches: m.statusMatches }
}

export type FilterResultEntity = ReturnType<typeof renderFilterResult>

/**
 * A status's `filtered` for the bundle's viewer: the viewer's active filters matching the status (for a reblog, the
 * reblogged original's text, and either id). Pure: the filters were loaded and compiled once for the page.
 */
export function buildFilterResults(row: StatusRow, bundle: StatusBundle): FilterResultEntity[] {
  if (!bundle.filters.length) return []
  const original = row.reblogOfId ? bundle.related.get(row.reblogOfId)?.row : undefined
  const proper = original ?? row
  const poll = bundle.polls.get(proper.id)
  const text = searchableText(proper.spoilerText, htmlToPlainText(proper.content), poll?.options.map((o) => o.title))
  const statusIds = row.reblogOfId ? [row.id, row.reblogOfId] : [row.id]
  return matchFilters(bundle.filters, { statusIds, text }).map(renderFilterResult)
}
