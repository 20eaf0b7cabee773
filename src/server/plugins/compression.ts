import { Elysia } from 'elysia'

/** Smaller bodies gain less than the header and the work cost. */
const MIN_BYTES = 1024
/**
 * Level 2 keeps most of the gain at under half of level 6's CPU time: a home page of 57-59 KB became 3.2-3.8 KB in
 * 52-58 µs, against 3.1-3.4 KB in 92-104 µs at level 4 and 2.9-3.3 KB in 120-132 µs at level 6.
 */
const GZIP_LEVEL = 2
/**
 * Below this many characters, level 1: a small body's cost is mostly setting up the compressor, which levels 2 and up
 * do at about twice level 1's (10 against 5 µs for a 1.7 KB body), and either result fits in one packet.
 */
const SMALL_BODY = 16 * 1024
/** zstd's fastest level already compresses a page better than gzip's level 6 */
const ZSTD_LEVEL = 1

export type ContentCoding = 'zstd' | 'gzip'

/**
 * The coding to answer in for an Accept-Encoding header: zstd when the client names it (Chromium and Firefox do) at
 * no lower weight than gzip, as it takes about half of gzip's CPU time for a smaller body (a 57 KB timeline page:
 * 4.1 KB in 55 µs at level 1, against 4.9 KB in 116 µs for gzip at level 2); else gzip (`gzip`, `x-gzip` or `*`);
 * none when neither is allowed (q=0). A bare `*` stays gzip: a client that names no coding is safest with the oldest.
 */
export function chooseEncoding(header: string | null): ContentCoding | null {
  if (!header) return null
  let zstd: number | null = null
  let gzip: number | null = null
  let star: number | null = null
  for (const part of header.toLowerCase().split(',')) {
    const [coding, ...params] = part.trim().split(';')
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    const weight = q ? Number(q.slice(2)) || 0 : 1
    if (coding === 'zstd') zstd = weight
    else if (coding === 'gzip' || coding === 'x-gzip') gzip = weight
    else if (coding === '*') star = weight
  }
  const gzipWeight = gzip ?? star ?? 0
  if (zstd !== null && zstd > 0 && zstd >= gzipWeight) return 'zstd'
  return gzipWeight > 0 ? 'gzip' : null
}

function isPlainJson(value: unknown): value is object {
  if (Array.isArray(value)) return true
  if (!value || typeof value !== 'object') return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function appendVary(headers: Record<string, string | number>, value: string) {
  const current = headers.vary ? String(headers.vary) : ''
  if (!current.toLowerCase().split(',').map((v) => v.trim()).includes(value.toLowerCase())) {
    headers.vary = current ? `${current}, ${value}` : value
  }
}

/**
 * JSON and HTML answers of at least 1 KB are compressed (zstd or gzip, `chooseEncoding`) for clients that accept
 * it: a home timeline page shrinks from tens of kilobytes to a few. Files, streams and ready-made Responses are left as they are.
 */
export const compressionPlugin = new Elysia({ name: 'plugin.compression' }).mapResponse({ as: 'global' }, ({ responseValue, request, set }) => {
  if (request.method === 'HEAD') return
  const isText = typeof responseValue === 'string'
  if (!isText && !isPlainJson(responseValue)) return
  appendVary(set.headers, 'Accept-Encoding')
  // Clients that take neither coding get Elysia's own answer: nothing is serialized here for them.
  const coding = chooseEncoding(request.headers.get('accept-encoding'))
  if (!coding) return
  const text = isText ? responseValue : JSON.stringify(responseValue)
  const type = String(set.headers['content-type'] ?? (isText ? 'text/plain; charset=utf-8' : 'application/json;charset=utf-8'))
  const status = typeof set.status === 'number' ? set.status : 200
  set.headers['content-type'] = type
  if (text.length < MIN_BYTES) return new Response(text, { status, headers: set.headers as Record<string, string> })
  set.headers['content-encoding'] = coding
  // the text itself, not an encoded copy: Bun compresses its UTF-8 without another body-sized buffer per answer
  const body: Uint8Array<ArrayBuffer> = coding === 'zstd'
    ? Bun.zstdCompressSync(text, { level: ZSTD_LEVEL }) as Uint8Array<ArrayBuffer>
    : Bun.gzipSync(text, { level: text.length < SMALL_BODY ? 1 : GZIP_LEVEL })
  return new Response(body, { status, headers: set.headers as Record<string, string> })
})
