// `rookery media prune` as a real process on a database of its own, with uploads made through the core functions.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import { uploadMedia } from '../../src/core/media/attachments'
import { accounts, mediaAttachments } from '../../src/db/schema'
import { fileOf, pngFixture } from '../support/media-fixtures'
import { cliEnvironment, rookery, withCliContext, type CliEnv } from './run'

let cli: CliEnv
let mediaDir: string

beforeAll(async () => {
  cli = await cliEnvironment()
  mediaDir = mkdtempSync(join(tmpdir(), 'rookery-cli-media-'))
  cli.env.ROOKERY_MEDIA_DIR = mediaDir
  expect((await rookery(cli, ['user', 'new', 'uploader', 'uploader@example.com', '--password', 'long enough password'])).code).toBe(0)
})

afterAll(async () => {
  await cli?.cleanup()
  rmSync(mediaDir, { recursive: true, force: true })
})

const withCtx = <T>(work: (ctx: Ctx) => Promise<T>) => withCliContext(cli, mediaDir, work)

describe('media prune', () => {
  test('--dry-run counts, a real run deletes rows and files of old orphans only; --older-than sets the age', async () => {
    const made = await withCtx(async (ctx) => {
      const [account] = await ctx.db.select().from(accounts).where(eq(accounts.username, 'uploader'))
      const upload = () => uploadMedia(ctx, account.id, { file: fileOf(pngFixture(), 'image/png', 'p.png') })
      const [old, hourOld, fresh] = [await upload(), await upload(), await upload()]
      await ctx.db.update(mediaAttachments).set({ createdAt: new Date(Date.now() - 3 * 86_400_000) }).where(eq(mediaAttachments.id, old.id))
      await ctx.db.update(mediaAttachments).set({ createdAt: new Date(Date.now() - 3 * 3_600_000) }).where(eq(mediaAttachments.id, hourOld.id))
      return { old, hourOld, fresh }
    })
    const fileOfRow = (row: { fileKey: string | null }) => join(mediaDir, row.fileKey!)
    expect(existsSync(fileOfRow(made.old))).toBe(true)

    const dry = await rookery(cli, ['media', 'prune', '--dry-run', '--json'])
    expect(dry.code).toBe(0)
    expect(dry.json()).toMatchObject({ attachments: 1, files: 0, dry_run: true, bytes: made.old.fileSize })
    expect(existsSync(fileOfRow(made.old))).toBe(true)

    const run = await rookery(cli, ['media', 'prune', '--json'])
    expect(run.json()).toMatchObject({ attachments: 1, files: 2, dry_run: false })
    expect(existsSync(fileOfRow(made.old))).toBe(false)
    expect(existsSync(fileOfRow(made.hourOld))).toBe(true)

    const plain = await rookery(cli, ['media', 'prune', '--older-than', '2h'])
    expect(plain.code).toBe(0)
    expect(plain.stdout).toMatch(/^Deleted 1 orphaned upload \(0\.0 MB\)$/m)
    expect(existsSync(fileOfRow(made.hourOld))).toBe(false)

    const left = await withCtx((ctx) => ctx.db.select({ id: mediaAttachments.id }).from(mediaAttachments))
    expect(left.map((r) => r.id)).toEqual([made.fresh.id])
    expect(existsSync(fileOfRow(made.fresh))).toBe(true)
  })

  test('a bad duration is a usage error', async () => {
    const bad = await rookery(cli, ['media', 'prune', '--older-than', 'soon'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('expected a duration')
    const help = await rookery(cli, ['media', 'prune', '--help'])
    expect(help.stdout).toContain('--dry-run')
  })
})
