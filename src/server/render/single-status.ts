import { sql } from 'drizzle-orm'
import { isStaff } from '../../core/accounts/queries'
import type { Ctx } from '../../core/context'
import type { Viewer } from '../../core/oauth/authenticate'
import { getVisibleStatusWith } from '../../core/visibility'
import { pollVotes, polls, type StatusRow } from '../../db/schema'
import { rowFromJson } from '../../db/sql'
import { accountViewAsList, accountViewJsonSql, accountViewsFromJson, type KeptAccountView } from './account'
import { statusPartsFromJson, statusPartsJsonSql, viewerStateColumns, viewerStateFrom, type KnownAccounts, type PollRow } from './bundle'
import { renderCacheOf } from './cache'

const column = (name: string) => sql.raw(`"statuses"."${name}"`)
const json = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T

/**
 * A status the viewer may see, read through the visibility rule (`getVisibleStatusWith`) and, in the same statement,
 * what rendering it takes besides: its author, its parts unless the render cache keeps some, its poll with the
 * viewer's own choices unless the kept parts say it has none, the viewer's favourite, reblog, bookmark, thread mute,
 * filters and reactions, and its pin. A reply still asks whether the viewer may see its parent in a statement of its
 * own (the rule once more in this one cost every status a third more database time), and a reblog or a quote loads
 * the statuses it points at, and their state with them, as a page does.
 *
 * The author comes as a page's authors do (`accountViewsJsonSql`): when the cache keeps the status's parts, it knows
 * the author, and when it also keeps that account at its current version, only the account's id is read.
 */
export async function readStatusToRender(ctx: Ctx, viewer: Viewer | null, id: string): Promise<{ status: StatusRow; known: KnownAccounts }> {
  const viewerId = viewer?.accountId ?? null
  const cache = renderCacheOf(ctx.database)
  // Kept parts (usually of the version about to be read) leave them out of the statement, and the poll too when the
  // status has none; should the version read be another, the bundle loads them as for a page.
  const kept = cache.keptPartsOf(id)
  const withPoll = !kept || kept.parts.hasPoll
  const heldAuthor = kept ? cache.keptAccountView(kept.accountId) : undefined
  const { status, also } = await getVisibleStatusWith(ctx, viewerId, id, {
    shape: `to-render:${kept ? 'kept' : 'parts'}:${withPoll ? 'poll' : ''}:${heldAuthor ? 'held' : ''}`,
    args: { ...viewer && { staff: isStaff(viewer) }, ...heldAuthor && { heldAuthor: heldAuthor.row.id, heldAuthorVersion: heldAuthor.version } },
    columns: (b) => ({
      author: accountViewJsonSql(column('account_id'), heldAuthor ? { id: b.uuid(heldAuthor.row.id), version: b.value(heldAuthor.version) } : null),
      ...viewerStateColumns(ctx, b, viewerId ? [viewerId] : [], [id], sql`array[${column('conversation_id')}]`, [viewer]),
      ...(!kept && { parts: statusPartsJsonSql(column('id'), column('application_id')) }),
      ...(withPoll && {
        poll: sql<unknown>`(select json_build_array(row_to_json(p), ${viewerId
          ? sql`(select json_agg(v.choice order by v.choice) from ${pollVotes} v where v.poll_id = p.id and v.account_id = ${b.uuid(viewerId)})`
          : sql`null`}) from ${polls} p where p.status_id = ${column('id')})`,
      }),
    }),
  })
  const held = new Map<string, KeptAccountView>(heldAuthor ? [[heldAuthor.row.id, heldAuthor]] : [])
  const poll = withPoll ? json<[Record<string, unknown>, number[] | null] | null>(also.poll) : undefined
  return {
    status,
    known: {
      views: { read: accountViewsFromJson(accountViewAsList(also.author), held), held },
      status: {
        id: status.id,
        viewerId,
        parts: kept ? null : { version: status.renderVersion, parts: statusPartsFromJson(also.parts) },
        poll: poll === undefined ? undefined : poll && { poll: rowFromJson(polls, poll[0]) as PollRow, own: (poll[1] ?? []).map(Number) },
        state: viewerStateFrom({ pins: also.pins, viewers: also.viewers, reactions: also.reactions }, [viewer]),
      },
    },
  }
}
