// The embedded database syncs what it commits to the disk (PGlite alone never does), unless told not to.
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { openPglite, resultRows } from '../../src/db/client'
import { pgliteExtensions, pgliteFsBundle, pgliteModules } from '../../src/db/pglite-assets'
import { DurableNodeFS, durableStartParams } from '../../src/db/pglite-durable-fs'

const folders: string[] = []
const folder = () => {
  const dir = mkdtempSync(join(tmpdir(), 'rookery-durability-'))
  folders.push(dir)
  return dir
}
afterAll(() => { for (const dir of folders) rmSync(dir, { recursive: true, force: true }) })

describe('PGlite durability', () => {
  test('each commit is synced to the disk before it is acknowledged, and is there after a reopen', async () => {
    const dir = folder()
    const synced: number[] = []
    const open = async () => PGlite.create({
      fs: new DurableNodeFS(join(dir, 'pg'), { sync: (fd) => { synced.push(fd) } }),
      startParams: durableStartParams(PGlite.defaultStartParams),
      ...(await pgliteModules({ initdb: true })), fsBundle: pgliteFsBundle(), extensions: pgliteExtensions(join(dir, 'cache')),
    })
    let pg = await open()
    await pg.exec('create table notes (body text)')
    for (const body of ['one', 'two']) {
      const before = synced.length
      await pg.query('insert into notes (body) values ($1)', [body])
      expect(synced.length).toBeGreaterThan(before)
    }
    await pg.close()
    pg = await open()
    expect((await pg.query<{ body: string }>('select body from notes order by body')).rows.map((r) => r.body)).toEqual(['one', 'two'])
    await pg.close()
  }, 120_000)

  const settings = async (durable?: boolean) => {
    const database = await openPglite(folder(), durable === undefined ? {} : { durable })
    try {
      const row = async (name: string) => Object.values(resultRows<Record<string, string>>(await database.db.execute(`show ${name}`))[0]!)[0]
      return { fsync: await row('fsync'), walSyncMethod: await row('wal_sync_method') }
    } finally {
      await database.close()
    }
  }

  test('a data folder is opened with fsync on by default, and off when asked', async () => {
    expect(await settings()).toEqual({ fsync: 'on', walSyncMethod: 'fsync' })
    expect((await settings(false)).fsync).toBe('off')
  }, 180_000)
})
