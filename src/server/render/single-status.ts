import { sql } from 'drizzle-orm'
import type { Ctx } from '../../core/context'
import type { Viewer } from '../../core/oauth/authenticate'
import { getVisibleStatusWithAuthor, visibleWithReblogSql } from '../../core/visibility'
import { pollVotes, polls, statuses, type StatusRow } from '../../db/schema'
import { rowFromJson } from '../../db/sql'
import { statusPartsFromJson, statusPartsJsonSql, viewerStateColumns, viewerStateFrom, type KnownAccounts, type PollRow } from './bundle'
import { renderCacheOf } from './cache'

const column = (name: string) => sql.raw(`"statuses"."${name}"`)
const json = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T

/**
 * A status the viewer may see, read through the visibility rule with its author (`getVisibleStatusWithAuthor`) and,
 * in the same statement, what rendering it takes besides: its parts unless the render cache holds those of the
 * version read, its poll with the viewer's own choices, whether the viewer may see the status it replies to, the
 * viewer's favourite, reblog, bookmark, thread mute, filters and reactions, and its pin. A reblog or a quote still
 * loads the statuses it points at, and their state with them, as a page does.
 */
export async function readStatusToRender(ctx: Ctx, viewer: Viewer | null, id: string): Promise<{ status: StatusRow; known: KnownAccounts }> {
  const viewerId = viewer?.accountId ?? null
  const keptVersion = renderCacheOf(ctx.database).keptVersion(id)
  const { status, account, user, also } = await getVisibleStatusWithAuthor(ctx, viewerId, id, {
    shape: 'to-render',
    columns: (b) => {
      const viewerUuid = viewerId ? b.uuid(viewerId) : null
      return {
        ...viewerStateColumns(ctx, b, viewerId ? [viewerId] : [], [id], sql`array[${column('conversation_id')}]`, [viewer]),
        parts: sql<unknown>`case when ${column('render_version')} = ${b.value(keptVersion ?? -1)}::int then null
          else ${statusPartsJsonSql(column('id'), column('application_id'))} end`,
        poll: sql<unknown>`(select json_build_array(row_to_json(p), ${viewerUuid
          ? sql`(select json_agg(v.choice order by v.choice) from ${pollVotes} v where v.poll_id = p.id and v.account_id = ${viewerUuid})`
          : sql`null`}) from ${polls} p where p.status_id = ${column('id')})`,
        parentVisible: sql<unknown>`(${column('in_reply_to_id')} is not null and exists (select 1 from ${statuses} parent
          where parent.id = ${column('in_reply_to_id')} and ${visibleWithReblogSql(viewerUuid, 'parent')}))`,
      }
    },
  })
  const poll = json<[Record<string, unknown>, number[] | null] | null>(also.poll)
  return {
    status,
    known: {
      rows: [account],
      users: new Map([[account.id, user]]),
      status: {
        id: status.id,
        viewerId,
        parts: also.parts === null ? null : { version: status.renderVersion, parts: statusPartsFromJson(also.parts) },
        poll: poll && { poll: rowFromJson(polls, poll[0]) as PollRow, own: (poll[1] ?? []).map(Number) },
        parentVisible: also.parentVisible === true || also.parentVisible === 't',
        state: viewerStateFrom({ pins: also.pins, viewers: also.viewers, reactions: also.reactions }, [viewer]),
      },
    },
  }
}
