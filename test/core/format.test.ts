import { beforeAll, describe, expect, test } from 'bun:test'
import type { Ctx } from '../../src/core/context'
import {
  countableLength, formatContent, htmlToPlainText, prepareContent, renderContent, type ContentType, type MentionTarget,
} from '../../src/core/statuses/format'
import { accounts } from '../../src/db/schema'
import { getTestContext } from '../support/context'
import { makeUser, uniqueName } from '../support/factories'

const opts = { baseUrl: 'https://rookery.test', domain: 'rookery.test' }
const bob: MentionTarget = { id: 'BOB', username: 'bob', domain: null, url: 'https://rookery.test/@bob', uri: null }
const al: MentionTarget = { id: 'AL', username: 'al', domain: 'ex.social', url: 'https://ex.social/@al', uri: null }
const resolved = new Map([['bob@', bob], ['al@ex.social', al]])

function format(source: string, type: ContentType = 'text/plain') {
  return renderContent(source, prepareContent(source, type, opts), resolved, opts)
}

/** No executable markup may survive, whatever the input. */
function expectInert(html: string) {
  expect(html).not.toMatch(/<script|<style|<iframe|<img|<object|<svg|<math/i)
  expect(html).not.toMatch(/<[^>]*\son[a-z]+\s*=/i) // no event handler attribute
  expect(html).not.toMatch(/<[^>]*(javascript|vbscript|data):/i) // no dangerous scheme inside any tag
  expect(html).not.toMatch(/<[^>]*\sstyle\s*=/i)
}

describe('text/plain', () => {
  test('escapes HTML, makes paragraphs and line breaks', () => {
    const r = format('  Hello <b>"world"</b> & \'friends\'\nsecond line\n\n\nnew paragraph  ')
    expect(r.html).toBe('<p>Hello &lt;b&gt;"world"&lt;/b&gt; &amp; \'friends\'<br />second line</p><p>new paragraph</p>')
    expect(r.text).toBe('  Hello <b>"world"</b> & \'friends\'\nsecond line\n\n\nnew paragraph  ')
  })

  test('links http(s) URLs with Mastodon\'s invisible/ellipsis spans, leaves bare domains and e-mail addresses alone', () => {
    const long = 'https://www.example.com/a/very/long/path/that/goes/on/and/on?x=1#frag'
    const r = format(`see ${long}, (https://x.org/a) example.org me@example.net`)
    expect(r.html).toContain(`<a href="${long}" rel="nofollow noopener noreferrer" target="_blank"><span class="invisible">https://www.</span><span class="ellipsis">example.com/a/very/long/path/t</span><span class="invisible">hat/goes/on/and/on?x=1#frag</span></a>,`)
    expect(r.html).toContain('(<a href="https://x.org/a" rel="nofollow noopener noreferrer" target="_blank"><span class="invisible">https://</span><span>x.org/a</span></a>)')
    expect(r.html).toContain(' example.org me@example.net')
    expect(r.tags).toEqual([])
  })

  test('renders resolved local and remote mentions as h-cards; unresolved ones stay text', () => {
    const r = format('hi @bob, @al@ex.social and @bob@rookery.test but not @nobody or @ghost@elsewhere.example')
    expect(r.html).toContain('<span class="h-card"><a href="https://rookery.test/@bob" class="u-url mention">@<span>bob</span></a></span>,')
    expect(r.html).toContain('<span class="h-card"><a href="https://ex.social/@al" class="u-url mention">@<span>al</span></a></span> and')
    expect(r.html).toContain('but not @nobody or @ghost@elsewhere.example')
    expect(r.mentions).toEqual(['BOB', 'AL'])
  })

  test('hashtags: unicode letters, lowercased names, not numbers, not inside URLs or words', () => {
    const r = format('#Café #日本語 #tag_1 #123 word#nope https://example.com/page#anchor (#paren) #Café')
    expect(r.tags).toEqual(['café', '日本語', 'tag_1', 'paren'])
    expect(r.html).toContain('<a href="https://rookery.test/tags/caf%C3%A9" class="mention hashtag" rel="tag">#<span>Café</span></a>')
    expect(r.html).toContain(' #123 word#nope ')
    expect(r.html).toContain('href="https://example.com/page#anchor"')
  })

  test('a script typed as text is shown, never run', () => {
    const r = format('<script>alert(1)</script><img src=x onerror=alert(1)> javascript:alert(1)')
    expect(r.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(r.html).not.toContain('<a')
  })
})

describe('text/markdown', () => {
  test('renders emphasis, links, lists, quotes and code; headings become bold paragraphs', () => {
    const r = format('# Title\n\n**bold** _em_ [site](https://ok.example)\n\n- one\n- two\n\n> quoted\n\n`@bob #nottag`', 'text/markdown')
    expect(r.html).toContain('<p><strong>Title</strong></p>')
    expect(r.html).toContain('<strong>bold</strong> <em>em</em> <a href="https://ok.example" rel="nofollow noopener noreferrer" target="_blank">site</a>')
    expect(r.html).toContain('<ul>')
    expect(r.html).toContain('<blockquote>')
    expect(r.html).toContain('<code>@bob #nottag</code>')
    expect(r.tags).toEqual([])
    expect(r.mentions).toEqual([])
  })

  test('mentions and hashtags work outside code', () => {
    const r = format('hey @bob look at #this', 'text/markdown')
    expect(r.mentions).toEqual(['BOB'])
    expect(r.tags).toEqual(['this'])
  })

  test('neutralises XSS attempts', () => {
    for (const src of [
      '[x](javascript:alert(1))',
      '<script>alert(1)</script>',
      '![img](https://x.example/a.png" onerror="alert(1))',
      '<img src=x onerror=alert(1)>',
      '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
      '<a href="javascript:alert(1)">x</a>',
      '[x](vbscript:msgbox)',
    ]) {
      const r = format(src, 'text/markdown')
      expectInert(r.html)
    }
  })
})

describe('text/html', () => {
  test('keeps allowed formatting, drops everything else', () => {
    const r = format('<p style="color:red" onclick="x()">Hi <em>there</em> <strong>you</strong> <u>u</u> <s>s</s> <del>d</del></p><ul><li>1</li></ul><h2>Head</h2><blockquote>q</blockquote><pre><code>c</code></pre>', 'text/html')
    expect(r.html).toBe('<p>Hi <em>there</em> <strong>you</strong> <u>u</u> <s>s</s> <del>d</del></p><ul><li>1</li></ul><p><strong>Head</strong></p><blockquote>q</blockquote><pre><code>c</code></pre>')
  })

  test('only http(s) and mailto links survive; they get rel and target; user classes are stripped', () => {
    const r = format('<a href="https://ok.example" class="mention hashtag" rel="tag">ok</a> <a href="mailto:a@b.example">mail</a> <a href="javascript:alert(1)">bad</a> <a href="//evil.example">proto</a>', 'text/html')
    expect(r.html).toContain('<a href="https://ok.example" rel="nofollow noopener noreferrer" target="_blank">ok</a>')
    expect(r.html).toContain('<a href="mailto:a@b.example" rel="nofollow noopener noreferrer" target="_blank">mail</a>')
    expect(r.html).not.toContain('javascript')
    expect(r.html).not.toContain('evil.example')
    expect(r.html).not.toContain('class="mention hashtag"')
  })

  test('neutralises the XSS corpus', () => {
    for (const src of [
      '<script>alert(1)</script>',
      '<img src=x onerror=alert(1)>',
      '<svg onload=alert(1)>',
      '<iframe src="javascript:alert(1)"></iframe>',
      '<a href="JaVaScRiPt:alert(1)">x</a>',
      '<a href="&#106;avascript:alert(1)">x</a>',
      '<div style="background:url(javascript:alert(1))">x</div>',
      '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>',
      '<p title="</p><script>alert(1)</script>">x</p>',
      '<object data="data:text/html,<script>alert(1)</script>"></object>',
      '<<script>script>alert(1)<</script>/script>',
      '<a href="https://ok.example" onmouseover="alert(1)">x</a>',
      '<form action="javascript:alert(1)"><button>x</button></form>',
    ]) {
      expectInert(format(src, 'text/html').html)
    }
  })

  test('mentions, hashtags and links are found in text nodes but not inside existing links or code', () => {
    const r = format('<p>@bob <a href="https://a.example">#inlink @bob</a> <code>#code</code> #real https://b.example</p>', 'text/html')
    expect(r.mentions).toEqual(['BOB'])
    expect(r.tags).toEqual(['real'])
    expect(r.html).toContain('<a href="https://a.example" rel="nofollow noopener noreferrer" target="_blank">#inlink @bob</a>')
    expect(r.html).toContain('href="https://b.example"')
  })
})

describe('plain text of rendered HTML', () => {
  test('keeps paragraphs and line breaks and decodes entities', () => {
    expect(htmlToPlainText('<p>a &amp; b<br />c</p><p>d &lt;e&gt;</p>')).toBe('a & b\nc\n\nd <e>')
  })
})

describe('countable length', () => {
  test('URLs count 23, remote mentions only their user part, emoji sequences one', () => {
    expect(countableLength('abc')).toBe(3)
    expect(countableLength(`https://example.com/${'a'.repeat(200)}`)).toBe(23)
    expect(countableLength('@al@ex.social')).toBe(3)
    expect(countableLength('👍🏽👨‍👩‍👧')).toBe(2)
  })
})

describe('resolving mentions against the accounts table', () => {
  let ctx: Ctx
  beforeAll(async () => { ctx = await getTestContext() })

  test('local users and already known remote accounts resolve; suspended and unknown ones do not', async () => {
    const local = await makeUser(ctx)
    const remoteName = uniqueName('remote')
    const [remote] = await ctx.db.insert(accounts).values({ username: remoteName, domain: 'far.example', url: `https://far.example/@${remoteName}`, uri: `https://far.example/users/${remoteName}` }).returning()
    const suspended = await makeUser(ctx, { account: { suspendedAt: new Date() } })
    const src = `@${local.account.username.toUpperCase()} @${remoteName}@FAR.example @${suspended.account.username} @${remoteName} @nobody_${remoteName}`
    const r = await formatContent(ctx.db, src, 'text/plain', { baseUrl: ctx.config.baseUrl, domain: ctx.config.domain })
    expect(r.mentions).toEqual([local.account.id, remote.id])
    expect(r.html).toContain(`<a href="https://far.example/@${remoteName}" class="u-url mention">@<span>${remoteName}</span></a>`)
    expect(r.html).toContain(`@${suspended.account.username} @${remoteName} @nobody_`)
  })
})
