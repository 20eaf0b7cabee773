import type { DbLike } from '../../db/client'
import { escapeHtml, findUrls, formatContent, linkHtml, type FormatOptions } from '../statuses/format'

/** A bio: formatted exactly as a plain-text status is (paragraphs, links, hashtags, mentions of known accounts). */
export async function formatBio(db: DbLike, text: string, opts: FormatOptions): Promise<string> {
  const trimmed = text.trim()
  return trimmed ? (await formatContent(db, trimmed, 'text/plain', opts)).html : ''
}

/** A profile field value: links only, as Mastodon formats them; newlines collapse to spaces. */
export function formatFieldValue(text: string): string {
  const line = text.replace(/[\r\n]+/g, ' ')
  let html = ''
  let last = 0
  for (const url of findUrls(line)) {
    html += escapeHtml(line.slice(last, url.start)) + linkHtml(url.href)
    last = url.end
  }
  return html + escapeHtml(line.slice(last))
}
