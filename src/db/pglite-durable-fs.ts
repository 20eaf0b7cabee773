import { closeSync, fsyncSync, openSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { PGlite } from '@electric-sql/pglite'
import { NodeFS } from '@electric-sql/pglite/nodefs'
import { WriteBackCache } from './write-back-cache'

/** Turns on the power-loss simulation of the embedded database (`WriteBackCache`); for crash testing only. */
export const POWER_LOSS_SIMULATION_ENV = 'ROOKERY_CRASH_TEST_POWER_LOSS'

export interface DurableNodeFSOptions {
  /** Give NODEFS its fsync (the point of this class); without it fsync does nothing, as in PGlite alone. */
  fsync?: boolean
  /** What reaches the disk for an open file descriptor (`fs.fsyncSync`). */
  sync?: (fd: number) => void
  /** Keep written data in memory until it is fsynced (`WriteBackCache`), to simulate power loss by killing the process. */
  simulatePowerLoss?: boolean
}

/**
 * PGlite's Node file system, with the fsync it lacks. PGlite starts PostgreSQL with `-F` (fsync off), and even without
 * it every fsync would do nothing: Emscripten's NODEFS has no `fsync` for its files (WASI `fd_sync` then succeeds
 * without syncing) and `fdatasync` is a no-op outright. This gives NODEFS an fsync that reaches the disk, for files
 * and for folders (a renamed or created file is durable once its folder is synced); PostgreSQL must then run with
 * fsync on and `wal_sync_method=fsync` (see `durableStartParams`). For crash testing, `simulatePowerLoss` puts a
 * `WriteBackCache` in front of it (with or without the fsync), so that killing the process acts as a power cut.
 */
export class DurableNodeFS extends NodeFS {
  private readonly sync: (fd: number) => void
  private readonly fsync: boolean
  /** Present in the power-loss simulation only. */
  readonly cache: WriteBackCache | null

  constructor(private readonly root: string, opts: DurableNodeFSOptions = {}) {
    super(root)
    this.sync = opts.sync ?? fsyncSync
    this.fsync = opts.fsync ?? true
    this.cache = opts.simulatePowerLoss ? new WriteBackCache() : null
  }

  override async init(pg: PGlite, opts: Parameters<NodeFS['init']>[1]) {
    const { emscriptenOpts } = await super.init(pg, opts)
    const patch = (mod: any) => {
      const { NODEFS, FS } = mod
      this.cache?.install(mod)
      if (!this.fsync) return
      NODEFS.stream_ops.fsync = (stream: any) => NODEFS.tryFSOperation(() => {
        if (stream.nfd !== undefined && stream.nfd !== null) {
          if (FS.isFile(stream.node.mode)) this.cache?.writeBack(stream)
          this.sync(stream.nfd)
        } else if (FS.isDir(stream.node.mode)) {
          this.syncPath(NODEFS.realPath(stream.node))
        }
        return 0
      })
    }
    return { emscriptenOpts: { ...emscriptenOpts, preRun: [patch, ...((emscriptenOpts.preRun as any[]) ?? [])] } }
  }

  /**
   * Syncs every file and folder of the data folder, as `initdb` does when it has written a new one: PGlite writes a new
   * folder unsynced, and PostgreSQL later syncs only the files it changes.
   */
  syncAll() {
    this.cache?.writeBackAll()
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(join(dir, entry.name))
        else if (entry.isFile()) this.syncPath(join(dir, entry.name))
      }
      this.syncPath(dir)
    }
    walk(this.root)
    this.syncPath(dirname(this.root)) // where the folder itself is named
  }

  override async closeFs() {
    await super.closeFs()
    // a clean stop is no power cut: the kernel would write all of it back in its own time
    this.cache?.writeBackAll()
  }

  private syncPath(path: string) {
    const fd = openSync(path, 'r')
    try {
      this.sync(fd)
    } finally {
      closeSync(fd)
    }
  }
}

/** PGlite's start parameters less `-F` (fsync off), with WAL flushed by fsync (fdatasync does nothing here). */
export function durableStartParams(defaults: string[]): string[] {
  return [...defaults.filter((p) => p !== '-F'), '-c', 'fsync=on', '-c', 'wal_sync_method=fsync']
}
