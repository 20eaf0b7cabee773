import { and, inArray } from 'drizzle-orm'
import type { Ctx } from '../../core/context'
import { loadRecipients, type ParticipationRow } from '../../core/conversations/conversations'
import type { Viewer } from '../../core/oauth/authenticate'
import { visibleWithReblogSql } from '../../core/visibility'
import { accounts, statuses } from '../../db/schema'
import { renderAccounts, type AccountEntity } from './account'
import { renderStatuses, type StatusEntity } from './status'

/**
 * Mastodon's Conversation entity for participations of the viewer: `accounts` are the other recipients (the viewer alone
 * in a note to self), `last_status` the thread's newest direct status if the viewer may still see it, and Pleroma's
 * `pleroma.recipients` those a reply addresses. Fixed number of queries for any page size.
 */
export async function renderConversations(ctx: Ctx, rows: ParticipationRow[], viewer: Viewer) {
  if (!rows.length) return []
  const viewerId = viewer.accountId!
  const recipients = await loadRecipients(ctx, rows.map((r) => r.id))
  const accountIds = [...new Set([viewerId, ...[...recipients.values()].flat()])]
  const statusIds = [...new Set(rows.map((r) => r.lastStatusId).filter((id): id is string => !!id))]

  const [accountEntities, statusEntities] = await Promise.all([
    (async () => {
      const list = await ctx.db.select().from(accounts).where(inArray(accounts.id, accountIds))
      const rendered = await renderAccounts(ctx, list, viewer)
      return new Map<string, AccountEntity>(list.map((a, i) => [a.id, rendered[i]]))
    })(),
    (async () => {
      if (!statusIds.length) return new Map<string, StatusEntity>()
      const list = await ctx.db.select().from(statuses).where(and(inArray(statuses.id, statusIds), visibleWithReblogSql(viewerId)))
      const rendered = await renderStatuses(ctx, list, viewer)
      return new Map(rendered.map((s) => [s.id, s]))
    })(),
  ])

  return rows.map((p) => {
    const others = (recipients.get(p.id) ?? []).filter((id) => id !== viewerId)
      .map((id) => accountEntities.get(id)).filter((a): a is AccountEntity => !!a)
    const self = accountEntities.get(viewerId)
    return {
      id: p.id,
      accounts: others.length || !self ? others : [self],
      unread: p.unread,
      last_status: p.lastStatusId ? statusEntities.get(p.lastStatusId) ?? null : null,
      pleroma: { recipients: others },
    }
  })
}

export async function renderConversation(ctx: Ctx, row: ParticipationRow, viewer: Viewer) {
  const [entity] = await renderConversations(ctx, [row], viewer)
  return entity
}
