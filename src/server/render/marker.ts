import type { Marker } from '../../core/markers'

/** Mastodon's markers answer: one Marker entity per timeline, the notifications one with Pleroma's `unread_count`. */
export function renderMarkers(list: Marker[]) {
  const out: Record<string, unknown> = {}
  for (const m of list) {
    out[m.timeline] = {
      last_read_id: m.lastReadId,
      version: m.version,
      updated_at: m.updatedAt.toISOString(),
      ...(m.unreadCount !== undefined ? { pleroma: { unread_count: m.unreadCount } } : {}),
    }
  }
  return out
}
