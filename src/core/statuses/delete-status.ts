import { eq } from 'drizzle-orm'
import type { DbLike } from '../../db/client'
import { statuses, type StatusRow } from '../../db/schema'
import type { Ctx } from '../context'
import { NotFoundError } from '../errors'
import { enqueueStatusPublish, interactedRemoteAccountIds } from '../federation/statuses'
import { loadDeletionFacts, publishDeletion } from '../streaming/deletion'
import { bumpAuthorStatuses, bumpStatusCounter } from './counters'
import { getOwnStatus } from './queries'
import { rememberDeletion } from './tombstones'
import { countsAsReply, countsPublicly } from './validate'

/**
 * Deletes a status row and undoes what it added to counters, only if this call really deleted it.
 * Reblogs of it go too; replies stay, their `in_reply_to_id` now pointing nowhere. Streaming clients hear `delete`.
 * With `federate`, a local status's Delete is queued for the servers that received it, in the same transaction.
 */
export async function removeStatus(tx: DbLike, id: string, federate?: Ctx): Promise<StatusRow | null> {
  const deletion = await loadDeletionFacts(tx, id)
  // Favourites and reblogs go with the row; who made them is read first. Private and direct statuses were only
  // ever seen by followers and addressees, who get the Delete anyway.
  const interactedIds = federate ? await interactedRemoteAccountIds(tx, id) : []
  const [gone] = await tx.delete(statuses).where(eq(statuses.id, id)).returning()
  if (!gone) return null
  await publishDeletion(tx, gone, deletion)
  await rememberDeletion(tx, gone)
  if (federate && gone.uri) {
    const interacted = gone.visibility === 'public' || gone.visibility === 'unlisted' ? interactedIds : []
    await enqueueStatusPublish(federate, tx, gone, [...deletion.mentions, ...interacted], {
      type: 'status.delete', statusId: gone.id, accountId: gone.accountId, uri: gone.uri, visibility: gone.visibility,
      addressedIds: deletion.mentions,
      interactedIds: interacted,
    })
  }
  if (countsPublicly(gone.visibility)) await bumpAuthorStatuses(tx, gone.accountId, -1)
  if (gone.inReplyToId && countsAsReply(gone.visibility)) await bumpStatusCounter(tx, gone.inReplyToId, 'repliesCount', -1)
  if (gone.reblogOfId) await bumpStatusCounter(tx, gone.reblogOfId, 'reblogsCount', -1)
  if (gone.quoteId) await bumpStatusCounter(tx, gone.quoteId, 'quotesCount', -1)
  const reblogs = await tx.delete(statuses).where(eq(statuses.reblogOfId, gone.id)).returning()
  for (const r of reblogs) await publishDeletion(tx, r)
  const perAuthor = new Map<string, number>()
  for (const r of reblogs) if (countsPublicly(r.visibility)) perAuthor.set(r.accountId, (perAuthor.get(r.accountId) ?? 0) + 1)
  for (const [accountId, n] of perAuthor) await bumpAuthorStatuses(tx, accountId, -n)
  return gone
}

/** `DELETE /api/v1/statuses/:id`: the author's own status (hidden → 404, someone else's → 403). */
export async function deleteStatus(ctx: Ctx, accountId: string, id: string): Promise<StatusRow> {
  const status = await getOwnStatus(ctx, accountId, id)
  const gone = await ctx.db.transaction((tx) => removeStatus(tx, status.id, ctx))
  if (!gone) throw new NotFoundError()
  return gone
}
