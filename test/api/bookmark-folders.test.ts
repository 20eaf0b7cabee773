import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { deletePack } from '../../src/core/emoji/packs'
import { emojiTestEnv, makeAdmin, makeCustomEmoji, type EmojiTestEnv } from '../support/emoji'
import { makeUser, type MadeUser } from '../support/factories'
import { call, type CallOptions } from '../support/http'

let env: EmojiTestEnv
let alice: MadeUser
let bob: MadeUser
let pack: string
let blob: string

const api = (method: string, path: string, opts: CallOptions = {}) => call(method, path, { app: env.app, ...opts })
const post = async (who: MadeUser, status: string, visibility = 'public') => {
  const res = await api('POST', '/api/v1/statuses', { token: who.token, json: { status, visibility } })
  expect(res.status).toBe(200)
  return res.json
}
const folders = (who: MadeUser) => api('GET', '/api/v1/pleroma/bookmark_folders', { token: who.token })
const newFolder = (who: MadeUser, json: Record<string, unknown>) => api('POST', '/api/v1/pleroma/bookmark_folders', { token: who.token, json })
const bookmark = (who: MadeUser, id: string, folderId?: string) =>
  api('POST', `/api/v1/statuses/${id}/bookmark`, { token: who.token, json: folderId ? { folder_id: folderId } : {} })
const bookmarked = async (who: MadeUser, folderId?: string) => {
  const res = await api('GET', '/api/v1/bookmarks', { token: who.token, query: folderId ? { folder_id: folderId } : {} })
  expect(res.status).toBe(200)
  return res.json.map((s: { id: string }) => s.id)
}

beforeAll(async () => {
  env = await emojiTestEnv()
  const admin = await makeAdmin(env.ctx)
  ;[alice, bob] = await Promise.all([makeUser(env.ctx), makeUser(env.ctx)])
  ;({ pack, shortcode: blob } = await makeCustomEmoji(env, admin, 'bfpack'))
})

afterAll(async () => {
  await deletePack(env.ctx, pack).catch(() => {})
  env.cleanup()
})

describe('bookmark folders', () => {
  test('create, list, rename and delete, with unicode and custom emoji', async () => {
    const reading = await newFolder(alice, { name: 'Reading', emoji: '📚' })
    expect(reading.status).toBe(200)
    expect(reading.json).toEqual({ id: expect.any(String), name: 'Reading', emoji: '📚', emoji_url: null })
    const custom = await newFolder(alice, { name: 'Blobs', emoji: `:${blob}:` })
    expect(custom.json).toEqual({ id: expect.any(String), name: 'Blobs', emoji: blob, emoji_url: `${env.ctx.config.baseUrl}/emoji/${pack}/${blob}.png` })
    expect((await folders(alice)).json.map((f: { name: string }) => f.name)).toEqual(['Reading', 'Blobs'])

    const renamed = await api('PATCH', `/api/v1/pleroma/bookmark_folders/${reading.json.id}`, { token: alice.token, form: { name: 'Later', emoji: '' } })
    expect(renamed.json).toEqual({ id: reading.json.id, name: 'Later', emoji: null, emoji_url: null })
    const removed = await api('DELETE', `/api/v1/pleroma/bookmark_folders/${custom.json.id}`, { token: alice.token })
    expect(removed.json.name).toBe('Blobs')
    expect((await folders(alice)).json.map((f: { name: string }) => f.name)).toEqual(['Later'])
    expect((await folders(bob)).json).toEqual([])
  })

  test('bookmarks are filed with folder_id, moved by bookmarking again, and read back by folder', async () => {
    const news = (await newFolder(alice, { name: 'News' })).json
    const fun = (await newFolder(alice, { name: 'Fun' })).json
    const a = await post(bob, 'an article')
    const b = await post(bob, 'a joke')
    const c = await post(bob, 'unfiled')

    const filed = await bookmark(alice, a.id, news.id)
    expect(filed.status).toBe(200)
    expect(filed.json.bookmarked).toBe(true)
    expect(filed.json.pleroma.bookmark_folder).toBe(news.id)
    await bookmark(alice, b.id, fun.id)
    expect((await bookmark(alice, c.id)).json.pleroma.bookmark_folder).toBeNull()

    expect(await bookmarked(alice, news.id)).toEqual([a.id])
    expect(await bookmarked(alice, fun.id)).toEqual([b.id])
    expect((await bookmarked(alice)).slice(0, 3)).toEqual([c.id, b.id, a.id])

    // bookmarking again into another folder moves it; without a folder it stays where it is
    expect((await bookmark(alice, a.id, fun.id)).json.pleroma.bookmark_folder).toBe(fun.id)
    expect((await bookmark(alice, a.id)).json.pleroma.bookmark_folder).toBe(fun.id)
    expect(await bookmarked(alice, news.id)).toEqual([])
    expect((await bookmarked(alice, fun.id)).sort()).toEqual([a.id, b.id].sort())

    // another reader sees no folder of alice's
    expect((await api('GET', `/api/v1/statuses/${a.id}`, { token: bob.token })).json.pleroma.bookmark_folder).toBeNull()

    // deleting the folder keeps its bookmarks, unfiled
    await api('DELETE', `/api/v1/pleroma/bookmark_folders/${fun.id}`, { token: alice.token })
    const after = await api('GET', `/api/v1/statuses/${a.id}`, { token: alice.token })
    expect(after.json.bookmarked).toBe(true)
    expect(after.json.pleroma.bookmark_folder).toBeNull()
  })

  test('a private status filed in a folder disappears from it for a reader who may no longer see it', async () => {
    const folder = (await newFolder(alice, { name: 'Private things' })).json
    const follow = await api('POST', `/api/v1/accounts/${bob.account.id}/follow`, { token: alice.token })
    expect(follow.status).toBe(200)
    const secret = await post(bob, 'followers only', 'private')
    expect((await bookmark(alice, secret.id, folder.id)).status).toBe(200)
    expect(await bookmarked(alice, folder.id)).toEqual([secret.id])
    await api('POST', `/api/v1/accounts/${bob.account.id}/unfollow`, { token: alice.token })
    expect(await bookmarked(alice, folder.id)).toEqual([])
  })

  test('bad input and someone else\'s folder', async () => {
    expect((await newFolder(alice, {})).status).toBe(422)
    expect((await newFolder(alice, { name: ' ' })).status).toBe(422)
    expect((await newFolder(alice, { name: 'x'.repeat(101) })).status).toBe(422)
    expect((await newFolder(alice, { name: 'Emoji', emoji: 'two words' })).status).toBe(422)
    expect((await newFolder(alice, { name: 'Emoji', emoji: ':no_such_emoji_here:' })).status).toBe(422)
    expect((await newFolder(alice, { name: 'Twice' })).status).toBe(200)
    const twice = await newFolder(alice, { name: 'Twice' })
    expect(twice.status).toBe(422)
    expect(twice.json.error).toContain('taken')
    const other = (await newFolder(alice, { name: 'Other' })).json
    const clash = await api('PATCH', `/api/v1/pleroma/bookmark_folders/${other.id}`, { token: alice.token, json: { name: 'Twice' } })
    expect(clash.status).toBe(422)

    const bobs = (await newFolder(bob, { name: 'Bob\'s' })).json
    const s = await post(bob, 'something')
    expect((await bookmark(alice, s.id, bobs.id)).status).toBe(404)
    expect((await api('GET', '/api/v1/bookmarks', { token: alice.token, query: { folder_id: bobs.id } })).status).toBe(404)
    expect((await api('PATCH', `/api/v1/pleroma/bookmark_folders/${bobs.id}`, { token: alice.token, json: { name: 'mine now' } })).status).toBe(404)
    expect((await api('DELETE', `/api/v1/pleroma/bookmark_folders/${bobs.id}`, { token: alice.token })).status).toBe(404)
    expect((await folders(bob)).json.map((f: { name: string }) => f.name)).toEqual(['Bob\'s'])
    expect((await api('GET', '/api/v1/pleroma/bookmark_folders')).status).toBe(401)
  })

  test('is advertised as a Pleroma feature', async () => {
    const instance = await api('GET', '/api/v1/instance')
    expect(instance.json.pleroma.metadata.features).toContain('pleroma:bookmark_folders')
  })
})
