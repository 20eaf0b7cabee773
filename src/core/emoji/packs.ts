import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { asc, count, eq, inArray, isNull, and } from 'drizzle-orm'
import type { Config } from '../../config'
import type { DbLike } from '../../db/client'
import { customEmojis, emojiPacks } from '../../db/schema'
import type { Ctx } from '../context'
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors'
import { isPlainObject, parseBool } from '../params'
import { makeZip, MAX_ARCHIVE_BYTES, readZip } from './archive'
import { fetchRemote, type FetchOptions } from '../net/remote-fetch'
import { emojiRoot, isPackName, packDir, packFilePath } from './paths'

/**
 * Pleroma emoji packs. The database is the source of truth (it is what statuses and the emoji list read);
 * each pack also lives on disk as `<data dir>/emoji/<name>/` with its files and a `pack.json` mirroring the database
 * in Pleroma's format, rewritten after every change, so archives and other tools see a regular Pleroma pack.
 */

export interface PackMetadata {
  license: string
  homepage: string
  description: string
  /** the pack may be downloaded from this server as an archive */
  shareFiles: boolean
  /** a zip with every file of the pack (and no pack.json), for servers that cannot download it from here */
  fallbackSrc: string | null
  /** upper-case hex SHA-256 of that zip */
  fallbackSrcSha256: string | null
}

export interface Pack {
  name: string
  meta: PackMetadata
  /** shortcode → file name inside the pack, sorted by shortcode */
  files: Record<string, string>
}

/** The `pack` object of pack.json: Pleroma's kebab-case keys, fallbacks only when set. */
export function metadataJson(meta: PackMetadata): Record<string, unknown> {
  return {
    license: meta.license,
    homepage: meta.homepage,
    description: meta.description,
    ...(meta.fallbackSrc ? { 'fallback-src': meta.fallbackSrc, 'fallback-src-sha256': meta.fallbackSrcSha256 } : {}),
    'share-files': meta.shareFiles,
  }
}

/** pack.json as Pleroma writes it: `files`, `files_count` and `pack`. */
export function packJson(pack: Pack) {
  return { files: pack.files, files_count: Object.keys(pack.files).length, pack: metadataJson(pack.meta) }
}

export const packJsonText = (pack: Pack) => JSON.stringify(packJson(pack), null, 2) + '\n'

const byShortcode = (a: [string, string], b: [string, string]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)

function toMeta(row: typeof emojiPacks.$inferSelect): PackMetadata {
  return {
    license: row.license,
    homepage: row.homepage,
    description: row.description,
    shareFiles: row.shareFiles,
    fallbackSrc: row.fallbackSrc,
    fallbackSrcSha256: row.fallbackSrcSha256,
  }
}

export function normalizePackName(raw: unknown): string {
  const name = typeof raw === 'string' ? raw.trim() : ''
  if (!name) throw new BadRequestError('pack name cannot be empty')
  return name
}

const packNotFound = (name: string) => new NotFoundError(`Pack ${name} does not exist`)

/** Loads packs with their files (two queries); the pack row can be locked for an update. */
async function loadPacks(db: DbLike, names: string[]): Promise<Pack[]> {
  if (!names.length) return []
  const rows = await db.select().from(emojiPacks).where(inArray(emojiPacks.name, names)).orderBy(asc(emojiPacks.name))
  const files = await db.select({ packName: customEmojis.packName, shortcode: customEmojis.shortcode, fileName: customEmojis.fileName })
    .from(customEmojis).where(and(inArray(customEmojis.packName, names), isNull(customEmojis.domain)))
  const byPack = new Map<string, [string, string][]>()
  for (const f of files) {
    if (!f.packName || !f.fileName) continue
    byPack.set(f.packName, [...(byPack.get(f.packName) ?? []), [f.shortcode, f.fileName]])
  }
  return rows.map((row) => ({ name: row.name, meta: toMeta(row), files: Object.fromEntries((byPack.get(row.name) ?? []).sort(byShortcode)) }))
}

export async function getPack(db: DbLike, rawName: unknown, opts: { lock?: boolean } = {}): Promise<Pack> {
  const name = normalizePackName(rawName)
  if (opts.lock) {
    const [locked] = await db.select({ name: emojiPacks.name }).from(emojiPacks).where(eq(emojiPacks.name, name)).for('update')
    if (!locked) throw packNotFound(name)
  }
  const [pack] = await loadPacks(db, [name])
  if (!pack) throw packNotFound(name)
  return pack
}

/** Rewrites a pack's pack.json from the database (atomically: a temporary file renamed over it). */
export async function writePackJson(config: Config, pack: Pack): Promise<void> {
  const dir = packDir(config, pack.name)
  await mkdir(dir, { recursive: true })
  const tmp = join(dir, `.pack.json.${process.pid}.${Date.now()}`)
  await writeFile(tmp, packJsonText(pack))
  await rename(tmp, join(dir, 'pack.json'))
}

/** Re-reads a pack inside the caller's transaction and mirrors it to pack.json. */
export async function syncPackJson(db: DbLike, config: Config, name: string): Promise<Pack> {
  const pack = await getPack(db, name)
  await writePackJson(config, pack)
  return pack
}

// ---------------------------------------------------------------------------------------------- archives

/** The archive of a pack, cached by a stamp of its pack.json and files (sizes and times). */
const archiveCache = new Map<string, { stamp: string; sha256: string }>()

async function fileStamps(config: Config, pack: Pack): Promise<string | null> {
  const parts: string[] = []
  for (const file of Object.values(pack.files)) {
    const info = await stat(packFilePath(config, pack.name, file)).catch(() => null)
    if (!info?.isFile()) return null
    parts.push(`${file}:${info.size}:${info.mtimeMs}`)
  }
  return parts.join('\n')
}

/** Whether the pack may be served as an archive: shared, and every file present. */
async function downloadStamp(config: Config, pack: Pack): Promise<string | null> {
  if (!pack.meta.shareFiles) return null
  const files = await fileStamps(config, pack)
  return files === null ? null : `${packJsonText(pack)}\n${files}`
}

/** The zip Pleroma serves for a pack: pack.json, then every file, by shortcode. */
async function buildArchive(config: Config, pack: Pack): Promise<Uint8Array> {
  const entries = [{ name: 'pack.json', data: new TextEncoder().encode(packJsonText(pack)) }]
  const seen = new Set<string>()
  for (const file of Object.values(pack.files)) {
    if (seen.has(file)) continue
    seen.add(file)
    entries.push({ name: file, data: new Uint8Array(await readFile(packFilePath(config, pack.name, file))) })
  }
  return makeZip(entries)
}

export const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex').toUpperCase()

/** `can-download` and, when true, `download-sha256` for a pack. */
async function downloadInfo(config: Config, pack: Pack): Promise<{ canDownload: boolean; sha256?: string }> {
  const stamp = await downloadStamp(config, pack)
  if (stamp === null) return { canDownload: false }
  const key = packDir(config, pack.name)
  const cached = archiveCache.get(key)
  if (cached?.stamp === stamp) return { canDownload: true, sha256: cached.sha256 }
  const sha256 = sha256Hex(await buildArchive(config, pack))
  archiveCache.set(key, { stamp, sha256 })
  return { canDownload: true, sha256 }
}

/** The archive of a shared pack; 403 when sharing is off or files are missing, 404 for unknown packs. */
export async function packArchive(ctx: Ctx, rawName: unknown): Promise<{ name: string; zip: Uint8Array }> {
  const pack = await getPack(ctx.db, rawName)
  const stamp = await downloadStamp(ctx.config, pack)
  if (stamp === null) {
    throw new ForbiddenError(`Pack ${pack.name} cannot be downloaded from this instance, either pack sharing was disabled for this pack or some files are missing`)
  }
  const zip = await buildArchive(ctx.config, pack)
  archiveCache.set(packDir(ctx.config, pack.name), { stamp, sha256: sha256Hex(zip) })
  return { name: pack.name, zip }
}

// ---------------------------------------------------------------------------------------------- reading

/** A pack as the API shows it: files, their count, and the metadata with `can-download` (and its archive's SHA-256). */
export async function renderPack(config: Config, pack: Pack, files = pack.files) {
  const info = await downloadInfo(config, pack)
  return {
    files,
    files_count: Object.keys(pack.files).length,
    pack: { ...metadataJson(pack.meta), 'can-download': info.canDownload, ...(info.sha256 ? { 'download-sha256': info.sha256 } : {}) },
  }
}

function positiveInt(raw: unknown, name: string, fallback: number, min: number): number {
  if (raw === undefined || raw === null || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isSafeInteger(n) || n < min) throw new BadRequestError(`${name} must be a whole number of at least ${min}`)
  return n
}

export function readPaging(input: Record<string, unknown>, defaultSize: number) {
  return { page: positiveInt(input.page, 'page', 1, 1), pageSize: positiveInt(input.page_size, 'page_size', defaultSize, 0) }
}

/** `GET /packs`: a page of packs by name and the total count. */
export async function listPacks(ctx: Ctx, paging: { page: number; pageSize: number }) {
  const [{ n }] = await ctx.db.select({ n: count() }).from(emojiPacks)
  const names = await ctx.db.select({ name: emojiPacks.name }).from(emojiPacks).orderBy(asc(emojiPacks.name))
    .limit(paging.pageSize).offset((paging.page - 1) * paging.pageSize)
  const packs = await loadPacks(ctx.db, names.map((r) => r.name))
  const out: Record<string, Awaited<ReturnType<typeof renderPack>>> = {}
  for (const pack of packs) out[pack.name] = await renderPack(ctx.config, pack)
  return { count: Number(n), packs: out }
}

/** Every pack with its files, by name (for the command line). */
export async function allPacks(db: DbLike): Promise<Pack[]> {
  const names = await db.select({ name: emojiPacks.name }).from(emojiPacks).orderBy(asc(emojiPacks.name))
  return loadPacks(db, names.map((r) => r.name))
}

/** `GET /pack?name=`: one pack with a page of its files (sorted by shortcode). */
export async function showPack(ctx: Ctx, rawName: unknown, paging: { page: number; pageSize: number }) {
  const pack = await getPack(ctx.db, rawName)
  const start = (paging.page - 1) * paging.pageSize
  const files = Object.fromEntries(Object.entries(pack.files).slice(start, start + paging.pageSize))
  return renderPack(ctx.config, pack, files)
}

// ---------------------------------------------------------------------------------------------- writing

/** Creates an empty pack (database row, folder, pack.json). */
export async function createPack(ctx: Ctx, rawName: unknown, meta: Partial<PackMetadata> = {}): Promise<Pack> {
  const name = normalizePackName(rawName)
  if (!isPackName(name)) throw new BadRequestError(`Invalid pack name "${name}": use letters, digits, "_", "-" and "."`)
  const dir = packDir(ctx.config, name)
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx.insert(emojiPacks).values({ name, ...meta }).onConflictDoNothing().returning({ name: emojiPacks.name })
    if (!row) throw new ConflictError(`A pack named "${name}" already exists`)
    await mkdir(emojiRoot(ctx.config), { recursive: true })
    try {
      await mkdir(dir)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new ConflictError(`A folder named "${name}" already exists in the emoji folder; import it instead`)
      throw e
    }
    return syncPackJson(tx, ctx.config, name)
  })
}

/** Deletes a pack, its emoji and its folder. */
export async function deletePack(ctx: Ctx, rawName: unknown): Promise<void> {
  const name = normalizePackName(rawName)
  await ctx.db.transaction(async (tx) => {
    const [row] = await tx.delete(emojiPacks).where(eq(emojiPacks.name, name)).returning({ name: emojiPacks.name })
    if (!row) throw packNotFound(name)
    await tx.delete(customEmojis).where(and(eq(customEmojis.packName, name), isNull(customEmojis.domain)))
    await rm(packDir(ctx.config, name), { recursive: true, force: true })
  })
  archiveCache.delete(packDir(ctx.config, name))
}

const METADATA_LIMITS: Record<string, number> = { license: 1000, homepage: 2000, description: 5000, 'fallback-src': 2000, 'fallback-src-sha256': 64 }

function metaString(metadata: Record<string, unknown>, key: string): string | null {
  const value = metadata[key]
  if (value === undefined || value === null || value === '') return null
  if (typeof value !== 'string') throw new ValidationError(`metadata["${key}"] must be a string`)
  if (value.length > METADATA_LIMITS[key]) throw new ValidationError(`metadata["${key}"] is longer than ${METADATA_LIMITS[key]} characters`)
  return value
}

/** Reads Pleroma's `metadata` object (license, homepage, description, share-files, fallback-src, fallback-src-sha256). */
export function readMetadata(raw: unknown): PackMetadata {
  if (!isPlainObject(raw)) throw new ValidationError('metadata must be an object')
  const share = raw['share-files']
  const shareFiles = parseBool(share)
  if (share !== undefined && share !== null && share !== '' && shareFiles === undefined) throw new ValidationError('metadata["share-files"] must be a boolean')
  const sha = metaString(raw, 'fallback-src-sha256')
  if (sha && !/^[0-9A-Fa-f]{64}$/.test(sha)) throw new ValidationError('metadata["fallback-src-sha256"] must be a hex SHA-256')
  return {
    license: metaString(raw, 'license') ?? '',
    homepage: metaString(raw, 'homepage') ?? '',
    description: metaString(raw, 'description') ?? '',
    shareFiles: shareFiles ?? false,
    fallbackSrc: metaString(raw, 'fallback-src'),
    fallbackSrcSha256: sha?.toUpperCase() ?? null,
  }
}

/**
 * Checks that a fallback archive holds every file of the pack and returns its SHA-256, as Pleroma does when an
 * admin sets `fallback-src`.
 */
export async function fallbackSha256(pack: Pack, url: string, fetchOpts: Partial<FetchOptions> = {}): Promise<string> {
  const res = await fetchRemote(url, { maxBytes: MAX_ARCHIVE_BYTES, timeoutMs: 120_000, ...fetchOpts })
  const wanted = new Set(Object.values(pack.files))
  const found = new Set(readZip(res.body, (name) => wanted.has(name)).map((e) => e.name))
  if ([...wanted].some((f) => !found.has(f))) throw new BadRequestError('The fallback archive does not have all files specified in pack.json')
  return sha256Hex(res.body)
}

/**
 * `PATCH /pack`: replaces the pack's metadata. A new `fallback-src` is downloaded and checked, and its SHA-256
 * stored. Answers the stored metadata.
 */
export async function updatePackMetadata(ctx: Ctx, rawName: unknown, rawMetadata: unknown, fetchOpts: Partial<FetchOptions> = {}) {
  const meta = readMetadata(rawMetadata)
  const current = await getPack(ctx.db, rawName)
  if (meta.fallbackSrc && meta.fallbackSrc !== current.meta.fallbackSrc) {
    meta.fallbackSrcSha256 = await fallbackSha256(current, meta.fallbackSrc, fetchOpts)
  }
  if (!meta.fallbackSrc) meta.fallbackSrcSha256 = null
  const pack = await ctx.db.transaction(async (tx) => {
    await getPack(tx, current.name, { lock: true })
    await tx.update(emojiPacks).set({ ...meta, updatedAt: new Date() }).where(eq(emojiPacks.name, current.name))
    return syncPackJson(tx, ctx.config, current.name)
  })
  return metadataJson(pack.meta)
}
