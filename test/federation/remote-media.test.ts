// Remote media: attachments of remote statuses and remote avatars/headers cached through the media pipeline by a
// background job (a loopback image server, friendly and hostile), the media proxy mode, the cache cap and the prune.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ChatMessage, Create, Document, type Recipient } from '@fedify/vocab'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { and, eq, sql } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import { upsertRemoteActor, type RemoteActorData } from '../../src/core/federation/actors'
import {
  cacheStatusMedia, enforceRemoteCacheCap, pruneRemoteMedia, registerRemoteMediaJobs, remoteCacheBytes,
} from '../../src/core/media/remote'
import { accounts, mediaAttachments, statuses, type AccountRow } from '../../src/db/schema'
import { makeUser, type MadeUser } from '../support/factories'
import { startLiveServer, until, type LiveServer } from '../support/live-server'
import { pngFixture } from '../support/media-fixtures'
import { startPeer, type Peer } from '../support/peer'

const PUBLIC = 'https://www.w3.org/ns/activitystreams#Public'
const UPLOAD_LIMIT = 200_000

let rookery: LiveServer
let peer: Peer
let reader: MadeUser
let images: ReturnType<typeof Bun.serve>
let imagesBase: string
const hits = new Map<string, number>()
const png = new Uint8Array(pngFixture(64, 48, [20, 120, 200]))
const png2 = new Uint8Array(pngFixture(32, 32, [200, 120, 20]))

beforeAll(async () => {
  images = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      const path = new URL(request.url).pathname
      hits.set(path, (hits.get(path) ?? 0) + 1)
      if (/^\/(cat|avatar|proxied)\d*\.png$/.test(path)) return new Response(path.includes('2') ? png2 : png, { headers: { 'content-type': 'image/png' } })
      if (path === '/big.png') return new Response(new Uint8Array(UPLOAD_LIMIT * 2).fill(7), { headers: { 'content-type': 'image/png' } })
      if (path === '/page.png') return new Response('<html><script>alert(1)</script></html>', { headers: { 'content-type': 'image/png' } })
      if (path === '/slow.png') {
        await Bun.sleep(4000)
        return new Response(png, { headers: { 'content-type': 'image/png' } })
      }
      if (path === '/to-private.png') return new Response(null, { status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data.png' } })
      return new Response('not found', { status: 404 })
    },
  })
  imagesBase = `http://127.0.0.1:${images.port}`
  rookery = await startLiveServer({
    federation: { allowPrivate: true },
    remoteMedia: { mode: 'cache', fetchTimeoutSeconds: 1 },
    limits: { uploadLimit: UPLOAD_LIMIT },
  })
  await registerRemoteMediaJobs(rookery.ctx as Ctx & { jobs: NonNullable<Ctx['jobs']> })
  peer = await startPeer(['bob'])
  reader = await makeUser(rookery.ctx)
}, 90_000)

afterAll(async () => {
  await rookery?.ctx.db.execute(sql`delete from pgboss.job where name = 'media.remote'`)
  await peer?.stop()
  await rookery?.stop()
  images?.stop(true)
}, 60_000)

let seq = 0
/** Delivers a public Note by bob with these attachments and answers the stored status. */
async function remoteNote(attachment: Record<string, unknown>[]) {
  const actor = peer.actorUri('bob').href
  const id = `${peer.baseUrl}/users/bob/statuses/media-${Date.now()}-${++seq}`
  const note = { id, type: 'Note', attributedTo: actor, content: '<p>look</p>', published: new Date().toISOString(), to: [PUBLIC], attachment }
  const res = await peer.sendJson({
    '@context': ['https://www.w3.org/ns/activitystreams', { blurhash: 'http://joinmastodon.org/ns#blurhash' }],
    id: `${id}/activity`, type: 'Create', actor, to: [PUBLIC], object: note,
  }, `${rookery.baseUrl}/inbox`)
  expect(res.status).toBeLessThan(300)
  return until(async () => (await rookery.ctx.db.select().from(statuses).where(eq(statuses.uri, id)))[0])
}

const image = (url: string, extra: Record<string, unknown> = {}) => ({ type: 'Document', mediaType: 'image/png', url, ...extra })

/** Waits until the cache job for `key` (statusId or accountId) is finished. */
const jobDone = (field: 'statusId' | 'accountId', id: string) => until(async () => {
  const rows = await rookery.ctx.db.execute(sql`select state from pgboss.job where name = 'media.remote' and data->>${field} = ${id}`)
  const list = ((rows as { rows?: unknown[] }).rows ?? rows) as { state: string }[]
  return list.length > 0 && list.every((r) => r.state === 'completed')
}, 60_000)

const storedFile = (url: string) => join(rookery.ctx.config.media.dir, url.slice(`${rookery.baseUrl}/media/`.length))

let cachedStatusId: string
let profile: AccountRow

describe('cache mode', () => {
  test('a remote status\'s image is cached with a preview, blurhash and sizes; hostile files stay remote', async () => {
    const urls = ['cat.png', 'big.png', 'page.png', 'slow.png', 'missing.png'].map((p) => `${imagesBase}/${p}`)
    const status = await remoteNote(urls.map((u, i) => image(u, { name: `file ${i}` })))
    cachedStatusId = status.id
    await jobDone('statusId', status.id)

    const seen = await rookery.api(reader, 'GET', `/api/v1/statuses/${status.id}`)
    expect(seen.status).toBe(200)
    const [cat, ...hostile] = seen.body.media_attachments
    expect(cat.remote_url).toBe(urls[0])
    expect(cat.url.startsWith(`${rookery.baseUrl}/media/remote/`)).toBe(true)
    expect(cat.preview_url.startsWith(`${rookery.baseUrl}/media/remote/`)).toBe(true)
    expect(cat.blurhash).toMatch(/^[0-9A-Za-z#$%*+,\-.:;=?@[\]^_{|}~]{6,}$/)
    expect(cat.meta.original).toMatchObject({ width: 64, height: 48 })
    expect(cat.meta.small).toBeDefined()
    expect(cat.description).toBe('file 0')
    const served = await fetch(cat.url)
    expect(served.status).toBe(200)
    expect(served.headers.get('content-type')).toBe('image/png')

    // oversized, not media, too slow, missing: each keeps its remote URL
    expect(hostile.map((m: any) => [m.url, m.remote_url])).toEqual(urls.slice(1).map((u) => [u, u]))
    const rows = await rookery.ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.statusId, status.id))
    expect(rows.filter((r) => r.cachedAt).length).toBe(1)
  }, 90_000)

  test('a redirect to a private address is refused unless federation may reach private networks', async () => {
    const status = await remoteNote([])
    const [author] = await rookery.ctx.db.select({ id: statuses.accountId }).from(statuses).where(eq(statuses.id, status.id))
    const [redirected, direct] = await rookery.ctx.db.insert(mediaAttachments).values([
      { accountId: author.id, statusId: status.id, type: 'image', mimeType: 'image/png', remoteUrl: `${imagesBase}/to-private.png`, position: 0 },
      { accountId: author.id, statusId: status.id, type: 'image', mimeType: 'image/png', remoteUrl: `${imagesBase}/cat3.png`, position: 1 },
    ]).returning()
    const config = rookery.ctx.config
    const closed: Ctx = { ...rookery.ctx, config: { ...config, federation: { ...config.federation, allowPrivate: false }, fetchPrivateNetwork: false } }
    expect(await cacheStatusMedia(closed, status.id)).toBe(0)
    expect(hits.get('/cat3.png')).toBeUndefined()

    // loopback allowed (as a test or closed network sets it), private ranges not: the redirect's target is refused
    const loopbackOnly: Ctx = { ...closed, config: { ...closed.config, fetchPrivateNetwork: 'loopback' } }
    expect(await cacheStatusMedia(loopbackOnly, status.id)).toBe(1)
    const after = await rookery.ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.statusId, status.id))
    expect(after.find((r) => r.id === redirected.id)).toMatchObject({ fileKey: null, cachedAt: null })
    expect(after.find((r) => r.id === direct.id)!.cachedAt).not.toBeNull()
    expect(hits.get('/to-private.png')).toBe(1)
  }, 60_000)

  test('a remote account\'s avatar is cached; a header that is not an image stays remote; a new avatar replaces the copy', async () => {
    const data: RemoteActorData = {
      uri: `https://media-peer.test/users/pic-${Date.now()}`, username: `pic${Date.now()}`, domain: 'media-peer.test',
      displayName: 'Pic', note: '', url: null, inboxUrl: 'https://media-peer.test/inbox', sharedInboxUrl: null,
      followersUrl: null, followingUrl: null, outboxUrl: null, locked: false, bot: false, actorType: 'Person',
      avatarUrl: `${imagesBase}/avatar.png`, headerUrl: `${imagesBase}/page.png`,
    }
    profile = await upsertRemoteActor(rookery.ctx, data)
    await jobDone('accountId', profile.id)
    const shown = (await rookery.api(reader, 'GET', `/api/v1/accounts/${profile.id}`)).body
    expect(shown.avatar.startsWith(`${rookery.baseUrl}/media/remote/avatars/`)).toBe(true)
    expect(shown.avatar_static).toBe(shown.avatar)
    expect(shown.header).toBe(`${imagesBase}/page.png`)
    expect(existsSync(storedFile(shown.avatar))).toBe(true)

    // the same picture again: nothing refetched; a new picture: the remote URL until cached, the old copy deleted
    const before = hits.get('/avatar.png')
    await upsertRemoteActor(rookery.ctx, data)
    expect((await rookery.api(reader, 'GET', `/api/v1/accounts/${profile.id}`)).body.avatar).toBe(shown.avatar)
    profile = await upsertRemoteActor(rookery.ctx, { ...data, avatarUrl: `${imagesBase}/avatar2.png` })
    expect(profile.avatarUrl).toBe(`${imagesBase}/avatar2.png`)
    expect(existsSync(storedFile(shown.avatar))).toBe(false)
    const recached = await until(async () => {
      const a = (await rookery.api(reader, 'GET', `/api/v1/accounts/${profile.id}`)).body.avatar as string
      return a.startsWith(`${rookery.baseUrl}/media/`) && a
    })
    expect(recached).not.toBe(shown.avatar)
    expect(hits.get('/avatar.png')).toBe(before)
    ;[profile] = await rookery.ctx.db.select().from(accounts).where(eq(accounts.id, profile.id))
    expect(profile.profileMediaBytes).toBeGreaterThan(0)
  }, 60_000)

  test('a picture in a remote chat message is cached like a status\'s', async () => {
    const recipient = await peer.context().lookupObject(`${rookery.baseUrl}/users/${reader.account.username}`) as unknown as Recipient
    const id = crypto.randomUUID()
    const picture = new Document({ mediaType: 'image/png', url: new URL(`${imagesBase}/cat5.png`), name: 'a cat' })
    const message = new ChatMessage({ id: new URL(`${peer.baseUrl}/objects/${id}`), attribution: peer.actorUri('bob'), tos: [recipient.id!], attachments: [picture] })
    await peer.send(new Create({ id: new URL(`${peer.baseUrl}/activities/${id}`), actor: peer.actorUri('bob'), tos: [recipient.id!], object: message }), recipient)
    const [chat] = await until(async () => {
      const chats = (await rookery.api(reader, 'GET', '/api/v1/pleroma/chats')).body as any[]
      return chats.length ? chats : null
    })
    const attachmentId = chat.last_message.attachment.id as string
    await until(async () => {
      const rows = await rookery.ctx.db.execute(sql`select state from pgboss.job where name = 'media.remote' and data->>'attachmentId' = ${attachmentId}`)
      const list = ((rows as { rows?: unknown[] }).rows ?? rows) as { state: string }[]
      return list.length > 0 && list.every((r) => r.state === 'completed')
    }, 60_000)
    const [shown] = (await rookery.api(reader, 'GET', `/api/v1/pleroma/chats/${chat.id}/messages`)).body as any[]
    expect(shown.attachment.remote_url).toBe(`${imagesBase}/cat5.png`)
    expect(shown.attachment.url.startsWith(`${rookery.baseUrl}/media/remote/`)).toBe(true)
    expect(shown.attachment.blurhash).toBeTruthy()
    expect((await fetch(shown.attachment.url)).headers.get('content-type')).toBe('image/png')
  }, 60_000)

  test('the cache is held to its size cap, the longest-cached files going first', async () => {
    const total = await remoteCacheBytes(rookery.ctx.db)
    const [oldest] = await rookery.ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.statusId, cachedStatusId))
      .then((rows) => rows.filter((r) => r.cachedAt))
    await rookery.ctx.db.update(mediaAttachments).set({ cachedAt: new Date(Date.now() - 60 * 86_400_000) }).where(eq(mediaAttachments.id, oldest.id))
    const capped: Ctx = { ...rookery.ctx, config: { ...rookery.ctx.config, remoteMedia: { ...rookery.ctx.config.remoteMedia, cacheMaxBytes: total - 1 } } }
    expect(await enforceRemoteCacheCap(capped)).toBe(1)
    const [evicted] = await rookery.ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.id, oldest.id))
    expect(evicted).toMatchObject({ fileKey: null, previewKey: null, cachedAt: null, fileSize: 0 })
    expect(existsSync(join(rookery.ctx.config.media.dir, oldest.fileKey!))).toBe(false)
    expect(await remoteCacheBytes(rookery.ctx.db)).toBe(total - oldest.fileSize)
    const seen = await rookery.api(reader, 'GET', `/api/v1/statuses/${cachedStatusId}`)
    expect(seen.body.media_attachments[0].url).toBe(`${imagesBase}/cat.png`)
  })

  test('prune removes cached copies older than the given age; they show their remote URLs again', async () => {
    const status = await remoteNote([image(`${imagesBase}/cat4.png`)])
    await jobDone('statusId', status.id)
    const [media] = await rookery.ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.statusId, status.id))
    expect(media.fileKey).not.toBeNull()
    const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000)

    const young = await pruneRemoteMedia(rookery.ctx, { olderThanMs: 7 * 86_400_000, dryRun: true })
    await rookery.ctx.db.update(mediaAttachments).set({ cachedAt: tenDaysAgo }).where(eq(mediaAttachments.id, media.id))
    await rookery.ctx.db.update(accounts).set({ profileMediaCachedAt: tenDaysAgo }).where(eq(accounts.id, profile.id))
    const dry = await pruneRemoteMedia(rookery.ctx, { olderThanMs: 7 * 86_400_000, dryRun: true })
    expect(dry.attachments).toBe(young.attachments + 1)
    expect(dry.accounts).toBe(young.accounts + 1)

    const result = await pruneRemoteMedia(rookery.ctx, { olderThanMs: 7 * 86_400_000 })
    expect(result).toMatchObject({ attachments: dry.attachments, accounts: dry.accounts, dryRun: false })
    expect(existsSync(join(rookery.ctx.config.media.dir, media.fileKey!))).toBe(false)
    expect(existsSync(storedFile(profile.avatarUrl!))).toBe(false)

    const seen = await rookery.api(reader, 'GET', `/api/v1/statuses/${status.id}`)
    expect(seen.body.media_attachments[0]).toMatchObject({ url: `${imagesBase}/cat4.png`, preview_url: `${imagesBase}/cat4.png`, remote_url: `${imagesBase}/cat4.png` })
    const account = (await rookery.api(reader, 'GET', `/api/v1/accounts/${profile.id}`)).body
    expect(account.avatar).toBe(`${imagesBase}/avatar2.png`)
    const [row] = await rookery.ctx.db.select().from(accounts).where(eq(accounts.id, profile.id))
    expect(row).toMatchObject({ profileMediaCachedAt: null, profileMediaBytes: 0 })
  }, 60_000)
})

describe('proxy mode', () => {
  test('attachments and avatars are served through /proxy by stored row; what is not media is refused', async () => {
    rookery.ctx.config.remoteMedia.mode = 'proxy'
    try {
      const status = await remoteNote([image(`${imagesBase}/proxied.png`), image(`${imagesBase}/page.png`)])
      const seen = await rookery.api(reader, 'GET', `/api/v1/statuses/${status.id}`)
      const [good, bad] = seen.body.media_attachments
      expect(good.url).toBe(`${rookery.baseUrl}/proxy/media/${good.id}`)
      expect(good.remote_url).toBe(`${imagesBase}/proxied.png`)
      const served = await fetch(good.url)
      expect(served.status).toBe(200)
      expect(served.headers.get('content-type')).toBe('image/png')
      expect(served.headers.get('x-content-type-options')).toBe('nosniff')
      expect(new Uint8Array(await served.arrayBuffer())).toEqual(png)
      // nothing is cached in proxy mode
      expect((await rookery.ctx.db.select().from(mediaAttachments).where(and(eq(mediaAttachments.statusId, status.id))))
        .every((r) => r.fileKey === null)).toBe(true)

      const refused = await fetch(bad.url)
      expect(refused.status).toBe(502)
      expect(await refused.json()).toEqual({ error: expect.any(String) })
      const unknown = await fetch(`${rookery.baseUrl}/proxy/media/not-an-id`)
      expect(unknown.status).toBe(404)

      const account = (await rookery.api(reader, 'GET', `/api/v1/accounts/${profile.id}`)).body
      expect(account.avatar).toMatch(new RegExp(`^${rookery.baseUrl}/proxy/avatar/${profile.id}/[\\w-]{16}$`))
      const avatar = await fetch(account.avatar)
      expect(avatar.status).toBe(200)
      expect(new Uint8Array(await avatar.arrayBuffer())).toEqual(png2)
      expect((await fetch(account.avatar.replace(/[\w-]{16}$/, 'AAAAAAAAAAAAAAAA'))).status).toBe(404)
      expect((await fetch(`${rookery.baseUrl}/proxy/banner/${profile.id}/x`)).status).toBe(404)
    } finally {
      rookery.ctx.config.remoteMedia.mode = 'cache'
    }
    const cached = await fetch(`${rookery.baseUrl}/proxy/media/${(await rookery.ctx.db.select().from(mediaAttachments).limit(1))[0].id}`)
    expect(cached.status).toBe(404)
  }, 60_000)

  test('off: remote URLs as published, nothing enqueued', async () => {
    rookery.ctx.config.remoteMedia.mode = 'off'
    try {
      const status = await remoteNote([image(`${imagesBase}/cat5.png`)])
      const seen = await rookery.api(reader, 'GET', `/api/v1/statuses/${status.id}`)
      expect(seen.body.media_attachments[0]).toMatchObject({ url: `${imagesBase}/cat5.png`, remote_url: `${imagesBase}/cat5.png` })
      const jobs = await rookery.ctx.db.execute(sql`select 1 from pgboss.job where name = 'media.remote' and data->>'statusId' = ${status.id}`)
      expect(((jobs as { rows?: unknown[] }).rows ?? jobs) as unknown[]).toHaveLength(0)
    } finally {
      rookery.ctx.config.remoteMedia.mode = 'cache'
    }
  }, 60_000)
})
