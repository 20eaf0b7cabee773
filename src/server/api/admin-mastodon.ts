// Mastodon's account moderation API (/api/v1/admin/accounts and the v2 list) and its dashboard figures (measures and
// dimensions). Moderators may moderate accounts; deleting an account's data and the dashboard need an admin, as in
// Mastodon's default roles.
import {
  approveAccount, deleteSuspendedAccount, findAccountById, listAccountsForAdmin, rejectAccount, takeAccountAction, undoAccountAction,
  type AccountActionType, type AccountFilter, type AccountStatusFilter,
} from '../../core/admin/accounts'
import { adminDimensions, adminMeasures, parsePeriod } from '../../core/admin/metrics-dashboard'
import { actorOf } from '../../core/admin/moderation-log'
import { BadRequestError, ValidationError } from '../../core/errors'
import { parseBool, parseStringArray } from '../../core/params'
import type { AuthRule, Base } from '../base'
import { pageParams, setLink } from '../pagination'
import { renderAdminAccount, renderAdminAccounts } from '../render/admin-mastodon'

const READ: AuthRule = { scopes: ['admin:read:accounts'], role: 'moderator' }
const WRITE: AuthRule = { scopes: ['admin:write:accounts'], role: 'moderator' }
const DESTROY: AuthRule = { scopes: ['admin:write:accounts'], role: 'admin' }

const DASHBOARD: AuthRule = { scopes: ['admin:read'], role: 'admin' }

const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined)

const V1_STATUSES: AccountStatusFilter[] = ['active', 'pending', 'disabled', 'silenced', 'suspended', 'sensitized']

function v1Filter(input: Record<string, unknown>): AccountFilter {
  const local = parseBool(input.local) === true
  const remote = parseBool(input.remote) === true
  return {
    origin: local && !remote ? 'local' : remote && !local ? 'remote' : undefined,
    byDomain: text(input.by_domain),
    status: V1_STATUSES.filter((s) => parseBool(input[s]) === true),
    staff: parseBool(input.staff) === true,
    username: text(input.username),
    displayName: text(input.display_name),
    email: text(input.email),
    ip: text(input.ip),
  }
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], name: string): T | undefined {
  const given = text(value)
  if (given === undefined) return undefined
  if (!allowed.includes(given as T)) throw new ValidationError(`Validation failed: ${name} must be one of ${allowed.join(', ')}`)
  return given as T
}

function v2Filter(input: Record<string, unknown>): AccountFilter {
  const status = oneOf(input.status, ['active', 'pending', 'disabled', 'silenced', 'suspended'] as const, 'status')
  return {
    origin: oneOf(input.origin, ['local', 'remote'] as const, 'origin'),
    byDomain: text(input.by_domain),
    status: status ? [status] : [],
    staff: oneOf(input.permissions, ['staff'] as const, 'permissions') === 'staff',
    roleIds: parseStringArray(input.role_ids),
    invitedBy: text(input.invited_by),
    username: text(input.username),
    displayName: text(input.display_name),
    email: text(input.email),
    ip: text(input.ip),
  }
}

/** `limit` of a dimension: a whole number, 10 when absent. */
function dimensionLimit(input: Record<string, unknown>): number {
  const raw = input.limit
  if (raw === undefined || raw === null || raw === '') return 10
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 1) throw new BadRequestError('limit must be a whole number of 1 or more')
  return n
}

export const adminMastodonApi = (app: Base) =>
  app
    .post('/api/v1/admin/measures', async ({ ctx, input }) =>
      adminMeasures(ctx, parseStringArray(input.keys), parsePeriod(input.start_at, input.end_at), input), { auth: DASHBOARD })
    .post('/api/v1/admin/dimensions', async ({ ctx, input }) =>
      adminDimensions(ctx, parseStringArray(input.keys), parsePeriod(input.start_at, input.end_at), dimensionLimit(input), input), { auth: DASHBOARD })
    .get('/api/v1/admin/accounts', async ({ ctx, input, user, request, set }) => {
      const page = await listAccountsForAdmin(ctx, v1Filter(input), pageParams(input, 100, 200))
      setLink(set, request, ctx.config.baseUrl, page[0]?.account.id, page.at(-1)?.account.id)
      return renderAdminAccounts(ctx, page, user)
    }, { auth: READ })
    .get('/api/v2/admin/accounts', async ({ ctx, input, user, request, set }) => {
      const page = await listAccountsForAdmin(ctx, v2Filter(input), pageParams(input, 100, 200))
      setLink(set, request, ctx.config.baseUrl, page[0]?.account.id, page.at(-1)?.account.id)
      return renderAdminAccounts(ctx, page, user)
    }, { auth: READ })
    .get('/api/v1/admin/accounts/:id', async ({ ctx, params, user }) => renderAdminAccount(ctx, await findAccountById(ctx, params.id), user),
      { auth: READ })
    .delete('/api/v1/admin/accounts/:id', async ({ ctx, params, user }) => {
      const entity = await renderAdminAccount(ctx, await findAccountById(ctx, params.id), user)
      await deleteSuspendedAccount(ctx, params.id, actorOf(user))
      return entity
    }, { auth: DESTROY })
    .post('/api/v1/admin/accounts/:id/action', async ({ ctx, params, input, user }) => {
      const type = text(input.type) ?? 'none'
      await takeAccountAction(ctx, params.id, type as AccountActionType, { text: text(input.text), reportId: text(input.report_id) }, actorOf(user))
      return {}
    }, { auth: WRITE })
    .post('/api/v1/admin/accounts/:id/approve', async ({ ctx, params, user }) =>
      renderAdminAccount(ctx, await approveAccount(ctx, params.id, actorOf(user)), user), { auth: WRITE })
    .post('/api/v1/admin/accounts/:id/reject', async ({ ctx, params, user }) => {
      const entity = await renderAdminAccount(ctx, await findAccountById(ctx, params.id), user)
      await rejectAccount(ctx, params.id, actorOf(user))
      return entity
    }, { auth: WRITE })
    .post('/api/v1/admin/accounts/:id/enable', async ({ ctx, params, user }) =>
      renderAdminAccount(ctx, await undoAccountAction(ctx, params.id, 'enable', actorOf(user)), user), { auth: WRITE })
    .post('/api/v1/admin/accounts/:id/unsilence', async ({ ctx, params, user }) =>
      renderAdminAccount(ctx, await undoAccountAction(ctx, params.id, 'unsilence', actorOf(user)), user), { auth: WRITE })
    .post('/api/v1/admin/accounts/:id/unsuspend', async ({ ctx, params, user }) =>
      renderAdminAccount(ctx, await undoAccountAction(ctx, params.id, 'unsuspend', actorOf(user)), user), { auth: WRITE })
    .post('/api/v1/admin/accounts/:id/unsensitive', async ({ ctx, params, user }) =>
      renderAdminAccount(ctx, await undoAccountAction(ctx, params.id, 'unsensitive', actorOf(user)), user), { auth: WRITE })
