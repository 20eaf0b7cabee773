import type { Ctx } from '../../core/context'
import type { StatusVisibility } from '../../db/schema'
import { mediaStorage } from '../../core/media/storage'
import type { PostStatusParams } from '../../core/statuses/params'
import { scheduledMedia, type ScheduledStatusRow } from '../../core/statuses/scheduled'
import { buildMediaAttachment, type MediaAttachmentEntity } from './media'
import { MASTODON_VISIBILITY } from './status'

/** `list:ID` shows as private and `local` as public, as on statuses. */
const mastodonVisibility = (requested: string | undefined) =>
  MASTODON_VISIBILITY[(requested?.startsWith('list:') ? 'list' : requested) as StatusVisibility] ?? 'public'

/** Scheduled statuses with the media they will carry, loaded in one query. */
export async function renderScheduledStatuses(ctx: Ctx, rows: ScheduledStatusRow[]) {
  const media = await scheduledMedia(ctx, rows)
  const storage = mediaStorage(ctx.config)
  return rows.map((row) => renderScheduledStatus(row, (media.get(row.id) ?? []).map((m) => buildMediaAttachment(m, storage))))
}

export async function renderOneScheduledStatus(ctx: Ctx, row: ScheduledStatusRow) {
  return (await renderScheduledStatuses(ctx, [row]))[0]
}

/** Mastodon's ScheduledStatus: the posting parameters, in the API's spelling. */
function renderScheduledStatus(row: ScheduledStatusRow, mediaAttachments: MediaAttachmentEntity[]) {
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
      visibility: mastodonVisibility(p.visibility),
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
