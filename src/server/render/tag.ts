import type { Ctx } from '../../core/context'
import type { Viewer } from '../../core/oauth/authenticate'
import type { FeaturedTagInfo } from '../../core/tags/featured-tags'
import { tagFlags, tagHistories, type TagHistoryDay, type TagRef } from '../../core/tags/tags'

export const tagUrl = (baseUrl: string, name: string) => `${baseUrl}/tags/${encodeURIComponent(name)}`

interface TagBundle {
  histories: Map<string, TagHistoryDay[]>
  following: Set<string>
  featuring: Set<string>
  signedIn: boolean
}

/** Mastodon's Tag entity; `following` and `featuring` only for a signed-in viewer. */
export function buildTag(baseUrl: string, tag: TagRef, bundle: TagBundle) {
  return {
    id: tag.id,
    name: tag.name,
    url: tagUrl(baseUrl, tag.name),
    history: bundle.histories.get(tag.id) ?? emptyHistory(),
    ...(bundle.signedIn ? { following: bundle.following.has(tag.id), featuring: bundle.featuring.has(tag.id) } : {}),
  }
}

const DAY = 86_400
function emptyHistory(now = Date.now()): TagHistoryDay[] {
  const today = Math.floor(now / 1000 / DAY) * DAY
  return Array.from({ length: 7 }, (_, i) => ({ day: String(today - i * DAY), uses: '0', accounts: '0' }))
}

export async function renderTags(ctx: Ctx, rows: TagRef[], viewer: Viewer | null) {
  const ids = rows.map((r) => r.id).filter(Boolean)
  const [histories, flags] = await Promise.all([tagHistories(ctx.db, ids), tagFlags(ctx.db, viewer?.accountId ?? null, ids)])
  const bundle = { histories, ...flags, signedIn: !!viewer?.accountId }
  return rows.map((r) => buildTag(ctx.config.baseUrl, r, bundle))
}

export async function renderTag(ctx: Ctx, row: TagRef, viewer: Viewer | null) {
  return (await renderTags(ctx, [row], viewer))[0]
}

/** Mastodon's FeaturedTag entity; `acct` is the profile's handle for the tagged-statuses URL. */
export function buildFeaturedTag(baseUrl: string, acct: string, f: FeaturedTagInfo) {
  return {
    id: f.id,
    name: f.name,
    url: `${baseUrl}/@${acct}/tagged/${encodeURIComponent(f.name)}`,
    statuses_count: String(f.statusesCount),
    last_status_at: f.lastStatusAt ? f.lastStatusAt.toISOString().slice(0, 10) : null,
  }
}
