import { and, eq, sql } from 'drizzle-orm'
import { conversationParticipations, conversationRecipients, type StatusRow } from '../../db/schema'
import { resultRows, type DbLike } from '../../db/client'
import { uuidParam } from '../../db/sql'
import { publishConversationUpdate } from '../events'
import type { Ctx } from '../context'
import { isId, newId, uuidToId } from '../ids'

/**
 * A new direct status updates its thread's participation for every local participant (the author and everyone it
 * addresses): created on first sight with the recipient set fixed then (Pleroma), or moved to this status, shown again
 * if it was hidden, and unread for everyone but the author. A participant who blocks the author is left alone.
 * One statement, inside the posting transaction.
 */
export async function recordDirectStatus(tx: DbLike, row: Pick<StatusRow, 'id' | 'accountId' | 'visibility' | 'conversationId'>, addressed: string[]): Promise<void> {
  if (row.visibility !== 'direct' || !row.conversationId) return
  const participants = [...new Set([row.accountId, ...addressed])]
  const author = uuidParam(row.accountId)
  const values = participants.map((accountId) => sql`(${uuidParam(newId())}, ${uuidParam(accountId)})`)
  const everyone = participants.map((accountId) => sql`(${uuidParam(accountId)})`)
  const result = await tx.execute(sql`
    with upserted as (
      insert into conversation_participations (id, account_id, conversation_id, last_status_id, unread, hidden)
      select p.id, p.account_id, ${uuidParam(row.conversationId)}, ${uuidParam(row.id)}, p.account_id <> ${author}, false
      from (values ${sql.join(values, sql`, `)}) as p(id, account_id)
      join users u on u.account_id = p.account_id
      where not exists (select 1 from blocks b where b.account_id = p.account_id and b.target_account_id = ${author})
      on conflict (account_id, conversation_id) do update
        set last_status_id = excluded.last_status_id, unread = excluded.unread, hidden = false, updated_at = now()
      returning id, account_id, (xmax = 0) as created
    ), fixed_recipients as (
      insert into conversation_recipients (participation_id, account_id)
      select upserted.id, r.account_id from upserted cross join (values ${sql.join(everyone, sql`, `)}) as r(account_id)
      where upserted.created
      on conflict do nothing
    )
    select account_id from upserted`)
  const updated = resultRows<{ account_id: string }>(result).map((r) => uuidToId(r.account_id))
  if (updated.length) await publishConversationUpdate(tx, row.conversationId, updated)
}

/**
 * Pleroma's `in_reply_to_conversation_id` names a participation: when it is one of the poster's, a reply goes to that
 * thread and to its (fixed, possibly edited) recipients. Null when the id is not the poster's participation.
 */
export async function participationAddressing(ctx: Ctx, accountId: string, participationId: string): Promise<{ conversationId: string; recipients: string[] } | null> {
  if (!isId(participationId)) return null
  const [participation] = await ctx.db.select({ id: conversationParticipations.id, conversationId: conversationParticipations.conversationId })
    .from(conversationParticipations)
    .where(and(eq(conversationParticipations.id, participationId), eq(conversationParticipations.accountId, accountId))).limit(1)
  if (!participation) return null
  const rows = await ctx.db.select({ accountId: conversationRecipients.accountId }).from(conversationRecipients)
    .where(eq(conversationRecipients.participationId, participation.id))
  return { conversationId: participation.conversationId, recipients: rows.map((r) => r.accountId).filter((id) => id !== accountId) }
}
