import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface LockInfo {
  pid: number
  /** what holds the lock: `serve` exposes the database on `socket` for other commands */
  role: string
  socket?: string
  startedAt: string
}

export class DataDirLockedError extends Error {
  constructor(readonly info: LockInfo, dataDir: string) {
    const what = info.role === 'serve' ? 'a running Rookery server'
      : info.role === 'worker' ? 'a running Rookery worker (the embedded database serves one process; run several on PostgreSQL)'
      : `another Rookery command (${info.role})`
    super(`the data folder ${dataDir} is in use by ${what}, pid ${info.pid}; stop it first` +
      ` (if no such process exists, delete ${join(dataDir, LOCK_FILE)})`)
  }
}

export const LOCK_FILE = 'rookery.lock'

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function parse(path: string): LockInfo | null {
  try {
    const info = JSON.parse(readFileSync(path, 'utf8')) as LockInfo
    return typeof info.pid === 'number' ? info : null
  } catch {
    return null
  }
}

/** The live process holding the data folder, if any (never this process). */
export function readLock(dataDir: string): LockInfo | null {
  const path = join(dataDir, LOCK_FILE)
  if (!existsSync(path)) return null
  const info = parse(path)
  return info && alive(info.pid) && info.pid !== process.pid ? info : null
}

/** Writes the file completely under a temporary name first, so readers never see half a lock. */
function writeTemp(dataDir: string, info: LockInfo): string {
  const tmp = join(dataDir, `${LOCK_FILE}.${process.pid}.${Date.now()}`)
  writeFileSync(tmp, JSON.stringify(info), { mode: 0o600 })
  return tmp
}

/** Takes the exclusive lock of an embedded database folder; throws DataDirLockedError while another live process holds it. */
export function acquireLock(dataDir: string, role: string): { update(patch: Partial<LockInfo>): void; release(): void } {
  mkdirSync(dataDir, { recursive: true })
  const path = join(dataDir, LOCK_FILE)
  let info: LockInfo = { pid: process.pid, role, startedAt: new Date().toISOString() }
  for (let attempt = 0; ; attempt++) {
    const tmp = writeTemp(dataDir, info)
    try {
      linkSync(tmp, path) // atomic, and fails when the lock exists
      break
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw e
      const current = parse(path)
      if (current && current.pid !== process.pid && alive(current.pid)) throw new DataDirLockedError(current, dataDir)
      if (!current && attempt === 0) {
        // unreadable: maybe a lock written by an older version at this very moment; look once more before breaking it
        Bun.sleepSync(50)
        continue
      }
      rmSync(path, { force: true }) // left by a process that is gone
    } finally {
      rmSync(tmp, { force: true })
    }
  }
  let released = false
  const release = () => {
    if (released) return
    released = true
    if (parse(path)?.pid === process.pid) rmSync(path, { force: true })
  }
  process.once('exit', release)
  return {
    update(patch) {
      info = { ...info, ...patch }
      renameSync(writeTemp(dataDir, info), path)
    },
    release,
  }
}
