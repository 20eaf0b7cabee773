import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs'
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
    super(`the data folder ${dataDir} is in use by another Rookery process (pid ${info.pid}, ${info.role})`)
  }
}

const LOCK_FILE = 'rookery.lock'

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export function readLock(dataDir: string): LockInfo | null {
  const path = join(dataDir, LOCK_FILE)
  if (!existsSync(path)) return null
  try {
    const info = JSON.parse(readFileSync(path, 'utf8')) as LockInfo
    return alive(info.pid) && info.pid !== process.pid ? info : null
  } catch {
    return null
  }
}

/** Takes the exclusive lock of an embedded database folder; throws DataDirLockedError while another live process holds it. */
export function acquireLock(dataDir: string, role: string): { update(patch: Partial<LockInfo>): void; release(): void } {
  mkdirSync(dataDir, { recursive: true })
  const path = join(dataDir, LOCK_FILE)
  let info: LockInfo = { pid: process.pid, role, startedAt: new Date().toISOString() }
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx')
      writeSync(fd, JSON.stringify(info))
      closeSync(fd)
      break
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
        const holder = readLock(dataDir)
        if (holder) throw new DataDirLockedError(holder, dataDir)
        if (attempt > 2) throw e
      }
      const holder = readLock(dataDir)
      if (holder) throw new DataDirLockedError(holder, dataDir)
      rmSync(path, { force: true }) // stale lock of a process that is gone
    }
  }
  let released = false
  const release = () => {
    if (released) return
    released = true
    try {
      const current = JSON.parse(readFileSync(path, 'utf8')) as LockInfo
      if (current.pid === process.pid) rmSync(path, { force: true })
    } catch {}
  }
  process.once('exit', release)
  return {
    update(patch) {
      info = { ...info, ...patch }
      writeFileSync(path, JSON.stringify(info))
    },
    release,
  }
}
