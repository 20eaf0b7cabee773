import { and, asc, count, eq } from 'drizzle-orm'
import { accounts, lists, type RepliesPolicy } from '../../db/schema'
import type { Ctx } from '../context'
import { NotFoundError, ValidationError } from '../errors'
import { isId } from '../ids'
import { isGiven, parseBool } from '../params'

export type ListRow = typeof lists.$inferSelect

/** Mastodon's per-account limit on lists. */
export const MAX_LISTS = 50
const MAX_TITLE_LENGTH = 256
const REPLIES_POLICIES: RepliesPolicy[] = ['followed', 'list', 'none']

export interface ListParams {
  title?: unknown
  replies_policy?: unknown
  exclusive?: unknown
}

function readTitle(value: unknown): string {
  const title = typeof value === 'string' || typeof value === 'number' ? String(value).trim() : ''
  if (!title) throw new ValidationError("Validation failed: Title can't be blank")
  if (title.length > MAX_TITLE_LENGTH) throw new ValidationError(`Validation failed: Title is too long (maximum is ${MAX_TITLE_LENGTH} characters)`)
  return title
}

function readRepliesPolicy(value: unknown): RepliesPolicy {
  if (!REPLIES_POLICIES.includes(value as RepliesPolicy)) throw new ValidationError('Validation failed: Replies policy is not included in the list')
  return value as RepliesPolicy
}

function readExclusive(value: unknown): boolean {
  const exclusive = parseBool(value)
  if (exclusive === undefined) throw new ValidationError('Validation failed: Exclusive is not a boolean')
  return exclusive
}


/** The owner's lists, oldest first as Mastodon orders them. */
export function ownLists(ctx: Ctx, ownerId: string): Promise<ListRow[]> {
  return ctx.db.select().from(lists).where(eq(lists.accountId, ownerId)).orderBy(asc(lists.id))
}

/** One of the owner's lists; someone else's, unknown and malformed ids are all 404. */
export async function getOwnList(ctx: Ctx, ownerId: string, id: string): Promise<ListRow> {
  if (!isId(id)) throw new NotFoundError()
  const [row] = await ctx.db.select().from(lists).where(and(eq(lists.id, id), eq(lists.accountId, ownerId))).limit(1)
  if (!row) throw new NotFoundError()
  return row
}

export async function createList(ctx: Ctx, ownerId: string, params: ListParams): Promise<ListRow> {
  const title = readTitle(params.title)
  const repliesPolicy = isGiven(params.replies_policy) ? readRepliesPolicy(params.replies_policy) : 'list'
  const exclusive = isGiven(params.exclusive) ? readExclusive(params.exclusive) : false
  return ctx.db.transaction(async (tx) => {
    // Serialises concurrent creations by the same owner so the limit holds.
    await tx.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, ownerId)).for('update')
    const [{ n }] = await tx.select({ n: count() }).from(lists).where(eq(lists.accountId, ownerId))
    if (n >= MAX_LISTS) throw new ValidationError(`Validation failed: You cannot create more than ${MAX_LISTS} lists`)
    const [row] = await tx.insert(lists).values({ accountId: ownerId, title, repliesPolicy, exclusive }).returning()
    return row
  })
}

/** Changes only what is given (Mastodon's PUT takes any subset). */
export async function updateList(ctx: Ctx, ownerId: string, id: string, params: ListParams): Promise<ListRow> {
  const list = await getOwnList(ctx, ownerId, id)
  const changes: Partial<ListRow> = {}
  if (params.title !== undefined) changes.title = readTitle(params.title)
  if (isGiven(params.replies_policy)) changes.repliesPolicy = readRepliesPolicy(params.replies_policy)
  if (isGiven(params.exclusive)) changes.exclusive = readExclusive(params.exclusive)
  if (!Object.keys(changes).length) return list
  const [row] = await ctx.db.update(lists).set({ ...changes, updatedAt: new Date() })
    .where(and(eq(lists.id, list.id), eq(lists.accountId, ownerId))).returning()
  if (!row) throw new NotFoundError()
  return row
}

/** Deletes the list and its memberships; statuses addressed to it remain visible to their author and mentioned accounts. */
export async function deleteList(ctx: Ctx, ownerId: string, id: string): Promise<void> {
  if (!isId(id)) throw new NotFoundError()
  const gone = await ctx.db.delete(lists).where(and(eq(lists.id, id), eq(lists.accountId, ownerId))).returning({ id: lists.id })
  if (!gone.length) throw new NotFoundError()
}

/** Whether `listId` names one of the account's lists (for `visibility=list:ID`). */
export async function ownsList(ctx: Ctx, ownerId: string, listId: string | null): Promise<boolean> {
  if (!listId || !isId(listId)) return false
  const [row] = await ctx.db.select({ id: lists.id }).from(lists).where(and(eq(lists.id, listId), eq(lists.accountId, ownerId))).limit(1)
  return !!row
}
