import type { Zippable } from 'fflate'
import { ValidationError } from '../errors'

/**
 * The one place zip archives are read and written. Reading rejects the whole archive before anything is written
 * when any entry is unsafe: absolute paths, `..`, backslashes, drive letters, control characters, symlinks, duplicate
 * names, too many entries, or selected entries whose declared sizes exceed the caps. Entries are inflated into
 * buffers of their declared size, so a lying header cannot make one grow (no zip bombs).
 */

export interface ZipLimits {
  maxEntries: number
  /** declared uncompressed bytes of one selected entry */
  maxEntryBytes: number
  /** declared uncompressed bytes of all selected entries together */
  maxTotalBytes: number
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = { maxEntries: 5000, maxEntryBytes: 2 * 1024 * 1024, maxTotalBytes: 100 * 1024 * 1024 }

/** The largest archive accepted at all (upload or download). */
export const MAX_ARCHIVE_BYTES = 100 * 1024 * 1024

export interface ZipEntry {
  /** the path inside the archive, `/`-separated, never absolute nor with `..` */
  name: string
  data: Uint8Array
}

const invalid = (why: string) => new ValidationError(`Invalid archive: ${why}`)

/** fflate is required by the first archive read or written, not at start. */
const fflate = () => require('fflate') as typeof import('fflate')

/** Whether a name inside an archive is a plain relative path. */
export function isSafeEntryName(name: string): boolean {
  if (!name || name.length > 512) return false
  if (/[\x00-\x1f\x7f\\]/.test(name)) return false
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return false
  const parts = name.replace(/\/$/, '').split('/')
  return parts.every((p) => p !== '' && p !== '.' && p !== '..')
}

/** Metadata fflate does not expose: which entries are symbolic links (Unix mode in the external attributes). */
function symlinkFlags(data: Uint8Array): boolean[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  let end = data.length - 22
  while (end >= 0 && view.getUint32(end, true) !== 0x06054b50) end--
  if (end < 0) throw invalid('not a zip file')
  let count = view.getUint16(end + 10, true)
  let offset = view.getUint32(end + 16, true)
  if (count === 0xffff || offset === 0xffffffff) {
    // zip64: the real values are in the zip64 end record, located just before
    const locator = end - 20
    if (locator < 0 || view.getUint32(locator, true) !== 0x07064b50) throw invalid('unreadable central directory')
    const record = Number(view.getBigUint64(locator + 8, true))
    if (record + 56 > data.length || view.getUint32(record, true) !== 0x06064b50) throw invalid('unreadable central directory')
    count = Number(view.getBigUint64(record + 32, true))
    offset = Number(view.getBigUint64(record + 48, true))
  }
  const flags: boolean[] = []
  for (let i = 0; i < count; i++) {
    if (offset + 46 > data.length || view.getUint32(offset, true) !== 0x02014b50) throw invalid('unreadable central directory')
    const madeBy = view.getUint8(offset + 5)
    const mode = view.getUint32(offset + 38, true) >>> 16
    flags.push(madeBy === 3 && (mode & 0o170000) === 0o120000)
    offset += 46 + view.getUint16(offset + 28, true) + view.getUint16(offset + 30, true) + view.getUint16(offset + 32, true)
  }
  return flags
}

/**
 * Reads the entries `select` wants (files only; directories and macOS resource forks are skipped) after checking
 * every entry of the archive. Throws a ValidationError (422) for anything unsafe or unreadable.
 */
export function readZip(bytes: Uint8Array, select: (name: string) => boolean, limits: ZipLimits = DEFAULT_ZIP_LIMITS): ZipEntry[] {
  if (bytes.byteLength > MAX_ARCHIVE_BYTES) throw invalid(`larger than ${MAX_ARCHIVE_BYTES} bytes`)
  const symlinks = symlinkFlags(bytes)
  if (symlinks.length > limits.maxEntries) throw invalid(`more than ${limits.maxEntries} entries`)
  const seen = new Set<string>()
  let index = 0
  let total = 0
  let problem: ValidationError | null = null
  let files: Record<string, Uint8Array>
  try {
    files = fflate().unzipSync(bytes, {
      filter(file) {
        const i = index++
        if (problem) return false
        if (!isSafeEntryName(file.name)) problem = invalid(`unsafe entry name ${JSON.stringify(file.name)}`)
        else if (symlinks[i]) problem = invalid(`entry ${JSON.stringify(file.name)} is a symbolic link`)
        else if (seen.has(file.name)) problem = invalid(`duplicate entry ${JSON.stringify(file.name)}`)
        if (problem) return false
        seen.add(file.name)
        if (file.name.endsWith('/') || file.name.split('/').some((p) => p === '__MACOSX' || p.startsWith('._'))) return false
        if (!select(file.name)) return false
        if (file.originalSize > limits.maxEntryBytes) {
          problem = invalid(`entry ${JSON.stringify(file.name)} is larger than ${limits.maxEntryBytes} bytes`)
          return false
        }
        total += file.originalSize
        if (total > limits.maxTotalBytes) {
          problem = invalid(`the selected entries are larger than ${limits.maxTotalBytes} bytes together`)
          return false
        }
        return true
      },
    })
  } catch (e) {
    if (e instanceof ValidationError) throw e
    throw invalid('the zip file could not be read')
  }
  if (problem) throw problem
  return Object.entries(files).map(([name, data]) => ({ name, data }))
}

/** Builds a stored (uncompressed: images are compressed already) zip of the entries, in the given order. */
export function makeZip(entries: ZipEntry[]): Uint8Array {
  // A fixed timestamp makes the same files give the same archive bytes, so its SHA-256 is stable. Made here, not at
  // load: the first local-time date loads the time zone data, which took a start 10-60 ms.
  const mtime = new Date(2000, 0, 1)
  const tree: Zippable = {}
  for (const e of entries) tree[e.name] = [e.data, { level: 0, mtime }]
  return fflate().zipSync(tree, { level: 0, mtime })
}
