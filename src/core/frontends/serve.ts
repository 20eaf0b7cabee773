import { stat } from 'node:fs/promises'
import { extname, resolve, sep } from 'node:path'

/** Types of the files single-page builds ship; anything else is sent as bytes to download. */
export const FRONTEND_CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.eot': 'application/vnd.ms-fontobject',
  '.wasm': 'application/wasm',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.wav': 'audio/wav',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
}

const IMMUTABLE = 'public, max-age=31536000, immutable'
const REVALIDATE = 'no-cache'
const SHORT = 'public, max-age=3600'

/**
 * Bundlers name built assets after their content (`app.3f2a1b9c.js`, `index-DiwrgTda.js`): those never change and may
 * be cached for good. A name part counts as a hash when it has a digit, or both upper and lower case letters.
 */
export function isHashedAsset(fileName: string): boolean {
  const base = fileName.slice(fileName.lastIndexOf('/') + 1)
  const m = /[.-]([A-Za-z0-9_]{8,32})\.[A-Za-z0-9]+(?:\.map)?$/.exec(base)
  if (!m) return false
  const part = m[1]
  return /\d/.test(part) || (/[a-z]/.test(part) && /[A-Z]/.test(part))
}

export function cacheControlFor(fileName: string): string {
  const base = fileName.slice(fileName.lastIndexOf('/') + 1).toLowerCase()
  // The entry page, service workers and manifests name everything else: they must be checked on every load.
  if (/\.html?$/.test(base) || /^(sw|service-?worker)[\w.-]*\.js$/.test(base) || base.endsWith('.webmanifest') || base === 'manifest.json') return REVALIDATE
  return isHashedAsset(base) ? IMMUTABLE : SHORT
}

export function contentTypeFor(fileName: string): string {
  return FRONTEND_CONTENT_TYPES[extname(fileName).toLowerCase()] ?? 'application/octet-stream'
}

/**
 * The file a URL path names inside a build folder, or null: only plain files inside the folder (the decoded path may
 * not climb out), `/` and folders mean their `index.html`.
 */
export async function resolveFrontendFile(dir: string, urlPath: string): Promise<string | null> {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return null
  }
  if (/[\x00-\x1f\\]/.test(decoded) || decoded.split('/').some((p) => p === '..' || (p.startsWith('.') && p !== '.'))) return null
  let path = resolve(dir, '.' + (decoded.startsWith('/') ? decoded : '/' + decoded))
  if (path !== dir && !path.startsWith(dir + sep)) return null
  let info = await stat(path).catch(() => null)
  if (info?.isDirectory()) {
    path = resolve(path, 'index.html')
    info = await stat(path).catch(() => null)
  }
  return info?.isFile() ? path : null
}

/** Whether a path looks like a file (has an extension), so a missing one is a 404 rather than a client-side route. */
export const looksLikeFile = (urlPath: string) => /\.[A-Za-z0-9]{1,12}$/.test(urlPath.slice(urlPath.lastIndexOf('/') + 1))
