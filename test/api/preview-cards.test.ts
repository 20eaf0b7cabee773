// Link previews: the durable card job against a loopback web server, the card in Status entities and on streams,
// Pleroma's card endpoint and oEmbed for our own statuses.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { attachPreviewCard, PREVIEW_CARD_QUEUE, sanitizeEmbedHtml } from '../../src/core/cards/fetch-card'
import { firstCardLink } from '../../src/core/cards/links'
import { decodePage } from '../../src/core/cards/parse'
import type { Ctx } from '../../src/core/context'
import { startJobs, type Jobs } from '../../src/core/jobs'
import { followAccount } from '../../src/core/relationships/follow'
import { postStatus } from '../../src/core/statuses/post-status'
import { createApp, type App } from '../../src/server/app'
import { contextWith, TEST_DOMAIN } from '../support/context'
import { makeUser, type MadeUser } from '../support/factories'
import { call as callApp, type CallOptions } from '../support/http'
import { pngFixture } from '../support/media-fixtures'
import { expectShape, hasContracts } from '../support/shape'
import { TestSocket } from '../support/websocket'

let ctx: Ctx & { jobs: Jobs }
let jobs: Jobs
let app: App
let pages: ReturnType<typeof Bun.serve>
let origin: string
const hits = new Map<string, number>()
const sockets: TestSocket[] = []
const processed = new Set<string>()

setDefaultTimeout(30_000)

const enc = (s: string) => new TextEncoder().encode(s)
const latin1 = (s: string): Uint8Array<ArrayBuffer> => Uint8Array.from([...s].map((c) => c.charCodeAt(0)))

const ogPage = (title: string, extra = '') => `<!doctype html><html lang="fr-FR"><head><meta charset="utf-8">
<title>Plain title</title>
<meta property="og:title" content="${title}">
<meta property="og:description" content="A description &amp; more">
<meta property="og:site_name" content="Loopback News">
<meta property="og:image" content="/image.png">
<meta property="article:published_time" content="2026-01-02T03:04:05Z">
<meta name="author" content="Jo Writer">
${extra}</head><body><p>Hello</p></body></html>`

function servePages() {
  return Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      const path = new URL(req.url).pathname
      hits.set(path, (hits.get(path) ?? 0) + 1)
      const html = (body: Uint8Array<ArrayBuffer> | string, type = 'text/html; charset=utf-8') => new Response(body, { headers: { 'content-type': type } })
      switch (path) {
        case '/utf8': return html(ogPage('Café ☕ déjà vu'))
        case '/second': return html(ogPage('Second page'))
        case '/third': return html(ogPage('Third page'))
        case '/latin1': return html(latin1(ogPage('Crème brûlée à Zürich').replace('utf-8', 'iso-8859-1')), 'text/html; charset=ISO-8859-1')
        case '/latin1-meta': return html(latin1(ogPage('Fête foraine').replace('<meta charset="utf-8">', '<meta charset="iso-8859-1">')), 'text/html')
        case '/image.png': return new Response(pngFixture(320, 200) as Uint8Array<ArrayBuffer>, { headers: { 'content-type': 'image/png' } })
        case '/video':
          return html(ogPage('A video', `<link rel="alternate" type="application/json+oembed" href="${origin}/oembed.json">`))
        case '/oembed.json':
          return Response.json({
            type: 'video', version: '1.0', title: 'Embedded video', author_name: 'Vid Maker', author_url: 'https://video.example/vid',
            provider_name: 'Video Site', provider_url: 'https://video.example/', width: 480, height: 270,
            html: '<iframe src="https://video.example/embed/1" width="480" height="270" onload="alert(1)"></iframe><script>alert(2)</script>',
          })
        case '/slow':
          await Bun.sleep(12_000)
          return html(ogPage('Too slow'))
        case '/huge-early': return html(ogPage('Big but early', `<!--${'x'.repeat(3 * 1024 * 1024)}-->`))
        case '/huge-late':
          return html(`<!doctype html><html><head><!--${'x'.repeat(1200 * 1024)}--><meta property="og:title" content="Past the cap"></head></html>`)
        case '/untitled': return html('<html><head></head><body>nothing</body></html>')
        case '/redirect-private': return Response.redirect('http://10.20.30.40/latest/meta-data', 302)
        case '/redirect-file': return Response.redirect('file:///etc/passwd', 302)
        default: return new Response('not found', { status: 404 })
      }
    },
  })
}

beforeAll(async () => {
  pages = servePages()
  origin = `http://127.0.0.1:${pages.port}`
  // This machine's loopback server is reachable; every other private address stays refused.
  const base = await contextWith({ fetchPrivateNetwork: 'loopback' })
  jobs = await startJobs(base.database, { supervise: false, queues: ['statuses.card'] })
  ctx = { ...base, jobs }
  app = createApp(ctx).listen({ hostname: '127.0.0.1', port: 0 })
  await app.decorator.streaming.start()
  await jobs.work<{ statusId: string }>(PREVIEW_CARD_QUEUE, async ({ statusId }) => {
    try {
      await attachPreviewCard(ctx, statusId)
    } finally {
      processed.add(statusId)
    }
  })
})

afterAll(async () => {
  for (const s of sockets) s.close()
  await jobs.stop()
  await app.decorator.streaming.stop()
  await app.stop(true)
  pages.stop(true)
}, 20_000)

const call = (method: string, path: string, opts: CallOptions = {}) => callApp(method, path, { ...opts, app })

async function post(who: MadeUser, json: Record<string, unknown>): Promise<{ id: string; url: string; card: unknown }> {
  const res = await call('POST', '/api/v1/statuses', { token: who.token, json })
  expect(res.status).toBe(200)
  return res.json
}

/** Waits until the card jobs of these statuses have run (each run is recorded again), at most `ms`. */
async function settle(ids: string[], ms = 20_000) {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (ids.every((id) => processed.has(id))) {
      for (const id of ids) processed.delete(id)
      return
    }
    await Bun.sleep(100)
  }
  throw new Error('the card jobs did not finish in time')
}

async function cardOf(id: string, token?: string) {
  return call('GET', `/api/v1/statuses/${id}/card`, { token })
}

describe('the card job', () => {
  let alice: MadeUser
  let bob: MadeUser
  beforeAll(async () => {
    ;[alice, bob] = [await makeUser(ctx), await makeUser(ctx)]
  })

  test('reads OpenGraph from a UTF-8 page, stores the image through the media pipeline, and renders the card', async () => {
    const status = await post(alice, { status: `Look at ${origin}/utf8 today` })
    expect(status.card).toBeNull()
    await settle([status.id])
    const res = await call('GET', `/api/v1/statuses/${status.id}`, { token: bob.token })
    expect(res.status).toBe(200)
    const card = res.json.card
    expect(card).toMatchObject({
      url: `${origin}/utf8`, type: 'link', title: 'Café ☕ déjà vu', description: 'A description & more', provider_name: 'Loopback News',
      author_name: 'Jo Writer', language: 'fr', html: '', published_at: '2026-01-02T03:04:05.000Z',
    })
    expect(card.image).toStartWith('http')
    expect(card.image).not.toContain(origin)
    expect(card.blurhash).toBeString()
    expect(card.width).toBe(320)
    expect(card.height).toBe(200)
    const image = await call('GET', new URL(card.image).pathname)
    expect(image.status).toBe(200)
    if (hasContracts()) expectShape(res.json, 'Status')
    const direct = await cardOf(status.id, bob.token)
    expect(direct.status).toBe(200)
    expect(direct.json).toEqual(card)
    if (hasContracts()) expectShape(direct.json, 'PreviewCard')
    const anonymous = await cardOf(status.id)
    expect(anonymous.json.title).toBe('Café ☕ déjà vu')
  })

  test('decodes ISO-8859-1 pages by their Content-Type or their <meta charset>', async () => {
    const a = await post(alice, { status: `${origin}/latin1` })
    const b = await post(alice, { status: `and ${origin}/latin1-meta` })
    await settle([a.id, b.id])
    expect((await cardOf(a.id)).json.title).toBe('Crème brûlée à Zürich')
    expect((await cardOf(b.id)).json.title).toBe('Fête foraine')
    expect(decodePage(latin1('<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">\xe9'), null)).toEndWith('é')
    expect(decodePage(Uint8Array.from([0xef, 0xbb, 0xbf, ...enc('é')]), 'text/html; charset=iso-8859-1')).toBe('é')
  })

  test('oEmbed discovery gives a video card whose HTML keeps only the iframe', async () => {
    const status = await post(alice, { status: `${origin}/video` })
    await settle([status.id])
    const card = (await cardOf(status.id)).json
    expect(card).toMatchObject({ type: 'video', title: 'Embedded video', author_name: 'Vid Maker', provider_name: 'Video Site', width: 480, height: 270 })
    expect(card.html).toBe('<iframe src="https://video.example/embed/1" width="480" height="270"></iframe>')
    expect(sanitizeEmbedHtml('<iframe src="http://plain.example/x"></iframe>')).toBe('')
    expect(sanitizeEmbedHtml('<iframe src="javascript:alert(1)"></iframe>')).toBe('')
    expect(sanitizeEmbedHtml('<p>text</p><img src="https://x.example/a.png">')).toBe('')
  })

  test('a page that answers too slowly gets no card, within the time limit', async () => {
    const status = await post(alice, { status: `${origin}/slow` })
    const started = Date.now()
    await settle([status.id], 25_000)
    expect(Date.now() - started).toBeLessThan(20_000)
    expect(hits.get('/slow')).toBe(1)
    expect((await cardOf(status.id)).json).toEqual({})
  }, 30_000)

  test('only the first megabyte of a page is read', async () => {
    const early = await post(alice, { status: `${origin}/huge-early` })
    const late = await post(alice, { status: `${origin}/huge-late` })
    await settle([early.id, late.id])
    expect((await cardOf(early.id)).json.title).toBe('Big but early')
    expect((await cardOf(late.id)).json).toEqual({})
  })

  test('private addresses are refused, also when a redirect leads to one; so is a redirect to another scheme', async () => {
    const status = await post(alice, { status: `${origin}/redirect-private` })
    const other = await post(alice, { status: `${origin}/redirect-file` })
    await settle([status.id, other.id])
    expect(hits.get('/redirect-private')).toBe(1)
    expect(hits.get('/redirect-file')).toBe(1)
    expect((await cardOf(status.id)).json).toEqual({})
    expect((await cardOf(other.id)).json).toEqual({})

    // Without the configuration flag even this machine's loopback server is never contacted.
    const strict: Ctx = { ...ctx, jobs: undefined, config: { ...ctx.config, fetchPrivateNetwork: false } }
    const row = await postStatus(strict, { accountId: alice.account.id }, { status: `${origin}/third` })
    expect(await attachPreviewCard(strict, row.id)).toBeNull()
    expect(hits.get('/third')).toBeUndefined()
    expect((await cardOf(row.id)).json).toEqual({})
  })

  test('pages without a title, mentions, hashtags and links into this instance give no card', async () => {
    const untitled = await post(alice, { status: `${origin}/untitled` })
    const local = await post(alice, { status: `@${bob.account.username} #cards https://${TEST_DOMAIN}/@${bob.account.username}/123` })
    await settle([untitled.id])
    expect(await attachPreviewCard(ctx, local.id)).toBeNull()
    expect(processed.has(local.id)).toBe(false)
    expect((await cardOf(untitled.id)).json).toEqual({})
    expect((await cardOf(local.id)).json).toEqual({})
    expect(firstCardLink('<a href="https://a.example/" class="mention">@a</a> <a href="ftp://x/">x</a> <a href="https://b.example/p">b</a>', 'https://rookery.test'))
      .toBe('https://b.example/p')
    expect(firstCardLink('<p>plain words, <b>bold</b> ones</p>', 'https://rookery.test')).toBeNull()
    expect(firstCardLink('<p><A\nHREF="https://c.example/">c</A></p>', 'https://rookery.test')).toBe('https://c.example/')
    expect(firstCardLink('<p><a/href="https://d.example/">d</a></p>', 'https://rookery.test')).toBe('https://d.example/')
  })

  test('editing the link replaces the card; removing it drops the card', async () => {
    const status = await post(alice, { status: `first ${origin}/utf8` })
    await settle([status.id])
    expect((await cardOf(status.id)).json.title).toBe('Café ☕ déjà vu')
    expect((await call('PUT', `/api/v1/statuses/${status.id}`, { token: alice.token, json: { status: `now ${origin}/second` } })).status).toBe(200)
    await settle([status.id])
    expect((await cardOf(status.id)).json.title).toBe('Second page')
    expect((await call('PUT', `/api/v1/statuses/${status.id}`, { token: alice.token, json: { status: 'no link any more' } })).status).toBe(200)
    expect((await cardOf(status.id)).json).toEqual({})
  })

  test('the card reaches open streams as status.update', async () => {
    await followAccount(ctx, bob.account.id, alice.account)
    const socket = await TestSocket.open(`ws://127.0.0.1:${app.server!.port}/api/v1/streaming?stream=user&access_token=${bob.token}`)
    sockets.push(socket)
    const status = await post(alice, { status: `streamed ${origin}/second` })
    const msg = await socket.next((m) => m.event === 'status.update' && m.body?.id === status.id, 15_000)
    expect(msg.body.card.title).toBe('Second page')
  })

  test('the card of a private status never shows to others', async () => {
    const carol = await makeUser(ctx)
    const status = await post(alice, { status: `secret ${origin}/utf8`, visibility: 'private' })
    await settle([status.id])
    const own = await call('GET', `/api/v1/statuses/${status.id}`, { token: alice.token })
    expect(own.json.card.title).toBe('Café ☕ déjà vu')
    expect((await cardOf(status.id, alice.token)).status).toBe(200)
    for (const token of [carol.token, undefined]) {
      const res = await cardOf(status.id, token)
      expect(res.status).toBe(404)
      expect(res.json.error).toBeString()
      expect((await call('GET', `/api/v1/statuses/${status.id}`, { token })).status).toBe(404)
    }
    const timeline = await call('GET', '/api/v1/timelines/public', { token: carol.token })
    expect(timeline.json.map((s: { id: string }) => s.id)).not.toContain(status.id)
  })
})

describe('GET /api/v1/statuses/:id/card', () => {
  test('unknown and malformed ids are 404; a status without a link has an empty card', async () => {
    const dave = await makeUser(ctx)
    expect((await cardOf('AAAAAAAAAAAAAAAAAA', dave.token)).status).toBe(404)
    expect((await cardOf('nope', dave.token)).status).toBe(404)
    const plain = await post(dave, { status: 'just words' })
    const res = await cardOf(plain.id, dave.token)
    expect(res.status).toBe(200)
    expect(res.json).toEqual({})
  })

  test('a token without a read scope is refused', async () => {
    const erin = await makeUser(ctx, { scopes: ['write:statuses'] })
    const plain = await post(erin, { status: 'scoped' })
    expect((await cardOf(plain.id, erin.token)).status).toBe(403)
  })
})

describe('GET /api/oembed', () => {
  test('embeds our own public status', async () => {
    const frank = await makeUser(ctx, { account: { displayName: 'Frank <b>F</b>' } })
    const status = await post(frank, { status: 'embed <me>' })
    const res = await call('GET', '/api/oembed', { query: { url: status.url, maxwidth: '300' } })
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({
      type: 'rich', version: '1.0', author_name: 'Frank <b>F</b>', provider_name: TEST_DOMAIN, width: 300, height: null,
    })
    expect(res.json.html).toContain('embed &lt;me&gt;')
    expect(res.json.html).toContain('Frank &lt;b&gt;F&lt;/b&gt;')
    expect(res.json.html).not.toContain('<b>')
    const byUri = await call('GET', '/api/oembed', { query: { url: `https://${TEST_DOMAIN}/users/${frank.account.username}/statuses/${status.id}` } })
    expect(byUri.status).toBe(200)
  })

  test('private, direct, unknown and foreign statuses are not found; a missing url is a bad request', async () => {
    const gina = await makeUser(ctx)
    const priv = await post(gina, { status: 'private words', visibility: 'private' })
    const direct = await post(gina, { status: 'direct words', visibility: 'direct' })
    for (const url of [priv.url, direct.url, `https://${TEST_DOMAIN}/@${gina.account.username}/AAAAAAAAAAAAAAAAAA`, `https://elsewhere.example/@x/${priv.id}`, 'not a url']) {
      const res = await call('GET', '/api/oembed', { query: { url } })
      expect(res.status).toBe(404)
      expect(res.json.error).toBeString()
    }
    const missing = await call('GET', '/api/oembed')
    expect(missing.status).toBe(400)
    expect(missing.json.error).toBeString()
  })
})
