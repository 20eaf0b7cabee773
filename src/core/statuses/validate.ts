import type { Config } from '../../config'
import type { StatusRow, StatusVisibility } from '../../db/schema'
import { ValidationError } from '../errors'
import { isId } from '../ids'
import { countableLength } from './format'
import type { PollParams } from './params'

export const MIN_EXPIRES_IN = 3600
const MAX_EXPIRES_IN = 10 * 365 * 24 * 3600

/** The whole of text and content warning must fit the instance's limit, counted as Mastodon counts. */
export function validateLength(config: Config, text: string, spoilerText: string): void {
  const max = config.limits.maxTootChars
  if (countableLength(text) + countableLength(spoilerText) > max) {
    throw new ValidationError(`Validation failed: Text character limit of ${max} exceeded`)
  }
}

export interface ValidPoll {
  options: string[]
  expiresAt: Date
  multiple: boolean
  hideTotals: boolean
}

export function validatePoll(config: Config, poll: PollParams): ValidPoll {
  const { pollMaxOptions, pollMaxOptionChars, pollMinExpiration, pollMaxExpiration } = config.limits
  const options = poll.options.map((o) => o.trim())
  if (options.length < 2) throw new ValidationError('Validation failed: Poll options must have more than one item')
  if (options.length > pollMaxOptions) throw new ValidationError(`Validation failed: Poll options can't contain more than ${pollMaxOptions} items`)
  if (options.some((o) => !o)) throw new ValidationError("Validation failed: Poll options can't be blank")
  if (options.some((o) => countableLength(o) > pollMaxOptionChars)) {
    throw new ValidationError(`Validation failed: Poll options cannot be longer than ${pollMaxOptionChars} characters each`)
  }
  if (new Set(options).size !== options.length) throw new ValidationError('Validation failed: Poll options contain duplicate items')
  if (!Number.isFinite(poll.expiresIn)) throw new ValidationError("Validation failed: Poll expires_in can't be blank")
  if (poll.expiresIn < pollMinExpiration) throw new ValidationError('Validation failed: Poll expiration date is too soon')
  if (poll.expiresIn > pollMaxExpiration) throw new ValidationError('Validation failed: Poll expiration date is too far into the future')
  return { options, expiresAt: new Date(Date.now() + poll.expiresIn * 1000), multiple: poll.multiple, hideTotals: poll.hideTotals }
}

export function validateExpiresIn(expiresIn: number | null | undefined): Date | null {
  if (expiresIn === null || expiresIn === undefined || expiresIn === 0) return null
  if (expiresIn < MIN_EXPIRES_IN) throw new ValidationError('Validation failed: Expiry date is too soon')
  if (expiresIn > MAX_EXPIRES_IN) throw new ValidationError('Validation failed: Expiry date is too far into the future')
  return new Date(Date.now() + expiresIn * 1000)
}

/** Mastodon wants ISO 639-1; regional tags keep only their language, anything else is dropped. */
export function normalizeLanguage(language: string | null | undefined): string | null {
  if (!language) return null
  const primary = language.trim().toLowerCase().split(/[-_]/)[0]
  return /^[a-z]{2,3}$/.test(primary) ? primary : null
}

export interface RequestedVisibility {
  visibility: StatusVisibility
  listId: string | null
}

const PLAIN_VISIBILITIES: StatusVisibility[] = ['public', 'unlisted', 'private', 'direct', 'local']

export function parseVisibility(value: string): RequestedVisibility {
  const v = value.trim()
  if ((PLAIN_VISIBILITIES as string[]).includes(v)) return { visibility: v as StatusVisibility, listId: null }
  const list = /^list:(.+)$/.exec(v)
  if (list) {
    if (!isId(list[1])) throw new ValidationError('Validation failed: List not found')
    return { visibility: 'list', listId: list[1] }
  }
  throw new ValidationError('Validation failed: Visibility is not included in the list')
}

/** How far a visibility reaches; a reply may not reach further than a private or direct parent. */
const REACH: Record<StatusVisibility, number> = { public: 4, local: 3, unlisted: 3, private: 2, list: 1, direct: 1 }

export function narrowForReply(requested: RequestedVisibility, parent: Pick<StatusRow, 'visibility'> | null): RequestedVisibility {
  if (!parent || !['private', 'direct', 'list'].includes(parent.visibility)) return requested
  if (REACH[requested.visibility] <= REACH[parent.visibility]) return requested
  return { visibility: parent.visibility === 'private' ? 'private' : 'direct', listId: null }
}

/** Statuses that count on the author's profile and as replies: Mastodon leaves direct messages out of both. */
export function countsPublicly(visibility: StatusVisibility): boolean {
  return visibility !== 'direct' && visibility !== 'list'
}

/** Replies counted on the parent: only those everyone could see (Mastodon's `distributable?`). */
export function countsAsReply(visibility: StatusVisibility): boolean {
  return visibility === 'public' || visibility === 'unlisted' || visibility === 'local'
}
