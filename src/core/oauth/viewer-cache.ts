// Token → viewer rows, cached in-process for a few seconds: the lookup runs on every authenticated request.
// Any change to tokens, users or accounts that matters here fires a NOTIFY on commit (migration auth_changes), which every
// process listens for and answers by dropping its whole cache; code that revokes also drops it at once. On the
// embedded database, commands going through the server's socket drop it after each piece of work they do.
import type { Database } from '../../db/client'

export const AUTH_CHANNEL = 'rookery_auth'
const TTL_MS = 10_000
const MAX_ENTRIES = 10_000

interface Entry<T> {
  value: T
  until: number
}

type PostgresListener = {
  listen(channel: string, fn: (payload: string) => void, onlisten?: () => void): Promise<unknown>
}

export class ViewerCache<T> {
  private readonly entries = new Map<string, Entry<T>>()
  private generation = 0
  /** Nothing is kept until this process hears the database's notifications, or another process's change could be missed. */
  private listening = false

  constructor(database: Database) {
    const forget = () => this.clear()
    database.onSharedWork?.(forget)
    const started = database.pglite
      ? database.pglite.listen(AUTH_CHANNEL, forget)
      // onlisten also runs after a reconnect, when notifications may have been missed meanwhile
      : (database.db as unknown as { $client: PostgresListener }).$client.listen(AUTH_CHANNEL, forget, forget)
    started.then(() => { this.listening = true }, (e) => console.error('[rookery] token cache disabled, cannot listen:', (e as Error).message))
  }

  get(key: string, now = Date.now()): T | undefined {
    const hit = this.entries.get(key)
    if (!hit) return undefined
    if (hit.until > now) return hit.value
    this.entries.delete(key)
    return undefined
  }

  /**
   * Loads through `load` and keeps a found value, unless the cache was cleared while it loaded (it may be stale).
   * Nothing found is not kept: a token issued a moment later must work at once.
   */
  async load(key: string, load: () => Promise<T | null>): Promise<T | null> {
    const generation = this.generation
    const value = await load()
    if (value !== null && this.listening && generation === this.generation) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!)
      this.entries.set(key, { value, until: Date.now() + TTL_MS })
    }
    return value
  }

  clear() {
    this.generation++
    this.entries.clear()
  }
}

const caches = new WeakMap<Database, ViewerCache<any>>()

export function viewerCacheOf<T>(database: Database): ViewerCache<T> {
  let cache = caches.get(database)
  if (!cache) caches.set(database, (cache = new ViewerCache<T>(database)))
  return cache
}

/** Drops this process's cached viewers at once (others hear of the change when it commits). */
export function forgetViewers(database: Database) {
  caches.get(database)?.clear()
}
