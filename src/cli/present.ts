// What the admin commands print about users and invites: one JSON shape and the matching table and field rows.
import type { Config } from '../config'
import type { AdminAccount } from '../core/admin/users'
import { inviteState, type InviteRow } from '../core/invites'
import type { Block } from './output'

export function userJson(config: Config, { account, user }: AdminAccount) {
  return {
    id: account.id,
    user_id: user?.id ?? null,
    nickname: account.username,
    acct: account.domain ? `${account.username}@${account.domain}` : account.username,
    local: !account.domain,
    email: user?.email ?? null,
    display_name: account.displayName,
    url: account.url ?? (account.domain ? null : `${config.baseUrl}/@${account.username}`),
    is_admin: user?.isAdmin ?? false,
    is_moderator: user?.isModerator ?? false,
    is_active: user ? user.isActive && !account.suspendedAt : !account.suspendedAt,
    is_confirmed: user ? user.confirmedAt !== null : null,
    is_approved: user?.isApproved ?? null,
    locked: account.locked,
    locale: user?.locale ?? null,
    tags: user?.tags ?? [],
    created_at: account.createdAt.toISOString(),
    last_sign_in_at: user?.lastSignInAt?.toISOString() ?? null,
  }
}

export function roleOf(entry: AdminAccount): string {
  if (entry.user?.isAdmin) return entry.user.isModerator ? 'admin, moderator' : 'admin'
  if (entry.user?.isModerator) return 'moderator'
  return entry.user ? 'user' : 'remote'
}

export function stateOf({ account, user }: AdminAccount): string {
  if (account.suspendedAt) return 'suspended'
  if (!user) return 'active'
  if (!user.isActive) return 'deactivated'
  if (!user.isApproved) return 'pending approval'
  if (!user.confirmedAt) return 'unconfirmed'
  return 'active'
}

const day = (d: Date | null | undefined) => (d ? d.toISOString().slice(0, 10) : '')
const when = (d: Date | null | undefined) => (d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : '')

export function usersTable(entries: AdminAccount[]): Block {
  return {
    kind: 'table',
    columns: ['Nickname', 'Email', 'Role', 'State', 'Created'],
    rows: entries.map((e) => [
      e.account.domain ? `${e.account.username}@${e.account.domain}` : e.account.username,
      e.user?.email ?? '',
      roleOf(e),
      stateOf(e) + (e.account.locked ? ', locked' : ''),
      day(e.account.createdAt),
    ]),
    empty: 'No users found.',
  }
}

export function userFields(config: Config, entry: AdminAccount): Block {
  const { account, user } = entry
  const rows: [string, string][] = [
    ['Nickname', account.domain ? `${account.username}@${account.domain}` : account.username],
    ['ID', account.id],
    ['Display name', account.displayName],
  ]
  if (user) rows.push(['Email', user.email])
  rows.push(
    ['Role', roleOf(entry)],
    ['State', stateOf(entry)],
    ['Locked', account.locked ? 'yes' : 'no'],
  )
  if (user) {
    rows.push(
      ['Confirmed', user.confirmedAt ? when(user.confirmedAt) : 'no'],
      ['Approved', user.isApproved ? 'yes' : 'no'],
      ['Locale', user.locale],
      ['Tags', user.tags.join(', ') || 'none'],
      ['Last sign-in', when(user.lastSignInAt) || 'never'],
    )
  }
  rows.push(['Created', when(account.createdAt)], ['Profile', userJson(config, entry).url ?? ''])
  return { kind: 'fields', rows }
}

export function handle(entry: AdminAccount): string {
  return entry.account.domain ? `@${entry.account.username}@${entry.account.domain}` : `@${entry.account.username}`
}

export function inviteUrl(config: Config, invite: InviteRow): string {
  return `${config.baseUrl}/registration/${invite.token}`
}

export function inviteJson(config: Config, invite: InviteRow) {
  return {
    id: invite.id,
    token: invite.token,
    url: inviteUrl(config, invite),
    state: inviteState(invite),
    max_use: invite.maxUse,
    uses: invite.uses,
    expires_at: invite.expiresAt?.toISOString() ?? null,
    revoked_at: invite.revokedAt?.toISOString() ?? null,
    created_at: invite.createdAt.toISOString(),
  }
}

const usesText = (invite: InviteRow) => `${invite.uses}/${invite.maxUse ?? '∞'}`

/** Links are `<base URL>/registration/<token>`; the table leaves them out to stay narrow (--json has them). */
export function invitesTable(invites: InviteRow[], includeInactive: boolean): Block {
  return {
    kind: 'table',
    columns: ['Token', 'State', 'Uses', 'Expires', 'Created'],
    rows: invites.map((i) => [i.token, inviteState(i), usesText(i), when(i.expiresAt) || 'never', day(i.createdAt)]),
    empty: includeInactive ? 'No invites yet.' : 'No usable invites (list all with --all).',
  }
}

export function inviteFields(config: Config, invite: InviteRow): Block {
  return {
    kind: 'fields',
    rows: [
      ['URL', inviteUrl(config, invite)],
      ['Token', invite.token],
      ['ID', invite.id],
      ['State', inviteState(invite)],
      ['Uses', usesText(invite)],
      ['Expires', when(invite.expiresAt) || 'never'],
    ],
  }
}
