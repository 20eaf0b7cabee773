// Account moves between this instance and others: a local account's Move to its remote followers, and a remote
// account's Move, believed only when its target lists it in `alsoKnownAs` (fetched again to check).
import type { Context, InboxContext } from '@fedify/fedify'
import { Move, type Recipient } from '@fedify/vocab'
import type { Ctx } from '../core/context'
import { receiveRemoteMove } from '../core/accounts/move-account'
import { findAccountById, findAccountByUri, findLocalActor } from '../core/federation/actors'
import type { PublishEvent } from '../core/federation/publish'
import { deliveryTargets } from '../core/federation/statuses'
import { lookupRemoteAccount } from './lookup'

export type MoveEvent = Extract<PublishEvent, { type: 'move' }>

/** The Move of a local account to its target, to its remote followers' shared inboxes. */
export async function sendMove(c: Context<Ctx>, event: MoveEvent): Promise<void> {
  const ctx = c.data
  const [origin, target] = await Promise.all([findAccountById(ctx, event.accountId), findAccountById(ctx, event.targetId)])
  if (!origin || origin.domain) return
  const targetUri = target?.uri ?? (target && !target.domain ? c.getActorUri(target.username).href : null)
  if (!targetUri) return
  const targets = await deliveryTargets(ctx, origin.id, 'public', [])
  if (!targets.followers.length) return
  const actor = c.getActorUri(origin.username)
  const move = new Move({
    id: new URL(`${actor.href}#moves/${Date.now()}`),
    actor,
    object: actor,
    target: new URL(targetUri),
    to: c.getFollowersUri(origin.username),
  })
  const recipients = targets.followers.map((t): Recipient => ({
    id: new URL(t.uri),
    inboxId: new URL(t.inboxUrl),
    endpoints: t.sharedInboxUrl ? { sharedInbox: new URL(t.sharedInboxUrl) } : null,
  }))
  await c.sendActivity({ identifier: origin.username }, recipients, move, { preferSharedInbox: true, excludeBaseUris: [new URL(ctx.config.baseUrl)] })
}

/**
 * A remote actor's Move of itself: its target (local, or remote and fetched again now) must list it in
 * `alsoKnownAs`; then its local followers are moved as a local move moves them.
 */
export async function onMove(c: InboxContext<Ctx>, move: Move): Promise<void> {
  const actorId = move.actorId
  const targetId = move.targetId
  if (!actorId || !targetId || move.objectId?.href !== actorId.href || targetId.href === actorId.href) return
  if (move.id && move.id.origin !== actorId.origin) return
  const origin = await findAccountByUri(c.data, actorId.href)
  if (!origin?.domain || origin.suspendedAt || origin.deletedAt) return
  const parsed = c.parseUri(targetId)
  const target = parsed?.type === 'actor'
    ? await findLocalActor(c.data, parsed.identifier)
    : await lookupRemoteAccount(c.data, { url: targetId.href }, { fresh: true })
  if (!target || target.suspendedAt || target.deletedAt) return
  if (!target.alsoKnownAs.includes(actorId.href)) return
  await receiveRemoteMove(c.data, origin, target)
}
