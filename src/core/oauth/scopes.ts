import { ValidationError } from '../errors'

/** Every scope a token may hold, as Mastodon and Pleroma define them. */
export const KNOWN_SCOPES = new Set([
  'read', 'write', 'follow', 'push', 'admin', 'profile',
  'read:accounts', 'read:blocks', 'read:bookmarks', 'read:favourites', 'read:filters', 'read:follows', 'read:lists',
  'read:mutes', 'read:notifications', 'read:search', 'read:statuses', 'read:chats', 'read:backups', 'read:reports', 'read:security',
  'write:accounts', 'write:blocks', 'write:bookmarks', 'write:conversations', 'write:favourites', 'write:filters',
  'write:follows', 'write:lists', 'write:media', 'write:mutes', 'write:notifications', 'write:reports', 'write:statuses',
  'write:chats', 'write:security',
  'admin:read', 'admin:write',
  'admin:read:accounts', 'admin:read:reports', 'admin:read:domain_blocks', 'admin:read:domain_allows', 'admin:read:ip_blocks', 'admin:read:email_domain_blocks',
  'admin:read:canonical_email_blocks', 'admin:read:chats', 'admin:read:invites', 'admin:read:statuses', 'admin:read:media_proxy_caches',
  'admin:write:accounts', 'admin:write:reports', 'admin:write:domain_blocks', 'admin:write:domain_allows', 'admin:write:ip_blocks', 'admin:write:email_domain_blocks',
  'admin:write:canonical_email_blocks', 'admin:write:chats', 'admin:write:invites', 'admin:write:statuses', 'admin:write:follows',
  'admin:write:media_proxy_caches',
])

const FOLLOW_COVERS = new Set(['read:follows', 'read:blocks', 'read:mutes', 'write:follows', 'write:blocks', 'write:mutes'])

/** Splits a scope string ("read write:statuses" or "read,write" as some clients send) into a list. */
export function parseScopes(value: unknown): string[] {
  if (Array.isArray(value)) return [...new Set(value.flatMap((v) => parseScopes(v)))]
  if (typeof value !== 'string') return []
  return [...new Set(value.split(/[\s,+]+/).filter(Boolean))]
}

export function validateScopes(scopes: string[]): void {
  const unknown = scopes.filter((s) => !KNOWN_SCOPES.has(s))
  if (unknown.length) throw new ValidationError(`Invalid scope: ${unknown.join(' ')}`)
}

/** Does a token holding `granted` satisfy the single scope `required`? `read` covers `read:*`, `follow` the relationship scopes. */
export function scopeCovers(granted: Iterable<string>, required: string): boolean {
  for (const g of granted) {
    if (g === required) return true
    if (required.startsWith(g + ':')) return true
    if (g === 'follow' && FOLLOW_COVERS.has(required)) return true
  }
  return false
}

/** A route is satisfied when the token holds any one of its listed scopes. */
export function hasAnyScope(granted: Iterable<string>, required: string[]): boolean {
  return required.length === 0 || required.some((r) => scopeCovers(granted, r))
}

/** Requested scopes must be within what the app registered (with the same hierarchy). */
export function restrictScopes(requested: string[], allowed: string[]): string[] {
  const outside = requested.filter((s) => !scopeCovers(allowed, s))
  if (outside.length) throw new ValidationError(`The requested scope is invalid, unknown, or malformed: ${outside.join(' ')}`)
  return requested
}
