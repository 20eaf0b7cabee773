import { beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import type { Config } from '../../src/config'
import type { Ctx } from '../../src/core/context'
import { accounts, users } from '../../src/db/schema'
import { SESSION_COOKIE } from '../../src/server/base'
import { prefersData, prefersHtml } from '../../src/server/pages/negotiate'
import { contextWith, getTestContext, testApp } from '../support/context'
import { makeInvite, makeUser, uniqueName, type MadeUser } from '../support/factories'
import { call, postStatus, type CallOptions } from '../support/http'
import { fileOf, pngFixture } from '../support/media-fixtures'

const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8' }

let ctx: Ctx
let alice: MadeUser
let bob: MadeUser
const posts: Record<string, { id: string }> = {}

const page = (path: string, opts: CallOptions = {}) => call('GET', path, { ...opts, headers: { ...BROWSER, ...opts.headers } })

beforeAll(async () => {
  ctx = await getTestContext()
  alice = await makeUser(ctx, {
    account: {
      displayName: 'Alice <script>alert(1)</script>',
      note: '<p>Bird watcher</p>',
      fields: [{ name: 'Website', value: 'https://alice.example/' }, { name: 'Pronouns', value: 'she/her' }],
    },
  })
  bob = await makeUser(ctx)
  posts.public = await postStatus(alice, { status: 'a public post about #pagetest' })
  posts.unlisted = await postStatus(alice, { status: 'an unlisted post', visibility: 'unlisted' })
  posts.private = await postStatus(alice, { status: 'a followers-only secret #pagetest', visibility: 'private' })
  posts.direct = await postStatus(alice, { status: `@${bob.account.username} a direct secret`, visibility: 'direct' })
  posts.reply = await postStatus(bob, { status: 'a public reply', in_reply_to_id: posts.public.id })
  posts.privateReply = await postStatus(bob, { status: 'a private reply secret', in_reply_to_id: posts.public.id, visibility: 'private' })
})

describe('content negotiation', () => {
  const req = (accept?: string) => new Request('http://localhost/', { headers: accept ? { accept } : {} })
  test('a browser prefers HTML; API clients, federation and */* do not', () => {
    expect(prefersHtml(req(BROWSER.accept))).toBe(true)
    expect(prefersHtml(req('text/html'))).toBe(true)
    expect(prefersHtml(req())).toBe(false)
    expect(prefersHtml(req('*/*'))).toBe(false)
    expect(prefersHtml(req('application/json'))).toBe(false)
    expect(prefersHtml(req('application/activity+json, text/html'))).toBe(false)
    expect(prefersHtml(req('application/ld+json; profile="https://www.w3.org/ns/activitystreams"'))).toBe(false)
    expect(prefersHtml(req('text/html;q=0.5, application/json'))).toBe(false)
    expect(prefersHtml(req('text/html;q=0, */*'))).toBe(false)
    expect(prefersData(req('application/activity+json'))).toBe(true)
    expect(prefersData(req('*/*'))).toBe(false)
    expect(prefersData(req(BROWSER.accept))).toBe(false)
  })
})

describe('GET /', () => {
  test('shows the instance, its rules, the registration state and the apps, with the strict page headers', async () => {
    const app = await testApp(await contextWith({ instance: { ...ctx.config.instance, name: 'Test Rookery', description: 'A <place> for birds', rules: ['Be kind\nReally.', 'No spam'] } }))
    const res = await page('/', { app })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/html')
    expect(res.text).toContain('<h1>Test Rookery</h1>')
    expect(res.text).toContain('A &lt;place&gt; for birds')
    expect(res.text).toContain('Be kind')
    expect(res.text).toContain('No spam')
    expect(res.text).toContain('Sign-ups are open')
    expect(res.text).toContain('href="/auth/sign_up"')
    expect(res.text).toContain('Tusky')
    expect(res.text).not.toContain('<script')
    const csp = res.headers.get('content-security-policy')!
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
  })

  test('each registration mode says what it is; closed offers no sign-up', async () => {
    const cases: [Config['registrations'], string][] = [['approval', 'a moderator reviews'], ['invite', 'need an invitation'], ['closed', 'Sign-ups are closed']]
    for (const [registrations, text] of cases) {
      const res = await page('/', { app: await testApp(await contextWith({ registrations })) })
      expect(res.status).toBe(200)
      expect(res.text).toContain(text)
      expect(res.text.includes('Create an account')).toBe(registrations !== 'closed')
    }
  })

  test('a signed-in browser sees who it is and a sign-out form', async () => {
    const { startSession } = await import('../../src/core/oauth/sessions')
    const session = await startSession(ctx, alice.user.id)
    const res = await page('/', { headers: { cookie: `${SESSION_COOKIE}=${encodeURIComponent(session.accessToken)}` } })
    expect(res.text).toContain(`Signed in as @${alice.account.username}`)
    expect(res.text).toContain('action="/auth/sign_out"')
    expect(res.text).toMatch(/name="authenticity_token" value="[A-Za-z0-9_-]{43}"/)
  })
})

describe('profiles', () => {
  test('/@name shows the profile, fields, counts and the public and unlisted posts, never private or direct ones', async () => {
    const res = await page(`/@${alice.account.username}`)
    expect(res.status).toBe(200)
    expect(res.text).toContain('Alice &lt;script&gt;alert(1)&lt;/script&gt;')
    expect(res.text).not.toContain('<script>alert(1)')
    expect(res.text).toContain('Bird watcher')
    expect(res.text).toContain('<dt>Website</dt>')
    expect(res.text).toMatch(/<a rel="me[^"]*"[^>]*href="https:\/\/alice\.example\/"|<a [^>]*rel="[^"]*\bme\b[^"]*"[^>]*>/)
    expect(res.text).toContain('she/her')
    expect(res.text).toMatch(/<strong>\d+<\/strong> posts/)
    expect(res.text).toContain('a public post about')
    expect(res.text).toContain('an unlisted post')
    expect(res.text).not.toContain('secret')
    expect(res.text).toContain('<meta property="og:title"')
    expect(res.text).toContain(`<link rel="alternate" type="application/activity+json" href="${ctx.config.baseUrl}/users/${alice.account.username}">`)
    expect(res.text).toContain('type="application/rss+xml"')
    expect(res.text).not.toContain('noindex')
    expect(res.headers.get('content-security-policy')).toContain("img-src 'self' data:")
  })

  test('/users/:name is a page only for clients that prefer HTML', async () => {
    const html = await page(`/users/${alice.account.username}`)
    expect(html.status).toBe(200)
    expect(html.text).toContain('a public post about')
    // ActivityPub and JSON clients get the actor from the federation front door
    for (const accept of ['application/activity+json', 'application/json']) {
      const actor = await call('GET', `/users/${alice.account.username}`, { headers: { accept } })
      expect(actor.status).toBe(200)
      expect(actor.headers.get('content-type')).toContain('application/activity+json')
      expect(actor.json.type).toBe('Person')
    }
    const unsure = await call('GET', `/users/${alice.account.username}`, { headers: { accept: '*/*' } })
    expect(unsure.status).toBe(404)
    expect(unsure.json.error).toBeString()
  })

  test('hidden follower and follow counts stay hidden; an account that is not indexable asks not to be', async () => {
    const shy = await makeUser(ctx, { account: { hideFollowersCount: true, hideFollowsCount: true, indexable: false } })
    const res = await page(`/@${shy.account.username}`)
    expect(res.status).toBe(200)
    expect(res.text).not.toContain('followers</span>')
    expect(res.text).not.toContain('following</span>')
    expect(res.text).toContain('<meta name="robots" content="noindex, noarchive">')
  })

  test('suspended, deactivated, unapproved, deleted and unknown accounts are a 404 page, and their posts are nowhere', async () => {
    const hidden = [
      await makeUser(ctx, { account: { suspendedAt: new Date() } }),
      await makeUser(ctx, { user: { isActive: false } }),
      await makeUser(ctx, { user: { isApproved: false } }),
    ]
    const reply = { status: 'hidden-author reply', in_reply_to_id: posts.public.id }
    const deleted = await makeUser(ctx)
    await postStatus(deleted, { ...reply, status: 'deleted-author reply' })
    await ctx.db.update(accounts).set({ deletedAt: new Date() }).where(eq(accounts.id, deleted.account.id))
    for (const who of hidden) {
      // Posted while visible, then hidden: the author's posts must disappear with them.
      await ctx.db.update(accounts).set({ suspendedAt: null }).where(eq(accounts.id, who.account.id))
      await ctx.db.update(users).set({ isActive: true, isApproved: true }).where(eq(users.id, who.user.id))
      await postStatus(who, { ...reply, status: `hidden-author reply #pagetest ${who.account.username}` })
      await ctx.db.update(accounts).set({ suspendedAt: who.account.suspendedAt }).where(eq(accounts.id, who.account.id))
      await ctx.db.update(users).set({ isActive: who.user.isActive, isApproved: who.user.isApproved }).where(eq(users.id, who.user.id))
    }
    for (const who of [...hidden, deleted]) {
      const res = await page(`/@${who.account.username}`)
      expect(res.status).toBe(404)
      expect(res.headers.get('content-type')).toContain('text/html')
      expect(res.text).toContain('Not found')
      expect((await call('GET', `/@${who.account.username}.rss`)).status).toBe(404)
    }
    expect((await page(`/@${uniqueName('nobody')}`)).status).toBe(404)
    const thread = await page(`/@${alice.account.username}/${posts.public.id}`)
    expect(thread.status).toBe(200)
    expect(thread.text).not.toContain('hidden-author reply')
    expect(thread.text).not.toContain('deleted-author reply')
    const tag = await page('/tags/pagetest')
    expect(tag.text).not.toContain('hidden-author reply')
  })

  test('keyset paging: older and newer links walk the posts without gaps or repeats', async () => {
    const writer = await makeUser(ctx)
    const written: string[] = []
    for (let i = 0; i < 23; i++) written.unshift((await postStatus(writer, { status: `numbered post ${i}` })).id)
    await postStatus(writer, { status: 'numbered secret', visibility: 'private' })
    const ids = (html: string) => [...html.matchAll(/<article class="card[^"]*" id="s-([0-9A-Za-z]+)"/g)].map((m) => m[1])
    const first = await page(`/@${writer.account.username}`)
    expect(ids(first.text)).toEqual(written.slice(0, 20))
    const older = /href="([^"]+)" rel="next"/.exec(first.text)![1].replace(/&amp;/g, '&')
    expect(older).toBe(`/@${writer.account.username}?max_id=${written[19]}`)
    expect(first.text).not.toContain('rel="prev"')
    const second = await page(older)
    expect(ids(second.text)).toEqual(written.slice(20))
    expect(second.text).not.toContain('rel="next"')
    const newer = /href="([^"]+)" rel="prev"/.exec(second.text)![1].replace(/&amp;/g, '&')
    expect(ids((await page(newer)).text)).toEqual(written.slice(0, 20))
    // malformed cursors are ignored, not errors
    expect(ids((await page(`/@${writer.account.username}?max_id=not-an-id`)).text)).toEqual(written.slice(0, 20))
  })
})

describe('status pages', () => {
  test('/@name/:id shows the post and its public thread, without private replies', async () => {
    const res = await page(`/@${bob.account.username}/${posts.reply.id}`)
    expect(res.status).toBe(200)
    expect(res.text).toContain('a public reply')
    expect(res.text).toContain('a public post about')
    expect(res.text).toContain(`id="s-${posts.reply.id}"`)
    const root = await page(`/@${alice.account.username}/${posts.public.id}`)
    expect(root.text).toContain('a public reply')
    expect(root.text).not.toContain('secret')
    expect(root.text).toContain('<meta property="og:description" content="a public post about #pagetest">')
    expect(root.headers.get('cache-control')).toContain('public')
  })

  test('content warnings fold the post, media shows with its description, and the link preview uses it', async () => {
    const upload = await call('POST', '/api/v1/media', { token: alice.token, multipart: { file: fileOf(pngFixture(), 'image/png', 'a.png'), description: 'a heron <standing>' } })
    expect(upload.status).toBe(200)
    const post = await postStatus(alice, { status: 'behind the fold', spoiler_text: 'birds <ahead>', media_ids: [upload.json.id] })
    const res = await page(`/@${alice.account.username}/${post.id}`)
    expect(res.status).toBe(200)
    expect(res.text).toContain('<details class="cw"><summary>birds &lt;ahead&gt;</summary>')
    expect(res.text).toContain(`<img src="${upload.json.preview_url}" alt="a heron &lt;standing&gt;" loading="lazy">`)
    expect(res.text).toContain('<meta property="og:description" content="CW: birds &lt;ahead&gt;">')
    expect(res.text).toContain(`<meta property="og:image" content="${upload.json.preview_url}">`)
  })

  test('an unlisted post opens by its link; private and direct posts, unknown ids and wrong authors are 404', async () => {
    expect((await page(`/@${alice.account.username}/${posts.unlisted.id}`)).status).toBe(200)
    for (const path of [
      `/@${alice.account.username}/${posts.private.id}`,
      `/@${alice.account.username}/${posts.direct.id}`,
      `/@${bob.account.username}/${posts.privateReply.id}`,
      `/@${bob.account.username}/${posts.public.id}`,
      `/@${alice.account.username}/not-an-id`,
      `/@${alice.account.username}/AAAAAAAAAAAAAAAAAA`,
    ]) {
      const res = await page(path)
      expect(res.status).toBe(404)
      expect(res.text).not.toContain('secret')
    }
  })

  test('/notice/:id and /objects/:id send browsers to the page and ActivityPub clients the object; a hidden post is a JSON 404', async () => {
    for (const prefix of ['/notice', '/objects']) {
      const res = await page(`${prefix}/${posts.public.id}`)
      expect(res.status).toBe(302)
      expect(res.headers.get('location')).toBe(`/@${alice.account.username}/${posts.public.id}`)
      expect((await page(`${prefix}/${posts.private.id}`)).status).toBe(404)
      const data = await call('GET', `${prefix}/${posts.public.id}`, { headers: { accept: 'application/activity+json' } })
      expect(data.status).toBe(200)
      expect(data.json).toMatchObject({ type: 'Note', id: expect.stringContaining(`/statuses/${posts.public.id}`) })
      const hidden = await call('GET', `${prefix}/${posts.private.id}`, { headers: { accept: 'application/activity+json' } })
      expect(hidden.status).toBe(404)
      expect(hidden.json.error).toBeString()
    }
  })
})

describe('hashtag pages', () => {
  test('/tags/:name lists public posts with the tag, never unlisted, private or direct ones', async () => {
    const tag = uniqueName('tag').toLowerCase()
    await postStatus(alice, { status: `listed #${tag}` })
    await postStatus(alice, { status: `unlisted #${tag}`, visibility: 'unlisted' })
    await postStatus(alice, { status: `secret #${tag}`, visibility: 'private' })
    await postStatus(alice, { status: `@${bob.account.username} secret too #${tag}`, visibility: 'direct' })
    const res = await page(`/tags/${tag}`)
    expect(res.status).toBe(200)
    expect(res.text).toContain(`<h1>#${tag}</h1>`)
    expect(res.text).toContain('<p>listed <a')
    expect(res.text).not.toContain('<p>unlisted')
    expect(res.text).not.toContain('secret')
    const empty = await page(`/tags/${uniqueName('none')}`)
    expect(empty.status).toBe(200)
    expect(empty.text).toContain('No public posts')
  })
})

describe('not found', () => {
  test('browsers get an HTML 404 page; API paths and API clients keep JSON errors', async () => {
    const html = await page('/no/such/page')
    expect(html.status).toBe(404)
    expect(html.headers.get('content-type')).toContain('text/html')
    expect(html.headers.get('content-security-policy')).toContain("default-src 'none'")
    expect(html.text).toContain('Not found')
    for (const [path, headers] of [['/api/v1/no-such-route', BROWSER], ['/api/v1/statuses/AAAAAAAAAAAAAAAAAA', BROWSER], ['/no/such/page', {}], ['/no/such/page', { accept: 'application/json' }]] as const) {
      const res = await call('GET', path, { headers })
      expect(res.status).toBe(404)
      expect(res.headers.get('content-type')).toContain('application/json')
      expect(res.json.error).toBeString()
    }
  })
})

describe('sign-up form', () => {
  /** Opens the form like a browser: its CSRF cookie and token, and the captcha fields when there are any. */
  async function openForm(app: Awaited<ReturnType<typeof testApp>>, path = '/auth/sign_up') {
    const res = await page(path, { app })
    const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
    const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(res.text)?.[1]
    return { res, cookie, token: field('authenticity_token')!, field }
  }
  const submit = (app: Awaited<ReturnType<typeof testApp>>, cookie: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
    call('POST', '/auth/sign_up', { app, form, headers: { ...BROWSER, cookie, ...headers } })
  const person = () => {
    const username = uniqueName('signup')
    return { username, email: `${username}@example.test`, password: 'a long enough password', agreement: 'true' }
  }

  test('open registration: the form signs the person up through the core registration and starts a session', async () => {
    const app = await testApp()
    const form = await openForm(app)
    expect(form.res.status).toBe(200)
    expect(form.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(form.res.text).not.toContain('name="token"')
    const who = person()
    const res = await submit(app, form.cookie, { ...who, authenticity_token: form.token, display_name: 'New <b>Bird</b>' })
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe(`/@${who.username}`)
    const session = res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`))!
    expect(session).toContain('HttpOnly')
    const [row] = await ctx.db.select().from(accounts).where(eq(accounts.username, who.username))
    expect(row.displayName).toBe('New <b>Bird</b>')
    const home = await page('/', { headers: { cookie: session.split(';')[0] } })
    expect(home.text).toContain(`Signed in as @${who.username}`)
    // the same name again is refused with the form and the reason, not a 500
    const again = await submit(app, form.cookie, { ...who, email: `other-${who.email}`, authenticity_token: form.token })
    expect(again.status).toBe(422)
    expect(again.text).toContain('role="alert"')
    expect(again.text).toContain(`value="${who.username}"`)
  })

  test('a form without the CSRF token, with another token, or from another site is refused', async () => {
    const app = await testApp()
    const form = await openForm(app)
    const who = person()
    expect((await submit(app, form.cookie, who)).status).toBe(403)
    expect((await submit(app, form.cookie, { ...who, authenticity_token: 'x'.repeat(43) })).status).toBe(403)
    expect((await submit(app, '', { ...who, authenticity_token: form.token })).status).toBe(403)
    expect((await submit(app, form.cookie, { ...who, authenticity_token: form.token }, { origin: 'https://evil.example' })).status).toBe(403)
    expect((await submit(app, form.cookie, { ...who, authenticity_token: form.token }, { 'sec-fetch-site': 'cross-site' })).status).toBe(403)
    expect(await ctx.db.select().from(accounts).where(eq(accounts.username, who.username))).toEqual([])
  })

  test('bad input re-shows the form with the reasons; the password is never echoed', async () => {
    const app = await testApp()
    const form = await openForm(app)
    const res = await submit(app, form.cookie, { username: 'bad name!', email: 'not-an-email', password: 'short-secret-pw', authenticity_token: form.token })
    expect(res.status).toBe(422)
    expect(res.text).toContain('role="alert"')
    expect(res.text).toContain('Agreement must be accepted')
    expect(res.text).not.toContain('short-secret-pw')
  })

  test('closed registration: no form, and a posted one is refused', async () => {
    const app = await testApp(await contextWith({ registrations: 'closed' }))
    expect((await page('/auth/sign_up', { app })).status).toBe(403)
    const open = await openForm(await testApp())
    expect((await submit(app, open.cookie, { ...person(), authenticity_token: open.token })).status).toBe(403)
  })

  test('invite-only registration needs a valid invitation; the invite link fills it in', async () => {
    const app = await testApp(await contextWith({ registrations: 'invite' }))
    const form = await openForm(app)
    expect(form.res.text).toContain('name="token"')
    expect((await submit(app, form.cookie, { ...person(), authenticity_token: form.token })).status).toBe(422)
    expect((await submit(app, form.cookie, { ...person(), token: 'no-such-invite', authenticity_token: form.token })).status).toBeGreaterThanOrEqual(400)
    const invite = await makeInvite(ctx, { maxUse: 1 })
    const link = await openForm(app, `/registration/${invite.token}`)
    expect(link.field('token')).toBe(invite.token)
    const res = await submit(app, link.cookie, { ...person(), token: invite.token, authenticity_token: link.token })
    expect(res.status).toBe(302)
  })

  test('approval registration asks why, and the new account waits for a moderator', async () => {
    const app = await testApp(await contextWith({ registrations: 'approval' }))
    const form = await openForm(app)
    expect(form.res.text).toContain('name="reason"')
    expect((await submit(app, form.cookie, { ...person(), authenticity_token: form.token })).status).toBe(422)
    const who = person()
    const res = await submit(app, form.cookie, { ...who, reason: 'I watch birds', authenticity_token: form.token })
    expect(res.status).toBe(200)
    expect(res.text).toContain('once your account is approved')
    expect(res.headers.getSetCookie().some((c) => c.startsWith(`${SESSION_COOKIE}=`))).toBe(false)
    const [row] = await ctx.db.select({ approved: users.isApproved }).from(users).innerJoin(accounts, eq(accounts.id, users.accountId)).where(eq(accounts.username, who.username))
    expect(row.approved).toBe(false)
    expect((await page(`/@${who.username}`)).status).toBe(404)
  })

  test('with a captcha the form shows it, and a wrong answer is refused', async () => {
    const app = await testApp(await contextWith({ captcha: true }))
    const form = await openForm(app)
    expect(form.res.text).toMatch(/<img class="captcha" src="data:image\/png;base64,/)
    const captcha = { captcha_token: form.field('captcha_token')!, captcha_answer_data: form.field('captcha_answer_data')! }
    expect(captcha.captcha_token).toBeTruthy()
    const who = person()
    const res = await submit(app, form.cookie, { ...who, ...captcha, captcha_solution: 'WRONG', authenticity_token: form.token })
    expect(res.status).toBe(422)
    expect(res.text).toContain('CAPTCHA')
    expect(await ctx.db.select().from(accounts).where(eq(accounts.username, who.username))).toEqual([])
  })
})

describe('sign-in form', () => {
  async function openForm() {
    const res = await page('/auth/sign_in')
    const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
    return { res, cookie, token: /name="authenticity_token" value="([^"]*)"/.exec(res.text)![1] }
  }
  const submit = (cookie: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
    call('POST', '/auth/sign_in', { form, headers: { ...BROWSER, cookie, ...headers } })
  const sessionOf = (res: { headers: Headers }) => res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`))

  test('the landing page links to it, and the right password starts a browser session', async () => {
    expect((await page('/')).text).toContain('href="/auth/sign_in"')
    const who = await makeUser(ctx)
    const form = await openForm()
    expect(form.res.status).toBe(200)
    const res = await submit(form.cookie, { username: who.account.username, password: who.password, authenticity_token: form.token })
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('/')
    const session = sessionOf(res)!
    expect(session).toContain('HttpOnly')
    expect((await page('/', { headers: { cookie: session.split(';')[0] } })).text).toContain(`Signed in as @${who.account.username}`)
  })

  test('a wrong password, a missing or foreign CSRF token, a deactivated or two-factor account start no session', async () => {
    const who = await makeUser(ctx)
    const form = await openForm()
    const good = { username: who.account.username, password: who.password, authenticity_token: form.token }
    const wrong = await submit(form.cookie, { ...good, password: 'not the password' })
    expect(wrong.status).toBe(422)
    expect(wrong.text).toContain('Invalid credentials')
    expect(wrong.text).toContain(`value="${who.account.username}"`)
    expect((await submit(form.cookie, { ...good, authenticity_token: '' })).status).toBe(403)
    expect((await submit('', good)).status).toBe(403)
    expect((await submit(form.cookie, good, { origin: 'https://evil.example' })).status).toBe(403)
    const off = await makeUser(ctx, { user: { isActive: false } })
    expect((await submit(form.cookie, { ...good, username: off.account.username, password: off.password })).status).toBe(403)
    const mfa = await makeUser(ctx, { user: { totpSecret: 'JBSWY3DPEHPK3PXP' } })
    const res = await submit(form.cookie, { ...good, username: mfa.account.username, password: mfa.password })
    expect(res.status).toBe(403)
    expect(res.text).toContain('two-factor')
    for (const r of [wrong, res]) expect(sessionOf(r)).toBeUndefined()
  })
})
