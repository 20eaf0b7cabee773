import type { FilterContext } from '../../db/schema'
import { ValidationError } from '../errors'
import { isGiven, isPlainObject, parseArray, parseBool, parseStringArray } from '../params'

export type FilterAction = 'warn' | 'hide' | 'blur'

export const FILTER_CONTEXTS: FilterContext[] = ['home', 'notifications', 'public', 'thread', 'account']
const ACTIONS: FilterAction[] = ['warn', 'hide', 'blur']
const MAX_TITLE_LENGTH = 256
const MAX_KEYWORD_LENGTH = 512
/** A filter lasts at most this long; Mastodon has no cap, but a date must stay representable. */
const MAX_EXPIRES_IN = 100 * 365 * 24 * 3600
/** At most this many keywords per filter, to bound the matching work on every rendered page. */
export const MAX_KEYWORDS_PER_FILTER = 200


export function readTitle(value: unknown): string {
  const title = typeof value === 'string' || typeof value === 'number' ? String(value).trim() : ''
  if (!title) throw new ValidationError("Validation failed: Title can't be blank")
  if (title.length > MAX_TITLE_LENGTH) throw new ValidationError(`Validation failed: Title is too long (maximum is ${MAX_TITLE_LENGTH} characters)`)
  return title
}

/** At least one known context, each once. */
export function readContext(value: unknown): FilterContext[] {
  const items = parseStringArray(value)
  if (!items.length) throw new ValidationError("Validation failed: Context can't be blank")
  if (items.some((c) => !FILTER_CONTEXTS.includes(c as FilterContext))) {
    throw new ValidationError('Validation failed: Context None or invalid context supplied')
  }
  return FILTER_CONTEXTS.filter((c) => items.includes(c))
}

export function readAction(value: unknown): FilterAction {
  if (!ACTIONS.includes(value as FilterAction)) throw new ValidationError('Validation failed: Filter action is not included in the list')
  return value as FilterAction
}

/**
 * `expires_in` in seconds: absent leaves the expiry as it is (undefined); empty, null or 0 means never (null, as
 * Mastodon's web app sends ""); anything else must be a positive whole number.
 */
export function readExpiresIn(value: unknown, now = Date.now()): Date | null | undefined {
  if (value === undefined) return undefined
  if (value === null || value === '' || value === 0 || value === '0') return null
  const seconds = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN
  if (!Number.isInteger(seconds) || seconds < 0) throw new ValidationError('Validation failed: Expires in is not a number')
  if (seconds > MAX_EXPIRES_IN) throw new ValidationError('Validation failed: Expires in is too far into the future')
  return new Date(now + seconds * 1000)
}

export function readKeyword(value: unknown): string {
  const keyword = typeof value === 'string' || typeof value === 'number' ? String(value).trim() : ''
  if (!keyword) throw new ValidationError("Validation failed: Keyword can't be blank")
  if (keyword.length > MAX_KEYWORD_LENGTH) {
    throw new ValidationError(`Validation failed: Keyword is too long (maximum is ${MAX_KEYWORD_LENGTH} characters)`)
  }
  return keyword
}

/** `whole_word`, true unless given as false (Mastodon's default). */
export function readWholeWord(value: unknown, fallback = true): boolean {
  if (!isGiven(value)) return fallback
  const b = parseBool(value)
  if (b === undefined) throw new ValidationError('Validation failed: Whole word is not a boolean')
  return b
}

/** One entry of `keywords_attributes[]`: a new keyword, a change to one (`id`), or a removal (`id` + `_destroy`). */
export interface KeywordAttributes {
  id?: string
  keyword?: string
  wholeWord?: boolean
  destroy: boolean
}

export function readKeywordsAttributes(value: unknown): KeywordAttributes[] {
  return parseArray(value).map((raw) => {
    if (!isPlainObject(raw)) throw new ValidationError('Validation failed: Keywords attributes are invalid')
    const id = isGiven(raw.id) ? String(raw.id) : undefined
    const destroy = parseBool(raw._destroy) ?? false
    if (destroy) {
      if (!id) throw new ValidationError('Validation failed: Keywords attributes need an id to be destroyed')
      return { id, destroy }
    }
    return {
      id,
      keyword: id && raw.keyword === undefined ? undefined : readKeyword(raw.keyword),
      wholeWord: id && raw.whole_word === undefined ? undefined : readWholeWord(raw.whole_word),
      destroy: false,
    }
  })
}

export interface FilterParams {
  title?: string
  context?: FilterContext[]
  action?: FilterAction
  expiresAt?: Date | null
  keywords: KeywordAttributes[]
}

/** A v2 filter's parameters; on create, title and context are required and the action defaults to warn. */
export function readFilterParams(input: Record<string, unknown>, creating: boolean): FilterParams {
  return {
    title: creating || input.title !== undefined ? readTitle(input.title) : undefined,
    context: creating || input.context !== undefined ? readContext(input.context) : undefined,
    action: isGiven(input.filter_action) ? readAction(input.filter_action) : creating ? 'warn' : undefined,
    expiresAt: readExpiresIn(input.expires_in),
    keywords: readKeywordsAttributes(input.keywords_attributes),
  }
}
