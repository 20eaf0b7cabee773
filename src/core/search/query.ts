import { ValidationError } from '../errors'

/** A word or quoted phrase to match in the text; `negated` for `-word`. */
export interface SearchTerm {
  text: string
  phrase: boolean
  negated: boolean
}

export type SearchOperator = 'from' | 'has' | 'is' | 'language' | 'before' | 'after' | 'during' | 'in'

export interface SearchFilter {
  op: SearchOperator
  value: string
  negated: boolean
}

export interface ParsedQuery {
  terms: SearchTerm[]
  filters: SearchFilter[]
}

const OPERATORS = new Set<string>(['from', 'has', 'is', 'language', 'before', 'after', 'during', 'in'])
const HAS_VALUES = new Set(['media', 'poll', 'link', 'image', 'video', 'audio'])
const IS_VALUES = new Set(['reply', 'sensitive'])
const IN_VALUES = new Set(['library', 'public', 'all'])
const DATE = /^\d{4}-\d{2}-\d{2}$/

/** `-`, an optional `operator:`, then a "quoted phrase" or a bare word. */
const TOKEN = /(-)?(?:([A-Za-z]+):)?(?:"([^"]*)"?|(\S+))/g
/** A term with nothing a text index could hold (only punctuation) matches nothing useful and is dropped. */
const HAS_WORD = /[\p{L}\p{N}]/u

/** Parses a date operator's value (UTC day); a malformed one is 422, as silently ignoring it would widen the search. */
export function parseDay(value: string): Date {
  const day = DATE.test(value) ? new Date(`${value}T00:00:00Z`) : null
  if (!day || Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== value) {
    throw new ValidationError(`Validation failed: ${value} is not a date (YYYY-MM-DD)`)
  }
  return day
}

/**
 * Mastodon's search syntax: words and "quoted phrases" must all occur, `-` excludes, and the operators `from:`,
 * `has:`, `is:`, `language:`, `before:`, `after:`, `during:` and `in:` filter (each can be negated). A word that
 * looks like an unknown operator (`http://…`, `foo:bar`) is searched as text.
 */
export function parseSearchQuery(q: string): ParsedQuery {
  const terms: SearchTerm[] = []
  const filters: SearchFilter[] = []
  for (const m of q.slice(0, 500).matchAll(TOKEN)) {
    const negated = !!m[1]
    const op = m[2]?.toLowerCase()
    const quoted = m[3]
    const bare = m[4]
    const value = (quoted ?? bare ?? '').trim()
    if (op && OPERATORS.has(op) && value) {
      const v = op === 'from' || op === 'language' ? value : value.toLowerCase()
      if (op === 'has' && !HAS_VALUES.has(v)) continue
      if (op === 'is' && !IS_VALUES.has(v)) continue
      if (op === 'in' && !IN_VALUES.has(v)) continue
      if (op === 'before' || op === 'after' || op === 'during') parseDay(v)
      filters.push({ op: op as SearchOperator, value: v, negated })
      continue
    }
    const text = op ? `${m[2]}:${value}` : value
    if (!HAS_WORD.test(text)) continue
    terms.push({ text, phrase: quoted !== undefined, negated })
  }
  return { terms, filters }
}
