import { isId } from '../core/ids'

export interface PageParams {
  maxId?: string
  sinceId?: string
  minId?: string
  limit: number
}

/** Keyset paging parameters; malformed ids are ignored, as if absent. */
export function pageParams(input: Record<string, unknown>, defaultLimit = 20, maxLimit = 40): PageParams {
  const id = (v: unknown) => (isId(v) ? v : undefined)
  const raw = Number(input.limit)
  const limit = Number.isFinite(raw) && raw > 0 ? Math.min(Math.floor(raw), maxLimit) : defaultLimit
  return { maxId: id(input.max_id), sinceId: id(input.since_id), minId: id(input.min_id), limit }
}

/**
 * Mastodon's `Link` header: `next` pages to older items (max_id = last id), `prev` to newer ones (min_id = first id).
 * Other query parameters are kept, paging ones replaced.
 */
export function linkHeader(requestUrl: string, baseUrl: string, firstId: string | undefined, lastId: string | undefined): string | undefined {
  if (!firstId || !lastId) return undefined
  const url = new URL(requestUrl)
  const make = (key: 'max_id' | 'min_id', value: string) => {
    const params = new URLSearchParams(url.searchParams)
    params.delete('max_id'); params.delete('min_id'); params.delete('since_id')
    params.set(key, value)
    return `<${baseUrl}${url.pathname}?${params.toString()}>`
  }
  return `${make('max_id', lastId)}; rel="next", ${make('min_id', firstId)}; rel="prev"`
}

/** Sets the `Link` header of a page whose items are keyed by `firstId`…`lastId` (nothing for an empty page). */
export function setLink(set: { headers: Record<string, unknown> }, request: Request, baseUrl: string, firstId: string | undefined, lastId: string | undefined) {
  const link = linkHeader(request.url, baseUrl, firstId, lastId)
  if (link) set.headers.link = link
}

/** Sets the `Link` header for a page of entities with ids (statuses, notifications...). */
export function setLinkFor(set: { headers: Record<string, unknown> }, request: Request, baseUrl: string, items: { id: string }[]) {
  setLink(set, request, baseUrl, items[0]?.id, items[items.length - 1]?.id)
}
