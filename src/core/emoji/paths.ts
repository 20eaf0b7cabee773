import { join, resolve, sep } from 'node:path'
import type { Config } from '../../config'
import { BadRequestError, ValidationError } from '../errors'
import { isEmojiFileName } from './image'

/**
 * Names that reach the filesystem. Every pack name, file name and shortcode is checked here, at every entry point
 * (API, CLI, imports, archives, remote packs), before any path is built from it.
 */

/** Pack names: letters, digits, `_`, `-` and `.`, not starting with a dot (so never `.` or `..`). */
const PACK_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}$/
/** Shortcodes as Pleroma matches them in text (`:[A-Za-z0-9_-]+:`); no `/`, `\`, `:` or `.`. */
const SHORTCODE = /^[A-Za-z0-9_-]{1,64}$/
/** One segment of a file path inside a pack: printable, no separators, wildcards or quotes. */
const SEGMENT = /^[^\x00-\x1f\x7f/\\:*?"<>|]{1,128}$/
const MAX_DEPTH = 4

export const isPackName = (name: string) => PACK_NAME.test(name)
export const isShortcode = (code: string) => SHORTCODE.test(code)

/** A relative file path inside a pack (`blob.png`, `sub/blob.png`) with an image extension. */
export function isPackFileName(name: string): boolean {
  if (name.length > 255 || name.startsWith('/')) return false
  const parts = name.split('/')
  if (parts.length > MAX_DEPTH) return false
  if (!parts.every((p) => SEGMENT.test(p) && p !== '.' && p !== '..' && p.trim() === p)) return false
  return isEmojiFileName(name)
}

export function emojiRoot(config: Pick<Config, 'dataDir'>): string {
  return resolve(config.dataDir, 'emoji')
}

/** The folder of a pack; throws for names that could point anywhere else. */
export function packDir(config: Pick<Config, 'dataDir'>, name: string): string {
  if (!isPackName(name)) throw new BadRequestError(`Invalid pack name "${name}"`)
  const root = emojiRoot(config)
  const dir = join(root, name)
  if (!dir.startsWith(root + sep)) throw new BadRequestError(`Invalid pack name "${name}"`)
  return dir
}

/** A file of a pack on disk; throws for paths that could leave the pack's folder. */
export function packFilePath(config: Pick<Config, 'dataDir'>, pack: string, fileName: string): string {
  if (!isPackFileName(fileName)) throw new ValidationError(`Invalid file name "${fileName}"`)
  const dir = packDir(config, pack)
  const path = resolve(dir, fileName)
  if (!path.startsWith(dir + sep)) throw new ValidationError(`Invalid file name "${fileName}"`)
  return path
}

export function assertShortcode(code: string): void {
  if (!isShortcode(code)) throw new ValidationError(`Invalid shortcode "${code}": use letters, digits, "_" and "-"`)
}

/** `/emoji/<pack>/<file>` with every segment percent-encoded, as served by the emoji route. */
export function emojiPath(fileKey: string): string {
  return '/emoji/' + fileKey.split('/').map(encodeURIComponent).join('/')
}

export function emojiUrl(baseUrl: string, fileKey: string): string {
  return baseUrl + emojiPath(fileKey)
}

/** The storage key of a pack file: `<pack>/<file>`, relative to the emoji folder. */
export const packFileKey = (pack: string, fileName: string) => `${pack}/${fileName}`
