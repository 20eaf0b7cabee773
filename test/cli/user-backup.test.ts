// `rookery user backup` as a real process on a database of its own, with posts made through the core functions.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { strFromU8, unzipSync } from 'fflate'
import type { Ctx } from '../../src/core/context'
import { postStatus } from '../../src/core/statuses/post-status'
import { accounts, userBackups, users } from '../../src/db/schema'
import { cliEnvironment, rookery, withCliContext, type CliEnv } from './run'

let cli: CliEnv
let mediaDir: string
let outDir: string

beforeAll(async () => {
  cli = await cliEnvironment()
  mediaDir = mkdtempSync(join(tmpdir(), 'rookery-cli-backup-media-'))
  outDir = mkdtempSync(join(tmpdir(), 'rookery-cli-backup-out-'))
  cli.env.ROOKERY_MEDIA_DIR = mediaDir
  for (const nick of ['keeper', 'stranger']) {
    expect((await rookery(cli, ['user', 'new', nick, `${nick}@example.com`, '--password', 'long enough password'])).code).toBe(0)
  }
})

afterAll(async () => {
  await cli?.cleanup()
  rmSync(mediaDir, { recursive: true, force: true })
  rmSync(outDir, { recursive: true, force: true })
})

const withCtx = <T>(work: (ctx: Ctx) => Promise<T>) => withCliContext(cli, mediaDir, work)

describe('user backup', () => {
  test('--out writes the zip with the user own posts of every visibility and nobody else', async () => {
    await withCtx(async (ctx) => {
      const byName = async (name: string) => (await ctx.db.select().from(accounts).where(eq(accounts.username, name)))[0]
      const [keeper, stranger] = [await byName('keeper'), await byName('stranger')]
      await postStatus(ctx, { accountId: keeper.id }, { status: 'kept in public' })
      await postStatus(ctx, { accountId: keeper.id }, { status: 'kept for followers', visibility: 'private' })
      await postStatus(ctx, { accountId: stranger.id }, { status: 'stranger private words', visibility: 'private' })
    })
    const out = join(outDir, 'keeper.zip')
    const r = await rookery(cli, ['user', 'backup', 'keeper', '--out', out, '--json'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.json()).toMatchObject({ path: out, statuses: 2, likes: 0, bookmarks: 0, files: 0 })
    const bytes = new Uint8Array(readFileSync(out))
    expect(r.json().file_size).toBe(bytes.length)
    const zip = unzipSync(bytes)
    expect(Object.keys(zip).sort()).toEqual(['actor.json', 'bookmarks.json', 'likes.json', 'outbox.json'])
    expect(JSON.parse(strFromU8(zip['actor.json'])).preferredUsername).toBe('keeper')
    const outbox = JSON.parse(strFromU8(zip['outbox.json']))
    expect(outbox.orderedItems.map((a: any) => a.object.source.content).sort()).toEqual(['kept for followers', 'kept in public'])
    expect(strFromU8(zip['outbox.json'])).not.toContain('stranger private words')
    // Nothing is kept on the server for an --out backup.
    await withCtx(async (ctx) => expect(await ctx.db.select().from(userBackups)).toEqual([]))
  })

  test('without --out the backup is stored for the user, listed and linked', async () => {
    const r = await rookery(cli, ['user', 'backup', 'keeper', '--json'])
    expect(r.code).toBe(0)
    const { backup } = r.json()
    expect(backup).toMatchObject({ processed: true, state: 'complete', content_type: 'application/zip' })
    const key = backup.url.slice(backup.url.indexOf('/media/') + '/media/'.length)
    expect(key).toMatch(/^backups\//)
    const bytes = new Uint8Array(readFileSync(join(mediaDir, key)))
    expect(bytes.length).toBe(backup.file_size)
    expect(Object.keys(unzipSync(bytes))).toContain('outbox.json')
    await withCtx(async (ctx) => {
      const rows = await ctx.db.select({ id: userBackups.id, user: users.accountId }).from(userBackups).innerJoin(users, eq(users.id, userBackups.userId))
      expect(rows.map((row) => row.id)).toEqual([backup.id])
    })
    // An administrator is not held to the daily limit.
    expect((await rookery(cli, ['user', 'backup', 'keeper', '--json'])).code).toBe(0)
  })

  test('an unknown user is an error and writes nothing', async () => {
    const out = join(outDir, 'nobody.zip')
    const r = await rookery(cli, ['user', 'backup', 'nobody_here', '--out', out])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/not found|nobody_here/i)
    expect(existsSync(out)).toBe(false)
  })
})
