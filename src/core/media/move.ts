import { readdir, rm, stat } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { eq, like } from 'drizzle-orm'
import type { DbLike } from '../../db/client'
import { accounts } from '../../db/schema'
import { CONTENT_TYPES } from './detect'
import { isStorageKey, LocalStorage, type MediaStorage } from './storage'

export type MovedFile = { key: string; bytes: number; outcome: 'copied' | 'skipped' | 'failed'; error?: string }

export interface MoveResult {
  files: number
  copied: number
  skipped: number
  failed: MovedFile[]
  bytes: number
  deletedLocal: number
  /** profile pictures whose stored URL now points into the bucket */
  urlsRewritten: number
  from: string
  to: string
}

/** Every file under `root` as a storage key (files being written aside, `*.tmp`, are left out). */
export async function listLocalKeys(root: string): Promise<string[]> {
  const keys: string[] = []
  const walk = async (dir: string) => {
    let entries
    try {
      entries = await readdir(dir, { withFileTypes: true })
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return
      throw e
    }
    for (const entry of entries) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) await walk(path)
      else if (entry.isFile() && !entry.name.endsWith('.tmp')) {
        const key = relative(root, path).split(sep).join('/')
        if (isStorageKey(key)) keys.push(key)
      }
    }
  }
  await walk(root)
  return keys.sort()
}

/**
 * Copies every file of the local media folder into the bucket and checks each one's size there afterwards. A file the
 * bucket already holds at the same size is skipped, so an interrupted move can simply be run again. With
 * `deleteLocal`, each local file goes once its copy is verified. Profile pictures are the only rows that store full
 * file URLs (attachments, previews and cards store keys): theirs are rewritten to the bucket's URLs at the end.
 */
export async function moveMediaToS3(
  db: DbLike, source: LocalStorage, target: MediaStorage,
  opts: { deleteLocal?: boolean; onFile?: (file: MovedFile) => void } = {},
): Promise<MoveResult> {
  const keys = await listLocalKeys(source.root)
  const result: MoveResult = {
    files: keys.length, copied: 0, skipped: 0, failed: [], bytes: 0, deletedLocal: 0, urlsRewritten: 0,
    from: source.url(''), to: target.url(''),
  }
  for (const key of keys) {
    const path = source.pathOf(key)!
    const size = (await stat(path)).size
    let file: MovedFile
    try {
      const there = await target.get(key)
      if (there && there.size === size) {
        file = { key, bytes: size, outcome: 'skipped' }
        result.skipped++
      } else {
        await target.putFile(key, path, CONTENT_TYPES[key.slice(key.lastIndexOf('.') + 1).toLowerCase()] ?? 'application/octet-stream')
        const copied = await target.get(key)
        if (!copied || copied.size !== size) throw new Error(`the bucket holds ${copied ? `${copied.size} bytes` : 'nothing'} after the upload of ${size}`)
        file = { key, bytes: size, outcome: 'copied' }
        result.copied++
        result.bytes += size
      }
      if (opts.deleteLocal) {
        await rm(path, { force: true })
        result.deletedLocal++
      }
    } catch (e) {
      file = { key, bytes: size, outcome: 'failed', error: (e as Error).message }
      result.failed.push(file)
    }
    opts.onFile?.(file)
  }
  // URLs of files that did not make it stay as they are, so they keep being served from here.
  const failed = new Set(result.failed.map((f) => f.key))
  for (const field of ['avatarUrl', 'headerUrl', 'backgroundUrl'] as const) {
    const column = accounts[field]
    const rows = await db.select({ id: accounts.id, url: column }).from(accounts).where(like(column, `${escapeLike(result.from)}%`))
    for (const row of rows) {
      const key = row.url!.slice(result.from.length)
      if (!isStorageKey(key) || failed.has(key)) continue
      await db.update(accounts).set({ [field]: target.url(key) }).where(eq(accounts.id, row.id))
      result.urlsRewritten++
    }
  }
  return result
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`)
