import type { Parser } from 'htmlparser2'

/** An `a` start tag as HTML parsers read one: the name, then white space, `/` or `>`. */
const ANCHOR_TAG = /<a[\s/>]/i

/**
 * The link a status's card previews: the first http(s) link of its content that is not a mention, a hashtag, or a
 * link into this instance. Null when there is none.
 */
export function firstCardLink(content: string, baseUrl: string): string | null {
  // Most statuses link nothing: no tag that can be an `a`, no parse.
  if (!ANCHOR_TAG.test(content)) return null
  const ownHost = new URL(baseUrl).host.toLowerCase()
  let found: string | null = null
  // Required on first use, like the other HTML libraries (statuses/format.ts): an idle server does not load it.
  const parser = new (require('htmlparser2').Parser as typeof Parser)({
    onopentag(name, attrs) {
      if (found || name !== 'a' || !attrs.href) return
      const classes = (attrs.class ?? '').split(/\s+/)
      const rel = (attrs.rel ?? '').split(/\s+/)
      if (classes.includes('mention') || classes.includes('hashtag') || rel.includes('tag')) return
      let url: URL
      try {
        url = new URL(attrs.href)
      } catch {
        return
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return
      if (url.username || url.password || url.host.toLowerCase() === ownHost) return
      found = url.href
    },
  }, { decodeEntities: true })
  parser.write(content)
  parser.end()
  return found
}
