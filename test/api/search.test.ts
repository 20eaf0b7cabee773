import { afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { eq, sql } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import { encodeId, idToUuid } from '../../src/core/ids'
import { setRemoteResolver } from '../../src/core/search/resolve'
import { accounts, statuses } from '../../src/db/schema'
import { resultRows } from '../../src/db/client'
import { getTestContext, TEST_DOMAIN } from '../support/context'
import { makeUser, uniqueName, type MadeUser } from '../support/factories'
import { call, postStatus } from '../support/http'
import { fileOf, pngFixture } from '../support/media-fixtures'
import { expectShape } from '../support/shape'

let ctx: Ctx

beforeAll(async () => {
  ctx = await getTestContext()
})

afterEach(() => setRemoteResolver(null))

/** A word no other status contains (letters only, so the text parser keeps it whole). */
const word = () => `zq${Math.random().toString(36).slice(2, 12).replace(/[0-9]/g, (d) => 'abcdefghij'[Number(d)])}`

type Status = { id: string; visibility: string; url: string; uri: string }
const post = (who: MadeUser, json: Record<string, unknown>) => postStatus<Status>(who, json)

const search = (query: Record<string, string>, token?: string) => call('GET', '/api/v2/search', { token, query })
const statusIds = (res: { json: any }) => (res.json.statuses as { id: string }[]).map((s) => s.id)
const accountIds = (res: { json: any }) => (res.json.accounts as { id: string }[]).map((a) => a.id)

async function follow(follower: MadeUser, target: MadeUser) {
  expect((await call('POST', `/api/v1/accounts/${target.account.id}/follow`, { token: follower.token })).status).toBe(200)
}

describe('GET /api/v2/search: statuses', () => {
  test('finds public statuses by their words, in the Search shape', async () => {
    const [author, reader] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    const w = word()
    const found = await post(author, { status: `Hello ${w} world` })
    await post(author, { status: 'nothing to see' })
    const res = await search({ q: w }, reader.token)
    expect(res.status).toBe(200)
    expectShape(res.json, 'Search')
    expect(statusIds(res)).toEqual([found.id])
    expect((await search({ q: w.toUpperCase(), type: 'statuses' }, reader.token)).json.statuses).toHaveLength(1)
    // the content warning is searched too
    const cw = word()
    const warned = await post(author, { status: 'behind a warning', spoiler_text: `about ${cw}` })
    expect(statusIds(await search({ q: cw }, reader.token))).toEqual([warned.id])
  })

  test('privacy matrix: only the author, people who interacted or were mentioned, and public indexable statuses', async () => {
    const [author, stranger, follower, mentioned, faver] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    await follow(follower, author)
    const w = word()
    const pub = await post(author, { status: `${w} public` })
    const unlisted = await post(author, { status: `${w} unlisted`, visibility: 'unlisted' })
    const priv = await post(author, { status: `${w} private`, visibility: 'private' })
    const direct = await post(author, { status: `${w} direct @${mentioned.account.username}`, visibility: 'direct' })
    const privMention = await post(author, { status: `${w} private @${mentioned.account.username}`, visibility: 'private' })
    expect((await call('POST', `/api/v1/statuses/${unlisted.id}/favourite`, { token: faver.token })).status).toBe(200)

    const find = async (who: MadeUser) => new Set(statusIds(await search({ q: w, type: 'statuses' }, who.token)))
    expect(await find(author)).toEqual(new Set([pub.id, unlisted.id, priv.id, direct.id, privMention.id]))
    expect(await find(stranger)).toEqual(new Set([pub.id]))
    // a follower may read the private status, but Mastodon's rule does not make it searchable without interaction
    expect(await find(follower)).toEqual(new Set([pub.id]))
    expect(await find(mentioned)).toEqual(new Set([pub.id, direct.id, privMention.id]))
    expect(await find(faver)).toEqual(new Set([pub.id, unlisted.id]))

    // interacting with a status one may not see does not make it findable
    const [hidden] = await ctx.db.select().from(statuses).where(eq(statuses.id, priv.id))
    expect(hidden.visibility).toBe('private')
    expect((await call('POST', `/api/v1/statuses/${priv.id}/bookmark`, { token: stranger.token })).status).toBe(404)
    expect(await find(stranger)).toEqual(new Set([pub.id]))

    // anonymous: no statuses at all
    const anonymous = await search({ q: w })
    expect(anonymous.status).toBe(200)
    expect(anonymous.json.statuses).toEqual([])
    expect((await search({ q: w, type: 'statuses' })).status).toBe(401)
  })

  test('authors who are not indexable are found only by themselves and by people who interacted', async () => {
    const [author, reader, booster] = await Promise.all([makeUser(ctx, { account: { indexable: false } }), makeUser(ctx), makeUser(ctx)])
    const w = word()
    const s = await post(author, { status: `${w} unindexed` })
    expect(statusIds(await search({ q: w }, reader.token))).toEqual([])
    expect(statusIds(await search({ q: w }, author.token))).toEqual([s.id])
    expect((await call('POST', `/api/v1/statuses/${s.id}/reblog`, { token: booster.token })).status).toBe(200)
    expect(statusIds(await search({ q: w }, booster.token))).toEqual([s.id])
  })

  test('blocked and muted authors, and authors blocking the reader, are left out', async () => {
    const [blocked, muted, blocker, reader] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    const w = word()
    await Promise.all([post(blocked, { status: `${w} a` }), post(muted, { status: `${w} b` }), post(blocker, { status: `${w} c` })])
    expect(statusIds(await search({ q: w }, reader.token))).toHaveLength(3)
    expect((await call('POST', `/api/v1/accounts/${blocked.account.id}/block`, { token: reader.token })).status).toBe(200)
    expect((await call('POST', `/api/v1/accounts/${muted.account.id}/mute`, { token: reader.token })).status).toBe(200)
    expect((await call('POST', `/api/v1/accounts/${reader.account.id}/block`, { token: blocker.token })).status).toBe(200)
    expect(statusIds(await search({ q: w }, reader.token))).toEqual([])
    const accountsFound = await search({ q: blocked.account.username, type: 'accounts' }, reader.token)
    expect(accountIds(accountsFound)).not.toContain(blocked.account.id)
  })

  test('operators: from:, has:, is:, language:, in:library, negation and quoted phrases', async () => {
    const [author, other, reader] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    const w = word()
    const plain = await post(author, { status: `${w} quick brown fox`, language: 'en' })
    const reversed = await post(author, { status: `${w} brown quick fox`, language: 'de' })
    const upload = await call('POST', '/api/v1/media', { token: author.token, multipart: { file: fileOf(pngFixture(), 'image/png', 'a.png') } })
    expect(upload.status).toBe(200)
    const withMedia = await post(author, { status: `${w} picture`, media_ids: [upload.json.id] })
    const withPoll = await post(author, { status: `${w} vote`, poll: { options: ['a', 'b'], expires_in: 3600 } })
    const withLink = await post(author, { status: `${w} see https://example.org/page` })
    const reply = await post(other, { status: `${w} a reply`, in_reply_to_id: plain.id })
    const sensitive = await post(other, { status: `${w} careful`, spoiler_text: 'cw' })

    const find = async (q: string, who = reader) => {
      const res = await search({ q, type: 'statuses' }, who.token)
      expect(res.status).toBe(200)
      return new Set(statusIds(res))
    }
    const byAuthor = new Set([plain.id, reversed.id, withMedia.id, withPoll.id, withLink.id])
    expect(await find(`${w} from:${author.account.username}`)).toEqual(byAuthor)
    expect(await find(`${w} from:@${author.account.username}@${TEST_DOMAIN}`)).toEqual(byAuthor)
    expect(await find(`${w} -from:${author.account.username}`)).toEqual(new Set([reply.id, sensitive.id]))
    expect(await find(`${w} from:nobody_${word()}`)).toEqual(new Set())
    expect(await find(`${w} from:me`, other)).toEqual(new Set([reply.id, sensitive.id]))
    expect(await find(`${w} has:media`)).toEqual(new Set([withMedia.id]))
    expect(await find(`${w} has:image`)).toEqual(new Set([withMedia.id]))
    expect(await find(`${w} has:poll`)).toEqual(new Set([withPoll.id]))
    expect(await find(`${w} has:link`)).toEqual(new Set([withLink.id]))
    expect(await find(`${w} is:reply`)).toEqual(new Set([reply.id]))
    expect(await find(`${w} is:sensitive`)).toEqual(new Set([sensitive.id]))
    expect(await find(`${w} -is:reply -is:sensitive -has:media -has:poll -has:link`)).toEqual(new Set([plain.id, reversed.id]))
    expect(await find(`${w} language:de`)).toEqual(new Set([reversed.id]))
    expect(await find(`${w} "quick brown"`)).toEqual(new Set([plain.id]))
    expect(await find(`${w} quick brown`)).toEqual(new Set([plain.id, reversed.id]))
    expect(await find(`${w} fox -"brown quick"`)).toEqual(new Set([plain.id]))
    expect(await find(`${w} -fox from:${author.account.username}`)).toEqual(new Set([withMedia.id, withPoll.id, withLink.id]))
    // operators alone narrow too; negations alone find nothing
    expect(await find(`from:${other.account.username} is:reply`)).toEqual(new Set([reply.id]))
    expect(await find(`-${w}`)).toEqual(new Set())

    expect((await call('POST', `/api/v1/statuses/${reversed.id}/bookmark`, { token: reader.token })).status).toBe(200)
    expect(await find(`${w} in:library`)).toEqual(new Set([reversed.id]))
    // the reply addresses the author, so it is in the author's library too
    expect(await find(`${w} in:library`, author)).toEqual(new Set([...byAuthor, reply.id]))
    // `account_id` narrows to one author
    const narrowed = await search({ q: w, type: 'statuses', account_id: other.account.id }, reader.token)
    expect(new Set(statusIds(narrowed))).toEqual(new Set([reply.id, sensitive.id]))
  })

  test('before:, after: and during: compare UTC days; a malformed date is 422', async () => {
    const [author, reader] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    const w = word()
    const old = await post(author, { status: `${w} old` })
    const mid = await post(author, { status: `${w} mid` })
    const recent = await post(author, { status: `${w} recent` })
    await ctx.db.update(statuses).set({ createdAt: new Date('2021-03-01T12:00:00Z') }).where(eq(statuses.id, old.id))
    await ctx.db.update(statuses).set({ createdAt: new Date('2022-06-15T23:30:00Z') }).where(eq(statuses.id, mid.id))
    const find = async (q: string) => new Set(statusIds(await search({ q: `${w} ${q}`, type: 'statuses' }, reader.token)))
    expect(await find('before:2022-01-01')).toEqual(new Set([old.id]))
    expect(await find('after:2022-06-15')).toEqual(new Set([recent.id]))
    expect(await find('after:2022-06-14')).toEqual(new Set([mid.id, recent.id]))
    expect(await find('during:2022-06-15')).toEqual(new Set([mid.id]))
    expect(await find('-during:2022-06-15')).toEqual(new Set([old.id, recent.id]))
    for (const bad of ['before:yesterday', 'after:2022-13-01', 'during:2022-02-30']) {
      const res = await search({ q: `${w} ${bad}`, type: 'statuses' }, reader.token)
      expect(res.status).toBe(422)
      expect(typeof res.json.error).toBe('string')
    }
  })

  test('pages with limit, offset, max_id and min_id', async () => {
    const [author, reader] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    const w = word()
    const made: string[] = []
    for (let i = 0; i < 5; i++) made.push((await post(author, { status: `${w} number ${i}` })).id)
    const newestFirst = [...made].reverse()
    expect(statusIds(await search({ q: w, limit: '2' }, reader.token))).toEqual(newestFirst.slice(0, 2))
    expect(statusIds(await search({ q: w, limit: '2', offset: '2' }, reader.token))).toEqual(newestFirst.slice(2, 4))
    expect(statusIds(await search({ q: w, limit: '2', max_id: newestFirst[1] }, reader.token))).toEqual(newestFirst.slice(2, 4))
    expect(statusIds(await search({ q: w, limit: '2', min_id: newestFirst[4] }, reader.token))).toEqual(newestFirst.slice(2, 4))
    expect(statusIds(await search({ q: w, limit: '1000' }, reader.token))).toHaveLength(5)
  })
})

const DAY = 86_400_000
const WEEK = 7 * DAY

/** A public status by `author` with the id (and time) of `at`, as one fetched from another server would have. */
async function statusAt(author: MadeUser, at: number, text: string): Promise<string> {
  const id = encodeId((BigInt(at) << 64n) | BigInt(Math.floor(Math.random() * 2 ** 48)))
  await ctx.db.insert(statuses).values({ id, accountId: author.account.id, text, content: `<p>${text}</p>`, visibility: 'public', createdAt: new Date(at) })
  return id
}

/** Every result for `q`, `limit` at a time: down with max_id, or up from `minId` with min_id. */
async function pageThrough(reader: MadeUser, q: string, limit: number, minId?: string): Promise<string[]> {
  const seen: string[] = []
  for (let cursor: string | undefined = minId; ;) {
    const query: Record<string, string> = { q, type: 'statuses', limit: String(limit) }
    if (minId && cursor) query.min_id = cursor
    else if (cursor) query.max_id = cursor
    const ids = statusIds(await search(query, reader.token))
    if (!ids.length) return seen
    expect(ids.length).toBeLessThanOrEqual(limit)
    if (minId) seen.unshift(...ids)
    else seen.push(...ids)
    cursor = minId ? ids[0] : ids[ids.length - 1]
    expect(seen.length).toBeLessThan(1000)
  }
}

describe('GET /api/v2/search: statuses over many weeks', () => {
  test('matches from weeks and years apart come back newest first, and page without losing or repeating any', async () => {
    const [author, reader] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    const w = word()
    const now = Date.now()
    const made = [await post(author, { status: `${w} just now` }).then((s) => s.id)]
    for (const daysAgo of [1, 3, 9, 16, 40, 41, 120, 250, 400, 1200, 3000]) made.push(await statusAt(author, now - daysAgo * DAY, `${w} ${daysAgo} days ago`))
    await statusAt(author, now - 20 * DAY, 'another word')
    const newestFirst = [...made].sort().reverse()
    expect(statusIds(await search({ q: w, type: 'statuses', limit: '40' }, reader.token))).toEqual(newestFirst)
    expect(statusIds(await search({ q: w, type: 'statuses', limit: '3', offset: '4' }, reader.token))).toEqual(newestFirst.slice(4, 7))
    for (const limit of [1, 2, 5]) {
      expect(await pageThrough(reader, w, limit)).toEqual(newestFirst)
      expect(await pageThrough(reader, w, limit, newestFirst.at(-1))).toEqual(newestFirst.slice(0, -1))
    }
    expect(statusIds(await search({ q: w, type: 'statuses', limit: '3', max_id: newestFirst[2], min_id: newestFirst[9] }, reader.token))).toEqual(newestFirst.slice(6, 9))
    // and two words need both, in whichever weeks they are
    expect(statusIds(await search({ q: `${w} ago 40`, type: 'statuses' }, reader.token))).toEqual([newestFirst[5]])
  })

  test('a page that ends at the last status of a week goes on with the first of the week before', async () => {
    const [author, reader] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    const w = word()
    const boundary = (Math.floor(Date.now() / WEEK) - 2) * WEEK
    const made: string[] = []
    for (const at of [boundary - WEEK, boundary - 2, boundary - 1, boundary, boundary + 1, boundary + 2, boundary + WEEK]) {
      made.push(await statusAt(author, at, `${w} at ${at}`))
    }
    const newestFirst = [...made].reverse()
    for (const limit of [1, 2, 3]) {
      expect(await pageThrough(reader, w, limit)).toEqual(newestFirst)
      expect(await pageThrough(reader, w, limit, newestFirst.at(-1))).toEqual(newestFirst.slice(0, -1))
    }
    // max_id exactly at the first status of a week, and min_id exactly at the last one of the week before
    expect(statusIds(await search({ q: w, type: 'statuses', limit: '2', max_id: made[3] }, reader.token))).toEqual([made[2], made[1]])
    expect(statusIds(await search({ q: w, type: 'statuses', limit: '2', min_id: made[2] }, reader.token))).toEqual([made[4], made[3]])
  })

  test('more matches than one batch of candidates, some of them not findable, over half a year', async () => {
    const [author, reader] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    const w = word()
    const now = Date.now()
    const rows = Array.from({ length: 450 }, (_, i) => {
      const at = now - i * 9 * 3_600_000
      return {
        id: encodeId((BigInt(at) << 64n) | BigInt(i)), accountId: author.account.id, text: `${w} ${i}`, content: `<p>${w} ${i}</p>`,
        visibility: (i % 3 === 1 ? 'private' : 'public') as 'private' | 'public', createdAt: new Date(at),
      }
    })
    await ctx.db.insert(statuses).values(rows)
    const findable = rows.filter((r) => r.visibility === 'public').map((r) => r.id)
    expect(await pageThrough(reader, w, 40)).toEqual(findable)
    expect(await pageThrough(reader, w, 40, rows.at(-1)!.id)).toEqual(findable.slice(0, -1))
    expect(statusIds(await search({ q: w, type: 'statuses', limit: '40', offset: '190' }, reader.token))).toEqual(findable.slice(190, 230))
    // the author finds the private ones too
    expect(await pageThrough(author, w, 40)).toEqual(rows.map((r) => r.id))
  })

  test('the week a status is indexed under cannot be searched for', async () => {
    const [author, reader] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    const w = word()
    const at = Date.now() - 3 * DAY
    const week = Math.floor(at / WEEK)
    const plain = await statusAt(author, at, `${w} nothing else`)
    const [row] = resultRows<{ document: string }>(await ctx.db.execute(sql`select search_document::text as document from statuses where id = ${idToUuid(plain)}::uuid`))
    expect(row.document).toContain(`'week ${week}'`)
    for (const q of [`week ${week}`, `"week ${week}"`, `'week ${week}'`, `week\u00a0${week}`, `week+${week}`, `week_${week}`, `${w} "week ${week}"`, `week${week}`]) {
      expect(statusIds(await search({ q, type: 'statuses' }, author.token))).not.toContain(plain)
    }
    // the same words in a status's text are found as words
    const saying = await statusAt(author, at, `${w} in week ${week}`)
    expect(statusIds(await search({ q: `${w} "week ${week}"`, type: 'statuses' }, reader.token))).toEqual([saying])
    expect(statusIds(await search({ q: w, type: 'statuses' }, reader.token))).toEqual([saying, plain].sort().reverse())
  })
})

describe('GET /api/v2/search: accounts and hashtags', () => {
  test('accounts by username, display name and address, followed accounts first', async () => {
    const stem = word()
    const [reader, a, b, c] = await Promise.all([
      makeUser(ctx),
      makeUser(ctx, { nickname: `${stem}_one` }),
      makeUser(ctx, { nickname: `${stem}_two` }),
      makeUser(ctx, { account: { displayName: `Dr ${stem} Three` } }),
    ])
    const all = await search({ q: stem, type: 'accounts' }, reader.token)
    expect(all.status).toBe(200)
    expectShape(all.json, 'Search')
    expect(new Set(accountIds(all))).toEqual(new Set([a.account.id, b.account.id, c.account.id]))
    await follow(reader, c)
    expect(accountIds(await search({ q: stem, type: 'accounts' }, reader.token))[0]).toBe(c.account.id)
    expect(accountIds(await search({ q: stem, type: 'accounts', following: 'true' }, reader.token))).toEqual([c.account.id])
    expect(accountIds(await search({ q: `@${b.account.username}@${TEST_DOMAIN}`, type: 'accounts' }, reader.token))[0]).toBe(b.account.id)
    expect(accountIds(await search({ q: `${a.account.username}`, type: 'accounts' }))[0]).toBe(a.account.id)
  })

  test('hashtags by prefix, exact name first; v1 gives names', async () => {
    const [author, reader] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    const stem = word()
    await post(author, { status: `#${stem}longer and #${stem} and #${stem}x` })
    const res = await search({ q: `#${stem}`, type: 'hashtags' }, reader.token)
    expect(res.status).toBe(200)
    expectShape(res.json, 'Search')
    const names = (res.json.hashtags as { name: string }[]).map((t) => t.name)
    expect(names).toEqual([stem, `${stem}x`, `${stem}longer`])
    const tag = res.json.hashtags[0]
    expect(tag.following).toBe(false)
    expect(tag.history).toHaveLength(7)
    expect(tag.history[0].uses).toBe('1')
    const v1 = await call('GET', '/api/v1/search', { token: reader.token, query: { q: stem } })
    expect(v1.status).toBe(200)
    expect(v1.json.hashtags).toEqual([stem, `${stem}x`, `${stem}longer`])
    expect(Array.isArray(v1.json.accounts) && Array.isArray(v1.json.statuses)).toBe(true)
    const anonymous = await search({ q: stem, type: 'hashtags' })
    expect(anonymous.status).toBe(200)
    expect(anonymous.json.hashtags[0]).not.toHaveProperty('following')
  })

  test('anonymous search is capped and may neither page nor resolve', async () => {
    const stem = word()
    for (let i = 0; i < 12; i++) await makeUser(ctx, { nickname: `${stem}_${i}` })
    expect((await search({ q: stem, type: 'accounts', limit: '40' })).json.accounts).toHaveLength(10)
    const reader = await makeUser(ctx)
    expect((await search({ q: stem, type: 'accounts', limit: '40' }, reader.token)).json.accounts).toHaveLength(12)
    expect((await search({ q: stem, offset: '5' })).status).toBe(401)
    expect((await search({ q: stem, resolve: 'true' })).status).toBe(401)
  })
})

describe('GET /api/v2/search with resolve', () => {
  test('this instance’s status and profile URLs resolve to just that object, within the visibility rule', async () => {
    const [author, reader] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    const pub = await post(author, { status: 'resolvable' })
    const priv = await post(author, { status: 'secret', visibility: 'private' })
    const byUrl = await search({ q: pub.url, resolve: 'true' }, reader.token)
    expect(byUrl.status).toBe(200)
    expect(byUrl.json).toMatchObject({ accounts: [], hashtags: [] })
    expect(statusIds(byUrl)).toEqual([pub.id])
    expect(statusIds(await search({ q: pub.uri, resolve: 'true' }, reader.token))).toEqual([pub.id])
    expect(statusIds(await search({ q: priv.url, resolve: 'true' }, reader.token))).toEqual([])
    expect(statusIds(await search({ q: priv.url, resolve: 'true' }, author.token))).toEqual([priv.id])
    const profile = await search({ q: `${ctx.config.baseUrl}/@${author.account.username}`, resolve: 'true' }, reader.token)
    expect(accountIds(profile)).toEqual([author.account.id])
    expect(statusIds(profile)).toEqual([])
    // asked for accounts only, a status URL finds nothing
    expect((await search({ q: pub.url, resolve: 'true', type: 'accounts' }, reader.token)).json.statuses).toEqual([])
  })

  test('unknown remote addresses and URLs go through the installed resolver', async () => {
    const reader = await makeUser(ctx)
    const [remote] = await ctx.db.insert(accounts).values({
      username: uniqueName('far'), domain: 'remote.example', uri: `https://remote.example/users/${word()}`,
    }).returning()
    const asked: unknown[] = []
    setRemoteResolver(async (_ctx, query) => {
      asked.push(query)
      return 'acct' in query && query.acct.domain === 'remote.example' ? { kind: 'account', accountId: remote.id } : null
    })
    const q = `@${word()}@remote.example`
    const without = await search({ q, type: 'accounts' }, reader.token)
    expect(accountIds(without)).toEqual([])
    expect(asked).toEqual([])
    const resolved = await search({ q, type: 'accounts', resolve: 'true' }, reader.token)
    expect(accountIds(resolved)).toEqual([remote.id])
    expect(asked).toHaveLength(1)
    const viaAccounts = await call('GET', '/api/v1/accounts/search', { token: reader.token, query: { q, resolve: 'true' } })
    expect((viaAccounts.json as { id: string }[]).map((a) => a.id)).toEqual([remote.id])
    const url = await search({ q: 'https://elsewhere.example/notes/1', resolve: 'true' }, reader.token)
    expect(url.json).toEqual({ accounts: [], statuses: [], hashtags: [] })
    expect(asked).toContainEqual({ url: 'https://elsewhere.example/notes/1' })
  })
})

describe('GET /api/v2/search: unhappy paths', () => {
  test('missing q is 400, an unknown type 422, a token without read:search 403', async () => {
    const reader = await makeUser(ctx)
    for (const query of [{}, { q: '   ' }] as Record<string, string>[]) {
      const res = await search(query, reader.token)
      expect(res.status).toBe(400)
      expect(typeof res.json.error).toBe('string')
    }
    const badType = await search({ q: 'x', type: 'people' }, reader.token)
    expect(badType.status).toBe(422)
    expect(typeof badType.json.error).toBe('string')
    const wrong = await makeUser(ctx, { scopes: ['read:statuses'] })
    expect((await search({ q: 'x' }, wrong.token)).status).toBe(403)
    const scoped = await makeUser(ctx, { scopes: ['read:search'] })
    expect((await search({ q: 'x' }, scoped.token)).status).toBe(200)
    expect((await search({ q: 'x' }, 'not-a-token')).status).toBe(401)
  })

  test('odd input never fails: punctuation, operators without values, malformed ids', async () => {
    const reader = await makeUser(ctx)
    for (const q of ['%', '"', '-', '!!', 'from:', 'has:nothing', '( ) & |', "'a' & 'b'", '#', '@', '@@', 'a'.repeat(2000)]) {
      const res = await search({ q }, reader.token)
      expect(res.status).toBe(200)
      expectShape(res.json, 'Search')
    }
    expect((await search({ q: 'x', max_id: 'nope', account_id: 'nope', limit: '-3', offset: 'x' }, reader.token)).status).toBe(200)
  })
})
