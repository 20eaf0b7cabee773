// The power-loss simulation of the embedded database (src/db/write-back-cache.ts, for crash testing): what is written
// to the data folder stays in the process's memory until it is fsynced, so killing the process loses what a power cut
// would. With the database's fsync on, every acknowledged commit survives such cuts; without it, they do not.
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { sql } from 'drizzle-orm'
import { seededRandom } from '../../scripts/seeded-random'
import { openPglite, resultRows } from '../../src/db/client'
import { pgliteExtensions, pgliteFsBundle, pgliteModules } from '../../src/db/pglite-assets'
import { DurableNodeFS, durableStartParams, POWER_LOSS_SIMULATION_ENV } from '../../src/db/pglite-durable-fs'

const ROOT = resolve(import.meta.dir, '../..')
const folders: string[] = []
const folder = () => {
  const dir = mkdtempSync(join(tmpdir(), 'rookery-power-loss-'))
  folders.push(dir)
  return dir
}
afterAll(() => { for (const dir of folders) rmSync(dir, { recursive: true, force: true }) })

describe('the write-back cache', () => {
  test('keeps written data in memory, where reads see it, until the file is fsynced; a cut loses the rest', async () => {
    const dir = folder()
    const fs = new DurableNodeFS(join(dir, 'pg'), { simulatePowerLoss: true })
    const pg = await PGlite.create({
      fs, startParams: durableStartParams(PGlite.defaultStartParams),
      ...(await pgliteModules({ initdb: true })), fsBundle: pgliteFsBundle(), extensions: pgliteExtensions(join(dir, 'cache')),
    })
    fs.syncAll()
    const FS = (pg as any).Module.FS
    const at = (name: string) => `${PGlite.paths.PGDATA}/${name}`
    const seen = (name: string) => new TextDecoder().decode(FS.readFile(at(name)))
    const onDisk = (name: string) => readFileSync(join(dir, 'pg', name), 'utf8')
    const write = (name: string, text: string, position: number) => {
      const stream = FS.open(at(name), 'r+')
      FS.write(stream, new TextEncoder().encode(text), 0, text.length, position)
      return stream
    }
    const fsync = (name: string) => {
      const stream = FS.open(at(name), 'r')
      stream.stream_ops.fsync(stream)
      FS.close(stream)
    }

    FS.writeFile(at('probe'), 'hello world')
    expect(seen('probe')).toBe('hello world')
    expect(FS.stat(at('probe')).size).toBe(11)
    expect(onDisk('probe')).toBe('') // the file is created at once; its data is not written yet

    FS.truncate(at('probe'), 5) // shrunk, then extended past a hole: the hole reads as zeros
    FS.close(write('probe', '!', 8))
    expect(seen('probe')).toBe('hello\0\0\0!')
    expect(onDisk('probe')).toBe('')
    fsync('probe')
    expect(onDisk('probe')).toBe('hello\0\0\0!')

    // writes across page boundaries over data already on the disk, then a truncation through an open descriptor
    FS.writeFile(at('pages'), 'a'.repeat(10_000))
    fsync('pages')
    const stream = write('pages', 'b'.repeat(20), 4090)
    FS.ftruncate(stream.fd, 9000)
    FS.close(stream)
    const expected = 'a'.repeat(4090) + 'b'.repeat(20) + 'a'.repeat(9000 - 4110)
    expect(seen('pages')).toBe(expected)
    expect(onDisk('pages')).toBe('a'.repeat(10_000))

    // renamed, a file keeps what is cached for it; the file renamed over goes with its cached data
    FS.writeFile(at('probe.tmp'), 'second')
    FS.rename(at('probe.tmp'), at('probe'))
    expect(seen('probe')).toBe('second')

    fs.cache!.discard() // the power cut: what was not fsynced is gone
    expect(seen('probe')).toBe('') // the renamed file: its name is there, its data never reached the disk
    expect(seen('pages')).toBe('a'.repeat(10_000))
    expect(onDisk('pages')).toBe('a'.repeat(10_000))
    // the instance is left as a cut leaves it: closing it would write the rest back
  }, 120_000)
})

/** Runs the writer child under the simulation and kills it with SIGKILL once `acks` commits are acknowledged. */
async function writeUntilCut(dir: string, fsync: 'on' | 'off', acks: number): Promise<number[]> {
  const proc = Bun.spawn([process.execPath, 'test/support/power-loss-writer.ts', dir, fsync], {
    cwd: ROOT, env: { ...process.env, [POWER_LOSS_SIMULATION_ENV]: '1' }, stdout: 'pipe', stderr: 'pipe',
  })
  const acked: number[] = []
  let out = ''
  const decoder = new TextDecoder()
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader()
  try {
    while (acked.length < acks) {
      const chunk = await reader.read()
      if (chunk.done) throw new Error(`the writer ended after ${acked.length} commits: ${await new Response(proc.stderr as ReadableStream).text()}`)
      out += decoder.decode(chunk.value, { stream: true })
      const lines = out.split('\n')
      out = lines.pop()!
      for (const line of lines) if (line.startsWith('ack ')) acked.push(Number(line.slice(4)))
    }
  } finally {
    proc.kill('SIGKILL')
    await proc.exited
  }
  return acked
}

/** The probe rows in the folder, opened as usual (no simulation), or null when it does not open. */
async function rowsIn(dir: string): Promise<Set<number> | null> {
  let database
  try {
    database = await openPglite(dir)
  } catch {
    return null
  }
  try {
    return new Set(resultRows<{ n: number }>(await database.db.execute(sql`select n from power_loss_probe`)).map((r) => r.n))
  } finally {
    await database.close()
  }
}

describe('power cuts of the embedded database', () => {
  test('with fsync on, every acknowledged commit survives each cut, from the new folder on', async () => {
    const dir = folder()
    const rand = seededRandom(20261206)
    const acked: number[] = []
    for (let cut = 0; cut < 3; cut++) acked.push(...await writeUntilCut(dir, 'on', 5 + Math.floor(rand() * 30)))
    const rows = await rowsIn(dir)
    expect(rows).not.toBeNull()
    expect(acked.filter((n) => !rows!.has(n))).toEqual([])
  }, 180_000)

  test('with fsync off, acknowledged commits are lost in a cut (the simulation bites)', async () => {
    const dir = folder()
    const acked = await writeUntilCut(dir, 'off', 20)
    const rows = await rowsIn(dir)
    // PGlite alone never syncs, so not even the folder it created reached the disk: it does not open
    const survived = rows ? acked.filter((n) => rows.has(n)).length : 0
    expect(survived).toBeLessThan(acked.length)
  }, 180_000)
})
