import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { strFromU8, unzipSync } from 'fflate'
import { BACKUP_LIFETIME_MS, pruneBackups, registerBackupJobs, requestBackup, writeBackupTo } from '../../src/core/backups/backups'
import { deleteLocalAccount } from '../../src/core/accounts/delete-account'
import type { Ctx } from '../../src/core/context'
import { startJobs, type Jobs } from '../../src/core/jobs'
import { favourites, statuses, userBackups } from '../../src/db/schema'
import { createApp, type App } from '../../src/server/app'
import { getTestContext } from '../support/context'
import { makeUser, type MadeUser } from '../support/factories'
import { call, postStatus } from '../support/http'
import { linkIn, mailbox } from '../support/mail'
import { fileOf, pngFixture } from '../support/media-fixtures'

let ctx: Ctx
let jobs: Jobs
let jobApp: App

beforeAll(async () => {
  ctx = await getTestContext()
  jobs = await startJobs(ctx.database, { supervise: false, queues: ['backups', 'backups.prune'] })
  const jobCtx = { ...ctx, jobs }
  await registerBackupJobs(jobCtx)
  jobApp = createApp(jobCtx)
})
afterAll(async () => { await jobs.stop() })

/** Downloads one of our own media URLs through the app, with no credentials. */
async function download(url: string) {
  const res = await jobApp.handle(new Request(new URL(new URL(url).pathname, 'http://localhost')))
  return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) }
}

async function waitForProcessed(who: MadeUser, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs
  for (let i = 0; i < 400 && Date.now() < until; i++) {
    const res = await call('GET', '/api/v1/pleroma/backups', { token: who.token })
    if (res.json?.[0]?.processed) return res.json[0]
    await Bun.sleep(50)
  }
  throw new Error('backup not processed in time')
}

describe('Pleroma backups as a durable job', () => {
  test('builds a zip of actor, outbox (all visibilities), likes, bookmarks and media, mailed and downloadable', async () => {
    const owner = await makeUser(ctx)
    const friend = await makeUser(ctx)
    const inbox = mailbox()
    try {
      const upload = pngFixture(32, 16)
      const media = await call('POST', '/api/v1/media', { token: owner.token, multipart: { file: fileOf(upload, 'image/png', 'pic.png') } })
      expect(media.status).toBe(200)
      const pub = await postStatus(owner, { status: 'hello public', media_ids: [media.json.id] })
      const unlisted = await postStatus(owner, { status: 'quiet unlisted', visibility: 'unlisted' })
      const priv = await postStatus(owner, { status: 'followers only', visibility: 'private' })
      const direct = await postStatus(owner, { status: `@${friend.account.username} just us`, visibility: 'direct' })
      const friendPublic = await postStatus(friend, { status: 'friend says hi' })
      const friendPrivate = await postStatus(friend, { status: 'friend secret words', visibility: 'private' })
      const reply = await postStatus(owner, { status: `@${friend.account.username} hi back`, in_reply_to_id: friendPublic.id })
      expect((await call('POST', `/api/v1/statuses/${friendPublic.id}/favourite`, { token: owner.token })).status).toBe(200)
      expect((await call('POST', `/api/v1/statuses/${pub.id}/bookmark`, { token: owner.token })).status).toBe(200)

      const created = await call('POST', '/api/v1/pleroma/backups', { token: owner.token, app: jobApp })
      expect(created.status).toBe(200)
      expect(created.json).toHaveLength(1)
      expect(created.json[0]).toMatchObject({ content_type: 'application/zip', processed: false, url: null })
      expect(typeof created.json[0].inserted_at).toBe('string')

      const done = await waitForProcessed(owner)
      expect(done.file_size).toBeGreaterThan(0)
      expect(done.state).toBe('complete')
      expect(done.url).toMatch(/\/media\/backups\/\d{4}\/\d{2}\/archive-[A-Za-z0-9_]+-\d{8}T\d{6}-[0-9a-f]{32}\.zip$/)
      const mail = await inbox.next(owner.user.email)
      expect(mail.subject).toContain('backup')
      expect(linkIn(mail)).toBe(done.url)

      const file = await download(done.url)
      expect(file.status).toBe(200)
      expect(file.headers.get('cache-control')).toBe('private, no-store')
      expect(file.bytes.length).toBe(done.file_size)
      const zip = unzipSync(file.bytes)
      const doc = (name: string) => JSON.parse(strFromU8(zip[name]))

      const actor = doc('actor.json')
      expect(actor).toMatchObject({ type: 'Person', preferredUsername: owner.account.username, outbox: 'outbox.json', likes: 'likes.json', bookmarks: 'bookmarks.json' })
      const actorId = actor.id as string

      const outbox = doc('outbox.json')
      expect(outbox.type).toBe('OrderedCollection')
      expect(outbox.totalItems).toBe(5)
      const notes = new Map<string, any>(outbox.orderedItems.map((a: any) => [a.object.id, a]))
      for (const s of [pub, unlisted, priv, direct, reply]) {
        const activity = notes.get(s.uri)
        expect(activity).toBeDefined()
        expect(activity.type).toBe('Create')
        expect(activity.actor).toBe(actorId)
        expect(activity.object).toMatchObject({ type: 'Note', attributedTo: actorId, content: s.content })
      }
      const PUBLIC = 'https://www.w3.org/ns/activitystreams#Public'
      expect(notes.get(pub.uri).to).toEqual([PUBLIC])
      expect(notes.get(unlisted.uri).cc).toContain(PUBLIC)
      expect(notes.get(priv.uri).to).toEqual([`${actorId}/followers`])
      expect(JSON.stringify(notes.get(priv.uri))).not.toContain(PUBLIC)
      expect(notes.get(direct.uri).to).toEqual([friend.account.uri])
      expect(notes.get(direct.uri).cc).toEqual([])
      expect(notes.get(reply.uri).object.inReplyTo).toBe(friendPublic.uri)
      expect(notes.get(pub.uri).object.attachment).toEqual([expect.objectContaining({ type: 'Document', mediaType: 'image/png', url: media.json.url })])
      const text = strFromU8(zip['outbox.json'])
      expect(text).not.toContain(friendPrivate.uri)
      expect(text).not.toContain('friend secret words')

      expect(doc('likes.json')).toMatchObject({ type: 'OrderedCollection', totalItems: 1, orderedItems: [friendPublic.uri] })
      expect(doc('bookmarks.json')).toMatchObject({ type: 'OrderedCollection', totalItems: 1, orderedItems: [pub.uri] })

      const mediaEntries = Object.keys(zip).filter((n) => n.startsWith('media/'))
      expect(mediaEntries).toHaveLength(1)
      const original = await download(media.json.url)
      expect(zip[mediaEntries[0]]).toEqual(original.bytes)
    } finally {
      inbox.stop()
    }
  })

  test('a second backup within a day is refused as Pleroma refuses it', async () => {
    const me = await makeUser(ctx)
    expect((await call('POST', '/api/v1/pleroma/backups', { token: me.token, app: jobApp })).status).toBe(200)
    const again = await call('POST', '/api/v1/pleroma/backups', { token: me.token, app: jobApp })
    expect(again.status).toBe(400)
    expect(again.json).toEqual({ error: 'Last export was less than a day ago' })
    await waitForProcessed(me)
    expect((await call('GET', '/api/v1/pleroma/backups', { token: me.token })).json).toHaveLength(1)
  })
})

describe('who may see a backup', () => {
  test('needs a token with read:backups', async () => {
    expect((await call('GET', '/api/v1/pleroma/backups')).status).toBe(401)
    expect((await call('POST', '/api/v1/pleroma/backups')).status).toBe(401)
    const writer = await makeUser(ctx, { scopes: ['write'] })
    const res = await call('POST', '/api/v1/pleroma/backups', { token: writer.token })
    expect(res.status).toBe(403)
    expect(typeof res.json.error).toBe('string')
    expect(await ctx.db.select().from(userBackups).where(eq(userBackups.userId, writer.user.id))).toEqual([])
    const reader = await makeUser(ctx, { scopes: ['read:backups'] })
    expect((await call('GET', '/api/v1/pleroma/backups', { token: reader.token })).json).toEqual([])
  })

  test("another user neither sees someone's backup nor reaches it without its unguessable name", async () => {
    const owner = await makeUser(ctx)
    const other = await makeUser(ctx)
    await postStatus(owner, { status: 'owner private thoughts', visibility: 'private' })
    // Without a queue the backup is built during the request.
    const made = await call('POST', '/api/v1/pleroma/backups', { token: owner.token })
    expect(made.status).toBe(200)
    const url: string = made.json[0].url
    expect(made.json[0].processed).toBe(true)
    expect((await call('GET', '/api/v1/pleroma/backups', { token: other.token })).json).toEqual([])
    const listed = await call('POST', '/api/v1/pleroma/backups', { token: other.token })
    expect(listed.json.map((b: any) => b.url)).not.toContain(url)
    expect((await download(url)).status).toBe(200)
    const guessed = url.replace(/-[0-9a-f]{32}\.zip$/, `-${'0'.repeat(32)}.zip`)
    expect((await download(guessed)).status).toBe(404)
    expect((await download(url.replace(/archive-[^/]+$/, ''))).status).toBe(404)
  })
})

describe('expiry', () => {
  test('backups older than a week leave the list and are deleted with their files', async () => {
    const me = await makeUser(ctx)
    const old = await requestBackup(ctx, me.user.id, { now: new Date(Date.now() - BACKUP_LIFETIME_MS - 60_000) })
    const [stored] = await ctx.db.select().from(userBackups).where(eq(userBackups.id, old.id))
    expect(stored.state).toBe('complete')
    const url = `${ctx.config.baseUrl}/media/${stored.fileKey}`
    expect((await download(url)).status).toBe(200)
    expect((await call('GET', '/api/v1/pleroma/backups', { token: me.token })).json).toEqual([])
    // An expired backup does not count against the daily limit.
    expect((await call('POST', '/api/v1/pleroma/backups', { token: me.token })).status).toBe(200)
    expect(await pruneBackups(ctx)).toBeGreaterThanOrEqual(1)
    expect(await ctx.db.select().from(userBackups).where(eq(userBackups.id, old.id))).toEqual([])
    expect((await download(url)).status).toBe(404)
    const left = await call('GET', '/api/v1/pleroma/backups', { token: me.token })
    expect(left.json).toHaveLength(1)
    expect((await download(left.json[0].url)).status).toBe(200)
  })
})

describe('deleted users', () => {
  test("deleting a user deletes their backups' files too", async () => {
    const me = await makeUser(ctx)
    const made = await call('POST', '/api/v1/pleroma/backups', { token: me.token })
    const url: string = made.json[0].url
    expect((await download(url)).status).toBe(200)
    expect(await deleteLocalAccount(ctx, me.account.id)).toBe(true)
    expect(await ctx.db.select().from(userBackups).where(eq(userBackups.userId, me.user.id))).toEqual([])
    expect((await download(url)).status).toBe(404)
  })
})

describe('big accounts', () => {
  test('statuses, likes and files over several pages all arrive once, in order', async () => {
    const me = await makeUser(ctx)
    const author = await makeUser(ctx)
    const count = 450
    const mine = await ctx.db.insert(statuses).values(Array.from({ length: count }, (_, i) => ({
      accountId: me.account.id, uri: `${ctx.config.baseUrl}/users/${me.account.username}/statuses/bulk${i}`, content: `<p>bulk ${i}</p>`, text: `bulk ${i}`,
      visibility: (['public', 'unlisted', 'private', 'direct'] as const)[i % 4],
    }))).returning({ id: statuses.id, uri: statuses.uri })
    const theirs = await ctx.db.insert(statuses).values(Array.from({ length: 210 }, (_, i) => ({
      accountId: author.account.id, uri: `${ctx.config.baseUrl}/users/${author.account.username}/statuses/liked${i}`, content: `<p>liked ${i}</p>`,
    }))).returning({ id: statuses.id, uri: statuses.uri })
    await ctx.db.insert(favourites).values(theirs.map((s) => ({ accountId: me.account.id, statusId: s.id })))
    const dir = mkdtempSync(join(tmpdir(), 'rookery-backup-big-'))
    try {
      const out = join(dir, 'big.zip')
      const written = await writeBackupTo(ctx, me.account, out)
      expect(written.summary).toEqual({ statuses: count, likes: 210, bookmarks: 0, files: 0 })
      const zip = unzipSync(new Uint8Array(readFileSync(out)))
      const outbox = JSON.parse(strFromU8(zip['outbox.json']))
      expect(outbox.totalItems).toBe(count)
      expect(outbox.orderedItems.map((a: any) => a.object.id)).toEqual(mine.map((s) => s.uri))
      const likes = JSON.parse(strFromU8(zip['likes.json']))
      expect(likes.orderedItems).toEqual(theirs.map((s) => s.uri))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('failures', () => {
  test('a zip that cannot be written is an error and leaves no file behind', async () => {
    const me = await makeUser(ctx)
    const dir = mkdtempSync(join(tmpdir(), 'rookery-backup-fail-'))
    try {
      await expect(writeBackupTo(ctx, me.account, join(dir, 'missing', 'x.zip'))).rejects.toThrow()
      expect(readdirSync(dir)).toEqual([])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
