import type { InboxContext } from '@fedify/fedify'
import { ChatMessage, isActor, type Create, type Delete, type Update } from '@fedify/vocab'
import type { Ctx } from '../../core/context'
import { findAccountByUri } from '../../core/federation/actors'
import { deleteRemoteStatus, findStatusByUri, updateRemoteStatus } from '../../core/statuses/remote-status'
import { receiveChat, receiveChatDeletion } from '../chats'
import { storeRemoteActor } from '../mapping'
import { accountOf, isPost, newBudget, ownedBy, rawObject, receivePost, remoteStatusOf, type Json } from './posts'

// An embedded object whose id is on another origin than the activity is refetched from its id by Fedify
// (`crossOrigin: 'ignore'`), so what is checked below is what that origin serves.
const loadOptions = (c: InboxContext<Ctx>) => ({ documentLoader: c.documentLoader, contextLoader: c.contextLoader, suppressError: true })

const activityJson = async (activity: Create | Update): Promise<Json | null> => {
  const json = await activity.toJsonLd().catch(() => null)
  return json && typeof json === 'object' ? (json as Json) : null
}

/** Create of a Note, Article, Page or Question: stored once, by its author only. A ChatMessage goes to chats. */
export async function onCreate(c: InboxContext<Ctx>, create: Create): Promise<void> {
  const actorId = create.actorId
  if (!actorId) return
  const object = await create.getObject(loadOptions(c)).catch(() => null)
  if (object instanceof ChatMessage) {
    if (await accountOf(c, actorId, () => create.getActor(c))) await receiveChat(c, actorId, object)
    return
  }
  if (!isPost(object) || !ownedBy(object, actorId)) return
  if (await findStatusByUri(c.data.db, object.id!.href)) return
  const author = await accountOf(c, actorId, () => create.getActor(c))
  if (!author) return
  const json = await activityJson(create)
  await receivePost(c, object, await rawObject(object, json), author, newBudget(), json)
}

/** Update of a post (an edit, by its author) or of the sending actor itself (a profile change). */
export async function onUpdate(c: InboxContext<Ctx>, update: Update): Promise<void> {
  const actorId = update.actorId
  if (!actorId) return
  const object = await update.getObject(loadOptions(c)).catch(() => null)
  if (isActor(object)) {
    if (object.id?.href === actorId.href) await storeRemoteActor(c, object)
    return
  }
  if (!isPost(object) || !ownedBy(object, actorId)) return
  const [existing, author] = await Promise.all([findStatusByUri(c.data.db, object.id!.href), findAccountByUri(c.data, actorId.href)])
  if (!existing || !author || existing.accountId !== author.id) return
  const json = await activityJson(update)
  const status = await remoteStatusOf(c, object, await rawObject(object, json), author, newBudget(), json)
  // an edit the content policy refuses is not taken; the post stays as it was
  if (status) await updateRemoteStatus(c.data, existing.id, status)
}

/** Delete of a post or chat message (a Tombstone or its bare id), by its author: removed as a local delete removes. */
export async function onDelete(c: InboxContext<Ctx>, del: Delete): Promise<void> {
  const actorId = del.actorId
  const objectId = del.objectId
  if (!actorId || !objectId || objectId.origin !== actorId.origin) return
  const author = await findAccountByUri(c.data, actorId.href)
  if (!author?.domain) return
  await deleteRemoteStatus(c.data, objectId.href, author.id)
  await receiveChatDeletion(c.data, actorId, objectId)
}
