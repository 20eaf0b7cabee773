import { randomBytes } from 'node:crypto'
import { mkdir, open, rename, rm, stat } from 'node:fs/promises'
import { dirname, resolve, sep } from 'node:path'
import { S3Client } from 'bun'
import type { Config, S3Config } from '../../config'

/** A stored file as read back: its bytes (lazily) and size. */
export interface StoredFile {
  /** Bun.file for local files, an S3 file reference otherwise; both can be sliced for range requests. */
  blob: Blob
  size: number
  lastModified: Date | null
}

/** Where uploaded files live. Keys are relative paths made by `newStorageKey` (letters, digits, `-`, `_`, `.`, `/`). */
export interface MediaStorage {
  readonly kind: 'local' | 's3'
  put(key: string, data: Uint8Array, contentType: string): Promise<void>
  /** Stores the file at `path` (moved when local), without reading it into memory at once. */
  putFile(key: string, path: string, contentType: string): Promise<void>
  get(key: string): Promise<StoredFile | null>
  delete(key: string): Promise<void>
  /** The public URL clients fetch the file from. */
  url(key: string): string
}

const KEY_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*(\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$/

/** A safe storage key: no `..`, no absolute path, no backslashes or control characters. */
export function isStorageKey(key: string): boolean {
  return key.length <= 512 && KEY_PATTERN.test(key) && !key.split('/').some((part) => part === '.' || part === '..')
}

/** `<folder>/<yyyy>/<mm>/<32 random hex>[-suffix].<ext>`: unguessable, never reused, so files can be cached forever. */
export function newStorageKey(folder: string, ext: string, name = randomBytes(16).toString('hex')): string {
  const now = new Date()
  return `${folder}/${now.getUTCFullYear()}/${String(now.getUTCMonth() + 1).padStart(2, '0')}/${name}.${ext}`
}

function assertKey(key: string) {
  if (!isStorageKey(key)) throw new Error(`invalid storage key ${JSON.stringify(key)}`)
}

/** Flushes a file's data, or a folder's entries, to the disk. */
async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/**
 * Files in a folder on this machine, served by the app at `<baseUrl>/media/<key>`. A stored file is on the disk when
 * `put` returns, as the database row naming it is once committed: its data is synced before it is renamed into place,
 * and its folder (with every folder made for it) after, so that a machine crash cannot leave a status whose picture
 * is gone.
 */
export class LocalStorage implements MediaStorage {
  readonly kind = 'local'
  readonly root: string

  /** `sync` flushes a path to the disk (replaced in tests to see what is synced, and when). */
  constructor(root: string, private readonly publicBase: () => string, private readonly sync: (path: string) => Promise<void> = fsyncPath) {
    this.root = resolve(root)
  }

  /** Makes the file's folder; returns the folders whose entries must reach the disk once the file is in place. */
  private async folderFor(path: string): Promise<string[]> {
    const folder = dirname(path)
    const firstMade = await mkdir(folder, { recursive: true })
    const toSync = [folder]
    // Each folder made is named in its parent, which must be synced too, up to the first one that already existed.
    if (firstMade) for (let made = folder; made.length >= firstMade.length; made = dirname(made)) toSync.push(dirname(made))
    return toSync
  }

  /** Renames a complete file written aside into place, durably: data first, then the folder entries naming it. */
  private async moveIntoPlace(tmp: string, path: string, folders: string[]) {
    await this.sync(tmp)
    await rename(tmp, path)
    for (const folder of folders) await this.sync(folder)
  }

  /** The file's path, or null when the key could point outside the folder. */
  pathOf(key: string): string | null {
    if (!isStorageKey(key)) return null
    const path = resolve(this.root, key)
    return path.startsWith(this.root + sep) ? path : null
  }

  async put(key: string, data: Uint8Array, _contentType: string): Promise<void> {
    assertKey(key)
    const path = this.pathOf(key)!
    const folders = await this.folderFor(path)
    // Written aside and renamed, so a reader never sees half a file.
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
    await Bun.write(tmp, data)
    await this.moveIntoPlace(tmp, path, folders)
  }

  async putFile(key: string, source: string, _contentType: string): Promise<void> {
    assertKey(key)
    const path = this.pathOf(key)!
    const folders = await this.folderFor(path)
    try {
      await this.moveIntoPlace(source, path, folders)
    } catch (e) {
      if ((e as NodeJS.ErrnoException)?.code !== 'EXDEV') throw e
      // Another filesystem: copied aside first, so a reader never sees half a file.
      const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
      await Bun.write(tmp, Bun.file(source))
      await this.moveIntoPlace(tmp, path, folders)
      await rm(source, { force: true })
    }
  }

  async get(key: string): Promise<StoredFile | null> {
    const path = this.pathOf(key)
    if (!path) return null
    try {
      const info = await stat(path)
      if (!info.isFile()) return null
      return { blob: Bun.file(path), size: info.size, lastModified: info.mtime }
    } catch {
      return null
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key)
    if (path) await rm(path, { force: true })
  }

  url(key: string): string {
    return `${this.publicBase()}/${key}`
  }
}

/** The URL files in a bucket are fetched from when no public URL is configured. */
export function defaultS3PublicUrl(s3: S3Config): string {
  if (s3.endpoint) {
    const endpoint = new URL(s3.endpoint)
    return s3.virtualHostedStyle ? `${endpoint.protocol}//${s3.bucket}.${endpoint.host}` : `${s3.endpoint}/${s3.bucket}`
  }
  return `https://${s3.bucket}.s3.${s3.region}.amazonaws.com`
}

/** An S3-compatible bucket, through Bun's built-in client (AWS Signature V4). Clients fetch files from the bucket's public URL. */
export class S3Storage implements MediaStorage {
  readonly kind = 's3'
  private readonly client: S3Client
  private readonly publicBase: string

  constructor(s3: S3Config, publicBase?: string | null) {
    this.client = new S3Client({
      bucket: s3.bucket,
      region: s3.region,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
      virtualHostedStyle: s3.virtualHostedStyle,
      ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
    })
    this.publicBase = (publicBase || s3.publicUrl || defaultS3PublicUrl(s3)).replace(/\/+$/, '')
  }

  async put(key: string, data: Uint8Array, contentType: string): Promise<void> {
    assertKey(key)
    await this.client.write(key, data, { type: contentType })
  }

  async putFile(key: string, path: string, contentType: string): Promise<void> {
    assertKey(key)
    await this.client.write(key, Bun.file(path), { type: contentType })
  }

  async get(key: string): Promise<StoredFile | null> {
    if (!isStorageKey(key)) return null
    const file = this.client.file(key)
    try {
      const info = await file.stat()
      return { blob: file, size: info.size, lastModified: info.lastModified ?? null }
    } catch (e) {
      if ((e as { code?: string }).code === 'NoSuchKey' || /not ?found|404/i.test(String((e as Error).message))) return null
      throw e
    }
  }

  async delete(key: string): Promise<void> {
    if (!isStorageKey(key)) return
    await this.client.delete(key)
  }

  url(key: string): string {
    return `${this.publicBase}/${key}`
  }
}

const cache = new WeakMap<Config, MediaStorage>()

/** The storage a configuration names: its S3 bucket when one is set, else the local media folder. One per config. */
export function mediaStorage(config: Config): MediaStorage {
  let storage = cache.get(config)
  if (!storage) {
    const media = config.media
    storage = media.s3
      ? new S3Storage(media.s3, media.baseUrl)
      : new LocalStorage(media.dir, () => media.baseUrl ?? `${config.baseUrl}/media`)
    cache.set(config, storage)
  }
  return storage
}

/** The storage key behind one of our own file URLs (to delete a replaced avatar), or null for any other URL. */
export function keyFromUrl(storage: MediaStorage, url: string | null | undefined): string | null {
  if (!url) return null
  const prefix = storage.url('')
  if (!url.startsWith(prefix)) return null
  const key = url.slice(prefix.length)
  return isStorageKey(key) ? key : null
}
