// Pleroma's admin API, under /api/v1/pleroma/admin and the older /api/pleroma/admin. Staff rights follow Pleroma's
// defaults: moderators may change and delete statuses and handle reports; everything else needs an admin.
import { updateUserAsAdmin } from '../../core/admin/credentials'
import { deleteInstanceDocument, getInstanceDocument, INSTANCE_DOCUMENTS, putInstanceDocument, type InstanceDocumentName } from '../../core/admin/documents'
import { createStaffInvite, emailInvite, parseInviteExpiry } from '../../core/admin/invites'
import { actorOf, listModerationLog } from '../../core/admin/moderation-log'
import { addReportNoteAsStaff, assignReports, deleteReportNoteAsStaff, updateReportStates, type ReportUpdateResult } from '../../core/admin/reports'
import { federationConfigDescriptions, showFederationConfig, updateFederationConfig } from '../../core/admin/pleroma-config'
import { runtimeSnapshot } from '../../core/admin/runtime'
import {
  deleteStatusAsAdmin, getStatusForAdmin, listAccountStatusesForAdmin, listInstanceStatusesForAdmin, listStatusesForAdmin, statusVisibilityCounts, updateStatusAsAdmin,
  type AdminStatusQuery,
} from '../../core/admin/statuses'
import {
  approveUsers, BatchCreateError, confirmUsers, createPasswordResetLink, createUsersAsAdmin, deleteUsers, findAccountForAdmin, findLocalUser,
  forcePasswordReset, resendConfirmationEmails, searchUsers, setUsersActive, setUsersRole, tagUsers, toggleUserActivation,
  type AdminCreateUserInput, type StaffRole, type UserSearch,
} from '../../core/admin/users'
import { BadRequestError, NotFoundError } from '../../core/errors'
import { createRule, deleteRule, listRulesForAdmin, updateRule } from '../../core/instance/texts'
import { listInvites, revokeInvite } from '../../core/invites'
import { isPlainObject, parseArray, parseBool, parseStringArray } from '../../core/params'
import { getReport, listReportsPaged, REPORT_STATES } from '../../core/reports/queries'
import type { ReportState } from '../../db/schema'
import type { AuthRule, Base } from '../base'
import {
  buildAdminCredentials, buildAdminUser, buildAdminUsers, buildInvite, buildLogEntry, renderAdminReports, renderAdminStatuses,
} from '../render/admin-pleroma'
import { renderStatus } from '../render/status'

const admin = (scope: string): AuthRule => ({ scopes: [scope], role: 'admin' })
const staff = (scope: string): AuthRule => ({ scopes: [scope], role: 'moderator' })

const noContent = () => new Response(null, { status: 204 })
/** Pleroma answers some actions with the JSON string `""`. */
const emptyJsonString = () => Response.json('')

/** A whole number from the input, or the default when absent; anything else is a 400. */
export function intParam(input: Record<string, unknown>, key: string, fallback: number, max = 500): number {
  const raw = input[key]
  if (raw === undefined || raw === null || raw === '') return fallback
  const n = typeof raw === 'number' ? raw : Number(String(raw))
  if (!Number.isInteger(n) || n < 1) throw new BadRequestError(`${key} must be a whole number of 1 or more`)
  return Math.min(n, max)
}

function nicknames(input: Record<string, unknown>): string[] {
  const list = parseStringArray(input.nicknames ?? input.nickname)
  if (!list.length) throw new BadRequestError('Missing field: nicknames')
  return list
}

function stringParam(input: Record<string, unknown>, key: string): string | undefined {
  const value = input[key]
  return typeof value === 'string' && value.trim() ? value.trim() : undefined
}

const FILTERS = ['local', 'external', 'active', 'deactivated', 'need_approval', 'unconfirmed', 'is_admin', 'is_moderator'] as const

/** `filters=local,active` (Pleroma) or the same names as separate boolean parameters. */
function userSearch(input: Record<string, unknown>): UserSearch {
  const given = new Set(String(input.filters ?? '').split(',').map((f) => f.trim()).filter(Boolean))
  const on = (name: (typeof FILTERS)[number]) => given.has(name) || parseBool(input[name]) === true
  return {
    query: stringParam(input, 'query'),
    name: stringParam(input, 'name'),
    email: stringParam(input, 'email'),
    tags: parseStringArray(input.tags),
    actorTypes: parseStringArray(input.actor_types),
    local: on('local'),
    external: on('external'),
    active: on('active'),
    deactivated: on('deactivated'),
    needApproval: on('need_approval'),
    unconfirmed: on('unconfirmed'),
    isAdmin: on('is_admin'),
    isModerator: on('is_moderator'),
    page: intParam(input, 'page', 1, 1_000_000),
    pageSize: intParam(input, 'page_size', 50),
  }
}

function statusQuery(input: Record<string, unknown>): AdminStatusQuery {
  return {
    godmode: parseBool(input.godmode) === true,
    localOnly: parseBool(input.local_only) === true,
    withReblogs: parseBool(input.with_reblogs) === true,
    page: intParam(input, 'page', 1, 1_000_000),
    pageSize: intParam(input, 'page_size', 50),
  }
}

function staffRole(group: string): StaffRole {
  if (group !== 'admin' && group !== 'moderator') throw new NotFoundError('No such permission_group')
  return group
}

function newUsers(input: Record<string, unknown>): AdminCreateUserInput[] {
  const list = parseArray(input.users)
  if (!list.length) throw new BadRequestError('Missing field: users')
  return list.map((entry) => {
    if (!isPlainObject(entry)) throw new BadRequestError('users must be a list of objects with nickname, email and password')
    const text = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? undefined : String(v))
    return { nickname: text(entry.nickname) ?? '', email: text(entry.email) ?? '', password: text(entry.password) }
  })
}

/** `reports: [{id, state}]` (or `{id, assigned_account}`) of Pleroma's batch report updates. */
function reportList(input: Record<string, unknown>): Record<string, unknown>[] {
  const list = parseArray(input.reports)
  if (!list.length || !list.every(isPlainObject)) throw new BadRequestError('Missing field: reports')
  return list as Record<string, unknown>[]
}

/** 204 when every update worked; otherwise 400 with each report's outcome, as Pleroma answers. */
function reportResults(set: { status?: number | string }, results: ReportUpdateResult[]) {
  if (results.every((r) => !r.error)) return noContent()
  set.status = 400
  return results.map((r) => (r.error ? { id: r.id, error: r.error } : { id: r.id, state: r.report?.state }))
}

/** The uploaded file of `PATCH /instance_document/:name` (multipart `file`), or the HTML given as text. */
async function documentContent(input: Record<string, unknown>): Promise<string> {
  const file = input.file
  if (file instanceof Blob) return file.text()
  if (typeof file === 'string') return file
  throw new BadRequestError('Missing field: file')
}

const htmlDocument = (content: string) => new Response(content, {
  headers: {
    'content-type': 'text/html; charset=utf-8',
    // admin-written HTML on our origin: shown, but never run as a page of the instance
    'content-security-policy': "default-src 'none'; img-src * data:; style-src 'unsafe-inline'; sandbox",
    'x-content-type-options': 'nosniff',
  },
})

/** Every Pleroma admin route under one prefix. */
const routes = (prefix: string) => (app: Base) =>
  app
    // users
    .get(`${prefix}/users`, async ({ ctx, input }) => {
      const search = userSearch(input)
      const { entries, count } = await searchUsers(ctx, search)
      return { ...buildAdminUsers(ctx.config, entries), count, page_size: search.pageSize }
    }, { auth: admin('admin:read:accounts') })
    .post(`${prefix}/users`, async ({ ctx, input, user, set }) => {
      try {
        const created = await createUsersAsAdmin(ctx, newUsers(input), actorOf(user), { resetLinks: true })
        return created.map((c) => ({
          type: 'success', code: 200,
          data: { nickname: c.account.username, email: c.user.email, ...(c.passwordResetLink ? { password_reset_link: c.passwordResetLink } : {}) },
        }))
      } catch (e) {
        if (!(e instanceof BatchCreateError)) throw e
        set.status = 409
        return e.results.map((r) => ({ type: 'error', code: 409, error: r.error, data: { nickname: r.input.nickname, email: r.input.email } }))
      }
    }, { auth: admin('admin:write:accounts') })
    .delete(`${prefix}/users`, async ({ ctx, input, user }) => {
      const deleted = await deleteUsers(ctx, nicknames(input), actorOf(user))
      return deleted.map((d) => d.account.username)
    }, { auth: admin('admin:write:accounts') })
    .patch(`${prefix}/users/activate`, async ({ ctx, input, user }) =>
      buildAdminUsers(ctx.config, await setUsersActive(ctx, nicknames(input), true, actorOf(user))), { auth: admin('admin:write:accounts') })
    .patch(`${prefix}/users/deactivate`, async ({ ctx, input, user }) =>
      buildAdminUsers(ctx.config, await setUsersActive(ctx, nicknames(input), false, actorOf(user))), { auth: admin('admin:write:accounts') })
    .patch(`${prefix}/users/approve`, async ({ ctx, input, user }) =>
      buildAdminUsers(ctx.config, await approveUsers(ctx, nicknames(input), actorOf(user))), { auth: admin('admin:write:accounts') })
    .patch(`${prefix}/users/confirm_email`, async ({ ctx, input, user }) => {
      await confirmUsers(ctx, nicknames(input), actorOf(user))
      return emptyJsonString()
    }, { auth: admin('admin:write') })
    .patch(`${prefix}/users/resend_confirmation_email`, async ({ ctx, input, user }) => {
      await resendConfirmationEmails(ctx, nicknames(input), actorOf(user))
      return emptyJsonString()
    }, { auth: admin('admin:write') })
    .patch(`${prefix}/users/force_password_reset`, async ({ ctx, input, user }) => {
      await forcePasswordReset(ctx, nicknames(input), actorOf(user))
      return noContent()
    }, { auth: admin('admin:write:accounts') })
    .put(`${prefix}/users/tag`, async ({ ctx, input, user }) => {
      await tagUsers(ctx, nicknames(input), parseStringArray(input.tags), { actor: actorOf(user) })
      return noContent()
    }, { auth: admin('admin:write:accounts') })
    .delete(`${prefix}/users/tag`, async ({ ctx, input, user }) => {
      await tagUsers(ctx, nicknames(input), parseStringArray(input.tags), { remove: true, actor: actorOf(user) })
      return noContent()
    }, { auth: admin('admin:write:accounts') })
    .post(`${prefix}/users/permission_group/:group`, async ({ ctx, input, params, user }) => {
      const role = staffRole(params.group)
      await setUsersRole(ctx, nicknames(input), role, true, actorOf(user))
      return { [`is_${role}`]: true }
    }, { auth: admin('admin:write:accounts') })
    .delete(`${prefix}/users/permission_group/:group`, async ({ ctx, input, params, user }) => {
      const role = staffRole(params.group)
      await setUsersRole(ctx, nicknames(input), role, false, actorOf(user))
      return { [`is_${role}`]: false }
    }, { auth: admin('admin:write:accounts') })
    // invites
    .post(`${prefix}/users/invite_token`, async ({ ctx, input, user }) => {
      const maxUse = input.max_use === undefined || input.max_use === null || input.max_use === '' ? undefined : intParam(input, 'max_use', 1, 1_000_000)
      const expiresAt = input.expires_at ? parseInviteExpiry(input.expires_at) : null
      return buildInvite(await createStaffInvite(ctx, { maxUse, expiresAt }, actorOf(user)))
    }, { auth: admin('admin:write:invites') })
    .get(`${prefix}/users/invites`, async ({ ctx }) => ({ invites: (await listInvites(ctx, { includeInactive: true })).map(buildInvite) }),
      { auth: admin('admin:read:invites') })
    .post(`${prefix}/users/revoke_invite`, async ({ ctx, input }) => {
      const token = stringParam(input, 'token')
      if (!token) throw new BadRequestError('Missing field: token')
      return buildInvite(await revokeInvite(ctx, token))
    }, { auth: admin('admin:write:invites') })
    .post(`${prefix}/users/email_invite`, async ({ ctx, input, user }) => {
      const email = stringParam(input, 'email')
      if (!email) throw new BadRequestError('Missing field: email')
      await emailInvite(ctx, { email, name: stringParam(input, 'name') }, actorOf(user))
      return noContent()
    }, { auth: admin('admin:write:invites') })
    // one user
    .get(`${prefix}/users/:nickname`, async ({ ctx, params }) => buildAdminUser(ctx.config, await findAccountForAdmin(ctx, params.nickname)),
      { auth: admin('admin:read:accounts') })
    .patch(`${prefix}/users/:nickname/toggle_activation`, async ({ ctx, params, user }) =>
      buildAdminUser(ctx.config, await toggleUserActivation(ctx, params.nickname, actorOf(user))), { auth: admin('admin:write:accounts') })
    .get(`${prefix}/users/:nickname/permission_group`, async ({ ctx, params }) => {
      const { user } = await findLocalUser(ctx, params.nickname)
      return { is_admin: user.isAdmin, is_moderator: user.isModerator }
    }, { auth: admin('admin:read:accounts') })
    .get(`${prefix}/users/:nickname/permission_group/:group`, async ({ ctx, params }) => {
      const { user } = await findLocalUser(ctx, params.nickname)
      return { is_admin: user.isAdmin, is_moderator: user.isModerator }
    }, { auth: admin('admin:read:accounts') })
    .post(`${prefix}/users/:nickname/permission_group/:group`, async ({ ctx, params, user }) => {
      const role = staffRole(params.group)
      await setUsersRole(ctx, [params.nickname], role, true, actorOf(user))
      return { [`is_${role}`]: true }
    }, { auth: admin('admin:write:accounts') })
    .delete(`${prefix}/users/:nickname/permission_group/:group`, async ({ ctx, params, user }) => {
      const role = staffRole(params.group)
      await setUsersRole(ctx, [params.nickname], role, false, actorOf(user))
      return { [`is_${role}`]: false }
    }, { auth: admin('admin:write:accounts') })
    .get(`${prefix}/users/:nickname/statuses`, async ({ ctx, params, input, user }) => {
      const page = await listAccountStatusesForAdmin(ctx, params.nickname, statusQuery(input))
      return { total: page.total, activities: await renderAdminStatuses(ctx, page.statuses, user) }
    }, { auth: admin('admin:read:statuses') })
    .get(`${prefix}/instances/:instance/statuses`, async ({ ctx, params, input, user }) => {
      const page = await listInstanceStatusesForAdmin(ctx, decodeURIComponent(params.instance), statusQuery(input))
      return { total: page.total, activities: await renderAdminStatuses(ctx, page.statuses, user) }
    }, { auth: admin('admin:read:statuses') })
    .get(`${prefix}/users/:nickname/credentials`, async ({ ctx, params }) => buildAdminCredentials(ctx.config, await findLocalUser(ctx, params.nickname)),
      { auth: admin('admin:read:accounts') })
    .patch(`${prefix}/users/:nickname/credentials`, async ({ ctx, params, input, user }) => {
      await updateUserAsAdmin(ctx, params.nickname, input, actorOf(user))
      return { status: 'success' }
    }, { auth: admin('admin:write:accounts') })
    .get(`${prefix}/users/:nickname/password_reset`, async ({ ctx, params }) => {
      const { token, link } = await createPasswordResetLink(ctx, params.nickname)
      return { token, link }
    }, { auth: admin('admin:write:accounts') })
    // statuses
    .get(`${prefix}/statuses`, async ({ ctx, input, user }) => renderAdminStatuses(ctx, await listStatusesForAdmin(ctx, statusQuery(input)), user),
      { auth: admin('admin:read:statuses') })
    .get(`${prefix}/statuses/:id`, async ({ ctx, params, user }) => (await renderAdminStatuses(ctx, [await getStatusForAdmin(ctx, params.id)], user))[0],
      { auth: admin('admin:read:statuses') })
    .put(`${prefix}/statuses/:id`, async ({ ctx, params, input, user }) => {
      const sensitive = input.sensitive === undefined ? undefined : parseBool(input.sensitive)
      if (input.sensitive !== undefined && sensitive === undefined) throw new BadRequestError('sensitive must be true or false')
      const visibility = input.visibility === undefined ? undefined : String(input.visibility)
      return renderStatus(ctx, await updateStatusAsAdmin(ctx, params.id, { sensitive, visibility }, actorOf(user)), user)
    }, { auth: staff('admin:write:statuses') })
    .delete(`${prefix}/statuses/:id`, async ({ ctx, params, user }) => {
      await deleteStatusAsAdmin(ctx, params.id, actorOf(user))
      return {}
    }, { auth: staff('admin:write:statuses') })
    // reports
    .get(`${prefix}/reports`, async ({ ctx, input, user }) => {
      const state = input.state === undefined || input.state === '' ? undefined : String(input.state)
      if (state !== undefined && !REPORT_STATES.includes(state as ReportState)) throw new BadRequestError(`state must be one of ${REPORT_STATES.join(', ')}`)
      const page = await listReportsPaged(ctx, { state: state as ReportState | undefined }, intParam(input, 'page', 1, 1_000_000), intParam(input, 'page_size', 50))
      return { reports: await renderAdminReports(ctx, page.items, user), total: page.total }
    }, { auth: staff('admin:read:reports') })
    .get(`${prefix}/reports/:id`, async ({ ctx, params, user }) => (await renderAdminReports(ctx, [await getReport(ctx, params.id)], user))[0],
      { auth: staff('admin:read:reports') })
    .patch(`${prefix}/reports`, async ({ ctx, input, user, set }) => {
      const updates = reportList(input).map((r) => ({ id: String(r.id ?? ''), state: r.state }))
      return reportResults(set, await updateReportStates(ctx, updates, actorOf(user)))
    }, { auth: staff('admin:write:reports') })
    .patch(`${prefix}/reports/assign_account`, async ({ ctx, input, user, set }) => {
      const updates = reportList(input).map((r) => ({
        id: String(r.id ?? ''),
        assignedAccount: typeof r.assigned_account === 'string' && r.assigned_account ? r.assigned_account : null,
      }))
      return reportResults(set, await assignReports(ctx, updates, actorOf(user)))
    }, { auth: staff('admin:write:reports') })
    .post(`${prefix}/reports/:id/notes`, async ({ ctx, params, input, user }) => {
      await addReportNoteAsStaff(ctx, params.id, input.content, actorOf(user))
      return noContent()
    }, { auth: staff('admin:write:reports') })
    .delete(`${prefix}/reports/:report_id/notes/:id`, async ({ ctx, params, user }) => {
      await deleteReportNoteAsStaff(ctx, params.report_id, params.id, actorOf(user))
      return noContent()
    }, { auth: staff('admin:write:reports') })
    // instance
    .get(`${prefix}/instance_document/:name`, async ({ ctx, params }) => htmlDocument((await getInstanceDocument(ctx, params.name)).content),
      { auth: admin('admin:read') })
    .patch(`${prefix}/instance_document/:name`, async ({ ctx, params, input, user }) =>
      ({ url: await putInstanceDocument(ctx, params.name, await documentContent(input), actorOf(user)) }), { auth: admin('admin:write') })
    .delete(`${prefix}/instance_document/:name`, async ({ ctx, params, user }) => {
      await deleteInstanceDocument(ctx, params.name, actorOf(user))
      return {}
    }, { auth: admin('admin:write') })
    .get(`${prefix}/rules`, async ({ ctx }) => listRulesForAdmin(ctx), { auth: admin('admin:read') })
    .post(`${prefix}/rules`, ({ ctx, input, user }) => createRule(ctx, input, actorOf(user)), { auth: admin('admin:write') })
    .patch(`${prefix}/rules/:id`, ({ ctx, params, input, user }) => updateRule(ctx, params.id, input, actorOf(user)), { auth: admin('admin:write') })
    .delete(`${prefix}/rules/:id`, async ({ ctx, params, user }) => {
      await deleteRule(ctx, params.id, actorOf(user))
      return {}
    }, { auth: admin('admin:write') })
    .get(`${prefix}/stats`, async ({ ctx, input }) => ({ status_visibility: await statusVisibilityCounts(ctx, stringParam(input, 'instance')) }),
      { auth: admin('admin:read') })
    .get(`${prefix}/moderation_log`, async ({ ctx, input }) => {
      const log = await listModerationLog(ctx, {
        page: intParam(input, 'page', 1, 1_000_000),
        pageSize: intParam(input, 'page_size', 50),
        startDate: stringParam(input, 'start_date'),
        endDate: stringParam(input, 'end_date'),
        userId: stringParam(input, 'user_id'),
        search: stringParam(input, 'search'),
      })
      return { items: log.items.map(buildLogEntry), total: log.total }
    }, { auth: admin('admin:read') })
    // federation settings (Admin-FE's MRF pages)
    .get(`${prefix}/config`, async ({ ctx, input }) =>
      ({ configs: await showFederationConfig(ctx, parseBool(input.only_db) === true), need_reboot: false }), { auth: admin('admin:read') })
    .post(`${prefix}/config`, async ({ ctx, input, user }) =>
      ({ configs: await updateFederationConfig(ctx, input.configs, actorOf(user)), need_reboot: false }), { auth: admin('admin:write') })
    .get(`${prefix}/config/descriptions`, () => federationConfigDescriptions(), { auth: admin('admin:read') })
    // Rookery's own: the live figures `rookery top` shows
    .get(`${prefix}/runtime`, ({ ctx }) => runtimeSnapshot(ctx), { auth: admin('admin:read') })

/** The public pages of the instance documents, where Pleroma serves them. */
const documentPages = (app: Base) => {
  for (const [name, path] of Object.entries(INSTANCE_DOCUMENTS)) {
    app.get(path, async ({ ctx }) => htmlDocument((await getInstanceDocument(ctx, name as InstanceDocumentName)).content), { auth: 'public' })
  }
  return app
}

export const adminPleromaApi = (app: Base) =>
  app
    .use(routes('/api/v1/pleroma/admin'))
    .use(routes('/api/pleroma/admin'))
    .use(documentPages)
