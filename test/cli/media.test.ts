// `rookery media prune` as a real process on a database of its own, with uploads made through the core functions.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import { uploadMedia } from '../../src/core/media/attachments'
import { detectMediaType } from '../../src/core/media/detect'
import { mediaStorage } from '../../src/core/media/storage'
import { inspectImage, storeImageOnly, storeUpload } from '../../src/core/media/upload'
import { accounts, mediaAttachments } from '../../src/db/schema'
import { fileOf, pngFixture } from '../support/media-fixtures'
import { cliEnvironment, rookery, TEST_DOMAIN, withCliContext, type CliEnv } from './run'

let cli: CliEnv
let mediaDir: string

beforeAll(async () => {
  cli = await cliEnvironment()
  mediaDir = mkdtempSync(join(tmpdir(), 'rookery-cli-media-'))
  cli.env.ROOKERY_MEDIA_DIR = mediaDir
  // the base URL the test's own context builds file URLs with, so the command recognises them as its files
  cli.env.ROOKERY_BASE_URL = `http://${TEST_DOMAIN}`
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

  test('--remote removes cached copies of remote media older than the age (7 days by default, or --older-than days)', async () => {
    const made = await withCtx(async (ctx) => {
      const storage = mediaStorage(ctx.config)
      const [remote] = await ctx.db.insert(accounts).values({ username: 'far', domain: 'far.example', avatarRemoteUrl: 'https://far.example/a.png' }).returning()
      const avatar = await storeImageOnly(storage, 'remote/avatars', await inspectImage(pngFixture(), 'avatar'))
      await ctx.db.update(accounts).set({ avatarUrl: storage.url(avatar.fileKey), profileMediaCachedAt: new Date(Date.now() - 10 * 86_400_000), profileMediaBytes: avatar.fileSize })
        .where(eq(accounts.id, remote.id))
      const cachedFile = async (daysAgo: number, n: number) => {
        const file = await storeUpload(storage, 'remote', pngFixture(), (await detectMediaType(pngFixture()))!)
        const [row] = await ctx.db.insert(mediaAttachments).values({
          accountId: remote.id, type: 'image', mimeType: 'image/png', remoteUrl: `https://far.example/${n}.png`,
          fileKey: file.fileKey, previewKey: file.previewKey, fileSize: file.fileSize, cachedAt: new Date(Date.now() - daysAgo * 86_400_000),
        }).returning()
        return row
      }
      return { remote, avatarKey: avatar.fileKey, old: await cachedFile(10, 1), recent: await cachedFile(2, 2) }
    })
    const inDir = (key: string | null) => join(mediaDir, key!)

    const dry = await rookery(cli, ['media', 'prune', '--remote', '--dry-run', '--json'])
    expect(dry.json()).toMatchObject({ attachments: 1, accounts: 1, dry_run: true })
    expect(existsSync(inDir(made.old.fileKey))).toBe(true)

    const run = await rookery(cli, ['media', 'prune', '--remote', '--json'])
    expect(run.code).toBe(0)
    expect(run.json()).toMatchObject({ attachments: 1, accounts: 1, files: made.old.previewKey ? 3 : 2, dry_run: false })
    expect(existsSync(inDir(made.old.fileKey))).toBe(false)
    expect(existsSync(inDir(made.avatarKey))).toBe(false)
    expect(existsSync(inDir(made.recent.fileKey))).toBe(true)

    const plain = await rookery(cli, ['media', 'prune', '--remote', '--older-than', '1'])
    expect(plain.stdout).toMatch(/^Removed cached copies of 1 remote attachment and 0 remote profiles/m)
    expect(existsSync(inDir(made.recent.fileKey))).toBe(false)

    const after = await withCtx(async (ctx) => ({
      media: await ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.accountId, made.remote.id)),
      account: (await ctx.db.select().from(accounts).where(eq(accounts.id, made.remote.id)))[0],
    }))
    expect(after.media.map((m) => [m.fileKey, m.cachedAt, m.remoteUrl]).sort()).toEqual([
      [null, null, 'https://far.example/1.png'], [null, null, 'https://far.example/2.png'],
    ])
    expect(after.account).toMatchObject({ avatarUrl: 'https://far.example/a.png', profileMediaCachedAt: null, profileMediaBytes: 0 })
  })

  test('a bad duration is a usage error', async () => {
    const bad = await rookery(cli, ['media', 'prune', '--older-than', 'soon'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('expected a duration')
    const help = await rookery(cli, ['media', 'prune', '--help'])
    expect(help.stdout).toContain('--dry-run')
  })
})
