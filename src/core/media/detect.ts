import type { MediaType } from '../../db/schema'

/** What an upload really is, read from its bytes. */
export interface DetectedType {
  type: Exclude<MediaType, 'gifv' | 'unknown'>
  /** canonical MIME type, as stored and served */
  mime: string
  /** file extension of stored copies */
  ext: string
}

/** Accepted formats: detected MIME type → canonical type and extension. Anything else is refused. */
const ACCEPTED: Record<string, Omit<DetectedType, 'mime'> & { mime?: string }> = {
  'image/jpeg': { type: 'image', ext: 'jpg' },
  'image/png': { type: 'image', ext: 'png' },
  'image/gif': { type: 'image', ext: 'gif' },
  'image/webp': { type: 'image', ext: 'webp' },
  'video/mp4': { type: 'video', ext: 'mp4' },
  'video/x-m4v': { type: 'video', ext: 'mp4', mime: 'video/mp4' },
  'video/webm': { type: 'video', ext: 'webm' },
  'video/quicktime': { type: 'video', ext: 'mov' },
  'audio/mpeg': { type: 'audio', ext: 'mp3' },
  'audio/ogg': { type: 'audio', ext: 'ogg' },
  'audio/ogg; codecs=opus': { type: 'audio', ext: 'opus', mime: 'audio/ogg' },
  'audio/opus': { type: 'audio', ext: 'opus', mime: 'audio/ogg' },
  'audio/wav': { type: 'audio', ext: 'wav' },
  'audio/flac': { type: 'audio', ext: 'flac' },
  'audio/x-flac': { type: 'audio', ext: 'flac', mime: 'audio/flac' },
  'audio/aac': { type: 'audio', ext: 'aac' },
  'audio/mp4': { type: 'audio', ext: 'm4a' },
  'audio/x-m4a': { type: 'audio', ext: 'm4a', mime: 'audio/mp4' },
}

/** Detects the type from the content alone (never the file name or the client's content type); null when not accepted. */
export async function detectMediaType(bytes: Uint8Array): Promise<DetectedType | null> {
  const { fileTypeFromBuffer } = await import('file-type') // loaded by the first upload
  const found = await fileTypeFromBuffer(bytes)
  const accepted = found && ACCEPTED[found.mime]
  if (!accepted) return null
  return { type: accepted.type, ext: accepted.ext, mime: accepted.mime ?? found.mime }
}

/** Content types of the files we store, by extension: what `/media/...` serves them as. */
export const CONTENT_TYPES: Record<string, string> = {
  jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp', avif: 'image/avif',
  mp4: 'video/mp4', webm: 'video/webm', mov: 'video/quicktime',
  mp3: 'audio/mpeg', ogg: 'audio/ogg', opus: 'audio/ogg', wav: 'audio/wav', flac: 'audio/flac', aac: 'audio/aac', m4a: 'audio/mp4',
  svg: 'image/svg+xml',
}
