import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { deletePack } from '../../src/core/emoji/packs'
import { shortcodesIn } from '../../src/core/emoji/queries'
import { emojiTestEnv, GIF, makeAdmin, pngFile, type EmojiTestEnv } from '../support/emoji'
import { makeUser, uniqueName, type MadeUser } from '../support/factories'
import { call, type CallOptions } from '../support/http'
import { expectShape } from '../support/shape'

let env: EmojiTestEnv
let admin: MadeUser
let alice: MadeUser
let pack: string
let blob: string
let cat: string
let svg: string

const V1 = '/api/v1/pleroma/emoji'
const api = (method: string, path: string, opts: CallOptions = {}) => call(method, path, { app: env.app, ...opts })
const code = (prefix: string) => uniqueName(prefix).replace(/_/g, '')

beforeAll(async () => {
  env = await emojiTestEnv()
  admin = await makeAdmin(env.ctx)
  alice = await makeUser(env.ctx)
  pack = uniqueName('custom')
  ;[blob, cat, svg] = [code('blob'), code('cat'), code('svg')]
  expect((await api('POST', `${V1}/pack`, { token: admin.token, query: { name: pack } })).status).toBe(200)
  const add = (multipart: Record<string, string | Blob>) => api('POST', `${V1}/packs/files`, { token: admin.token, query: { name: pack }, multipart })
  expect((await add({ file: pngFile(`${blob}.png`), shortcode: blob })).status).toBe(200)
  expect((await add({ file: new File([GIF], `cats/${cat} one.gif`), shortcode: cat, filename: `cats/${cat} one.gif` })).status).toBe(200)
  const svgBytes = '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
  expect((await add({ file: new File([svgBytes], `${svg}.svg`), shortcode: svg })).status).toBe(200)
})

afterAll(async () => {
  await deletePack(env.ctx, pack).catch(() => {})
  env.cleanup()
})

describe('listing custom emoji', () => {
  test('GET /api/v1/custom_emojis gives Mastodon CustomEmoji entities with absolute, encoded URLs', async () => {
    const res = await api('GET', '/api/v1/custom_emojis')
    expect(res.status).toBe(200)
    const ours = res.json.filter((e: { shortcode: string }) => [blob, cat, svg].includes(e.shortcode))
    expect(ours.map((e: { shortcode: string }) => e.shortcode)).toEqual([blob, cat, svg].sort())
    for (const e of ours) expectShape(e, 'CustomEmoji')
    const base = env.ctx.config.baseUrl
    expect(ours.find((e: any) => e.shortcode === cat)).toEqual({
      shortcode: cat,
      url: `${base}/emoji/${pack}/cats/${cat}%20one.gif`,
      static_url: `${base}/emoji/${pack}/cats/${cat}%20one.gif`,
      visible_in_picker: true,
      category: `pack:${pack}`,
    })
  })

  test('GET /api/pleroma/emoji and /api/v1/pleroma/emoji give Pleroma\'s map of paths and tags', async () => {
    for (const path of ['/api/pleroma/emoji', '/api/v1/pleroma/emoji']) {
      const res = await api('GET', path)
      expect(res.status).toBe(200)
      expect(res.json[blob]).toEqual({ image_url: `/emoji/${pack}/${blob}.png`, tags: [`pack:${pack}`] })
      expect(res.json[cat].image_url).toBe(`/emoji/${pack}/cats/${cat}%20one.gif`)
    }
  })
})

describe('serving emoji files', () => {
  test('images with their type, nosniff and a sandboxing CSP', async () => {
    const png = await api('GET', `/emoji/${pack}/${blob}.png`)
    expect(png.status).toBe(200)
    expect(png.headers.get('content-type')).toBe('image/png')
    expect(png.headers.get('x-content-type-options')).toBe('nosniff')
    expect(png.headers.get('content-security-policy')).toContain('sandbox')
    const spaced = await api('GET', `/emoji/${pack}/cats/${cat}%20one.gif`)
    expect(spaced.status).toBe(200)
    expect(spaced.headers.get('content-type')).toBe('image/gif')
    const image = await api('GET', `/emoji/${pack}/${svg}.svg`)
    expect(image.status).toBe(200)
    expect(image.headers.get('content-type')).toBe('image/svg+xml')
    expect(image.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'; sandbox")
  })

  test('never pack.json, other files, paths leaving the emoji folder or symbolic links', async () => {
    const root = join(env.dataDir, 'emoji')
    writeFileSync(join(env.dataDir, 'secret.png'), 'secret')
    mkdirSync(join(root, pack, 'x'), { recursive: true })
    writeFileSync(join(root, pack, 'page.html'), '<script>alert(1)</script>')
    symlinkSync(join(env.dataDir, 'secret.png'), join(root, pack, 'link.png'))
    for (const path of [
      `/emoji/${pack}/pack.json`, `/emoji/${pack}/page.html`, `/emoji/${pack}/link.png`, `/emoji/${pack}/missing.png`,
      `/emoji/..%2Fsecret.png`, `/emoji/${pack}/..%2F..%2Fsecret.png`, `/emoji/${pack}/x/..%2F..%2F..%2Fsecret.png`,
      `/emoji/%2E%2E/secret.png`, `/emoji/${pack}/%E0%A4%A.png`, `/emoji/${pack}/..%5C..%5Csecret.png`, '/emoji/', `/emoji/${pack}`,
    ]) {
      const res = await api('GET', path)
      // broken percent-encoding is a bad request before any file is looked at
      expect([path, res.status]).toEqual([path, path.includes('%A.png') ? 400 : 404])
      expect(res.headers.get('content-type')).not.toContain('text/html')
    }
  })
})

describe(':shortcode: rendering', () => {
  test('finds shortcodes the way Pleroma does', () => {
    expect(shortcodesIn('hi :a: and :b::c: but not :d e: or a:b', null, ':a:')).toEqual(['a', 'b', 'c'])
  })

  test('a status lists the custom emoji of its content, content warning and poll options, in order', async () => {
    const res = await api('POST', '/api/v1/statuses', {
      token: alice.token,
      json: { status: `hello :${cat}: and :nosuch_emoji: :${blob}:`, spoiler_text: `cw :${svg}:`, poll: { options: [`:${blob}:`, 'no'], expires_in: 600 } },
    })
    expect(res.status).toBe(200)
    expectShape(res.json, 'Status')
    expect(res.json.content).toContain(`:${cat}:`)
    expect(res.json.emojis.map((e: { shortcode: string }) => e.shortcode)).toEqual([cat, blob, svg])
    for (const e of res.json.emojis) expectShape(e, 'CustomEmoji')
    const shown = await api('GET', `/api/v1/statuses/${res.json.id}`)
    expect(shown.json.emojis).toEqual(res.json.emojis)
    const plain = await api('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'no emoji: here' } })
    expect(plain.json.emojis).toEqual([])
  })

  test('each revision of an edited status lists its own custom emoji', async () => {
    const first = await api('POST', '/api/v1/statuses', { token: alice.token, json: { status: `first :${blob}:` } })
    const edited = await api('PUT', `/api/v1/statuses/${first.json.id}`, { token: alice.token, json: { status: `second :${cat}:` } })
    expect(edited.json.emojis.map((e: { shortcode: string }) => e.shortcode)).toEqual([cat])
    const history = await api('GET', `/api/v1/statuses/${first.json.id}/history`)
    expect(history.json.map((r: { emojis: { shortcode: string }[] }) => r.emojis.map((e) => e.shortcode))).toEqual([[blob], [cat]])
  })

  test('an account lists the custom emoji of its display name, bio and profile fields', async () => {
    const bob = await makeUser(env.ctx)
    const res = await api('PATCH', '/api/v1/accounts/update_credentials', {
      token: bob.token,
      json: { display_name: `Bob :${blob}:`, note: `I like :${cat}:`, fields_attributes: { 0: { name: `:${svg}:`, value: 'x' } } },
    })
    expect(res.status).toBe(200)
    expect(res.json.emojis.map((e: { shortcode: string }) => e.shortcode)).toEqual([blob, cat, svg])
    const shown = await api('GET', `/api/v1/accounts/${bob.account.id}`)
    expectShape(shown.json, 'Account')
    expect(shown.json.emojis.map((e: { shortcode: string }) => e.shortcode)).toEqual([blob, cat, svg])
    const post = await api('POST', '/api/v1/statuses', { token: bob.token, json: { status: 'plain' } })
    expect(post.json.account.emojis.map((e: { shortcode: string }) => e.shortcode)).toEqual([blob, cat, svg])
    expect(post.json.emojis).toEqual([])
  })
})
