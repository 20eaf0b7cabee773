import { and, desc, eq, getTableColumns } from 'drizzle-orm'
import { statusPins, statuses, type AccountRow, type StatusRow } from '../../db/schema'
import type { Ctx } from '../context'
import { visibleWithReblogSql } from '../visibility'
import { type TimelineOptions } from './options'
import type { Page } from './page'
import { hasTag, normalizeTag, statusPage } from './timelines'

export interface AccountStatusesQuery {
  pinned: boolean
  /** only statuses with this hashtag */
  tagged?: string | null
}

/**
 * `GET /api/v1/accounts/:id/statuses`: what the viewer may see of one account's statuses. `pinned=true` lists the
 * pinned ones, most recently pinned first. An account that blocks the viewer shows nothing (the visibility rule).
 */
export async function accountStatuses(ctx: Ctx, viewerAccountId: string | null, account: AccountRow, page: Page, opts: TimelineOptions, q: AccountStatusesQuery): Promise<StatusRow[]> {
  if (q.pinned) {
    if (page.maxId || page.minId || page.sinceId) return []
    return ctx.db.select(getTableColumns(statuses)).from(statusPins)
      .innerJoin(statuses, eq(statuses.id, statusPins.statusId))
      .where(and(eq(statusPins.accountId, account.id), eq(statuses.accountId, account.id), visibleWithReblogSql(viewerAccountId)))
      .orderBy(desc(statusPins.id)).limit(page.limit)
  }
  const tag = q.tagged ? normalizeTag(q.tagged) : ''
  // The viewer's mutes do not hide a profile the viewer chose to open.
  return statusPage(ctx, viewerAccountId, page, { ...opts, withMuted: true }, {
    key: `account:${tag ? 'tagged' : 'all'}`,
    where: (b) => [eq(statuses.accountId, b.forColumn(statuses.accountId, account.id)), ...(tag ? [hasTag(tag, b)] : [])],
    args: { account: account.id, tag: tag || undefined },
  })
}
