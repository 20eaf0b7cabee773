import { and, asc, desc, eq, gt, inArray, lt, or, sql, type SQL } from 'drizzle-orm'
import { resultRows, type DbLike } from '../../db/client'
import { accounts, chatMessages, chats, mediaAttachments, remoteActors, users, type AccountRow, type ChatMessageRow, type ChatRow } from '../../db/schema'
import { uuidParam } from '../../db/sql'
import { visibleAccountSql } from '../accounts/queries'
import type { Ctx } from '../context'
import { NotFoundError, ValidationError } from '../errors'
import { publishEvent } from '../events'
import { isId, uuidToId } from '../ids'
import { notify } from '../notifications/notify'
import type { Viewer } from '../oauth/authenticate'
import { hiddenAuthorsSql } from '../relationships/filters'
import { activityUri, enqueuePublish } from '../federation/publish'
import { formatContent, htmlToPlainText, sanitizeContent } from '../statuses/format'
import { enqueueRemoteMediaCache } from '../media/remote'
import { remoteAttachmentColumns, type RemoteAttachment } from '../statuses/remote-status'

export interface ChatPage {
  maxId?: string
  sinceId?: string
  minId?: string
  limit: number
}

/** Messages between the two accounts, either direction. */
const pairSql = (a: string, b: string): SQL => or(
  and(eq(chatMessages.accountId, a), eq(chatMessages.recipientId, b)),
  and(eq(chatMessages.accountId, b), eq(chatMessages.recipientId, a)),
)!

const eitherBlocks = async (db: DbLike, a: string, b: string) => {
  const [row] = resultRows<{ blocked: boolean }>(await db.execute(sql`select exists (select 1 from blocks
    where (account_id = ${uuidParam(a)} and target_account_id = ${uuidParam(b)})
       or (account_id = ${uuidParam(b)} and target_account_id = ${uuidParam(a)})) as blocked`))
  return !!row?.blocked
}

/** `POST /api/v1/pleroma/chats/by-account-id/:id`: the caller's chat with a visible account, made on first use. */
export async function getOrCreateChat(ctx: Ctx, viewer: Viewer & { accountId: string }, recipientId: string): Promise<ChatRow> {
  if (!isId(recipientId)) throw new NotFoundError()
  const [recipient] = await ctx.db.select({ id: accounts.id, domain: accounts.domain }).from(accounts)
    .where(and(eq(accounts.id, recipientId), visibleAccountSql(viewer))).limit(1)
  if (!recipient) throw new NotFoundError()
  if (await eitherBlocks(ctx.db, viewer.accountId, recipientId)) throw new ValidationError('Chat with a blocked account is not possible')
  return ensureChat(ctx.db, viewer.accountId, recipientId)
}

async function ensureChat(db: DbLike, accountId: string, recipientId: string, touch = false): Promise<ChatRow> {
  const [row] = await db.insert(chats).values({ accountId, recipientId })
    .onConflictDoUpdate({ target: [chats.accountId, chats.recipientId], set: touch ? { updatedAt: sql`now()` } : { accountId: sql`excluded.account_id` } })
    .returning()
  return row
}

/** The caller's own chat; anyone else's, or a chat with an account either side blocks, is 404. */
export async function getChat(ctx: Ctx, accountId: string, chatId: string): Promise<ChatRow> {
  if (!isId(chatId)) throw new NotFoundError()
  const [row] = await ctx.db.select().from(chats).where(and(eq(chats.id, chatId), eq(chats.accountId, accountId))).limit(1)
  if (!row) throw new NotFoundError()
  return row
}

/** Chats whose other side the owner may see and neither blocks; muted ones only `withMuted`. Newest activity first. */
function listableSql(accountId: string, withMuted: boolean): SQL {
  return and(
    eq(chats.accountId, accountId),
    sql`exists (select 1 from accounts ca where ca.id = ${chats.recipientId} and ca.deleted_at is null and ca.suspended_at is null)`,
    sql`not exists (select 1 from blocks cb where (cb.account_id = ${chats.accountId} and cb.target_account_id = ${chats.recipientId})
      or (cb.account_id = ${chats.recipientId} and cb.target_account_id = ${chats.accountId}))`,
    sql`not ${hiddenAuthorsSql(accountId, sql`${chats.recipientId}`, { withMuted })}`,
  )!
}

/** `GET /api/v1/pleroma/chats`: all of them (Pleroma's v1 is unpaged). */
export async function listAllChats(ctx: Ctx, accountId: string): Promise<ChatRow[]> {
  return ctx.db.select().from(chats).where(listableSql(accountId, true))
    .orderBy(desc(chats.updatedAt), desc(chats.id)).limit(1000)
}

/**
 * `GET /api/v2/pleroma/chats`: paged by latest activity; `max_id`/`min_id`/`since_id` name chats of the caller, whose
 * position (`updated_at`, id) bounds the page.
 */
export async function listChats(ctx: Ctx, accountId: string, page: ChatPage, opts: { withMuted?: boolean } = {}): Promise<ChatRow[]> {
  const position = (id: string) => sql`(select c2.updated_at, c2.id from chats c2 where c2.id = ${uuidParam(id)} and c2.account_id = ${uuidParam(accountId)})`
  const here = sql`(${chats.updatedAt}, ${chats.id})`
  const conditions: SQL[] = [listableSql(accountId, !!opts.withMuted)]
  if (page.maxId) conditions.push(sql`${here} < ${position(page.maxId)}`)
  const newer = page.minId ?? page.sinceId
  if (newer) conditions.push(sql`${here} > ${position(newer)}`)
  const ascending = !!page.minId
  const rows = await ctx.db.select().from(chats).where(and(...conditions))
    .orderBy(...(ascending ? [asc(chats.updatedAt), asc(chats.id)] : [desc(chats.updatedAt), desc(chats.id)])).limit(page.limit)
  return ascending ? rows.reverse() : rows
}

/** `GET /api/v1/pleroma/chats/:id/messages`: newest first, keyset paged by message id. */
export async function chatMessagesPage(ctx: Ctx, accountId: string, chatId: string, page: ChatPage): Promise<{ chat: ChatRow; messages: ChatMessageRow[] }> {
  const chat = await getChat(ctx, accountId, chatId)
  const conditions: SQL[] = [pairSql(chat.accountId, chat.recipientId)]
  if (page.maxId) conditions.push(lt(chatMessages.id, page.maxId))
  const newer = page.minId ?? page.sinceId
  if (newer) conditions.push(gt(chatMessages.id, newer))
  const ascending = !!page.minId
  const rows = await ctx.db.select().from(chatMessages).where(and(...conditions))
    .orderBy(ascending ? asc(chatMessages.id) : desc(chatMessages.id)).limit(page.limit)
  return { chat, messages: ascending ? rows.reverse() : rows }
}

export interface PostChatMessageInput {
  content?: unknown
  media_id?: unknown
  idempotency_key?: unknown
}

const text = (value: unknown): string => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '')

/** A local recipient's own setting; a remote one's actor says (Pleroma's `capabilities.acceptsChatMessages`). */
async function recipientAccepts(db: DbLike, recipient: AccountRow): Promise<boolean> {
  if (recipient.domain) {
    const [remote] = await db.select({ accepts: remoteActors.acceptsChatMessages }).from(remoteActors)
      .where(eq(remoteActors.accountId, recipient.id)).limit(1)
    return remote?.accepts ?? false
  }
  const [user] = await db.select({ accepts: users.acceptsChatMessages }).from(users).where(eq(users.accountId, recipient.id)).limit(1)
  return user?.accepts ?? false
}

/**
 * `POST /api/v1/pleroma/chats/:id/messages`: text (formatted as a status's, within `chat_limit`) and/or one of the
 * sender's own unattached uploads. Both sides' chats move up, the recipient is notified and both get `pleroma:chat_update`.
 */
export async function postChatMessage(ctx: Ctx, accountId: string, chatId: string, input: PostChatMessageInput): Promise<ChatMessageRow> {
  const chat = await getChat(ctx, accountId, chatId)
  const source = text(input.content).trim()
  const mediaId = input.media_id === undefined || input.media_id === null || input.media_id === '' ? null : text(input.media_id)
  const idempotencyKey = text(input.idempotency_key).slice(0, 256) || null
  if (!source && !mediaId) throw new ValidationError('Validation failed: content or media_id is required')
  if ([...source].length > ctx.config.limits.maxTootChars) throw new ValidationError(`Validation failed: content is longer than ${ctx.config.limits.maxTootChars} characters`)
  const [recipient] = await ctx.db.select().from(accounts)
    .where(and(eq(accounts.id, chat.recipientId), visibleAccountSql(null))).limit(1)
  if (!recipient || await eitherBlocks(ctx.db, accountId, chat.recipientId)) throw new ValidationError('Chat with this account is not possible')
  if (!(await recipientAccepts(ctx.db, recipient))) throw new ValidationError('Recipient does not accept chat messages')
  if (mediaId) {
    const [media] = isId(mediaId)
      ? await ctx.db.select({ id: mediaAttachments.id }).from(mediaAttachments).where(and(
        eq(mediaAttachments.id, mediaId), eq(mediaAttachments.accountId, accountId),
        sql`${mediaAttachments.statusId} is null and ${mediaAttachments.scheduledStatusId} is null`,
        sql`not exists (select 1 from chat_messages cm where cm.media_id = ${mediaAttachments.id})`,
      )).limit(1)
      : []
    if (!media) throw new ValidationError('Validation failed: media_id is not an unattached upload of yours')
  }
  const formatted = source
    ? await formatContent(ctx.db, source, 'text/plain', { baseUrl: ctx.config.baseUrl, domain: ctx.config.domain })
    : { html: '' }
  return ctx.db.transaction(async (tx) => {
    const [message] = await tx.insert(chatMessages).values({
      accountId, recipientId: chat.recipientId, content: formatted.html, source, mediaId, idempotencyKey, uri: activityUri(ctx),
    }).returning()
    await tx.update(chats).set({ updatedAt: message.createdAt }).where(eq(chats.id, chat.id))
    await publishChatUpdate(tx, chat.id, accountId)
    if (recipient.domain) {
      // A remote recipient's server keeps their side; the message travels as a ChatMessage.
      await enqueuePublish(ctx, tx, { type: 'chat.create', messageId: message.id })
    } else {
      await deliverToLocalSide(tx, message)
    }
    return message
  })
}

/** The recipient's side of a new message: their chat moves up, they are told and notified. */
async function deliverToLocalSide(tx: DbLike, message: ChatMessageRow): Promise<void> {
  const theirs = await ensureChat(tx, message.recipientId, message.accountId, true)
  await publishChatUpdate(tx, theirs.id, message.recipientId)
  await notify(tx, { type: 'pleroma:chat_mention', accountId: message.recipientId, fromAccountId: message.accountId, chatMessageId: message.id })
}

export interface ReceivedChatMessage {
  senderId: string
  recipientId: string
  uri: string
  /** HTML as it came; sanitized here */
  content: string
  createdAt?: Date
  /** the message's one attachment, kept at its remote URL */
  attachment?: RemoteAttachment | null
}

/**
 * A chat message from a remote account to a local one (a ChatMessage that came through the inbox). Stored once per
 * `uri`; refused (false) when the recipient does not take chat messages or either side blocks the other.
 */
export async function receiveChatMessage(ctx: Ctx, input: ReceivedChatMessage): Promise<boolean> {
  const [recipient] = await ctx.db.select().from(accounts).where(eq(accounts.id, input.recipientId)).limit(1)
  if (!recipient || recipient.domain || recipient.suspendedAt || recipient.deletedAt) return false
  if (!(await recipientAccepts(ctx.db, recipient)) || await eitherBlocks(ctx.db, input.senderId, input.recipientId)) return false
  const content = sanitizeContent(input.content)
  const attachment = input.attachment ?? null
  if (!content.trim() && !attachment) return false
  return ctx.db.transaction(async (tx) => {
    const [duplicate] = await tx.select({ id: chatMessages.id }).from(chatMessages).where(eq(chatMessages.uri, input.uri)).limit(1)
    if (duplicate) return true
    const [media] = attachment
      ? await tx.insert(mediaAttachments).values(remoteAttachmentColumns(input.senderId, attachment)).returning({ id: mediaAttachments.id })
      : []
    const [message] = await tx.insert(chatMessages).values({
      accountId: input.senderId, recipientId: input.recipientId, content, source: htmlToPlainText(content), uri: input.uri,
      mediaId: media?.id ?? null,
      ...(input.createdAt && input.createdAt.getTime() <= Date.now() ? { createdAt: input.createdAt } : {}),
    }).onConflictDoNothing().returning()
    if (!message) return true
    if (media) await enqueueRemoteMediaCache(ctx, tx, { attachmentId: media.id })
    await deliverToLocalSide(tx, message)
    return true
  })
}

/** A remote sender took a message back (a Delete of its ChatMessage): gone from the recipient's chat. */
export async function deleteReceivedChatMessage(ctx: Ctx, senderId: string, uri: string): Promise<boolean> {
  return ctx.db.transaction(async (tx) => {
    const [gone] = await tx.delete(chatMessages).where(and(eq(chatMessages.uri, uri), eq(chatMessages.accountId, senderId))).returning()
    if (!gone) return false
    const [theirs] = await tx.select().from(chats).where(and(eq(chats.accountId, gone.recipientId), eq(chats.recipientId, senderId))).limit(1)
    if (theirs) await publishChatUpdate(tx, theirs.id, theirs.accountId)
    return true
  })
}

async function isRemote(db: DbLike, accountId: string): Promise<boolean> {
  const [row] = await db.select({ domain: accounts.domain }).from(accounts).where(eq(accounts.id, accountId)).limit(1)
  return !!row?.domain
}

const publishChatUpdate = (db: DbLike, chatId: string, accountId: string) => publishEvent(db, { type: 'chat_update', chatId, accountId })

/** The other side's chat row (null when it has none: a remote account, or never opened). */
async function otherSide(db: DbLike, chat: ChatRow): Promise<ChatRow | null> {
  const [row] = await db.select().from(chats).where(and(eq(chats.accountId, chat.recipientId), eq(chats.recipientId, chat.accountId))).limit(1)
  return row ?? null
}

async function getChatMessage(ctx: Ctx, chat: ChatRow, messageId: string): Promise<ChatMessageRow> {
  if (!isId(messageId)) throw new NotFoundError()
  const [row] = await ctx.db.select().from(chatMessages).where(and(eq(chatMessages.id, messageId), pairSql(chat.accountId, chat.recipientId))).limit(1)
  if (!row) throw new NotFoundError()
  return row
}

/** `DELETE /api/v1/pleroma/chats/:id/messages/:message_id`: only one's own messages; answers with the deleted one. */
export async function deleteChatMessage(ctx: Ctx, accountId: string, chatId: string, messageId: string): Promise<{ chat: ChatRow; message: ChatMessageRow }> {
  const chat = await getChat(ctx, accountId, chatId)
  const message = await getChatMessage(ctx, chat, messageId)
  if (message.accountId !== accountId) throw new NotFoundError()
  await ctx.db.transaction(async (tx) => {
    await tx.delete(chatMessages).where(eq(chatMessages.id, message.id))
    await publishChatUpdate(tx, chat.id, accountId)
    const theirs = await otherSide(tx, chat)
    if (theirs) await publishChatUpdate(tx, theirs.id, theirs.accountId)
    if (message.uri && await isRemote(tx, message.recipientId)) {
      await enqueuePublish(ctx, tx, { type: 'chat.delete', actorId: accountId, recipientId: message.recipientId, uri: message.uri })
    }
  })
  return { chat, message }
}

async function markReadUpTo(ctx: Ctx, chat: ChatRow, upTo: string): Promise<ChatRow> {
  const [row] = await ctx.db.update(chats)
    .set({ lastReadId: sql`greatest(coalesce(${chats.lastReadId}, ${uuidParam(upTo)}), ${uuidParam(upTo)})` })
    .where(eq(chats.id, chat.id)).returning()
  return row
}

/** `POST /api/v1/pleroma/chats/:id/read`: messages up to `last_read_id` are read. */
export async function markChatRead(ctx: Ctx, accountId: string, chatId: string, lastReadId: unknown): Promise<ChatRow> {
  const chat = await getChat(ctx, accountId, chatId)
  if (!isId(lastReadId)) throw new ValidationError('Validation failed: last_read_id is missing or malformed')
  return markReadUpTo(ctx, chat, lastReadId)
}

/** `POST /api/v1/pleroma/chats/:id/messages/:message_id/read`: the message (and those before it) are read. */
export async function markChatMessageRead(ctx: Ctx, accountId: string, chatId: string, messageId: string): Promise<{ chat: ChatRow; message: ChatMessageRow }> {
  const chat = await getChat(ctx, accountId, chatId)
  const message = await getChatMessage(ctx, chat, messageId)
  return { chat: await markReadUpTo(ctx, chat, message.id), message }
}

/** What rendering chats needs beyond their rows: each one's latest message and its number of unread ones. */
export async function chatSummaries(db: DbLike, rows: ChatRow[]): Promise<Map<string, { lastMessage: ChatMessageRow | null; unread: number }>> {
  const out = new Map<string, { lastMessage: ChatMessageRow | null; unread: number }>()
  if (!rows.length) return out
  const ids = rows.map((r) => uuidParam(r.id))
  const result = await db.execute(sql`select c.id as chat_id, lm.id as last_id,
      (select count(*)::int from chat_messages u where u.account_id = c.recipient_id and u.recipient_id = c.account_id
        and (c.last_read_id is null or u.id > c.last_read_id)) as unread
    from chats c
    left join lateral (select m.id from chat_messages m
      where (m.account_id = c.account_id and m.recipient_id = c.recipient_id) or (m.account_id = c.recipient_id and m.recipient_id = c.account_id)
      order by m.id desc limit 1) lm on true
    where c.id in (${sql.join(ids, sql`, `)})`)
  const summary = resultRows<{ chat_id: string; last_id: string | null; unread: number }>(result)
  const lastIds = summary.map((s) => s.last_id).filter((v): v is string => !!v).map(uuidToId)
  const messages = lastIds.length ? await db.select().from(chatMessages).where(inArray(chatMessages.id, lastIds)) : []
  const byId = new Map(messages.map((m) => [m.id, m]))
  for (const s of summary) {
    out.set(uuidToId(s.chat_id), { lastMessage: s.last_id ? byId.get(uuidToId(s.last_id)) ?? null : null, unread: Number(s.unread) })
  }
  return out
}

/** Chats by id (for rendering stream events), whoever owns them. */
export async function chatsByIds(db: DbLike, ids: string[]): Promise<ChatRow[]> {
  return ids.length ? db.select().from(chats).where(inArray(chats.id, ids)) : []
}

/** The owner's chat with the other party of each message, for notifications. */
export async function chatsOfMessages(db: DbLike, ownerId: string, messages: ChatMessageRow[]): Promise<ChatRow[]> {
  const others = [...new Set(messages.map((m) => (m.accountId === ownerId ? m.recipientId : m.accountId)))]
  return others.length ? db.select().from(chats).where(and(eq(chats.accountId, ownerId), inArray(chats.recipientId, others))) : []
}
