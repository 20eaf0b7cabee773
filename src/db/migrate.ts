import { createHash } from 'node:crypto'
import { sql } from 'drizzle-orm'
import type { Db } from './client'
import { resultRows } from './client'
import { MIGRATIONS } from './migrations.gen'

export interface MigrationStatus {
  tag: string
  applied: boolean
}

function toDrizzleMigrations() {
  return MIGRATIONS.map((m) => ({
    sql: m.sql.split('--> statement-breakpoint'),
    bps: m.breakpoints,
    folderMillis: m.when,
    hash: createHash('sha256').update(m.sql).digest('hex'),
  }))
}

/** Applies the migrations embedded in the build, through drizzle's own migrator step (same bookkeeping table). */
export async function migrate(db: Db): Promise<string[]> {
  const before = await migrationStatus(db)
  // The usual start: nothing to apply, and no DDL (drizzle's step first creates its schema and table if missing).
  if (before.every((m) => m.applied)) return []
  // drizzle's migrate() reads files from disk; its dialect step takes the already-loaded list.
  await (db as any).dialect.migrate(toDrizzleMigrations(), (db as any).session, { migrationsFolder: '(embedded)' })
  return before.filter((m) => !m.applied).map((m) => m.tag)
}

export async function migrationStatus(db: Db): Promise<MigrationStatus[]> {
  const exists = resultRows<{ present: boolean }>(
    await db.execute(sql`select to_regclass('drizzle.__drizzle_migrations') is not null as present`),
  )[0]?.present
  const appliedAt = new Set<number>()
  if (exists) {
    const rows = resultRows<{ created_at: string | number }>(await db.execute(sql`select created_at from drizzle.__drizzle_migrations`))
    for (const r of rows) appliedAt.add(Number(r.created_at))
  }
  return MIGRATIONS.map((m) => ({ tag: m.tag, applied: appliedAt.has(m.when) }))
}
