import type { FilterContext } from '../../db/schema'
import type { FilterWithRules } from './filters'

/** A filter ready to test statuses against: one case-insensitive pattern per keyword. */
export interface CompiledFilter {
  filter: FilterWithRules
  keywords: { keyword: string; pattern: RegExp }[]
  statusIds: Set<string>
}

/** A filter that matched one status: Mastodon's FilterResult before rendering. */
export interface FilterMatch {
  filter: FilterWithRules
  keywordMatches: string[] | null
  statusMatches: string[] | null
}

/** What a status is matched on: its own id and the reblogged one's, and the searchable text of the (reblogged) original. */
export interface FilterTarget {
  statusIds: string[]
  text: string
}

/** Unicode letters, marks, digits and connectors: Ruby's `[[:word:]]`, which Mastodon's word boundaries use. */
const WORD = '[\\p{L}\\p{M}\\p{N}\\p{Pc}]'
const STARTS_WITH_WORD = new RegExp(`^${WORD}`, 'u')
const ENDS_WITH_WORD = new RegExp(`${WORD}$`, 'u')

const escapeRegExp = (s: string) => s.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')

/**
 * Mastodon's keyword pattern: case-insensitive; a whole-word keyword must not continue a word at an end that is
 * itself a word character (so `#tag` or `c++` still match next to letters on their punctuation side).
 */
export function keywordPattern(keyword: string, wholeWord: boolean): RegExp {
  let source = escapeRegExp(keyword)
  if (wholeWord) {
    if (STARTS_WITH_WORD.test(keyword)) source = `(?<!${WORD})${source}`
    if (ENDS_WITH_WORD.test(keyword)) source = `${source}(?!${WORD})`
  }
  return new RegExp(source, 'iu')
}

/** Compiles the filters that apply at `now` (expired ones are left out). */
export function compileFilters(filters: FilterWithRules[], now = Date.now()): CompiledFilter[] {
  return filters
    .filter((f) => !f.expiresAt || f.expiresAt.getTime() > now)
    .map((filter) => ({
      filter,
      keywords: filter.keywords.map((k) => ({ keyword: k.keyword, pattern: keywordPattern(k.keyword, k.wholeWord) })),
      statusIds: new Set(filter.statuses.map((s) => s.statusId)),
    }))
}

/** Mastodon's `searchable_text`: content warning, plain text and poll options, one paragraph each. */
export function searchableText(spoilerText: string, plainText: string, pollOptions: string[] = []): string {
  return [spoilerText, plainText, ...pollOptions].filter(Boolean).join('\n\n')
}

/** The filters a status matches, by keyword in its text or by status id; every context, as Mastodon reports them. */
export function matchFilters(compiled: CompiledFilter[], target: FilterTarget): FilterMatch[] {
  const matches: FilterMatch[] = []
  for (const c of compiled) {
    const keywordMatches = c.keywords.filter((k) => k.pattern.test(target.text)).map((k) => k.keyword)
    const statusMatches = target.statusIds.filter((id) => c.statusIds.has(id))
    if (!keywordMatches.length && !statusMatches.length) continue
    matches.push({ filter: c.filter, keywordMatches: keywordMatches.length ? keywordMatches : null, statusMatches: statusMatches.length ? statusMatches : null })
  }
  return matches
}

/** A rendered Status's `filtered` (Mastodon FilterResults), as far as hiding needs it. */
export interface FilteredLike {
  filtered?: { filter: { context: readonly string[]; filter_action: string } }[] | null
}

/**
 * Drops the items whose status matched a `hide` filter of `context` (Mastodon's server-side hiding; `warn` and
 * `blur` stay for the client to show behind a warning). Works on rendered statuses, whose `filtered` already says
 * which of the viewer's filters matched, so it costs no query; `statusOf` picks the status of other items
 * (a notification's `status`).
 */
export function applyHideFilters<T>(items: T[], context: FilterContext, statusOf: (item: T) => FilteredLike | null | undefined = (item) => item as FilteredLike): T[] {
  return items.filter((item) => {
    const results = statusOf(item)?.filtered
    return !results?.some((r) => r.filter.filter_action === 'hide' && r.filter.context.includes(context))
  })
}
