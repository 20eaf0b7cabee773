import type { Ctx } from '../core/context'
import { CONTENT_TYPES } from '../core/media/detect'
import { isStorageKey, mediaStorage } from '../core/media/storage'

/**
 * Headers of every served upload. Uploads are hostile: the type is fixed by the stored file's extension (which we chose
 * from the detected content), browsers must not sniff, and a document opened directly runs sandboxed with nothing
 * allowed, so an SVG or a polyglot file cannot run script on our origin. Keys are random and never reused: cache forever.
 */
function fileHeaders(key: string): Record<string, string> {
  const ext = key.slice(key.lastIndexOf('.') + 1).toLowerCase()
  const type = CONTENT_TYPES[ext]
  return {
    'content-type': type ?? 'application/octet-stream',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; form-action 'none'; sandbox",
    ...(type ? {} : { 'content-disposition': 'attachment' }),
    // Backups are private to their owner by their unguessable name: no shared cache may keep one.
    'cache-control': key.startsWith('backups/') ? 'private, no-store' : 'public, max-age=31536000, immutable',
    'accept-ranges': 'bytes',
    'access-control-allow-origin': '*',
    'cross-origin-resource-policy': 'cross-origin',
  }
}

/** A file the media proxy fetched: its sniffed type, never sniffed again by browsers, sandboxed like uploads. */
export function proxiedResponse(file: { bytes: Uint8Array; mime: string }): Response {
  return new Response(new Uint8Array(file.bytes), {
    headers: {
      'content-type': file.mime,
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; form-action 'none'; sandbox",
      'cache-control': 'public, max-age=86400',
      'access-control-allow-origin': '*',
      'cross-origin-resource-policy': 'cross-origin',
    },
  })
}

const notFound = () => new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' } })

/** `bytes=a-b`, `bytes=a-` or `bytes=-n` against a file of `size` bytes; null when absent, 'invalid' when unsatisfiable. */
export function parseRange(header: string | null, size: number): { start: number; end: number } | null | 'invalid' {
  if (!header) return null
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!match || (!match[1] && !match[2])) return null // multiple or malformed ranges: answer with the whole file
  let start: number
  let end: number
  if (!match[1]) {
    const suffix = Number(match[2])
    if (suffix === 0) return 'invalid'
    start = Math.max(0, size - suffix)
    end = size - 1
  } else {
    start = Number(match[1])
    end = match[2] ? Math.min(Number(match[2]), size - 1) : size - 1
  }
  if (start >= size || start > end) return 'invalid'
  return { start, end }
}

/** Serves a file of the local media folder (`/media/<key>`), with range requests for audio and video seeking; redirects to the bucket when files live in one. */
export async function serveStoredFile(ctx: Ctx, rawKey: string | undefined, request: Request): Promise<Response> {
  const storage = mediaStorage(ctx.config)
  if (!rawKey) return notFound()
  let key: string
  try {
    key = decodeURIComponent(rawKey)
  } catch {
    return notFound()
  }
  if (!isStorageKey(key)) return notFound()
  // Files moved to a bucket (`rookery media move --to-s3`): links other servers kept still lead to them.
  if (storage.kind !== 'local') return new Response(null, { status: 301, headers: { location: storage.url(key), 'cache-control': 'public, max-age=86400' } })
  const file = await storage.get(key)
  if (!file) return notFound()
  const headers = fileHeaders(key)
  if (file.lastModified) headers['last-modified'] = file.lastModified.toUTCString()
  const head = request.method === 'HEAD'
  const range = parseRange(request.headers.get('range'), file.size)
  if (range === 'invalid') {
    return new Response(null, { status: 416, headers: { ...headers, 'content-range': `bytes */${file.size}` } })
  }
  if (range) {
    const length = range.end - range.start + 1
    return new Response(head ? null : file.blob.slice(range.start, range.end + 1), {
      status: 206,
      headers: { ...headers, 'content-range': `bytes ${range.start}-${range.end}/${file.size}`, 'content-length': String(length) },
    })
  }
  return new Response(head ? null : file.blob, { headers: { ...headers, 'content-length': String(file.size) } })
}
