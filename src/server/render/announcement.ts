import { loadAnnouncementBundle, type AnnouncementBundle, type AnnouncementReactionSummary } from '../../core/announcements/announcements'
import type { Ctx } from '../../core/context'
import type { AnnouncementRow } from '../../db/schema'
import { accountAcct } from './bundle'
import { buildCustomEmoji } from './instance'

const HREF = /<a\s[^>]*href="([^"]+)"/g

export function buildAnnouncementReaction(r: AnnouncementReactionSummary) {
  return { name: r.name, count: r.count, me: r.me, ...(r.url ? { url: r.url, static_url: r.url } : {}) }
}

/** Mastodon's Announcement; `read` only for a user, Pleroma's `raw_content` only for staff. */
export function buildAnnouncement(ctx: Ctx, row: AnnouncementRow, bundle: AnnouncementBundle, opts: { admin?: boolean } = {}) {
  const base = ctx.config.baseUrl
  const linked = [...row.content.matchAll(HREF)].map((m) => bundle.statuses.get(m[1].replace(/&amp;/g, '&'))).filter((s) => !!s)
  return {
    id: row.id,
    content: row.content,
    starts_at: row.startsAt?.toISOString() ?? null,
    ends_at: row.endsAt?.toISOString() ?? null,
    all_day: row.allDay,
    published: !!row.publishedAt,
    published_at: (row.publishedAt ?? row.createdAt).toISOString(),
    updated_at: row.updatedAt.toISOString(),
    ...(bundle.dismissed ? { read: bundle.dismissed.has(row.id) } : {}),
    mentions: row.mentionIds.map((id) => bundle.mentions.get(id)).filter((a) => !!a).map((a) => ({
      id: a.id, username: a.username, url: a.url ?? `${base}/@${a.username}`, acct: accountAcct(a),
    })),
    statuses: [...new Map(linked.map((s) => [s.id, s])).values()],
    tags: row.tags.map((name) => ({ name, url: `${base}/tags/${encodeURIComponent(name)}` })),
    emojis: (bundle.emojis.get(row.id) ?? []).map(buildCustomEmoji),
    reactions: (bundle.reactions.get(row.id) ?? []).map(buildAnnouncementReaction),
    ...(opts.admin ? { pleroma: { raw_content: row.text } } : {}),
  }
}

export type AnnouncementEntity = ReturnType<typeof buildAnnouncement>

export async function renderAnnouncements(ctx: Ctx, rows: AnnouncementRow[], accountId: string | null, opts: { admin?: boolean } = {}): Promise<AnnouncementEntity[]> {
  const bundle = await loadAnnouncementBundle(ctx, rows, accountId)
  return rows.map((row) => buildAnnouncement(ctx, row, bundle, opts))
}

export async function renderAnnouncement(ctx: Ctx, row: AnnouncementRow, accountId: string | null, opts: { admin?: boolean } = {}): Promise<AnnouncementEntity> {
  return (await renderAnnouncements(ctx, [row], accountId, opts))[0]
}
