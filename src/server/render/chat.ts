import { inArray } from 'drizzle-orm'
import { chatSummaries } from '../../core/chats/chats'
import type { Ctx } from '../../core/context'
import { decodeId } from '../../core/ids'
import { loadEmojisFor, shortcodesIn } from '../../core/emoji/queries'
import { remoteMediaProxyBase } from '../../core/media/remote-links'
import { mediaStorage } from '../../core/media/storage'
import type { Viewer } from '../../core/oauth/authenticate'
import { accounts, mediaAttachments, type ChatMessageRow, type ChatRow } from '../../db/schema'
import { renderAccounts, type AccountEntity } from './account'
import { buildCustomEmoji } from './instance'
import { buildMediaAttachment } from './media'

export type ChatMessageEntity = Awaited<ReturnType<typeof renderChatMessages>>[number]

/**
 * Pleroma's ChatMessage, as seen by the owner of `chat` (its `unread` is theirs: a message from the other side after
 * their last read one). Media and emoji are loaded once for the page.
 */
export async function renderChatMessages(ctx: Ctx, chat: ChatRow, rows: ChatMessageRow[]) {
  return renderChatMessagesIn(ctx, rows.map((message) => ({ chat, message })))
}

/** ChatMessages of several chats at once, each with the chat (and so the reader) it is shown in. */
export async function renderChatMessagesIn(ctx: Ctx, items: { chat: ChatRow; message: ChatMessageRow }[]) {
  const mediaIds = [...new Set(items.map((i) => i.message.mediaId).filter((id): id is string => !!id))]
  const [media, emojis] = await Promise.all([
    mediaIds.length ? ctx.db.select().from(mediaAttachments).where(inArray(mediaAttachments.id, mediaIds)) : [],
    loadEmojisFor(ctx.db, ctx.config.baseUrl, items.map((i) => ({ key: i.message.id, domain: null, shortcodes: shortcodesIn(i.message.source) }))),
  ])
  const storage = mediaStorage(ctx.config)
  const mediaById = new Map(media.map((m) => [m.id, buildMediaAttachment(m, storage, remoteMediaProxyBase(ctx.config))]))
  return items.map(({ chat, message: m }) => ({
    id: m.id,
    chat_id: chat.id,
    account_id: m.accountId,
    content: m.content,
    created_at: m.createdAt.toISOString(),
    emojis: (emojis.get(m.id) ?? []).map(buildCustomEmoji),
    attachment: m.mediaId ? mediaById.get(m.mediaId) ?? null : null,
    card: null,
    unread: m.accountId !== chat.accountId && isAfter(m.id, chat.lastReadId),
    idempotency_key: m.idempotencyKey,
  }))
}

/** Flake ids compared by value, as the database orders their uuids. */
function isAfter(id: string, lastReadId: string | null): boolean {
  if (!lastReadId) return true
  return (decodeId(id) ?? 0n) > (decodeId(lastReadId) ?? 0n)
}

export type ChatEntity = Awaited<ReturnType<typeof renderChats>>[number]

/** Pleroma's Chat: the other account, the unread count, the latest message; in a fixed number of queries. */
export async function renderChats(ctx: Ctx, rows: ChatRow[], viewer: Viewer) {
  if (!rows.length) return []
  const recipientIds = [...new Set(rows.map((r) => r.recipientId))]
  const [accountRows, summaries] = await Promise.all([
    ctx.db.select().from(accounts).where(inArray(accounts.id, recipientIds)),
    chatSummaries(ctx.db, rows),
  ])
  const rendered = await renderAccounts(ctx, accountRows, viewer)
  const byId = new Map<string, AccountEntity>(accountRows.map((a, i) => [a.id, rendered[i]]))
  const lastItems = rows.flatMap((chat) => {
    const message = summaries.get(chat.id)?.lastMessage
    return message ? [{ chat, message }] : []
  })
  const lastMessages = new Map((await renderChatMessagesIn(ctx, lastItems)).map((m) => [m.chat_id, m]))
  return rows.flatMap((chat) => {
    const account = byId.get(chat.recipientId)
    if (!account) return []
    return [{
      id: chat.id,
      account,
      unread: summaries.get(chat.id)?.unread ?? 0,
      last_message: lastMessages.get(chat.id) ?? null,
      updated_at: chat.updatedAt.toISOString(),
    }]
  })
}

export async function renderChat(ctx: Ctx, row: ChatRow, viewer: Viewer) {
  const [entity] = await renderChats(ctx, [row], viewer)
  return entity
}
