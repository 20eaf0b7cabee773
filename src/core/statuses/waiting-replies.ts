import { eq, sql } from 'drizzle-orm'
import type { DbLike } from '../../db/client'
import { statuses, type StatusRow } from '../../db/schema'
import { uuidParam } from '../../db/sql'

type Parent = Pick<StatusRow, 'id' | 'uri' | 'accountId' | 'conversationId' | 'inReplyToId' | 'reblogOfId'>

/**
 * A parent and a reply waiting for it may be stored at the same moment (the inbox works on several activities at
 * once, and several processes may): each would miss the other's uncommitted row. Both take this lock on the parent's
 * URI until they commit, so whichever comes second sees the first.
 */
const lockParentUri = (tx: DbLike, uri: string) => tx.execute(sql`select pg_advisory_xact_lock(hashtext(${uri}))`)

/**
 * Replies stored before their parent could be had (followers-only parent refused to our fetch, its host down) name
 * it by URI. When a status with that URI is stored, they become its replies as if it had been there: parent and its
 * author set, a non-direct reply joins the parent's thread (thread mutes), and the parent's `replies_count` counts
 * those that count as replies. Only an exact URI match links, so the stored status's own origin check stands for
 * both. One statement, in the storing transaction.
 */
export async function linkWaitingReplies(tx: DbLike, parent: Parent): Promise<void> {
  if (!parent.uri || parent.reblogOfId) return
  await lockParentUri(tx, parent.uri)
  const parentId = uuidParam(parent.id)
  const conversation = parent.conversationId ? uuidParam(parent.conversationId) : sql`null::uuid`
  // a reply the parent itself answers would close a loop
  const notItsParent = parent.inReplyToId ? sql`and r.id <> ${uuidParam(parent.inReplyToId)}` : sql``
  await tx.execute(sql`
    with linked as (
      update statuses r set
        in_reply_to_id = ${parentId},
        in_reply_to_account_id = ${uuidParam(parent.accountId)},
        conversation_id = case when r.visibility = 'direct' then r.conversation_id else coalesce(${conversation}, r.conversation_id) end
      where r.in_reply_to_uri = ${parent.uri} and r.in_reply_to_id is null and r.reblog_of_id is null
        and r.id <> ${parentId} ${notItsParent}
      returning r.visibility
    )
    update statuses p set replies_count = p.replies_count + n.replies
    -- the visibilities countsAsReply counts
    from (select count(*)::int as replies from linked where visibility in ('public', 'unlisted', 'local')) n
    where p.id = ${parentId} and n.replies > 0`)
}

/** A reply just stored without its parent: joins the parent if that was stored meanwhile (see `lockParentUri`). */
export async function joinParentStoredMeanwhile(tx: DbLike, reply: Pick<StatusRow, 'inReplyToUri' | 'inReplyToId'>): Promise<void> {
  if (!reply.inReplyToUri || reply.inReplyToId) return
  await lockParentUri(tx, reply.inReplyToUri)
  const [parent] = await tx.select({
    id: statuses.id, uri: statuses.uri, accountId: statuses.accountId, conversationId: statuses.conversationId,
    inReplyToId: statuses.inReplyToId, reblogOfId: statuses.reblogOfId,
  }).from(statuses).where(eq(statuses.uri, reply.inReplyToUri)).limit(1)
  if (parent) await linkWaitingReplies(tx, parent)
}
