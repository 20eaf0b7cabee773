import { beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import { accounts, blocks, follows, homeFeedEntries, notifications, polls, statusMentions, statuses } from '../../src/db/schema'
import { contextWith, getTestContext, testApp } from '../support/context'
import { makeApp, makeUser, uniqueName, type MadeUser } from '../support/factories'
import { call } from '../support/http'
import { expectShape as expectSchema } from '../support/shape'

/**
 * Status validation; a non-null `quote` is checked against Quote on its own, because the contract's
 * `oneOf: [Quote, ShallowQuote]` matches both for any object with a `state` and so can never pass.
 */
function expectShape(json: any, name: string) {
  if (name !== 'Status' || !json?.quote) return expectSchema(json, name)
  expectSchema({ ...json, quote: null }, 'Status')
  expectSchema(json.quote, 'quoted_status' in json.quote ? 'Quote' : 'ShallowQuote')
}

let ctx: Ctx
let alice: MadeUser
let bob: MadeUser

beforeAll(async () => {
  ctx = await getTestContext()
  alice = await makeUser(ctx, { app: await makeApp(ctx, { name: 'Test Client', website: 'https://client.example' }) })
  bob = await makeUser(ctx)
})

const post = (token: string, json: Record<string, unknown>, headers?: Record<string, string>) =>
  call('POST', '/api/v1/statuses', { token, json, headers })

const statusesCount = async (accountId: string) =>
  (await ctx.db.select({ n: accounts.statusesCount }).from(accounts).where(eq(accounts.id, accountId)))[0].n

const statusRow = async (id: string) => (await ctx.db.select().from(statuses).where(eq(statuses.id, id)))[0]

describe('POST /api/v1/statuses', () => {
  test('posts from a JSON body and answers with a full Status entity', async () => {
    const before = await statusesCount(alice.account.id)
    const res = await post(alice.token, { status: 'Hello, fediverse!', spoiler_text: 'cw', sensitive: true, language: 'en-GB' })
    expect(res.status).toBe(200)
    expectShape(res.json, 'Status')
    expect(res.json).toMatchObject({
      content: '<p>Hello, fediverse!</p>',
      spoiler_text: 'cw',
      sensitive: true,
      visibility: 'public',
      language: 'en',
      in_reply_to_id: null,
      reblog: null,
      poll: null,
      card: null,
      text: null,
      edited_at: null,
      replies_count: 0,
      reblogs_count: 0,
      favourites_count: 0,
      favourited: false,
      reblogged: false,
      bookmarked: false,
      pinned: false,
      muted: false,
      media_attachments: [],
      emojis: [],
      filtered: [],
      application: { name: 'Test Client', website: 'https://client.example' },
    })
    expect(res.json.id).toMatch(/^[0-9A-Za-z]{18}$/)
    expect(res.json.account.id).toBe(alice.account.id)
    expect(res.json.uri).toBe(`${ctx.config.baseUrl}/users/${alice.account.username}/statuses/${res.json.id}`)
    expect(res.json.url).toBe(`${ctx.config.baseUrl}/@${alice.account.username}/${res.json.id}`)
    expect(res.json.pleroma).toMatchObject({
      local: true,
      content: { 'text/plain': 'Hello, fediverse!' },
      spoiler_text: { 'text/plain': 'cw' },
      direct_conversation_id: null,
      in_reply_to_account_acct: null,
      expires_at: null,
      thread_muted: false,
      emoji_reactions: [],
      parent_visible: false,
      pinned_at: null,
    })
    expect(res.json.pleroma.context).toBe(`${ctx.config.baseUrl}/contexts/${res.json.pleroma.conversation_id}`)
    expect(await statusesCount(alice.account.id)).toBe(before + 1)
    const account = (await ctx.db.select().from(accounts).where(eq(accounts.id, alice.account.id)))[0]
    expect(account.lastStatusAt).not.toBeNull()
  })

  test('direct messages are not counted on the profile, as in Mastodon', async () => {
    const user = await makeUser(ctx)
    await post(user.token, { status: `psst @${bob.account.username}`, visibility: 'direct' })
    expect(await statusesCount(user.account.id)).toBe(0)
    await post(user.token, { status: 'followers only', visibility: 'private' })
    expect(await statusesCount(user.account.id)).toBe(1)
  })

  test('takes a form body with poll[options][] and nested poll fields', async () => {
    const res = await call('POST', '/api/v1/statuses', {
      token: alice.token,
      form: { status: 'Which one?', 'poll[options][]': ['tea', 'coffee'], 'poll[expires_in]': '3600', 'poll[multiple]': 'true', 'poll[hide_totals]': 'false' },
    })
    expect(res.status).toBe(200)
    expectShape(res.json, 'Status')
    expect(res.json.poll).toMatchObject({
      multiple: true,
      expired: false,
      votes_count: 0,
      options: [{ title: 'tea', votes_count: 0 }, { title: 'coffee', votes_count: 0 }],
      voted: true,
      own_votes: [],
    })
    expectShape(res.json.poll, 'Poll')
    const expires = new Date(res.json.poll.expires_at).getTime()
    expect(Math.abs(expires - (Date.now() + 3600_000))).toBeLessThan(60_000)
  })

  test('takes a multipart body', async () => {
    const res = await call('POST', '/api/v1/statuses', { token: alice.token, multipart: { status: 'from multipart', visibility: 'unlisted' } })
    expect(res.status).toBe(200)
    expect(res.json.content).toBe('<p>from multipart</p>')
    expect(res.json.visibility).toBe('unlisted')
  })

  test('takes parameters from the query string too', async () => {
    const res = await call('POST', '/api/v1/statuses', { token: alice.token, query: { status: 'from the query' } })
    expect(res.status).toBe(200)
    expect(res.json.content).toBe('<p>from the query</p>')
  })

  test('a poll alone is enough; a status with neither text nor poll is refused', async () => {
    const pollOnly = await post(alice.token, { poll: { options: ['a', 'b'], expires_in: 600 } })
    expect(pollOnly.status).toBe(200)
    expect(pollOnly.json.content).toBe('')
    for (const json of [{}, { status: '' }, { status: '   \n ' }, { status: '<script></script>', content_type: 'text/html' }, { spoiler_text: 'only a warning' }]) {
      const res = await post(alice.token, json)
      expect(res.status).toBe(422)
      expect(res.json.error).toBe("Validation failed: Text can't be blank")
    }
  })

  test('renders mentions, hashtags and links, and records them', async () => {
    const remoteName = uniqueName('far')
    const [remote] = await ctx.db.insert(accounts).values({ username: remoteName, domain: 'far.example', url: `https://far.example/@${remoteName}` }).returning()
    const res = await post(alice.token, { status: `Hi @${bob.account.username} and @${remoteName}@far.example, see #Rookery and https://example.com/x @unknown_${remoteName}` })
    expect(res.status).toBe(200)
    expectShape(res.json, 'Status')
    expect(res.json.content).toContain(`<span class="h-card"><a href="${ctx.config.baseUrl}/@${bob.account.username}" class="u-url mention">@<span>${bob.account.username}</span></a></span>`)
    expect(res.json.content).toContain(`<a href="https://far.example/@${remoteName}" class="u-url mention">@<span>${remoteName}</span></a>`)
    expect(res.json.content).toContain(`<a href="${ctx.config.baseUrl}/tags/rookery" class="mention hashtag" rel="tag">#<span>Rookery</span></a>`)
    expect(res.json.content).toContain('<a href="https://example.com/x" rel="nofollow noopener noreferrer" target="_blank">')
    expect(res.json.content).toContain(`@unknown_${remoteName}`)
    expect(res.json.mentions).toEqual([
      { id: bob.account.id, username: bob.account.username, acct: bob.account.username, url: `${ctx.config.baseUrl}/@${bob.account.username}` },
      { id: remote.id, username: remoteName, acct: `${remoteName}@far.example`, url: `https://far.example/@${remoteName}` },
    ])
    expect(res.json.tags).toEqual([{ name: 'rookery', url: `${ctx.config.baseUrl}/tags/rookery` }])

    const ordered = await post(alice.token, { status: `#zeta @${remoteName}@far.example #alpha @${bob.account.username} #mid` })
    expect(ordered.json.tags.map((t: any) => t.name)).toEqual(['zeta', 'alpha', 'mid'])
    expect(ordered.json.mentions.map((m: any) => m.id)).toEqual([remote.id, bob.account.id])
  })

  test('content types: markdown and html are rendered and sanitized; unknown types fall back to plain text', async () => {
    const md = await post(alice.token, { status: '**bold** [x](javascript:alert(1)) <script>alert(1)</script>', content_type: 'text/markdown' })
    expect(md.status).toBe(200)
    expect(md.json.content).toContain('<strong>bold</strong>')
    expect(md.json.content).not.toMatch(/<script|href="javascript/i)
    expect(md.json.pleroma.content_type).toBe('text/markdown')

    const html = await post(alice.token, {
      status: '<p onclick="x()">hi <em>there</em><img src=x onerror=alert(1)><a href="javascript:alert(1)">bad</a><iframe src="https://evil.example"></iframe><script>alert(1)</script></p>',
      content_type: 'text/html',
    })
    expect(html.status).toBe(200)
    expect(html.json.content).toBe('<p>hi <em>there</em><span>bad</span></p>')

    const plain = await post(alice.token, { status: '<b>not bold</b>', content_type: 'text/bbcode' })
    expect(plain.json.content).toBe('<p>&lt;b&gt;not bold&lt;/b&gt;</p>')
    expect(plain.json.pleroma.content_type).toBe('text/plain')
  })

  test('over-long text is refused; URLs count 23 and the content warning counts too', async () => {
    const small = await contextWith({ limits: { ...ctx.config.limits, maxTootChars: 40 } })
    const app = await testApp(small)
    const ok = await call('POST', '/api/v1/statuses', { app, token: alice.token, json: { status: `${'a'.repeat(16)} https://example.com/${'x'.repeat(100)}` } })
    expect(ok.status).toBe(200)
    const exact = await call('POST', '/api/v1/statuses', { app, token: alice.token, json: { status: 'a'.repeat(30), spoiler_text: 'b'.repeat(10) } })
    expect(exact.status).toBe(200)
    for (const json of [{ status: 'a'.repeat(41) }, { status: 'a'.repeat(30), spoiler_text: 'b'.repeat(11) }]) {
      const res = await call('POST', '/api/v1/statuses', { app, token: alice.token, json })
      expect(res.status).toBe(422)
      expect(res.json.error).toBe('Validation failed: Text character limit of 40 exceeded')
    }
    const big = await post(alice.token, { status: 'x'.repeat(ctx.config.limits.maxTootChars + 1) })
    expect(big.status).toBe(422)
  })

  test('poll limits are enforced', async () => {
    const { pollMaxOptions, pollMinExpiration, pollMaxOptionChars, pollMaxExpiration } = ctx.config.limits
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ options: Array.from({ length: pollMaxOptions + 1 }, (_, i) => `o${i}`), expires_in: 3600 }, /more than/],
      [{ options: ['only'], expires_in: 3600 }, /more than one/],
      [{ options: ['a', 'b'], expires_in: pollMinExpiration - 1 }, /too soon/],
      [{ options: ['a', 'b'], expires_in: pollMaxExpiration + 1 }, /too far/],
      [{ options: ['a', 'b'] }, /blank/],
      [{ options: ['same', 'same'], expires_in: 3600 }, /duplicate/],
      [{ options: ['a', 'x'.repeat(pollMaxOptionChars + 1)], expires_in: 3600 }, /longer than/],
      [{ options: ['a', ''], expires_in: 3600 }, /blank/],
      [{ options: ['a', 'b'], expires_in: 'soon' }, /not a number/],
    ]
    for (const [poll, message] of cases) {
      const res = await post(alice.token, { status: 'poll', poll })
      expect(res.status).toBe(422)
      expect(res.json.error).toMatch(message)
    }
  })

  test('an unreadable scheduled_at is refused rather than posted at once', async () => {
    const res = await post(alice.token, { status: 'later', scheduled_at: 'next tuesday' })
    expect(res.status).toBe(422)
  })

  test('unknown media ids are refused', async () => {
    const res = await post(alice.token, { status: 'with media', media_ids: ['123456789012345678'] })
    expect(res.status).toBe(422)
    expect(res.json.error).toContain('not found')
  })

  test('visibility: the user default, explicit values, local_only, and invalid values', async () => {
    const priv = await makeUser(ctx, { user: { defaultVisibility: 'private' } })
    const byDefault = await post(priv.token, { status: 'default' })
    expect(byDefault.json.visibility).toBe('private')
    const explicit = await post(priv.token, { status: 'explicit', visibility: 'public' })
    expect(explicit.json.visibility).toBe('public')

    const local = await post(alice.token, { status: 'local only', visibility: 'local' })
    expect(local.status).toBe(200)
    expectShape(local.json, 'Status')
    expect(local.json).toMatchObject({ visibility: 'public', local_only: true, pleroma: { visibility: 'local' } })
    const localOnly = await post(alice.token, { status: 'local_only flag', local_only: true })
    expect((await statusRow(localOnly.json.id)).visibility).toBe('local')

    for (const visibility of ['everyone', 'list:not-an-id', 'list:123456789012345678']) {
      const res = await post(alice.token, { status: 'x', visibility })
      expect(res.status).toBe(422)
    }
    expect((await post(alice.token, { status: 'x', visibility: 'everyone' })).json.error).toBe('Validation failed: Visibility is not included in the list')
  })

  test('language is normalised to ISO 639-1 or dropped', async () => {
    expect((await post(alice.token, { status: 'a', language: 'DE' })).json.language).toBe('de')
    expect((await post(alice.token, { status: 'b', language: 'not a language' })).json.language).toBeNull()
    const withDefault = await makeUser(ctx, { user: { defaultLanguage: 'fr' } })
    expect((await post(withDefault.token, { status: 'c' })).json.language).toBe('fr')
  })

  test('needs a token with write:statuses', async () => {
    const anonymous = await post('', { status: 'x' })
    expect(anonymous.status).toBe(401)
    const readOnly = await makeUser(ctx, { scopes: ['read'] })
    const res = await post(readOnly.token, { status: 'x' })
    expect(res.status).toBe(403)
    expect(res.json.error).toBe('This action is outside the authorized scopes')
    const narrow = await makeUser(ctx, { scopes: ['write:statuses'] })
    expect((await post(narrow.token, { status: 'x' })).status).toBe(200)
    const bogus = await post('not-a-token', { status: 'x' })
    expect(bogus.status).toBe(401)
  })

  test('malformed bodies and values are 4xx, never 500', async () => {
    const app = await testApp()
    const bad = await app.handle(new Request('http://localhost/api/v1/statuses', {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${alice.token}` }, body: '{"status": ',
    }))
    expect(bad.status).toBe(400)
    for (const json of [{ status: { nested: true } }, { status: 'x', sensitive: 'maybe' }, { status: 'x', expires_in: 'later' }, { status: 'x', poll: 'yes' }, { status: 'x', in_reply_to_id: ['a'] }]) {
      const res = await post(alice.token, json)
      expect(res.status).toBe(422)
    }
  })
})

describe('replies', () => {
  test('set the thread, the replied-to account, mention its author silently and bump replies_count', async () => {
    const root = await post(bob.token, { status: 'root' })
    const reply = await post(alice.token, { status: 'a reply without mention', in_reply_to_id: root.json.id })
    expect(reply.status).toBe(200)
    expect(reply.json).toMatchObject({ in_reply_to_id: root.json.id, in_reply_to_account_id: bob.account.id })
    expect(reply.json.pleroma).toMatchObject({ conversation_id: root.json.pleroma.conversation_id, in_reply_to_account_acct: bob.account.username, parent_visible: true })
    expect(reply.json.mentions.map((m: any) => m.id)).toEqual([bob.account.id])
    const [mention] = await ctx.db.select().from(statusMentions).where(eq(statusMentions.statusId, reply.json.id))
    expect(mention).toMatchObject({ accountId: bob.account.id, silent: true })
    expect((await statusRow(root.json.id)).repliesCount).toBe(1)
    const shown = await call('GET', `/api/v1/statuses/${root.json.id}`, { token: alice.token })
    expect(shown.json.replies_count).toBe(1)

    const direct = await post(alice.token, { status: 'private answer', in_reply_to_id: root.json.id, visibility: 'direct' })
    expect(direct.status).toBe(200)
    expect((await statusRow(root.json.id)).repliesCount).toBe(1) // direct replies are not counted, as in Mastodon
  })

  test('to a status the poster cannot see, unknown or malformed: 404', async () => {
    const hidden = await post(bob.token, { status: 'only for followers', visibility: 'private' })
    const stranger = await makeUser(ctx)
    for (const id of [hidden.json.id, '123456789012345678', 'not-an-id!']) {
      const res = await post(stranger.token, { status: 'reply', in_reply_to_id: id })
      expect(res.status).toBe(404)
      expect(res.json.error).toBe('The post you are trying to reply to does not appear to exist.')
    }
    const blocked = await makeUser(ctx)
    await ctx.db.insert(blocks).values({ accountId: bob.account.id, targetAccountId: blocked.account.id })
    const open = await post(bob.token, { status: 'public but blocked' })
    expect((await post(blocked.token, { status: 'reply', in_reply_to_id: open.json.id })).status).toBe(404)
  })

  test('cannot widen a private or direct parent', async () => {
    const follower = await makeUser(ctx)
    await ctx.db.insert(follows).values({ accountId: follower.account.id, targetAccountId: bob.account.id })
    const priv = await post(bob.token, { status: 'followers only', visibility: 'private' })
    const reply = await post(follower.token, { status: 'loud reply', in_reply_to_id: priv.json.id, visibility: 'public' })
    expect(reply.json.visibility).toBe('private')
    const dm = await post(bob.token, { status: `psst @${follower.account.username}`, visibility: 'direct' })
    const dmReply = await post(follower.token, { status: 'answer', in_reply_to_id: dm.json.id })
    expect(dmReply.json.visibility).toBe('direct')
    expect(dmReply.json.mentions.map((m: any) => m.id)).toEqual([bob.account.id])
  })

  test('in_reply_to_conversation_id addresses everyone in the thread, as a direct message', async () => {
    const carol = await makeUser(ctx)
    const root = await post(bob.token, { status: `hello @${carol.account.username}`, visibility: 'direct' })
    const res = await post(carol.token, { status: 'answer to the thread', in_reply_to_conversation_id: root.json.pleroma.conversation_id })
    expect(res.status).toBe(200)
    expect(res.json.visibility).toBe('direct')
    expect(res.json.pleroma.conversation_id).toBe(root.json.pleroma.conversation_id)
    expect(res.json.mentions.map((m: any) => m.id)).toEqual([bob.account.id])
    const outsider = await makeUser(ctx)
    expect((await post(outsider.token, { status: 'x', in_reply_to_conversation_id: root.json.pleroma.conversation_id })).status).toBe(404)
  })
})

describe('explicit addressing with to[]', () => {
  test('exactly the listed accounts are addressed; mentions in the text are not', async () => {
    const carol = await makeUser(ctx)
    const dave = await makeUser(ctx)
    const res = await call('POST', '/api/v1/statuses', {
      token: alice.token,
      form: { status: `hi @${dave.account.username}`, visibility: 'direct', 'to[]': [carol.account.username, `${bob.account.username}@${ctx.config.domain}`, 'nobody_at_all'] },
    })
    expect(res.status).toBe(200)
    expect(res.json.mentions.map((m: any) => m.id).sort()).toEqual([carol.account.id, bob.account.id].sort())
    const rows = await ctx.db.select().from(statusMentions).where(eq(statusMentions.statusId, res.json.id))
    expect(rows.every((r) => r.silent)).toBe(true)
    expect((await call('GET', `/api/v1/statuses/${res.json.id}`, { token: carol.token })).status).toBe(200)
    expect((await call('GET', `/api/v1/statuses/${res.json.id}`, { token: dave.token })).status).toBe(404)
  })
})

describe('quotes', () => {
  test('quote_id and quoted_status_id quote a visible public status and count it', async () => {
    const original = await post(bob.token, { status: 'quotable' })
    for (const key of ['quote_id', 'quoted_status_id']) {
      const res = await post(alice.token, { status: 'look at this', [key]: original.json.id })
      expect(res.status).toBe(200)
      expectShape(res.json, 'Status')
      expect(res.json.quote.state).toBe('accepted')
      expect(res.json.quote.quoted_status.id).toBe(original.json.id)
      expect(res.json.pleroma).toMatchObject({ quote_id: original.json.id, quote_visible: true, quote_url: original.json.url })
    }
    expect((await statusRow(original.json.id)).quotesCount).toBe(2)
  })

  test('a private status of someone else cannot be quoted; a hidden one is not found', async () => {
    const follower = await makeUser(ctx)
    await ctx.db.insert(follows).values({ accountId: follower.account.id, targetAccountId: bob.account.id })
    const priv = await post(bob.token, { status: 'followers only', visibility: 'private' })
    const seen = await post(follower.token, { status: 'quote', quote_id: priv.json.id })
    expect(seen.status).toBe(422)
    const stranger = await makeUser(ctx)
    const hidden = await post(stranger.token, { status: 'quote', quote_id: priv.json.id })
    expect(hidden.status).toBe(404)
    const own = await post(bob.token, { status: 'quoting myself', quote_id: priv.json.id })
    expect(own.status).toBe(200)
  })
})

describe('expires_in', () => {
  test('at least an hour; sets pleroma.expires_at', async () => {
    const short = await post(alice.token, { status: 'soon gone', expires_in: 3599 })
    expect(short.status).toBe(422)
    expect(short.json.error).toBe('Validation failed: Expiry date is too soon')
    const res = await post(alice.token, { status: 'gone in an hour', expires_in: 3600 })
    expect(res.status).toBe(200)
    expect(Math.abs(new Date(res.json.pleroma.expires_at).getTime() - (Date.now() + 3600_000))).toBeLessThan(60_000)
  })
})

describe('preview', () => {
  test('renders the status without keeping anything', async () => {
    const before = await statusesCount(alice.account.id)
    const res = await post(alice.token, { status: `preview of #preview_tag @${bob.account.username}`, preview: true, poll: { options: ['a', 'b'], expires_in: 600 } })
    expect(res.status).toBe(200)
    expectShape(res.json, 'Status')
    expect(res.json.mentions.map((m: any) => m.id)).toEqual([bob.account.id])
    expect(res.json.tags.map((t: any) => t.name)).toEqual(['preview_tag'])
    expect(res.json.poll.options).toHaveLength(2)
    expect((await call('GET', `/api/v1/statuses/${res.json.id}`, { token: alice.token })).status).toBe(404)
    expect(await statusRow(res.json.id)).toBeUndefined()
    expect(await ctx.db.select().from(polls).where(eq(polls.statusId, res.json.id))).toEqual([])
    expect(await statusesCount(alice.account.id)).toBe(before)
    expect((await post(alice.token, { status: '', preview: true })).status).toBe(422)
  })
})

describe('Idempotency-Key', () => {
  test('the same key and request from the same user returns the first status', async () => {
    const user = await makeUser(ctx)
    const key = `key-${uniqueName()}`
    const first = await post(user.token, { status: 'only once' }, { 'Idempotency-Key': key })
    const second = await post(user.token, { status: 'only once' }, { 'Idempotency-Key': key })
    expect(first.status).toBe(200)
    expect(second.status).toBe(200)
    expect(second.json.id).toBe(first.json.id)
    expect(await statusesCount(user.account.id)).toBe(1)

    const other = await post(bob.token, { status: 'only once' }, { 'Idempotency-Key': key })
    expect(other.json.id).not.toBe(first.json.id)
    const differentBody = await post(user.token, { status: 'something else' }, { 'Idempotency-Key': key })
    expect(differentBody.status).toBe(422)
    const newKey = await post(user.token, { status: 'only once' }, { 'Idempotency-Key': `${key}-2` })
    expect(newKey.json.id).not.toBe(first.json.id)
  })

  test('concurrent duplicates create one status, and the losers leave no feed entry or notification behind', async () => {
    const user = await makeUser(ctx)
    const subscriber = await makeUser(ctx)
    await ctx.db.insert(follows).values({ accountId: subscriber.account.id, targetAccountId: user.account.id, notify: true })
    const key = `race-${uniqueName()}`
    const results = await Promise.all(Array.from({ length: 5 }, () => post(user.token, { status: 'racing #racing' }, { 'Idempotency-Key': key })))
    const ok = results.filter((r) => r.status === 200)
    expect(ok.length).toBeGreaterThan(0)
    expect(results.every((r) => r.status === 200 || r.status === 409)).toBe(true)
    expect(new Set(ok.map((r) => r.json.id)).size).toBe(1)
    expect(await statusesCount(user.account.id)).toBe(1)
    // the losers' feed entries and notifications were written alongside their key's claim, and rolled back with it
    const feed = await ctx.db.select().from(homeFeedEntries).where(eq(homeFeedEntries.accountId, subscriber.account.id))
    expect(feed.map((e) => e.statusId)).toEqual([ok[0].json.id])
    const told = await ctx.db.select().from(notifications).where(eq(notifications.accountId, subscriber.account.id))
    expect(told.map((n) => [n.type, n.statusId])).toEqual([['status', ok[0].json.id]])
  })
})

// Posting reads the tags that exist and writes only new ones: it neither rewrites nor locks a busy tag's row.
describe.skipIf(!process.env.TEST_DATABASE_URL)('hashtags of concurrent posts', () => {
  const reserved = async () => (ctx.db as any).$client.reserve()
  const tagsOf = async (statusId: string) => (await call('GET', `/api/v1/statuses/${statusId}`, { token: alice.token })).json.tags.map((t: any) => t.name)

  test('an existing tag is only read: posting with it goes on while another transaction holds it', async () => {
    const name = uniqueName('busy').toLowerCase()
    const first = await call('POST', '/api/v1/statuses', { token: alice.token, json: { status: `#${name}` } })
    expect(first.status).toBe(200)
    const other = await reserved()
    try {
      await other.unsafe('begin')
      await other.unsafe('select id from tags where name = $1 for share', [name])
      const posted = await Promise.race([
        call('POST', '/api/v1/statuses', { token: bob.token, json: { status: `again #${name}` } }),
        Bun.sleep(5_000).then(() => null),
      ])
      expect(posted?.status).toBe(200)
      expect(await tagsOf(posted!.json.id)).toEqual([name])
      // an edit finds its tags the same way
      const edited = await Promise.race([
        call('PUT', `/api/v1/statuses/${first.json.id}`, { token: alice.token, json: { status: `edited #${name}` } }),
        Bun.sleep(5_000).then(() => null),
      ])
      expect(edited?.status).toBe(200)
      expect(await tagsOf(first.json.id)).toEqual([name])
    } finally {
      await other.unsafe('rollback')
      other.release()
    }
  })

  test('a tag another transaction adds while posting is linked, as that transaction wrote it', async () => {
    const name = uniqueName('Meanwhile')
    const other = await reserved()
    let posting: Promise<Awaited<ReturnType<typeof call>>> | undefined
    try {
      await other.unsafe('begin')
      const [added] = await other.unsafe('insert into tags (id, name) values (gen_random_uuid(), $1) returning id::text', [name])
      // the post's insert of the same name waits for this transaction, then takes its row
      posting = call('POST', '/api/v1/statuses', { token: alice.token, json: { status: `#${name.toLowerCase()} at once` } })
      await Bun.sleep(200)
      await other.unsafe('commit')
      const posted = await posting
      expect(posted.status).toBe(200)
      const status = posted.json as { id: string; uri: string }
      expect(await tagsOf(status.id)).toEqual([name.toLowerCase()])
      const [link] = await other.unsafe('select tag_id::text from status_tags st join statuses s on s.id = st.status_id where s.uri = $1', [status.uri])
      expect(link.tag_id).toBe(added.id)
    } finally {
      await posting?.catch(() => {})
      other.release()
    }
  })
})
