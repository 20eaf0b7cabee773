// Pinned statuses between this instance and others: Add and Remove on an actor's featured collection, as Mastodon
// sends them, and the featured collection of a remote actor read when it is first stored and when it updates itself.
import type { Context, InboxContext } from '@fedify/fedify'
import { Add, Collection, isActor, Remove, type Recipient } from '@fedify/vocab'
import { eq } from 'drizzle-orm'
import type { Ctx } from '../core/context'
import { findAccountById, findAccountByUri } from '../core/federation/actors'
import type { PublishEvent } from '../core/federation/publish'
import { deliveryTargets } from '../core/federation/statuses'
import { MAX_REMOTE_PINS, setRemotePins } from '../core/statuses/interactions'
import { statuses } from '../db/schema'
import { newBudget, resolveStatus } from './inbox/posts'
import { fetchRemoteObject } from './lookup'

export type PinEvent = Extract<PublishEvent, { type: 'pin' | 'pin.undo' | 'featured.sync' }>

export const isPinEvent = (event: PublishEvent): event is PinEvent => event.type.startsWith('pin') || event.type === 'featured.sync'

export async function deliverPinEvent(c: Context<Ctx>, event: PinEvent): Promise<void> {
  return event.type === 'featured.sync' ? syncFeatured(c, event.accountId, event.featuredUrl) : sendPin(c, event)
}

/** An Add (pin) or Remove (unpin) of a status on the account's featured collection, to its remote followers. */
async function sendPin(c: Context<Ctx>, event: Extract<PinEvent, { type: 'pin' | 'pin.undo' }>) {
  const ctx = c.data
  const [account, [status]] = await Promise.all([
    findAccountById(ctx, event.accountId),
    ctx.db.select({ uri: statuses.uri }).from(statuses).where(eq(statuses.id, event.statusId)).limit(1),
  ])
  if (!account || account.domain || !status?.uri) return
  const targets = await deliveryTargets(ctx, account.id, 'public', [])
  if (!targets.followers.length) return
  const actor = c.getActorUri(account.username)
  const values = {
    id: new URL(`${actor.href}#${event.type === 'pin' ? 'pins' : 'unpins'}/${event.statusId}/${Date.now()}`),
    actor,
    object: new URL(status.uri),
    target: c.getFeaturedUri(account.username),
    to: c.getFollowersUri(account.username),
  }
  const activity = event.type === 'pin' ? new Add(values) : new Remove(values)
  const recipients = targets.followers.map((t): Recipient => ({
    id: new URL(t.uri),
    inboxId: new URL(t.inboxUrl),
    endpoints: t.sharedInboxUrl ? { sharedInbox: new URL(t.sharedInboxUrl) } : null,
  }))
  await c.sendActivity({ identifier: account.username }, recipients, activity, { preferSharedInbox: true, excludeBaseUris: [new URL(ctx.config.baseUrl)] })
}

/** The remote account whose featured collection an Add or Remove targets, when the sender is that account. */
async function featuredOwner(c: InboxContext<Ctx>, activity: Add | Remove) {
  const actorId = activity.actorId
  const targetId = activity.targetId
  if (!actorId || !targetId || targetId.origin !== actorId.origin || (activity.id && activity.id.origin !== actorId.origin)) return null
  const actor = await activity.getActor(c).catch(() => null)
  if (!isActor(actor) || actor.id?.href !== actorId.href || actor.featuredId?.href !== targetId.href) return null
  const account = await findAccountByUri(c.data, actorId.href)
  return account?.domain ? account : null
}

/** A remote actor pins (Add) or unpins (Remove) one of its statuses; the status is fetched if it is not here yet. */
export async function onFeaturedChange(c: InboxContext<Ctx>, activity: Add | Remove): Promise<void> {
  const objectId = activity.objectId
  if (!objectId) return
  const account = await featuredOwner(c, activity)
  if (!account) return
  if (activity instanceof Remove) {
    const [status] = await c.data.db.select({ id: statuses.id }).from(statuses).where(eq(statuses.uri, objectId.href)).limit(1)
    if (status) await setRemotePins(c.data, account.id, { remove: [status.id] })
    return
  }
  if (objectId.origin !== new URL(account.uri!).origin) return
  const status = await resolveStatus(c, objectId.href, newBudget())
  if (status && status.accountId === account.id) await setRemotePins(c.data, account.id, { add: [status.id] })
}

/** Reads a remote account's featured collection (its first items, within the fetch budget) as its pins. */
async function syncFeatured(c: Context<Ctx>, accountId: string, featuredUrl: string) {
  const account = await findAccountById(c.data, accountId)
  if (!account?.domain || !account.uri || new URL(featuredUrl).origin !== new URL(account.uri).origin) return
  // not from the document cache: after an Update the collection read at first sight may have changed
  const collection = await fetchRemoteObject(c.data, new URL(featuredUrl), { fresh: true })
  if (!(collection instanceof Collection)) return
  const ids: URL[] = []
  for (const id of collection.itemIds) {
    if (ids.length >= MAX_REMOTE_PINS) break
    if (id.origin === new URL(account.uri).origin) ids.push(id)
  }
  const budget = newBudget()
  const pinned: string[] = []
  for (const id of ids) {
    const status = await resolveStatus(c, id.href, budget)
    if (status?.accountId === account.id) pinned.push(status.id)
  }
  await setRemotePins(c.data, account.id, { add: pinned, replace: true })
}
