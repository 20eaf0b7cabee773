// Blocks and reports between this instance and others: Block and its Undo, and Flag (a forwarded report).
import type { Context, InboxContext } from '@fedify/fedify'
import { Block, Flag, Undo, type Recipient } from '@fedify/vocab'
import { and, eq, inArray, isNull } from 'drizzle-orm'
import type { Ctx } from '../core/context'
import { findAccountById, findAccountByUri, findLocalActor, findRemoteActor } from '../core/federation/actors'
import { activityUri, type PublishEvent } from '../core/federation/publish'
import { INSTANCE_KEY_OWNER } from '../core/federation/keys'
import { domainPolicy } from '../core/instance/domain-policy'
import { blockAccount, unblockAccount } from '../core/relationships/block'
import { receiveRemoteReport } from '../core/reports/create-report'
import { findStatusByUri } from '../core/statuses/remote-status'
import { accounts, reports, statuses } from '../db/schema'
import { accountOf } from './inbox/posts'

export type ModerationEvent = Extract<PublishEvent, { type: 'block' | 'block.undo' | 'flag' }>

export const isModerationEvent = (event: PublishEvent): event is ModerationEvent => event.type.startsWith('block') || event.type === 'flag'

export async function deliverModerationEvent(c: Context<Ctx>, event: ModerationEvent): Promise<void> {
  return event.type === 'flag' ? sendFlag(c, event.reportId) : sendBlock(c, event)
}

async function recipientOf(ctx: Ctx, accountId: string): Promise<Recipient | null> {
  const remote = await findRemoteActor(ctx, accountId)
  if (!remote?.account.uri || !remote.account.domain) return null
  return {
    id: new URL(remote.account.uri),
    inboxId: new URL(remote.endpoints.inboxUrl),
    endpoints: remote.endpoints.sharedInboxUrl ? { sharedInbox: new URL(remote.endpoints.sharedInboxUrl) } : null,
  }
}

/** A Block (or its Undo) goes to the blocked actor's own inbox only, as Mastodon sends it. */
async function sendBlock(c: Context<Ctx>, event: Extract<ModerationEvent, { type: 'block' | 'block.undo' }>) {
  const [blocker, recipient] = await Promise.all([findAccountById(c.data, event.accountId), recipientOf(c.data, event.targetId)])
  if (!blocker || blocker.domain || !recipient) return
  const actor = c.getActorUri(blocker.username)
  const block = new Block({ id: new URL(event.uri), actor, object: recipient.id, to: recipient.id })
  const activity = event.type === 'block' ? block : new Undo({ id: new URL(`${event.uri}/undo`), actor, to: recipient.id, object: block })
  await c.sendActivity({ identifier: blocker.username }, recipient, activity, { excludeBaseUris: [new URL(c.data.config.baseUrl)] })
}

/**
 * A forwarded report goes to the reported account's instance as a Flag from the instance actor, so the reporter
 * stays unknown there: the account and the reported statuses as objects, the comment as content.
 */
async function sendFlag(c: Context<Ctx>, reportId: string) {
  const ctx = c.data
  const [report] = await ctx.db.select().from(reports).where(eq(reports.id, reportId)).limit(1)
  if (!report?.forward) return
  const recipient = await recipientOf(ctx, report.targetAccountId)
  if (!recipient) return
  const reported = report.statusIds.length
    ? await ctx.db.select({ uri: statuses.uri }).from(statuses)
      .where(and(inArray(statuses.id, report.statusIds), eq(statuses.accountId, report.targetAccountId)))
    : []
  const flag = new Flag({
    id: new URL(activityUri(ctx)),
    actor: c.getActorUri(INSTANCE_KEY_OWNER),
    objects: [recipient.id!, ...reported.filter((s) => s.uri).map((s) => new URL(s.uri!))],
    content: report.comment,
    to: recipient.id,
  })
  await c.sendActivity({ identifier: INSTANCE_KEY_OWNER }, recipient, flag, { preferSharedInbox: true, excludeBaseUris: [new URL(ctx.config.baseUrl)] })
}

/** The local account an activity's object names, by its actor URI here. */
async function localTargetOf(c: InboxContext<Ctx>, objectId: URL | null) {
  if (!objectId) return null
  const parsed = c.parseUri(objectId)
  return parsed?.type === 'actor' ? findLocalActor(c.data, parsed.identifier) : null
}

/**
 * A remote actor's Block of a local account: stored as a local block is, so follows end both ways, and the blocked
 * account's posts no longer go to the blocker.
 */
export async function onBlock(c: InboxContext<Ctx>, block: Block): Promise<void> {
  const actorId = block.actorId
  if (!actorId || (block.id && block.id.origin !== actorId.origin)) return
  const target = await localTargetOf(c, block.objectId)
  if (!target) return
  const blocker = await accountOf(c, actorId, () => block.getActor(c))
  if (!blocker?.domain) return
  await blockAccount(c.data, blocker.id, target)
}

/** Undo of a Block, by the actor who blocked. */
export async function undoBlock(c: InboxContext<Ctx>, undo: Undo, block: Block): Promise<void> {
  const actorId = undo.actorId
  if (!actorId || block.actorId?.href !== actorId.href || (undo.id && undo.id.origin !== actorId.origin)) return
  const [target, blocker] = await Promise.all([localTargetOf(c, block.objectId), findAccountByUri(c.data, actorId.href)])
  if (target && blocker?.domain) await unblockAccount(c.data, blocker.id, target)
}

const MAX_FLAG_OBJECTS = 100

/**
 * A Flag from another instance: one report for each local account it names (directly, or as the author of a named
 * local status), filed by the sending actor, with the comment and the named statuses of that account.
 */
export async function onFlag(c: InboxContext<Ctx>, flag: Flag): Promise<void> {
  const actorId = flag.actorId
  if (!actorId || (flag.id && flag.id.origin !== actorId.origin)) return
  if ((await domainPolicy(c.data, actorId.host)).rejectReports) return
  const objectIds = flag.objectIds.slice(0, MAX_FLAG_OBJECTS)
  const targets = new Map<string, string[]>()
  for (const id of objectIds) {
    const account = await localTargetOf(c, id)
    if (account) {
      if (!targets.has(account.id)) targets.set(account.id, [])
      continue
    }
    const status = id.origin === new URL(c.data.config.baseUrl).origin ? await findStatusByUri(c.data.db, id.href) : null
    if (status?.local) targets.set(status.accountId, [...(targets.get(status.accountId) ?? []), status.id])
  }
  if (!targets.size) return
  const live = await c.data.db.select({ id: accounts.id }).from(accounts)
    .where(and(inArray(accounts.id, [...targets.keys()]), isNull(accounts.domain), isNull(accounts.deletedAt)))
  if (!live.length) return
  const reporter = await accountOf(c, actorId, () => flag.getActor(c))
  if (!reporter?.domain) return
  const comment = flag.content?.toString() ?? ''
  for (const { id } of live) {
    await receiveRemoteReport(c.data, { reporterId: reporter.id, targetId: id, statusIds: targets.get(id) ?? [], comment })
  }
}
