import type { PostStatusParams } from '../../core/statuses/params'
import type { ScheduledStatusRow } from '../../core/statuses/scheduled'

/** Mastodon's ScheduledStatus: the posting parameters, in the API's spelling. */
export function renderScheduledStatus(row: ScheduledStatusRow, mediaAttachments: unknown[] = []) {
  const p = row.params as PostStatusParams
  return {
    id: row.id,
    scheduled_at: row.scheduledAt.toISOString(),
    params: {
      text: p.status ?? '',
      poll: p.poll ? { options: p.poll.options, expires_in: p.poll.expiresIn, multiple: p.poll.multiple, hide_totals: p.poll.hideTotals } : null,
      media_ids: p.mediaIds?.length ? p.mediaIds : null,
      sensitive: p.sensitive ?? null,
      spoiler_text: p.spoilerText ?? null,
      visibility: p.visibility ?? null,
      scheduled_at: null,
      in_reply_to_id: p.inReplyToId ?? null,
      quoted_status_id: p.quoteId ?? null,
      language: p.language ?? null,
      content_type: p.contentType ?? null,
      expires_in: p.expiresIn ?? null,
      to: p.to ?? null,
      idempotency: null,
      with_rate_limit: false,
    },
    media_attachments: mediaAttachments,
  }
}
