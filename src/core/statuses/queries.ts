import { and, asc, eq, inArray, sql } from 'drizzle-orm'
import { resultRows } from '../../db/client'
import { polls, statusEdits, statuses, type StatusRow } from '../../db/schema'
import type { Ctx } from '../context'
import { statusMediaIds } from '../media/attachments'
import { ForbiddenError, NotFoundError, ValidationError } from '../errors'
import { isId, uuidToId } from '../ids'
import { notHiddenByViewerSql } from '../timelines/viewer-filters'
import { getVisibleStatus, visibleWithReblogSql } from '../visibility'

export const MAX_STATUSES_PER_REQUEST = 100

/** A status the viewer may see and change: hidden is 404 (existence does not leak), someone else's is 403 as in Mastodon. */
export async function getOwnStatus(ctx: Ctx, accountId: string, id: string): Promise<StatusRow> {
  const row = await getVisibleStatus(ctx, accountId, id)
  if (row.accountId !== accountId) throw new ForbiddenError('This action is not allowed')
  return row
}

/** `GET /api/v1/statuses?id[]=`: the visible ones among the ids, in the order asked, duplicates and unknown ids dropped. */
export async function getStatusesByIds(ctx: Ctx, viewerAccountId: string | null, ids: string[]): Promise<StatusRow[]> {
  const unique = [...new Set(ids)]
  if (unique.length > MAX_STATUSES_PER_REQUEST) {
    throw new ValidationError(`Validation failed: at most ${MAX_STATUSES_PER_REQUEST} statuses can be requested at once`)
  }
  const valid = unique.filter(isId)
  if (!valid.length) return []
  const rows = await ctx.db.select().from(statuses).where(and(inArray(statuses.id, valid), visibleWithReblogSql(viewerAccountId)))
  const byId = new Map(rows.map((r) => [r.id, r]))
  return valid.map((id) => byId.get(id)).filter((r): r is StatusRow => !!r)
}

/** Mastodon's limits: a signed-in viewer gets the whole (bounded) thread, an anonymous one a shorter view. */
const CONTEXT_LIMITS = {
  user: { ancestors: 4096, descendants: 4096, depth: 4096 },
  anonymous: { ancestors: 40, descendants: 60, depth: 20 },
}

export interface StatusContext {
  ancestors: StatusRow[]
  descendants: StatusRow[]
}

/**
 * `GET /api/v1/statuses/:id/context`: the reply chain above (oldest first) and the reply tree below in thread order
 * (depth first, siblings oldest first). Each status passes the visibility rule on its own; a hidden one does not cut the chain.
 */
export async function getStatusContext(ctx: Ctx, viewerAccountId: string | null, id: string): Promise<StatusContext> {
  const status = await getVisibleStatus(ctx, viewerAccountId, id)
  const limits = viewerAccountId ? CONTEXT_LIMITS.user : CONTEXT_LIMITS.anonymous
  const start = sql`${statuses.id.mapToDriverValue(status.id)}::uuid`
  const upRows = resultRows<{ id: string; depth: number }>(await ctx.db.execute(sql`
    with recursive up(id, in_reply_to_id, depth) as (
      select s.id, s.in_reply_to_id, 0 from statuses s where s.id = ${start}
      union all
      select p.id, p.in_reply_to_id, up.depth + 1 from statuses p join up on p.id = up.in_reply_to_id
      where up.depth < ${limits.ancestors}
    )
    select id::text as id, depth from up where depth > 0`))
  const downRows = resultRows<{ id: string }>(await ctx.db.execute(sql`
    with recursive down(id, path) as (
      select s.id, array[s.id] from statuses s where s.in_reply_to_id = ${start} and s.reblog_of_id is null
      union all
      select c.id, down.path || c.id from statuses c join down on c.in_reply_to_id = down.id
      where c.reblog_of_id is null and cardinality(down.path) < ${limits.depth} and not c.id = any(down.path)
    )
    select id::text as id from down order by path limit ${limits.descendants}`))
  const ancestorIds = upRows.sort((a, b) => Number(b.depth) - Number(a.depth)).map((r) => uuidToId(r.id))
  const descendantIds = downRows.map((r) => uuidToId(r.id)).filter((d) => d !== status.id)
  const all = [...ancestorIds, ...descendantIds]
  if (!all.length) return { ancestors: [], descendants: [] }
  const rows = await ctx.db.select().from(statuses)
    .where(and(inArray(statuses.id, all), visibleWithReblogSql(viewerAccountId), notHiddenByViewerSql(viewerAccountId)))
  const byId = new Map(rows.map((r) => [r.id, r]))
  const pick = (ids: string[]) => ids.map((i) => byId.get(i)).filter((r): r is StatusRow => !!r)
  return { ancestors: pick(ancestorIds), descendants: pick(descendantIds) }
}

/** `GET /api/v1/statuses/:id/source`: the author's own statuses only (others are 404, as in Mastodon). */
export async function getStatusSource(ctx: Ctx, accountId: string, id: string): Promise<StatusRow> {
  const row = await getVisibleStatus(ctx, accountId, id)
  if (row.accountId !== accountId || row.reblogOfId) throw new NotFoundError()
  return row
}

export interface StatusRevision {
  text: string
  content: string
  spoilerText: string
  sensitive: boolean
  pollOptions: string[] | null
  /** the media it showed, in order */
  mediaIds: string[]
  createdAt: Date
}

/** Every revision of a visible status, oldest first, ending with the current one. */
export async function getStatusHistory(ctx: Ctx, viewerAccountId: string | null, id: string): Promise<{ status: StatusRow; revisions: StatusRevision[] }> {
  const status = await getVisibleStatus(ctx, viewerAccountId, id)
  const [edits, [poll], mediaIds] = await Promise.all([
    ctx.db.select().from(statusEdits).where(eq(statusEdits.statusId, status.id)).orderBy(asc(statusEdits.createdAt), asc(statusEdits.id)),
    ctx.db.select({ options: polls.options }).from(polls).where(eq(polls.statusId, status.id)).limit(1),
    statusMediaIds(ctx.db, status.id),
  ])
  const revisions: StatusRevision[] = edits.map((e) => ({
    text: e.text, content: e.content, spoilerText: e.spoilerText, sensitive: e.sensitive, pollOptions: e.pollOptions ?? null, mediaIds: e.mediaIds ?? [], createdAt: e.createdAt,
  }))
  revisions.push({
    text: status.text,
    content: status.content,
    spoilerText: status.spoilerText,
    sensitive: status.sensitive,
    pollOptions: poll ? poll.options.map((o) => o.title) : null,
    mediaIds,
    createdAt: status.editedAt ?? status.createdAt,
  })
  return { status, revisions }
}
