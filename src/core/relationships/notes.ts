import { and, eq } from 'drizzle-orm'
import { accountNotes, type AccountRow } from '../../db/schema'
import type { Ctx } from '../context'
import { ValidationError } from '../errors'

export const MAX_NOTE_CHARS = 2000

/** The actor's private note on an account (Relationship `note`); a blank comment removes it. */
export async function setAccountNote(ctx: Ctx, actorId: string, target: AccountRow, comment: unknown): Promise<void> {
  if (comment !== undefined && comment !== null && typeof comment !== 'string') throw new ValidationError('Validation failed: comment must be text')
  const text = (comment ?? '').trim() ? String(comment) : ''
  if ([...text].length > MAX_NOTE_CHARS) throw new ValidationError(`Validation failed: Comment is too long (maximum is ${MAX_NOTE_CHARS} characters)`)
  if (!text) {
    await ctx.db.delete(accountNotes).where(and(eq(accountNotes.accountId, actorId), eq(accountNotes.targetAccountId, target.id)))
    return
  }
  await ctx.db.insert(accountNotes).values({ accountId: actorId, targetAccountId: target.id, comment: text })
    .onConflictDoUpdate({ target: [accountNotes.accountId, accountNotes.targetAccountId], set: { comment: text } })
}

