import { ValidationError } from '../errors'
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './passwords'

export const NICKNAME_PATTERN = /^[A-Za-z0-9_]+$/
export const MAX_NICKNAME_LENGTH = 30

/** Names that would collide with routes or impersonate the instance. */
const RESERVED_NICKNAMES = new Set([
  'admin', 'administrator', 'root', 'support', 'help', 'about', 'api', 'auth', 'oauth', 'users', 'user', 'web', 'static',
  'media', 'proxy', 'inbox', 'outbox', 'internal', 'relay', 'instance', 'settings', 'nodeinfo', 'well-known', 'webfinger',
  'main', 'notice', 'objects', 'activities', 'tags', 'search', 'mfa', 'registration', 'pleroma', 'mastodon', 'rookery',
  'postmaster', 'abuse', 'security', 'webmaster', 'hostmaster', 'info', 'moderator', 'staff',
])

export function validateNickname(nickname: unknown, opts: { allowReserved?: boolean } = {}): string {
  if (typeof nickname !== 'string' || !nickname.trim()) throw new ValidationError("Validation failed: Username can't be blank", { details: { username: [{ error: 'ERR_BLANK', description: "can't be blank" }] } })
  const name = nickname.trim()
  if (name.length > MAX_NICKNAME_LENGTH) {
    throw new ValidationError(`Validation failed: Username is too long (maximum is ${MAX_NICKNAME_LENGTH} characters)`, { details: { username: [{ error: 'ERR_TOO_LONG', description: 'is too long' }] } })
  }
  if (!NICKNAME_PATTERN.test(name)) {
    throw new ValidationError('Validation failed: Username must contain only letters, numbers and underscores', { details: { username: [{ error: 'ERR_INVALID', description: 'must contain only letters, numbers and underscores' }] } })
  }
  if (!opts.allowReserved && RESERVED_NICKNAMES.has(name.toLowerCase())) {
    throw new ValidationError('Validation failed: Username is reserved', { details: { username: [{ error: 'ERR_RESERVED', description: 'is reserved' }] } })
  }
  return name
}

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

export function validateEmail(email: unknown): string {
  if (typeof email !== 'string' || !email.trim()) throw new ValidationError("Validation failed: Email can't be blank", { details: { email: [{ error: 'ERR_BLANK', description: "can't be blank" }] } })
  const value = email.trim()
  if (value.length > 254 || !EMAIL_PATTERN.test(value)) {
    throw new ValidationError('Validation failed: Email is invalid', { details: { email: [{ error: 'ERR_INVALID', description: 'is invalid' }] } })
  }
  return value
}

export function validatePassword(password: unknown): string {
  if (typeof password !== 'string' || !password) throw new ValidationError("Validation failed: Password can't be blank", { details: { password: [{ error: 'ERR_BLANK', description: "can't be blank" }] } })
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new ValidationError(`Validation failed: Password is too short (minimum is ${MIN_PASSWORD_LENGTH} characters)`, { details: { password: [{ error: 'ERR_TOO_SHORT', description: 'is too short' }] } })
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new ValidationError(`Validation failed: Password is too long (maximum is ${MAX_PASSWORD_LENGTH} characters)`, { details: { password: [{ error: 'ERR_TOO_LONG', description: 'is too long' }] } })
  }
  return password
}
