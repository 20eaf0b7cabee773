import { and, asc, eq, inArray, isNull, or, sql } from 'drizzle-orm'
import type { DbLike } from '../../db/client'
import { customEmojis, type CustomEmojiRow } from '../../db/schema'
import type { CustomEmoji } from '../instance/emojis'
import { emojiPath, emojiUrl } from './paths'

/** `:shortcode:` as Pleroma finds it in text: any run of `[A-Za-z0-9_-]` between two colons (colons may be shared). */
const SHORTCODE_IN_TEXT = /:([A-Za-z0-9_-]{1,64})(?=:)/g

/** The shortcodes written in texts (content, spoiler, poll options, names, bios...), each once, in order. */
export function shortcodesIn(...texts: (string | null | undefined)[]): string[] {
  const found = new Set<string>()
  for (const text of texts) {
    if (!text || !text.includes(':')) continue
    for (const m of text.matchAll(SHORTCODE_IN_TEXT)) found.add(m[1])
  }
  return [...found]
}

/** A custom emoji row as clients see it. */
export function toCustomEmoji(row: CustomEmojiRow, baseUrl: string): CustomEmoji {
  const url = row.fileKey ? emojiUrl(baseUrl, row.fileKey) : row.remoteUrl ?? ''
  const tags = row.packName ? [`pack:${row.packName}`] : []
  return {
    shortcode: row.shortcode,
    url,
    staticUrl: url,
    path: row.fileKey ? emojiPath(row.fileKey) : url,
    visibleInPicker: row.visibleInPicker,
    category: row.category ?? (row.packName ? `pack:${row.packName}` : null),
    tags,
  }
}

/** Every enabled local custom emoji, sorted by shortcode. */
export async function listLocalEmojis(db: DbLike, baseUrl: string): Promise<CustomEmoji[]> {
  const rows = await db.select().from(customEmojis)
    .where(and(isNull(customEmojis.domain), eq(customEmojis.disabled, false)))
    .orderBy(asc(customEmojis.shortcode))
  return rows.map((r) => toCustomEmoji(r, baseUrl))
}

/** An enabled local emoji by shortcode (exact case), or null. */
export async function findLocalEmoji(db: DbLike, shortcode: string): Promise<CustomEmojiRow | null> {
  const rows = await db.select().from(customEmojis)
    .where(and(eq(customEmojis.shortcode, shortcode), isNull(customEmojis.domain), eq(customEmojis.disabled, false)))
  return rows.find((r) => r.shortcode === shortcode) ?? null
}

/** What one text-bearing object needs: its shortcodes and whose emoji they are (null: local). */
export interface EmojiNeed {
  key: string
  domain: string | null
  shortcodes: string[]
}

/** The key of an emoji among those `loadEmojiRows` finds: its domain lower-cased ('' for local) and its shortcode. */
export const emojiKey = (domain: string | null, shortcode: string) => `${domain?.toLowerCase() ?? ''}:${shortcode}`

/** The enabled emoji of these shortcodes from these domains (null: local), in one query, by `emojiKey`. */
export async function loadEmojiRows(db: DbLike, shortcodes: string[], domains: (string | null)[]): Promise<Map<string, CustomEmojiRow>> {
  if (!shortcodes.length) return new Map()
  const remote = [...new Set(domains.filter((d): d is string => !!d).map((d) => d.toLowerCase()))]
  const rows = await db.select().from(customEmojis).where(and(
    inArray(customEmojis.shortcode, [...new Set(shortcodes)]),
    eq(customEmojis.disabled, false),
    remote.length ? or(isNull(customEmojis.domain), sql`lower(${customEmojis.domain}) in ${remote}`) : isNull(customEmojis.domain),
  ))
  return new Map(rows.map((r) => [emojiKey(r.domain, r.shortcode), r]))
}

/** For each need, the emoji found for it in `byKey`, in text order (needs with none are left out). */
export function emojisOfNeeds(needs: EmojiNeed[], byKey: (key: string) => CustomEmojiRow | null | undefined, baseUrl: string): Map<string, CustomEmoji[]> {
  const out = new Map<string, CustomEmoji[]>()
  for (const need of needs) {
    const list: CustomEmoji[] = []
    for (const code of need.shortcodes) {
      const row = byKey(emojiKey(need.domain, code))
      if (row) list.push(toCustomEmoji(row, baseUrl))
    }
    if (list.length) out.set(need.key, list)
  }
  return out
}

/**
 * The custom emoji used by many objects (statuses, accounts) in one query: for each `need.key`, the emoji whose
 * shortcode appears in its texts, from the object's own domain (local emoji for local objects), in text order.
 */
export async function loadEmojisFor(db: DbLike, baseUrl: string, needs: EmojiNeed[]): Promise<Map<string, CustomEmoji[]>> {
  const rows = await loadEmojiRows(db, needs.flatMap((n) => n.shortcodes), needs.map((n) => n.domain))
  return emojisOfNeeds(needs, (key) => rows.get(key), baseUrl)
}
