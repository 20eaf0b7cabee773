// Settings admins changed at run time (table admin_settings), read on every federated activity and so kept in memory.
// A change fires a NOTIFY on commit (migration admin_federation) that every process listens for and answers by
// dropping what it kept; until a process hears notifications it reads the table each time. On the embedded database,
// commands going through the server's socket drop it after each piece of work they do.
import type { Database } from '../../db/client'
import { adminSettings, type AdminSettingRow } from '../../db/schema'
import type { Ctx } from '../context'

export const CONFIG_CHANNEL = 'rookery_config'

type PostgresListener = {
  listen(channel: string, fn: (payload: string) => void, onlisten?: () => void): Promise<unknown>
}

class SettingsCache {
  private rows: Promise<AdminSettingRow[]> | null = null
  private listening = false

  constructor(private readonly database: Database) {
    const forget = () => { this.rows = null }
    database.onSharedWork?.(forget)
    const started = database.pglite
      ? database.pglite.listen(CONFIG_CHANNEL, forget)
      // onlisten also runs after a reconnect, when notifications may have been missed meanwhile
      : (database.db as unknown as { $client: PostgresListener }).$client.listen(CONFIG_CHANNEL, forget, forget)
    started.then(() => { this.listening = true }, (e) => console.error('[rookery] settings cache disabled, cannot listen:', (e as Error).message))
  }

  load(): Promise<AdminSettingRow[]> {
    if (this.rows) return this.rows
    const loading = this.database.db.select().from(adminSettings)
    if (!this.listening) return loading
    this.rows = loading
    loading.catch(() => { if (this.rows === loading) this.rows = null })
    return loading
  }

  forget() {
    this.rows = null
  }
}

const caches = new WeakMap<Database, SettingsCache>()

function cacheOf(database: Database): SettingsCache {
  let cache = caches.get(database)
  if (!cache) caches.set(database, (cache = new SettingsCache(database)))
  return cache
}

/** Every admin-set value, as stored (`group`, `key`, `value`). */
export async function storedSettings(ctx: Pick<Ctx, 'database'>): Promise<AdminSettingRow[]> {
  return cacheOf(ctx.database).load()
}

/** The stored value of one setting, or null when the admin never set it. */
export async function storedSetting(ctx: Pick<Ctx, 'database'>, group: string, key: string): Promise<Record<string, unknown> | null> {
  return (await storedSettings(ctx)).find((r) => r.group === group && r.key === key)?.value ?? null
}

/** Drops this process's copy at once (others hear of the change when it commits). */
export function forgetStoredSettings(database: Database) {
  caches.get(database)?.forget()
}
