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
// - What a page reads of an account (its row's shown columns, its user's, its remote actor's chat acceptance) is kept
//   under the account's `render_version`, which triggers bump with any change to those (migration
//   account_render_version). A page sends the versions it holds and reads in full only the accounts whose version
//   moved, in the statement that reads them anyway, so a kept copy is used only while it is current.
// - Custom emoji (per shortcode and domain, used by statuses and accounts alike) are dropped by every process when a
//   trigger NOTIFYs `rookery_render` on commit of any change to them. Nothing is kept until this process listens,
//   everything is dropped when the LISTEN is re-established, and a load that overlapped a drop is not kept.
import type { Database } from '../../db/client'
import type { CustomEmojiRow, MediaAttachmentRow, PreviewCardRow } from '../../db/schema'
import type { AccountEntity, KeptAccountView } from './account'

export const RENDER_CHANNEL = 'rookery_render'

/**
 * How many statuses' parts and emoji each process keeps at most (least recently used go first), and the memory they
 * may take: a status with media, a card and mentions weighs several kilobytes, a bare one a few hundred bytes, so a
 * count alone would let 5,000 rich statuses take tens of megabytes of a process budgeted at 150 MB.
 */
export const STATUS_PARTS_LIMIT = 5_000
export const STATUS_PARTS_BYTES = 8 * 1024 * 1024
export const ACCOUNT_VIEWS_LIMIT = 5_000
export const ACCOUNT_VIEWS_BYTES = 4 * 1024 * 1024
export const ACCOUNT_ENTITIES_LIMIT = 2_000
export const ACCOUNT_ENTITIES_BYTES = 4 * 1024 * 1024
export const EMOJI_LIMIT = 5_000
export const EMOJI_BYTES = 2 * 1024 * 1024

/**
 * About what a value takes in the JavaScript heap, in bytes: strings by their length, numbers and flags as a slot,
 * objects and arrays by their slots plus a header. Close enough to bound a cache by memory; never exact.
 */
export function roughBytes(value: unknown): number {
  switch (typeof value) {
    case 'string': return 24 + value.length
    case 'object': {
      if (value === null) return 8
      if (value instanceof Date) return 32
      if (ArrayBuffer.isView(value)) return 64 + value.byteLength
      let bytes = 32
      if (Array.isArray(value)) for (const item of value) bytes += 8 + roughBytes(item)
      else for (const key in value) bytes += 16 + roughBytes((value as Record<string, unknown>)[key])
      return bytes
    }
    default: return 8
  }
}

/**
 * A Map that keeps at most `limit` entries and, when given `maxBytes`, at most that many bytes of them (by `weigh`),
 * forgetting the least recently read or written.
 */
export class Lru<K, V> {
  private readonly entries = new Map<K, { value: V; bytes: number }>()
  private bytes = 0

  constructor(readonly limit: number, private readonly weight: { maxBytes: number; weigh: (value: V) => number } | null = null) {}

  get(key: K): V | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    this.entries.delete(key)
    this.entries.set(key, entry)
    return entry.value
  }

  set(key: K, value: V) {
    this.delete(key)
    const bytes = this.weight ? this.weight.weigh(value) : 0
    if (this.weight && bytes > this.weight.maxBytes) return // larger than the whole cache: not kept
    this.entries.set(key, { value, bytes })
    this.bytes += bytes
    while (this.entries.size > this.limit || (this.weight && this.bytes > this.weight.maxBytes)) {
      this.delete(this.entries.keys().next().value as K)
    }
  }

  private delete(key: K) {
    const entry = this.entries.get(key)
    if (!entry) return
    this.entries.delete(key)
    this.bytes -= entry.bytes
  }

  get size() { return this.entries.size }

  /** What the kept values weigh, by the cache's `weigh` (0 without one). */
  get weighedBytes() { return this.bytes }

  clear() {
    this.entries.clear()
    this.bytes = 0
  }
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

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key])
  }
  return value
}

/** A status's parts as kept, with the version they were loaded for and the status's author. */
export interface KeptStatusParts {
  version: number
  parts: StatusParts
  accountId: string
}

type PostgresListener = {
  listen(channel: string, fn: (payload: string) => void, onlisten?: () => void): Promise<unknown>
}

export class RenderCache {
  private readonly statusParts = new Lru<string, KeptStatusParts>(STATUS_PARTS_LIMIT, { maxBytes: STATUS_PARTS_BYTES, weigh: roughBytes })
  private readonly accountViews = new Lru<string, KeptAccountView>(ACCOUNT_VIEWS_LIMIT, { maxBytes: ACCOUNT_VIEWS_BYTES, weigh: roughBytes })
  /** Account entities as anyone but the account itself and staff sees them, by the version they were built from. */
  private readonly accountEntities = new Lru<string, { version: number; entity: AccountEntity }>(ACCOUNT_ENTITIES_LIMIT, { maxBytes: ACCOUNT_ENTITIES_BYTES, weigh: roughBytes })
  /** `domain:shortcode` (domain lower-cased, '' for local) → the enabled emoji, or null for none */
  private readonly emoji = new Lru<string, CustomEmojiRow | null>(EMOJI_LIMIT, { maxBytes: EMOJI_BYTES, weigh: roughBytes })
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

  /** The parts kept for a status, whatever their version, with its author. */
  keptPartsOf(id: string): KeptStatusParts | undefined {
    return this.statusParts.get(id)
  }

  /**
   * Keeps parts loaded after reading `version` of a status by `accountId` from the database (never from a row that
   * may not be committed).
   */
  keepStatusParts(id: string, version: number, parts: StatusParts, accountId: string) {
    this.statusParts.set(id, { version, parts, accountId })
  }

  /** What was kept of an account, with the version it was read under (the caller checks it is still current). */
  keptAccountView(id: string): KeptAccountView | undefined {
    return this.accountViews.get(id)
  }

  /** Keeps an account as read with its `render_version` in one statement. */
  keepAccountView(view: KeptAccountView) {
    this.accountViews.set(view.row.id, view)
  }

  /** The entity kept for an account at this version, as anyone but the account itself and staff sees it. */
  accountEntityFor(id: string, version: number): AccountEntity | undefined {
    const hit = this.accountEntities.get(id)
    return hit && hit.version === version ? hit.entity : undefined
  }

  /**
   * Keeps an entity built from the account's `version` with the emoji known since `emojiToken()` gave `token` (none
   * when emoji were dropped meanwhile). It is frozen: pages share it.
   */
  keepAccountEntity(token: number, id: string, version: number, entity: AccountEntity) {
    if (!this.listening || token !== this.emojiGeneration) return
    this.accountEntities.set(id, { version, entity: deepFreeze(entity) })
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
    this.accountEntities.clear()
  }

  /** Drops everything this process kept. */
  clear() {
    this.statusParts.clear()
    this.accountViews.clear()
    this.forgetEmoji()
  }

  get sizes() {
    return {
      statusParts: this.statusParts.size, statusPartsBytes: this.statusParts.weighedBytes,
      accountViews: this.accountViews.size, accountViewsBytes: this.accountViews.weighedBytes,
      accountEntities: this.accountEntities.size, accountEntitiesBytes: this.accountEntities.weighedBytes,
      emoji: this.emoji.size, emojiBytes: this.emoji.weighedBytes,
    }
  }
}

const caches = new WeakMap<Database, RenderCache>()

export function renderCacheOf(database: Database): RenderCache {
  let cache = caches.get(database)
  if (!cache) caches.set(database, (cache = new RenderCache(database)))
  return cache
}

