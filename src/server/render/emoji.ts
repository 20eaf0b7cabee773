import type { Ctx } from '../../core/context'
import { emojiKey, emojisOfNeeds, loadEmojiRows, shortcodesIn, type EmojiNeed } from '../../core/emoji/queries'
import type { ReactionSummary } from '../../core/reactions/queries'
import type { AccountRow, CustomEmojiRow, StatusRow } from '../../db/schema'
import { renderCacheOf } from './cache'
import { buildCustomEmoji } from './instance'

/** Mastodon's CustomEmoji entity, as listed in `emojis` of statuses and accounts. */
export type CustomEmojiEntity = ReturnType<typeof buildCustomEmoji>

/** Pleroma's `pleroma.emoji_reactions` item. */
export interface EmojiReactionEntity {
  name: string
  count: number
  me: boolean
  url: string | null
  account_ids: string[]
}

/**
 * The emoji of each need, through the process's emoji cache: one query at most, for the shortcodes it does not know
 * yet (none inside a transaction, whose uncommitted emoji must not be kept).
 */
async function loadEntities(ctx: Ctx, needs: EmojiNeed[]): Promise<Map<string, CustomEmojiEntity[]>> {
  const cache = ctx.db === ctx.database.db ? renderCacheOf(ctx.database) : null
  const known = new Map<string, CustomEmojiRow | null>()
  const missing: { domain: string | null; shortcode: string }[] = []
  for (const need of needs) {
    for (const shortcode of need.shortcodes) {
      const key = emojiKey(need.domain, shortcode)
      if (known.has(key)) continue
      const hit = cache?.emojiFor(key)
      known.set(key, hit ?? null)
      if (hit === undefined) missing.push({ domain: need.domain, shortcode })
    }
  }
  if (missing.length) {
    const token = cache?.emojiToken()
    const found = await loadEmojiRows(ctx.db, missing.map((m) => m.shortcode), missing.map((m) => m.domain))
    const loaded = new Map(missing.map((m) => { const key = emojiKey(m.domain, m.shortcode); return [key, found.get(key) ?? null] as const }))
    for (const [key, row] of loaded) known.set(key, row)
    if (cache) cache.keepEmoji(token!, loaded)
  }
  const found = emojisOfNeeds(needs, (key) => known.get(key), ctx.config.baseUrl)
  return new Map([...found].map(([key, list]) => [key, list.map(buildCustomEmoji)]))
}

/**
 * The custom emoji of a page of statuses (content, content warning and poll options), in one query at most:
 * the author's own server's emoji, so local ones for local statuses.
 */
export function loadStatusEmojis(ctx: Ctx, rows: StatusRow[], authors: ReadonlyMap<string, Pick<AccountRow, 'domain'>>, pollOptions: Map<string, string[]>) {
  return loadEntities(ctx, rows.map((row) => ({
    key: row.id,
    domain: authors.get(row.accountId)?.domain ?? null,
    shortcodes: shortcodesIn(row.content, row.spoilerText, ...(pollOptions.get(row.id) ?? [])),
  })))
}

/** The custom emoji of a page of accounts (display name, bio, profile field names and values), in one query at most. */
export function loadAccountEmojis(ctx: Ctx, rows: Pick<AccountRow, 'id' | 'domain' | 'displayName' | 'note' | 'fields'>[]) {
  return loadEntities(ctx, rows.map((row) => ({
    key: row.id,
    domain: row.domain,
    shortcodes: shortcodesIn(row.displayName, row.note, ...row.fields.flatMap((f) => [f.name, f.value])),
  })))
}

/** The custom emoji of each revision of an edited status (keyed by index), in one query at most. */
export function loadRevisionEmojis(ctx: Ctx, authorDomain: string | null, revisions: { content: string; spoilerText: string; pollOptions: string[] | null }[]) {
  return loadEntities(ctx, revisions.map((r, i) => ({
    key: String(i),
    domain: authorDomain,
    shortcodes: shortcodesIn(r.content, r.spoilerText, ...(r.pollOptions ?? [])),
  })))
}

export function buildEmojiReactions(list: ReactionSummary[] | undefined): EmojiReactionEntity[] {
  return (list ?? []).map((r) => ({ name: r.name, count: r.count, me: r.me, url: r.url, account_ids: r.accountIds }))
}
