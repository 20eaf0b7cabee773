// Pleroma chats over ActivityPub: a message is a Create of a ChatMessage addressed to exactly one actor, sent to
// that actor's own inbox (never a shared one); a deleted message is a Delete of its Tombstone.
import type { Context } from '@fedify/fedify'
import { ChatMessage, Create, Delete, Document, Tombstone, type Recipient } from '@fedify/vocab'
import { eq } from 'drizzle-orm'
import { deleteReceivedChatMessage, receiveChatMessage } from '../core/chats/chats'
import type { Ctx } from '../core/context'
import { findAccountById, findAccountByUri, findLocalActor, findRemoteActor } from '../core/federation/actors'
import type { PublishEvent } from '../core/federation/publish'
import { mediaStorage } from '../core/media/storage'
import { chatMessages, mediaAttachments } from '../db/schema'
import { readAttachments } from './inbox/posts'

const { Temporal } = globalThis as any

export type ChatEvent = Extract<PublishEvent, { type: 'chat.create' | 'chat.delete' }>

export const isChatEvent = (event: PublishEvent): event is ChatEvent => event.type.startsWith('chat.')

/** The remote account's personal inbox, or null when it is not a known remote actor. */
async function personalInbox(ctx: Ctx, accountId: string): Promise<Recipient | null> {
  const remote = await findRemoteActor(ctx, accountId)
  if (!remote?.account.uri) return null
  return { id: new URL(remote.account.uri), inboxId: new URL(remote.endpoints.inboxUrl), endpoints: null }
}

export async function deliverChatEvent(c: Context<Ctx>, event: ChatEvent): Promise<void> {
  const ctx = c.data
  if (event.type === 'chat.delete') {
    const [sender, recipient] = await Promise.all([findAccountById(ctx, event.actorId), personalInbox(ctx, event.recipientId)])
    if (!sender || sender.domain || !recipient) return
    const actor = c.getActorUri(sender.username)
    const activity = new Delete({
      id: new URL(`${event.uri}#delete`), actor, to: recipient.id, object: new Tombstone({ id: new URL(event.uri) }),
    })
    await c.sendActivity({ identifier: sender.username }, recipient, activity)
    return
  }
  const [message] = await ctx.db.select().from(chatMessages).where(eq(chatMessages.id, event.messageId)).limit(1)
  if (!message?.uri) return
  const [sender, recipient] = await Promise.all([findAccountById(ctx, message.accountId), personalInbox(ctx, message.recipientId)])
  if (!sender || sender.domain || !recipient) return
  const [media] = message.mediaId
    ? await ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.id, message.mediaId)).limit(1)
    : []
  const mediaUrl = media?.fileKey ? new URL(mediaStorage(ctx.config).url(media.fileKey), ctx.config.baseUrl) : null
  const actor = c.getActorUri(sender.username)
  const published = Temporal.Instant.from(message.createdAt.toISOString())
  const object = new ChatMessage({
    id: new URL(message.uri),
    attribution: actor,
    to: recipient.id,
    content: message.content,
    published,
    attachments: media && mediaUrl ? [new Document({ mediaType: media.mimeType, url: mediaUrl, name: media.description || null })] : [],
  })
  const activity = new Create({ id: new URL(`${message.uri}#create`), actor, to: recipient.id, object, published })
  await c.sendActivity({ identifier: sender.username }, recipient, activity)
}

/**
 * A Create of a ChatMessage from `senderUri`: stored when it is the sender's own message, addressed to one local
 * account. Answers whether it was taken.
 */
export async function receiveChat(c: Context<Ctx>, senderUri: URL, message: ChatMessage): Promise<boolean> {
  const ctx = c.data
  if (!message.id || message.id.origin !== senderUri.origin || message.attributionId?.href !== senderUri.href) return false
  const addressed = message.toIds
  if (addressed.length !== 1) return false
  const parsed = c.parseUri(addressed[0])
  if (parsed?.type !== 'actor') return false
  const [sender, recipient] = await Promise.all([findAccountByUri(ctx, senderUri.href), findLocalActor(ctx, parsed.identifier)])
  if (!sender?.domain || !recipient) return false
  const content = message.content?.toString() ?? ''
  const published = message.published ? new Date(message.published.epochMilliseconds) : undefined
  const json = await message.toJsonLd().catch(() => null)
  // A chat message carries at most one attachment (Pleroma's rule); it stays at its remote URL.
  const [attachment] = json && typeof json === 'object' ? readAttachments(json as Record<string, unknown>) : []
  return receiveChatMessage(ctx, {
    senderId: sender.id, recipientId: recipient.id, uri: message.id.href, content, createdAt: published, attachment: attachment ?? null,
  })
}

/** A Delete whose object is one of the sender's chat messages; false when it is not one. */
export async function receiveChatDeletion(ctx: Ctx, senderUri: URL, objectUri: URL): Promise<boolean> {
  if (objectUri.origin !== senderUri.origin) return false
  const sender = await findAccountByUri(ctx, senderUri.href)
  return sender?.domain ? deleteReceivedChatMessage(ctx, sender.id, objectUri.href) : false
}
