// Bulk creation of local users from a CSV file (`rookery user import`): one transaction per user, and a rerun
// skips those that already exist, so an interrupted import can simply be run again.
import { and, eq, isNull } from 'drizzle-orm'
import { accounts } from '../../db/schema'
import type { Ctx } from '../context'
import { ValidationError } from '../errors'
import type { Actor } from './moderation-log'
import { createUserAsAdmin, creationErrorText, normalizeTags } from './users'

/** RFC 4180 CSV: quoted fields may hold commas, doubled quotes and line breaks; a UTF-8 BOM is ignored. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0
  const endField = () => { row.push(field); field = '' }
  const endRow = () => { endField(); rows.push(row); row = [] }
  for (; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++ }
      else if (c === '"') quoted = false
      else field += c
    } else if (c === '"' && field === '') quoted = true
    else if (c === ',') endField()
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++
      endRow()
    } else field += c
  }
  if (quoted) throw new ValidationError('CSV: a quoted field is not closed')
  if (field !== '' || row.length) endRow()
  return rows.filter((r) => r.some((cell) => cell.trim() !== ''))
}

export const IMPORT_COLUMNS = ['nickname', 'email', 'password', 'admin', 'moderator', 'tags'] as const
type Column = (typeof IMPORT_COLUMNS)[number]

export interface ImportRow {
  /** line number in the file (the header is line 1), for reports */
  line: number
  nickname: string
  email: string
  /** absent: a password is generated and reported */
  password?: string
  admin: boolean
  moderator: boolean
  tags: string[]
  /** a problem found while reading the row; such rows fail without touching the database */
  problem?: string
}

function yesNo(value: string, column: string): boolean | string {
  const v = value.trim().toLowerCase()
  if (['', '0', 'false', 'no', 'n', 'f', 'off'].includes(v)) return false
  if (['1', 'true', 'yes', 'y', 't', 'on', 'x'].includes(v)) return true
  return `${column} must be yes or no, got "${value.trim()}"`
}

/**
 * Reads the users of a CSV file with a header row naming its columns (any order): `nickname` and `email` are
 * required; `password`, `admin`, `moderator` and `tags` (separated by spaces or semicolons) are optional.
 * A bad header is an error for the whole file; a bad cell only fails its row.
 */
export function parseUserCsv(text: string): ImportRow[] {
  const [header, ...body] = parseCsv(text)
  if (!header) throw new ValidationError('the file is empty: expected a header row such as "nickname,email,password,admin,moderator,tags"')
  const columns = header.map((h) => h.trim().toLowerCase())
  const unknown = columns.filter((c) => !IMPORT_COLUMNS.includes(c as Column))
  if (unknown.length) throw new ValidationError(`unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((c) => `"${c}"`).join(', ')}: the columns are ${IMPORT_COLUMNS.join(', ')}`)
  for (const required of ['nickname', 'email']) {
    if (!columns.includes(required)) throw new ValidationError(`the header row has no "${required}" column (found: ${columns.join(', ')})`)
  }
  const repeated = columns.find((c, i) => columns.indexOf(c) !== i)
  if (repeated) throw new ValidationError(`the column "${repeated}" appears twice in the header row`)
  return body.map((cells, index) => {
    const cell = (name: Column) => {
      const at = columns.indexOf(name)
      return at < 0 ? '' : (cells[at] ?? '')
    }
    const problems: string[] = []
    if (cells.length > columns.length) problems.push(`${cells.length} cells for ${columns.length} columns`)
    const admin = yesNo(cell('admin'), 'admin')
    const moderator = yesNo(cell('moderator'), 'moderator')
    if (typeof admin === 'string') problems.push(admin)
    if (typeof moderator === 'string') problems.push(moderator)
    let tags: string[] = []
    try {
      tags = normalizeTags(cell('tags').split(/[\s;]+/))
    } catch (e) {
      problems.push((e as Error).message.replace(/^Validation failed: /, ''))
    }
    const password = cell('password')
    return {
      line: index + 2,
      nickname: cell('nickname').trim().replace(/^@/, ''),
      email: cell('email').trim(),
      ...(password ? { password } : {}),
      admin: admin === true,
      moderator: moderator === true,
      tags,
      ...(problems.length ? { problem: problems.join('; ') } : {}),
    }
  })
}

export type ImportResult =
  | { row: ImportRow; status: 'created'; accountId: string; generatedPassword: string | null }
  | { row: ImportRow; status: 'skipped'; reason: string }
  | { row: ImportRow; status: 'failed'; reason: string }

const ALREADY_EXISTS = 'already exists'

/** Creates one user in its own transaction; an existing nickname is skipped, anything else wrong fails the row. */
export async function importUser(ctx: Ctx, row: ImportRow, actor: Actor = null): Promise<ImportResult> {
  if (row.problem) return { row, status: 'failed', reason: row.problem }
  if (!row.nickname) return { row, status: 'failed', reason: 'nickname is empty' }
  // checked before the (slow) password hashing, so a rerun over many existing users is quick
  const [existing] = await ctx.db.select({ id: accounts.id }).from(accounts)
    .where(and(eq(accounts.username, row.nickname), isNull(accounts.domain))).limit(1)
  if (existing) return { row, status: 'skipped', reason: ALREADY_EXISTS }
  try {
    const created = await createUserAsAdmin(ctx, {
      nickname: row.nickname,
      email: row.email,
      password: row.password,
      isAdmin: row.admin,
      isModerator: row.moderator,
      tags: row.tags,
    }, actor)
    return { row, status: 'created', accountId: created.account.id, generatedPassword: created.generatedPassword }
  } catch (e) {
    const reason = creationErrorText(e)
    // someone created the same nickname meanwhile: as good as existing
    if (reason === 'nickname has already been taken') return { row, status: 'skipped', reason: ALREADY_EXISTS }
    return { row, status: 'failed', reason }
  }
}
