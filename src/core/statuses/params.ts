import { ValidationError } from '../errors'
import { isPlainObject, parseArray, parseBool, parseStringArray } from '../params'
import { sha256 } from '../secrets'

/** A poll as the client asked for it; limits are checked by `validatePoll`. */
export interface PollParams {
  options: string[]
  expiresIn: number
  multiple: boolean
  hideTotals: boolean
}

/** Parameters of `POST /api/v1/statuses`, typed; shared by the HTTP API and the CLI. */
export interface PostStatusParams {
  status?: string
  spoilerText?: string
  sensitive?: boolean
  /** `public | unlisted | private | direct | local | list:ID`; the author's default when absent */
  visibility?: string
  localOnly?: boolean
  language?: string | null
  contentType?: string
  inReplyToId?: string | null
  /** Pleroma: reply into a thread, addressing everyone in it */
  inReplyToConversationId?: string | null
  quoteId?: string | null
  /** Pleroma's explicit addressing: nicknames (or account ids) */
  to?: string[]
  /** seconds until the status deletes itself */
  expiresIn?: number | null
  poll?: PollParams | null
  mediaIds?: string[]
}

/** Parameters of `PUT /api/v1/statuses/:id`. Absent text fields keep their value; an absent poll removes it, as in Mastodon. */
export interface EditStatusParams {
  status?: string
  spoilerText?: string
  sensitive?: boolean
  language?: string | null
  contentType?: string
  poll?: PollParams | null
  mediaIds?: string[]
  /** Mastodon's `media_attributes[]`: new descriptions and focal points of the media kept */
  mediaAttributes?: MediaAttributeParams[]
}

export interface MediaAttributeParams {
  id: string
  description?: unknown
  focus?: unknown
}

function readMediaAttributes(value: unknown): MediaAttributeParams[] {
  return parseArray(value).flatMap((entry) => {
    if (!isPlainObject(entry) || (typeof entry.id !== 'string' && typeof entry.id !== 'number')) return []
    return [{ id: String(entry.id), description: entry.description, focus: entry.focus }]
  })
}

function optionalText(input: Record<string, unknown>, key: string): string | undefined {
  const value = input[key]
  if (value === undefined || value === null) return undefined
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  throw new ValidationError(`Validation failed: ${key} is invalid`)
}

function optionalId(input: Record<string, unknown>, ...keys: string[]): string | null | undefined {
  for (const key of keys) {
    const value = input[key]
    if (value === undefined || value === null || value === '') continue
    if (typeof value === 'string' || typeof value === 'number') return String(value)
    throw new ValidationError(`Validation failed: ${key} is invalid`)
  }
  return undefined
}

function optionalInteger(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined
  const n = typeof value === 'number' ? value : Number(String(value).trim())
  if (!Number.isFinite(n) || !Number.isInteger(n)) throw new ValidationError(`Validation failed: ${name} is not a number`)
  return n
}

function readPoll(value: unknown): PollParams | null | undefined {
  if (value === undefined || value === null || value === '') return undefined
  if (!isPlainObject(value)) throw new ValidationError('Validation failed: poll is invalid')
  if (value.options === undefined && value.expires_in === undefined) return undefined
  return {
    options: parseStringArray(value.options),
    expiresIn: optionalInteger(value.expires_in, 'Poll expires_in') ?? NaN,
    multiple: parseBool(value.multiple) ?? false,
    hideTotals: parseBool(value.hide_totals) ?? false,
  }
}

const bool = (value: unknown, name: string): boolean | undefined => {
  if (value === undefined || value === null || value === '') return undefined
  const b = parseBool(value)
  if (b === undefined) throw new ValidationError(`Validation failed: ${name} is invalid`)
  return b
}

/** Reads the loosely typed request input (query + JSON/form/multipart) into `PostStatusParams`. */
export function readPostStatusParams(input: Record<string, unknown>): PostStatusParams {
  const language = optionalText(input, 'language')
  return {
    status: optionalText(input, 'status'),
    spoilerText: optionalText(input, 'spoiler_text'),
    sensitive: bool(input.sensitive, 'sensitive'),
    visibility: optionalText(input, 'visibility') || undefined,
    localOnly: bool(input.local_only, 'local_only'),
    language: language === undefined ? undefined : language || null,
    contentType: optionalText(input, 'content_type') || undefined,
    inReplyToId: optionalId(input, 'in_reply_to_id'),
    inReplyToConversationId: optionalId(input, 'in_reply_to_conversation_id'),
    quoteId: optionalId(input, 'quoted_status_id', 'quote_id'),
    to: input.to === undefined ? undefined : parseStringArray(input.to),
    expiresIn: optionalInteger(input.expires_in, 'expires_in') ?? null,
    poll: readPoll(input.poll),
    mediaIds: parseStringArray(input.media_ids),
  }
}

export function readEditStatusParams(input: Record<string, unknown>): EditStatusParams {
  const language = optionalText(input, 'language')
  return {
    status: optionalText(input, 'status'),
    spoilerText: optionalText(input, 'spoiler_text'),
    sensitive: bool(input.sensitive, 'sensitive'),
    language: language === undefined ? undefined : language || null,
    contentType: optionalText(input, 'content_type') || undefined,
    poll: readPoll(input.poll) ?? null,
    mediaIds: parseStringArray(input.media_ids),
    mediaAttributes: readMediaAttributes(input.media_attributes),
  }
}

/** `scheduled_at` as a date, or null when absent; anything unparseable is refused rather than posted at once. */
export function readScheduledAt(input: Record<string, unknown>): Date | null {
  const value = input.scheduled_at
  if (value === undefined || value === null || value === '') return null
  const date = typeof value === 'string' || typeof value === 'number' ? new Date(value) : new Date(NaN)
  if (Number.isNaN(date.getTime())) throw new ValidationError('Validation failed: Scheduled at is invalid')
  return date
}

export function readPreview(input: Record<string, unknown>): boolean {
  return parseBool(input.preview) ?? false
}

/** A stable fingerprint of a request, so a reused `Idempotency-Key` with a different request can be told apart. */
export function paramsFingerprint(params: PostStatusParams): string {
  const canonical = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canonical)
    if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().filter((k) => (v as any)[k] !== undefined).map((k) => [k, canonical((v as any)[k])]))
    return v
  }
  return sha256(JSON.stringify(canonical(params)))
}
