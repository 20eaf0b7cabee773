import { and, eq, sql } from 'drizzle-orm'
import type { DbLike } from '../../db/client'
import { accounts, statusReactions, type StatusRow } from '../../db/schema'
import { uuidParam } from '../../db/sql'
import type { Ctx } from '../context'
import { activityUri, enqueuePublish } from '../federation/publish'
import { newId } from '../ids'
import { findLocalEmoji } from '../emoji/queries'
import { emojiUrl } from '../emoji/paths'
import { BadRequestError } from '../errors'
import { notify, withdrawNotifications } from '../notifications/notify'
import { getVisibleStatus } from '../visibility'
import { parseReactionEmoji } from './emoji'
import { isShortcode } from '../emoji/paths'
import { storedReactionName } from './queries'

/**
 * Pleroma emoji reactions. A reaction is stored as the unicode emoji, or a local custom emoji's shortcode (without
 * colons) with its image URL; its notification carries the emoji as Pleroma sends it (`:shortcode:` for custom ones).
 */

/** The status a reaction applies to: the one asked for (visible to the viewer), or the original of a reblog. */
async function reactionTarget(ctx: Ctx, accountId: string, id: string): Promise<{ shown: StatusRow; target: StatusRow }> {
  const shown = await getVisibleStatus(ctx, accountId, id)
  const target = shown.reblogOfId ? await getVisibleStatus(ctx, accountId, shown.reblogOfId) : shown
  return { shown, target }
}

const invalidEmoji = (raw: unknown) =>
  new BadRequestError(`"${String(raw).slice(0, 100)}" is not an emoji: use one unicode emoji or the shortcode of a custom emoji`)

/** Adds the account's reaction (once per emoji); answers the status asked for, to render. */
export async function reactToStatus(ctx: Ctx, accountId: string, id: string, rawEmoji: unknown): Promise<StatusRow> {
  const parsed = parseReactionEmoji(rawEmoji)
  if (!parsed) throw invalidEmoji(rawEmoji)
  const { shown, target } = await reactionTarget(ctx, accountId, id)
  let emoji: string
  let url: string | null = null
  if (parsed.kind === 'custom') {
    const custom = await findLocalEmoji(ctx.db, parsed.shortcode)
    if (!custom || !custom.fileKey) throw new BadRequestError(`There is no custom emoji ":${parsed.shortcode}:" on this server`)
    emoji = custom.shortcode
    url = emojiUrl(ctx.config.baseUrl, custom.fileKey)
  } else {
    emoji = parsed.emoji
  }
  await ctx.db.transaction(async (tx) => {
    const uri = target.local ? null : activityUri(ctx)
    if (!await addReaction(tx, { statusId: target.id, authorId: target.accountId, accountId, emoji, emojiUrl: url, uri })) return
    if (uri) await enqueuePublish(ctx, tx, { type: 'react', accountId, statusId: target.id, emoji, emojiUrl: url, uri })
  })
  return shown
}

interface NewReaction {
  statusId: string
  authorId: string
  accountId: string
  emoji: string
  emojiUrl: string | null
  /** the EmojiReact's id, when the reaction travels */
  uri: string | null
}

/** Stores a reaction once and notifies the status's author; false when it was already there. */
async function addReaction(tx: DbLike, r: NewReaction): Promise<boolean> {
  const [added] = await tx.insert(statusReactions).values({ statusId: r.statusId, accountId: r.accountId, emoji: r.emoji, emojiUrl: r.emojiUrl, uri: r.uri })
    .onConflictDoNothing().returning({ id: statusReactions.id })
  if (!added) return false
  await notify(tx, {
    type: 'pleroma:emoji_reaction',
    accountId: r.authorId,
    fromAccountId: r.accountId,
    statusId: r.statusId,
    emoji: r.emojiUrl ? `:${r.emoji}:` : r.emoji,
    emojiUrl: r.emojiUrl,
  })
  return true
}

/** A remote reaction's emoji: a unicode one, or a custom one of the reacting actor's domain with its image. */
export type RemoteReactionEmoji = { kind: 'unicode'; emoji: string } | { kind: 'custom'; shortcode: string; url: string }

/**
 * A remote account's reaction (Pleroma's EmojiReact, Misskey's reaction Like), under the same visibility rule and
 * with the same notification as a local one. A custom emoji is kept as the reacting account's domain's emoji and the
 * reaction is named `shortcode@domain`, as Pleroma names remote emoji in reactions.
 */
export async function receiveRemoteReaction(ctx: Ctx, accountId: string, statusId: string, raw: RemoteReactionEmoji, uri: string): Promise<boolean> {
  const status = await getVisibleStatus(ctx, accountId, statusId)
  const [account] = await ctx.db.select({ domain: accounts.domain }).from(accounts).where(eq(accounts.id, accountId)).limit(1)
  if (!account?.domain) return false
  let emoji: string
  let url: string | null = null
  if (raw.kind === 'custom') {
    if (!isShortcode(raw.shortcode) || !/^https?:\/\//i.test(raw.url) || raw.url.length > 2048) return false
    emoji = `${raw.shortcode}@${account.domain}`
    url = raw.url
  } else {
    const parsed = parseReactionEmoji(raw.emoji)
    if (parsed?.kind !== 'unicode') return false
    emoji = parsed.emoji
  }
  return ctx.db.transaction(async (tx) => {
    if (raw.kind === 'custom') {
      await tx.execute(sql`insert into custom_emojis (id, shortcode, domain, remote_url, visible_in_picker)
        values (${uuidParam(newId())}, ${raw.shortcode}, ${account.domain}, ${raw.url}, false)
        on conflict (shortcode, coalesce(domain, '')) do update set remote_url = excluded.remote_url, updated_at = now()
        where custom_emojis.remote_url is distinct from excluded.remote_url`)
    }
    return addReaction(tx, { statusId: status.id, authorId: status.accountId, accountId, emoji, emojiUrl: url, uri })
  })
}

/** Undo of a remote reaction: by the EmojiReact's id, else by its emoji. Only the reacting account's own. */
export async function removeRemoteReaction(ctx: Ctx, accountId: string, statusId: string | null, by: { uri: string | null; emoji: string | null }): Promise<void> {
  const conditions = [eq(statusReactions.accountId, accountId)]
  if (by.uri) conditions.push(eq(statusReactions.uri, by.uri))
  else if (statusId && by.emoji) conditions.push(eq(statusReactions.statusId, statusId), eq(statusReactions.emoji, by.emoji))
  else return
  await ctx.db.transaction(async (tx) => {
    const removed = await tx.delete(statusReactions).where(and(...conditions))
      .returning({ statusId: statusReactions.statusId, emoji: statusReactions.emoji, url: statusReactions.emojiUrl })
    for (const r of removed) {
      await withdrawNotifications(tx, { type: 'pleroma:emoji_reaction', fromAccountId: accountId, statusId: r.statusId, emoji: r.url ? `:${r.emoji}:` : r.emoji })
    }
  })
}

/** Removes the account's reaction with that emoji, if any, and its notification. */
export async function unreactToStatus(ctx: Ctx, accountId: string, id: string, rawEmoji: unknown): Promise<StatusRow> {
  const emoji = await storedReactionName(ctx.db, rawEmoji)
  if (emoji === null) throw invalidEmoji(rawEmoji)
  const { shown, target } = await reactionTarget(ctx, accountId, id)
  await ctx.db.transaction(async (tx) => {
    const [removed] = await tx.delete(statusReactions)
      .where(and(eq(statusReactions.statusId, target.id), eq(statusReactions.accountId, accountId), eq(statusReactions.emoji, emoji)))
      .returning({ url: statusReactions.emojiUrl, uri: statusReactions.uri })
    if (!removed) return
    if (removed.uri) {
      await enqueuePublish(ctx, tx, { type: 'react.undo', accountId, statusId: target.id, emoji, emojiUrl: removed.url, uri: removed.uri })
    }
    await withdrawNotifications(tx, {
      type: 'pleroma:emoji_reaction',
      fromAccountId: accountId,
      statusId: target.id,
      emoji: removed.url ? `:${emoji}:` : emoji,
    })
  })
  return shown
}
