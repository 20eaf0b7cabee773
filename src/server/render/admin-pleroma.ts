// Pleroma's admin API views: users (AccountView "show.json"), invites, moderation log entries and staff status lists.
import { eq, inArray } from 'drizzle-orm'
import type { Config } from '../../config'
import { DEFAULT_AVATAR_PATH, DEFAULT_HEADER_PATH } from '../../core/accounts/default-images'
import type { AdminAccount } from '../../core/admin/users'
import { inviteType, inviteUsed } from '../../core/admin/invites'
import type { Ctx } from '../../core/context'
import type { Viewer } from '../../core/oauth/authenticate'
import { isId } from '../../core/ids'
import { accounts, reportNotes, statuses, users, type InviteRow, type ModerationLogRow, type ReportRow, type StatusRow } from '../../db/schema'
import { renderAccounts } from './account'
import { renderStatuses, type StatusEntity } from './status'

/** Pleroma's admin view of a user (local or remote). */
export function buildAdminUser(config: Config, { account, user }: AdminAccount) {
  return {
    id: account.id,
    email: user?.email ?? null,
    avatar: account.avatarUrl ?? `${config.baseUrl}${DEFAULT_AVATAR_PATH}`,
    nickname: account.domain ? `${account.username}@${account.domain}` : account.username,
    display_name: account.displayName || account.username,
    is_active: (user ? user.isActive : true) && !account.suspendedAt,
    local: account.domain === null,
    roles: { admin: user?.isAdmin ?? false, moderator: user?.isModerator ?? false },
    tags: user?.tags ?? [],
    is_confirmed: user ? user.confirmedAt !== null : true,
    is_approved: user?.isApproved ?? true,
    is_suggested: false,
    url: account.uri ?? account.url ?? `${config.baseUrl}/users/${account.username}`,
    registration_reason: user?.registrationReason ?? null,
    actor_type: account.actorType,
    created_at: account.createdAt.toISOString(),
  }
}

export type AdminUserEntity = ReturnType<typeof buildAdminUser>

export function buildAdminUsers(config: Config, entries: AdminAccount[]) {
  return { users: entries.map((e) => buildAdminUser(config, e)) }
}

/** Pleroma's invite view. */
export function buildInvite(invite: InviteRow) {
  return {
    id: invite.id,
    token: invite.token,
    used: inviteUsed(invite),
    expires_at: invite.expiresAt?.toISOString() ?? null,
    uses: invite.uses,
    max_use: invite.maxUse,
    invite_type: inviteType(invite),
  }
}

/** Pleroma's moderation log entry: `time` in Unix seconds. */
export function buildLogEntry(row: ModerationLogRow) {
  return { id: row.id, data: row.data, time: Math.floor(row.createdAt.getTime() / 1000), message: row.message }
}

/**
 * Statuses as Pleroma's admin StatusView shows them: the Mastodon entity, its `account` merged with the admin view
 * of the author (e-mail, roles, tags...). One more query than a normal page: the authors' users.
 */
export async function renderAdminStatuses(ctx: Ctx, rows: StatusRow[], viewer: Viewer): Promise<(Omit<StatusEntity, 'account'> & { account: Record<string, unknown> })[]> {
  const rendered = await renderStatuses(ctx, rows, viewer)
  const authorIds = [...new Set(rows.map((r) => r.accountId))]
  if (!authorIds.length) return rendered
  const authors = await ctx.db.select({ account: accounts, user: users }).from(accounts)
    .leftJoin(users, eq(users.accountId, accounts.id)).where(inArray(accounts.id, authorIds))
  const views = new Map(authors.map((a) => [a.account.id, buildAdminUser(ctx.config, a)]))
  return rendered.map((status, i) => ({ ...status, account: { ...status.account, ...views.get(rows[i].accountId) } }))
}

/** Pleroma's `credentials.json`: what an admin may edit about a local user. */
export function buildAdminCredentials(config: Config, { account, user }: { account: AdminAccount['account']; user: NonNullable<AdminAccount['user']> }) {
  return {
    id: account.id,
    nickname: account.username,
    name: account.displayName,
    bio: account.noteSource,
    email: user.email,
    fields: account.fields.map((f) => ({ name: f.name, value: f.value })),
    raw_fields: account.fields.map((f) => ({ name: f.name, value: f.value })),
    is_locked: account.locked,
    is_discoverable: account.discoverable,
    actor_type: account.actorType,
    no_rich_text: user.noRichText,
    default_scope: user.defaultVisibility,
    hide_follows: account.hideFollows,
    hide_followers: account.hideFollowers,
    hide_follows_count: account.hideFollowsCount,
    hide_followers_count: account.hideFollowersCount,
    hide_favorites: account.hideFavorites,
    allow_following_move: user.allowFollowingMove,
    show_role: user.showRole,
    skip_thread_containment: user.skipThreadContainment,
    pleroma_settings_store: user.settingsStore,
    avatar: account.avatarUrl ?? `${config.baseUrl}${DEFAULT_AVATAR_PATH}`,
    banner: account.headerUrl ?? `${config.baseUrl}${DEFAULT_HEADER_PATH}`,
    background: account.backgroundUrl,
  }
}

/** Mastodon accounts merged with the admin view, as Pleroma's admin views show people; one batch per page. */
async function mergedAccounts(ctx: Ctx, ids: string[], viewer: Viewer): Promise<Map<string, Record<string, unknown>>> {
  const unique = [...new Set(ids)]
  if (!unique.length) return new Map()
  const rows = await ctx.db.select({ account: accounts, user: users }).from(accounts)
    .leftJoin(users, eq(users.accountId, accounts.id)).where(inArray(accounts.id, unique))
  const rendered = await renderAccounts(ctx, rows.map((r) => r.account), viewer)
  return new Map(rows.map((r, i) => [r.account.id, { ...rendered[i], ...buildAdminUser(ctx.config, r) }]))
}

/**
 * Pleroma's admin report view: reporter (`actor`), reported `account`, the attached statuses (all of them: staff
 * review what was reported even when they could not otherwise see it), notes and the assigned moderator.
 */
export async function renderAdminReports(ctx: Ctx, rows: ReportRow[], viewer: Viewer) {
  if (!rows.length) return []
  const reportIds = rows.map((r) => r.id)
  const notes = await ctx.db.select().from(reportNotes).where(inArray(reportNotes.reportId, reportIds)).orderBy(reportNotes.id)
  const people = await mergedAccounts(ctx, [
    ...rows.flatMap((r) => [r.accountId, r.targetAccountId, ...(r.assignedAccountId ? [r.assignedAccountId] : [])]),
    ...notes.map((n) => n.accountId),
  ], viewer)
  const statusIds = [...new Set(rows.flatMap((r) => r.statusIds))].filter(isId)
  const statusRows = statusIds.length ? await ctx.db.select().from(statuses).where(inArray(statuses.id, statusIds)) : []
  const renderedStatuses = await renderStatuses(ctx, statusRows, viewer)
  const statusById = new Map(statusRows.map((s, i) => [s.id, renderedStatuses[i]]))
  return rows.map((r) => ({
    id: r.id,
    account: people.get(r.targetAccountId) ?? null,
    actor: people.get(r.accountId) ?? null,
    content: r.comment || null,
    created_at: r.createdAt.toISOString(),
    statuses: r.statusIds.map((id) => statusById.get(id)).filter((s) => !!s),
    state: r.state,
    notes: notes.filter((n) => n.reportId === r.id).map((n) => ({
      id: n.id,
      content: n.content,
      user: people.get(n.accountId) ?? null,
      created_at: n.createdAt.toISOString(),
    })),
    assigned_account: r.assignedAccountId ? people.get(r.assignedAccountId) ?? null : null,
  }))
}
