import type { Parser } from 'htmlparser2'

/** What a page says about itself: OpenGraph, Twitter card and plain HTML metadata, and its oEmbed endpoint. */
export interface PageMetadata {
  /** `property`/`name` of each `<meta>` (lower case) → its first content */
  meta: Map<string, string>
  title: string
  lang: string | null
  oembedUrl: string | null
  canonical: string | null
}

const CHARSET_IN_TYPE = /charset\s*=\s*["']?([\w.:-]+)/i
const META_CHARSET = /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i

function decoderFor(label: string | null | undefined): TextDecoder | null {
  if (!label) return null
  try {
    return new TextDecoder(label.trim().toLowerCase())
  } catch {
    return null
  }
}

/**
 * Decodes a page as the browser would: a byte-order mark, the Content-Type charset, then a `<meta charset>` (or
 * `http-equiv` content type) within the first kilobytes, UTF-8 otherwise.
 */
export function decodePage(body: Uint8Array, contentType: string | null): string {
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return new TextDecoder('utf-8').decode(body.subarray(3))
  const declared = decoderFor(CHARSET_IN_TYPE.exec(contentType ?? '')?.[1])
  if (declared) return declared.decode(body)
  const head = new TextDecoder('latin1').decode(body.subarray(0, 4096))
  const inMeta = decoderFor(META_CHARSET.exec(head)?.[1])
  return (inMeta ?? new TextDecoder('utf-8')).decode(body)
}

/** Reads the metadata of an HTML document (links resolved against `pageUrl`). */
export function parsePage(html: string, pageUrl: string): PageMetadata {
  const meta = new Map<string, string>()
  let title = ''
  let inTitle = false
  let titleDone = false
  let lang: string | null = null
  let oembedUrl: string | null = null
  let canonical: string | null = null
  const absolute = (href: string | undefined) => {
    if (!href) return null
    try {
      const url = new URL(href.trim(), pageUrl)
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null
    } catch {
      return null
    }
  }
  // Required on first use, like the other HTML libraries (statuses/format.ts): an idle server does not load it.
  const parser = new (require('htmlparser2').Parser as typeof Parser)({
    onopentag(name, attrs) {
      if (name === 'html' && attrs.lang) lang = attrs.lang
      else if (name === 'title' && !titleDone) inTitle = true
      else if (name === 'meta') {
        const key = (attrs.property ?? attrs.name ?? '').trim().toLowerCase()
        if (key && attrs.content !== undefined && !meta.has(key)) meta.set(key, attrs.content.trim())
      } else if (name === 'link') {
        const rel = (attrs.rel ?? '').toLowerCase().split(/\s+/)
        const type = (attrs.type ?? '').toLowerCase()
        if (rel.includes('alternate') && type === 'application/json+oembed' && !oembedUrl) oembedUrl = absolute(attrs.href)
        else if (rel.includes('canonical') && !canonical) canonical = absolute(attrs.href)
      }
    },
    ontext(text) {
      if (inTitle) title += text
    },
    onclosetag(name) {
      if (name === 'title' && inTitle) {
        inTitle = false
        titleDone = true
      }
    },
  }, { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true })
  parser.write(html)
  parser.end()
  return { meta, title: title.replace(/\s+/g, ' ').trim(), lang, oembedUrl, canonical }
}

/** An oEmbed answer, the fields a card uses. */
export interface OEmbed {
  type: string
  title?: string
  author_name?: string
  author_url?: string
  provider_name?: string
  provider_url?: string
  html?: string
  width?: number
  height?: number
  url?: string
  thumbnail_url?: string
}

export function readOEmbed(json: unknown): OEmbed | null {
  if (!json || typeof json !== 'object') return null
  const o = json as Record<string, unknown>
  const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined)
  const int = (k: string) => {
    const n = Number(o[k])
    return Number.isFinite(n) && n > 0 ? Math.min(Math.round(n), 10_000) : undefined
  }
  const type = str('type')
  if (!type || !['photo', 'video', 'rich', 'link'].includes(type)) return null
  return {
    type,
    title: str('title'), author_name: str('author_name'), author_url: str('author_url'), provider_name: str('provider_name'),
    provider_url: str('provider_url'), html: str('html'), width: int('width'), height: int('height'), url: str('url'),
    thumbnail_url: str('thumbnail_url'),
  }
}
