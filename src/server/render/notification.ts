import { and, eq, gt, inArray, isNull, or } from 'drizzle-orm'
import type { Ctx } from '../../core/context'
import type { NotificationGroupData } from '../../core/notifications/groups'
import type { Viewer } from '../../core/oauth/authenticate'
import { visibleWithReblogSql } from '../../core/visibility'
import { accounts, mutes, reports, statuses, type NotificationRow, type ReportRow } from '../../db/schema'
import { chatsOfMessages } from '../../core/chats/chats'
import { chatMessages } from '../../db/schema'
import { loadAccountsWithUsers, renderAccounts, type AccountEntity } from './account'
import { renderChatMessagesIn, type ChatMessageEntity } from './chat'
import { renderStatuses, type StatusEntity } from './status'

/** Types whose notification carries the status it is about; without a visible status they are not shown. */
const STATUS_TYPES = new Set(['mention', 'status', 'reblog', 'favourite', 'poll', 'update', 'pleroma:emoji_reaction'])

const iso = (d: Date | null) => (d ? d.toISOString() : null)

/** Mastodon's Report entity, with the fields Pleroma's report notifications carry (`account` reported, `actor` reporting). */
function buildReport(report: ReportRow, rendered: Map<string, AccountEntity>) {
  const target = rendered.get(report.targetAccountId)
  if (!target) return null
  return {
    id: report.id,
    action_taken: report.state !== 'open',
    action_taken_at: iso(report.actionTakenAt),
    category: report.category,
    comment: report.comment,
    forwarded: report.forward,
    created_at: report.createdAt.toISOString(),
    status_ids: report.statusIds,
    rule_ids: report.ruleIds,
    target_account: target,
    account: target,
    actor: rendered.get(report.accountId) ?? null,
    content: report.comment,
    state: report.state,
  }
}

export type NotificationEntity = ReturnType<typeof buildNotificationEntity>

function buildNotificationEntity(
  n: NotificationRow,
  account: AccountEntity,
  extras: { status?: StatusEntity; target?: AccountEntity; report?: ReturnType<typeof buildReport>; chatMessage?: ChatMessageEntity; muted: boolean },
) {
  return {
    id: n.id,
    type: n.type,
    created_at: n.createdAt.toISOString(),
    group_key: n.groupKey ?? `ungrouped-${n.seq}`,
    account,
    ...(extras.status ? { status: extras.status } : {}),
    ...(n.type === 'move' ? { target: extras.target ?? null } : {}),
    ...(n.type === 'pleroma:emoji_reaction' ? { emoji: n.emoji, emoji_url: n.emojiUrl } : {}),
    ...(extras.report ? { report: extras.report } : {}),
    ...(extras.chatMessage ? { chat_message: extras.chatMessage } : {}),
    pleroma: { is_seen: n.seen, is_muted: extras.muted },
  }
}

/**
 * What rendering notifications needs, in a fixed number of queries: reports, accounts (senders and `extraAccountIds`,
 * move targets, report parties), the statuses (through the visibility rule, rendered in one batch) and the viewer's mutes.
 */
async function preloadNotifications(ctx: Ctx, rows: NotificationRow[], viewer: Viewer, extraAccountIds: string[] = []) {
  const unique = (values: (string | null)[]) => [...new Set(values.filter((v): v is string => !!v))]
  const reportIds = unique(rows.map((r) => r.reportId))
  const reportRows = reportIds.length ? await ctx.db.select().from(reports).where(inArray(reports.id, reportIds)) : []
  const accountIds = unique([
    ...rows.flatMap((r) => [r.fromAccountId, r.targetAccountId]),
    ...extraAccountIds,
    ...reportRows.flatMap((r) => [r.accountId, r.targetAccountId]),
  ])
  const statusIds = unique(rows.map((r) => r.statusId))
  const senderIds = unique(rows.map((r) => r.fromAccountId))
  const viewerId = viewer.accountId!

  const [accountEntities, statusEntities, muted, chatMessageEntities] = await Promise.all([
    (async () => {
      const { rows: list, users } = await loadAccountsWithUsers(ctx, accountIds)
      const rendered = await renderAccounts(ctx, list, viewer, { users })
      return new Map(list.map((a, i) => [a.id, rendered[i]]))
    })(),
    (async () => {
      if (!statusIds.length) return new Map<string, StatusEntity>()
      const list = await ctx.db.select().from(statuses).where(and(inArray(statuses.id, statusIds), visibleWithReblogSql(viewerId)))
      const rendered = await renderStatuses(ctx, list, viewer)
      return new Map(rendered.map((s) => [s.id, s]))
    })(),
    (async () => {
      const list = await ctx.db.select({ id: mutes.targetAccountId }).from(mutes).where(and(
        eq(mutes.accountId, viewerId), inArray(mutes.targetAccountId, senderIds), or(isNull(mutes.expiresAt), gt(mutes.expiresAt, new Date())),
      ))
      return new Set(list.map((m) => m.id))
    })(),
    (async () => {
      const ids = unique(rows.map((r) => r.chatMessageId))
      if (!ids.length) return new Map<string, ChatMessageEntity>()
      const messages = await ctx.db.select().from(chatMessages).where(inArray(chatMessages.id, ids))
      const chats = new Map((await chatsOfMessages(ctx.db, viewerId, messages)).map((c) => [c.recipientId, c]))
      const items = messages.flatMap((message) => {
        const chat = chats.get(message.accountId === viewerId ? message.recipientId : message.accountId)
        return chat ? [{ chat, message }] : []
      })
      return new Map((await renderChatMessagesIn(ctx, items)).map((m) => [m.id, m]))
    })(),
  ])
  const reportsById = new Map(reportRows.map((r) => [r.id, buildReport(r, accountEntities)]))
  return { accountEntities, statusEntities, muted, reportsById, chatMessageEntities }
}

/** The status and report a notification is about, or null when it is about one the viewer cannot be shown. */
function subjectOf(n: NotificationRow, loaded: Awaited<ReturnType<typeof preloadNotifications>>) {
  const status = n.statusId ? loaded.statusEntities.get(n.statusId) : undefined
  if (STATUS_TYPES.has(n.type) && !status) return null
  const report = n.reportId ? loaded.reportsById.get(n.reportId) ?? undefined : undefined
  if (n.type === 'pleroma:report' && !report) return null
  const chatMessage = n.chatMessageId ? loaded.chatMessageEntities.get(n.chatMessageId) : undefined
  if (n.type === 'pleroma:chat_mention' && !chatMessage) return null
  return { status, report, chatMessage }
}

/**
 * Renders a page of notifications with a fixed number of queries (see `preloadNotifications`). A notification whose
 * sender, status or report cannot be shown is left out.
 */
export async function renderNotifications(ctx: Ctx, rows: NotificationRow[], viewer: Viewer): Promise<NotificationEntity[]> {
  if (!rows.length) return []
  const loaded = await preloadNotifications(ctx, rows, viewer)
  const out: NotificationEntity[] = []
  for (const n of rows) {
    const account = loaded.accountEntities.get(n.fromAccountId)
    const subject = subjectOf(n, loaded)
    if (!account || !subject) continue
    out.push(buildNotificationEntity(n, account, {
      ...subject,
      target: n.targetAccountId ? loaded.accountEntities.get(n.targetAccountId) : undefined,
      muted: loaded.muted.has(n.fromAccountId),
    }))
  }
  return out
}

/** Mastodon's PartialAccountWithAvatar: just enough of an account to show its avatar in a group. */
function partialAccount(a: AccountEntity) {
  return {
    id: a.id, acct: a.acct, locked: a.locked, bot: a.bot, url: a.url, avatar: a.avatar, avatar_static: a.avatar_static,
    avatar_description: null,
  }
}

/**
 * Mastodon's GroupedNotificationsResults: the groups, and once each the accounts and statuses they name. With
 * `partialAvatars`, only each group's first account is given in full and the other sample accounts as partial ones.
 * A group whose status or report the viewer cannot see, or whose accounts are all hidden, is left out.
 */
export async function renderNotificationGroups(
  ctx: Ctx, groups: NotificationGroupData[], viewer: Viewer, opts: { partialAvatars?: boolean } = {},
) {
  const loaded = await preloadNotifications(ctx, groups.map((g) => g.latest), viewer, groups.flatMap((g) => g.sampleAccountIds))
  const full = new Map<string, AccountEntity>()
  const partial = new Map<string, AccountEntity>()
  const statusList = new Map<string, StatusEntity>()
  const notificationGroups = []
  for (const g of groups) {
    const n = g.latest
    const subject = subjectOf(n, loaded)
    const samples = g.sampleAccountIds.map((id) => loaded.accountEntities.get(id)).filter((a): a is AccountEntity => !!a)
    if (!subject || !samples.length) continue
    samples.forEach((a, i) => (i === 0 || !opts.partialAvatars ? full : partial).set(a.id, a))
    const target = n.targetAccountId ? loaded.accountEntities.get(n.targetAccountId) : undefined
    if (target) full.set(target.id, target)
    if (subject.status) statusList.set(subject.status.id, subject.status)
    notificationGroups.push({
      group_key: g.groupKey,
      notifications_count: g.count,
      type: n.type,
      most_recent_notification_id: n.seq,
      ...(g.page ? {
        page_min_id: String(g.page.minSeq),
        page_max_id: String(g.page.maxSeq),
        latest_page_notification_at: n.createdAt.toISOString(),
      } : {}),
      sample_account_ids: samples.map((a) => a.id),
      ...(subject.status ? { status_id: subject.status.id } : {}),
      ...(subject.report ? { report: subject.report } : {}),
      ...(target ? { target_account_id: target.id } : {}),
      ...(n.type === 'pleroma:emoji_reaction' ? { emoji: n.emoji, emoji_url: n.emojiUrl } : {}),
    })
  }
  for (const id of full.keys()) partial.delete(id)
  return {
    accounts: [...full.values()],
    ...(opts.partialAvatars ? { partial_accounts: [...partial.values()].map(partialAccount) } : {}),
    statuses: [...statusList.values()],
    notification_groups: notificationGroups,
  }
}

export async function renderNotification(ctx: Ctx, row: NotificationRow, viewer: Viewer): Promise<NotificationEntity | null> {
  const [entity] = await renderNotifications(ctx, [row], viewer)
  return entity ?? null
}
