import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import { newId } from '../../src/core/ids'
import { readImageHeader } from '../../src/core/media/metadata'
import { accountMediaKeys, pruneOrphanMedia } from '../../src/core/media/prune'
import { publishDueScheduledStatuses } from '../../src/core/statuses/scheduled'
import { accounts, mediaAttachments, users } from '../../src/db/schema'
import type { App } from '../../src/server/app'
import { contextWith, testApp } from '../support/context'
import { makeUser, type MadeUser } from '../support/factories'
import { call, type CallOptions } from '../support/http'
import { containsText, fileOf, gifFixture, jpegFixture, mp3Fixture, mp4Fixture, pngFixture } from '../support/media-fixtures'
import { expectShape } from '../support/shape'

let ctx: Ctx
let app: App
let mediaDir: string
let alice: MadeUser
let bob: MadeUser

beforeAll(async () => {
  mediaDir = mkdtempSync(join(tmpdir(), 'rookery-media-test-'))
  const base = await contextWith({})
  ctx = await contextWith({ media: { dir: mediaDir, baseUrl: null, s3: null }, limits: { ...base.config.limits, uploadLimit: 200_000, avatarUploadLimit: 50_000 } })
  app = await testApp(ctx)
  alice = await makeUser(ctx)
  bob = await makeUser(ctx)
})

afterAll(() => {
  rmSync(mediaDir, { recursive: true, force: true })
})

const req = (method: string, path: string, opts: CallOptions = {}) => call(method, path, { app, ...opts })
const upload = (token: string, multipart: CallOptions['multipart'], version = 'v1') => req('POST', `/api/${version}/media`, { token, multipart })
const png = (comment?: string) => fileOf(pngFixture(64, 48, [200, 40, 40], comment), 'image/png', 'photo.png')

/** Fetches one of our file URLs through the app. */
async function fetchFile(url: string, headers: Record<string, string> = {}) {
  const path = new URL(url).pathname
  const res = await app.handle(new Request(`http://localhost${path}`, { headers }))
  return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) }
}

async function uploadedId(token: string, file: File = png()): Promise<string> {
  const res = await upload(token, { file })
  expect(res.status).toBe(200)
  return res.json.id
}

describe('POST /api/v1/media and /api/v2/media', () => {
  test('a PNG becomes an image attachment with sizes, a JPEG preview, a blurhash, and no metadata', async () => {
    const res = await upload(alice.token, { file: png('secret-location-52.37,4.89'), description: 'A red square', focus: '0.5,-0.25' })
    expect(res.status).toBe(200)
    expectShape(res.json, 'MediaAttachment')
    expect(res.json).toMatchObject({
      type: 'image',
      remote_url: null,
      text_url: null,
      description: 'A red square',
      pleroma: { mime_type: 'image/png' },
      meta: {
        original: { width: 64, height: 48, size: '64x48', aspect: 64 / 48 },
        small: { width: 64, height: 48, size: '64x48' },
        focus: { x: 0.5, y: -0.25 },
      },
    })
    expect(res.json.url).toStartWith(`${ctx.config.baseUrl}/media/attachments/`)
    expect(res.json.url).toEndWith('.png')
    expect(res.json.preview_url).toEndWith('-small.jpg')
    expect(res.json.blurhash).toMatch(/^[0-9A-Za-z#$%*+,\-.:;=?@[\]^_{|}~]{36}$/)

    const original = await fetchFile(res.json.url)
    expect(original.status).toBe(200)
    expect(original.headers.get('content-type')).toBe('image/png')
    expect(readImageHeader('image/png', original.bytes)).toMatchObject({ width: 64, height: 48 })
    expect(containsText(original.bytes, 'secret-location')).toBe(false)
    const preview = await fetchFile(res.json.preview_url)
    expect(preview.headers.get('content-type')).toBe('image/jpeg')
    expect(readImageHeader('image/jpeg', preview.bytes)).toMatchObject({ width: 64, height: 48 })

    const [row] = await ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.id, res.json.id))
    expect(row).toMatchObject({ accountId: alice.account.id, statusId: null, type: 'image', mimeType: 'image/png', fileSize: original.bytes.length })
  })

  test('v2 answers the same entity; a large image gets a preview of about 640×360 worth of pixels', async () => {
    const big = fileOf(pngFixture(1200, 800), 'image/png', 'big.png')
    const res = await upload(alice.token, { file: big }, 'v2')
    expect(res.status).toBe(200)
    expectShape(res.json, 'MediaAttachment')
    expect(res.json.meta.original).toMatchObject({ width: 1200, height: 800 })
    const small = res.json.meta.small
    expect(small.width * small.height).toBeLessThanOrEqual(230_400)
    expect(small.width).toBeGreaterThan(580)
    expect(Math.abs(small.aspect - 1.5)).toBeLessThan(0.01)
    const preview = await fetchFile(res.json.preview_url)
    expect(readImageHeader('image/jpeg', preview.bytes)).toMatchObject({ width: small.width, height: small.height })
  })

  test('a JPEG loses its Exif data but keeps its orientation; sizes are given as displayed', async () => {
    const jpeg = await jpegFixture(80, 40, { orientation: 6, description: 'GPS 48.8584 N 2.2945 E' })
    const res = await upload(alice.token, { file: fileOf(jpeg, 'image/jpeg', 'IMG_0001.JPG') })
    expect(res.status).toBe(200)
    expect(res.json.pleroma.mime_type).toBe('image/jpeg')
    expect(res.json.meta.original).toMatchObject({ width: 40, height: 80, size: '40x80' })
    expect(res.json.meta.small).toMatchObject({ width: 40, height: 80 })
    const stored = await fetchFile(res.json.url)
    expect(containsText(stored.bytes, 'GPS 48.8584')).toBe(false)
    expect(readImageHeader('image/jpeg', stored.bytes)).toEqual({ width: 40, height: 80, orientation: 6 })
    // The compressed image data is untouched (no re-encoding).
    expect(Buffer.from(stored.bytes.subarray(-300)).equals(Buffer.from(jpeg.subarray(-300)))).toBe(true)
  })

  test('GIFs stay images (the first frame makes the preview); MP4 is video and MP3 audio, without dimensions', async () => {
    const gif = await upload(alice.token, { file: fileOf(gifFixture(), 'image/gif', 'anim.gif') })
    expect(gif.status).toBe(200)
    expect(gif.json).toMatchObject({ type: 'image', pleroma: { mime_type: 'image/gif' }, meta: { original: { width: 20, height: 10 } } })
    expect(gif.json.preview_url).toEndWith('.jpg')

    const video = await upload(alice.token, { file: fileOf(mp4Fixture(), 'application/octet-stream', 'clip.bin') })
    expect(video.status).toBe(200)
    expectShape(video.json, 'MediaAttachment')
    expect(video.json).toMatchObject({ type: 'video', preview_url: null, blurhash: null, meta: {}, pleroma: { mime_type: 'video/mp4' } })
    expect(video.json.url).toEndWith('.mp4')
    const served = await fetchFile(video.json.url)
    expect(served.headers.get('content-type')).toBe('video/mp4')

    const audio = await upload(alice.token, { file: fileOf(mp3Fixture(), 'video/mp4', 'song.mp4'), thumbnail: png() })
    expect(audio.status).toBe(200)
    expect(audio.json).toMatchObject({ type: 'audio', pleroma: { mime_type: 'audio/mpeg' }, meta: { small: { width: 64, height: 48 } } })
    expect(audio.json.preview_url).toEndWith('-thumb.jpg')
    expect(typeof audio.json.blurhash).toBe('string')
  })

  test('the type comes from the content: HTML or SVG named and typed as an image is refused with 422', async () => {
    const html = fileOf(new TextEncoder().encode('<html><script>alert(document.cookie)</script></html>'), 'image/png', 'innocent.png')
    const res = await upload(alice.token, { file: html })
    expect(res.status).toBe(422)
    expect(res.json.error).toContain('unsupported file type')
    const svg = fileOf(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 'image/svg+xml', 'x.svg')
    expect((await upload(alice.token, { file: svg })).status).toBe(422)
    // A PNG signature with a broken header is not an image either.
    const broken = fileOf(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 1, 2]), 'image/png', 'b.png')
    expect((await upload(alice.token, { file: broken })).status).toBe(422)
    // A sound header with undecodable pixels is kept as it is, without a preview (clients show the original).
    const garbled = pngFixture(30, 20)
    garbled.fill(7, 41, garbled.length - 20)
    const kept = await upload(alice.token, { file: fileOf(garbled, 'image/png', 'g.png') })
    expect(kept.status).toBe(200)
    expect(kept.json).toMatchObject({ type: 'image', blurhash: null, meta: { original: { width: 30, height: 20 } } })
    expect(kept.json.preview_url).toBe(kept.json.url)
    // A thumbnail must be an image.
    expect((await upload(alice.token, { file: png(), thumbnail: fileOf(mp3Fixture(), 'image/png', 't.png') })).status).toBe(422)
  })

  test('too big, missing, not a file, bad focus or description: 422', async () => {
    const noise = new Uint8Array(250_000).map(() => Math.floor(Math.random() * 256))
    const res = await upload(alice.token, { file: fileOf(noise, 'image/png', 'noise.png') })
    expect(res.status).toBe(422)
    expect(res.json.error).toContain('file size must be less than')
    expect((await upload(alice.token, { description: 'no file' })).status).toBe(422)
    expect((await upload(alice.token, { file: 'not a file' })).status).toBe(422)
    expect((await upload(alice.token, { file: png(), focus: '2,0' })).status).toBe(422)
    expect((await upload(alice.token, { file: png(), focus: 'left' })).status).toBe(422)
    expect((await upload(alice.token, { file: png(), description: 'x'.repeat(1501) })).status).toBe(422)
  })

  test('needs a token with write:media', async () => {
    expect((await req('POST', '/api/v1/media', { multipart: { file: png() } })).status).toBe(401)
    const reader = await makeUser(ctx, { scopes: ['read'] })
    expect((await upload(reader.token, { file: png() })).status).toBe(403)
    const granular = await makeUser(ctx, { scopes: ['write:media'] })
    expect((await upload(granular.token, { file: png() })).status).toBe(200)
  })
})

describe('GET and PUT /api/v1/media/:id', () => {
  test('the owner reads and updates description, focus and thumbnail; anyone else gets 404', async () => {
    const id = await uploadedId(alice.token, fileOf(mp4Fixture(), 'video/mp4', 'v.mp4'))
    const got = await req('GET', `/api/v1/media/${id}`, { token: alice.token })
    expect(got.status).toBe(200)
    expectShape(got.json, 'MediaAttachment')

    const put = await req('PUT', `/api/v1/media/${id}`, { token: alice.token, multipart: { description: 'Waves', focus: '-1,1', thumbnail: png() } })
    expect(put.status).toBe(200)
    expect(put.json).toMatchObject({ id, description: 'Waves', meta: { focus: { x: -1, y: 1 }, small: { width: 64, height: 48 } } })
    expect(put.json.preview_url).toEndWith('-thumb.jpg')
    expect((await fetchFile(put.json.preview_url)).status).toBe(200)

    const again = await req('PUT', `/api/v1/media/${id}`, { token: alice.token, json: { description: '' } })
    expect(again.json).toMatchObject({ description: null, meta: { focus: { x: -1, y: 1 } } })
    const replaced = await req('PUT', `/api/v1/media/${id}`, { token: alice.token, multipart: { thumbnail: png() } })
    expect(replaced.json.preview_url).not.toBe(put.json.preview_url)
    expect((await fetchFile(put.json.preview_url)).status).toBe(404)

    expect((await req('GET', `/api/v1/media/${id}`, { token: bob.token })).status).toBe(404)
    expect((await req('PUT', `/api/v1/media/${id}`, { token: bob.token, json: { description: 'mine now' } })).status).toBe(404)
    expect((await req('GET', `/api/v1/media/${newId()}`, { token: alice.token })).status).toBe(404)
    expect((await req('GET', '/api/v1/media/not-an-id', { token: alice.token })).status).toBe(404)
    expect((await req('PUT', `/api/v1/media/${id}`, { token: alice.token, json: { focus: '0,5' } })).status).toBe(422)
    expect((await req('GET', `/api/v1/media/${id}`)).status).toBe(401)
    const [row] = await ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.id, id))
    expect(row.description).toBeNull()
  })
})

describe('DELETE /api/v1/media/:id', () => {
  test('deletes an unused upload and its files; used ones (422) and other people\'s (404) stay', async () => {
    const res = await upload(alice.token, { file: png() })
    expect((await req('DELETE', `/api/v1/media/${res.json.id}`, { token: bob.token })).status).toBe(404)
    const gone = await req('DELETE', `/api/v1/media/${res.json.id}`, { token: alice.token })
    expect(gone.status).toBe(200)
    expect(gone.json).toEqual({})
    expect((await fetchFile(res.json.url)).status).toBe(404)
    expect((await fetchFile(res.json.preview_url)).status).toBe(404)
    expect((await req('GET', `/api/v1/media/${res.json.id}`, { token: alice.token })).status).toBe(404)

    const used = await uploadedId(alice.token)
    await req('POST', '/api/v1/statuses', { token: alice.token, json: { media_ids: [used] } })
    const refused = await req('DELETE', `/api/v1/media/${used}`, { token: alice.token })
    expect(refused.status).toBe(422)
    expect((await req('GET', `/api/v1/media/${used}`, { token: alice.token })).status).toBe(200)
  })
})

describe('media on statuses', () => {
  test('media_ids attach in the given order; a status may have media and no text', async () => {
    const first = await uploadedId(alice.token)
    const second = await uploadedId(alice.token, fileOf(gifFixture(), 'image/gif', 'g.gif'))
    const res = await req('POST', '/api/v1/statuses', { token: alice.token, json: { media_ids: [second, first] } })
    expect(res.status).toBe(200)
    expectShape(res.json, 'Status')
    expect(res.json.media_attachments.map((m: any) => m.id)).toEqual([second, first])
    for (const m of res.json.media_attachments) expectShape(m, 'MediaAttachment')
    const shown = await req('GET', `/api/v1/statuses/${res.json.id}`, { token: bob.token })
    expect(shown.json.media_attachments.map((m: any) => m.id)).toEqual([second, first])
    const rows = await ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.statusId, res.json.id))
    expect(Object.fromEntries(rows.map((r) => [r.id, r.position]))).toEqual({ [second]: 0, [first]: 1 })

    const timeline = await req('GET', `/api/v1/accounts/${alice.account.id}/statuses`, { token: bob.token, query: { only_media: 'true' } })
    expect(timeline.json.find((s: any) => s.id === res.json.id)?.media_attachments).toHaveLength(2)

    // multipart `media_ids[]`, as most clients send it
    const third = await uploadedId(alice.token)
    const form = await req('POST', '/api/v1/statuses', { token: alice.token, multipart: { status: 'with a photo', 'media_ids[]': [third] } })
    expect(form.status).toBe(200)
    expect(form.json.media_attachments.map((m: any) => m.id)).toEqual([third])
  })

  test("someone else's, already attached, unknown or too many media are refused with 422 and change nothing", async () => {
    const bobs = await uploadedId(bob.token)
    const stolen = await req('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'mine', media_ids: [bobs] } })
    expect(stolen.status).toBe(422)
    expect(stolen.json.error).toContain(bobs)
    const [row] = await ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.id, bobs))
    expect(row.statusId).toBeNull()

    const used = await uploadedId(alice.token)
    expect((await req('POST', '/api/v1/statuses', { token: alice.token, json: { media_ids: [used] } })).status).toBe(200)
    expect((await req('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'again', media_ids: [used] } })).status).toBe(422)
    expect((await req('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'ghost', media_ids: [newId()] } })).status).toBe(422)

    const five = await Promise.all([1, 2, 3, 4, 5].map(() => uploadedId(alice.token)))
    const tooMany = await req('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'five', media_ids: five } })
    expect(tooMany.status).toBe(422)
    expect(tooMany.json.error).toContain('Cannot attach more than 4 files')
    const four = await req('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'four', media_ids: five.slice(0, 4) } })
    expect(four.json.media_attachments).toHaveLength(4)
  })

  test('editing replaces the media; the history keeps what each revision showed; deleting detaches', async () => {
    const [a, b, c] = [await uploadedId(alice.token), await uploadedId(alice.token), await uploadedId(alice.token)]
    const posted = await req('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'v1', media_ids: [a, b] } })
    const id = posted.json.id
    const edited = await req('PUT', `/api/v1/statuses/${id}`, { token: alice.token, json: { status: 'v2', media_ids: [c, a] } })
    expect(edited.status).toBe(200)
    expect(edited.json.media_attachments.map((m: any) => m.id)).toEqual([c, a])
    const [removed] = await ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.id, b))
    expect(removed.statusId).toBeNull()

    const history = await req('GET', `/api/v1/statuses/${id}/history`, { token: alice.token })
    expect(history.json.map((r: any) => r.media_attachments.map((m: any) => m.id))).toEqual([[a, b], [c, a]])
    expect(history.json[0].media_attachments[1].url).toStartWith(`${ctx.config.baseUrl}/media/`)
    for (const revision of history.json) expectShape(revision, 'StatusEdit')

    // Mastodon's media_attributes change the alt text and focus of kept media, as an edit
    const described = await req('PUT', `/api/v1/statuses/${id}`, {
      token: alice.token,
      json: { status: 'v2', media_ids: [c, a], media_attributes: [{ id: a, description: 'Now described', focus: '0.1,0.2' }, { id: b, description: 'not kept' }] },
    })
    expect(described.status).toBe(200)
    expect(described.json.media_attachments[1]).toMatchObject({ id: a, description: 'Now described', meta: { focus: { x: 0.1, y: 0.2 } } })
    expect((await req('GET', `/api/v1/media/${b}`, { token: alice.token })).json.description).toBeNull()
    expect((await req('GET', `/api/v1/statuses/${id}/history`, { token: alice.token })).json).toHaveLength(3)

    // someone else's media cannot come in through an edit either
    const bobs = await uploadedId(bob.token)
    expect((await req('PUT', `/api/v1/statuses/${id}`, { token: alice.token, json: { status: 'v3', media_ids: [c, bobs] } })).status).toBe(422)

    const deleted = await req('DELETE', `/api/v1/statuses/${id}`, { token: alice.token })
    expect(deleted.json.media_attachments.map((m: any) => m.id)).toEqual([c, a])
    const rows = await ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.accountId, alice.account.id))
    expect(rows.filter((r) => [a, b, c].includes(r.id)).map((r) => r.statusId)).toEqual([null, null, null])
    // ...and can be used again, as clients do when redrafting
    const redraft = await req('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'redraft', media_ids: [c, a] } })
    expect(redraft.json.media_attachments.map((m: any) => m.id)).toEqual([c, a])
  })
})

describe('media on scheduled statuses', () => {
  test('scheduling reserves the media (no other post can take them); publishing attaches them', async () => {
    const id = await uploadedId(alice.token)
    const scheduledAt = new Date(Date.now() + 3_600_000).toISOString()
    const scheduled = await req('POST', '/api/v1/statuses', { token: alice.token, json: { media_ids: [id], scheduled_at: scheduledAt } })
    expect(scheduled.status).toBe(200)
    expect(scheduled.json.params.media_ids).toEqual([id])
    const [reserved] = await ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.id, id))
    expect(reserved.scheduledStatusId).toBe(scheduled.json.id)
    expect((await req('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'now', media_ids: [id] } })).status).toBe(422)

    const outcome = await publishDueScheduledStatuses(ctx, { onlyId: scheduled.json.id, now: new Date(Date.now() + 7_200_000) })
    expect(outcome.published).toEqual([scheduled.json.id])
    const [attached] = await ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.id, id))
    expect(attached.scheduledStatusId).toBeNull()
    const status = await req('GET', `/api/v1/statuses/${attached.statusId}`, { token: alice.token })
    expect(status.json.media_attachments.map((m: any) => m.id)).toEqual([id])
  })
})

describe('pruning orphaned uploads', () => {
  test('old unattached uploads go (rows and files); attached, scheduled, recent and history-shown ones stay', async () => {
    const user = await makeUser(ctx)
    const ids = { orphan: '', recent: '', attached: '', history: '' }
    for (const k of Object.keys(ids) as (keyof typeof ids)[]) ids[k] = await uploadedId(user.token)
    const posted = await req('POST', '/api/v1/statuses', { token: user.token, json: { status: 'a', media_ids: [ids.attached, ids.history] } })
    await req('PUT', `/api/v1/statuses/${posted.json.id}`, { token: user.token, json: { status: 'b', media_ids: [ids.attached] } })
    const old = new Date(Date.now() - 2 * 86_400_000)
    for (const id of [ids.orphan, ids.attached, ids.history]) await ctx.db.update(mediaAttachments).set({ createdAt: old }).where(eq(mediaAttachments.id, id))
    const orphanUrl = (await req('GET', `/api/v1/media/${ids.orphan}`, { token: user.token })).json.url

    const dry = await pruneOrphanMedia(ctx, { dryRun: true })
    expect(dry.attachments).toBeGreaterThanOrEqual(1)
    expect((await fetchFile(orphanUrl)).status).toBe(200)

    const result = await pruneOrphanMedia(ctx)
    expect(result.attachments).toBeGreaterThanOrEqual(1)
    expect(result.files).toBeGreaterThanOrEqual(2)
    const left = new Set((await ctx.db.select({ id: mediaAttachments.id }).from(mediaAttachments).where(eq(mediaAttachments.accountId, user.account.id))).map((r) => r.id))
    expect([...left].sort()).toEqual([ids.recent, ids.attached, ids.history].sort())
    expect((await fetchFile(orphanUrl)).status).toBe(404)
    const history = await req('GET', `/api/v1/statuses/${posted.json.id}/history`, { token: user.token })
    expect(history.json[0].media_attachments.map((m: any) => m.id)).toEqual([ids.attached, ids.history])
  })
})

describe('files of deleted accounts', () => {
  test('accountMediaKeys lists every stored file of an account: uploads, previews, profile pictures, mascot', async () => {
    const user = await makeUser(ctx)
    const media = await upload(user.token, { file: png() })
    const profile = await req('PATCH', '/api/v1/accounts/update_credentials', { token: user.token, multipart: { avatar: png(), header: png() } })
    const mascot = await req('PUT', '/api/v1/pleroma/mascot', { token: user.token, multipart: { file: png() } })
    const keyOf = (url: string) => url.slice(`${ctx.config.baseUrl}/media/`.length)
    const keys = await accountMediaKeys(ctx, [user.account.id])
    expect(keys.sort()).toEqual([
      media.json.url, media.json.preview_url, profile.json.avatar, profile.json.header, mascot.json.url, mascot.json.preview_url,
    ].map(keyOf).sort())
    expect(await accountMediaKeys(ctx, [])).toEqual([])
  })
})

describe('profile images', () => {
  test('avatar, header and background uploads are stored and shown; "" resets and removes the old file', async () => {
    const user = await makeUser(ctx)
    const jpeg = await jpegFixture(60, 60, { orientation: 1, description: 'home address' })
    const res = await req('PATCH', '/api/v1/accounts/update_credentials', {
      token: user.token,
      multipart: { avatar: fileOf(jpeg, 'image/jpeg', 'me.jpg'), header: png(), pleroma_background_image: fileOf(gifFixture(), 'image/gif', 'bg.gif'), display_name: 'Pictured' },
    })
    expect(res.status).toBe(200)
    expectShape(res.json, 'CredentialAccount')
    expect(res.json.avatar).toStartWith(`${ctx.config.baseUrl}/media/avatars/`)
    expect(res.json.avatar).toEndWith('.jpg')
    expect(res.json.header).toStartWith(`${ctx.config.baseUrl}/media/headers/`)
    expect(res.json.pleroma.background_image).toStartWith(`${ctx.config.baseUrl}/media/backgrounds/`)
    const avatar = await fetchFile(res.json.avatar)
    expect(avatar.status).toBe(200)
    expect(containsText(avatar.bytes, 'home address')).toBe(false)
    expect((await req('GET', `/api/v1/accounts/${user.account.id}`)).json.avatar).toBe(res.json.avatar)

    const replaced = await req('PATCH', '/api/v1/accounts/update_credentials', { token: user.token, multipart: { avatar: png() } })
    expect(replaced.json.avatar).not.toBe(res.json.avatar)
    expect((await fetchFile(res.json.avatar)).status).toBe(404)

    const reset = await req('PATCH', '/api/v1/accounts/update_credentials', { token: user.token, json: { avatar: '', header: '', pleroma_background_image: '' } })
    expect(reset.status).toBe(200)
    expect(reset.json.avatar).toBe(`${ctx.config.baseUrl}/images/avi.png`)
    expect(reset.json.header).toBe(`${ctx.config.baseUrl}/images/banner.png`)
    expect(reset.json.pleroma.background_image).toBeNull()
    for (const url of [replaced.json.avatar, res.json.header, res.json.pleroma.background_image]) expect((await fetchFile(url)).status).toBe(404)
    const [row] = await ctx.db.select().from(accounts).where(eq(accounts.id, user.account.id))
    expect(row).toMatchObject({ avatarUrl: null, headerUrl: null, backgroundUrl: null })
  })

  test('a non-image or oversized avatar is refused with 422 and nothing changes', async () => {
    const user = await makeUser(ctx)
    const video = await req('PATCH', '/api/v1/accounts/update_credentials', {
      token: user.token, multipart: { avatar: fileOf(mp4Fixture(), 'image/png', 'a.png'), display_name: 'Not saved' },
    })
    expect(video.status).toBe(422)
    expect(video.json.details.avatar[0].error).toBe('ERR_UNSUPPORTED_TYPE')
    const noise = new Uint8Array(60_000).map(() => Math.floor(Math.random() * 256))
    const big = await req('PATCH', '/api/v1/accounts/update_credentials', { token: user.token, multipart: { avatar: fileOf(noise, 'image/png', 'a.png') } })
    expect(big.status).toBe(422)
    expect(big.json.details.avatar[0].error).toBe('ERR_TOO_LARGE')
    const [row] = await ctx.db.select().from(accounts).where(eq(accounts.id, user.account.id))
    expect(row.avatarUrl).toBeNull()
    expect(row.displayName).not.toBe('Not saved')
  })
})

describe('/api/v1/pleroma/mascot', () => {
  test('the default mascot until one is set; images only (415 otherwise); a new one replaces the old file', async () => {
    const user = await makeUser(ctx)
    const initial = await req('GET', '/api/v1/pleroma/mascot', { token: user.token })
    expect(initial.status).toBe(200)
    expect(initial.json).toMatchObject({ id: 'default-mascot', type: 'image', pleroma: { mime_type: 'image/png' } })
    expect(initial.json.url).toBe(`${ctx.config.baseUrl}/images/pleroma-fox-tan-smol.png`)
    const picture = await fetchFile(initial.json.url)
    expect(picture.status).toBe(200)
    expect(readImageHeader('image/png', picture.bytes)).toMatchObject({ width: 200, height: 200 })

    const sound = await req('PUT', '/api/v1/pleroma/mascot', { token: user.token, multipart: { file: fileOf(mp3Fixture(), 'image/png', 'sound.png') } })
    expect(sound.status).toBe(415)
    expect(sound.json.error).toBe('mascots can only be images')

    const set = await req('PUT', '/api/v1/pleroma/mascot', { token: user.token, multipart: { file: png() } })
    expect(set.status).toBe(200)
    expectShape(set.json, 'MediaAttachment')
    expect(set.json).toMatchObject({ type: 'image', pleroma: { mime_type: 'image/png' }, meta: { original: { width: 64, height: 48 } } })
    expect(set.json.url).toStartWith(`${ctx.config.baseUrl}/media/mascots/`)
    expect((await req('GET', '/api/v1/pleroma/mascot', { token: user.token })).json).toEqual(set.json)
    const [row] = await ctx.db.select({ mascot: users.mascot }).from(users).where(eq(users.id, user.user.id))
    expect(row.mascot).toEqual(set.json)

    // Older Pleroma documentation calls the parameter `image`.
    const again = await req('PUT', '/api/v1/pleroma/mascot', { token: user.token, multipart: { image: fileOf(gifFixture(), 'image/gif', 'm.gif') } })
    expect(again.json.pleroma.mime_type).toBe('image/gif')
    expect((await fetchFile(set.json.url)).status).toBe(404)

    expect((await req('GET', '/api/v1/pleroma/mascot')).status).toBe(401)
    const reader = await makeUser(ctx, { scopes: ['read'] })
    expect((await req('PUT', '/api/v1/pleroma/mascot', { token: reader.token, multipart: { file: png() } })).status).toBe(403)
    expect((await req('PUT', '/api/v1/pleroma/mascot', { token: user.token, multipart: {} })).status).toBe(422)
  })
})

describe('serving /media/...', () => {
  test('safe headers, range requests, HEAD, and nothing outside the media folder', async () => {
    const res = await upload(alice.token, { file: png() })
    const file = await fetchFile(res.json.url)
    expect(file.headers.get('x-content-type-options')).toBe('nosniff')
    expect(file.headers.get('content-security-policy')).toContain('sandbox')
    expect(file.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(file.headers.get('content-length')).toBe(String(file.bytes.length))

    const partial = await fetchFile(res.json.url, { range: 'bytes=0-7' })
    expect(partial.status).toBe(206)
    expect(partial.headers.get('content-range')).toBe(`bytes 0-7/${file.bytes.length}`)
    expect([...partial.bytes]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    expect((await fetchFile(res.json.url, { range: `bytes=${file.bytes.length + 10}-` })).status).toBe(416)

    const head = await app.handle(new Request(`http://localhost${new URL(res.json.url).pathname}`, { method: 'HEAD' }))
    expect(head.status).toBe(200)
    expect(head.headers.get('content-type')).toBe('image/png')

    // a file of unknown type in the folder is never rendered by the browser
    await Bun.write(join(mediaDir, 'attachments', 'page.html'), '<script>alert(1)</script>')
    const html = await app.handle(new Request('http://localhost/media/attachments/page.html'))
    expect(html.status).toBe(200)
    expect(html.headers.get('content-type')).toBe('application/octet-stream')
    expect(html.headers.get('content-disposition')).toBe('attachment')

    await Bun.write(join(mediaDir, '..', 'rookery-outside.txt'), 'secret')
    for (const path of ['/media/..%2Frookery-outside.txt', '/media/attachments/..%2F..%2Frookery-outside.txt', '/media/%2e%2e/rookery-outside.txt', '/media/attachments/nope.png', '/media/']) {
      const r = await app.handle(new Request(`http://localhost${path}`))
      expect(r.status).toBe(404)
    }
    rmSync(join(mediaDir, '..', 'rookery-outside.txt'), { force: true })
  })
})

describe('instance limits', () => {
  test('v1 and v2 tell clients the upload limits and the attachment cap', async () => {
    const v1 = await req('GET', '/api/v1/instance')
    expect(v1.json.configuration.media_attachments.image_size_limit).toBe(200_000)
    expect(v1.json.configuration.statuses.max_media_attachments).toBe(4)
    expect(v1.json.upload_limit).toBe(200_000)
    expect(v1.json.avatar_upload_limit).toBe(50_000)
    const v2 = await req('GET', '/api/v2/instance')
    expect(v2.json.configuration.media_attachments).toMatchObject({ image_size_limit: 200_000, video_size_limit: 200_000 })
    expect(v2.json.configuration.media_attachments.supported_mime_types).toContain('image/webp')
  })
})
