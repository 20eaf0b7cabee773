import { ValidationError } from '../errors'
import { parseBool } from '../params'
import { parseCsv } from './csv'

export const IMPORT_KINDS = ['follows', 'blocks', 'mutes'] as const
export type ImportKind = (typeof IMPORT_KINDS)[number]

export function isImportKind(value: unknown): value is ImportKind {
  return IMPORT_KINDS.includes(value as ImportKind)
}

/** One account to import, with the options Mastodon's CSV exports carry for it. */
export interface ImportEntry {
  /** as written, without a leading `@`: `alice`, `alice@example.org` */
  address: string
  /** follows: `Show boosts` */
  reblogs?: boolean
  /** follows: `Notify on new posts` */
  notify?: boolean
  /** follows: `Languages` (absent: every language) */
  languages?: string[] | null
  /** mutes: `Hide notifications` */
  notifications?: boolean
}

/** Mastodon's own import takes at most this many rows per file. */
export const MAX_IMPORT_ENTRIES = 20_000

const HEADER = /^\s*account address\s*(,|$)/i

/** Reads an optional boolean cell; a blank cell leaves the default. */
function cellBool(value: string | undefined): boolean | undefined {
  return parseBool(value?.trim())
}

function fromCsvWithHeader(text: string): ImportEntry[] {
  const [header, ...rows] = parseCsv(text)
  const column = (name: string) => header.findIndex((h) => h.trim().toLowerCase() === name)
  const reblogs = column('show boosts')
  const notify = column('notify on new posts')
  const languages = column('languages')
  const notifications = column('hide notifications')
  return rows.map((row) => {
    const entry: ImportEntry = { address: row[0] ?? '' }
    if (reblogs >= 0) entry.reblogs = cellBool(row[reblogs])
    if (notify >= 0) entry.notify = cellBool(row[notify])
    if (languages >= 0 && row[languages]?.trim()) entry.languages = row[languages].split(/[\s,]+/).filter(Boolean).map((l) => l.toLowerCase())
    if (notifications >= 0) entry.notifications = cellBool(row[notifications])
    return entry
  })
}

/**
 * Parses an import list the way Pleroma and Mastodon accept them: Mastodon's CSV export (a header row starting with
 * `Account address`, its columns read by name), headerless CSV (the first column), or addresses separated by
 * whitespace or newlines. Entries may be `@user@host`, `user@host` or a local nickname; repeats are dropped.
 * An empty list or one over the size limit is a 422.
 */
export function parseImportList(text: string): ImportEntry[] {
  const body = text.replace(/^\uFEFF/, '')
  let entries: ImportEntry[]
  if (HEADER.test(body)) entries = fromCsvWithHeader(body)
  else if (body.includes(',')) entries = parseCsv(body).map((row) => ({ address: row[0] ?? '' }))
  else entries = body.split(/\s+/).map((address) => ({ address }))
  const seen = new Set<string>()
  const out: ImportEntry[] = []
  for (const entry of entries) {
    const address = entry.address.trim().replace(/^@/, '')
    if (!address || seen.has(address.toLowerCase())) continue
    seen.add(address.toLowerCase())
    out.push({ ...entry, address })
  }
  if (!out.length) throw new ValidationError('Validation failed: the list names no accounts')
  if (out.length > MAX_IMPORT_ENTRIES) throw new ValidationError(`Validation failed: at most ${MAX_IMPORT_ENTRIES} accounts can be imported at once`)
  return out
}
