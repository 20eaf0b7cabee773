// Mastodon's Admin::Account entity.
import type { AdminAccount } from '../../core/admin/users'
import type { Ctx } from '../../core/context'
import type { Viewer } from '../../core/oauth/authenticate'
import type { UserRow } from '../../db/schema'
import { renderAccounts, type AccountEntity } from './account'

/** Mastodon's built-in roles: Admin and Moderator, and the implicit one of everybody else. */
export function adminRole(user: UserRow | null) {
  if (user?.isAdmin) return { id: '3', name: 'Admin', color: '', permissions: '1', highlighted: true }
  if (user?.isModerator) return { id: '2', name: 'Moderator', color: '', permissions: '1308', highlighted: true }
  return { id: '-99', name: '', color: '', permissions: '65536', highlighted: false }
}

/** Pure: the entity from an account, its user (null when remote) and its rendered Account. */
export function buildAdminAccount({ account, user }: AdminAccount, entity: AccountEntity) {
  return {
    id: account.id,
    username: account.username,
    domain: account.domain,
    created_at: account.createdAt.toISOString(),
    email: user?.email ?? null,
    // Rookery does not record sign-in addresses
    ip: null,
    ips: [] as { ip: string; used_at: string }[],
    locale: user?.locale ?? null,
    invite_request: user?.registrationReason ?? null,
    role: adminRole(user),
    confirmed: user ? user.confirmedAt !== null : true,
    approved: user?.isApproved ?? true,
    disabled: user ? !user.isActive : false,
    silenced: account.silencedAt !== null,
    suspended: account.suspendedAt !== null,
    sensitized: account.sensitizedAt !== null,
    account: entity,
  }
}

export async function renderAdminAccounts(ctx: Ctx, entries: AdminAccount[], viewer: Viewer) {
  const entities = await renderAccounts(ctx, entries.map((e) => e.account), viewer)
  return entries.map((e, i) => buildAdminAccount(e, entities[i]))
}

export async function renderAdminAccount(ctx: Ctx, entry: AdminAccount, viewer: Viewer) {
  const [rendered] = await renderAdminAccounts(ctx, [entry], viewer)
  return rendered
}
