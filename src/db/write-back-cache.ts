import { closeSync, fstatSync, ftruncateSync, lstatSync, openSync, readSync, writeSync } from 'node:fs'

/**
 * A page cache in the process's memory in front of PGlite's Node file system, for crash testing only: data written to
 * a file stays here (and reads see it) until PostgreSQL fsyncs that file, as in a kernel that never writes dirty pages
 * back on its own. A `kill -9` of the process then loses exactly what a power cut would: everything not fsynced.
 *
 * What is cached is a file's contents and its size (writes, extensions and truncations), per inode, so it follows the
 * file through renames and is shared by every descriptor of it. Creating, renaming and unlinking files and folders
 * reach the disk at once. PostgreSQL makes each of those durable right after anyway where it matters: a file it
 * puts in place by renaming is written, fsynced, renamed and its folder fsynced (`durable_rename`: WAL segments,
 * replication origin state), SLRU folders are fsynced at every checkpoint, and relation files are fsynced at checkpoints
 * (on ext4 and XFS that also makes their names durable) while the ones created or dropped since the last checkpoint are
 * created or dropped again by WAL replay. Holding those operations back would only add states PostgreSQL is built to
 * recover from. An fsync of a folder syncs the folder and writes back no file in it, as on Linux. A clean close writes
 * everything back (the kernel would have).
 */
export class WriteBackCache {
  static readonly PAGE = 4096
  private readonly files = new Map<string, CachedFile>()
  private realPath: (node: unknown) => string = () => { throw new Error('the write-back cache is not installed') }

  /** Files with data not yet written back. */
  get dirtyFiles(): number {
    return this.files.size
  }

  /** Puts the cache in front of Emscripten's NODEFS (`mod.NODEFS`, `mod.FS`), before anything is mounted. */
  install(mod: { NODEFS: any; FS: any }) {
    const { NODEFS, FS } = mod
    const streamOps = { ...NODEFS.stream_ops }
    const nodeOps = { ...NODEFS.node_ops }
    const fail = <T>(fn: () => T): T => NODEFS.tryFSOperation(fn)
    this.realPath = (node) => NODEFS.realPath(node)

    Object.assign(NODEFS.stream_ops, {
      read: (stream: any, buffer: Int8Array, offset: number, length: number, position: number) => {
        const file = this.files.size ? this.files.get(this.streamKey(stream)) : undefined
        if (!file) return streamOps.read(stream, buffer, offset, length, position)
        return fail(() => this.read(file, new Uint8Array(buffer.buffer, buffer.byteOffset + offset, length), position))
      },
      write: (stream: any, buffer: Int8Array, offset: number, length: number, position: number) => fail(() => {
        this.write(this.fileOf(stream), new Uint8Array(buffer.buffer, buffer.byteOffset + offset, length), position)
        return length
      }),
      llseek: (stream: any, offset: number, whence: number) => {
        if (whence !== 2 || !FS.isFile(stream.node.mode)) return streamOps.llseek(stream, offset, whence)
        const position = offset + this.sizeOf(stream)
        if (position < 0) throw new FS.ErrnoError(28)
        return position
      },
      getattr: (stream: any) => {
        let stat: any
        const attr = NODEFS.doGetAttr(() => (stat = fstatSync(stream.nfd)), stream.node)
        const file = this.files.get(keyOf(stat))
        if (file) attr.size = file.size
        return attr
      },
      setattr: (stream: any, attr: any) => {
        if (attr.size !== undefined) fail(() => this.truncate(this.fileOf(stream), attr.size))
        return streamOps.setattr(stream, { ...attr, size: undefined })
      },
    })

    Object.assign(NODEFS.node_ops, {
      getattr: (node: any) => {
        let stat: any
        const attr = NODEFS.doGetAttr(() => (stat = lstatSync(NODEFS.realPath(node))), node)
        const file = FS.isFile(stat.mode) ? this.files.get(keyOf(stat)) : undefined
        if (file) attr.size = file.size
        return attr
      },
      setattr: (node: any, attr: any) => {
        if (attr.size !== undefined) fail(() => this.truncate(this.fileAt(NODEFS.realPath(node)), attr.size))
        return nodeOps.setattr(node, { ...attr, size: undefined })
      },
      unlink: (parent: any, name: string) => {
        this.forget(`${NODEFS.realPath(parent)}/${name}`)
        return nodeOps.unlink(parent, name)
      },
      rename: (node: any, dir: any, name: string) => {
        // a file renamed over is gone, with what was cached for it (unless it is another name of the same file)
        this.forget(`${NODEFS.realPath(dir)}/${name}`, NODEFS.realPath(node))
        return nodeOps.rename(node, dir, name)
      },
    })
  }

  /** Writes back what is cached for the file open as `stream` (the caller then fsyncs it). */
  writeBack(stream: any) {
    const key = this.streamKey(stream)
    const file = this.files.get(key)
    if (!file) return
    this.flush(file)
    this.drop(key)
  }

  /** Writes back every file, as the kernel would in its own time; for a clean close. */
  writeBackAll() {
    for (const [key, file] of this.files) {
      this.flush(file)
      this.drop(key)
    }
  }

  /** A power cut, in process: everything not yet written back is gone. */
  discard() {
    for (const key of [...this.files.keys()]) this.drop(key)
  }

  private streamKey(stream: any): string {
    return (stream.writeBackKey ??= keyOf(fstatSync(stream.nfd)))
  }

  private sizeOf(stream: any): number {
    return this.files.get(this.streamKey(stream))?.size ?? fstatSync(stream.nfd).size
  }

  /** The cached file behind `stream`, made on its first write; ours holds a descriptor of its own to write back through. */
  private fileOf(stream: any): CachedFile {
    const key = this.streamKey(stream)
    const known = this.files.get(key)
    if (known) return known
    let fd = openSync(this.realPath(stream.node), 'r+')
    // the path may name another file by now (this one was unlinked while open): reopen the descriptor itself
    if (keyOf(fstatSync(fd)) !== key) {
      closeSync(fd)
      fd = openSync(`/proc/self/fd/${stream.nfd}`, 'r+')
    }
    return this.add(key, fd)
  }

  private fileAt(path: string): CachedFile {
    const fd = openSync(path, 'r+')
    const key = keyOf(fstatSync(fd))
    const known = this.files.get(key)
    if (!known) return this.add(key, fd)
    closeSync(fd)
    return known
  }

  private add(key: string, fd: number): CachedFile {
    const size = fstatSync(fd).size
    const file: CachedFile = { fd, size, realValid: size, pages: new Map() }
    this.files.set(key, file)
    return file
  }

  private drop(key: string) {
    const file = this.files.get(key)
    if (!file) return
    this.files.delete(key)
    closeSync(file.fd)
  }

  /** The last name of a file is about to go: so does its cached data, unless `keep` names the same file. */
  private forget(path: string, keep?: string) {
    if (!this.files.size) return
    let stat
    try {
      stat = lstatSync(path)
      if (keep && keyOf(lstatSync(keep)) === keyOf(stat)) return
    } catch {
      return
    }
    if (stat.isFile() && stat.nlink <= 1) this.drop(keyOf(stat))
  }

  /** Bytes of the real file, up to `realValid` (beyond it the file reads as zeros). */
  private readReal(file: CachedFile, into: Uint8Array, position: number) {
    const valid = Math.max(0, Math.min(into.length, file.realValid - position))
    let got = 0
    while (got < valid) {
      const n = readSync(file.fd, into, got, valid - got, position + got)
      if (n === 0) break
      got += n
    }
    into.fill(0, got)
  }

  private read(file: CachedFile, into: Uint8Array, position: number): number {
    const length = Math.max(0, Math.min(into.length, file.size - position))
    if (!length) return 0
    const out = into.subarray(0, length)
    this.readReal(file, out, position)
    const { PAGE } = WriteBackCache
    for (let index = Math.floor(position / PAGE); index * PAGE < position + length; index++) {
      const page = file.pages.get(index)
      if (!page) continue
      const from = Math.max(position, index * PAGE)
      const to = Math.min(position + length, (index + 1) * PAGE)
      out.set(page.subarray(from - index * PAGE, to - index * PAGE), from - position)
    }
    return length
  }

  private write(file: CachedFile, data: Uint8Array, position: number) {
    const { PAGE } = WriteBackCache
    let done = 0
    while (done < data.length) {
      const at = position + done
      const index = Math.floor(at / PAGE)
      const within = at - index * PAGE
      const n = Math.min(PAGE - within, data.length - done)
      let page = file.pages.get(index)
      if (!page) {
        page = new Uint8Array(PAGE)
        if (n < PAGE) this.readReal(file, page, index * PAGE)
        file.pages.set(index, page)
      }
      page.set(data.subarray(done, done + n), within)
      done += n
    }
    file.size = Math.max(file.size, position + data.length)
  }

  private truncate(file: CachedFile, size: number) {
    const { PAGE } = WriteBackCache
    if (size < file.size) {
      for (const index of file.pages.keys()) if (index * PAGE >= size) file.pages.delete(index)
      file.pages.get(Math.floor(size / PAGE))?.fill(0, size % PAGE)
      file.realValid = Math.min(file.realValid, size)
    }
    file.size = size
  }

  private flush(file: CachedFile) {
    const { PAGE } = WriteBackCache
    if (fstatSync(file.fd).size > file.realValid) ftruncateSync(file.fd, file.realValid)
    for (const index of [...file.pages.keys()].sort((a, b) => a - b)) {
      const length = Math.min(PAGE, file.size - index * PAGE)
      let done = 0
      while (done < length) done += writeSync(file.fd, file.pages.get(index)!, done, length - done, index * PAGE + done)
    }
    ftruncateSync(file.fd, file.size)
  }
}

interface CachedFile {
  /** a read-write descriptor of the real file: what is written back goes through it, and it keeps the inode alive */
  fd: number
  /** the file's size as the process sees it */
  size: number
  /** where no page is cached, the real file's bytes below this are current; above it the file reads as zeros */
  realValid: number
  /** written pages, by index */
  pages: Map<number, Uint8Array>
}

const keyOf = (stat: { dev: number | bigint; ino: number | bigint }) => `${stat.dev}:${stat.ino}`
