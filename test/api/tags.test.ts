import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import { MAX_FEATURED_TAGS } from '../../src/core/instance/limits'
import { statuses } from '../../src/db/schema'
import type { App } from '../../src/server/app'
import { contextWith } from '../support/context'
import { makeUser, type MadeUser } from '../support/factories'
import { call as callApp, type CallOptions } from '../support/http'
import { expectShape } from '../support/shape'
import { streamingServer } from '../support/websocket'

let ctx: Ctx
let server: Awaited<ReturnType<typeof streamingServer>>
let app: App

beforeAll(async () => {
  ctx = await contextWith({})
  server = await streamingServer(ctx)
  app = server.app
})

afterAll(() => server.stop())

const call = (method: string, path: string, opts: CallOptions = {}) => callApp(method, path, { ...opts, app })

/** A tag name no other test uses (letters only). */
const tagName = () => `tg${Math.random().toString(36).slice(2, 12).replace(/[0-9]/g, (d) => 'abcdefghij'[Number(d)])}`

async function post(who: MadeUser, json: Record<string, unknown>) {
  const res = await call('POST', '/api/v1/statuses', { token: who.token, json })
  expect(res.status).toBe(200)
  return res.json as { id: string }
}

const home = async (who: MadeUser) => {
  const res = await call('GET', '/api/v1/timelines/home', { token: who.token, query: { limit: '40' } })
  expect(res.status).toBe(200)
  return (res.json as { id: string }[]).map((s) => s.id)
}

describe('GET /api/v1/tags/:name', () => {
  test('a used tag with its 7-day history, counting only statuses anyone may see', async () => {
    const [a, b, reader] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    const name = tagName()
    await post(a, { status: `#${name} one` })
    await post(a, { status: `#${name} two`, visibility: 'unlisted' })
    await post(b, { status: `#${name} three` })
    await post(b, { status: `#${name} secret`, visibility: 'private' })
    const old = await post(b, { status: `#${name} old` })
    await ctx.db.update(statuses).set({ createdAt: new Date(Date.now() - 2 * 86_400_000) }).where(eq(statuses.id, old.id))

    const res = await call('GET', `/api/v1/tags/${name.toUpperCase()}`, { token: reader.token })
    expect(res.status).toBe(200)
    expectShape(res.json, 'Tag')
    expect(res.json).toMatchObject({ name, url: `${ctx.config.baseUrl}/tags/${name}`, following: false, featuring: false })
    expect(res.json.id).not.toBe('')
    const history = res.json.history as { day: string; uses: string; accounts: string }[]
    expect(history).toHaveLength(7)
    const today = Math.floor(Date.now() / 86_400_000) * 86_400
    expect(history.map((h) => Number(h.day))).toEqual(Array.from({ length: 7 }, (_, i) => today - i * 86_400))
    expect(history[0]).toEqual({ day: String(today), uses: '3', accounts: '2' })
    expect(history[2]).toEqual({ day: String(today - 2 * 86_400), uses: '1', accounts: '1' })
    expect(history[1].uses).toBe('0')

    const anonymous = await call('GET', `/api/v1/tags/%23${name}`)
    expect(anonymous.status).toBe(200)
    expect(anonymous.json).not.toHaveProperty('following')
  })

  test('a valid name nobody used is shown without an id; an invalid one is 404', async () => {
    const name = tagName()
    const res = await call('GET', `/api/v1/tags/${name}`)
    expect(res.status).toBe(200)
    expectShape(res.json, 'Tag')
    expect(res.json).toMatchObject({ id: '', name })
    expect(res.json.history.every((h: { uses: string }) => h.uses === '0')).toBe(true)
    for (const bad of ['---', '12345', encodeURIComponent('a b')]) {
      const missing = await call('GET', `/api/v1/tags/${bad}`)
      expect(missing.status).toBe(404)
      expect(typeof missing.json.error).toBe('string')
    }
  })
})

describe('following hashtags', () => {
  test('follow, unfollow and the followed tags list with paging', async () => {
    const me = await makeUser(ctx)
    const names = [tagName(), tagName(), tagName()]
    for (const name of names) {
      const res = await call('POST', `/api/v1/tags/${name}/follow`, { token: me.token })
      expect(res.status).toBe(200)
      expectShape(res.json, 'Tag')
      expect(res.json).toMatchObject({ name, following: true })
    }
    const again = await call('POST', `/api/v1/tags/${names[0]}/follow`, { token: me.token })
    expect(again.status).toBe(200)
    expect(again.json.following).toBe(true)

    const list = await call('GET', '/api/v1/followed_tags', { token: me.token })
    expect(list.status).toBe(200)
    expect((list.json as { name: string }[]).map((t) => t.name)).toEqual([...names].reverse())
    for (const t of list.json) expectShape(t, 'Tag')

    const first = await call('GET', '/api/v1/followed_tags', { token: me.token, query: { limit: '2' } })
    expect((first.json as { name: string }[]).map((t) => t.name)).toEqual([names[2], names[1]])
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1]
    expect(next).toBeTruthy()
    const second = await call('GET', new URL(next!).pathname + new URL(next!).search, { token: me.token })
    expect((second.json as { name: string }[]).map((t) => t.name)).toEqual([names[0]])

    const unfollowed = await call('POST', `/api/v1/tags/${names[1]}/unfollow`, { token: me.token })
    expect(unfollowed.status).toBe(200)
    expect(unfollowed.json.following).toBe(false)
    expect((await call('POST', `/api/v1/tags/${names[1]}/unfollow`, { token: me.token })).json.following).toBe(false)
    expect(((await call('GET', '/api/v1/followed_tags', { token: me.token })).json as { name: string }[]).map((t) => t.name))
      .toEqual([names[2], names[0]])
    // someone else's follows are their own
    const other = await makeUser(ctx)
    expect((await call('GET', '/api/v1/followed_tags', { token: other.token })).json).toEqual([])
    expect((await call('GET', `/api/v1/tags/${names[0]}`, { token: other.token })).json.following).toBe(false)
  })

  test('unhappy paths: no token, wrong scope, invalid names', async () => {
    const name = tagName()
    expect((await call('POST', `/api/v1/tags/${name}/follow`)).status).toBe(401)
    expect((await call('GET', '/api/v1/followed_tags')).status).toBe(401)
    const readOnly = await makeUser(ctx, { scopes: ['read'] })
    expect((await call('POST', `/api/v1/tags/${name}/follow`, { token: readOnly.token })).status).toBe(403)
    const writeOnly = await makeUser(ctx, { scopes: ['write'] })
    expect((await call('GET', '/api/v1/followed_tags', { token: writeOnly.token })).status).toBe(403)
    const me = await makeUser(ctx)
    for (const bad of ['---', '123']) {
      expect((await call('POST', `/api/v1/tags/${bad}/follow`, { token: me.token })).status).toBe(404)
      expect((await call('POST', `/api/v1/tags/${bad}/unfollow`, { token: me.token })).status).toBe(404)
    }
  })

  test('public statuses with a followed tag enter the home timeline, within visibility, blocks and mutes', async () => {
    const [me, poster, blocked, muted, blocker] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    const name = tagName()
    expect((await call('POST', `/api/v1/tags/${name}/follow`, { token: me.token })).status).toBe(200)
    expect((await call('POST', `/api/v1/accounts/${blocked.account.id}/block`, { token: me.token })).status).toBe(200)
    expect((await call('POST', `/api/v1/accounts/${muted.account.id}/mute`, { token: me.token })).status).toBe(200)
    expect((await call('POST', `/api/v1/accounts/${me.account.id}/block`, { token: blocker.token })).status).toBe(200)

    const shown = await post(poster, { status: `hello #${name}` })
    const unlisted = await post(poster, { status: `quiet #${name}`, visibility: 'unlisted' })
    const priv = await post(poster, { status: `secret #${name}`, visibility: 'private' })
    const direct = await post(poster, { status: `@${me.account.username} direct #${name}`, visibility: 'direct' })
    const untagged = await post(poster, { status: 'no tag here' })
    const fromBlocked = await post(blocked, { status: `#${name} blocked` })
    const fromMuted = await post(muted, { status: `#${name} muted` })
    const fromBlocker = await post(blocker, { status: `#${name} blocker` })
    const reblog = await call('POST', `/api/v1/statuses/${fromBlocker.id}/reblog`, { token: poster.token })
    expect(reblog.status).toBe(200)

    const ids = await home(me)
    expect(ids).toContain(shown.id)
    for (const hidden of [unlisted.id, priv.id, untagged.id, fromBlocked.id, fromMuted.id, fromBlocker.id, reblog.json.id]) {
      expect(ids).not.toContain(hidden)
    }
    // the direct status reaches me as its addressee, not through the tag
    expect((await call('GET', `/api/v1/statuses/${direct.id}`, { token: me.token })).status).toBe(200)

    // after unfollowing, new statuses stay out
    await call('POST', `/api/v1/tags/${name}/unfollow`, { token: me.token })
    const later = await post(poster, { status: `again #${name}` })
    expect(await home(me)).not.toContain(later.id)
  })

  test('the user stream gets statuses with a followed tag, and their deletion', async () => {
    const [me, poster] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    const name = tagName()
    await call('POST', `/api/v1/tags/${name}/follow`, { token: me.token })
    const socket = await server.open(`stream=user&access_token=${me.token}`)
    const quiet = await post(poster, { status: `not for the stream #${name}`, visibility: 'unlisted' })
    const loud = await post(poster, { status: `for the stream #${name}` })
    const msg = await socket.next((m) => m.event === 'update' && (m.body as { id: string })?.id === loud.id, 10_000)
    expect(msg.stream).toEqual(['user'])
    expect(socket.pending().some((m) => (m.body as { id?: string } | undefined)?.id === quiet.id)).toBe(false)
    expect((await call('DELETE', `/api/v1/statuses/${loud.id}`, { token: poster.token })).status).toBe(200)
    const gone = await socket.next((m) => m.event === 'delete' && m.payload === loud.id, 10_000)
    expect(gone.stream).toEqual(['user'])
  })
})

describe('featured tags', () => {
  test('feature, list (own and on the profile), unfeature; counts and dates come from public statuses', async () => {
    const [me, viewer] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    const name = tagName()
    await post(me, { status: `#${name} one` })
    await post(me, { status: `#${name} two` })
    await post(me, { status: `#${name} hidden`, visibility: 'private' })

    const created = await call('POST', '/api/v1/featured_tags', { token: me.token, form: { name: `#${name}` } })
    expect(created.status).toBe(200)
    expectShape(created.json, 'FeaturedTag')
    expect(created.json).toMatchObject({
      name,
      statuses_count: '2',
      last_status_at: new Date().toISOString().slice(0, 10),
      url: `${ctx.config.baseUrl}/@${me.account.username}/tagged/${name}`,
    })
    const dup = await call('POST', '/api/v1/featured_tags', { token: me.token, json: { name } })
    expect(dup.status).toBe(422)
    expect(typeof dup.json.error).toBe('string')
    for (const bad of [{}, { name: '' }, { name: '---' }, { name: ['a'] }]) {
      expect((await call('POST', '/api/v1/featured_tags', { token: me.token, json: bad })).status).toBe(422)
    }
    const unused = await call('POST', '/api/v1/featured_tags', { token: me.token, json: { name: tagName() } })
    expect(unused.json).toMatchObject({ statuses_count: '0', last_status_at: null })

    const own = await call('GET', '/api/v1/featured_tags', { token: me.token })
    expect(own.status).toBe(200)
    expect((own.json as { id: string }[]).map((f) => f.id)).toEqual([created.json.id, unused.json.id])
    const profile = await call('GET', `/api/v1/accounts/${me.account.id}/featured_tags`)
    expect(profile.status).toBe(200)
    for (const f of profile.json) expectShape(f, 'FeaturedTag')
    expect(profile.json).toEqual(own.json)

    // someone else cannot remove it; an unknown id is 404
    expect((await call('DELETE', `/api/v1/featured_tags/${created.json.id}`, { token: viewer.token })).status).toBe(404)
    const removed = await call('DELETE', `/api/v1/featured_tags/${created.json.id}`, { token: me.token })
    expect(removed.status).toBe(200)
    expect(removed.json).toEqual({})
    expect((await call('DELETE', `/api/v1/featured_tags/${created.json.id}`, { token: me.token })).status).toBe(404)
    expect((await call('GET', `/api/v1/accounts/${me.account.id}/featured_tags`)).json).toHaveLength(1)
  })

  test(`at most ${MAX_FEATURED_TAGS}, as the instance says`, async () => {
    const me = await makeUser(ctx)
    for (let i = 0; i < MAX_FEATURED_TAGS; i++) {
      expect((await call('POST', '/api/v1/featured_tags', { token: me.token, json: { name: tagName() } })).status).toBe(200)
    }
    const over = await call('POST', '/api/v1/featured_tags', { token: me.token, json: { name: tagName() } })
    expect(over.status).toBe(422)
    expect(over.json.error).toContain(String(MAX_FEATURED_TAGS))
    const instance = await call('GET', '/api/v2/instance')
    expect(instance.json.configuration.accounts.max_featured_tags).toBe(MAX_FEATURED_TAGS)
  })

  test('suggestions are the tags used most lately and not featured yet', async () => {
    const me = await makeUser(ctx)
    const [often, once, featured] = [tagName(), tagName(), tagName()]
    await post(me, { status: `#${often} #${once} #${featured}` })
    await post(me, { status: `#${often}` })
    await call('POST', '/api/v1/featured_tags', { token: me.token, json: { name: featured } })
    const res = await call('GET', '/api/v1/featured_tags/suggestions', { token: me.token })
    expect(res.status).toBe(200)
    for (const t of res.json) expectShape(t, 'Tag')
    expect((res.json as { name: string }[]).map((t) => t.name)).toEqual([often, once])
  })

  test('POST /api/v1/tags/:name/feature and unfeature', async () => {
    const me = await makeUser(ctx)
    const name = tagName()
    const featured = await call('POST', `/api/v1/tags/${name}/feature`, { token: me.token })
    expect(featured.status).toBe(200)
    expectShape(featured.json, 'Tag')
    expect(featured.json).toMatchObject({ name, featuring: true })
    expect((await call('POST', `/api/v1/tags/${name}/feature`, { token: me.token })).status).toBe(200)
    expect((await call('GET', '/api/v1/featured_tags', { token: me.token })).json).toHaveLength(1)
    const unfeatured = await call('POST', `/api/v1/tags/${name}/unfeature`, { token: me.token })
    expect(unfeatured.json).toMatchObject({ name, featuring: false })
    expect((await call('GET', '/api/v1/featured_tags', { token: me.token })).json).toEqual([])
    expect((await call('POST', `/api/v1/tags/---/feature`, { token: me.token })).status).toBe(404)
  })

  test('unhappy paths: no token, wrong scope, unknown account', async () => {
    expect((await call('GET', '/api/v1/featured_tags')).status).toBe(401)
    expect((await call('POST', '/api/v1/featured_tags', { json: { name: 'x' } })).status).toBe(401)
    const readOnly = await makeUser(ctx, { scopes: ['read'] })
    expect((await call('POST', '/api/v1/featured_tags', { token: readOnly.token, json: { name: tagName() } })).status).toBe(403)
    expect((await call('POST', `/api/v1/tags/${tagName()}/feature`, { token: readOnly.token })).status).toBe(403)
    expect((await call('GET', '/api/v1/accounts/nope/featured_tags')).status).toBe(404)
  })
})
