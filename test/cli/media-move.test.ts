// `rookery media move --to-s3` as a real process against a small S3-compatible server on loopback: every local file is
// copied and checked, an interrupted move finishes on the next run, profile pictures point at the bucket, and the
// server redirects old /media links to the bucket.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { uploadMedia } from '../../src/core/media/attachments'
import { LocalStorage } from '../../src/core/media/storage'
import { accounts } from '../../src/db/schema'
import { contextWith } from '../support/context'
import { call } from '../support/http'
import { fileOf, pngFixture } from '../support/media-fixtures'
import { cliEnvironment, rookery, TEST_DOMAIN, withCliContext, type CliEnv } from './run'

const BUCKET = 'rookery-moved'
let cli: CliEnv
let mediaDir: string
let s3: ReturnType<typeof Bun.serve>
const objects = new Map<string, Uint8Array<ArrayBuffer>>()
const unsigned: string[] = []
/** keys whose upload the bucket refuses, to interrupt a move */
const refusing = new Set<string>()
let keys: string[] = []
let avatarKey = ''

beforeAll(async () => {
  // Enough of S3 for the move: PUT, GET, HEAD and DELETE of objects, path-style, refusing requests not signed with SigV4.
  s3 = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      const path = decodeURIComponent(new URL(req.url).pathname)
      const auth = req.headers.get('authorization') ?? ''
      if (!/^AWS4-HMAC-SHA256 Credential=AKIDMOVE\/\d{8}\/us-east-1\/s3\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/.test(auth)) {
        unsigned.push(`${req.method} ${path}`)
        return new Response('<Error><Code>AccessDenied</Code></Error>', { status: 403 })
      }
      if (!path.startsWith(`/${BUCKET}/`)) return new Response('<Error><Code>NoSuchBucket</Code></Error>', { status: 404 })
      const key = path.slice(BUCKET.length + 2)
      if (req.method === 'PUT') {
        if (refusing.has(key)) return new Response('<Error><Code>InternalError</Code></Error>', { status: 500 })
        objects.set(key, new Uint8Array(await req.arrayBuffer()))
        return new Response(null, { headers: { etag: '"1"' } })
      }
      if (req.method === 'DELETE') {
        objects.delete(key)
        return new Response(null, { status: 204 })
      }
      const object = objects.get(key)
      if (!object) return new Response('<Error><Code>NoSuchKey</Code></Error>', { status: 404 })
      return new Response(req.method === 'HEAD' ? null : object, { headers: { 'content-length': String(object.length), etag: '"1"' } })
    },
  })
  cli = await cliEnvironment()
  mediaDir = mkdtempSync(join(tmpdir(), 'rookery-cli-move-'))
  cli.env.ROOKERY_MEDIA_DIR = mediaDir
  expect((await rookery(cli, ['user', 'new', 'mover', 'mover@example.com', '--password', 'long enough password'])).code).toBe(0)
  await withCliContext(cli, mediaDir, async (ctx) => {
    const [account] = await ctx.db.select().from(accounts).where(eq(accounts.username, 'mover'))
    await uploadMedia(ctx, account.id, { file: fileOf(pngFixture(64, 48), 'image/png', 'a.png') })
    await uploadMedia(ctx, account.id, { file: fileOf(pngFixture(32, 32, [10, 200, 10]), 'image/png', 'b.png') })
    avatarKey = 'avatars/2026/12/0123456789abcdef0123456789abcdef.png'
    await new LocalStorage(mediaDir, () => '').put(avatarKey, pngFixture(16, 16), 'image/png')
    await ctx.db.update(accounts).set({ avatarUrl: `https://${TEST_DOMAIN}/media/${avatarKey}` }).where(eq(accounts.id, account.id))
  })
  const { listLocalKeys } = await import('../../src/core/media/move')
  keys = await listLocalKeys(mediaDir)
}, 120_000)

afterAll(async () => {
  s3?.stop(true)
  await cli?.cleanup()
  rmSync(mediaDir, { recursive: true, force: true })
})

const s3Env = () => ({
  ROOKERY_S3_BUCKET: BUCKET, ROOKERY_S3_ENDPOINT: `http://127.0.0.1:${s3.port}`, ROOKERY_S3_REGION: 'us-east-1',
  ROOKERY_S3_ACCESS_KEY_ID: 'AKIDMOVE', ROOKERY_S3_SECRET_ACCESS_KEY: 'move-secret',
})

describe('media move --to-s3', () => {
  test('without a bucket configured it says what to set', async () => {
    const r = await rookery(cli, ['media', 'move', '--to-s3'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('no bucket configured: set ROOKERY_S3_BUCKET')
  })

  test('copies and checks every file; an interrupted move finishes on the next run; profile pictures follow', async () => {
    // three uploads' files (two originals, one preview or more) and the avatar
    expect(keys.length).toBeGreaterThanOrEqual(3)
    expect(keys).toContain(avatarKey)
    const stuck = keys.find((k) => k.startsWith('attachments/'))!
    refusing.add(stuck)
    const first = await rookery(cli, ['media', 'move', '--to-s3'], { env: s3Env() }).finally(() => refusing.clear())
    expect(first.code).toBe(1)
    // piped: one line per file
    expect(first.stdout).toContain(`failed  ${stuck}:`)
    for (const key of keys.filter((k) => k !== stuck)) expect(first.stdout).toContain(`copied  ${key} (`)
    expect(first.stderr).toMatch(new RegExp(`warning: Copied ${keys.length - 1} of ${keys.length} files .*, 0 already in the bucket, 1 failed`))
    expect(first.stderr).toContain('error: 1 file not copied; run the command again to retry')
    expect(first.stderr).toContain(`Pointed 1 profile picture URLs at http://127.0.0.1:${s3.port}/${BUCKET}/`)
    expect(objects.has(stuck)).toBe(false)

    const second = await rookery(cli, ['media', 'move', '--to-s3', '--delete-local', '--json'], { env: s3Env() })
    expect(second.code).toBe(0)
    const summary = second.json()
    expect(summary).toMatchObject({
      files: keys.length, copied: 1, skipped: keys.length - 1, deleted_local: keys.length, failed: [], urls_rewritten: 0,
      from: `https://${TEST_DOMAIN}/media/`, to: `http://127.0.0.1:${s3.port}/${BUCKET}/`,
    })
    expect(summary.next[0]).toContain('start "rookery serve" with the same ROOKERY_S3_* settings')
    for (const key of keys) expect(existsSync(join(mediaDir, key))).toBe(false)
    expect([...objects.keys()].sort()).toEqual(keys)
    expect(unsigned).toEqual([])

    const [mover] = await withCliContext(cli, mediaDir, (ctx) => ctx.db.select().from(accounts).where(eq(accounts.username, 'mover')))
    expect(mover.avatarUrl).toBe(`http://127.0.0.1:${s3.port}/${BUCKET}/${avatarKey}`)

    // nothing left to move
    const third = await rookery(cli, ['media', 'move', '--to-s3', '--json'], { env: s3Env() })
    expect(third.json()).toMatchObject({ files: 0, copied: 0, skipped: 0, failed: [] })
  }, 120_000)

  test('a copy whose size in the bucket differs is a failure, and the local file stays', async () => {
    const key = 'attachments/2026/12/ffffffffffffffffffffffffffffffff.png'
    const bytes = pngFixture(8, 8)
    await new LocalStorage(mediaDir, () => '').put(key, bytes, 'image/png')
    // the bucket "stores" a truncated object
    const truncating = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      async fetch(req) {
        const forwarded = await fetch(`http://127.0.0.1:${s3.port}${new URL(req.url).pathname}`, {
          method: req.method, headers: req.headers,
          body: req.method === 'PUT' ? new Uint8Array(await req.arrayBuffer()).slice(0, 10) : undefined,
        })
        return new Response(req.method === 'HEAD' ? null : forwarded.body, { status: forwarded.status, headers: forwarded.headers })
      },
    })
    try {
      const r = await rookery(cli, ['media', 'move', '--to-s3', '--delete-local', '--json'], { env: { ...s3Env(), ROOKERY_S3_ENDPOINT: `http://127.0.0.1:${truncating.port}` } })
      expect(r.code).toBe(1)
      expect(r.json().failed).toEqual([{ key, error: `the bucket holds 10 bytes after the upload of ${bytes.length}` }])
      expect(readFileSync(join(mediaDir, key))).toEqual(Buffer.from(bytes))
    } finally {
      truncating.stop(true)
    }
  }, 60_000)
})

describe('/media links once the files live in a bucket', () => {
  test('redirect to the object in the bucket; a malformed key is still a 404', async () => {
    const base = await contextWith({})
    const ctx = await contextWith({
      media: { dir: '/nonexistent', baseUrl: null, s3: {
        bucket: BUCKET, endpoint: 'https://s3.example', region: 'us-east-1', accessKeyId: 'a', secretAccessKey: 's', publicUrl: 'https://cdn.example/m', virtualHostedStyle: false,
      } },
    })
    expect(base.config.media.s3).toBeNull()
    const { createApp } = await import('../../src/server/app')
    const app = createApp(ctx)
    const moved = await call('GET', `/media/${avatarKey}`, { app })
    expect(moved.status).toBe(301)
    expect(moved.headers.get('location')).toBe(`https://cdn.example/m/${avatarKey}`)
    expect((await call('GET', '/media/..%2Fetc%2Fpasswd', { app })).status).toBe(404)
  })
})
