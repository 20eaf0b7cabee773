import { sql } from 'drizzle-orm'
import { isStaff } from '../../core/accounts/queries'
import type { Ctx } from '../../core/context'
import type { Viewer } from '../../core/oauth/authenticate'
import { getVisibleStatusWithAuthor } from '../../core/visibility'
import { pollVotes, polls, type StatusRow } from '../../db/schema'
import { rowFromJson } from '../../db/sql'
import { statusPartsFromJson, statusPartsJsonSql, viewerStateColumns, viewerStateFrom, type KnownAccounts, type PollRow } from './bundle'
import { renderCacheOf } from './cache'

const column = (name: string) => sql.raw(`"statuses"."${name}"`)
const json = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T

/**
 * A status the viewer may see, read through the visibility rule with its author (`getVisibleStatusWithAuthor`) and,
 * in the same statement, what rendering it takes besides: its parts unless the render cache keeps some, its poll with
 * the viewer's own choices unless the kept parts say it has none, the viewer's favourite, reblog, bookmark, thread
 * mute, filters and reactions, and its pin. A reply still asks whether the viewer may see its parent in a statement of its own (the
 * rule once more in this one cost every status a third more database time), and a reblog or a quote loads the
 * statuses it points at, and their state with them, as a page does.
 */
export async function readStatusToRender(ctx: Ctx, viewer: Viewer | null, id: string): Promise<{ status: StatusRow; known: KnownAccounts }> {
  const viewerId = viewer?.accountId ?? null
  // Kept parts (usually of the version about to be read) leave them out of the statement, and the poll too when the
  // status has none; should the version read be another, the bundle loads them as for a page.
  const kept = renderCacheOf(ctx.database).keptPartsOf(id)
  const withPoll = !kept || kept.parts.hasPoll
  const { status, account, user, also } = await getVisibleStatusWithAuthor(ctx, viewerId, id, {
    shape: `to-render:${kept ? 'kept' : 'parts'}:${withPoll ? 'poll' : ''}`,
    args: viewer ? { staff: isStaff(viewer) } : {},
    columns: (b) => ({
      ...viewerStateColumns(ctx, b, viewerId ? [viewerId] : [], [id], sql`array[${column('conversation_id')}]`, [viewer]),
      ...(!kept && { parts: statusPartsJsonSql(column('id'), column('application_id')) }),
      ...(withPoll && {
        poll: sql<unknown>`(select json_build_array(row_to_json(p), ${viewerId
          ? sql`(select json_agg(v.choice order by v.choice) from ${pollVotes} v where v.poll_id = p.id and v.account_id = ${b.uuid(viewerId)})`
          : sql`null`}) from ${polls} p where p.status_id = ${column('id')})`,
      }),
    }),
  })
  const poll = withPoll ? json<[Record<string, unknown>, number[] | null] | null>(also.poll) : undefined
  return {
    status,
    known: {
      rows: [account],
      users: new Map([[account.id, user]]),
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
