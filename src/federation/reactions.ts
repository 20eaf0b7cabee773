// Emoji reactions between this instance and others: Pleroma's EmojiReact (unicode or custom emoji), Misskey's
// reaction Likes, and their Undo.
import type { Context, InboxContext } from '@fedify/fedify'
import { Emoji, EmojiReact, Image, Undo, type Like } from '@fedify/vocab'
import { eq } from 'drizzle-orm'
import type { Ctx } from '../core/context'
import { NotFoundError, ValidationError } from '../core/errors'
import { findAccountById, findAccountByUri, findRemoteActor } from '../core/federation/actors'
import type { PublishEvent } from '../core/federation/publish'
import { parseReactionEmoji } from '../core/reactions/emoji'
import { receiveRemoteReaction, removeRemoteReaction, type RemoteReactionEmoji } from '../core/reactions/react'
import { findStatusByUri } from '../core/statuses/remote-status'
import { statuses } from '../db/schema'
import { accountOf } from './inbox/posts'

export type ReactionEvent = Extract<PublishEvent, { type: 'react' | 'react.undo' }>

export const isReactionEvent = (event: PublishEvent): event is ReactionEvent => event.type === 'react' || event.type === 'react.undo'

/** An EmojiReact (or its Undo) goes to the status's author, with the custom emoji's image when it is one. */
export async function deliverReactionEvent(c: Context<Ctx>, event: ReactionEvent): Promise<void> {
  const ctx = c.data
  const [status] = await ctx.db.select({ uri: statuses.uri, accountId: statuses.accountId }).from(statuses)
    .where(eq(statuses.id, event.statusId)).limit(1)
  const reactor = await findAccountById(ctx, event.accountId)
  if (!status?.uri || !reactor || reactor.domain) return
  const author = await findRemoteActor(ctx, status.accountId)
  if (!author?.account.uri) return
  const recipient = {
    id: new URL(author.account.uri),
    inboxId: new URL(author.endpoints.inboxUrl),
    endpoints: author.endpoints.sharedInboxUrl ? { sharedInbox: new URL(author.endpoints.sharedInboxUrl) } : null,
  }
  const actor = c.getActorUri(reactor.username)
  const custom = event.emojiUrl ? `:${event.emoji}:` : null
  const react = new EmojiReact({
    id: new URL(event.uri),
    actor,
    object: new URL(status.uri),
    to: recipient.id,
    content: custom ?? event.emoji,
    tags: custom && event.emojiUrl ? [new Emoji({
      id: new URL(`/emojis/${encodeURIComponent(event.emoji)}`, ctx.config.baseUrl),
      name: custom,
      icon: new Image({ url: new URL(event.emojiUrl, ctx.config.baseUrl) }),
    })] : [],
  })
  const activity = event.type === 'react' ? react : new Undo({ id: new URL(`${event.uri}/undo`), actor, to: recipient.id, object: react })
  await c.sendActivity({ identifier: reactor.username }, recipient, activity, { excludeBaseUris: [new URL(ctx.config.baseUrl)] })
}

const CUSTOM = /^:([A-Za-z0-9_-]{1,64}):$/

/** The emoji of an EmojiReact or a Misskey reaction Like: its `content`, with the image of a custom one from `tag`. */
async function reactionEmoji(c: InboxContext<Ctx>, activity: EmojiReact | Like): Promise<RemoteReactionEmoji | null> {
  const content = activity.content?.toString().trim()
  if (!content) return null
  const custom = CUSTOM.exec(content)
  if (!custom) {
    const parsed = parseReactionEmoji(content)
    return parsed?.kind === 'unicode' ? parsed : null
  }
  for await (const tag of activity.getTags({ documentLoader: c.documentLoader, contextLoader: c.contextLoader, suppressError: true })) {
    if (!(tag instanceof Emoji) || tag.name?.toString() !== content) continue
    const icon = await tag.getIcon({ documentLoader: c.documentLoader, contextLoader: c.contextLoader, suppressError: true }).catch(() => null)
    const url = icon?.url instanceof URL ? icon.url : icon?.url && 'href' in icon.url ? icon.url.href : null
    if (url) return { kind: 'custom', shortcode: custom[1], url: url.href }
  }
  return null
}

/** A core action refused for this actor (it may not see the status) is dropped, not retried. */
const refused = (e: unknown) => {
  if (e instanceof NotFoundError || e instanceof ValidationError) return false
  throw e
}

/**
 * A remote actor's reaction to a status known here (an EmojiReact, or a Like carrying Misskey's reaction): stored as
 * a local reaction is, with its notification. Answers false when the activity is not a reaction (a plain Like).
 */
export async function onReaction(c: InboxContext<Ctx>, activity: EmojiReact | Like): Promise<boolean> {
  const actorId = activity.actorId
  if (!actorId || !activity.id || activity.id.origin !== actorId.origin || !activity.objectId) return activity instanceof EmojiReact
  const emoji = await reactionEmoji(c, activity)
  if (!emoji) return activity instanceof EmojiReact
  const status = await findStatusByUri(c.data.db, activity.objectId.href)
  if (!status) return true
  const account = await accountOf(c, actorId, () => activity.getActor(c))
  if (!account?.domain) return true
  await receiveRemoteReaction(c.data, account.id, status.id, emoji, activity.id.href).catch(refused)
  return true
}

/** Undo of a reaction (EmojiReact or reaction Like), by the actor who reacted: only its own reaction goes. */
export async function undoReaction(c: InboxContext<Ctx>, undo: Undo, activity: EmojiReact | Like): Promise<void> {
  const actorId = undo.actorId
  if (!actorId || activity.actorId?.href !== actorId.href || (undo.id && undo.id.origin !== actorId.origin)) return
  const account = await findAccountByUri(c.data, actorId.href)
  if (!account?.domain) return
  const status = activity.objectId ? await findStatusByUri(c.data.db, activity.objectId.href) : null
  const emoji = await reactionEmoji(c, activity)
  const name = emoji?.kind === 'unicode' ? emoji.emoji : emoji ? `${emoji.shortcode}@${account.domain}` : null
  if (activity.id) await removeRemoteReaction(c.data, account.id, null, { uri: activity.id.href, emoji: null })
  await removeRemoteReaction(c.data, account.id, status?.id ?? null, { uri: null, emoji: name })
}

/** Undo of a reaction named only by the id of its EmojiReact: the sending actor's own reaction with that id. */
export async function undoReactionById(c: InboxContext<Ctx>, undo: Undo): Promise<void> {
  const actorId = undo.actorId
  const objectId = undo.objectId
  if (!actorId || !objectId || objectId.origin !== actorId.origin) return
  const account = await findAccountByUri(c.data, actorId.href)
  if (account?.domain) await removeRemoteReaction(c.data, account.id, null, { uri: objectId.href, emoji: null })
}
