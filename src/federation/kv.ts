import type { KvKey, KvStore, KvStoreListEntry, KvStoreSetOptions } from '@fedify/fedify'
import { and, eq, gt, isNull, lte, or, sql } from 'drizzle-orm'
import type { Db } from '../db/client'
import { federationKv } from '../db/schema'

const live = () => or(isNull(federationKv.expiresAt), gt(federationKv.expiresAt, sql`now()`))
/** A value as the column takes it: JSON `null` (Fedify's mark for a key that could not be had) is not SQL NULL. */
const json = (value: unknown): any => (value === null ? sql`'null'::jsonb` : value)
const expiry = (options?: KvStoreSetOptions) =>
  options?.ttl ? new Date(Date.now() + options.ttl.total({ unit: 'milliseconds' })) : null

/** Fedify's key-value store in the application's database (PostgreSQL or PGlite alike). Expired rows read as absent. */
export class DrizzleKvStore implements KvStore {
  constructor(private readonly db: Db) {}

  async get<T = unknown>(key: KvKey): Promise<T | undefined> {
    const [row] = await this.db.select({ value: federationKv.value }).from(federationKv)
      .where(and(eq(federationKv.key, [...key]), live())).limit(1)
    return row?.value as T | undefined
  }

  async set(key: KvKey, value: unknown, options?: KvStoreSetOptions): Promise<void> {
    const expiresAt = expiry(options)
    await this.db.insert(federationKv).values({ key: [...key], value: json(value), expiresAt })
      .onConflictDoUpdate({ target: federationKv.key, set: { value: json(value), expiresAt } })
  }

  async delete(key: KvKey): Promise<void> {
    await this.db.delete(federationKv).where(eq(federationKv.key, [...key]))
  }

  /** Compare-and-swap; `undefined` stands for "no value", on either side. */
  cas = async (key: KvKey, expected: unknown, newValue: unknown, options?: KvStoreSetOptions): Promise<boolean> => {
    const k = [...key]
    const expiresAt = expiry(options)
    if (expected === undefined) {
      if (newValue === undefined) return (await this.get(key)) === undefined
      const rows = await this.db.insert(federationKv).values({ key: k, value: json(newValue), expiresAt })
        .onConflictDoUpdate({
          target: federationKv.key,
          set: { value: json(newValue), expiresAt },
          setWhere: and(sql`${federationKv.expiresAt} is not null`, lte(federationKv.expiresAt, sql`now()`)),
        })
        .returning({ key: federationKv.key })
      return rows.length > 0
    }
    const matches = and(eq(federationKv.key, k), sql`${federationKv.value} = ${JSON.stringify(expected)}::jsonb`, live())
    if (newValue === undefined) {
      return (await this.db.delete(federationKv).where(matches).returning({ key: federationKv.key })).length > 0
    }
    const rows = await this.db.update(federationKv).set({ value: json(newValue), expiresAt }).where(matches)
      .returning({ key: federationKv.key })
    return rows.length > 0
  }

  async *list(prefix?: KvKey): AsyncIterable<KvStoreListEntry> {
    const where = prefix?.length
      ? and(live(), sql`${federationKv.key}[1:${prefix.length}] = ${sql.param([...prefix], federationKv.key)}`)
      : live()
    const rows = await this.db.select().from(federationKv).where(where).orderBy(federationKv.key)
    for (const row of rows) yield { key: row.key as unknown as KvKey, value: row.value }
  }

  /** Deletes expired rows; run from a periodic job. */
  async sweep(): Promise<number> {
    const rows = await this.db.delete(federationKv)
      .where(and(sql`${federationKv.expiresAt} is not null`, lte(federationKv.expiresAt, sql`now()`)))
      .returning({ key: federationKv.key })
    return rows.length
  }
}
