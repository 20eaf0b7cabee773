import { and, eq, isNull, or, sql, type SQL } from 'drizzle-orm'
import type MarkdownIt from 'markdown-it'
import type sanitizeHtml from 'sanitize-html'
import type { DbLike } from '../../db/client'
import { accounts } from '../../db/schema'

/**
 * Status source → safe HTML. Every content type goes through the same steps:
 *   1. source → "base" HTML (plain: escaped paragraphs; markdown: markdown-it; html: sanitized input);
 *   2. text nodes outside links and code get links, @mentions and #hashtags;
 *   3. the result is sanitized once more with the output allowlist, whatever happened before.
 */

// The HTML libraries (sanitize-html with postcss and htmlparser2, markdown-it, linkifyjs) are required by the first
// status formatted rather than at start: an idle server does not carry them.
let sanitizer: typeof sanitizeHtml | null = null
const sanitize = (html: string, policy: sanitizeHtml.IOptions) => (sanitizer ??= require('sanitize-html') as typeof sanitizeHtml)(html, policy)
let markdownParser: MarkdownIt | null = null
const markdown = () =>
  (markdownParser ??= new (require('markdown-it') as typeof MarkdownIt)({ html: false, linkify: false, breaks: true, typographer: false }))
let linkifier: typeof import('linkifyjs') | null = null
const linkify = () => (linkifier ??= require('linkifyjs') as typeof import('linkifyjs'))

export const CONTENT_TYPES = ['text/plain', 'text/markdown', 'text/html'] as const
export type ContentType = (typeof CONTENT_TYPES)[number]

export function isContentType(value: unknown): value is ContentType {
  return typeof value === 'string' && (CONTENT_TYPES as readonly string[]).includes(value)
}

/** An account a mention may point to. */
export interface MentionTarget {
  id: string
  username: string
  /** null for local accounts */
  domain: string | null
  url: string | null
  uri: string | null
}

export interface FormattedContent {
  /** sanitized HTML for `content` */
  html: string
  /** the author's source text, as stored for editing and redrafting */
  text: string
  /** ids of the accounts mentioned in the text, in order of first appearance */
  mentions: string[]
  /** hashtag names (lowercase), in order of first appearance */
  tags: string[]
}

export interface FormatOptions {
  baseUrl: string
  /** the local domain: `@nick@<domain>` is a local mention */
  domain: string
}

// ---------------------------------------------------------------------------------------------- escaping

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'", apos: "'", nbsp: '\u00a0' }

/** Decodes the few entities our own HTML (and sanitize-html's output) can contain. */
export function decodeBasicEntities(html: string): string {
  return html.replace(/&(amp|lt|gt|quot|#39|#x27|apos|nbsp);/g, (_, name: string) => ENTITIES[name])
}

// ---------------------------------------------------------------------------------------------- sanitizing

const SCHEMES = ['http', 'https', 'mailto']
const HEADINGS = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6']
const BLOCK_TAGS = ['p', 'br', 'blockquote', 'pre', 'ul', 'ol', 'li']
const INLINE_TAGS = ['a', 'span', 'strong', 'b', 'em', 'i', 'u', 's', 'del', 'code', 'sub', 'sup', 'abbr']

/**
 * What a local author may write in text/html (Pleroma's default scrubber): formatting, lists, quotes, code and links;
 * no classes, styles, images, frames or scripts. Headings are turned into bold paragraphs afterwards.
 */
const INPUT_POLICY: sanitizeHtml.IOptions = {
  allowedTags: [...BLOCK_TAGS, ...INLINE_TAGS, ...HEADINGS],
  allowedAttributes: { a: ['href'], abbr: ['title'] },
  allowedSchemes: SCHEMES,
  allowedSchemesAppliedToAttributes: ['href'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'iframe', 'object', 'template', 'svg', 'math'],
}

const isOurLink = (attribs: Record<string, string>) => /(^|\s)(mention|hashtag)(\s|$)/.test(attribs.class ?? '')

/** The final allowlist for stored content: the input set plus the microformat classes we generate ourselves. */
const OUTPUT_POLICY: sanitizeHtml.IOptions = {
  allowedTags: [...BLOCK_TAGS, ...INLINE_TAGS],
  allowedAttributes: { a: ['href', 'rel', 'class', 'target'], span: ['class'], abbr: ['title'] },
  allowedClasses: { a: ['u-url', 'mention', 'hashtag'], span: ['h-card', 'invisible', 'ellipsis'] },
  allowedSchemes: SCHEMES,
  allowedSchemesAppliedToAttributes: ['href'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  nonTextTags: INPUT_POLICY.nonTextTags,
  transformTags: {
    a: (tagName, attribs) => {
      if (!attribs.href) return { tagName: 'span', attribs: {} }
      if (isOurLink(attribs)) return { tagName, attribs }
      return { tagName, attribs: { href: attribs.href, rel: 'nofollow noopener noreferrer', target: '_blank' } }
    },
  },
}

export function sanitizeContent(html: string): string {
  return sanitize(html, OUTPUT_POLICY)
}

/** Headings are not part of a status: keep their emphasis as a bold paragraph. Runs on sanitized, attribute-free HTML. */
function downgradeHeadings(html: string): string {
  return html.replace(/<h[1-6]>/g, '<p><strong>').replace(/<\/h[1-6]>/g, '</strong></p>')
}

// ---------------------------------------------------------------------------------------------- base HTML per type

/** Plain text as Mastodon renders it: escaped, blank lines separate paragraphs, single newlines become `<br>`. */
export function plainTextToHtml(text: string): string {
  const normalized = text.replace(/\r\n?/g, '\n').trim()
  if (!normalized) return ''
  return normalized.split(/\n{2,}/).map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`).join('')
}

function baseHtml(source: string, type: ContentType): string {
  switch (type) {
    case 'text/markdown': return downgradeHeadings(sanitize(markdown().render(source.replace(/\r\n?/g, '\n')), INPUT_POLICY)).trim()
    case 'text/html': return downgradeHeadings(sanitize(source, INPUT_POLICY)).trim()
    default: return plainTextToHtml(source)
  }
}

// ---------------------------------------------------------------------------------------------- scanning text nodes

/** `@nick` or `@nick@domain` not preceded by a word character, slash, `@` or dot (so e-mail addresses are left alone). */
const MENTION_RE = /(?<![\p{L}\p{N}_/@.\\])@([A-Za-z0-9_]+(?:[.-]+[A-Za-z0-9_]+)*)(?:@((?:[\p{L}\p{N}-]+\.)*[\p{L}\p{N}-]+(?::\d{1,5})?))?/gu
/** `#tag` with unicode letters; at least one letter; not preceded by a word character, slash or closing parenthesis. */
const HASHTAG_RE = /(?<![\p{L}\p{M}\p{N}_/)#&])#([\p{L}\p{M}\p{N}_]*\p{L}[\p{L}\p{M}\p{N}_]*)/gu
const MAX_TAG_LENGTH = 100

type Piece =
  | { kind: 'html'; value: string }
  | { kind: 'text'; value: string }
  | { kind: 'url'; href: string }
  | { kind: 'mention'; raw: string; key: string; username: string; domain: string | null }
  | { kind: 'tag'; raw: string; name: string }

export interface MentionHandle {
  username: string
  /** null for a local account */
  domain: string | null
}

export const handleKey = (username: string, domain: string | null) => `${username.toLowerCase()}@${domain?.toLowerCase() ?? ''}`

/** URLs we turn into links: http(s) with an explicit scheme, as Mastodon does (bare domains stay text). */
export function findUrls(text: string): { start: number; end: number; href: string }[] {
  return linkify().find(text, 'url')
    .filter((l) => /^https?:\/\/[^\s]/i.test(l.value))
    .map((l) => ({ start: l.start, end: l.end, href: l.value }))
}

function localDomain(domain: string | undefined, opts: FormatOptions): string | null {
  if (!domain) return null
  return domain.toLowerCase() === opts.domain.toLowerCase() ? null : domain.toLowerCase()
}

function scanText(text: string, opts: FormatOptions, out: Piece[]) {
  let last = 0
  const plain = (to: number) => { if (to > last) scanWords(text.slice(last, to), opts, out) }
  for (const url of findUrls(text)) {
    plain(url.start)
    out.push({ kind: 'url', href: url.href })
    last = url.end
  }
  plain(text.length)
  last = text.length
}

function scanWords(text: string, opts: FormatOptions, out: Piece[]) {
  type Hit = { index: number; length: number; piece: Piece }
  const hits: Hit[] = []
  for (const m of text.matchAll(MENTION_RE)) {
    const domain = localDomain(m[2], opts)
    hits.push({ index: m.index!, length: m[0].length, piece: { kind: 'mention', raw: m[0], key: handleKey(m[1], domain), username: m[1], domain } })
  }
  for (const m of text.matchAll(HASHTAG_RE)) {
    if (m[1].length > MAX_TAG_LENGTH) continue
    hits.push({ index: m.index!, length: m[0].length, piece: { kind: 'tag', raw: m[0], name: m[1] } })
  }
  hits.sort((a, b) => a.index - b.index)
  let pos = 0
  for (const hit of hits) {
    if (hit.index < pos) continue // overlapping (a #tag inside a mention's domain, say)
    if (hit.index > pos) out.push({ kind: 'text', value: text.slice(pos, hit.index) })
    out.push(hit.piece)
    pos = hit.index + hit.length
  }
  if (pos < text.length) out.push({ kind: 'text', value: text.slice(pos) })
}

/** Splits well-formed (sanitized) HTML into tags and text; text outside `a`, `code` and `pre` is scanned. */
function scanHtml(html: string, opts: FormatOptions): Piece[] {
  const out: Piece[] = []
  let skipDepth = 0
  let pos = 0
  const TAG_RE = /<(\/?)([a-zA-Z0-9]+)[^>]*>/g
  const text = (raw: string) => {
    if (!raw) return
    if (skipDepth > 0) out.push({ kind: 'html', value: raw })
    else scanText(decodeBasicEntities(raw), opts, out)
  }
  for (const m of html.matchAll(TAG_RE)) {
    text(html.slice(pos, m.index))
    out.push({ kind: 'html', value: m[0] })
    const name = m[2].toLowerCase()
    if (name === 'a' || name === 'code' || name === 'pre') skipDepth = Math.max(0, skipDepth + (m[1] ? -1 : 1))
    pos = m.index! + m[0].length
  }
  text(html.slice(pos))
  return out
}

// ---------------------------------------------------------------------------------------------- rendering pieces

/** Mastodon's link text: scheme and `www.` hidden, the rest cut after 30 characters. */
export function linkHtml(href: string): string {
  const prefix = /^https?:\/\/(www\.)?/i.exec(href)?.[0] ?? ''
  const rest = Array.from(href.slice(prefix.length))
  const shown = rest.slice(0, 30).join('')
  const hidden = rest.slice(30).join('')
  return `<a href="${escapeHtml(href)}" rel="nofollow noopener noreferrer" target="_blank">`
    + (prefix ? `<span class="invisible">${escapeHtml(prefix)}</span>` : '')
    + (hidden ? `<span class="ellipsis">${escapeHtml(shown)}</span><span class="invisible">${escapeHtml(hidden)}</span>` : `<span>${escapeHtml(shown)}</span>`)
    + '</a>'
}

export function mentionHtml(target: MentionTarget, baseUrl: string): string {
  const href = target.url ?? target.uri ?? `${baseUrl}/@${target.username}`
  return `<span class="h-card"><a href="${escapeHtml(href)}" class="u-url mention">@<span>${escapeHtml(target.username)}</span></a></span>`
}

export function hashtagHtml(name: string, baseUrl: string): string {
  return `<a href="${escapeHtml(`${baseUrl}/tags/${encodeURIComponent(name.toLowerCase())}`)}" class="mention hashtag" rel="tag">#<span>${escapeHtml(name)}</span></a>`
}

// ---------------------------------------------------------------------------------------------- entry points

export interface PreparedContent {
  pieces: Piece[]
  /** every distinct handle written in the text */
  handles: MentionHandle[]
}

/** First pass: builds the base HTML and finds the handles to resolve. Pure. */
export function prepareContent(source: string, type: ContentType, opts: FormatOptions): PreparedContent {
  const pieces = scanHtml(baseHtml(source, type), opts)
  const seen = new Map<string, MentionHandle>()
  for (const p of pieces) if (p.kind === 'mention' && !seen.has(p.key)) seen.set(p.key, { username: p.username, domain: p.domain })
  return { pieces, handles: [...seen.values()] }
}

/** Second pass: renders the pieces with the resolved accounts (keyed by `handleKey`). Pure. */
export function renderContent(source: string, prepared: PreparedContent, resolved: Map<string, MentionTarget>, opts: FormatOptions): FormattedContent {
  const mentions: string[] = []
  const tags: string[] = []
  let html = ''
  for (const p of prepared.pieces) {
    switch (p.kind) {
      case 'html': html += p.value; break
      case 'text': html += escapeHtml(p.value); break
      case 'url': html += linkHtml(p.href); break
      case 'tag': {
        const name = p.name.toLowerCase()
        if (!tags.includes(name)) tags.push(name)
        html += hashtagHtml(p.name, opts.baseUrl)
        break
      }
      case 'mention': {
        const target = resolved.get(p.key)
        if (!target) { html += escapeHtml(p.raw); break }
        if (!mentions.includes(target.id)) mentions.push(target.id)
        html += mentionHtml(target, opts.baseUrl)
        break
      }
    }
  }
  return { html: sanitizeContent(html), text: source, mentions, tags }
}

const MAX_RESOLVED_HANDLES = 100

/** Finds the accounts behind `@nick` / `@nick@domain` handles in one query; unknown and suspended ones are left out. */
export async function resolveHandles(db: DbLike, handles: MentionHandle[]): Promise<Map<string, MentionTarget>> {
  const out = new Map<string, MentionTarget>()
  const list = handles.slice(0, MAX_RESOLVED_HANDLES)
  if (!list.length) return out
  const conditions: SQL[] = list.map((h) => and(eq(accounts.username, h.username), h.domain ? eq(accounts.domain, h.domain) : isNull(accounts.domain))!)
  const rows = await db.select({ id: accounts.id, username: accounts.username, domain: accounts.domain, url: accounts.url, uri: accounts.uri })
    .from(accounts)
    .where(and(or(...conditions), sql`${accounts.suspendedAt} is null`))
  for (const row of rows) out.set(handleKey(row.username, row.domain), row)
  return out
}

/** Formats a status source: HTML, mentioned account ids and hashtags. */
export async function formatContent(db: DbLike, source: string, type: ContentType, opts: FormatOptions): Promise<FormattedContent> {
  const prepared = prepareContent(source, type, opts)
  return renderContent(source, prepared, await resolveHandles(db, prepared.handles), opts)
}

// ---------------------------------------------------------------------------------------------- plain text and length

/** HTML → readable plain text (Pleroma's `content["text/plain"]`): paragraphs and breaks become newlines. */
export function htmlToPlainText(html: string): string {
  return decodeBasicEntities(
    html
      .replace(/<br\s*\/?>/gi, '\n')
      .replace(/<\/p>\s*<p>/gi, '\n\n')
      .replace(/<\/(p|li|blockquote|pre)>/gi, '\n')
      .replace(/<[^>]*>/g, ''),
  ).replace(/\n{3,}/g, '\n\n').trim()
}

const URL_WEIGHT = 'x'.repeat(23)
// Made on first use: a start need not load ICU's break rules.
let segmenter: Intl.Segmenter | undefined

/**
 * Length as Mastodon counts it: every http(s) URL counts as 23 characters, a remote mention only by its `@user` part,
 * and everything else by grapheme clusters (an emoji with modifiers is one character).
 */
export function countableLength(text: string): number {
  if (!text) return 0
  let countable = ''
  let last = 0
  for (const url of findUrls(text)) {
    countable += text.slice(last, url.start) + URL_WEIGHT
    last = url.end
  }
  countable += text.slice(last)
  countable = countable.replace(MENTION_RE, (_, user: string) => `@${user}`)
  let n = 0
  for (const _ of (segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' })).segment(countable)) n++
  return n
}
