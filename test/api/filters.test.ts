import { beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import { applyHideFilters, keywordPattern } from '../../src/core/filters/match'
import { newId } from '../../src/core/ids'
import { backfillHomeFeed } from '../../src/core/timelines/home-feed'
import { filters, follows } from '../../src/db/schema'
import { getTestContext } from '../support/context'
import { makeUser, type MadeUser } from '../support/factories'
import { call, postStatus } from '../support/http'
import { expectShape } from '../support/shape'

let ctx: Ctx

beforeAll(async () => {
  ctx = await getTestContext()
})

const post = (who: MadeUser, json: Record<string, unknown>) => postStatus<{ id: string }>(who, json)

async function makeFilter(owner: MadeUser, json: Record<string, unknown> = {}) {
  const res = await call('POST', '/api/v2/filters', {
    token: owner.token,
    json: { title: 'spoilers', context: ['home', 'public'], keywords_attributes: [{ keyword: 'spoiler' }], ...json },
  })
  expect(res.status).toBe(200)
  return res.json
}

describe('v2 filters', () => {
  test('create, show, list, update and delete', async () => {
    const owner = await makeUser(ctx)
    const created = await call('POST', '/api/v2/filters', {
      token: owner.token,
      json: {
        title: 'Politics',
        context: ['home', 'thread', 'home'],
        filter_action: 'hide',
        expires_in: 3600,
        keywords_attributes: [{ keyword: 'election', whole_word: false }, { keyword: 'vote' }],
      },
    })
    expect(created.status).toBe(200)
    expectShape(created.json, 'Filter')
    for (const k of created.json.keywords) expectShape(k, 'FilterKeyword')
    expect(created.json).toMatchObject({ title: 'Politics', context: ['home', 'thread'], filter_action: 'hide', statuses: [] })
    expect(created.json.keywords.map((k: any) => [k.keyword, k.whole_word])).toEqual([['election', false], ['vote', true]])
    const expires = new Date(created.json.expires_at).getTime()
    expect(Math.abs(expires - (Date.now() + 3600_000))).toBeLessThan(60_000)

    expect((await call('GET', `/api/v2/filters/${created.json.id}`, { token: owner.token })).json).toEqual(created.json)
    const index = await call('GET', '/api/v2/filters', { token: owner.token })
    expect(index.json.map((f: any) => f.id)).toEqual([created.json.id])

    const [election, vote] = created.json.keywords
    const updated = await call('PUT', `/api/v2/filters/${created.json.id}`, {
      token: owner.token,
      json: {
        title: 'Elections',
        context: ['notifications'],
        filter_action: 'blur',
        expires_in: '',
        keywords_attributes: [{ id: election.id, keyword: 'elections', whole_word: true }, { id: vote.id, _destroy: true }, { keyword: 'ballot' }],
      },
    })
    expect(updated.status).toBe(200)
    expectShape(updated.json, 'Filter')
    expect(updated.json).toMatchObject({ id: created.json.id, title: 'Elections', context: ['notifications'], filter_action: 'blur', expires_at: null })
    expect(updated.json.keywords.map((k: any) => [k.id === election.id, k.keyword, k.whole_word])).toEqual([[true, 'elections', true], [false, 'ballot', true]])

    // A PUT without the fields leaves them as they are.
    const untouched = await call('PUT', `/api/v2/filters/${created.json.id}`, { token: owner.token, json: {} })
    expect(untouched.json).toEqual(updated.json)

    const deleted = await call('DELETE', `/api/v2/filters/${created.json.id}`, { token: owner.token })
    expect(deleted.status).toBe(200)
    expect(deleted.json).toEqual({})
    expect((await call('GET', `/api/v2/filters/${created.json.id}`, { token: owner.token })).status).toBe(404)
    expect((await call('GET', `/api/v1/filters/${election.id}`, { token: owner.token })).status).toBe(404)
  })

  test('form-encoded bodies with Rails brackets work', async () => {
    const owner = await makeUser(ctx)
    const res = await call('POST', '/api/v2/filters', {
      token: owner.token,
      form: { title: 'form', 'context[]': ['public', 'account'], 'keywords_attributes[0][keyword]': 'cats', 'keywords_attributes[0][whole_word]': 'false' },
    })
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ context: ['public', 'account'], filter_action: 'warn', expires_at: null })
    expect(res.json.keywords).toEqual([{ id: expect.any(String), keyword: 'cats', whole_word: false }])
  })

  test('invalid input is 422 and creates nothing', async () => {
    const owner = await makeUser(ctx)
    const bad: Record<string, unknown>[] = [
      { context: ['home'] },
      { title: '  ', context: ['home'] },
      { title: 'x' },
      { title: 'x', context: [] },
      { title: 'x', context: ['home', 'everywhere'] },
      { title: 'x', context: ['home'], filter_action: 'delete' },
      { title: 'x', context: ['home'], expires_in: 'soon' },
      { title: 'x', context: ['home'], expires_in: -5 },
      { title: 'x', context: ['home'], keywords_attributes: [{ keyword: ' ' }] },
      { title: 'x', context: ['home'], keywords_attributes: [{ whole_word: true }] },
      { title: 'x', context: ['home'], keywords_attributes: [{ keyword: 'a', whole_word: 'perhaps' }] },
      { title: 'x', context: ['home'], keywords_attributes: ['not an object'] },
    ]
    for (const json of bad) {
      const res = await call('POST', '/api/v2/filters', { token: owner.token, json })
      expect({ json, status: res.status }).toEqual({ json, status: 422 })
      expect(typeof res.json.error).toBe('string')
    }
    expect((await call('GET', '/api/v2/filters', { token: owner.token })).json).toEqual([])

    const filter = await makeFilter(owner)
    expect((await call('PUT', `/api/v2/filters/${filter.id}`, { token: owner.token, json: { context: ['nowhere'] } })).status).toBe(422)
    expect((await call('PUT', `/api/v2/filters/${filter.id}`, { token: owner.token, json: { title: '' } })).status).toBe(422)
    expect((await call('GET', `/api/v2/filters/${filter.id}`, { token: owner.token })).json).toEqual(filter)
  })

  test('keywords_attributes may only touch the filter’s own keywords', async () => {
    const [owner, other] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    const mine = await makeFilter(owner)
    const second = await makeFilter(owner, { title: 'second' })
    const theirs = await makeFilter(other)
    for (const id of [second.keywords[0].id, theirs.keywords[0].id, newId(), 'junk']) {
      const res = await call('PUT', `/api/v2/filters/${mine.id}`, { token: owner.token, json: { keywords_attributes: [{ id, _destroy: true }] } })
      expect(res.status).toBe(404)
    }
    expect((await call('GET', `/api/v2/filters/${theirs.id}`, { token: other.token })).json).toEqual(theirs)
    expect((await call('GET', `/api/v2/filters/${second.id}`, { token: owner.token })).json).toEqual(second)
  })

  test('keyword endpoints', async () => {
    const owner = await makeUser(ctx)
    const filter = await makeFilter(owner)
    const added = await call('POST', `/api/v2/filters/${filter.id}/keywords`, { token: owner.token, form: { keyword: 'ending', whole_word: 'false' } })
    expect(added.status).toBe(200)
    expectShape(added.json, 'FilterKeyword')
    expect(added.json).toMatchObject({ keyword: 'ending', whole_word: false })

    const listed = await call('GET', `/api/v2/filters/${filter.id}/keywords`, { token: owner.token })
    expect(listed.json.map((k: any) => k.keyword)).toEqual(['spoiler', 'ending'])

    for (const prefix of ['/api/v2/filters/keywords', '/api/v2/filter_keywords']) {
      const shown = await call('GET', `${prefix}/${added.json.id}`, { token: owner.token })
      expect(shown.json).toEqual(added.json)
    }
    const changed = await call('PUT', `/api/v2/filters/keywords/${added.json.id}`, { token: owner.token, json: { whole_word: true } })
    expect(changed.json).toEqual({ ...added.json, whole_word: true })
    expect((await call('PUT', `/api/v2/filters/keywords/${added.json.id}`, { token: owner.token, json: { keyword: '' } })).status).toBe(422)
    expect((await call('POST', `/api/v2/filters/${filter.id}/keywords`, { token: owner.token, json: {} })).status).toBe(422)

    expect((await call('DELETE', `/api/v2/filter_keywords/${added.json.id}`, { token: owner.token })).json).toEqual({})
    expect((await call('GET', `/api/v2/filters/keywords/${added.json.id}`, { token: owner.token })).status).toBe(404)
    expect((await call('GET', `/api/v2/filters/${filter.id}/keywords`, { token: owner.token })).json).toHaveLength(1)
  })

  test('status endpoints', async () => {
    const [owner, author, hidden] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    const filter = await makeFilter(owner)
    const status = await post(author, { status: 'something' })
    const dm = await post(author, { status: `@${hidden.account.username} psst`, visibility: 'direct' })

    const added = await call('POST', `/api/v2/filters/${filter.id}/statuses`, { token: owner.token, json: { status_id: status.id } })
    expect(added.status).toBe(200)
    expectShape(added.json, 'FilterStatus')
    expect(added.json.status_id).toBe(status.id)
    expect((await call('POST', `/api/v2/filters/${filter.id}/statuses`, { token: owner.token, json: { status_id: status.id } })).status).toBe(422)
    for (const statusId of [dm.id, newId(), 'junk', '']) {
      expect((await call('POST', `/api/v2/filters/${filter.id}/statuses`, { token: owner.token, json: { status_id: statusId } })).status).toBe(422)
    }

    expect((await call('GET', `/api/v2/filters/${filter.id}/statuses`, { token: owner.token })).json).toEqual([added.json])
    expect((await call('GET', `/api/v2/filters/${filter.id}`, { token: owner.token })).json.statuses).toEqual([added.json])
    for (const prefix of ['/api/v2/filters/statuses', '/api/v2/filter_statuses']) {
      expect((await call('GET', `${prefix}/${added.json.id}`, { token: owner.token })).json).toEqual(added.json)
    }
    expect((await call('DELETE', `/api/v2/filters/statuses/${added.json.id}`, { token: owner.token })).json).toEqual({})
    expect((await call('GET', `/api/v2/filter_statuses/${added.json.id}`, { token: owner.token })).status).toBe(404)
  })

  test('someone else’s filters, keywords and statuses are 404', async () => {
    const [owner, intruder, author] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    const filter = await makeFilter(owner)
    const status = await post(author, { status: 'x' })
    const fs = (await call('POST', `/api/v2/filters/${filter.id}/statuses`, { token: owner.token, json: { status_id: status.id } })).json
    const keywordId = filter.keywords[0].id
    const t = intruder.token
    const attempts: [string, string, Record<string, unknown>?][] = [
      ['GET', `/api/v2/filters/${filter.id}`], ['PUT', `/api/v2/filters/${filter.id}`, { title: 'mine' }], ['DELETE', `/api/v2/filters/${filter.id}`],
      ['GET', `/api/v2/filters/${filter.id}/keywords`], ['POST', `/api/v2/filters/${filter.id}/keywords`, { keyword: 'x' }],
      ['GET', `/api/v2/filters/${filter.id}/statuses`], ['POST', `/api/v2/filters/${filter.id}/statuses`, { status_id: status.id }],
      ['GET', `/api/v2/filters/keywords/${keywordId}`], ['PUT', `/api/v2/filters/keywords/${keywordId}`, { keyword: 'y' }],
      ['DELETE', `/api/v2/filters/keywords/${keywordId}`], ['GET', `/api/v2/filters/statuses/${fs.id}`], ['DELETE', `/api/v2/filters/statuses/${fs.id}`],
      ['GET', `/api/v1/filters/${keywordId}`], ['PUT', `/api/v1/filters/${keywordId}`, { phrase: 'z' }], ['DELETE', `/api/v1/filters/${keywordId}`],
      ['GET', `/api/v2/filters/${newId()}`], ['GET', '/api/v2/filters/not-an-id'], ['GET', `/api/v1/filters/${newId()}`],
    ]
    for (const [method, path, json] of attempts) {
      const res = await call(method, path, { token: t, json })
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 404 })
    }
    expect((await call('GET', '/api/v2/filters', { token: t })).json).toEqual([])
    expect((await call('GET', `/api/v2/filters/${filter.id}`, { token: owner.token })).json).toEqual({ ...filter, statuses: [fs] })
  })

  test('needs a token with the filters scopes', async () => {
    expect((await call('GET', '/api/v2/filters')).status).toBe(401)
    expect((await call('GET', '/api/v1/filters')).status).toBe(401)
    expect((await call('POST', '/api/v2/filters', { json: { title: 'x', context: ['home'] } })).status).toBe(401)
    const reader = await makeUser(ctx, { scopes: ['read:filters'] })
    expect((await call('GET', '/api/v2/filters', { token: reader.token })).status).toBe(200)
    expect((await call('POST', '/api/v2/filters', { token: reader.token, json: { title: 'x', context: ['home'] } })).status).toBe(403)
    expect((await call('POST', '/api/v1/filters', { token: reader.token, json: { phrase: 'x', context: ['home'] } })).status).toBe(403)
    const other = await makeUser(ctx, { scopes: ['read:statuses'] })
    expect((await call('GET', '/api/v2/filters', { token: other.token })).status).toBe(403)
    const writer = await makeUser(ctx, { scopes: ['write:filters'] })
    expect((await call('POST', '/api/v2/filters', { token: writer.token, json: { title: 'x', context: ['home'] } })).status).toBe(200)
  })
})

describe('v1 filters', () => {
  test('a v1 filter is a v2 filter with one keyword, keyed by the keyword id', async () => {
    const owner = await makeUser(ctx)
    const created = await call('POST', '/api/v1/filters', {
      token: owner.token, form: { phrase: 'Brexit', 'context[]': ['home', 'public'], irreversible: 'true', whole_word: 'false', expires_in: '7200' },
    })
    expect(created.status).toBe(200)
    expectShape(created.json, 'V1Filter')
    expect(created.json).toMatchObject({ phrase: 'Brexit', context: ['home', 'public'], irreversible: true, whole_word: false })
    expect(created.json.expires_at).not.toBeNull()

    const v2 = (await call('GET', '/api/v2/filters', { token: owner.token })).json
    expect(v2).toHaveLength(1)
    expect(v2[0]).toMatchObject({ title: 'Brexit', filter_action: 'hide', context: ['home', 'public'] })
    expect(v2[0].keywords).toEqual([{ id: created.json.id, keyword: 'Brexit', whole_word: false }])

    const index = await call('GET', '/api/v1/filters', { token: owner.token })
    expect(index.json).toEqual([created.json])
    expect((await call('GET', `/api/v1/filters/${created.json.id}`, { token: owner.token })).json).toEqual(created.json)

    const updated = await call('PUT', `/api/v1/filters/${created.json.id}`, {
      token: owner.token, json: { phrase: 'brexit', context: ['thread'], irreversible: false, whole_word: true, expires_in: '' },
    })
    expect(updated.status).toBe(200)
    expectShape(updated.json, 'V1Filter')
    expect(updated.json).toEqual({ id: created.json.id, phrase: 'brexit', context: ['thread'], irreversible: false, whole_word: true, expires_at: null })
    expect((await call('GET', `/api/v2/filters/${v2[0].id}`, { token: owner.token })).json).toMatchObject({ title: 'brexit', filter_action: 'warn' })

    expect((await call('DELETE', `/api/v1/filters/${created.json.id}`, { token: owner.token })).json).toEqual({})
    expect((await call('GET', '/api/v1/filters', { token: owner.token })).json).toEqual([])
    expect((await call('GET', '/api/v2/filters', { token: owner.token })).json).toEqual([])
  })

  test('each keyword of a v2 filter shows as a v1 filter; filter-wide changes to them are refused', async () => {
    const owner = await makeUser(ctx)
    const filter = await makeFilter(owner, { keywords_attributes: [{ keyword: 'one' }, { keyword: 'two' }] })
    await makeFilter(owner, { title: 'statuses only', keywords_attributes: [] })
    const v1 = (await call('GET', '/api/v1/filters', { token: owner.token })).json
    expect(v1.map((f: any) => f.phrase)).toEqual(['one', 'two'])
    for (const f of v1) expectShape(f, 'V1Filter')

    const [one] = filter.keywords
    const keywordOnly = await call('PUT', `/api/v1/filters/${one.id}`, { token: owner.token, json: { phrase: 'uno', whole_word: false } })
    expect(keywordOnly.status).toBe(422) // the phrase is also the filter's title
    const sameContext = await call('PUT', `/api/v1/filters/${one.id}`, { token: owner.token, json: { context: ['public', 'home'], whole_word: false } })
    expect(sameContext.status).toBe(200)
    expect(sameContext.json.whole_word).toBe(false)
    expect((await call('PUT', `/api/v1/filters/${one.id}`, { token: owner.token, json: { context: ['thread'] } })).status).toBe(422)
    expect((await call('PUT', `/api/v1/filters/${one.id}`, { token: owner.token, json: { irreversible: true } })).status).toBe(422)

    // Deleting one keyword keeps the filter with the other.
    await call('DELETE', `/api/v1/filters/${one.id}`, { token: owner.token })
    const after = await call('GET', `/api/v2/filters/${filter.id}`, { token: owner.token })
    expect(after.json.keywords.map((k: any) => k.keyword)).toEqual(['two'])
  })

  test('invalid input is 422', async () => {
    const owner = await makeUser(ctx)
    for (const json of [{ context: ['home'] }, { phrase: '', context: ['home'] }, { phrase: 'x' }, { phrase: 'x', context: ['nowhere'] }, { phrase: 'x', context: ['home'], irreversible: 'sometimes' }]) {
      expect((await call('POST', '/api/v1/filters', { token: owner.token, json })).status).toBe(422)
    }
    const created = (await call('POST', '/api/v1/filters', { token: owner.token, json: { phrase: 'x', context: ['home'] } })).json
    expect((await call('PUT', `/api/v1/filters/${created.id}`, { token: owner.token, json: { phrase: ' ' } })).status).toBe(422)
    expect((await call('PUT', `/api/v1/filters/${created.id}`, { token: owner.token, json: { context: [] } })).status).toBe(422)
  })
})

describe('filtered statuses', () => {
  const show = (viewer: MadeUser | null, id: string) => call('GET', `/api/v1/statuses/${id}`, { token: viewer?.token })

  test('a matching status carries the FilterResult; others, other viewers and anonymous get []', async () => {
    const [viewer, author, bystander] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    const filter = await makeFilter(viewer, { title: 'Spoilers', filter_action: 'warn' })
    const match = await post(author, { status: 'Big SPOILER ahead' })
    const noMatch = await post(author, { status: 'nothing to see' })

    const res = await show(viewer, match.id)
    expectShape(res.json, 'Status')
    expect(res.json.filtered).toHaveLength(1)
    expectShape(res.json.filtered[0], 'FilterResult')
    expect(res.json.filtered[0]).toEqual({
      filter: { id: filter.id, title: 'Spoilers', context: ['home', 'public'], expires_at: null, filter_action: 'warn' },
      keyword_matches: ['spoiler'],
      status_matches: null,
    })
    expect((await show(viewer, noMatch.id)).json.filtered).toEqual([])
    expect((await show(bystander, match.id)).json.filtered).toEqual([])
    expect((await show(null, match.id)).json.filtered).toEqual([])
  })

  test('whole_word keywords respect word boundaries; others match inside words', async () => {
    const [viewer, author] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    await makeFilter(viewer, { title: 'w', keywords_attributes: [{ keyword: 'cat', whole_word: true }, { keyword: 'dog', whole_word: false }] })
    const cases: [string, string[] | null][] = [
      ['a cat sat', ['cat']],
      ['concatenate', null],
      ['cats', null],
      ['CAT!', ['cat']],
      ['hotdogs', ['dog']],
      ['caté', null],
    ]
    for (const [text, expected] of cases) {
      const s = await post(author, { status: text })
      const filtered = (await show(viewer, s.id)).json.filtered
      expect({ text, matches: filtered[0]?.keyword_matches ?? null }).toEqual({ text, matches: expected })
    }
  })

  test('content warnings and poll options are matched too; expired filters are not', async () => {
    const [viewer, author] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    await makeFilter(viewer, { title: 'w', keywords_attributes: [{ keyword: 'finale' }, { keyword: 'pineapple' }] })
    const expired = await makeFilter(viewer, { title: 'old', keywords_attributes: [{ keyword: 'harmless' }] })
    await ctx.db.update(filters).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(filters.id, expired.id))

    const cw = await post(author, { status: 'the text', spoiler_text: 'Season finale' })
    const poll = await post(author, { status: 'pizza?', poll: { options: ['Pineapple', 'No'], expires_in: 3600 } })
    const old = await post(author, { status: 'harmless words' })
    expect((await show(viewer, cw.id)).json.filtered[0].keyword_matches).toEqual(['finale'])
    expect((await show(viewer, poll.id)).json.filtered[0].keyword_matches).toEqual(['pineapple'])
    expect((await show(viewer, old.id)).json.filtered).toEqual([])
    // Expired filters are still listed.
    expect((await call('GET', `/api/v2/filters/${expired.id}`, { token: viewer.token })).status).toBe(200)
  })

  test('filtered statuses match by id, and reblogs by the original', async () => {
    const [viewer, author, reblogger] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    const original = await post(author, { status: 'an ordinary post' })
    const byKeyword = await post(author, { status: 'a spoiler inside' })
    const filter = await makeFilter(viewer)
    await call('POST', `/api/v2/filters/${filter.id}/statuses`, { token: viewer.token, json: { status_id: original.id } })
    const reblog = (await call('POST', `/api/v1/statuses/${original.id}/reblog`, { token: reblogger.token })).json
    const reblogKeyword = (await call('POST', `/api/v1/statuses/${byKeyword.id}/reblog`, { token: reblogger.token })).json

    expect((await show(viewer, original.id)).json.filtered[0]).toMatchObject({ keyword_matches: null, status_matches: [original.id] })
    const wrapper = (await show(viewer, reblog.id)).json
    expect(wrapper.filtered[0].status_matches).toEqual([original.id])
    expect(wrapper.reblog.filtered[0].status_matches).toEqual([original.id])
    expect((await show(viewer, reblogKeyword.id)).json.filtered[0].keyword_matches).toEqual(['spoiler'])
  })

  test('hide filters drop statuses from the list timeline in the home context; warn filters only mark them', async () => {
    const [viewer, member] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    await ctx.db.insert(follows).values({ accountId: viewer.account.id, targetAccountId: member.account.id })
    await backfillHomeFeed(ctx.db, viewer.account.id, member.account.id)
    const list = (await call('POST', '/api/v1/lists', { token: viewer.token, json: { title: 'l' } })).json
    await call('POST', `/api/v1/lists/${list.id}/accounts`, { token: viewer.token, json: { account_ids: [member.account.id] } })
    await makeFilter(viewer, { title: 'hide', context: ['home'], filter_action: 'hide', keywords_attributes: [{ keyword: 'gone' }] })
    await makeFilter(viewer, { title: 'hide elsewhere', context: ['public'], filter_action: 'hide', keywords_attributes: [{ keyword: 'kept' }] })
    await makeFilter(viewer, { title: 'warn', context: ['home'], filter_action: 'warn', keywords_attributes: [{ keyword: 'marked' }] })
    const gone = await post(member, { status: 'this is gone' })
    const kept = await post(member, { status: 'this is kept' })
    const marked = await post(member, { status: 'this is marked' })

    const res = await call('GET', `/api/v1/timelines/list/${list.id}`, { token: viewer.token })
    expect(res.status).toBe(200)
    expect(res.json.map((s: any) => s.id)).toEqual([marked.id, kept.id])
    expect(res.json[0].filtered[0].filter.title).toBe('warn')
    expect(res.json[1].filtered[0].filter.title).toBe('hide elsewhere')
    expect(res.json.map((s: any) => s.id)).not.toContain(gone.id)
  })
})

describe('filter matching', () => {
  test('word boundaries are Unicode-aware and apply only at word-character ends', () => {
    expect(keywordPattern('café', true).test('un café noir')).toBe(true)
    expect(keywordPattern('café', true).test('cafés')).toBe(false)
    expect(keywordPattern('#tag', true).test('x#tag')).toBe(true)
    expect(keywordPattern('c++', true).test('I like c++!')).toBe(true)
    expect(keywordPattern('c++', true).test('abc++')).toBe(false)
    expect(keywordPattern('a.b', false).test('axb')).toBe(false)
    expect(keywordPattern('Straße', false).test('STRASSE')).toBe(false)
    expect(keywordPattern('ÉTÉ', true).test('un été chaud')).toBe(true)
  })

  test('applyHideFilters keeps warn results and results of other contexts', () => {
    const result = (context: string[], action: string) => ({ filter: { context, filter_action: action } })
    const items = [
      { id: 'a', filtered: [result(['home'], 'hide')] },
      { id: 'b', filtered: [result(['public'], 'hide')] },
      { id: 'c', filtered: [result(['home'], 'warn'), result(['home'], 'blur')] },
      { id: 'd', filtered: [] },
      { id: 'e', filtered: null },
    ]
    expect(applyHideFilters(items, 'home').map((i) => i.id)).toEqual(['b', 'c', 'd', 'e'])
    expect(applyHideFilters(items, 'public').map((i) => i.id)).toEqual(['a', 'c', 'd', 'e'])
    const notifications = [{ status: items[0] }, { status: null }]
    expect(applyHideFilters(notifications, 'home', (n) => n.status)).toEqual([{ status: null }])
  })
})
