// Start time and idle memory of `rookery serve`: starts it several times and prints, for each start, the time from
// exec to the first 200 of /api/v1/instance (and the CPU time the process used until then), the RSS at 5 s (and at
// --idle-seconds), and the peak RSS (VmHWM).
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/rookery_start bun bench/start.ts [--runs 3] [--binary dist/rookery]
//   bun bench/start.ts --data-dir /tmp/rookery-start        # embedded PGlite (the first start initialises it)
//
// With DATABASE_URL the database is dropped and created once, then migrated by a first start reported apart;
// with --data-dir the folder is emptied first, and its first initialisation is reported apart.
import { spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { loadavg } from 'node:os'
import { freshDatabase } from './database'
import { option } from './options'
import { cpuMs, memoryMb } from './proc'

const RUNS = Number(option('runs', '3'))
const PORT = Number(option('port', '4479'))
const BINARY = option('binary', '')
const DATA_DIR = option('data-dir', '')
const IDLE_SECONDS = Number(option('idle-seconds', '5'))
const url = process.env.DATABASE_URL
if (!url && !DATA_DIR) {
  console.error('DATABASE_URL (PostgreSQL) or --data-dir (embedded PGlite) is required')
  process.exit(2)
}

const command = BINARY ? [BINARY, 'serve'] : [process.execPath, 'src/cli/index.ts', 'serve']
const env: Record<string, string> = { ...(process.env as Record<string, string>), PORT: String(PORT), ROOKERY_LOG_REQUESTS: 'false' }
if (DATA_DIR) {
  delete env.DATABASE_URL
  env.ROOKERY_DATA_DIR = DATA_DIR
}

async function once(): Promise<{ firstAnswer: number; cpu: number; rss: number; anon: number; file: number; rssIdle: number; peak: number }> {
  const started = performance.now()
  const child = spawn(command[0], command.slice(1), { env, stdio: ['ignore', 'ignore', 'inherit'] })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  try {
    let firstAnswer = 0
    let cpu = 0
    // Bounded: 120 s at 10 ms steps at most (a first PGlite initialisation takes seconds).
    for (let i = 0; i < 12_000 && !firstAnswer; i++) {
      if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}`)
      try {
        if ((await fetch(`http://127.0.0.1:${PORT}/api/v1/instance`)).ok) {
          firstAnswer = performance.now() - started
          cpu = cpuMs(child.pid!)
        }
      } catch {}
      if (!firstAnswer) await Bun.sleep(10)
    }
    if (!firstAnswer) throw new Error('no answer within 120 s')
    await Bun.sleep(5000)
    const at5 = memoryMb(child.pid!)
    if (IDLE_SECONDS > 5) await Bun.sleep((IDLE_SECONDS - 5) * 1000)
    const idle = memoryMb(child.pid!)
    return { firstAnswer, cpu, rss: at5.rss, anon: at5.anon, file: at5.file, rssIdle: idle.rss, peak: idle.peak }
  } finally {
    child.kill('SIGTERM')
    await Promise.race([exited, Bun.sleep(15_000)])
    if (child.exitCode === null) child.kill('SIGKILL')
  }
}

const fmt = (r: Awaited<ReturnType<typeof once>>) =>
  `first answer ${(r.firstAnswer / 1000).toFixed(2)} s (CPU ${(r.cpu / 1000).toFixed(2)} s), RSS at 5 s ${r.rss.toFixed(0)} MB (anonymous ${r.anon.toFixed(0)}, file ${r.file.toFixed(0)})` +
  (IDLE_SECONDS > 5 ? `, at ${IDLE_SECONDS} s ${r.rssIdle.toFixed(0)} MB` : '') + `, peak ${r.peak.toFixed(0)} MB` +
  `, load ${loadavg()[0].toFixed(1)}`

if (url) await freshDatabase(url)
if (DATA_DIR) rmSync(DATA_DIR, { recursive: true, force: true })
console.log(`${command.join(' ')} on ${DATA_DIR ? `PGlite in ${DATA_DIR}` : 'PostgreSQL'}`)
console.log(`first start (${DATA_DIR ? 'initialises the data folder' : 'migrates an empty database'}): ${fmt(await once())}`)
for (let i = 1; i <= RUNS; i++) console.log(`start ${i}: ${fmt(await once())}`)
