import { and, asc, count, eq, isNull } from 'drizzle-orm'
import { bookmarkFolders, customEmojis } from '../../db/schema'
import type { Ctx } from '../context'
import { emojiUrl } from '../emoji/paths'
import { findLocalEmoji } from '../emoji/queries'
import { NotFoundError, ValidationError } from '../errors'
import { isId } from '../ids'
import { parseReactionEmoji } from '../reactions/emoji'

export type BookmarkFolderRow = typeof bookmarkFolders.$inferSelect

/** A folder as listed: with its custom emoji's image when the emoji is one. */
export interface BookmarkFolder extends BookmarkFolderRow {
  emojiUrl: string | null
}

export const MAX_FOLDERS = 100
const MAX_NAME_LENGTH = 100

const given = (value: unknown) => value !== undefined && value !== null

function readName(value: unknown): string {
  const name = typeof value === 'string' || typeof value === 'number' ? String(value).trim() : ''
  if (!name) throw new ValidationError("Validation failed: Name can't be blank")
  if (name.length > MAX_NAME_LENGTH) throw new ValidationError(`Validation failed: Name is too long (maximum is ${MAX_NAME_LENGTH} characters)`)
  return name
}

/** A folder's emoji: one unicode emoji or an enabled local custom emoji; an empty value clears it. */
async function readEmoji(ctx: Ctx, value: unknown): Promise<string | null> {
  if (value === '') return null
  const parsed = parseReactionEmoji(value)
  if (!parsed) throw new ValidationError('Validation failed: Emoji is invalid')
  if (parsed.kind === 'unicode') return parsed.emoji
  const custom = await findLocalEmoji(ctx.db, parsed.shortcode)
  if (!custom) throw new ValidationError('Validation failed: Emoji is invalid')
  return custom.shortcode
}

/** The owner's folders, oldest first, each with its emoji's image in the same query. */
export async function ownFolders(ctx: Ctx, ownerId: string, id?: string): Promise<BookmarkFolder[]> {
  const rows = await ctx.db.select({ folder: bookmarkFolders, fileKey: customEmojis.fileKey }).from(bookmarkFolders)
    .leftJoin(customEmojis, and(eq(customEmojis.shortcode, bookmarkFolders.emoji), isNull(customEmojis.domain), eq(customEmojis.disabled, false)))
    .where(and(eq(bookmarkFolders.accountId, ownerId), id ? eq(bookmarkFolders.id, id) : undefined))
    .orderBy(asc(bookmarkFolders.id))
  return rows.map((r) => ({ ...r.folder, emojiUrl: r.fileKey ? emojiUrl(ctx.config.baseUrl, r.fileKey) : null }))
}

/** One of the owner's folders; someone else's, unknown and malformed ids are all 404. */
export async function getOwnFolder(ctx: Ctx, ownerId: string, id: unknown): Promise<BookmarkFolder> {
  if (typeof id !== 'string' || !isId(id)) throw new NotFoundError('Bookmark folder not found')
  const [row] = await ownFolders(ctx, ownerId, id)
  if (!row) throw new NotFoundError('Bookmark folder not found')
  return row
}

const NAME_TAKEN = 'Validation failed: Name has already been taken'

export async function createFolder(ctx: Ctx, ownerId: string, input: { name?: unknown; emoji?: unknown }): Promise<BookmarkFolder> {
  const name = readName(input.name)
  const emoji = given(input.emoji) ? await readEmoji(ctx, input.emoji) : null
  const id = await ctx.db.transaction(async (tx) => {
    const [{ n }] = await tx.select({ n: count() }).from(bookmarkFolders).where(eq(bookmarkFolders.accountId, ownerId))
    if (n >= MAX_FOLDERS) throw new ValidationError(`Validation failed: at most ${MAX_FOLDERS} bookmark folders are allowed`)
    const [row] = await tx.insert(bookmarkFolders).values({ accountId: ownerId, name, emoji }).onConflictDoNothing().returning({ id: bookmarkFolders.id })
    if (!row) throw new ValidationError(NAME_TAKEN)
    return row.id
  })
  return getOwnFolder(ctx, ownerId, id)
}

export async function updateFolder(ctx: Ctx, ownerId: string, id: unknown, input: { name?: unknown; emoji?: unknown }): Promise<BookmarkFolder> {
  const folder = await getOwnFolder(ctx, ownerId, id)
  const patch: Partial<BookmarkFolderRow> = { updatedAt: new Date() }
  if (given(input.name)) patch.name = readName(input.name)
  if (given(input.emoji)) patch.emoji = await readEmoji(ctx, input.emoji)
  if (patch.name && patch.name !== folder.name) {
    const [taken] = await ctx.db.select({ id: bookmarkFolders.id }).from(bookmarkFolders)
      .where(and(eq(bookmarkFolders.accountId, ownerId), eq(bookmarkFolders.name, patch.name))).limit(1)
    if (taken) throw new ValidationError(NAME_TAKEN)
  }
  // A concurrent rename to the same name still fails on the unique index, as a 422.
  await ctx.db.update(bookmarkFolders).set(patch).where(eq(bookmarkFolders.id, folder.id))
  return getOwnFolder(ctx, ownerId, folder.id)
}

/** Deletes a folder; its bookmarks stay, unfiled. Answers the folder as it was. */
export async function deleteFolder(ctx: Ctx, ownerId: string, id: unknown): Promise<BookmarkFolder> {
  const folder = await getOwnFolder(ctx, ownerId, id)
  await ctx.db.delete(bookmarkFolders).where(eq(bookmarkFolders.id, folder.id))
  return folder
}
