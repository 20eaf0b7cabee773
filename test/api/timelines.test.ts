import { beforeAll, describe, expect, test } from 'bun:test'
import type { Ctx } from '../../src/core/context'
import { newId } from '../../src/core/ids'
import { backfillHomeFeed, HOME_FEED_DAYS, trimHomeFeeds } from '../../src/core/timelines/home-feed'
import { accountDomainBlocks, accounts, blocks, follows, homeFeedEntries, listAccounts, lists, mutes, statuses, statusTags, tags } from '../../src/db/schema'
import { getTestContext } from '../support/context'
import { makeUser, pastIds, uniqueName, type MadeUser } from '../support/factories'
import { call, postStatus } from '../support/http'
import { expectShape } from '../support/shape'

let ctx: Ctx

beforeAll(async () => {
  ctx = await getTestContext()
})

/** An accepted follow, as the follow action leaves it (row + home feed backfill). */
async function follow(follower: MadeUser, target: MadeUser, opts: { showReblogs?: boolean } = {}) {
  await ctx.db.insert(follows).values({ accountId: follower.account.id, targetAccountId: target.account.id, showReblogs: opts.showReblogs ?? true })
  await backfillHomeFeed(ctx.db, follower.account.id, target.account.id)
}

const post = (who: MadeUser, json: Record<string, unknown>) => postStatus<{ id: string }>(who, json)
const ids = (res: { json: any }) => (res.json as { id: string }[]).map((s) => s.id)
const home = (who: MadeUser, query: Record<string, string | string[]> = {}) => call('GET', '/api/v1/timelines/home', { token: who.token, query })

describe('home timeline', () => {
  test('own statuses and those of followed accounts, newest first; strangers stay out', async () => {
    const [me, friend, stranger] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    await follow(me, friend)
    const a = await post(friend, { status: 'friend public' })
    const b = await post(stranger, { status: 'stranger public' })
    const c = await post(me, { status: 'my own' })
    const d = await post(friend, { status: 'friend private', visibility: 'private' })
    const res = await home(me)
    expect(res.status).toBe(200)
    for (const s of res.json) expectShape(s, 'Status')
    expect(ids(res)).toEqual([d.id, c.id, a.id])
    expect(ids(res)).not.toContain(b.id)
  })

  test('following later brings recent statuses in; they leave with the follow’s feed entries', async () => {
    const [me, later] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    const old = await post(later, { status: 'before the follow' })
    expect(ids(await home(me))).not.toContain(old.id)
    await follow(me, later)
    expect(ids(await home(me))).toContain(old.id)
  })

  test('a deleted status leaves every feed; a deleted account takes its feed and its statuses\' entries', async () => {
    const { eq, or, inArray } = await import('drizzle-orm')
    const [me, friend, other] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    await follow(me, friend)
    await follow(other, friend)
    const kept = await post(friend, { status: 'kept' })
    const deleted = await post(friend, { status: 'deleted' })
    const entriesOf = async (statusIds: string[]) =>
      (await ctx.db.select().from(homeFeedEntries).where(inArray(homeFeedEntries.statusId, statusIds))).map((e) => `${e.accountId}:${e.statusId}`).sort()
    expect(await entriesOf([deleted.id])).toHaveLength(3) // the author's own feed and both followers'
    expect((await call('DELETE', `/api/v1/statuses/${deleted.id}`, { token: friend.token })).status).toBe(200)
    expect(await entriesOf([deleted.id])).toEqual([])
    expect(await entriesOf([kept.id])).toHaveLength(3)

    // a hard delete (as an admin's purge does): the feed rows cascade with the account and with its statuses
    await ctx.db.delete(accounts).where(eq(accounts.id, friend.account.id))
    expect(await entriesOf([kept.id])).toEqual([])
    const mine = await post(me, { status: 'mine' })
    await ctx.db.delete(accounts).where(eq(accounts.id, me.account.id))
    expect(await ctx.db.select().from(homeFeedEntries).where(or(eq(homeFeedEntries.accountId, me.account.id), eq(homeFeedEntries.statusId, mine.id)))).toEqual([])
    expect(ids(await home(other))).toEqual([])
  })

  test('private statuses of someone no longer followed disappear even while their entries remain', async () => {
    const [me, friend] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    await follow(me, friend)
    const priv = await post(friend, { status: 'for followers', visibility: 'private' })
    expect(ids(await home(me))).toContain(priv.id)
    const { eq } = await import('drizzle-orm')
    await ctx.db.delete(follows).where(eq(follows.accountId, me.account.id))
    expect(ids(await home(me))).not.toContain(priv.id)
  })

  test('a page fills across batches of feed entries, some of which keep nothing, in both directions', async () => {
    const [me, muted, friend] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    await ctx.db.insert(mutes).values({ accountId: me.account.id, targetAccountId: muted.account.id })
    // newest first: 3 of the friend's, 150 muted ones (more than two batches of candidates), 3 more of the friend's
    const past = pastIds(156, 5000)
    const rows = Array.from({ length: 156 }, (_, i) => ({ id: past[i], accountId: (i < 3 || i >= 153 ? friend : muted).account.id, content: `<p>${i}</p>` }))
    await ctx.db.insert(statuses).values(rows)
    await ctx.db.insert(homeFeedEntries).values(rows.map((r) => ({ accountId: me.account.id, statusId: r.id, authorId: r.accountId })))
    const friends = rows.filter((r) => r.accountId === friend.account.id).map((r) => r.id)

    expect(ids(await home(me, { limit: '4' }))).toEqual(friends.slice(0, 4))
    // from below the newest three: every batch but the last keeps nothing
    expect(ids(await home(me, { max_id: friends[2], limit: '2' }))).toEqual(friends.slice(3, 5))
    // forwards from the oldest: the oldest newer ones first, across the muted ones
    expect(ids(await home(me, { min_id: friends[5], limit: '3' }))).toEqual(friends.slice(2, 5))
    expect(ids(await home(me, { min_id: friends[3], limit: '2' }))).toEqual(friends.slice(1, 3))
  })

  test('direct messages appear only for their recipients', async () => {
    const [me, friend, other] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    await follow(me, friend)
    await follow(other, friend)
    const dm = await post(friend, { status: `@${me.account.username} psst`, visibility: 'direct' })
    expect(ids(await home(me))).toContain(dm.id)
    expect(ids(await home(other))).not.toContain(dm.id)
  })

  test('replies to accounts the viewer does not follow stay out; replies to followed ones and self-threads come in', async () => {
    const [me, friend, friend2, stranger] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    await follow(me, friend)
    await follow(me, friend2)
    const strangerPost = await post(stranger, { status: 'a stranger speaks' })
    const friend2Post = await post(friend2, { status: 'friend2 speaks' })
    const toStranger = await post(friend, { status: `@${stranger.account.username} hi`, in_reply_to_id: strangerPost.id })
    const toFriend2 = await post(friend, { status: `@${friend2.account.username} hi`, in_reply_to_id: friend2Post.id })
    const first = await post(friend, { status: 'thread 1/2' })
    const second = await post(friend, { status: 'thread 2/2', in_reply_to_id: first.id })
    const timeline = ids(await home(me))
    expect(timeline).not.toContain(toStranger.id)
    expect(timeline).toContain(toFriend2.id)
    expect(timeline).toContain(second.id)
  })

  test('reblogs by followed accounts, unless their reblogs are turned off; one entry per original', async () => {
    const [me, booster, quiet, author] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    await follow(me, booster)
    await follow(me, quiet, { showReblogs: false })
    const original = await post(author, { status: 'worth boosting' })
    const reblog = await call('POST', `/api/v1/statuses/${original.id}/reblog`, { token: booster.token })
    const quietReblog = await call('POST', `/api/v1/statuses/${original.id}/reblog`, { token: quiet.token })
    const timeline = await home(me)
    expect(ids(timeline)).toContain(reblog.json.id)
    expect(ids(timeline)).not.toContain(quietReblog.json.id)
    expect(timeline.json.find((s: any) => s.id === reblog.json.id).reblog.id).toBe(original.id)
    const another = await makeUser(ctx)
    await follow(me, another)
    const second = await call('POST', `/api/v1/statuses/${original.id}/reblog`, { token: another.token })
    expect(ids(await home(me))).not.toContain(second.json.id)
  })

  test('muted, blocked and domain-blocked authors are filtered; with_muted brings mutes back', async () => {
    const [me, muted, blocked] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    await follow(me, muted)
    await follow(me, blocked)
    const m = await post(muted, { status: 'muted voice' })
    const b = await post(blocked, { status: 'blocked voice' })
    await ctx.db.insert(mutes).values({ accountId: me.account.id, targetAccountId: muted.account.id })
    await ctx.db.insert(blocks).values({ accountId: me.account.id, targetAccountId: blocked.account.id })
    expect(ids(await home(me))).not.toContain(m.id)
    expect(ids(await home(me))).not.toContain(b.id)
    expect(ids(await home(me, { with_muted: 'true' }))).toContain(m.id)
    expect(ids(await home(me, { with_muted: 'true' }))).not.toContain(b.id)

    // A reblog of a muted author's status is hidden too.
    const booster = await makeUser(ctx)
    await follow(me, booster)
    const boosted = await call('POST', `/api/v1/statuses/${m.id}/reblog`, { token: booster.token })
    expect(ids(await home(me))).not.toContain(boosted.json.id)
  })

  test('statuses of a domain the viewer blocks are filtered', async () => {
    const me = await makeUser(ctx)
    const [remote] = await ctx.db.insert(accounts).values({ username: uniqueName('remote'), domain: 'blocked.example' }).returning()
    const [remoteStatus] = await ctx.db.insert(statuses).values({ accountId: remote.id, local: false, content: '<p>remote</p>', text: 'remote' }).returning()
    expect(ids(await call('GET', '/api/v1/timelines/public', { token: me.token, query: { remote: 'true' } }))).toContain(remoteStatus.id)
    await ctx.db.insert(accountDomainBlocks).values({ accountId: me.account.id, domain: 'blocked.example' })
    expect(ids(await call('GET', '/api/v1/timelines/public', { token: me.token, query: { remote: 'true' } }))).not.toContain(remoteStatus.id)
  })

  test('members of exclusive lists stay out of home', async () => {
    const [me, listed] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    await follow(me, listed)
    const s = await post(listed, { status: 'in a list' })
    expect(ids(await home(me))).toContain(s.id)
    const [list] = await ctx.db.insert(lists).values({ accountId: me.account.id, title: 'exclusive', exclusive: true }).returning()
    await ctx.db.insert(listAccounts).values({ listId: list.id, accountId: listed.account.id })
    expect(ids(await home(me))).not.toContain(s.id)
  })

  test('reply_visibility and exclude_visibilities', async () => {
    const [me, friend, stranger] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    await follow(me, friend)
    await follow(friend, stranger)
    const mine = await post(me, { status: 'mine' })
    const replyToMe = await post(friend, { status: `@${me.account.username} yes`, in_reply_to_id: mine.id })
    const unlisted = await post(friend, { status: 'quiet', visibility: 'unlisted' })
    const self = await home(me, { reply_visibility: 'self' })
    expect(ids(self)).toContain(replyToMe.id)
    expect(ids(await home(me, { 'exclude_visibilities[]': ['unlisted'] }))).not.toContain(unlisted.id)
    expect(ids(await home(me, { 'exclude_visibilities[]': ['unlisted'] }))).toContain(replyToMe.id)
  })

  test('needs a user token with read:statuses', async () => {
    expect((await call('GET', '/api/v1/timelines/home')).status).toBe(401)
    const writer = await makeUser(ctx, { scopes: ['write'] })
    expect((await home(writer)).status).toBe(403)
  })
})

describe('home timeline beyond the feed horizon', () => {
  test('older pages come from the follow graph, seamlessly after the feed; trimming keeps them reachable', async () => {
    const [me, friend, stranger] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    await follow(me, friend)
    const day = 86_400_000
    const old = async (who: MadeUser, daysAgo: number, extra: Partial<typeof statuses.$inferInsert> = {}) => {
      const [row] = await ctx.db.insert(statuses).values({
        id: newId(Date.now() - daysAgo * day), accountId: who.account.id, text: `old ${daysAgo}`, content: `<p>old ${daysAgo}</p>`, ...extra,
      }).returning()
      return row.id
    }
    const ancient = await old(friend, HOME_FEED_DAYS + 20)
    const older = await old(friend, HOME_FEED_DAYS + 10)
    const mineOld = await old(me, HOME_FEED_DAYS + 5)
    await old(stranger, HOME_FEED_DAYS + 7)
    const privateOld = await old(friend, HOME_FEED_DAYS + 3, { visibility: 'private' })
    const recent = await post(friend, { status: 'recent' })

    const all = ids(await home(me, { limit: '40' }))
    expect(all).toEqual([recent.id, privateOld, mineOld, older, ancient])
    // Paging across the horizon, two at a time, forwards and backwards.
    const first = await home(me, { limit: '2' })
    expect(ids(first)).toEqual([recent.id, privateOld])
    expect(ids(await home(me, { limit: '2', max_id: privateOld }))).toEqual([mineOld, older])
    expect(ids(await home(me, { limit: '2', min_id: older }))).toEqual([privateOld, mineOld])
    expect(ids(await home(me, { limit: '2', min_id: mineOld }))).toEqual([recent.id, privateOld])

    // Entries of old statuses are trimmed; the timeline does not change.
    await ctx.db.insert(homeFeedEntries).values({ accountId: me.account.id, statusId: older })
    expect(await trimHomeFeeds(ctx.db)).toBeGreaterThanOrEqual(1)
    expect(ids(await home(me, { limit: '40' }))).toEqual(all)
  })
})

describe('paging', () => {
  test('max_id, since_id and min_id with Link headers, newest first', async () => {
    const me = await makeUser(ctx)
    const made = []
    for (let i = 0; i < 5; i++) made.push((await post(me, { status: `page ${i}` })).id)
    const newest = [...made].reverse()
    const first = await home(me, { limit: '2' })
    expect(ids(first)).toEqual(newest.slice(0, 2))
    const link = first.headers.get('link')!
    const next = new URL(/<([^>]+)>; rel="next"/.exec(link)![1])
    const prev = new URL(/<([^>]+)>; rel="prev"/.exec(link)![1])
    expect(next.pathname).toBe('/api/v1/timelines/home')
    expect(next.searchParams.get('max_id')).toBe(newest[1])
    expect(next.searchParams.get('limit')).toBe('2')
    expect(prev.searchParams.get('min_id')).toBe(newest[0])
    expect(ids(await home(me, Object.fromEntries(next.searchParams)))).toEqual(newest.slice(2, 4))
    // min_id: the statuses right after it, newest first
    expect(ids(await home(me, { min_id: made[0], limit: '2' }))).toEqual([made[2], made[1]])
    // since_id: the newest ones down to it
    expect(ids(await home(me, { since_id: made[2], limit: '10' }))).toEqual([made[4], made[3]])
    const empty = await home(me, { max_id: made[0] })
    expect(empty.json).toEqual([])
    expect(empty.headers.get('link')).toBeNull()
  })

  test('limit is capped at 40 and malformed paging values are ignored', async () => {
    const me = await makeUser(ctx)
    expect((await home(me, { limit: '1000', max_id: 'garbage' })).status).toBe(200)
  })
})

describe('public timeline', () => {
  test('public and local-only statuses of everyone, no unlisted, private, direct or reblogs', async () => {
    const [author, viewer] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    const pub = await post(author, { status: 'for the world' })
    const local = await post(author, { status: 'for the instance', visibility: 'local' })
    const unlisted = await post(author, { status: 'unlisted', visibility: 'unlisted' })
    const priv = await post(author, { status: 'private', visibility: 'private' })
    const reblog = await call('POST', `/api/v1/statuses/${pub.id}/reblog`, { token: viewer.token })
    for (const who of [null, viewer]) {
      const res = await call('GET', '/api/v1/timelines/public', { token: who?.token, query: { limit: '40' } })
      expect(res.status).toBe(200)
      const got = ids(res)
      expect(got).toContain(pub.id)
      expect(got).toContain(local.id)
      for (const hidden of [unlisted.id, priv.id, reblog.json.id]) expect(got).not.toContain(hidden)
    }
  })

  test('local=true keeps local statuses, remote=true remote ones, instance= one domain', async () => {
    const author = await makeUser(ctx)
    const mine = await post(author, { status: 'local one' })
    const [remote] = await ctx.db.insert(accounts).values({ username: uniqueName('far'), domain: 'far.example' }).returning()
    const [theirs] = await ctx.db.insert(statuses).values({ accountId: remote.id, local: false, content: '<p>far</p>', text: 'far' }).returning()
    const local = ids(await call('GET', '/api/v1/timelines/public', { query: { local: 'true', limit: '40' } }))
    expect(local).toContain(mine.id)
    expect(local).not.toContain(theirs.id)
    const remoteOnly = ids(await call('GET', '/api/v1/timelines/public', { query: { remote: 'true', limit: '40' } }))
    expect(remoteOnly).toContain(theirs.id)
    expect(remoteOnly).not.toContain(mine.id)
    const instance = ids(await call('GET', '/api/v1/timelines/public', { query: { instance: 'far.example', limit: '40' } }))
    expect(instance).toEqual([theirs.id])
  })

  test('a silenced account stays out of public timelines, except for its followers', async () => {
    const [author, follower, other] = await Promise.all([makeUser(ctx, { account: { silencedAt: new Date() } }), makeUser(ctx), makeUser(ctx)])
    await follow(follower, author)
    const s = await post(author, { status: 'quietly public' })
    expect(ids(await call('GET', '/api/v1/timelines/public', { query: { limit: '40' } }))).not.toContain(s.id)
    expect(ids(await call('GET', '/api/v1/timelines/public', { token: other.token, query: { limit: '40' } }))).not.toContain(s.id)
    expect(ids(await call('GET', '/api/v1/timelines/public', { token: follower.token, query: { limit: '40' } }))).toContain(s.id)
    expect(ids(await call('GET', '/api/v1/timelines/public', { token: author.token, query: { limit: '40' } }))).toContain(s.id)
    expect((await call('GET', `/api/v1/statuses/${s.id}`)).status).toBe(200)
  })

  test('a status of an author who blocks the viewer is hidden from that viewer only', async () => {
    const [author, blocked] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    const s = await post(author, { status: 'not for blocked' })
    await ctx.db.insert(blocks).values({ accountId: author.account.id, targetAccountId: blocked.account.id })
    expect(ids(await call('GET', '/api/v1/timelines/public', { token: blocked.token, query: { limit: '40' } }))).not.toContain(s.id)
    expect(ids(await call('GET', '/api/v1/timelines/public', { query: { limit: '40' } }))).toContain(s.id)
  })
})

describe('tag timeline', () => {
  test('any, all and none combine; only public statuses; tags match case-insensitively', async () => {
    const author = await makeUser(ctx)
    const t = uniqueName('tag').replace(/_/g, '')
    const a = await post(author, { status: `#${t}A only a` })
    const ab = await post(author, { status: `#${t}A and #${t}B` })
    const b = await post(author, { status: `#${t}B only b` })
    const priv = await post(author, { status: `#${t}A private`, visibility: 'private' })
    const tag = (path: string, query: Record<string, string | string[]> = {}) => call('GET', `/api/v1/timelines/tag/${path}`, { query })
    const onlyA = await tag(`${t}a`)
    expect(onlyA.status).toBe(200)
    expect(ids(onlyA)).toEqual([ab.id, a.id])
    expect(ids(onlyA)).not.toContain(priv.id)
    expect(ids(await tag(`${t}A`, { 'any[]': [`${t}B`] }))).toEqual([b.id, ab.id, a.id])
    expect(ids(await tag(`${t}A`, { 'all[]': [`${t}B`] }))).toEqual([ab.id])
    expect(ids(await tag(`${t}A`, { 'none[]': [`${t}B`] }))).toEqual([a.id])
    expect(ids(await tag(`${t}unused`))).toEqual([])
  })

  test('pages with max_id and min_id like every timeline', async () => {
    const author = await makeUser(ctx)
    const t = uniqueName('page').replace(/_/g, '')
    const made = []
    for (let i = 0; i < 4; i++) made.push((await post(author, { status: `#${t} ${i}` })).id)
    const first = await call('GET', `/api/v1/timelines/tag/${t}`, { query: { limit: '2' } })
    expect(ids(first)).toEqual([made[3], made[2]])
    expect(first.headers.get('link')).toContain(`max_id=${made[2]}`)
    expect(ids(await call('GET', `/api/v1/timelines/tag/${t}`, { query: { limit: '2', max_id: made[2] } }))).toEqual([made[1], made[0]])
    expect(ids(await call('GET', `/api/v1/timelines/tag/${t}`, { query: { limit: '2', min_id: made[0] } }))).toEqual([made[2], made[1]])
    expect(ids(await call('GET', `/api/v1/timelines/tag/${t}`, { query: { since_id: made[1] } }))).toEqual([made[3], made[2]])
  })

  test('a page fills across batches of tagged statuses, some of which keep nothing, in both directions', async () => {
    const author = await makeUser(ctx)
    const t = uniqueName('batch').replace(/_/g, '').toLowerCase()
    const [tag] = await ctx.db.insert(tags).values({ name: t }).returning()
    // newest first: 3 public, 450 private (more than two batches of candidates), 3 public
    const past = pastIds(456, 5000)
    const rows = Array.from({ length: 456 }, (_, i) => ({
      id: past[i], accountId: author.account.id, content: `<p>#${t} ${i}</p>`,
      visibility: (i < 3 || i >= 453 ? 'public' : 'private') as 'public' | 'private',
    }))
    await ctx.db.insert(statuses).values(rows)
    await ctx.db.insert(statusTags).values(rows.map((r) => ({ statusId: r.id, tagId: tag.id })))
    const shown = rows.filter((r) => r.visibility === 'public').map((r) => r.id)
    const page = (query: Record<string, string>) => call('GET', `/api/v1/timelines/tag/${t}`, { query })

    expect(ids(await page({ limit: '4' }))).toEqual(shown.slice(0, 4))
    expect(ids(await page({ max_id: shown[2], limit: '2' }))).toEqual(shown.slice(3, 5))
    expect(ids(await page({ min_id: shown[5], limit: '3' }))).toEqual(shown.slice(2, 5))
    expect(ids(await page({ min_id: shown[3], limit: '2' }))).toEqual(shown.slice(1, 3))
  })
})

describe('account statuses', () => {
  test('filters: exclude_replies, exclude_reblogs, tagged, only_media, and visibility for each viewer', async () => {
    const [author, follower, stranger] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    await follow(follower, author)
    const t = uniqueName('acct').replace(/_/g, '')
    const pub = await post(author, { status: `hello #${t}` })
    const priv = await post(author, { status: 'followers', visibility: 'private' })
    const other = await post(stranger, { status: 'something' })
    const reply = await post(author, { status: `@${stranger.account.username} re`, in_reply_to_id: other.id })
    const selfReply = await post(author, { status: 'and more', in_reply_to_id: pub.id })
    const reblog = await call('POST', `/api/v1/statuses/${other.id}/reblog`, { token: author.token })
    const get = (who: MadeUser | null, query: Record<string, string> = {}) =>
      call('GET', `/api/v1/accounts/${author.account.id}/statuses`, { token: who?.token, query })
    expect(ids(await get(follower))).toEqual([reblog.json.id, selfReply.id, reply.id, priv.id, pub.id])
    expect(ids(await get(stranger))).toEqual([reblog.json.id, selfReply.id, reply.id, pub.id])
    expect(ids(await get(null))).toEqual([reblog.json.id, selfReply.id, reply.id, pub.id])
    expect(ids(await get(follower, { exclude_replies: 'true' }))).toEqual([reblog.json.id, selfReply.id, priv.id, pub.id])
    expect(ids(await get(follower, { exclude_reblogs: 'true' }))).toEqual([selfReply.id, reply.id, priv.id, pub.id])
    expect(ids(await get(follower, { tagged: t }))).toEqual([pub.id])
    expect(ids(await get(follower, { only_media: 'true' }))).toEqual([])
    expect((await call('GET', '/api/v1/accounts/AAAAAAAAAAAAAAAAAA/statuses')).status).toBe(404)
  })

  test('an account that blocks the viewer shows nothing', async () => {
    const [author, blocked] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    await post(author, { status: 'you cannot see me' })
    await ctx.db.insert(blocks).values({ accountId: author.account.id, targetAccountId: blocked.account.id })
    expect((await call('GET', `/api/v1/accounts/${author.account.id}/statuses`, { token: blocked.token })).json).toEqual([])
  })
})

describe('hide filters', () => {
  test('statuses matching a hide filter leave the timelines of its contexts only', async () => {
    const [me, friend] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    await follow(me, friend)
    const word = uniqueName('spoiler').replace(/_/g, '')
    const s = await post(friend, { status: `the ending of ${word} revealed` })
    const filter = await call('POST', '/api/v2/filters', {
      token: me.token, json: { title: 'no spoilers', context: ['home', 'thread'], filter_action: 'hide', keywords_attributes: [{ keyword: word }] },
    })
    expect(filter.status).toBe(200)
    expect(ids(await home(me))).not.toContain(s.id)
    expect(ids(await call('GET', '/api/v1/timelines/public', { token: me.token, query: { limit: '40' } }))).toContain(s.id)
    const reply = await post(friend, { status: `more on ${word}`, in_reply_to_id: s.id })
    const context = await call('GET', `/api/v1/statuses/${s.id}/context`, { token: me.token })
    expect(context.json.descendants.map((x: any) => x.id)).not.toContain(reply.id)
    const warned = await call('GET', `/api/v1/statuses/${s.id}`, { token: me.token })
    expect(warned.json.filtered[0].filter.filter_action).toBe('hide')
  })
})

describe('silenced accounts and notifications', () => {
  test('a silenced account notifies only its followers', async () => {
    const [silenced, stranger, friend] = await Promise.all([makeUser(ctx, { account: { silencedAt: new Date() } }), makeUser(ctx), makeUser(ctx)])
    await follow(friend, silenced)
    await post(silenced, { status: `@${stranger.account.username} @${friend.account.username} hello` })
    const mentions = async (who: MadeUser) => (await call('GET', '/api/v1/notifications', { token: who.token, query: { 'types[]': ['mention'] } })).json
      .filter((n: any) => n.account.id === silenced.account.id)
    expect(await mentions(stranger)).toHaveLength(0)
    expect(await mentions(friend)).toHaveLength(1)
  })
})
