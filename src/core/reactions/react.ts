import { and, eq } from 'drizzle-orm'
import { statusReactions, type StatusRow } from '../../db/schema'
import type { Ctx } from '../context'
import { findLocalEmoji } from '../emoji/queries'
import { emojiUrl } from '../emoji/paths'
import { BadRequestError } from '../errors'
import { notify, withdrawNotifications } from '../notifications/notify'
import { getVisibleStatus } from '../visibility'
import { parseReactionEmoji } from './emoji'
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
    const [added] = await tx.insert(statusReactions).values({ statusId: target.id, accountId, emoji, emojiUrl: url })
      .onConflictDoNothing().returning({ id: statusReactions.id })
    if (!added) return
    await notify(tx, {
      type: 'pleroma:emoji_reaction',
      accountId: target.accountId,
      fromAccountId: accountId,
      statusId: target.id,
      emoji: url ? `:${emoji}:` : emoji,
      emojiUrl: url,
    })
  })
  return shown
}

/** Removes the account's reaction with that emoji, if any, and its notification. */
export async function unreactToStatus(ctx: Ctx, accountId: string, id: string, rawEmoji: unknown): Promise<StatusRow> {
  const emoji = await storedReactionName(ctx.db, rawEmoji)
  if (emoji === null) throw invalidEmoji(rawEmoji)
  const { shown, target } = await reactionTarget(ctx, accountId, id)
  await ctx.db.transaction(async (tx) => {
    const [removed] = await tx.delete(statusReactions)
      .where(and(eq(statusReactions.statusId, target.id), eq(statusReactions.accountId, accountId), eq(statusReactions.emoji, emoji)))
      .returning({ url: statusReactions.emojiUrl })
    if (!removed) return
    await withdrawNotifications(tx, {
      type: 'pleroma:emoji_reaction',
      fromAccountId: accountId,
      statusId: target.id,
      emoji: removed.url ? `:${emoji}:` : emoji,
    })
  })
  return shown
}
