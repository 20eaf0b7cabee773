import { and, eq, isNull, or, type SQL } from 'drizzle-orm'
import type { DbLike } from '../../db/client'
import { accounts } from '../../db/schema'
import { escapeHtml } from '../statuses/format'

/**
 * Plain-text profile text (bios, field values) to the safe HTML Mastodon serves: everything escaped, then
 * links, hashtags and mentions of known accounts turned into anchors, paragraphs and line breaks kept.
 */


const URL_PATTERN = /https?:\/\/[^\s<>"'`]+[^\s<>"'`.,;:!?)\]}]/gy
const HASHTAG_PATTERN = /#([\p{L}\p{N}_]*[\p{L}_][\p{L}\p{N}_]*)/uy
const MENTION_PATTERN = /@([A-Za-z0-9_]+(?:[.-][A-Za-z0-9_]+)*)(?:@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?::\d+)?))?/y

export interface MentionTarget {
  username: string
  domain: string | null
  url: string
}

type Token = { kind: 'text'; value: string } | { kind: 'url'; value: string } | { kind: 'tag'; value: string } | { kind: 'mention'; username: string; domain: string | null; raw: string }

/** Splits text into plain runs and recognised entities; a token only starts after a non-word character. */
function tokenize(text: string, opts: { tags: boolean; mentions: boolean }): Token[] {
  const out: Token[] = []
  let plain = ''
  let i = 0
  const flush = () => {
    if (plain) out.push({ kind: 'text', value: plain })
    plain = ''
  }
  while (i < text.length) {
    const prev = i === 0 ? '' : text[i - 1]
    const boundary = !prev || !/[\p{L}\p{N}_/@#]/u.test(prev)
    if (boundary && (text[i] === 'h' || text[i] === 'H')) {
      URL_PATTERN.lastIndex = i
      const m = URL_PATTERN.exec(text)
      if (m) {
        flush()
        out.push({ kind: 'url', value: m[0] })
        i += m[0].length
        continue
      }
    }
    if (boundary && opts.tags && text[i] === '#') {
      HASHTAG_PATTERN.lastIndex = i
      const m = HASHTAG_PATTERN.exec(text)
      if (m) {
        flush()
        out.push({ kind: 'tag', value: m[1] })
        i += m[0].length
        continue
      }
    }
    if (boundary && opts.mentions && text[i] === '@') {
      MENTION_PATTERN.lastIndex = i
      const m = MENTION_PATTERN.exec(text)
      if (m) {
        flush()
        out.push({ kind: 'mention', username: m[1], domain: m[2]?.toLowerCase() ?? null, raw: m[0] })
        i += m[0].length
        continue
      }
    }
    plain += text[i]
    i++
  }
  flush()
  return out
}

function linkHtml(url: string): string {
  const href = escapeHtml(url)
  const match = /^(https?:\/\/(?:www\.)?)(.*)$/i.exec(url)
  const prefix = match ? match[1] : ''
  const rest = match ? match[2] : url
  const shown = rest.length > 30 ? rest.slice(0, 30) : rest
  const hidden = rest.slice(shown.length)
  return `<a href="${href}" target="_blank" rel="nofollow noopener noreferrer">` +
    `<span class="invisible">${escapeHtml(prefix)}</span><span class="${hidden ? 'ellipsis' : ''}">${escapeHtml(shown)}</span>` +
    `<span class="invisible">${escapeHtml(hidden)}</span></a>`
}

function mentionKey(username: string, domain: string | null): string {
  return `${username.toLowerCase()}@${domain ?? ''}`
}

export interface FormatOptions {
  baseUrl: string
  localDomain: string
  /** Known accounts by `username@domain` (domain empty for local ones); unknown mentions stay plain text. */
  mentions?: Map<string, MentionTarget>
  tags?: boolean
}

function renderInline(text: string, opts: FormatOptions): string {
  return tokenize(text, { tags: opts.tags !== false, mentions: !!opts.mentions }).map((t) => {
    switch (t.kind) {
      case 'text': return escapeHtml(t.value)
      case 'url': return linkHtml(t.value)
      case 'tag': return `<a href="${escapeHtml(`${opts.baseUrl}/tag/${encodeURIComponent(t.value.toLowerCase())}`)}" class="mention hashtag" rel="tag">#<span>${escapeHtml(t.value)}</span></a>`
      case 'mention': {
        const domain = t.domain === opts.localDomain.toLowerCase() ? null : t.domain
        const target = opts.mentions?.get(mentionKey(t.username, domain))
        if (!target) return escapeHtml(t.raw)
        return `<span class="h-card"><a href="${escapeHtml(target.url)}" class="u-url mention">@<span>${escapeHtml(target.username)}</span></a></span>`
      }
    }
  }).join('')
}

/** A bio: paragraphs split on blank lines, single newlines as `<br>`. Empty text gives an empty string. */
export function formatBio(text: string, opts: FormatOptions): string {
  const trimmed = text.replace(/\r\n?/g, '\n').trim()
  if (!trimmed) return ''
  return trimmed.split(/\n{2,}/).map((p) => `<p>${p.split('\n').map((line) => renderInline(line, opts)).join('<br>')}</p>`).join('')
}

/** A profile field value: links only, as Mastodon formats them. */
export function formatFieldValue(text: string, baseUrl: string): string {
  return renderInline(text.replace(/[\r\n]+/g, ' '), { baseUrl, localDomain: '', tags: false })
}

/** Mentions written in a text, for one batched lookup. */
export function mentionedNames(text: string, localDomain: string): Array<{ username: string; domain: string | null }> {
  const seen = new Map<string, { username: string; domain: string | null }>()
  for (const t of tokenize(text, { tags: false, mentions: true })) {
    if (t.kind !== 'mention') continue
    const domain = t.domain === localDomain.toLowerCase() ? null : t.domain
    seen.set(mentionKey(t.username, domain), { username: t.username, domain })
  }
  return [...seen.values()].slice(0, 50)
}

/** Resolves the accounts mentioned in a text with one query. */
export async function loadMentionTargets(db: DbLike, text: string, localDomain: string, baseUrl: string): Promise<Map<string, MentionTarget>> {
  const names = mentionedNames(text, localDomain)
  const map = new Map<string, MentionTarget>()
  if (!names.length) return map
  const conditions: SQL[] = names.map((n) => n.domain
    ? and(eq(accounts.username, n.username), eq(accounts.domain, n.domain))!
    : and(eq(accounts.username, n.username), isNull(accounts.domain))!)
  const rows = await db.select({ username: accounts.username, domain: accounts.domain, url: accounts.url, uri: accounts.uri })
    .from(accounts).where(and(or(...conditions), isNull(accounts.suspendedAt)))
  for (const r of rows) {
    map.set(mentionKey(r.username, r.domain?.toLowerCase() ?? null), {
      username: r.username,
      domain: r.domain,
      url: r.url ?? r.uri ?? `${baseUrl}/@${r.username}`,
    })
  }
  return map
}
