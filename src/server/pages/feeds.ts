import type { StatusEntity } from '../render/status'
import { htmlToText } from '../render/instance'

/** Characters XML 1.0 cannot carry at all; user text may hold them, so they are dropped rather than escaped. */
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g
const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' }

export function escapeXml(value: string): string {
  return value.replace(NOT_XML, '').replace(/[&<>"']/g, (c) => XML_ESCAPES[c])
}

export interface FeedView {
  title: string
  description: string
  /** the HTML page the feed mirrors */
  pageUrl: string
  /** this feed's own URL, per format */
  selfUrl: { rss: string; atom: string }
  image?: string | null
  /** newest first */
  statuses: StatusEntity[]
  /** the page URL of one status */
  statusUrl: (s: StatusEntity) => string
}

export const RSS_CONTENT_TYPE = 'application/rss+xml; charset=utf-8'
export const ATOM_CONTENT_TYPE = 'application/atom+xml; charset=utf-8'

function entryTitle(s: StatusEntity): string {
  const text = (s.spoiler_text ? `CW: ${s.spoiler_text}` : htmlToText(s.content)).replace(NOT_XML, '').replace(/\s+/g, ' ').trim()
  const title = text || (s.media_attachments.length ? `${s.media_attachments.length} attachment(s)` : 'Post')
  return title.length > 80 ? `${title.slice(0, 77)}…` : title
}

/** The entry body: the sanitized HTML content, its media as links, behind its content warning when it has one. */
function entryHtml(s: StatusEntity): string {
  const media = s.media_attachments.filter((m) => m.url)
    .map((m) => `<p><a href="${escapeXml(m.url!)}">${escapeXml(m.description || m.type)}</a></p>`).join('')
  const body = `${s.content}${media}`
  return s.spoiler_text ? `<p><strong>CW: ${escapeXml(s.spoiler_text)}</strong></p>${body}` : body
}

const author = (s: StatusEntity) => `${s.account.display_name || s.account.username} (@${s.account.fqn})`

/** RSS 2.0: a channel with title, link and description, one item per post with a permalink guid and RFC 822 date. */
export function buildRss(feed: FeedView): string {
  const lastBuild = feed.statuses[0] ? new Date(feed.statuses[0].created_at) : new Date()
  const items = feed.statuses.map((s) => {
    const url = feed.statusUrl(s)
    return `<item>
<title>${escapeXml(entryTitle(s))}</title>
<link>${escapeXml(url)}</link>
<guid isPermaLink="true">${escapeXml(url)}</guid>
<pubDate>${new Date(s.created_at).toUTCString()}</pubDate>
<dc:creator>${escapeXml(author(s))}</dc:creator>
<description>${escapeXml(entryHtml(s))}</description>
${s.tags.map((t) => `<category>${escapeXml(t.name)}</category>`).join('')}
</item>`
  }).join('\n')
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
<title>${escapeXml(feed.title)}</title>
<link>${escapeXml(feed.pageUrl)}</link>
<description>${escapeXml(feed.description)}</description>
<atom:link href="${escapeXml(feed.selfUrl.rss)}" rel="self" type="application/rss+xml"/>
<lastBuildDate>${lastBuild.toUTCString()}</lastBuildDate>
<generator>Rookery</generator>
${feed.image ? `<image><url>${escapeXml(feed.image)}</url><title>${escapeXml(feed.title)}</title><link>${escapeXml(feed.pageUrl)}</link></image>` : ''}
${items}
</channel>
</rss>
`
}

/** Atom (RFC 4287): feed id, title, updated, author and self link; entries with id, title, updated, link and HTML content. */
export function buildAtom(feed: FeedView): string {
  const updated = feed.statuses[0] ? new Date(feed.statuses[0].edited_at ?? feed.statuses[0].created_at) : new Date()
  const entries = feed.statuses.map((s) => {
    const url = feed.statusUrl(s)
    return `<entry>
<id>${escapeXml(s.uri)}</id>
<title>${escapeXml(entryTitle(s))}</title>
<link rel="alternate" type="text/html" href="${escapeXml(url)}"/>
<published>${new Date(s.created_at).toISOString()}</published>
<updated>${new Date(s.edited_at ?? s.created_at).toISOString()}</updated>
<author><name>${escapeXml(author(s))}</name><uri>${escapeXml(s.account.url)}</uri></author>
<content type="html">${escapeXml(entryHtml(s))}</content>
${s.tags.map((t) => `<category term="${escapeXml(t.name)}"/>`).join('')}
</entry>`
  }).join('\n')
  return `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<id>${escapeXml(feed.pageUrl)}</id>
<title>${escapeXml(feed.title)}</title>
<subtitle>${escapeXml(feed.description)}</subtitle>
<updated>${updated.toISOString()}</updated>
<author><name>${escapeXml(feed.title)}</name><uri>${escapeXml(feed.pageUrl)}</uri></author>
<link rel="alternate" type="text/html" href="${escapeXml(feed.pageUrl)}"/>
<link rel="self" type="application/atom+xml" href="${escapeXml(feed.selfUrl.atom)}"/>
<generator>Rookery</generator>
${feed.image ? `<icon>${escapeXml(feed.image)}</icon>` : ''}
${entries}
</feed>
`
}
