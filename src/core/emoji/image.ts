import { ValidationError } from '../errors'

/**
 * The image formats an emoji may be, by extension, with the type they are served as. Folder scans pick up these
 * extensions (Pleroma's `pack_extensions`, widened from .png and .gif).
 */
export const EMOJI_TYPES: Record<string, string> = {
  png: 'image/png',
  apng: 'image/apng',
  gif: 'image/gif',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  avif: 'image/avif',
  svg: 'image/svg+xml',
}

/** One emoji file may be at most this big (animated GIFs included). */
export const EMOJI_MAX_BYTES = 2 * 1024 * 1024

export function extensionOf(name: string): string {
  const base = name.slice(name.lastIndexOf('/') + 1)
  const dot = base.lastIndexOf('.')
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : ''
}

export const isEmojiFileName = (name: string) => extensionOf(name) in EMOJI_TYPES

export function contentTypeOf(name: string): string | null {
  return EMOJI_TYPES[extensionOf(name)] ?? null
}

const startsWith = (bytes: Uint8Array, sig: number[], at = 0) => sig.every((b, i) => bytes[at + i] === b)
const ascii = (bytes: Uint8Array, from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to))

/** What the bytes are, from their magic numbers (or an `<svg` root for SVG); null for anything else. */
export function sniffImage(bytes: Uint8Array): 'png' | 'gif' | 'jpeg' | 'webp' | 'avif' | 'svg' | null {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png'
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') return 'gif'
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg'
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'webp'
  if (ascii(bytes, 4, 8) === 'ftyp' && ['avif', 'avis'].includes(ascii(bytes, 8, 12))) return 'avif'
  const head = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 1024)).replace(/^\uFEFF/, '').trimStart()
  if (/^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE svg[^>]*>\s*)?<svg[\s>]/i.test(head)) return 'svg'
  return null
}

/** The extensions each sniffed format may be stored under. */
const EXTENSIONS_OF: Record<string, string[]> = {
  png: ['png', 'apng'], gif: ['gif'], jpeg: ['jpg', 'jpeg'], webp: ['webp'], avif: ['avif'], svg: ['svg'],
}

/** Throws unless `bytes` are an image of the kind the file name says, within the size limit. */
export function assertEmojiImage(fileName: string, bytes: Uint8Array): void {
  if (bytes.byteLength > EMOJI_MAX_BYTES) throw new ValidationError(`Emoji file "${fileName}" is larger than ${EMOJI_MAX_BYTES} bytes`)
  const kind = sniffImage(bytes)
  if (!kind) throw new ValidationError(`Emoji file "${fileName}" is not an image (PNG, GIF, JPEG, WebP, AVIF or SVG)`)
  if (!EXTENSIONS_OF[kind].includes(extensionOf(fileName))) {
    throw new ValidationError(`Emoji file "${fileName}" is a ${kind.toUpperCase()} image; give it a .${EXTENSIONS_OF[kind][0]} name`)
  }
}
