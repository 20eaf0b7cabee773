// Trends: scores from recent use by distinct discoverable accounts with decay, computed by the durable trends job;
// public listings and moderators' verdicts.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { eq, inArray } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import { startJobs, type Jobs } from '../../src/core/jobs'
import { refreshTrends, registerTrendJobs, TRENDS_QUEUE } from '../../src/core/trends/trends'
import { findOrCreateTag, HISTORY_DAYS, tagHistories } from '../../src/core/tags/tags'
import { accounts, favourites, previewCards, statusPreviewCards, statuses, tagHistoryDays } from '../../src/db/schema'
import { getTestContext } from '../support/context'
import { makeUser, uniqueName, type MadeUser } from '../support/factories'
import { call, postStatus } from '../support/http'
import { expectShape, hasContracts } from '../support/shape'

setDefaultTimeout(30_000)

let ctx: Ctx
let jobs: Jobs
let a: MadeUser, b: MadeUser, c: MadeUser, shy: MadeUser, admin: MadeUser
const u = uniqueName('t').toLowerCase().replace(/[^a-z0-9]/g, '')
const tag = (name: string) => `${name}${u}`
const ids: Record<string, string> = {}

const names = (list: { name: string }[]) => list.map((t) => t.name)

beforeAll(async () => {
  ctx = await getTestContext()
  ;[a, b, c] = [await makeUser(ctx), await makeUser(ctx), await makeUser(ctx)]
  shy = await makeUser(ctx, { account: { discoverable: false } })
  admin = await makeUser(ctx, { scopes: ['read', 'write', 'admin:read', 'admin:write'], user: { isAdmin: true } })

  for (const who of [a, b, c]) await postStatus(who, { status: `#${tag('hot')} news` })
  for (let i = 0; i < 3; i++) await postStatus(a, { status: `#${tag('solo')} again ${i}` })
  await postStatus(a, { status: `#${tag('shy')}` })
  await postStatus(shy, { status: `#${tag('shy')}` })
  for (const who of [a, b, c]) await postStatus(who, { status: `#${tag('secret')}`, visibility: 'private' })
  for (const who of [a, b, c]) await postStatus(who, { status: `#${tag('quiet')}`, visibility: 'unlisted' })
  const old = [await postStatus(a, { status: `#${tag('old')}` }), await postStatus(b, { status: `#${tag('old')}` })]
  await ctx.db.update(statuses).set({ createdAt: new Date(Date.now() - 30 * 3600_000) }).where(inArray(statuses.id, old.map((s: { id: string }) => s.id)))

  // Links: the card of public statuses by two accounts trends; one only in private statuses does not.
  const [card, hidden] = await ctx.db.insert(previewCards).values([
    { url: `https://news.example/${u}`, title: 'Trending story' },
    { url: `https://news.example/${u}/private`, title: 'Private story' },
  ]).returning()
  ids.card = card.id
  ids.hiddenCard = hidden.id
  const linking = [await postStatus(a, { status: 'story' }), await postStatus(b, { status: 'story' })]
  const privately = [await postStatus(a, { status: 'p', visibility: 'private' }), await postStatus(b, { status: 'p', visibility: 'private' })]
  await ctx.db.insert(statusPreviewCards).values([
    ...linking.map((s: { id: string }) => ({ statusId: s.id, cardId: card.id })),
    ...privately.map((s: { id: string }) => ({ statusId: s.id, cardId: hidden.id })),
  ])

  // Statuses: favourited and reblogged by others.
  const popular = await postStatus(a, { status: 'popular' })
  const privatePost = await postStatus(a, { status: 'private popular', visibility: 'private' })
  const shyPost = await postStatus(shy, { status: 'shy popular' })
  ids.popular = popular.id
  ids.private = privatePost.id
  ids.shy = shyPost.id
  for (const who of [b, c]) expect((await call('POST', `/api/v1/statuses/${popular.id}/favourite`, { token: who.token })).status).toBe(200)
  expect((await call('POST', `/api/v1/statuses/${shyPost.id}/reblog`, { token: b.token })).status).toBe(200)
  for (const who of [b, c]) await ctx.db.insert(favourites).values({ accountId: who.account.id, statusId: privatePost.id })
  await ctx.db.insert(favourites).values({ accountId: c.account.id, statusId: shyPost.id })

  jobs = await startJobs(ctx.database, { supervise: false, queues: [TRENDS_QUEUE] })
  await registerTrendJobs({ ...ctx, jobs })
})

afterAll(async () => { await jobs.stop() }, 20_000)

describe('the trends job', () => {
  test('a sent job computes the trends', async () => {
    await jobs.send(TRENDS_QUEUE, {})
    const until = Date.now() + 20_000
    let found: string[] = []
    while (Date.now() < until) {
      found = names((await call('GET', '/api/v1/trends/tags', { query: { limit: '20' } })).json)
      if (found.includes(tag('hot'))) break
      await Bun.sleep(200)
    }
    expect(found).toContain(tag('hot'))
  })
})

describe('the trends job and tag histories', () => {
  test('a sent job forgets the kept counts of days older than a history shows, and keeps the week', async () => {
    const kept = await findOrCreateTag(ctx.db, tag('kept'))
    const DAY = 86_400_000
    await tagHistories(ctx.db, [kept.id], Date.now() - 10 * DAY)
    await tagHistories(ctx.db, [kept.id])
    const first = Math.floor(Date.now() / DAY) - (HISTORY_DAYS - 1)
    const days = async () => (await ctx.db.select({ day: tagHistoryDays.day }).from(tagHistoryDays).where(eq(tagHistoryDays.tagId, kept.id))).map((r) => r.day)
    expect((await days()).filter((d) => d < first)).toHaveLength(HISTORY_DAYS)
    await jobs.send(TRENDS_QUEUE, {})
    const until = Date.now() + 20_000
    while (Date.now() < until && (await days()).some((d) => d < first)) await Bun.sleep(200)
    expect((await days()).sort((x, y) => x - y)).toEqual(Array.from({ length: HISTORY_DAYS }, (_, i) => first + i))
  })
})

describe('GET /api/v1/trends/tags', () => {
  test('tags used recently by several discoverable accounts in public statuses, most recent first', async () => {
    await refreshTrends(ctx)
    const res = await call('GET', '/api/v1/trends/tags', { query: { limit: '20' } })
    expect(res.status).toBe(200)
    const found = names(res.json)
    expect(found).toContain(tag('hot'))
    expect(found).toContain(tag('old'))
    expect(found.indexOf(tag('hot'))).toBeLessThan(found.indexOf(tag('old')))
    for (const name of ['solo', 'shy', 'secret', 'quiet']) expect(found).not.toContain(tag(name))
    const hot = res.json.find((t: { name: string }) => t.name === tag('hot'))
    expect(hot.history[0]).toMatchObject({ uses: '3', accounts: '3' })
    if (hasContracts()) for (const t of res.json) expectShape(t, 'Tag')
    expect(names((await call('GET', '/api/v1/trends', { query: { limit: '20' } })).json)).toEqual(found)
    const first = await call('GET', '/api/v1/trends/tags', { query: { limit: '1' } })
    expect(first.json).toHaveLength(1)
    expect(first.headers.get('link')).toContain('offset=1>; rel="next"')
    expect(names((await call('GET', '/api/v1/trends/tags', { query: { limit: '20', offset: '1' } })).json)).toEqual(found.slice(1))
  })
})

describe('GET /api/v1/trends/links and /statuses', () => {
  test('links shared in public statuses by several accounts', async () => {
    await refreshTrends(ctx)
    const res = await call('GET', '/api/v1/trends/links')
    expect(res.status).toBe(200)
    const urls = res.json.map((l: { url: string }) => l.url)
    expect(urls).toContain(`https://news.example/${u}`)
    expect(urls).not.toContain(`https://news.example/${u}/private`)
    const link = res.json.find((l: { url: string }) => l.url === `https://news.example/${u}`)
    expect(link.history[0]).toMatchObject({ uses: '2', accounts: '2' })
    if (hasContracts()) expectShape(link, 'TrendsLink')
  })

  test('public statuses of discoverable accounts others favourited or reblogged; never private ones', async () => {
    await refreshTrends(ctx)
    const res = await call('GET', '/api/v1/trends/statuses', { token: b.token })
    expect(res.status).toBe(200)
    const found = res.json.map((s: { id: string }) => s.id)
    expect(found).toContain(ids.popular)
    expect(found).not.toContain(ids.private)
    expect(found).not.toContain(ids.shy)
    if (hasContracts()) for (const s of res.json) expectShape(s, 'Status')
    const anonymous = (await call('GET', '/api/v1/trends/statuses')).json.map((s: { id: string }) => s.id)
    expect(anonymous).toContain(ids.popular)
    expect(anonymous).not.toContain(ids.private)
  })

  test('an author who stops being discoverable leaves the trends at once', async () => {
    await refreshTrends(ctx)
    const z = await makeUser(ctx)
    const post = await postStatus(z, { status: 'soon hidden' })
    for (const who of [a, b]) await call('POST', `/api/v1/statuses/${post.id}/favourite`, { token: who.token })
    await refreshTrends(ctx)
    expect((await call('GET', '/api/v1/trends/statuses')).json.map((s: { id: string }) => s.id)).toContain(post.id)
    await ctx.db.update(accounts).set({ discoverable: false }).where(eq(accounts.id, z.account.id))
    expect((await call('GET', '/api/v1/trends/statuses')).json.map((s: { id: string }) => s.id)).not.toContain(post.id)
  })
})

describe('moderating trends', () => {
  test('a rejected tag, link or status disappears and stays away after recomputing; approving brings it back', async () => {
    await refreshTrends(ctx)
    const tags = await call('GET', '/api/v1/admin/trends/tags', { token: admin.token, query: { limit: '20' } })
    expect(tags.status).toBe(200)
    const hot = tags.json.find((t: { name: string }) => t.name === tag('hot'))
    expect(hot).toMatchObject({ requires_review: true, trendable: true })

    expect((await call('POST', `/api/v1/admin/trends/tags/${hot.id}/reject`, { token: admin.token })).status).toBe(200)
    expect((await call('POST', `/api/v1/admin/trends/links/${ids.card}/reject`, { token: admin.token })).status).toBe(200)
    expect((await call('POST', `/api/v1/admin/trends/statuses/${ids.popular}/reject`, { token: admin.token })).status).toBe(200)
    await refreshTrends(ctx)
    expect(names((await call('GET', '/api/v1/trends/tags', { query: { limit: '20' } })).json)).not.toContain(tag('hot'))
    expect((await call('GET', '/api/v1/trends/links', { query: { limit: '20' } })).json.map((l: { url: string }) => l.url)).not.toContain(`https://news.example/${u}`)
    expect((await call('GET', '/api/v1/trends/statuses', { query: { limit: '40' } })).json.map((s: { id: string }) => s.id)).not.toContain(ids.popular)
    const reviewed = (await call('GET', '/api/v1/admin/trends/tags', { token: admin.token, query: { limit: '20' } })).json
      .find((t: { name: string }) => t.name === tag('hot'))
    expect(reviewed).toMatchObject({ requires_review: false, trendable: false })
    const adminLinks = (await call('GET', '/api/v1/admin/trends/links', { token: admin.token, query: { limit: '20' } })).json
    expect(adminLinks.find((l: { id: string }) => l.id === ids.card)).toMatchObject({ trendable: false })
    const adminStatuses = (await call('GET', '/api/v1/admin/trends/statuses', { token: admin.token, query: { limit: '40' } })).json
    expect(adminStatuses.map((s: { id: string }) => s.id)).toContain(ids.popular)

    expect((await call('POST', `/api/v1/admin/trends/tags/${hot.id}/approve`, { token: admin.token })).json).toMatchObject({ review: 'approved' })
    expect(names((await call('GET', '/api/v1/trends/tags', { query: { limit: '20' } })).json)).toContain(tag('hot'))
  })

  test('only moderators with admin scopes; unknown and malformed ids are 404', async () => {
    const plain = await makeUser(ctx, { scopes: ['read', 'write', 'admin:read', 'admin:write'] })
    expect((await call('GET', '/api/v1/admin/trends/tags')).status).toBe(401)
    expect((await call('GET', '/api/v1/admin/trends/tags', { token: plain.token })).status).toBe(403)
    expect((await call('GET', '/api/v1/admin/trends/tags', { token: a.token })).status).toBe(403)
    expect((await call('POST', `/api/v1/admin/trends/statuses/${ids.popular}/reject`, { token: plain.token })).status).toBe(403)
    for (const id of ['AAAAAAAAAAAAAAAAAA', 'nope', ids.private]) {
      const res = await call('POST', `/api/v1/admin/trends/statuses/${id}/approve`, { token: admin.token })
      expect(res.status).toBe(404)
      expect(res.json.error).toBeString()
    }
    expect((await call('POST', `/api/v1/admin/trends/links/${ids.hiddenCard}/approve`, { token: admin.token })).status).toBe(404)
  })
})
