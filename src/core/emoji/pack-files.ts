import { copyFile, mkdir, readdir, readFile, realpath, rename, rm, rmdir, writeFile } from 'node:fs/promises'
import { dirname, sep } from 'node:path'
import { and, eq, isNull } from 'drizzle-orm'
import type { Config } from '../../config'
import type { DbLike } from '../../db/client'
import { customEmojis } from '../../db/schema'
import type { Ctx } from '../context'
import { BadRequestError, ConflictError, ValidationError } from '../errors'
import { parseBool } from '../params'
import { MAX_ARCHIVE_BYTES, readZip } from './archive'
import { fetchRemote, parseRemoteUrl, type FetchOptions } from '../net/remote-fetch'
import { assertEmojiImage, EMOJI_MAX_BYTES } from './image'
import { getPack, syncPackJson } from './packs'
import { assertShortcode, emojiRoot, isPackFileName, isShortcode, packDir, packFileKey, packFilePath } from './paths'

/** Files of a pack: add (upload, URL or a zip of many), rename and delete, as Pleroma's EmojiFileController. */

const emptyValues = (what: string) => new ValidationError(`${what} cannot be empty`)
const missingEmoji = (code: string) => new BadRequestError(`Emoji "${code}" does not exist`)

const basename = (path: string) => path.slice(path.lastIndexOf('/') + 1)
const withoutExtension = (name: string) => (name.lastIndexOf('.') > 0 ? name.slice(0, name.lastIndexOf('.')) : name)
const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '')

/** Creates the folder of a file to be written; refuses when a symbolic link would take it outside the emoji folder. */
async function prepareFolder(config: Config, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  const [dir, root] = await Promise.all([realpath(dirname(path)), realpath(emojiRoot(config))])
  if (!dir.startsWith(root + sep)) throw new ValidationError('The emoji folder holds a symbolic link to elsewhere; refusing to write through it')
}

/** Writes a file through a temporary name, creating sub-folders. */
export async function writeEmojiFile(config: Config, path: string, data: Uint8Array): Promise<void> {
  await prepareFolder(config, path)
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`
  await writeFile(tmp, data)
  await rename(tmp, path)
}

/** Removes a pack file and the sub-folders it leaves empty. */
async function removeEmojiFile(config: Config, pack: string, fileName: string): Promise<void> {
  await rm(packFilePath(config, pack, fileName), { force: true })
  const root = packDir(config, pack)
  for (let dir = dirname(packFilePath(config, pack, fileName)); dir.startsWith(root + '/'); dir = dirname(dir)) {
    if ((await readdir(dir).catch(() => ['?'])).length) break
    await rmdir(dir).catch(() => {})
  }
}

/** The local emoji using a shortcode, in any pack (shortcodes are unique across packs). */
async function emojiByShortcode(db: DbLike, shortcode: string) {
  const [row] = await db.select().from(customEmojis).where(and(eq(customEmojis.shortcode, shortcode), isNull(customEmojis.domain))).limit(1)
  return row ?? null
}

async function insertEmoji(db: DbLike, config: Config, pack: string, shortcode: string, fileName: string, data: Uint8Array) {
  await writeEmojiFile(config, packFilePath(config, pack, fileName), data)
  await db.insert(customEmojis).values({ shortcode, packName: pack, fileName, fileKey: packFileKey(pack, fileName) })
}

export interface AddFileInput {
  shortcode?: unknown
  filename?: unknown
  /** an uploaded file, or the URL of one */
  file?: unknown
}

function isZip(file: Blob, bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 0x03 || bytes[2] === 0x05) || /zip/.test(file.type)
}

/** Every image of a zip upload becomes an emoji named after its file, skipping shortcodes already taken. */
async function addFilesFromZip(ctx: Ctx, packName: string, bytes: Uint8Array) {
  const entries = readZip(bytes, isPackFileName)
  return ctx.db.transaction(async (tx) => {
    const pack = await getPack(tx, packName, { lock: true })
    const usedFiles = new Set(Object.values(pack.files))
    for (const entry of entries) {
      const shortcode = withoutExtension(basename(entry.name))
      if (!isShortcode(shortcode) || usedFiles.has(entry.name) || (await emojiByShortcode(tx, shortcode))) continue
      try {
        assertEmojiImage(entry.name, entry.data)
      } catch {
        continue
      }
      await insertEmoji(tx, ctx.config, pack.name, shortcode, entry.name, entry.data)
      usedFiles.add(entry.name)
    }
    return (await syncPackJson(tx, ctx.config, pack.name)).files
  })
}

/** `POST /packs/files?name=`: adds one emoji (or every image of a zip); answers the pack's files. */
export async function addPackFile(ctx: Ctx, rawPack: unknown, input: AddFileInput, fetchOpts: Partial<FetchOptions> = {}): Promise<Record<string, string>> {
  const pack = await getPack(ctx.db, rawPack)
  let bytes: Uint8Array
  let sourceName: string
  if (input.file instanceof Blob) {
    if (input.file.size > MAX_ARCHIVE_BYTES) throw new ValidationError(`The file is larger than ${MAX_ARCHIVE_BYTES} bytes`)
    bytes = new Uint8Array(await input.file.arrayBuffer())
    if (isZip(input.file, bytes)) return addFilesFromZip(ctx, pack.name, bytes)
    sourceName = basename((input.file as File).name ?? '')
  } else if (typeof input.file === 'string' && input.file.trim()) {
    const url = parseRemoteUrl(input.file)
    bytes = (await fetchRemote(url, { maxBytes: EMOJI_MAX_BYTES, accept: 'image/*', ...fetchOpts })).body
    sourceName = decodeURIComponent(basename(url.pathname))
  } else {
    throw new ValidationError('file is required: an upload or a URL')
  }

  const fileName = str(input.filename) || sourceName
  const shortcode = str(input.shortcode) || withoutExtension(basename(fileName))
  if (!fileName || !shortcode) throw emptyValues('pack name, shortcode or filename')
  assertShortcode(shortcode)
  if (!isPackFileName(fileName)) throw new ValidationError(`Invalid file name "${fileName}": a relative path with an image extension`)
  assertEmojiImage(fileName, bytes)

  return ctx.db.transaction(async (tx) => {
    const locked = await getPack(tx, pack.name, { lock: true })
    if (await emojiByShortcode(tx, shortcode)) throw new ConflictError(`An emoji with the "${shortcode}" shortcode already exists`)
    if (Object.values(locked.files).includes(fileName)) throw new ConflictError(`The file "${fileName}" is already used by another emoji of the pack`)
    await insertEmoji(tx, ctx.config, locked.name, shortcode, fileName, bytes)
    return (await syncPackJson(tx, ctx.config, locked.name)).files
  })
}

export interface UpdateFileInput {
  shortcode?: unknown
  new_shortcode?: unknown
  new_filename?: unknown
  force?: unknown
}

/** `PATCH /packs/files?name=`: renames an emoji and/or its file; `force` replaces an emoji already using the new shortcode. */
export async function updatePackFile(ctx: Ctx, rawPack: unknown, input: UpdateFileInput): Promise<Record<string, string>> {
  const shortcode = str(input.shortcode)
  const newShortcode = str(input.new_shortcode)
  const newFileName = str(input.new_filename)
  const force = parseBool(input.force) ?? false
  if (!shortcode || !newShortcode || !newFileName) throw emptyValues('new_shortcode or new_filename')
  assertShortcode(newShortcode)
  if (!isPackFileName(newFileName)) throw new ValidationError(`Invalid file name "${newFileName}": a relative path with an image extension`)

  return ctx.db.transaction(async (tx) => {
    const pack = await getPack(tx, rawPack, { lock: true })
    const oldFileName = pack.files[shortcode]
    if (!oldFileName) throw missingEmoji(shortcode)
    const bytes = new Uint8Array(await readFile(packFilePath(ctx.config, pack.name, oldFileName)).catch(() => {
      throw missingEmoji(shortcode)
    }))
    if (newFileName !== oldFileName) assertEmojiImage(newFileName, bytes)

    // shortcodes are unique whatever their case, so the emoji itself is what a case-only rename finds
    const found = await emojiByShortcode(tx, newShortcode)
    const taken = found && found.shortcode.toLowerCase() !== shortcode.toLowerCase() ? found : null
    if (newFileName !== oldFileName) {
      const clash = Object.entries(pack.files).find(([code, file]) => file === newFileName && code !== shortcode && code !== taken?.shortcode)
      if (clash) throw new ConflictError(`The file "${newFileName}" is already used by the emoji "${clash[0]}"`)
    }
    if (taken) {
      if (!force) throw new ConflictError(`New shortcode "${newShortcode}" is already used. If you want to override emoji use 'force' option`)
      await tx.delete(customEmojis).where(eq(customEmojis.id, taken.id))
      if (taken.packName && taken.fileName) {
        const stillUsed = taken.packName === pack.name && (taken.fileName === oldFileName || Object.entries(pack.files).some(([c, f]) => c !== taken.shortcode && f === taken.fileName))
        if (!stillUsed) await removeEmojiFile(ctx.config, taken.packName, taken.fileName)
        if (taken.packName !== pack.name) await syncPackJson(tx, ctx.config, taken.packName)
      }
    }
    await tx.update(customEmojis)
      .set({ shortcode: newShortcode, fileName: newFileName, fileKey: packFileKey(pack.name, newFileName), updatedAt: new Date() })
      .where(and(eq(customEmojis.packName, pack.name), eq(customEmojis.shortcode, shortcode), isNull(customEmojis.domain)))
    if (newFileName !== oldFileName) {
      const target = packFilePath(ctx.config, pack.name, newFileName)
      await prepareFolder(ctx.config, target)
      // another shortcode may show the same file: then it keeps it
      if (Object.entries(pack.files).some(([code, file]) => code !== shortcode && code !== taken?.shortcode && file === oldFileName)) {
        await copyFile(packFilePath(ctx.config, pack.name, oldFileName), target)
      } else {
        await rename(packFilePath(ctx.config, pack.name, oldFileName), target)
        await removeEmojiFile(ctx.config, pack.name, oldFileName)
      }
    }
    return (await syncPackJson(tx, ctx.config, pack.name)).files
  })
}

/** `DELETE /packs/files?name=&shortcode=`: removes an emoji and its file. */
export async function deletePackFile(ctx: Ctx, rawPack: unknown, rawShortcode: unknown): Promise<Record<string, string>> {
  const shortcode = str(rawShortcode)
  if (!shortcode) throw emptyValues('pack name or shortcode')
  return ctx.db.transaction(async (tx) => {
    const pack = await getPack(tx, rawPack, { lock: true })
    const fileName = pack.files[shortcode]
    if (!fileName) throw missingEmoji(shortcode)
    await tx.delete(customEmojis).where(and(eq(customEmojis.packName, pack.name), eq(customEmojis.shortcode, shortcode), isNull(customEmojis.domain)))
    if (!Object.entries(pack.files).some(([code, file]) => code !== shortcode && file === fileName)) {
      await removeEmojiFile(ctx.config, pack.name, fileName)
    }
    return (await syncPackJson(tx, ctx.config, pack.name)).files
  })
}
