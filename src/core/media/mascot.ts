import { eq } from 'drizzle-orm'
import { users } from '../../db/schema'
import { blendPixel, createRaster, encodePng, segmentDistance } from '../accounts/png'
import type { Ctx } from '../context'
import { AppError, NotFoundError, ValidationError } from '../errors'
import { newId } from '../ids'
import { detectMediaType } from './detect'
import { keyFromUrl, mediaStorage } from './storage'
import { deleteStoredFiles, readUploadedFile, storeUpload, type StoredUpload } from './upload'

/** Where the default mascot is served: Pleroma's path, which frontends and Pleroma's own tests expect. */
export const DEFAULT_MASCOT_PATH = '/images/pleroma-fox-tan-smol.png'
const MASCOTS_FOLDER = 'mascots'

export type MascotEntity = Record<string, unknown>

/** A stored mascot file as an attachment, for the caller to turn into the entity kept in `users.mascot`. */
export interface MascotFile extends StoredUpload {
  id: string
}

/** Pleroma's answer for users without a mascot: the instance default. */
export function defaultMascot(baseUrl: string): MascotEntity {
  const url = `${baseUrl}${DEFAULT_MASCOT_PATH}`
  return { id: 'default-mascot', type: 'image', url, preview_url: url, pleroma: { mime_type: 'image/png' } }
}

/** `GET /api/v1/pleroma/mascot`. */
export async function getMascot(ctx: Ctx, userId: string): Promise<MascotEntity> {
  const [row] = await ctx.db.select({ mascot: users.mascot }).from(users).where(eq(users.id, userId)).limit(1)
  if (!row) throw new NotFoundError()
  return row.mascot ?? defaultMascot(ctx.config.baseUrl)
}

/**
 * `PUT /api/v1/pleroma/mascot`: stores an image (anything else is 415, as in Pleroma) and keeps `toEntity(file)` as the
 * user's mascot; the previous mascot's files are deleted.
 */
export async function setMascot(ctx: Ctx, userId: string, file: unknown, toEntity: (file: MascotFile) => object): Promise<MascotEntity> {
  const bytes = await readUploadedFile(file, 'File', ctx.config.limits.uploadLimit)
  if (!bytes) throw new ValidationError("Validation failed: File can't be blank")
  const detected = await detectMediaType(bytes)
  if (!detected || detected.type !== 'image') throw new AppError(415, 'mascots can only be images')
  const storage = mediaStorage(ctx.config)
  const stored = await storeUpload(storage, MASCOTS_FOLDER, bytes, detected, 'File')
  const entity = { ...toEntity({ ...stored, id: newId() }) } as MascotEntity
  let previous: MascotEntity | null = null
  try {
    previous = await ctx.db.transaction(async (tx) => {
      const [before] = await tx.select({ mascot: users.mascot }).from(users).where(eq(users.id, userId)).for('update')
      if (!before) throw new NotFoundError()
      await tx.update(users).set({ mascot: entity, updatedAt: new Date() }).where(eq(users.id, userId))
      return before.mascot
    })
  } catch (e) {
    await deleteStoredFiles(storage, [stored.fileKey, stored.previewKey])
    throw e
  }
  if (previous) {
    const urls = [previous.url, previous.preview_url].filter((u): u is string => typeof u === 'string')
    await deleteStoredFiles(storage, [...new Set(urls.map((u) => keyFromUrl(storage, u)))])
  }
  return entity
}

let defaultPng: Buffer | null = null

/** A 200×200 rook on a pale sky, drawn once; the instance's default mascot picture. */
export function defaultMascotPng(): Buffer {
  if (defaultPng) return defaultPng
  const size = 200
  const r = createRaster(size, size, [226, 233, 243])
  const ink: [number, number, number] = [38, 40, 52]
  const beak: [number, number, number] = [196, 200, 210]
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const body = 1 - Math.hypot((x - 95) / 58, (y - 120) / 44)
      const head = 30 - Math.hypot(x - 138, y - 78)
      const tail = 9 - segmentDistance(x, y, 50, 130, 18, 162)
      const legs = Math.max(3 - segmentDistance(x, y, 90, 160, 86, 186), 3 - segmentDistance(x, y, 108, 160, 112, 186))
      blendPixel(r, x, y, ink, Math.max(body * 44, head, tail, legs) + 0.5)
      blendPixel(r, x, y, beak, 7 - segmentDistance(x, y, 160, 80, 186, 90) + 0.5)
      blendPixel(r, x, y, [255, 255, 255], 4 - Math.hypot(x - 146, y - 70) + 0.5)
    }
  }
  return (defaultPng = encodePng(r))
}
