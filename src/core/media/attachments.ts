import { and, eq, inArray, isNull, notInArray, or, sql } from 'drizzle-orm'
import type { DbLike } from '../../db/client'
import { uuidParam } from '../../db/sql'
import { mediaAttachments, statusEdits, type MediaAttachmentRow, type MediaFocus } from '../../db/schema'
import type { Ctx } from '../context'
import { NotFoundError, ValidationError } from '../errors'
import { isId } from '../ids'
import { MEDIA_DESCRIPTION_LIMIT } from '../instance/limits'
import { mediaStorage } from './storage'
import { deleteStoredFiles, detectOrRefuse, readUploadedFile, storeThumbnail, storeUpload } from './upload'

export const ATTACHMENTS_FOLDER = 'attachments'

/** `POST /api/v{1,2}/media` and `PUT /api/v1/media/:id` parameters, as the request gave them. */
export interface MediaParams {
  file?: unknown
  description?: unknown
  focus?: unknown
  thumbnail?: unknown
}

/** `focus=x,y` with both in -1..1 (Mastodon's focal point); absent or empty → undefined. */
export function parseFocus(value: unknown): MediaFocus | undefined {
  if (value === undefined || value === null || value === '') return undefined
  const parts = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : null
  const [x, y] = (parts ?? []).map((p) => Number(String(p).trim()))
  if (parts?.length !== 2 || !Number.isFinite(x) || !Number.isFinite(y) || Math.abs(x) > 1 || Math.abs(y) > 1) {
    throw new ValidationError('Validation failed: Focus must be two numbers between -1.0 and 1.0, as "x,y"')
  }
  return { x, y }
}

/** The description (alt text); absent → undefined, empty → null. */
export function parseDescription(value: unknown): string | null | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw new ValidationError('Validation failed: Description is invalid')
  const text = value.trim()
  if (text.length > MEDIA_DESCRIPTION_LIMIT) {
    throw new ValidationError(`Validation failed: Description is too long (maximum is ${MEDIA_DESCRIPTION_LIMIT} characters)`)
  }
  return text || null
}

/**
 * Uploads a media attachment for `accountId`: the type comes from the bytes, images lose their metadata and get a
 * preview and blurhash; an optional image `thumbnail` becomes the preview. Unattached until a status uses it.
 */
export async function uploadMedia(ctx: Ctx, accountId: string, params: MediaParams): Promise<MediaAttachmentRow> {
  const limit = ctx.config.limits.uploadLimit
  const description = parseDescription(params.description)
  const focus = parseFocus(params.focus)
  const bytes = await readUploadedFile(params.file, 'File', limit)
  if (!bytes) throw new ValidationError("Validation failed: File can't be blank")
  const thumbnailBytes = await readUploadedFile(params.thumbnail, 'Thumbnail', limit)
  const detected = await detectOrRefuse(bytes, 'File')

  const storage = mediaStorage(ctx.config)
  const stored = await storeUpload(storage, ATTACHMENTS_FOLDER, bytes, detected)
  const written = [stored.fileKey, stored.previewKey]
  try {
    const thumbnail = thumbnailBytes ? await storeThumbnail(storage, ATTACHMENTS_FOLDER, thumbnailBytes) : null
    if (thumbnail) {
      written.push(thumbnail.previewKey)
      await deleteStoredFiles(storage, [stored.previewKey])
    }
    const small = thumbnail?.small ?? stored.small
    const [row] = await ctx.db.insert(mediaAttachments).values({
      accountId,
      type: stored.type,
      mimeType: stored.mime,
      fileKey: stored.fileKey,
      fileSize: stored.fileSize,
      previewKey: thumbnail?.previewKey ?? stored.previewKey,
      description: description ?? null,
      focus: focus ?? null,
      meta: { ...(stored.original ? { original: stored.original } : {}), ...(small ? { small } : {}) },
      blurhash: thumbnail?.blurhash ?? stored.blurhash,
    }).returning()
    return row
  } catch (e) {
    await deleteStoredFiles(storage, written)
    throw e
  }
}

/** The caller's own upload, attached or not; anyone else's (or an unknown id) is 404. */
export async function getOwnMedia(ctx: Ctx, accountId: string, id: string): Promise<MediaAttachmentRow> {
  if (!isId(id)) throw new NotFoundError()
  const [row] = await ctx.db.select().from(mediaAttachments)
    .where(and(eq(mediaAttachments.id, id), eq(mediaAttachments.accountId, accountId))).limit(1)
  if (!row) throw new NotFoundError()
  return row
}

/** `PUT /api/v1/media/:id`: description, focus and thumbnail of the caller's own upload; only given parameters change. */
export async function updateMedia(ctx: Ctx, accountId: string, id: string, params: MediaParams): Promise<MediaAttachmentRow> {
  const current = await getOwnMedia(ctx, accountId, id)
  const description = parseDescription(params.description)
  const focus = parseFocus(params.focus)
  const thumbnailBytes = await readUploadedFile(params.thumbnail, 'Thumbnail', ctx.config.limits.uploadLimit)
  const storage = mediaStorage(ctx.config)
  const thumbnail = thumbnailBytes ? await storeThumbnail(storage, ATTACHMENTS_FOLDER, thumbnailBytes) : null

  const changes: Partial<typeof mediaAttachments.$inferInsert> = {}
  if (description !== undefined) changes.description = description
  if (focus !== undefined) changes.focus = focus
  if (thumbnail) {
    changes.previewKey = thumbnail.previewKey
    changes.blurhash = thumbnail.blurhash
    changes.meta = { ...current.meta, small: thumbnail.small }
  }
  if (!Object.keys(changes).length) return current
  try {
    const [row] = await ctx.db.update(mediaAttachments).set({ ...changes, updatedAt: new Date() })
      .where(and(eq(mediaAttachments.id, current.id), eq(mediaAttachments.accountId, accountId))).returning()
    if (!row) throw new NotFoundError()
    if (thumbnail) await deleteStoredFiles(storage, [current.previewKey])
    return row
  } catch (e) {
    if (thumbnail) await deleteStoredFiles(storage, [thumbnail.previewKey])
    throw e
  }
}

const notAttachable = (ids: string[]) =>
  new ValidationError(`Validation failed: Media ${ids.slice(0, 8).join(', ')} not found or already attached to another post`)

/** `media_ids`: unique, in the order given, at most the configured number. */
export function normalizeMediaIds(ctx: Ctx, ids: string[] | undefined): string[] {
  const unique = [...new Set((ids ?? []).map((id) => id.trim()).filter(Boolean))]
  const max = ctx.config.limits.maxMediaAttachments
  if (unique.length > max) throw new ValidationError(`Validation failed: Cannot attach more than ${max} files`)
  return unique
}

/**
 * Checks that every id is the poster's own upload and free: not on any status, scheduled status or chat message, or already on
 * `statusId` (when editing it). Throws 422 naming the ones that are not.
 */
export async function checkAttachableMedia(db: DbLike, accountId: string, ids: string[], statusId: string | null = null): Promise<void> {
  if (!ids.length) return
  const valid = ids.filter(isId)
  const free = and(isNull(mediaAttachments.statusId), isNull(mediaAttachments.scheduledStatusId),
    sql`not exists (select 1 from chat_messages cm where cm.media_id = ${mediaAttachments.id})`)
  const rows = valid.length
    ? await db.select({ id: mediaAttachments.id }).from(mediaAttachments).where(and(
      inArray(mediaAttachments.id, valid),
      eq(mediaAttachments.accountId, accountId),
      statusId ? or(free, eq(mediaAttachments.statusId, statusId)) : free,
    ))
    : []
  const found = new Set(rows.map((r) => r.id))
  const missing = ids.filter((id) => !found.has(id))
  if (missing.length) throw notAttachable(missing)
}

/**
 * Makes `ids` (checked beforehand) exactly the media of `statusId`, in that order; media it had before and no longer
 * lists are detached (and so pruned later, unless an earlier revision still shows them). The update claims only free
 * media, so two statuses racing for the same upload cannot both get it: the loser's transaction fails with 422.
 */
export async function setStatusMedia(tx: DbLike, accountId: string, statusId: string, ids: string[]): Promise<void> {
  const keep = ids.filter(isId)
  await tx.update(mediaAttachments).set({ statusId: null, position: 0 })
    .where(and(eq(mediaAttachments.statusId, statusId), keep.length ? notInArray(mediaAttachments.id, keep) : undefined))
  if (!keep.length) return
  const position = sql<number>`case ${mediaAttachments.id} ${sql.join(keep.map((id, i) => sql`when ${uuidParam(id)} then ${i}::int`), sql` `)} end`
  const claimed = await tx.update(mediaAttachments).set({ statusId, position, updatedAt: new Date() })
    .where(and(
      inArray(mediaAttachments.id, keep),
      eq(mediaAttachments.accountId, accountId),
      isNull(mediaAttachments.scheduledStatusId),
      or(isNull(mediaAttachments.statusId), eq(mediaAttachments.statusId, statusId)),
    ))
    .returning({ id: mediaAttachments.id })
  if (claimed.length !== ids.length) {
    const got = new Set(claimed.map((r) => r.id))
    throw notAttachable(ids.filter((id) => !got.has(id)))
  }
}

/** The media of a status, in order. */
export async function statusMediaIds(db: DbLike, statusId: string): Promise<string[]> {
  const rows = await db.select({ id: mediaAttachments.id }).from(mediaAttachments)
    .where(eq(mediaAttachments.statusId, statusId)).orderBy(mediaAttachments.position, mediaAttachments.id)
  return rows.map((r) => r.id)
}

/** Media rows by id (any owner), for rendering what a status or an earlier revision showed. */
export async function loadMediaByIds(db: DbLike, ids: string[]): Promise<Map<string, MediaAttachmentRow>> {
  const valid = [...new Set(ids.filter(isId))]
  if (!valid.length) return new Map()
  const rows = await db.select().from(mediaAttachments).where(inArray(mediaAttachments.id, valid))
  return new Map(rows.map((r) => [r.id, r]))
}

/** A description and/or focal point to set on one of a status's media while editing it. */
export interface MediaEdit {
  id: string
  description?: string | null
  focus?: MediaFocus
}

/** Mastodon's `media_attributes[]` for the media a status keeps (others are ignored), checked as uploads are. */
export function readMediaEdits(attributes: { id: string; description?: unknown; focus?: unknown }[], mediaIds: string[]): MediaEdit[] {
  return attributes.filter((a) => mediaIds.includes(a.id)).map((a) => ({
    id: a.id,
    description: parseDescription(a.description),
    focus: parseFocus(a.focus),
  })).filter((e) => e.description !== undefined || e.focus !== undefined)
}

/** Applies media edits to the poster's media that are free or on `statusId`; true when anything changed. */
export async function updateMediaDetails(tx: DbLike, accountId: string, statusId: string, edits: MediaEdit[]): Promise<boolean> {
  let changed = false
  for (const edit of edits) {
    const set: Partial<typeof mediaAttachments.$inferInsert> = {}
    const differs = []
    if (edit.description !== undefined) {
      set.description = edit.description
      differs.push(sql`${mediaAttachments.description} is distinct from ${edit.description}`)
    }
    if (edit.focus !== undefined) {
      set.focus = edit.focus
      differs.push(sql`${mediaAttachments.focus} is distinct from ${JSON.stringify(edit.focus)}::jsonb`)
    }
    const rows = await tx.update(mediaAttachments).set({ ...set, updatedAt: new Date() })
      .where(and(
        eq(mediaAttachments.id, edit.id),
        eq(mediaAttachments.accountId, accountId),
        or(isNull(mediaAttachments.statusId), eq(mediaAttachments.statusId, statusId)),
        or(...differs),
      ))
      .returning({ id: mediaAttachments.id })
    changed ||= rows.length > 0
  }
  return changed
}

/** Which of `ids` an earlier revision of some status still lists (status_edits.media_ids holds API ids). */
export async function shownInEarlierRevisions(ctx: Ctx, ids: string[]): Promise<Set<string>> {
  const list = sql`array[${sql.join(ids.map((id) => sql`${id}`), sql`, `)}]::text[]`
  const rows = await ctx.db.select({ mediaIds: statusEdits.mediaIds }).from(statusEdits)
    .where(sql`${statusEdits.mediaIds} ?| ${list}`)
  const wanted = new Set(ids)
  return new Set(rows.flatMap((r) => r.mediaIds).filter((id) => wanted.has(id)))
}

/** `DELETE /api/v1/media/:id` (Mastodon 4.4): the caller's own upload, with its files, unless a status uses or showed it. */
export async function deleteMedia(ctx: Ctx, accountId: string, id: string): Promise<void> {
  const row = await getOwnMedia(ctx, accountId, id)
  const inUse = () => new ValidationError('Media attachment is currently used by a status')
  if (row.statusId || row.scheduledStatusId || (await shownInEarlierRevisions(ctx, [row.id])).size) throw inUse()
  const [gone] = await ctx.db.delete(mediaAttachments)
    .where(and(eq(mediaAttachments.id, row.id), isNull(mediaAttachments.statusId), isNull(mediaAttachments.scheduledStatusId)))
    .returning({ fileKey: mediaAttachments.fileKey, previewKey: mediaAttachments.previewKey })
  if (!gone) throw inUse()
  await deleteStoredFiles(mediaStorage(ctx.config), [gone.fileKey, gone.previewKey])
}
