import type { InboxContext } from '@fedify/fedify'
import { ChatMessage, isActor, type Create, type Delete, type Update } from '@fedify/vocab'
import type { Ctx } from '../../core/context'
import { deleteRemoteAccount } from '../../core/accounts/delete-account'
import { findAccountByUri } from '../../core/federation/actors'
import { deleteRemoteStatus, findStatusByUri, updateRemoteStatus } from '../../core/statuses/remote-status'
import { isDeleted, rememberRemoteDeletion } from '../../core/statuses/tombstones'
import { receiveChat, receiveChatDeletion } from '../chats'
import { storeRemoteActor } from '../mapping'
import { isVote, onVote } from '../polls'
import { accountOf, isPost, newBudget, ownedBy, rawObject, receivePost, remoteStatusOf, type Json } from './posts'

// An embedded object whose id is on another origin than the activity is refetched from its id by Fedify
// (`crossOrigin: 'ignore'`), so what is checked below is what that origin serves.
const loadOptions = (c: InboxContext<Ctx>) => ({ documentLoader: c.documentLoader, contextLoader: c.contextLoader, suppressError: true })

const activityJson = async (activity: Create | Update): Promise<Json | null> => {
  const json = await activity.toJsonLd().catch(() => null)
  return json && typeof json === 'object' ? (json as Json) : null
}

/**
 * Create of a Note, Article, Page or Question: stored once, by its author only, and not again once its author
 * deleted it (a Create retried after its Delete). A ChatMessage goes to chats.
 */
export async function onCreate(c: InboxContext<Ctx>, create: Create): Promise<void> {
  const actorId = create.actorId
  if (!actorId) return
  const object = await create.getObject(loadOptions(c)).catch(() => null)
  if (object instanceof ChatMessage) {
    if (await accountOf(c, actorId, () => create.getActor(c))) await receiveChat(c, actorId, object)
    return
  }
  if (isVote(object)) return onVote(c, actorId, object, () => create.getActor(c))
  if (!isPost(object) || !ownedBy(object, actorId)) return
  if (await findStatusByUri(c.data.db, object.id!.href)) return
  if (await isDeleted(c.data.db, object.id!.href)) return
  const author = await accountOf(c, actorId, () => create.getActor(c))
  if (!author) return
  const json = await activityJson(create)
  await receivePost(c, object, await rawObject(object, json), author, newBudget(), json)
}

/**
 * Update of a post (an edit, by its author) or of the sending actor itself (a profile change). An edit of a post
 * not stored yet (its Create is late or was lost) stores the edited post, unless its author deleted it meanwhile.
 */
export async function onUpdate(c: InboxContext<Ctx>, update: Update): Promise<void> {
  const actorId = update.actorId
  if (!actorId) return
  const object = await update.getObject(loadOptions(c)).catch(() => null)
  if (isActor(object)) {
    if (object.id?.href !== actorId.href) return
    // the actor as sent, for what Fedify's vocabulary drops (Pleroma's `capabilities`)
    const embedded = (await activityJson(update))?.object as Json | undefined
    // a profile change may come with other pins: the featured collection is read again (its first items only)
    await storeRemoteActor(c, object, { raw: embedded && typeof embedded === 'object' && embedded.id === actorId.href ? embedded : null, refreshFeatured: true })
    return
  }
  if (!isPost(object) || !ownedBy(object, actorId)) return
  const existing = await findStatusByUri(c.data.db, object.id!.href)
  const json = await activityJson(update)
  if (!existing) {
    if (await isDeleted(c.data.db, object.id!.href)) return
    const author = await accountOf(c, actorId, () => update.getActor(c))
    if (author) await receivePost(c, object, await rawObject(object, json), author, newBudget(), json)
    return
  }
  const author = await findAccountByUri(c.data, actorId.href)
  if (!author || existing.accountId !== author.id) return
  const status = await remoteStatusOf(c, object, await rawObject(object, json), author, newBudget(), json)
  // an edit the content policy refuses is not taken; the post stays as it was
  if (status) await updateRemoteStatus(c.data, existing.id, status)
}

/**
 * Delete of a post or chat message (a Tombstone or its bare id), by its author: removed as a local delete removes.
 * An actor's Delete of itself (the signature is its own) removes that account's content and relationships here.
 * A Delete of something not stored here is remembered, so that its Create or Update arriving late stores nothing.
 */
export async function onDelete(c: InboxContext<Ctx>, del: Delete): Promise<void> {
  const actorId = del.actorId
  const objectId = del.objectId
  if (!actorId || !objectId || objectId.origin !== actorId.origin) return
  const author = await findAccountByUri(c.data, actorId.href)
  if (author && !author.domain) return
  if (objectId.href === actorId.href) {
    if (author) await deleteRemoteAccount(c.data, author.id)
    return
  }
  if (author && await deleteRemoteStatus(c.data, objectId.href, author.id)) return
  if (author && await receiveChatDeletion(c.data, actorId, objectId)) return
  if (await findStatusByUri(c.data.db, objectId.href)) return // someone else's status on that host: not theirs to delete
  await rememberRemoteDeletion(c.data.db, objectId.href, author?.id ?? null)
}
