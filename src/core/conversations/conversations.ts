import { and, asc, eq, inArray, isNotNull, isNull, or, sql, type SQL } from 'drizzle-orm'
import { accounts, conversationParticipations, conversationRecipients, statusMentions, statuses, type StatusRow } from '../../db/schema'
import { uuidArrayParam, uuidParam } from '../../db/sql'
import type { Ctx } from '../context'
import { NotFoundError, ValidationError } from '../errors'
import { isId } from '../ids'
import type { TimelineOptions } from '../timelines/options'
import { keyset, newestFirst, type Page } from '../timelines/page'
import { statusPage } from '../timelines/timelines'
import { visibleStatusSql } from '../visibility'

export type ParticipationRow = typeof conversationParticipations.$inferSelect

export const MAX_CONVERSATION_RECIPIENTS = 100

/** The viewer's participation with this id; anyone else's, or an unknown id, is 404. */
export async function getParticipation(ctx: Ctx, accountId: string, id: string): Promise<ParticipationRow> {
  if (!isId(id)) throw new NotFoundError('Unknown conversation id')
  const [row] = await ctx.db.select().from(conversationParticipations)
    .where(and(eq(conversationParticipations.id, id), eq(conversationParticipations.accountId, accountId))).limit(1)
  if (!row) throw new NotFoundError('Unknown conversation id')
  return row
}

/** Participations whose recipient set is exactly the viewer plus `recipients` (Pleroma's `recipients[]`). */
function exactRecipientsSql(accountId: string, recipients: string[]): SQL {
  const wanted = [...new Set([accountId, ...recipients])]
  if (wanted.some((id) => !isId(id))) return sql`false`
  const p = conversationParticipations.id
  return sql`(select count(*) from ${conversationRecipients} r where r.participation_id = ${p}) = ${wanted.length}
    and (select count(*) from ${conversationRecipients} r where r.participation_id = ${p}
      and r.account_id in (${sql.join(wanted.map(uuidParam), sql`, `)})) = ${wanted.length}`
}

/**
 * `GET /api/v1/conversations`: the viewer's direct threads that are not hidden, by their last status, newest first
 * (paging ids are last status ids, as Mastodon).
 */
export async function listConversations(ctx: Ctx, accountId: string, page: Page, opts: { recipients?: string[] } = {}): Promise<ParticipationRow[]> {
  await refillLastStatuses(ctx, accountId)
  const k = keyset(conversationParticipations.lastStatusId, page)
  const rows = await ctx.db.select().from(conversationParticipations).where(and(
    eq(conversationParticipations.accountId, accountId),
    eq(conversationParticipations.hidden, false),
    isNotNull(conversationParticipations.lastStatusId),
    ...(opts.recipients?.length ? [exactRecipientsSql(accountId, opts.recipients)] : []),
    ...k.where,
  )).orderBy(k.orderBy).limit(page.limit)
  return newestFirst(rows, k.forwards)
}

/**
 * Deleting a thread's last status clears the participations' pointer to it; the newest remaining direct status of the
 * thread the viewer may see takes its place (none left: the conversation stays out of the list).
 */
async function refillLastStatuses(ctx: Ctx, accountId: string): Promise<void> {
  await ctx.db.execute(sql`
    update conversation_participations p set last_status_id = (
      select s.id from statuses s
      where s.conversation_id = p.conversation_id and s.visibility = 'direct' and ${visibleStatusSql(accountId, 's')}
      order by s.id desc limit 1)
    where p.account_id = ${uuidParam(accountId)} and p.last_status_id is null and not p.hidden`)
}

export async function markConversationRead(ctx: Ctx, accountId: string, id: string): Promise<ParticipationRow> {
  const participation = await getParticipation(ctx, accountId, id)
  const [row] = await ctx.db.update(conversationParticipations).set({ unread: false })
    .where(eq(conversationParticipations.id, participation.id)).returning()
  return row ?? participation
}

/** Pleroma's `POST /api/v1/pleroma/conversations/read`: every unread participation of the viewer, now read. */
export async function markAllConversationsRead(ctx: Ctx, accountId: string): Promise<ParticipationRow[]> {
  const rows = await ctx.db.update(conversationParticipations).set({ unread: false })
    .where(and(eq(conversationParticipations.accountId, accountId), eq(conversationParticipations.unread, true))).returning()
  return rows.sort((a, b) => ((b.lastStatusId ?? '') < (a.lastStatusId ?? '') ? -1 : 1))
}

/** `DELETE /api/v1/conversations/:id`: hidden from the list until a new status arrives in the thread. */
export async function hideConversation(ctx: Ctx, accountId: string, id: string): Promise<void> {
  const participation = await getParticipation(ctx, accountId, id)
  await ctx.db.update(conversationParticipations).set({ hidden: true, unread: false }).where(eq(conversationParticipations.id, participation.id))
}

/**
 * Pleroma's `PATCH /api/v1/pleroma/conversations/:id`: replaces the recipient set (the viewer always stays in it).
 * Ids of unknown or suspended accounts are left out.
 */
export async function setConversationRecipients(ctx: Ctx, accountId: string, id: string, recipientIds: string[] | undefined): Promise<ParticipationRow> {
  const participation = await getParticipation(ctx, accountId, id)
  if (!recipientIds) throw new ValidationError('Validation failed: recipients must be given')
  const asked = [...new Set(recipientIds.filter(isId))]
  if (asked.length > MAX_CONVERSATION_RECIPIENTS) {
    throw new ValidationError(`Validation failed: at most ${MAX_CONVERSATION_RECIPIENTS} recipients`)
  }
  const found = asked.length
    ? await ctx.db.select({ id: accounts.id }).from(accounts).where(and(inArray(accounts.id, asked), isNull(accounts.suspendedAt)))
    : []
  const everyone = [...new Set([accountId, ...found.map((a) => a.id)])]
  await ctx.db.transaction(async (tx) => {
    await tx.delete(conversationRecipients).where(eq(conversationRecipients.participationId, participation.id))
    await tx.insert(conversationRecipients).values(everyone.map((a) => ({ participationId: participation.id, accountId: a }))).onConflictDoNothing()
  })
  return participation
}

/**
 * Pleroma's `GET /api/v1/pleroma/conversations/:id/statuses`: the thread's statuses the viewer may see (reblogs left
 * out), one page by id, given oldest first as Pleroma does.
 */
export async function conversationStatuses(ctx: Ctx, accountId: string, id: string, page: Page, opts: TimelineOptions): Promise<StatusRow[]> {
  const participation = await getParticipation(ctx, accountId, id)
  const rows = await statusPage(ctx, accountId, page, opts, [
    eq(statuses.conversationId, participation.conversationId),
    isNull(statuses.reblogOfId),
  ])
  return rows.reverse()
}

/** `GET /api/v1/timelines/direct`: direct statuses the viewer wrote or is addressed by, newest first. */
export function directTimeline(ctx: Ctx, accountId: string, page: Page, opts: TimelineOptions): Promise<StatusRow[]> {
  return statusPage(ctx, accountId, page, opts, [
    eq(statuses.visibility, 'direct'),
    or(
      eq(statuses.accountId, accountId),
      sql`exists (select 1 from ${statusMentions} dm where dm.status_id = ${statuses.id} and dm.account_id = ${uuidParam(accountId)})`,
    )!,
  ])
}

/** Recipients per participation, for rendering. */
export async function loadRecipients(ctx: Ctx, participationIds: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>()
  if (!participationIds.length) return out
  const rows = await ctx.db.select().from(conversationRecipients)
    .where(inArray(conversationRecipients.participationId, participationIds))
    .orderBy(asc(conversationRecipients.accountId))
  for (const r of rows) out.set(r.participationId, [...(out.get(r.participationId) ?? []), r.accountId])
  return out
}

/** The viewer's participation id per thread (for `pleroma.direct_conversation_id`), for the given threads. */
export async function participationIdsByConversation(ctx: Ctx, accountId: string | null, conversationIds: string[]): Promise<Map<string, string>> {
  return (await participationIdsByAccount(ctx, accountId ? [accountId] : [], conversationIds)).get(accountId ?? '') ?? new Map()
}

/** `participationIdsByConversation` of many accounts in one query, by account. */
export async function participationIdsByAccount(ctx: Ctx, accountIds: string[], conversationIds: string[]): Promise<Map<string, Map<string, string>>> {
  const byAccount = new Map(accountIds.map((id) => [id, new Map<string, string>()]))
  if (!accountIds.length || !conversationIds.length) return byAccount
  const rows = await ctx.db.select({ id: conversationParticipations.id, accountId: conversationParticipations.accountId, conversationId: conversationParticipations.conversationId })
    .from(conversationParticipations)
    .where(and(sql`${conversationParticipations.accountId} = any(${uuidArrayParam(accountIds)})`, inArray(conversationParticipations.conversationId, conversationIds)))
  for (const r of rows) byAccount.get(r.accountId)?.set(r.conversationId, r.id)
  return byAccount
}
