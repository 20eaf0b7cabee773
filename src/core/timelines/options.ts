import { inArray, not, sql, type SQL } from 'drizzle-orm'
import { statuses, type StatusVisibility } from '../../db/schema'
import { inlineBinds, type Binds } from '../../db/sql'
import { parseBool, parseStringArray } from '../params'
import type { ReplyVisibility } from './viewer-filters'

/** Parameters every status timeline understands (Mastodon's and Pleroma's). */
export interface TimelineOptions {
  onlyMedia: boolean
  withMuted: boolean
  excludeReplies: boolean
  excludeReblogs: boolean
  excludeVisibilities: StatusVisibility[]
  replyVisibility: ReplyVisibility
}

const VISIBILITIES: StatusVisibility[] = ['public', 'unlisted', 'private', 'direct', 'local', 'list']

export function readTimelineOptions(input: Record<string, unknown>): TimelineOptions {
  const replyVisibility = input.reply_visibility === 'following' || input.reply_visibility === 'self' ? input.reply_visibility : null
  return {
    onlyMedia: parseBool(input.only_media) ?? false,
    withMuted: parseBool(input.with_muted) ?? false,
    excludeReplies: parseBool(input.exclude_replies) ?? false,
    excludeReblogs: parseBool(input.exclude_reblogs) ?? false,
    excludeVisibilities: parseStringArray(input.exclude_visibilities).filter((v): v is StatusVisibility => VISIBILITIES.includes(v as StatusVisibility)),
    replyVisibility,
  }
}

/** The option conditions that apply to the `statuses` table itself. */
export function optionConditions(o: TimelineOptions, binds: Binds = inlineBinds): SQL[] {
  const where: SQL[] = []
  if (o.onlyMedia) {
    where.push(sql`exists (select 1 from media_attachments ma where ma.status_id = coalesce(${statuses.reblogOfId}, ${statuses.id}))`)
  }
  if (o.excludeReblogs) where.push(sql`${statuses.reblogOfId} is null`)
  // Replies to others go; a thread of one's own stays (Mastodon's `exclude_replies`).
  if (o.excludeReplies) where.push(sql`(${statuses.inReplyToId} is null or ${statuses.inReplyToAccountId} = ${statuses.accountId})`)
  if (o.excludeVisibilities.length) where.push(not(inArray(statuses.visibility, o.excludeVisibilities.map((v) => binds.forColumn(statuses.visibility, v)))))
  return where
}

/** The values `optionConditions` binds, by name (`runPreparedWith`). */
export const optionArgs = (o: TimelineOptions): Record<string, unknown> =>
  Object.fromEntries(o.excludeVisibilities.map((v, i) => [`excludedVisibility${i}`, v]))

/** What shapes a timeline's statement among the options, for the key of a prepared one. */
export const optionsShape = (o: TimelineOptions) =>
  `${+o.onlyMedia}${+o.withMuted}${+o.excludeReplies}${+o.excludeReblogs}${o.excludeVisibilities.length}${o.replyVisibility ?? ''}`
