import { and, eq, inArray, sql, type SQL } from 'drizzle-orm'
import { resultRows } from '../db/client'
import { accounts, blocks, follows, listAccounts, statusMentions, statuses, type StatusRow } from '../db/schema'
import { runPreparedWith } from '../db/prepared'
import { constantLimit, uuidArrayParam, type Binds } from '../db/sql'
import type { Ctx } from './context'
import { NotFoundError } from './errors'
import { isId, uuidToId } from './ids'

/**
 * THE rule for who may see a status. Every read path (show, context, timelines, search, favourited_by,
 * notifications, streaming, Pleroma endpoints) filters with `visibleStatusSql`; nothing decides visibility elsewhere.
 *
 * - the author always sees their own statuses;
 * - nobody sees statuses of suspended accounts (except the author), nor those of an author who blocks them;
 * - public, unlisted and local: everyone else;
 * - private: accepted followers of the author and mentioned accounts;
 * - direct: mentioned accounts;
 * - list (`list:ID`): mentioned accounts and the members of that list;
 * - a reblog is visible only if the reblogged status is visible too.
 */
export function visibleStatusSql(viewerAccountId: string | SQL | null, tableAlias?: string): SQL {
  const col = (name: string) => (tableAlias ? sql.raw(`"${tableAlias}"."${name}"`) : sql.raw(`"statuses"."${name}"`))
  const authorId = col('account_id')
  const authorActive = sql`not exists (select 1 from ${accounts} a where a.id = ${authorId} and a.suspended_at is not null)`
  const openVisibility = sql`${col('visibility')} in ('public', 'unlisted', 'local')`
  if (!viewerAccountId) return sql`(${openVisibility} and ${authorActive})`
  // A viewer expression (a uuid column) decides for many viewers in one statement; see `visibleToViewersSql`.
  const viewer = typeof viewerAccountId === 'string' ? sql`${statuses.accountId.mapToDriverValue(viewerAccountId)}::uuid` : viewerAccountId
  const own = sql`${authorId} = ${viewer}`
  const notBlocked = sql`not exists (select 1 from ${blocks} b where b.account_id = ${authorId} and b.target_account_id = ${viewer})`
  const follower = sql`exists (select 1 from ${follows} f where f.account_id = ${viewer} and f.target_account_id = ${authorId})`
  const mentioned = sql`exists (select 1 from ${statusMentions} m where m.status_id = ${col('id')} and m.account_id = ${viewer})`
  const listMember = sql`exists (select 1 from ${listAccounts} la where la.list_id = ${col('list_id')} and la.account_id = ${viewer})`
  return sql`(${own} or (${authorActive} and ${notBlocked} and (${openVisibility} or (${col('visibility')} = 'private' and ${follower})
    or (${col('visibility')} = 'list' and ${listMember}) or ${mentioned})))`
}

/** A status and, for reblogs, the reblogged one must both pass the rule. */
export function visibleWithReblogSql(viewerAccountId: string | SQL | null): SQL {
  return sql`(${visibleStatusSql(viewerAccountId)} and (${statuses.reblogOfId} is null or exists (
    select 1 from ${statuses} as reblogged where reblogged.id = ${statuses.reblogOfId} and ${visibleStatusSql(viewerAccountId, 'reblogged')})))`
}

/** The shape the rule gives a statement (with a viewer or for anyone), for the key of a prepared one. */
export const viewerShape = (viewerAccountId: string | null) => (viewerAccountId ? 'viewer' : 'anonymous')

/** The status `id` if the viewer may see it, both bound for a statement prepared under `viewerShape`. */
const visibleStatusByIdSql = (b: Binds, viewerAccountId: string | null, id: string): SQL | undefined =>
  and(eq(statuses.id, b.forColumn(statuses.id, id)), visibleWithReblogSql(viewerAccountId && b.uuid(viewerAccountId)))

/** Loads a status the viewer may see; hidden, missing and malformed ids are all 404. */
export async function getVisibleStatus(ctx: Ctx, viewerAccountId: string | null, id: string): Promise<StatusRow> {
  if (!isId(id)) throw new NotFoundError()
  const [row] = await runPreparedWith(ctx, `visible-status:${viewerShape(viewerAccountId)}`, { viewer: viewerAccountId, id }, (b) =>
    ctx.db.select().from(statuses).where(visibleStatusByIdSql(b, viewerAccountId, id)).limit(constantLimit(1)))
  if (!row) throw new NotFoundError()
  return row
}

/** More columns for `getVisibleStatusWithAuthor`'s statement, named in its key by `shape`. */
export interface AlsoRead<T extends Record<string, SQL>> {
  shape: string
  /** expressions over the status's row (`"statuses"."..."`), with values bound through `b`: the viewer's id, the status's, or `args` */
  columns: (b: Binds) => T
  /** values the columns bind besides the viewer's and the status's ids, by name */
  args?: Record<string, unknown>
}

/**
 * `getVisibleStatus` with `also`'s columns read from the same row (what rendering it needs besides, see
 * render/single-status.ts), in one statement.
 */
export async function getVisibleStatusWith<T extends Record<string, SQL>>(
  ctx: Ctx, viewerAccountId: string | null, id: string, also: AlsoRead<T>,
): Promise<{ status: StatusRow; also: { [K in keyof T]: unknown } }> {
  if (!isId(id)) throw new NotFoundError()
  const key = `visible-status-with:${viewerShape(viewerAccountId)}:${also.shape}`
  const [row] = await runPreparedWith(ctx, key, { viewer: viewerAccountId, id, ...also.args }, (b) =>
    ctx.db.select({ status: statuses, also: also.columns(b) }).from(statuses)
      .where(visibleStatusByIdSql(b, viewerAccountId, id)).limit(constantLimit(1)))
  if (!row) throw new NotFoundError()
  return row as { status: StatusRow; also: { [K in keyof T]: unknown } }
}

/** Of the given ids, those the viewer may see (order not kept). */
export async function filterVisibleStatusIds(ctx: Ctx, viewerAccountId: string | null, ids: string[]): Promise<Set<string>> {
  const valid = ids.filter(isId)
  if (!valid.length) return new Set()
  const rows = await ctx.db.select({ id: statuses.id }).from(statuses)
    .where(and(inArray(statuses.id, valid), visibleWithReblogSql(viewerAccountId)))
  return new Set(rows.map((r) => r.id))
}

/** One question for `visibleToViewers`: which of `ids` each viewer may see, by the rule alone or with the reblog check. */
export interface VisibilityCheck {
  ids: string[]
  withReblog?: boolean
  /** a further condition on the status for the viewer (null: anonymous), e.g. the timeline viewer filters */
  alsoFor?: (viewer: SQL | null) => SQL
}

/**
 * Several visibility questions for many viewers (account ids, null for anonymous) in one statement: per check, per
 * viewer, the ids that viewer may see. The same rule as `visibleStatusSql`, applied with the viewer as a column.
 */
export async function visibleToViewers(ctx: Ctx, viewerIds: (string | null)[], checks: VisibilityCheck[]): Promise<Map<string | null, Set<string>>[]> {
  const out = checks.map(() => new Map<string | null, Set<string>>(viewerIds.map((v) => [v, new Set<string>()])))
  const accountIds = [...new Set(viewerIds.filter((v): v is string => !!v && isId(v)))]
  const anonymous = viewerIds.includes(null)
  const branches: SQL[] = []
  checks.forEach((check, i) => {
    const ids = [...new Set(check.ids.filter(isId))]
    if (!ids.length) return
    const rule = (viewer: SQL | null) => sql`${check.withReblog ? visibleWithReblogSql(viewer) : visibleStatusSql(viewer)}${check.alsoFor ? sql` and ${check.alsoFor(viewer)}` : sql``}`
    const these = sql`${statuses.id} = any(${uuidArrayParam(ids)})`
    if (accountIds.length) {
      branches.push(sql`select ${i}::int as n, v.viewer::text as viewer, ${statuses.id}::text as id
        from ${statuses} cross join unnest(${uuidArrayParam(accountIds)}) as v(viewer) where ${these} and ${rule(sql`v.viewer`)}`)
    }
    if (anonymous) branches.push(sql`select ${i}::int as n, null::text as viewer, ${statuses.id}::text as id from ${statuses} where ${these} and ${rule(null)}`)
  })
  if (!branches.length) return out
  const rows = resultRows<{ n: number; viewer: string | null; id: string }>(await ctx.db.execute(sql.join(branches, sql` union all `)))
  for (const r of rows) out[Number(r.n)].get(r.viewer === null ? null : uuidToId(r.viewer))?.add(uuidToId(r.id))
  return out
}
