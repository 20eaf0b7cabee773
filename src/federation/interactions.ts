// Favourites (Like) and reblogs (Announce) between this instance and others, each with its Undo.
import type { Context, InboxContext } from '@fedify/fedify'
import { Announce, Like, PUBLIC_COLLECTION, Undo, type Recipient } from '@fedify/vocab'
import { eq } from 'drizzle-orm'
import type { Ctx } from '../core/context'
import { findAccountById, findAccountByUri, findRemoteActor } from '../core/federation/actors'
import type { PublishEvent, ReblogAnnouncement } from '../core/federation/publish'
import { deliveryTargets } from '../core/federation/statuses'
import { NotFoundError, ValidationError } from '../core/errors'
import { favouriteStatus, receiveRemoteReblog, removeRemoteReblog, unfavouriteStatus } from '../core/statuses/interactions'
import { findStatusByUri } from '../core/statuses/remote-status'
import { statuses } from '../db/schema'
import { accountOf, newBudget, resolveStatus } from './inbox/posts'
import { onReaction, undoReaction } from './reactions'

export type InteractionEvent = Extract<PublishEvent, { type: 'like' | 'like.undo' | 'announce' | 'announce.undo' }>

export const isInteractionEvent = (event: PublishEvent): event is InteractionEvent =>
  event.type.startsWith('like') || event.type.startsWith('announce')

async function recipientOf(ctx: Ctx, accountId: string): Promise<Recipient | null> {
  const remote = await findRemoteActor(ctx, accountId)
  if (!remote?.account.uri) return null
  return {
    id: new URL(remote.account.uri),
    inboxId: new URL(remote.endpoints.inboxUrl),
    endpoints: remote.endpoints.sharedInboxUrl ? { sharedInbox: new URL(remote.endpoints.sharedInboxUrl) } : null,
  }
}

export async function deliverInteractionEvent(c: Context<Ctx>, event: InteractionEvent): Promise<void> {
  return 'likeUri' in event ? sendLike(c, event) : sendAnnounce(c, event)
}

/** A Like (or its Undo) goes to the liked status's author only. */
async function sendLike(c: Context<Ctx>, event: Extract<InteractionEvent, { type: 'like' | 'like.undo' }>) {
  const ctx = c.data
  const [status] = await ctx.db.select({ uri: statuses.uri, accountId: statuses.accountId }).from(statuses)
    .where(eq(statuses.id, event.statusId)).limit(1)
  const liker = await findAccountById(ctx, event.accountId)
  if (!status?.uri || !liker || liker.domain) return
  const recipient = await recipientOf(ctx, status.accountId)
  if (!recipient) return
  const actor = c.getActorUri(liker.username)
  const like = new Like({ id: new URL(event.likeUri), actor, object: new URL(status.uri), to: recipient.id })
  const activity = event.type === 'like' ? like : new Undo({ id: new URL(`${event.likeUri}/undo`), actor, to: recipient.id, object: like })
  await c.sendActivity({ identifier: liker.username }, recipient, activity, { excludeBaseUris: [new URL(ctx.config.baseUrl)] })
}

/**
 * An Announce (or its Undo) goes to the reblogger's remote followers and the original's author: public = Public in
 * `to`, unlisted = followers in `to` and Public in `cc`; the author always in `cc`.
 */
async function sendAnnounce(c: Context<Ctx>, event: ReblogAnnouncement) {
  const ctx = c.data
  const [booster, author] = await Promise.all([findAccountById(ctx, event.accountId), findAccountById(ctx, event.originalAuthorId)])
  if (!booster || booster.domain || !author?.uri) return
  const actor = c.getActorUri(booster.username)
  const followers = c.getFollowersUri(booster.username)
  const authorUri = new URL(author.uri)
  const to = event.visibility === 'public' ? [PUBLIC_COLLECTION] : [followers]
  const cc = event.visibility === 'public' ? [followers, authorUri] : [PUBLIC_COLLECTION, authorUri]
  const announce = new Announce({ id: new URL(event.uri), actor, object: new URL(event.originalUri), tos: to, ccs: cc })
  const activity = event.type === 'announce'
    ? announce
    : new Undo({ id: new URL(`${event.uri}#undo`), actor, tos: to, ccs: cc, object: announce })
  const targets = await deliveryTargets(ctx, booster.id, event.visibility, author.domain ? [author.id] : [])
  const recipients = [...targets.followers, ...targets.addressed].map((t): Recipient => ({
    id: new URL(t.uri),
    inboxId: new URL(t.inboxUrl),
    endpoints: t.sharedInboxUrl ? { sharedInbox: new URL(t.sharedInboxUrl) } : null,
  }))
  if (!recipients.length) return
  await c.sendActivity({ identifier: booster.username }, recipients, activity, {
    preferSharedInbox: true, excludeBaseUris: [new URL(ctx.config.baseUrl)],
  })
}

/** The local status an incoming activity is about, by its id here. */
async function localStatusOf(ctx: Ctx, objectId: URL | null) {
  if (!objectId || objectId.origin !== new URL(ctx.config.baseUrl).origin) return null
  const status = await findStatusByUri(ctx.db, objectId.href)
  return status?.local ? status : null
}

/** A core action refused for this actor (it may not see the status) is dropped, not retried. */
const refused = (e: unknown) => {
  if (e instanceof NotFoundError || e instanceof ValidationError) return
  throw e
}

/**
 * A remote actor's Like of a local status becomes its favourite (as the API makes one, so with the visibility rule
 * and the notification). A Like carrying an emoji (Misskey's `_misskey_reaction`, also in `content`) is a reaction.
 */
export async function onLike(c: InboxContext<Ctx>, like: Like): Promise<void> {
  if (await onReaction(c, like)) return
  const actorId = like.actorId
  if (!actorId || (like.id && like.id.origin !== actorId.origin)) return
  const status = await localStatusOf(c.data, like.objectId)
  if (!status) return
  const account = await accountOf(c, actorId, () => like.getActor(c))
  if (!account?.domain) return
  await favouriteStatus(c.data, account.id, status.id).catch(refused)
}

/** Undo of a Like, by the actor who liked. */
export async function undoLike(c: InboxContext<Ctx>, undo: Undo, like: Like): Promise<void> {
  if (like.content) return undoReaction(c, undo, like)
  const actorId = undo.actorId
  if (!actorId || like.actorId?.href !== actorId.href || (undo.id && undo.id.origin !== actorId.origin)) return
  const status = await localStatusOf(c.data, like.objectId)
  const account = await findAccountByUri(c.data, actorId.href)
  if (!status || !account?.domain) return
  await unfavouriteStatus(c.data, account.id, status.id).catch(refused)
}

const PUBLIC_IRIS = new Set([PUBLIC_COLLECTION.href, 'as:Public', 'Public'])

/**
 * A remote actor's Announce of a status (local, known, or fetched from its origin within the limits) becomes its
 * reblog, public or unlisted as addressed; Announces not addressed to the public are not kept.
 */
export async function onAnnounce(c: InboxContext<Ctx>, announce: Announce): Promise<void> {
  const actorId = announce.actorId
  const objectId = announce.objectId
  if (!actorId || !objectId || !announce.id || announce.id.origin !== actorId.origin) return
  const visibility = announce.toIds.some((u) => PUBLIC_IRIS.has(u.href)) ? 'public'
    : announce.ccIds.some((u) => PUBLIC_IRIS.has(u.href)) ? 'unlisted' : null
  if (!visibility) return
  const account = await accountOf(c, actorId, () => announce.getActor(c))
  if (!account?.domain) return
  const original = await resolveStatus(c, objectId.href, newBudget())
  if (!original) return
  await receiveRemoteReblog(c.data, account.id, original.id, announce.id.href, visibility).catch(refused)
}

/** Undo of an Announce, by the actor who announced. */
export async function undoAnnounce(c: InboxContext<Ctx>, undo: Undo, announce: Announce): Promise<void> {
  const actorId = undo.actorId
  if (!actorId || !announce.id || announce.actorId?.href !== actorId.href || announce.id.origin !== actorId.origin) return
  const account = await findAccountByUri(c.data, actorId.href)
  if (account?.domain) await removeRemoteReblog(c.data, account.id, announce.id.href)
}
