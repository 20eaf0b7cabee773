/** What each scope lets an app do, in Mastodon's words (config/locales/doorkeeper.en.yml). */
const SCOPE_TEXTS: Record<string, string> = {
  read: "read all your account's data",
  write: "modify all your account's data",
  follow: 'modify account relationships',
  push: 'receive your push notifications',
  profile: "read only your account's profile information",
  admin: 'all administrative functions on the server',
  'read:accounts': 'see accounts information',
  'read:blocks': 'see your blocks',
  'read:bookmarks': 'see your bookmarks',
  'read:favourites': 'see your favourites',
  'read:filters': 'see your filters',
  'read:follows': 'see your follows',
  'read:lists': 'see your lists',
  'read:mutes': 'see your mutes',
  'read:notifications': 'see your notifications',
  'read:search': 'search on your behalf',
  'read:statuses': 'see all posts',
  'read:chats': 'see your chats',
  'read:backups': 'see your backups',
  'read:reports': 'see your reports',
  'write:accounts': 'modify your profile',
  'write:blocks': 'block accounts and domains',
  'write:bookmarks': 'bookmark posts',
  'write:conversations': 'mute and delete conversations',
  'write:favourites': 'favourite posts',
  'write:filters': 'create filters',
  'write:follows': 'follow people',
  'write:lists': 'create lists',
  'write:media': 'upload media files',
  'write:mutes': 'mute people and conversations',
  'write:notifications': 'clear your notifications',
  'write:reports': 'report other people',
  'write:statuses': 'publish posts',
  'write:chats': 'send chat messages',
  'write:security': 'change your password and security settings',
  'admin:read': 'read all data on the server',
  'admin:write': 'modify all data on the server',
}

export interface ScopeDescription {
  scope: string
  text: string
  /** grants staff powers: shown prominently */
  admin: boolean
}

function describe(scope: string): string {
  const known = SCOPE_TEXTS[scope]
  if (known) return known
  const admin = /^admin:(read|write):(.+)$/.exec(scope)
  if (admin) {
    const subject = admin[2].replace(/_/g, ' ')
    return admin[1] === 'read' ? `read sensitive information of all ${subject}` : `perform moderation actions on ${subject}`
  }
  return scope
}

/** Plain-words list of what the requested scopes allow, leaving out scopes a broader requested one already covers. */
export function describeScopes(scopes: string[]): ScopeDescription[] {
  const set = new Set(scopes)
  return scopes
    .filter((s) => {
      const parent = s.includes(':') ? s.slice(0, s.lastIndexOf(':')) : null
      return !(parent && set.has(parent))
    })
    .map((scope) => ({ scope, text: describe(scope), admin: scope === 'admin' || scope.startsWith('admin:') }))
}
