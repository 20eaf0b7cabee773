import { encode as encodeBlurhash } from 'blurhash'
import type { Pixels } from './codecs'
import { readImageHeader, stripImageMetadata } from './metadata'

/** Mastodon's size block in `meta`. */
export interface MetaSize {
  width: number
  height: number
  size: string
  aspect: number
}

export interface ProcessedImage {
  /** the upload without metadata (same pixels) */
  original: Uint8Array
  originalMeta: MetaSize
  /** a JPEG of at most SMALL_PIXELS pixels; null when the codecs cannot decode the image (e.g. an animated WebP) */
  small: Uint8Array | null
  smallMeta: MetaSize | null
  blurhash: string | null
}

/** Mastodon's preview size: about 640×360 worth of pixels, aspect ratio kept, never enlarged. */
export const SMALL_PIXELS = 230_400
/** Images with more pixels than this are refused before decoding (a 50 MP photo still passes). */
export const MAX_DECODED_PIXELS = 50_000_000
const BLURHASH_SIZE = 32

export class ImageError extends Error {}

export const metaSize = (width: number, height: number): MetaSize => ({
  width, height, size: `${width}x${height}`, aspect: height ? width / height : 0,
})

/** Dimensions that fit within `maxPixels` with the same aspect ratio (unchanged when already small enough). */
export function fitPixels(width: number, height: number, maxPixels: number): { width: number; height: number } {
  if (width * height <= maxPixels) return { width, height }
  const scale = Math.sqrt(maxPixels / (width * height))
  return { width: Math.max(1, Math.floor(width * scale)), height: Math.max(1, Math.floor(height * scale)) }
}

/**
 * Cleans an image of its metadata, then decodes it (upright) for a JPEG preview and a blurhash.
 * Throws ImageError when the header cannot be read or the image is too large to decode.
 */
export async function processImage(mime: string, bytes: Uint8Array): Promise<ProcessedImage> {
  const header = readImageHeader(mime, bytes)
  if (!header || !header.width || !header.height) throw new ImageError('the image could not be read')
  if (header.width * header.height > MAX_DECODED_PIXELS) {
    throw new ImageError(`the image is too large (${header.width}x${header.height}; at most ${MAX_DECODED_PIXELS} pixels)`)
  }
  const original = stripImageMetadata(mime, bytes)
  // The codecs (and their WebAssembly) are loaded by the first image a process handles.
  const { decodeImage, encodeJpegImage, resizeImage } = await import('./codecs')
  let pixels: Pixels
  try {
    pixels = await decodeImage(mime, original)
  } catch {
    // The header is sound, so the file is kept as it is; clients show the original in place of a preview.
    return { original, originalMeta: metaSize(header.width, header.height), small: null, smallMeta: null, blurhash: null }
  }
  const fit = fitPixels(pixels.width, pixels.height, SMALL_PIXELS)
  const smallPixels = await resizeImage(pixels, fit.width, fit.height)
  const small = await encodeJpegImage(smallPixels)
  return {
    original,
    originalMeta: metaSize(pixels.width, pixels.height),
    small,
    smallMeta: metaSize(smallPixels.width, smallPixels.height),
    blurhash: await blurhashOf(smallPixels),
  }
}

/** Mastodon's 4×4-component blurhash, computed on a tiny copy. */
async function blurhashOf(pixels: Pixels): Promise<string> {
  const fit = pixels.width >= pixels.height
    ? { width: BLURHASH_SIZE, height: Math.max(1, Math.round((BLURHASH_SIZE * pixels.height) / pixels.width)) }
    : { width: Math.max(1, Math.round((BLURHASH_SIZE * pixels.width) / pixels.height)), height: BLURHASH_SIZE }
  const tiny = pixels.width > fit.width ? await (await import('./codecs')).resizeImage(pixels, fit.width, fit.height) : pixels
  return encodeBlurhash(tiny.data, tiny.width, tiny.height, 4, 4)
}
