// What the benches read about processes on this machine from /proc (Linux): the server they start, and the
// PostgreSQL backends that work for it (so PostgreSQL must run on the same machine).
import { readFileSync } from 'node:fs'
import { sql } from 'drizzle-orm'
import { resultRows, type DbLike } from '../src/db/client'

/**
 * CPU time the process has used so far (user and system, all threads), in ms: far steadier than wall time on a loaded
 * machine. Throws when the process is gone.
 */
export function cpuMs(pid: number): number {
  // the command name in parentheses may hold spaces: the fields are counted after it
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10 // utime, stime in clock ticks of 10 ms (CLK_TCK 100 on Linux)
}

/** The process's resident memory in MB: in all, anonymous, file-backed, and its peak so far. */
export function memoryMb(pid: number): { rss: number; anon: number; file: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const mb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024
  return { rss: mb('VmRSS'), anon: mb('RssAnon'), file: mb('RssFile'), peak: mb('VmHWM') }
}

/** The backends of this database whose connections carry `application` as their name, but for the asking one. */
export async function backendPids(db: DbLike, application = 'rookery'): Promise<number[]> {
  return resultRows<{ pid: number }>(await db.execute(sql`select pid from pg_stat_activity
    where application_name = ${application} and datname = current_database() and pid <> pg_backend_pid()`)).map((r) => r.pid)
}

/** CPU milliseconds used so far by each of `pids` still running (one that ended meanwhile is left out). */
export function cpuByProcess(pids: number[]): Map<number, number> {
  const out = new Map<number, number>()
  for (const pid of pids) {
    try {
      out.set(pid, cpuMs(pid))
    } catch {} // ended meanwhile
  }
  return out
}

/** CPU milliseconds used so far by the application's backends of this database, all together. */
export async function backendsCpuMs(db: DbLike): Promise<number> {
  return [...cpuByProcess(await backendPids(db)).values()].reduce((sum, ms) => sum + ms, 0)
}
