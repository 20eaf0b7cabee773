import { readFile, stat } from 'node:fs/promises'
import { basename, dirname, resolve } from 'node:path'
import { NotFoundError, ValidationError } from '../errors'
import { isPlainObject } from '../params'
import { makeZip, MAX_ARCHIVE_BYTES, type ZipEntry } from './archive'
import { fetchRemote, type FetchOptions } from '../net/remote-fetch'
import { filesFrom, folderSource, scanFiles, zipSource, type PackDescription, type PackSource } from './import'
import { EMOJI_MAX_BYTES, isEmojiFileName } from './image'
import { metadataJson, sha256Hex, type PackMetadata } from './packs'
import { isPackFileName, isPackName } from './paths'

/**
 * Pleroma's emoji manifests (the emoji index `get-packs` reads): `{ name: { license, homepage, description, src,
 * src_sha256, files } }`, where `src` is a zip and `files` names a JSON file (next to the manifest) mapping
 * shortcodes to paths inside that zip.
 */

export interface ManifestEntry {
  name: string
  license: string
  homepage: string
  description: string
  src: string
  srcSha256: string
  /** a file name or URL relative to the manifest, or the map itself */
  files: string | Record<string, string>
}

export interface Manifest {
  /** where the manifest was read from: a URL, or an absolute file path */
  location: string
  entries: ManifestEntry[]
}

const isUrl = (s: string) => /^https?:\/\//i.test(s)

/** Reads a file path or an http(s) URL; relative references resolve against `base` (another such location). */
async function readLocation(ref: string, base: string | null, maxBytes: number, fetchOpts: Partial<FetchOptions>): Promise<{ location: string; bytes: Uint8Array }> {
  if (isUrl(ref) || (base && isUrl(base))) {
    const url = base && !isUrl(ref) ? new URL(ref, base).href : ref
    const res = await fetchRemote(url, { maxBytes, timeoutMs: 120_000, ...fetchOpts })
    return { location: res.url, bytes: res.body }
  }
  const path = base ? resolve(dirname(base), ref) : resolve(ref)
  const bytes = await readFile(path).catch(() => {
    throw new NotFoundError(`Cannot read ${path}`)
  })
  if (bytes.byteLength > maxBytes) throw new ValidationError(`${path} is larger than ${maxBytes} bytes`)
  return { location: path, bytes: new Uint8Array(bytes) }
}

function parseJson(bytes: Uint8Array, location: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes))
  } catch {
    throw new ValidationError(`${location} is not valid JSON`)
  }
}

const text = (v: unknown) => (typeof v === 'string' ? v : '')

export async function loadManifest(ref: string, fetchOpts: Partial<FetchOptions> = {}): Promise<Manifest> {
  const { location, bytes } = await readLocation(ref, null, 8 * 1024 * 1024, fetchOpts)
  const json = parseJson(bytes, location)
  if (!isPlainObject(json)) throw new ValidationError(`${location} is not an emoji manifest (a JSON object of packs)`)
  const entries: ManifestEntry[] = []
  for (const [name, raw] of Object.entries(json)) {
    if (!isPlainObject(raw)) continue
    const files = isPlainObject(raw.files) ? filesFrom(raw.files) : text(raw.files)
    entries.push({
      name,
      license: text(raw.license),
      homepage: text(raw.homepage),
      description: text(raw.description),
      src: text(raw.src),
      srcSha256: text(raw.src_sha256).toUpperCase(),
      files,
    })
  }
  return { location, entries: entries.sort((a, b) => a.name.localeCompare(b.name)) }
}

/**
 * Fetches one manifest entry for installation: downloads `src`, checks its SHA-256 against `src_sha256` and reads
 * the `files` map. The pack remembers `src` as its `fallback-src` and is shared, as Pleroma's get-packs does.
 */
export async function fetchManifestPack(manifest: Manifest, entry: ManifestEntry, fetchOpts: Partial<FetchOptions> = {}): Promise<{ source: PackSource; description: PackDescription }> {
  if (!isPackName(entry.name)) throw new ValidationError(`Invalid pack name "${entry.name}"`)
  if (!entry.src) throw new ValidationError(`Pack "${entry.name}" has no src`)
  if (!/^[0-9A-F]{64}$/.test(entry.srcSha256)) throw new ValidationError(`Pack "${entry.name}" has no valid src_sha256`)
  const archive = await readLocation(entry.src, manifest.location, MAX_ARCHIVE_BYTES, fetchOpts)
  const sha = sha256Hex(archive.bytes)
  if (sha !== entry.srcSha256) throw new ValidationError(`SHA-256 mismatch for pack "${entry.name}": expected ${entry.srcSha256}, got ${sha}`)
  let files: Record<string, string>
  if (typeof entry.files === 'string' && entry.files) {
    const list = await readLocation(entry.files, manifest.location, 8 * 1024 * 1024, fetchOpts)
    files = filesFrom(parseJson(list.bytes, list.location))
  } else {
    files = typeof entry.files === 'string' ? {} : entry.files
  }
  const source = zipSource(archive.bytes)
  if (!Object.keys(files).length) files = scanFiles(source.names)
  const meta: Partial<PackMetadata> = {
    license: entry.license,
    homepage: entry.homepage,
    description: entry.description,
    shareFiles: true,
    ...(isUrl(archive.location) ? { fallbackSrc: archive.location, fallbackSrcSha256: sha } : {}),
  }
  return { source, description: { files, meta } }
}

export function findManifestEntry(manifest: Manifest, name: string): ManifestEntry {
  const entry = manifest.entries.find((e) => e.name === name)
  if (!entry) throw new NotFoundError(`No pack named "${name}" found`)
  return entry
}

// ---------------------------------------------------------------------------------------------- gen-pack

export interface GenPackInput {
  /** a folder of images, a zip file, or the URL of a zip */
  source: string
  name?: string
  license?: string
  homepage?: string
  description?: string
  /** where the zip will be downloadable from (the manifest's `src`); defaults to the source URL or the zip's name */
  src?: string
  /** extensions to pick up, e.g. `.png`; every emoji image type by default */
  extensions?: string[]
}

export interface GeneratedPack {
  name: string
  files: Record<string, string>
  /** SHA-256 (upper-case hex) of the zip */
  sha256: string
  /** the zip of the images, when the source was a folder (no pack.json in it, so it can serve as a fallback) */
  zip: Uint8Array | null
  /** pack.json for the pack's folder */
  packJson: { files: Record<string, string>; files_count: number; pack: Record<string, unknown> }
  /** the manifest entry `{ name: { license, homepage, description, src, src_sha256, files } }` */
  manifest: Record<string, Record<string, string>>
}

/** Builds a pack's pack.json and manifest entry from a folder of images or a zip, as Pleroma's `gen-pack`. */
export async function generatePack(input: GenPackInput, fetchOpts: Partial<FetchOptions> = {}): Promise<GeneratedPack> {
  const exts = (input.extensions?.length ? input.extensions : null)?.map((e) => (e.startsWith('.') ? e : `.${e}`).toLowerCase())
  const wanted = (name: string) => isEmojiFileName(name) && isPackFileName(name) && (!exts || exts.some((e) => name.toLowerCase().endsWith(e)))
  const fromUrl = isUrl(input.source)
  let source: PackSource
  let zipBytes: Uint8Array
  let zip: Uint8Array | null = null
  let defaultName: string
  const local = fromUrl ? null : resolve(input.source)
  const isFolder = !!local && (await stat(local).then((s) => s.isDirectory(), () => false))
  if (isFolder) {
    source = await folderSource(local!)
    const names = source.names.filter(wanted)
    const entries: ZipEntry[] = []
    for (const name of names) {
      const data = await source.read(name)
      if (data && data.byteLength <= EMOJI_MAX_BYTES) entries.push({ name, data })
    }
    zip = zipBytes = makeZip(entries)
    source = { names: entries.map((e) => e.name), read: async (n) => entries.find((e) => e.name === n)?.data ?? null }
    defaultName = basename(local!)
  } else {
    const read = await readLocation(input.source, null, MAX_ARCHIVE_BYTES, fetchOpts)
    zipBytes = read.bytes
    source = zipSource(zipBytes)
    defaultName = basename(fromUrl ? new URL(read.location).pathname : read.location).replace(/\.zip$/i, '')
  }
  const name = input.name ?? defaultName
  if (!isPackName(name)) throw new ValidationError(`Invalid pack name "${name}": give one with --name`)
  const files = scanFiles(source.names.filter(wanted))
  const sha256 = sha256Hex(zipBytes)
  const src = input.src ?? (fromUrl ? input.source : `${name}.zip`)
  const meta: PackMetadata = {
    license: input.license ?? '',
    homepage: input.homepage ?? '',
    description: input.description ?? '',
    shareFiles: true,
    fallbackSrc: isUrl(src) ? src : null,
    fallbackSrcSha256: isUrl(src) ? sha256 : null,
  }
  return {
    name,
    files,
    sha256,
    zip,
    packJson: { files, files_count: Object.keys(files).length, pack: metadataJson(meta) },
    manifest: {
      [name]: { license: meta.license, homepage: meta.homepage, description: meta.description, src, src_sha256: sha256, files: `${name}_files.json` },
    },
  }
}
