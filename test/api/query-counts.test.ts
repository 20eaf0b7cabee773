// Each page costs a fixed number of statements, whatever the number of items on it (no N+1).
import { beforeAll, describe, expect, test } from 'bun:test'
import type { Ctx } from '../../src/core/context'
import { customEmojis, mediaAttachments, previewCards, statusPreviewCards } from '../../src/db/schema'
import { getTestContext } from '../support/context'
import { makeUser, uniqueName, type MadeUser } from '../support/factories'
import { call, postStatus } from '../support/http'
import { callCounting } from '../support/queries'
import { renderCacheOf } from '../../src/server/render/cache'

let ctx: Ctx
let viewer: MadeUser
let authors: MadeUser[]
let votedStatusId: string
const PAGE = 20

async function follow(who: MadeUser, target: MadeUser) {
  expect((await call('POST', `/api/v1/accounts/${target.account.id}/follow`, { token: who.token })).status).toBe(200)
}

beforeAll(async () => {
  ctx = await getTestContext()
  viewer = await makeUser(ctx)
  authors = [await makeUser(ctx), await makeUser(ctx), await makeUser(ctx)]
  for (const a of authors) await follow(viewer, a)
  const emoji = uniqueName('blob')
  await ctx.db.insert(customEmojis).values({ shortcode: emoji, fileKey: `emoji/${emoji}.png` })
  // Someone the viewer does not follow, whose statuses reach the home timeline as the authors' reblogs.
  const stranger = await makeUser(ctx)
  for (const a of authors) await follow(a, viewer)
  // Rich statuses: media or a poll, mentions, a tag, custom emoji, a preview card, favourited by the viewer.
  for (let i = 0; i < PAGE; i++) {
    const reblogger = i % 2 === 0 ? authors[i % authors.length] : null
    const author = reblogger ? stranger : authors[i % authors.length]
    const [media] = await ctx.db.insert(mediaAttachments).values({ accountId: author.account.id, type: 'image', mimeType: 'image/png', fileKey: `m/${i}.png`, previewKey: `m/${i}-small.png` }).returning()
    const s = await postStatus(author, {
      status: `status ${i} :${emoji}: @${viewer.account.username} @${authors[(i + 1) % authors.length].account.username} #counted https://example.com/${i}`,
      ...(i % 3 ? { poll: { options: ['yes', 'no'], expires_in: 600 } } : { media_ids: [media.id] }),
    })
    const [card] = await ctx.db.insert(previewCards).values({ url: `https://example.com/${i}`, title: `card ${i}` }).returning()
    await ctx.db.insert(statusPreviewCards).values({ statusId: s.id, cardId: card.id })
    expect((await call('POST', `/api/v1/statuses/${s.id}/favourite`, { token: viewer.token })).status).toBe(200)
    if (i === 1) {
      votedStatusId = s.id
      expect((await call('POST', `/api/v1/polls/${s.poll.id}/votes`, { token: viewer.token, json: { choices: [1] } })).status).toBe(200)
    }
    if (reblogger) expect((await call('POST', `/api/v1/statuses/${s.id}/reblog`, { token: reblogger.token })).status).toBe(200)
  }
})

/** The token lookup (cached, see token-cache.test.ts) is left out: these are the statements of the page itself. */
const authentication = (s: string) => s.includes('"oauth_tokens"."token_hash"') || s.startsWith('update "oauth_tokens"')

async function countFor(path: string, query: Record<string, string | string[]> = {}) {
  const r = await callCounting(ctx, 'GET', path, { token: viewer.token, query })
  expect(r.status).toBe(200)
  expect(r.statements.filter(authentication).length).toBeLessThanOrEqual(1)
  return { ...r, statements: r.statements.filter((s) => !authentication(s)) }
}

/** The statements of a request made with nothing kept by the render cache, then of the same request made again. */
async function coldAndWarm(path: string, query: Record<string, string | string[]> = {}) {
  renderCacheOf(ctx.database).clear()
  const cold = await countFor(path, query)
  const warm = await countFor(path, query)
  expect(warm.json).toEqual(cold.json)
  return { cold, warm }
}

// The counts below are what each request costs today; a change that adds a statement per item (or per page) fails here.
// "Warm" is the usual case: the statuses' parts and emoji are kept by the render cache (see cache-coherence.test.ts).
describe('statements per request', () => {
  test('home timeline: 4 statements warm, 6 cold (feed candidates and the statuses kept of them in one), for 2 or 20 rich statuses and reblogs', async () => {
    const { cold, warm: full } = await coldAndWarm('/api/v1/timelines/home', { limit: '20' })
    expect(cold.statements).toHaveLength(6)
    const two = await countFor('/api/v1/timelines/home', { limit: '2' })
    expect(two.json.map((s: any) => !!s.reblog)).toEqual([false, true])
    expect(full.json).toHaveLength(20)
    expect(full.statements).toHaveLength(4)
    // the viewer's favourites, reblogs, bookmarks, thread mutes, filters and reactions, and the authors' pins: one
    // statement, which reads the authors (with their users) too
    const state = full.statements.filter((s) => /"(favourites|bookmarks|conversation_mutes|status_pins|status_reactions)"|from filters/.test(s))
    expect(state).toHaveLength(1)
    expect(full.statements.filter((s) => /"users"/.test(s))).toEqual(state)
    expect(two.statements).toHaveLength(full.statements.length)
    // what the warm page no longer reads: the statuses' mentions, tags, media, cards and applications (one statement
    // with their versions), and the custom emoji
    const partsStatements = [/"status_mentions".*"status_tags".*"media_attachments".*"status_preview_cards".*"oauth_apps"/s, /from "custom_emojis"/]
    for (const pattern of partsStatements) {
      expect(cold.statements.filter((s) => pattern.test(s))).toHaveLength(1)
      expect(full.statements.filter((s) => pattern.test(s))).toHaveLength(0)
    }
    // everything the statements were for is on the page
    const originals = full.json.map((s: any) => s.reblog ?? s)
    expect(full.json.filter((s: any) => s.reblog).length).toBeGreaterThan(0)
    expect(originals.every((s: any) => s.favourited && s.mentions.length === 2 && s.tags.length === 1 && s.emojis.length === 1 && s.card)).toBe(true)
    expect(originals.some((s: any) => s.media_attachments.length === 1)).toBe(true)
    const voted = originals.find((s: any) => s.id === votedStatusId)
    expect(voted.poll).toMatchObject({ voted: true, own_votes: [1] })
    expect(originals.filter((s: any) => s.poll && s.id !== votedStatusId).every((s: any) => s.poll.voted === false && s.poll.own_votes.length === 0)).toBe(true)
  })

  test('one status: 1 statement warm, 2 cold, everything read with the status', async () => {
    const { cold, warm } = await coldAndWarm(`/api/v1/statuses/${votedStatusId}`)
    expect(warm.json.poll).toMatchObject({ voted: true, own_votes: [1] })
    // the status with its author, parts, poll, pin and the viewer's state; cold, the custom emoji besides
    expect(cold.statements).toHaveLength(2)
    expect(cold.statements.filter((s) => /from "custom_emojis"/.test(s))).toHaveLength(1)
    expect(warm.statements).toHaveLength(1)
    expect(warm.json).toMatchObject({ favourited: true, mentions: [expect.any(Object), expect.any(Object)], tags: [expect.any(Object)], card: expect.any(Object) })
  })

  test('verify_credentials: 1 statement (account with user and counters)', async () => {
    await countFor('/api/v1/accounts/verify_credentials') // the first one also makes the key of its `chat_token`
    const r = await countFor('/api/v1/accounts/verify_credentials')
    expect(r.json).toMatchObject({ id: viewer.account.id, source: expect.any(Object) })
    expect(r.statements).toHaveLength(1)
  })

  test('notifications: 6 statements warm, 8 cold, for 1 or 23', async () => {
    const { cold, warm: full } = await coldAndWarm('/api/v1/notifications', { limit: '40' })
    expect(cold.statements).toHaveLength(8)
    const one = await countFor('/api/v1/notifications', { limit: '1' })
    expect(full.json).toHaveLength(PAGE + authors.length)
    expect(new Set(full.json.map((n: any) => n.type))).toEqual(new Set(['mention', 'follow']))
    expect(full.statements).toHaveLength(6)
    expect(one.statements).toHaveLength(full.statements.length)
  })

  test('posting: 6 statements, none reading back the new status\'s parts, its author or the poster\'s state', async () => {
    const r = await callCounting(ctx, 'POST', '/api/v1/statuses', { token: viewer.token, json: { status: 'counted #counted' } })
    expect(r.status).toBe(200)
    const statements = r.statements.filter((s) => !authentication(s))
    expect(statements.filter((s) => /"status_mentions"\."status_id"|"status_tags"\."status_id"|from "media_attachments"|"status_preview_cards"\."status_id"|^select "id", "render_version"/.test(s))).toEqual([])
    expect(statements).toHaveLength(6)
  })

  test('relationships: 1 statement for 1 or 3 accounts', async () => {
    const one = await countFor('/api/v1/accounts/relationships', { 'id[]': authors[0].account.id })
    const all = await countFor('/api/v1/accounts/relationships', { 'id[]': authors.map((a) => a.account.id) })
    expect(all.json.map((r: any) => r.following)).toEqual([true, true, true])
    expect(all.statements).toHaveLength(1)
    expect(one.statements).toHaveLength(all.statements.length)
  })
})
