import { beforeAll, describe, expect, test } from 'bun:test'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import type { Ctx } from '../../src/core/context'
import { getTestContext } from '../support/context'
import { makeUser, uniqueName, type MadeUser } from '../support/factories'
import { call, postStatus } from '../support/http'

let ctx: Ctx
let alice: MadeUser
let bob: MadeUser
let tag: string

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => ['item', 'entry', 'link', 'category'].includes(name) })

/** Fetches a feed, checks it is well-formed XML of the expected type, and parses it. */
async function feed(path: string, type: 'rss' | 'atom') {
  const res = await call('GET', path)
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toBe(type === 'rss' ? 'application/rss+xml; charset=utf-8' : 'application/atom+xml; charset=utf-8')
  expect(XMLValidator.validate(res.text)).toBe(true)
  return { text: res.text, doc: parser.parse(res.text) }
}

const isRfc822 = (s: string) => /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(s) && !Number.isNaN(Date.parse(s))
const isRfc3339 = (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(s)

/** RSS 2.0's required elements: channel title, link and description; each item a title or description, here both with a guid. */
function expectRss(doc: any) {
  expect(doc.rss['@version']).toBe('2.0')
  const channel = doc.rss.channel
  for (const k of ['title', 'link', 'description']) expect(String(channel[k] ?? '')).not.toBe('')
  const items = channel.item ?? []
  for (const item of items) {
    expect(String(item.title)).not.toBe('')
    expect(String(item.description)).not.toBe('')
    expect(String(item.guid['#text'])).toMatch(/^https:\/\//)
    expect(String(item.link[0])).toBe(String(item.guid['#text']))
    expect(isRfc822(item.pubDate)).toBe(true)
  }
  return items as any[]
}

/** Atom's required elements (RFC 4287 §4.1): feed id, title, updated, an author, a self link; each entry id, title, updated and a link or content. */
function expectAtom(doc: any) {
  const f = doc.feed
  expect(f['@xmlns']).toBe('http://www.w3.org/2005/Atom')
  for (const k of ['id', 'title']) expect(String(f[k] ?? '')).not.toBe('')
  expect(isRfc3339(f.updated)).toBe(true)
  expect(f.author.name).toBeTruthy()
  expect(f.link.some((l: any) => l['@rel'] === 'self')).toBe(true)
  const entries = f.entry ?? []
  for (const e of entries) {
    expect(String(e.id)).toMatch(/^https:\/\//)
    expect(String(e.title)).not.toBe('')
    expect(isRfc3339(e.updated)).toBe(true)
    expect(isRfc3339(e.published)).toBe(true)
    expect(e.link.find((l: any) => l['@rel'] === 'alternate')['@href']).toMatch(/^https:\/\//)
    expect(e.content['@type']).toBe('html')
  }
  return entries as any[]
}

beforeAll(async () => {
  ctx = await getTestContext()
  tag = uniqueName('feed').toLowerCase()
  alice = await makeUser(ctx, { account: { displayName: 'Alice & "friends" <b>' } })
  bob = await makeUser(ctx)
  await postStatus(alice, { status: `first public post #${tag} with <markup> & "quotes"` })
  await postStatus(alice, { status: `behind a warning #${tag}`, spoiler_text: 'spoilers ahead' })
  await postStatus(alice, { status: 'control \u0001 character and emoji 🐦' })
  await postStatus(alice, { status: `unlisted secret #${tag}`, visibility: 'unlisted' })
  await postStatus(alice, { status: `private secret #${tag}`, visibility: 'private' })
  await postStatus(alice, { status: `@${bob.account.username} direct secret #${tag}`, visibility: 'direct' })
})

describe('account feeds', () => {
  test('RSS at /@name.rss and /users/:name/feed.rss: valid, public posts only, newest first', async () => {
    for (const path of [`/@${alice.account.username}.rss`, `/users/${alice.account.username}/feed.rss`]) {
      const { text, doc } = await feed(path, 'rss')
      const items = expectRss(doc)
      expect(items.map((i) => String(i.title))).toEqual(['control character and emoji 🐦', 'CW: spoilers ahead', `first public post #${tag} with <markup> & "quotes"`])
      expect(text).not.toContain('secret')
      expect(doc.rss.channel.title).toBe(`Alice & "friends" <b> (@${alice.account.username}@${ctx.config.domain})`)
      expect(doc.rss.channel.link).toEqual([`${ctx.config.baseUrl}/@${alice.account.username}`])
      expect(String(items[2].description)).toContain('&lt;markup&gt;')
      expect(items[2].category.map(String)).toEqual([tag])
      expect(items[0].link[0]).toMatch(new RegExp(`^${ctx.config.baseUrl}/@${alice.account.username}/[0-9A-Za-z]+$`))
    }
  })

  test('Atom at /@name.atom and /users/:name/feed.atom: valid, public posts only', async () => {
    for (const path of [`/@${alice.account.username}.atom`, `/users/${alice.account.username}/feed.atom`]) {
      const { text, doc } = await feed(path, 'atom')
      const entries = expectAtom(doc)
      expect(entries).toHaveLength(3)
      expect(text).not.toContain('secret')
      expect(String(entries[1].content['#text'])).toContain('CW: spoilers ahead')
      expect(doc.feed.link.find((l: any) => l['@rel'] === 'self')['@href']).toBe(`${ctx.config.baseUrl}/@${alice.account.username}.atom`)
    }
  })

  test('an account without posts has a valid empty feed; hidden and unknown accounts have none', async () => {
    const quiet = await makeUser(ctx)
    expect(expectRss((await feed(`/@${quiet.account.username}.rss`, 'rss')).doc)).toEqual([])
    expect(expectAtom((await feed(`/@${quiet.account.username}.atom`, 'atom')).doc)).toEqual([])
    const suspended = await makeUser(ctx, { account: { suspendedAt: new Date() } })
    const deactivated = await makeUser(ctx, { user: { isActive: false } })
    for (const name of [suspended.account.username, deactivated.account.username, uniqueName('nobody')]) {
      for (const path of [`/@${name}.rss`, `/@${name}.atom`, `/users/${name}/feed.rss`, `/users/${name}/feed.atom`]) {
        const res = await call('GET', path)
        expect(res.status).toBe(404)
        expect(res.json.error).toBeString()
      }
    }
  })
})

describe('hashtag feeds', () => {
  test('/tags/:name.rss and .atom list public posts with the tag, never unlisted, private or direct ones', async () => {
    const rss = await feed(`/tags/${tag}.rss`, 'rss')
    const items = expectRss(rss.doc)
    expect(items.map((i) => String(i.title))).toEqual(['CW: spoilers ahead', `first public post #${tag} with <markup> & "quotes"`])
    expect(rss.text).not.toContain('secret')
    const atom = await feed(`/tags/${tag.toUpperCase()}.atom`, 'atom')
    expect(expectAtom(atom.doc)).toHaveLength(2)
    expect(atom.text).not.toContain('secret')
    expect(expectRss((await feed(`/tags/${uniqueName('empty')}.rss`, 'rss')).doc)).toEqual([])
  })
})
