// What rendering a status or an account takes from other rows and that no viewer changes, kept per process so that a
// page does not load it again. Nothing here decides who may see what: visibility, the viewer's flags, votes, filters,
// reactions and conversations, and every counter, are read with each page.
//
// Coherence across processes:
// - A status's parts (mentions, tags, media, card, application, whether it has a poll) are kept under the status's
//   `render_version`, which triggers bump in the transaction of any change to them (migration render_version). A
//   page reads the status row anyway, so it uses the parts only while the version it read is the one they were
//   loaded for, whichever process made the change. Parts are stored under the version read *before* them, so an
//   entry is never older than its version.
// - Custom emoji (per shortcode and domain, used by statuses and accounts alike) are dropped by every process when a
//   trigger NOTIFYs `rookery_render` on commit of any change to them. Nothing is kept until this process listens,
//   everything is dropped when the LISTEN is re-established, and a load that overlapped a drop is not kept.
import type { Database } from '../../db/client'
import type { CustomEmojiRow, MediaAttachmentRow, PreviewCardRow } from '../../db/schema'

export const RENDER_CHANNEL = 'rookery_render'

/** How many statuses' parts and emoji each process keeps at most (least recently used go first). */
export const STATUS_PARTS_LIMIT = 5_000
export const EMOJI_LIMIT = 5_000

/** A Map that keeps at most `limit` entries, forgetting the least recently read or written. */
export class Lru<K, V> {
  private readonly entries = new Map<K, V>()
  constructor(readonly limit: number) {}

  get(key: K): V | undefined {
    const value = this.entries.get(key)
    if (value === undefined) return undefined
    this.entries.delete(key)
    this.entries.set(key, value)
    return value
  }

  set(key: K, value: V) {
    this.entries.delete(key)
    this.entries.set(key, value)
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value as K)
  }

  get size() { return this.entries.size }

  clear() { this.entries.clear() }
}

export interface MentionRow {
  id: string
  username: string
  domain: string | null
  url: string | null
  uri: string | null
}

/** A status's viewer-independent parts as loaded from their rows (entities are built from them per request). */
export interface StatusParts {
  mentions: MentionRow[]
  tags: string[]
  media: MediaAttachmentRow[]
  card: PreviewCardRow | null
  application: { id: string; name: string; website: string | null } | null
  hasPoll: boolean
}

type PostgresListener = {
  listen(channel: string, fn: (payload: string) => void, onlisten?: () => void): Promise<unknown>
}

export class RenderCache {
  private readonly statusParts = new Lru<string, { version: number; parts: StatusParts }>(STATUS_PARTS_LIMIT)
  /** `domain:shortcode` (domain lower-cased, '' for local) → the enabled emoji, or null for none */
  private readonly emoji = new Lru<string, CustomEmojiRow | null>(EMOJI_LIMIT)
  private emojiGeneration = 0
  private listening = false

  constructor(database: Database) {
    const forget = () => this.forgetEmoji()
    database.onSharedWork?.(forget)
    const started = database.pglite
      ? database.pglite.listen(RENDER_CHANNEL, forget)
      // onlisten also runs after a reconnect, when notifications may have been missed meanwhile
      : (database.db as unknown as { $client: PostgresListener }).$client.listen(RENDER_CHANNEL, forget, forget)
    started.then(() => { this.listening = true }, (e) => console.error('[rookery] emoji cache disabled, cannot listen:', (e as Error).message))
  }

  /** The parts kept for a status, if they were loaded for this very version. */
  statusPartsFor(id: string, version: number): StatusParts | undefined {
    const hit = this.statusParts.get(id)
    return hit && hit.version === version ? hit.parts : undefined
  }

  /** The parts kept for a status, whatever their version. */
  keptPartsOf(id: string): { version: number; parts: StatusParts } | undefined {
    return this.statusParts.get(id)
  }

  /** Keeps parts loaded after reading `version` from the database (never from a row that may not be committed). */
  keepStatusParts(id: string, version: number, parts: StatusParts) {
    this.statusParts.set(id, { version, parts })
  }

  /** The kept emoji for a key: a row, null when there is none, undefined when not known. */
  emojiFor(key: string): CustomEmojiRow | null | undefined {
    return this.emoji.get(key)
  }

  /** A token to pass to `keepEmoji`: emoji loaded after a drop that happened during the load are not kept. */
  emojiToken(): number { return this.emojiGeneration }

  keepEmoji(token: number, found: Map<string, CustomEmojiRow | null>) {
    if (!this.listening || token !== this.emojiGeneration) return
    for (const [key, row] of found) this.emoji.set(key, row)
  }

  forgetEmoji() {
    this.emojiGeneration++
    this.emoji.clear()
  }

  /** Drops everything this process kept. */
  clear() {
    this.statusParts.clear()
    this.forgetEmoji()
  }

  get sizes() { return { statusParts: this.statusParts.size, emoji: this.emoji.size } }
}

const caches = new WeakMap<Database, RenderCache>()

export function renderCacheOf(database: Database): RenderCache {
  let cache = caches.get(database)
  if (!cache) caches.set(database, (cache = new RenderCache(database)))
  return cache
}

