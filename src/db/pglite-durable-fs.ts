import { closeSync, fsyncSync, openSync } from 'node:fs'
import type { PGlite } from '@electric-sql/pglite'
import { NodeFS } from '@electric-sql/pglite/nodefs'

/**
 * PGlite's Node file system, with the fsync it lacks. PGlite starts PostgreSQL with `-F` (fsync off), and even without
 * it every fsync would do nothing: Emscripten's NODEFS has no `fsync` for its files (WASI `fd_sync` then succeeds
 * without syncing) and `fdatasync` is a no-op outright. This gives NODEFS an fsync that reaches the disk, for files
 * and for folders (a renamed or created file is durable once its folder is synced); PostgreSQL must then run with
 * fsync on and `wal_sync_method=fsync` (see `DURABLE_START_PARAMS`).
 */
export class DurableNodeFS extends NodeFS {
  /** `sync` is what reaches the disk for an open file descriptor (`fs.fsyncSync`). */
  constructor(dataDir: string, private readonly sync: (fd: number) => void = fsyncSync) {
    super(dataDir)
  }

  override async init(pg: PGlite, opts: Parameters<NodeFS['init']>[1]) {
    const { emscriptenOpts } = await super.init(pg, opts)
    const addFsync = (mod: any) => {
      const { NODEFS, FS } = mod
      NODEFS.stream_ops.fsync = (stream: any) => NODEFS.tryFSOperation(() => {
        if (stream.nfd !== undefined && stream.nfd !== null) {
          this.sync(stream.nfd)
        } else if (FS.isDir(stream.node.mode)) {
          const fd = openSync(NODEFS.realPath(stream.node), 'r')
          try {
            this.sync(fd)
          } finally {
            closeSync(fd)
          }
        }
        return 0
      })
    }
    return { emscriptenOpts: { ...emscriptenOpts, preRun: [addFsync, ...((emscriptenOpts.preRun as any[]) ?? [])] } }
  }
}

/** PGlite's start parameters less `-F` (fsync off), with WAL flushed by fsync (fdatasync does nothing here). */
export function durableStartParams(defaults: string[]): string[] {
  return [...defaults.filter((p) => p !== '-F'), '-c', 'fsync=on', '-c', 'wal_sync_method=fsync']
}
