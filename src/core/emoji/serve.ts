import { realpath, stat } from 'node:fs/promises'
import { sep } from 'node:path'
import type { Config } from '../../config'
import { contentTypeOf } from './image'
import { emojiRoot, isPackFileName, isPackName, packFilePath } from './paths'

export interface EmojiFile {
  path: string
  contentType: string
  size: number
  modified: Date
}

/**
 * The file behind `/emoji/<pack>/<file>`: only image files inside the emoji folder (after resolving symbolic
 * links), never pack.json or anything outside. `rawPath` is the URL path after `/emoji/`, still percent-encoded.
 */
export async function findEmojiFile(config: Config, rawPath: string): Promise<EmojiFile | null> {
  let segments: string[]
  try {
    segments = rawPath.split('/').map((s) => decodeURIComponent(s))
  } catch {
    return null
  }
  const [pack, ...rest] = segments
  const fileName = rest.join('/')
  if (!pack || !isPackName(pack) || !isPackFileName(fileName)) return null
  const contentType = contentTypeOf(fileName)
  if (!contentType) return null
  const path = packFilePath(config, pack, fileName)
  const [real, root] = await Promise.all([realpath(path).catch(() => null), realpath(emojiRoot(config)).catch(() => null)])
  if (!real || !root || !real.startsWith(root + sep)) return null
  const info = await stat(real).catch(() => null)
  if (!info?.isFile()) return null
  return { path: real, contentType, size: info.size, modified: info.mtime }
}
