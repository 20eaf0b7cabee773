import { randomBytes } from 'node:crypto'
import type { MediaType } from '../../db/schema'
import { ValidationError } from '../errors'
import { detectMediaType, type DetectedType } from './detect'
import { ImageError, MAX_DECODED_PIXELS, metaSize, processImage, type MetaSize } from './image'
import { readImageHeader, stripImageMetadata } from './metadata'
import { newStorageKey, type MediaStorage } from './storage'

/** A file as stored: the cleaned original, and for images a JPEG preview, with what Mastodon's `meta` needs. */
export interface StoredUpload {
  type: MediaType
  mime: string
  fileKey: string
  fileSize: number
  previewKey: string | null
  original: MetaSize | null
  small: MetaSize | null
  blurhash: string | null
}

/** A processed thumbnail (a custom preview for any media): a JPEG plus its size and blurhash. */
export interface StoredPreview {
  previewKey: string
  small: MetaSize
  blurhash: string
}

const MIB = 1024 * 1024
const readableSize = (bytes: number) => (bytes >= MIB ? `${Math.round((bytes / MIB) * 10) / 10} MB` : `${Math.ceil(bytes / 1024)} KB`)

/**
 * The bytes of a multipart file parameter. Absent → null; a plain string (or anything but a file) → 422;
 * larger than `maxBytes` → 422, as Mastodon answers.
 */
export async function readUploadedFile(value: unknown, name: string, maxBytes: number): Promise<Uint8Array | null> {
  if (value === undefined || value === null) return null
  if (!(value instanceof Blob)) throw new ValidationError(`Validation failed: ${name} must be a file upload`)
  if (value.size > maxBytes) {
    throw new ValidationError(`Validation failed: ${name} file size must be less than ${readableSize(maxBytes)}`, { error_code: 'ERR_TOO_LARGE' })
  }
  if (value.size === 0) throw new ValidationError(`Validation failed: ${name} is empty`)
  return new Uint8Array(await value.arrayBuffer())
}

/** Detects the type from the bytes; unsupported types are refused with 422 (or whatever `refuse` throws). */
export async function detectOrRefuse(bytes: Uint8Array, name: string): Promise<DetectedType> {
  const detected = await detectMediaType(bytes)
  if (!detected) throw new ValidationError(`Validation failed: ${name} has an unsupported file type`, { error_code: 'ERR_UNSUPPORTED_TYPE' })
  return detected
}

async function imageOrRefuse(mime: string, bytes: Uint8Array, name: string) {
  try {
    return await processImage(mime, bytes)
  } catch (e) {
    if (e instanceof ImageError) throw new ValidationError(`Validation failed: ${name}: ${e.message}`)
    throw e
  }
}

/**
 * Stores an upload under `folder`: images without their metadata plus a JPEG preview and blurhash; audio and video as
 * they are. If writing the preview fails, the original is removed again.
 */
export async function storeUpload(storage: MediaStorage, folder: string, bytes: Uint8Array, detected: DetectedType, name = 'File'): Promise<StoredUpload> {
  const base = randomBytes(16).toString('hex')
  const fileKey = newStorageKey(folder, detected.ext, base)
  if (detected.type !== 'image') {
    await storage.put(fileKey, bytes, detected.mime)
    return { type: detected.type, mime: detected.mime, fileKey, fileSize: bytes.length, previewKey: null, original: null, small: null, blurhash: null }
  }
  const image = await imageOrRefuse(detected.mime, bytes, name)
  const previewKey = image.small ? newStorageKey(folder, 'jpg', `${base}-small`) : null
  await storage.put(fileKey, image.original, detected.mime)
  try {
    if (previewKey && image.small) await storage.put(previewKey, image.small, 'image/jpeg')
  } catch (e) {
    await storage.delete(fileKey).catch(() => {})
    throw e
  }
  return {
    type: 'image',
    mime: detected.mime,
    fileKey,
    fileSize: image.original.length,
    previewKey,
    original: image.originalMeta,
    small: image.smallMeta,
    blurhash: image.blurhash,
  }
}

/** Stores a custom thumbnail (which must be an image) as a JPEG preview. */
export async function storeThumbnail(storage: MediaStorage, folder: string, bytes: Uint8Array): Promise<StoredPreview> {
  const detected = await detectOrRefuse(bytes, 'Thumbnail')
  if (detected.type !== 'image') throw new ValidationError('Validation failed: Thumbnail must be an image', { error_code: 'ERR_UNSUPPORTED_TYPE' })
  const image = await imageOrRefuse(detected.mime, bytes, 'Thumbnail')
  if (!image.small || !image.smallMeta || !image.blurhash) throw new ValidationError('Validation failed: Thumbnail: the image could not be decoded')
  const previewKey = newStorageKey(folder, 'jpg', `${randomBytes(16).toString('hex')}-thumb`)
  await storage.put(previewKey, image.small, 'image/jpeg')
  return { previewKey, small: image.smallMeta, blurhash: image.blurhash }
}

/** Deletes stored files, ignoring the ones already gone; storage errors are reported, not thrown (the rows are what matter). */
export async function deleteStoredFiles(storage: MediaStorage, keys: (string | null | undefined)[]): Promise<number> {
  let deleted = 0
  for (const key of keys) {
    if (!key) continue
    try {
      await storage.delete(key)
      deleted++
    } catch (e) {
      console.error(`[rookery] could not delete media file ${key}: ${(e as Error).message}`)
    }
  }
  return deleted
}

/** An image checked for storing as it is: its real type and header dimensions. */
export interface InspectedImage {
  bytes: Uint8Array
  detected: DetectedType
  width: number
  height: number
}

/** Checks that `bytes` are an image whose header reads and whose size is within the pixel limit; 422 otherwise. */
export async function inspectImage(bytes: Uint8Array, name: string): Promise<InspectedImage> {
  const detected = await detectOrRefuse(bytes, name)
  if (detected.type !== 'image') throw new ValidationError(`Validation failed: ${name} must be an image`, { error_code: 'ERR_UNSUPPORTED_TYPE' })
  const header = readImageHeader(detected.mime, bytes)
  if (!header || !header.width || !header.height) throw new ValidationError(`Validation failed: ${name}: the image could not be read`)
  if (header.width * header.height > MAX_DECODED_PIXELS) throw new ValidationError(`Validation failed: ${name}: the image is too large`)
  return { bytes, detected, width: header.width, height: header.height }
}

/** Stores an inspected image as uploaded but without its metadata, with no preview (avatars, headers, backgrounds). */
export async function storeImageOnly(storage: MediaStorage, folder: string, image: InspectedImage): Promise<StoredUpload> {
  const original = stripImageMetadata(image.detected.mime, image.bytes)
  const fileKey = newStorageKey(folder, image.detected.ext)
  await storage.put(fileKey, original, image.detected.mime)
  return {
    type: 'image', mime: image.detected.mime, fileKey, fileSize: original.length, previewKey: null,
    original: metaSize(image.width, image.height), small: null, blurhash: null,
  }
}
