import { index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core'
import { accounts } from './accounts'
import { createdAt, flakeId, primaryId, updatedAt } from './columns'
import { mediaAttachments } from './media'

/**
 * One user's side of a Pleroma chat with one other account. Each side has its own row (and id), made when its owner
 * opens the chat or first receives a message; `updated_at` moves with the latest message.
 */
export const chats = pgTable('chats', {
  id: primaryId(),
  accountId: flakeId('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  recipientId: flakeId('recipient_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  /** messages from the recipient up to this id are read */
  lastReadId: flakeId('last_read_id'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [
  uniqueIndex('chats_pair_uniq').on(t.accountId, t.recipientId),
  index('chats_account_updated_idx').on(t.accountId, t.updatedAt, t.id),
])

/** A chat message between two accounts, shared by both sides' chats. */
export const chatMessages = pgTable('chat_messages', {
  id: primaryId(),
  accountId: flakeId('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  recipientId: flakeId('recipient_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  /** sanitized HTML */
  content: text('content').notNull().default(''),
  source: text('source').notNull().default(''),
  mediaId: flakeId('media_id').references(() => mediaAttachments.id, { onDelete: 'set null' }),
  idempotencyKey: text('idempotency_key'),
  /** the ChatMessage object's id: ours for local messages, the sender's server's for remote ones */
  uri: text('uri'),
  createdAt: createdAt(),
}, (t) => [
  uniqueIndex('chat_messages_uri_uniq').on(t.uri),
  index('chat_messages_pair_idx').on(t.accountId, t.recipientId, t.id),
  index('chat_messages_media_idx').on(t.mediaId),
])

export type ChatRow = typeof chats.$inferSelect
export type ChatMessageRow = typeof chatMessages.$inferSelect

/** Pleroma's shoutbox: the instance-wide chat room; only the newest messages are kept. */
export const shouts = pgTable('shouts', {
  id: primaryId(),
  accountId: flakeId('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  text: text('text').notNull(),
  createdAt: createdAt(),
}, (t) => [index('shouts_account_idx').on(t.accountId)])

export type ShoutRow = typeof shouts.$inferSelect
