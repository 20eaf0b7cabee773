/** Media types a client may ask for instead of a page: the API's JSON and ActivityPub's documents. */
const DATA_TYPES = ['application/json', 'application/activity+json', 'application/ld+json']

interface Range {
  type: string
  subtype: string
  q: number
}

function parseAccept(header: string): Range[] {
  const ranges: Range[] = []
  for (const part of header.split(',').slice(0, 50)) {
    const [mediaRange, ...params] = part.trim().split(';')
    const [type, subtype] = mediaRange.trim().toLowerCase().split('/')
    if (!type || !subtype) continue
    let q = 1
    for (const p of params) {
      const [k, v] = p.trim().split('=')
      if (k?.trim().toLowerCase() === 'q') q = Number.parseFloat(v ?? '')
    }
    if (Number.isFinite(q)) ranges.push({ type, subtype, q: Math.min(Math.max(q, 0), 1) })
  }
  return ranges
}

/** The quality the Accept ranges give one media type: the most specific matching range decides. */
function quality(ranges: Range[], mediaType: string): number {
  const [type, subtype] = mediaType.split('/')
  let best = -1
  let q = 0
  for (const r of ranges) {
    const specificity = r.type === type && r.subtype === subtype ? 2 : r.type === type && r.subtype === '*' ? 1 : r.type === '*' && r.subtype === '*' ? 0 : -1
    if (specificity > best) {
      best = specificity
      q = r.q
    }
  }
  return q
}

/**
 * Whether a request wants an HTML page: `text/html` must be acceptable and strictly preferred over JSON and ActivityPub
 * documents, so API clients, federation peers and `Accept: *\/*` keep getting data from paths that serve both.
 */
export function prefersHtml(request: Request): boolean {
  const header = request.headers.get('accept')
  if (!header) return false
  const ranges = parseAccept(header)
  const html = Math.max(quality(ranges, 'text/html'), quality(ranges, 'application/xhtml+xml'))
  if (html <= 0) return false
  return DATA_TYPES.every((t) => quality(ranges, t) < html)
}

/** Whether a request prefers JSON or an ActivityPub document to HTML (no Accept, or `*\/*`, prefers neither). */
export function prefersData(request: Request): boolean {
  const header = request.headers.get('accept')
  if (!header) return false
  const ranges = parseAccept(header)
  const html = Math.max(quality(ranges, 'text/html'), quality(ranges, 'application/xhtml+xml'))
  return DATA_TYPES.some((t) => quality(ranges, t) > html)
}
