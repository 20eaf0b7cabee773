import { existsSync } from 'node:fs'
import { lstat, readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { inArray, isNull, and } from 'drizzle-orm'
import { customEmojis, emojiPacks } from '../../db/schema'
import type { Ctx } from '../context'
import { ConflictError, ValidationError } from '../errors'
import { isPlainObject } from '../params'
import { readZip, type ZipEntry } from './archive'
import { assertEmojiImage, EMOJI_MAX_BYTES, isEmojiFileName } from './image'
import { writeEmojiFile } from './pack-files'
import { normalizePackName, syncPackJson, type Pack, type PackMetadata } from './packs'
import { emojiRoot, isPackFileName, isPackName, isShortcode, packDir, packFileKey, packFilePath } from './paths'

/**
 * Turning a folder or a zip into a pack, the way Pleroma's loader reads one: its pack.json (`files` + `pack`), else an
 * emoji.txt (`shortcode, /emoji/<pack>/file.png, tags`), else every image in it (shortcode = file name without
 * extension). Entries that are unsafe, not images, too big or whose shortcode is taken are skipped and reported.
 */

const MAX_SOURCE_FILES = 5000
const MAX_DEPTH = 4

/** A pack's files before installation: a folder on disk or the entries of a zip. */
export interface PackSource {
  /** relative `/`-separated names of the files it holds */
  names: string[]
  read(name: string): Promise<Uint8Array | null>
}

/** Lists a folder recursively, without following symbolic links. */
export async function folderSource(dir: string): Promise<PackSource> {
  const names: string[] = []
  async function walk(rel: string, depth: number) {
    if (depth > MAX_DEPTH) return
    const entries = await readdir(join(dir, rel), { withFileTypes: true }).catch(() => [])
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (names.length >= MAX_SOURCE_FILES) return
      const name = rel ? `${rel}/${e.name}` : e.name
      if (e.isDirectory()) await walk(name, depth + 1)
      else if (e.isFile()) names.push(name)
    }
  }
  await walk('', 1)
  return {
    names,
    async read(name) {
      if (!names.includes(name)) return null
      const path = join(dir, name)
      const info = await lstat(path).catch(() => null)
      if (!info?.isFile() || info.size > EMOJI_MAX_BYTES * 4) return null
      return new Uint8Array(await readFile(path))
    },
  }
}

/**
 * The entries of a zip worth reading (images, pack.json, emoji.txt). With `stripTopFolder`, an archive whose
 * entries all sit in one folder (`blobs/blob.png`) is read as if that folder were its root.
 */
export function zipSource(bytes: Uint8Array, opts: { stripTopFolder?: boolean } = {}): PackSource {
  const wanted = (name: string) => isEmojiFileName(name) || /(^|\/)(pack\.json|emoji\.txt)$/.test(name)
  let entries: ZipEntry[] = readZip(bytes, wanted)
  if (opts.stripTopFolder && !entries.some((e) => e.name === 'pack.json')) {
    const tops = new Set(entries.map((e) => (e.name.includes('/') ? e.name.slice(0, e.name.indexOf('/')) : '')))
    if (tops.size === 1 && !tops.has('')) {
      const prefix = [...tops][0].length + 1
      entries = entries.map((e) => ({ name: e.name.slice(prefix), data: e.data }))
    }
  }
  const byName = new Map(entries.map((e) => [e.name, e.data]))
  return { names: [...byName.keys()], read: async (name) => byName.get(name) ?? null }
}

export interface PackDescription {
  files: Record<string, string>
  meta: Partial<PackMetadata>
}

/** The `pack` object of a pack.json (or a manifest entry) as metadata. */
export function metadataFrom(raw: unknown): Partial<PackMetadata> {
  if (!isPlainObject(raw)) return {}
  const s = (k: string) => (typeof raw[k] === 'string' ? (raw[k] as string).slice(0, 5000) : undefined)
  const sha = s('fallback-src-sha256')
  return {
    ...(s('license') !== undefined ? { license: s('license') } : {}),
    ...(s('homepage') !== undefined ? { homepage: s('homepage') } : {}),
    ...(s('description') !== undefined ? { description: s('description') } : {}),
    ...(typeof raw['share-files'] === 'boolean' ? { shareFiles: raw['share-files'] as boolean } : {}),
    ...(s('fallback-src') ? { fallbackSrc: s('fallback-src')!, fallbackSrcSha256: sha && /^[0-9A-Fa-f]{64}$/.test(sha) ? sha.toUpperCase() : null } : {}),
  }
}

/** A `files` map from untrusted JSON: string values only. */
export function filesFrom(raw: unknown): Record<string, string> {
  if (!isPlainObject(raw)) return {}
  return Object.fromEntries(Object.entries(raw).filter((e): e is [string, string] => typeof e[1] === 'string'))
}

const withoutExtension = (name: string) => {
  const base = name.slice(name.lastIndexOf('/') + 1)
  return base.lastIndexOf('.') > 0 ? base.slice(0, base.lastIndexOf('.')) : base
}

/** Pleroma's `make_shortcode_to_file_map`: every image, named after its file (the first one wins on a clash). */
export function scanFiles(names: string[]): Record<string, string> {
  const files: Record<string, string> = {}
  for (const name of names) {
    if (!isEmojiFileName(name)) continue
    const code = withoutExtension(name)
    if (!(code in files)) files[code] = name
  }
  return files
}

/** emoji.txt lines: `shortcode, /emoji/<pack>/file.png[, tags...]`; file paths are made relative to the pack. */
export function parseEmojiTxt(text: string, packName: string): Record<string, string> {
  const files: Record<string, string> = {}
  for (const line of text.split('\n').map((l) => l.trim())) {
    const [code, file] = line.split(/,\s*/)
    if (!code || !file) continue
    let rel = file.replace(/^\/+/, '')
    for (const prefix of [`emoji/${packName}/`, `${packName}/`]) if (rel.startsWith(prefix)) rel = rel.slice(prefix.length)
    files[code] = rel
  }
  return files
}

/** What a source says its pack is: pack.json, else emoji.txt, else a scan. */
export async function describeSource(source: PackSource, packName: string): Promise<PackDescription> {
  const text = async (name: string) => {
    const bytes = await source.read(name)
    return bytes ? new TextDecoder().decode(bytes) : null
  }
  const packJson = source.names.includes('pack.json') ? await text('pack.json') : null
  if (packJson !== null) {
    let parsed: unknown
    try {
      parsed = JSON.parse(packJson)
    } catch {
      throw new ValidationError('pack.json is not valid JSON')
    }
    if (!isPlainObject(parsed)) throw new ValidationError('pack.json must hold an object')
    return { files: filesFrom(parsed.files), meta: metadataFrom(parsed.pack) }
  }
  const emojiTxt = source.names.includes('emoji.txt') ? await text('emoji.txt') : null
  if (emojiTxt !== null) return { files: parseEmojiTxt(emojiTxt, packName), meta: {} }
  return { files: scanFiles(source.names), meta: {} }
}

export interface SkippedEmoji {
  shortcode: string
  file: string
  reason: string
}

export interface InstallResult {
  pack: Pack
  skipped: SkippedEmoji[]
}

export interface InstallOptions {
  /** the files are in the pack's folder already (import from the emoji folder): only register them */
  inPlace?: boolean
  /** called after each entry of the pack, for progress bars */
  onEntry?: (shortcode: string, skipped: SkippedEmoji | null) => void
}

/**
 * Installs a pack: registers it and its emoji in the database, copies the files into `<emoji>/<name>/` (unless
 * already there) and writes pack.json. A pack of that name must not exist yet.
 */
export async function installPack(ctx: Ctx, rawName: unknown, source: PackSource, description: PackDescription, opts: InstallOptions = {}): Promise<InstallResult> {
  const name = normalizePackName(rawName)
  if (!isPackName(name)) throw new ValidationError(`Invalid pack name "${name}": use letters, digits, "_", "-" and "."`)
  const skipped: SkippedEmoji[] = []
  const entries = Object.entries(description.files).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  const codes = entries.map(([code]) => code).filter(isShortcode)
  const taken = new Set<string>()
  for (let i = 0; i < codes.length; i += 1000) {
    const rows = await ctx.db.select({ shortcode: customEmojis.shortcode }).from(customEmojis)
      .where(and(inArray(customEmojis.shortcode, codes.slice(i, i + 1000)), isNull(customEmojis.domain)))
    for (const r of rows) taken.add(r.shortcode.toLowerCase())
  }

  const dir = packDir(ctx.config, name)
  const createsFolder = !opts.inPlace
  if (createsFolder && existsSync(dir)) throw new ConflictError(`A folder named "${name}" already exists in the emoji folder; import it from there instead`)

  const install = ctx.db.transaction(async (tx) => {
    const [row] = await tx.insert(emojiPacks).values({ name, ...description.meta }).onConflictDoNothing().returning({ name: emojiPacks.name })
    if (!row) throw new ConflictError(`A pack named "${name}" already exists`)
    const used = new Set<string>()
    for (const [shortcode, file] of entries) {
      const skip = (reason: string) => {
        skipped.push({ shortcode, file, reason })
        opts.onEntry?.(shortcode, skipped[skipped.length - 1])
      }
      if (!isShortcode(shortcode)) { skip('invalid shortcode'); continue }
      if (!isPackFileName(file)) { skip('unsafe or non-image file name'); continue }
      if (taken.has(shortcode.toLowerCase()) || used.has(shortcode.toLowerCase())) { skip('shortcode already exists'); continue }
      const data = await source.read(file)
      if (!data) { skip('file missing'); continue }
      try {
        assertEmojiImage(file, data)
      } catch (e) {
        skip((e as Error).message)
        continue
      }
      if (!opts.inPlace) await writeEmojiFile(ctx.config, packFilePath(ctx.config, name, file), data)
      await tx.insert(customEmojis).values({ shortcode, packName: name, fileName: file, fileKey: packFileKey(name, file) })
      used.add(shortcode.toLowerCase())
      opts.onEntry?.(shortcode, null)
    }
    return syncPackJson(tx, ctx.config, name)
  })
  try {
    return { pack: await install, skipped }
  } catch (e) {
    // nothing was registered: do not leave half a pack behind
    if (createsFolder) await rm(dir, { recursive: true, force: true })
    throw e
  }
}

/**
 * `GET /packs/import`: registers every folder of the emoji folder that is not a pack yet (with its pack.json,
 * emoji.txt or images) and answers their names.
 */
export async function importPacksFromFilesystem(ctx: Ctx): Promise<string[]> {
  const root = emojiRoot(ctx.config)
  const entries = await readdir(root, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return []
    throw new ValidationError('Error accessing emoji pack directory')
  })
  const dirs = entries.filter((e) => e.isDirectory() && isPackName(e.name)).map((e) => e.name).sort()
  if (!dirs.length) return []
  const known = new Set((await ctx.db.select({ name: emojiPacks.name }).from(emojiPacks).where(inArray(emojiPacks.name, dirs))).map((r) => r.name))
  const imported: string[] = []
  for (const name of dirs.filter((d) => !known.has(d))) {
    const source = await folderSource(packDir(ctx.config, name))
    try {
      await installPack(ctx, name, source, await describeSource(source, name), { inPlace: true })
      imported.push(name)
    } catch (e) {
      if (!(e instanceof ValidationError) && !(e instanceof ConflictError)) throw e
    }
  }
  return imported
}
