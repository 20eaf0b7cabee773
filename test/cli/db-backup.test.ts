// `rookery db backup | restore | move` as real processes on databases of their own: a backup of an embedded instance
// restored into a fresh database (PostgreSQL with TEST_DATABASE_URL, else embedded) holds every row of every table,
// refusals leave the target untouched, and (with TEST_DATABASE_URL) the embedded instance moves to PostgreSQL.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { sql } from 'drizzle-orm'
import postgres from 'postgres'
import { backupTables } from '../../src/core/admin/backup'
import type { Ctx } from '../../src/core/context'
import { idToUuid } from '../../src/core/ids'
import { startJobs } from '../../src/core/jobs'
import { uploadMedia } from '../../src/core/media/attachments'
import { followAccount } from '../../src/core/relationships/follow'
import { postStatus } from '../../src/core/statuses/post-status'
import { resultRows } from '../../src/db/client'
import { migrate } from '../../src/db/migrate'
import { makeUser } from '../support/factories'
import { fileOf, pngFixture } from '../support/media-fixtures'
import { cliEnvironment, rookery, unique, withCliContext, type CliEnv } from './run'

let work: string
let source: CliEnv
let target: CliEnv
let backup: string
/** the source database right after it was filled */
let original: Record<string, string[]>
const cleanups: (() => Promise<void>)[] = []

const withCtx = <T>(cli: CliEnv, fn: (ctx: Ctx) => Promise<T>) => withCliContext(cli, join(work, 'media'), fn)

/** Every row of every backed-up table, as PostgreSQL renders it in UTC, sorted. */
function dump(cli: CliEnv): Promise<Record<string, string[]>> {
  return withCtx(cli, dumpOf)
}

function dumpOf(ctx: Ctx): Promise<Record<string, string[]>> {
  return ctx.db.transaction(async (tx) => {
    await tx.execute(sql`set local timezone = 'UTC'`)
    const out: Record<string, string[]> = {}
    for (const name of await backupTables(tx)) {
      const table = sql.raw(name.split('.').map((p) => `"${p}"`).join('.'))
      out[name] = resultRows<{ j: string }>(await tx.execute(sql`select row_to_json(t)::text as j from ${table} t`)).map((r) => r.j).sort()
    }
    return out
  })
}

async function populate(ctx: Ctx) {
  await migrate(ctx.db)
  const jobs = await startJobs(ctx.database, { supervise: false })
  const c: Ctx = { ...ctx, jobs }
  try {
    const [alice, bob, carol] = [await makeUser(c, { nickname: 'alice' }), await makeUser(c, { nickname: 'bob' }), await makeUser(c, { nickname: 'carol' })]
    await followAccount(c, bob.account.id, alice.account)
    await followAccount(c, carol.account.id, alice.account, { languages: ['en', 'de'] })
    const locked = await makeUser(c, { nickname: 'dora', account: { locked: true } })
    await followAccount(c, alice.account.id, locked.account, { languages: ['fr'], notify: true })
    const media = await uploadMedia(c, alice.account.id, { file: fileOf(pngFixture(), 'image/png', 'p.png'), description: 'a red square' })
    const first = await postStatus(c, { accountId: alice.account.id }, { status: 'hello #rookery @bob', mediaIds: [media.id] })
    await postStatus(c, { accountId: bob.account.id }, { status: '@alice welcome', inReplyToId: first.id })
    await postStatus(c, { accountId: carol.account.id }, { status: 'followers only', visibility: 'private' })
    await postStatus(c, { accountId: alice.account.id }, { status: 'which?', poll: { options: ['this', 'that'], expiresIn: 3600, multiple: false, hideTotals: false } })
    // enough statuses that the backup reads more than one keyset page of a table
    await c.db.execute(sql`
      insert into statuses (id, account_id, uri, text, content, local, created_at)
      select gen_random_uuid(), ${idToUuid(carol.account.id)}::uuid, 'https://remote.example/s/' || g, 'bulk ' || g, '<p>bulk ' || g || '</p>', false, now() - make_interval(secs => g)
        from generate_series(1, 1200) g`)
    await jobs.send('imports', { probe: 'queued for later' }, { startAfterSeconds: 3600 })
    // a JSON null, which must not come back as an SQL NULL
    await c.db.execute(sql`update pgboss.job set output = 'null'::jsonb where data->>'probe' = 'queued for later'`)
  } finally {
    await jobs.stop()
  }
}

function rewriteBackup(from: string, to: string, edit: (lines: string[]) => string[]) {
  const lines = gunzipSync(readFileSync(from)).toString('utf8').split('\n').filter(Boolean)
  writeFileSync(to, gzipSync(edit(lines).join('\n') + '\n'))
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'rookery-db-backup-'))
  backup = join(work, 'instance.jsonl.gz')
  ;[source, target] = [await cliEnvironment({ embedded: true }), await cliEnvironment()]
  for (const cli of [source, target]) cli.env.ROOKERY_MEDIA_DIR = join(work, 'media')
  original = await withCtx(source, async (ctx) => {
    await populate(ctx)
    return dumpOf(ctx)
  })
}, 180_000) // a few thousand rows through the CLI's embedded database: slow on a busy machine

afterAll(async () => {
  for (const c of cleanups) await c().catch(() => {})
  await source?.cleanup()
  await target?.cleanup()
  rmSync(work, { recursive: true, force: true })
}, 30_000)

describe('db backup and restore', () => {
  test('a backup restored into a fresh database has every row of every table', async () => {
    const made = await rookery(source, ['db', 'backup', backup, '--json'])
    expect(made.code).toBe(0)
    const summary = made.json()
    expect(summary).toMatchObject({ file: backup, migration_level: expect.any(Number), domain: 'cli.rookery.test' })
    expect(summary.bytes).toBeGreaterThan(0)
    const counts = Object.fromEntries(summary.tables.map((t: { name: string; rows: number }) => [t.name, t.rows]))
    expect(counts['public.statuses']).toBe(1204)
    expect(counts['public.follows']).toBe(2)
    expect(counts['public.follow_requests']).toBe(1)
    expect(counts['public.media_attachments']).toBe(1)
    expect(counts['pgboss.job']).toBeGreaterThanOrEqual(1)
    expect(made.stderr).toContain('Uploaded files are not in the backup')

    const header = JSON.parse(gunzipSync(readFileSync(backup)).toString('utf8').split('\n')[0])
    expect(header).toMatchObject({ kind: 'header', format: 'rookery-backup', instance: { domain: 'cli.rookery.test' } })
    expect(header.migrations.tags.length).toBe(header.migrations.level)

    const again = await rookery(source, ['db', 'backup', backup])
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('exists')

    const restored = await rookery(target, ['db', 'restore', backup, '--json'])
    expect(restored.code).toBe(0)
    expect(restored.json()).toMatchObject({ rows: summary.rows, domain_mismatch: null })

    const after = await withCtx(target, async (ctx) => {
      const rows = await dumpOf(ctx)
      const [nulls] = resultRows<{ n: number }>(await ctx.db.execute(sql`select count(*)::int as n from pgboss.job where output = 'null'::jsonb`))
      expect(nulls.n).toBe(1)
      // marks the restored database, for the refusals below to show they leave it untouched
      await ctx.db.execute(sql`update accounts set note = 'changed after the restore' where username = 'bob'`)
      return rows
    })
    expect(Object.keys(after)).toEqual(Object.keys(original))
    for (const name of Object.keys(original)) expect({ name, rows: after[name] }).toEqual({ name, rows: original[name] })
    expect(after['pgboss.job'].some((j) => j.includes('queued for later'))).toBe(true)
  }, 60_000)

  test('refusals: a non-empty target without --force, another migration level, a damaged or foreign file', async () => {
    const full = await rookery(target, ['db', 'restore', backup])
    expect(full.code).toBe(1)
    expect(full.stderr).toContain('not empty')
    expect(full.stderr).toContain('--force')

    const older = join(work, 'older.jsonl.gz')
    rewriteBackup(backup, older, ([head, ...rest]) => {
      const h = JSON.parse(head)
      h.migrations.tags = h.migrations.tags.slice(0, -1)
      h.migrations.level--
      return [JSON.stringify(h), ...rest]
    })
    const level = await rookery(target, ['db', 'restore', older, '--force'])
    expect(level.code).toBe(1)
    expect(level.stderr).toMatch(/migration level \d+ .*this Rookery .* is at migration level \d+/)
    expect(level.stderr).toContain('Restore it with the Rookery version that made it')

    const newer = join(work, 'newer.jsonl.gz')
    rewriteBackup(backup, newer, ([head, ...rest]) => {
      const h = JSON.parse(head)
      h.migrations.tags.push('9999_from_the_future')
      h.migrations.level++
      return [JSON.stringify(h), ...rest]
    })
    const ahead = await rookery(target, ['db', 'restore', newer, '--force'])
    expect(ahead.code).toBe(1)
    expect(ahead.stderr).toContain('9999_from_the_future')

    const foreign = join(work, 'notes.txt')
    writeFileSync(foreign, 'not a backup\n')
    const notBackup = await rookery(target, ['db', 'restore', foreign, '--force'])
    expect(notBackup.code).toBe(1)
    expect(notBackup.stderr).toContain('is not a Rookery backup')
    expect((await rookery(target, ['db', 'restore', join(work, 'missing.gz')])).stderr).toContain('no such file')

    // cut short: everything up to the last table loads, then the restore fails and rolls back as a whole
    const cut = join(work, 'cut.jsonl.gz')
    rewriteBackup(backup, cut, (lines) => lines.slice(0, -1))
    const bobNote = (ctx: Ctx) => ctx.db.execute(sql`select note from accounts where username = 'bob'`).then((r) => resultRows<{ note: string }>(r)[0].note)
    const damaged = await rookery(target, ['db', 'restore', cut, '--force'])
    expect(damaged.code).toBe(1)
    expect(damaged.stderr).toContain('cut short')
    const kept = await withCtx(target, async (ctx) => ({ note: await bobNote(ctx), statuses: (await dumpOf(ctx))['public.statuses'] }))
    expect(kept).toEqual({ note: 'changed after the restore', statuses: original['public.statuses'] })

    const forced = await rookery(target, ['db', 'restore', backup, '--force'])
    expect(forced.code).toBe(0)
    expect(await withCtx(target, bobNote)).not.toBe('changed after the restore')
  }, 60_000)
})

describe.skipIf(!process.env.TEST_DATABASE_URL)('db move', () => {
  test('an embedded instance moves to an empty PostgreSQL database with every row; a second move is refused', async () => {
    const name = unique('rookery_move_')
    const admin = postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => {} })
    await admin.unsafe(`create database "${name}"`)
    cleanups.push(async () => {
      await admin.unsafe(`drop database if exists "${name}" with (force)`)
      await admin.end({ timeout: 5 })
    })
    const url = new URL(process.env.TEST_DATABASE_URL!)
    url.pathname = `/${name}`

    const moved = await rookery(source, ['db', 'move', '--to', url.toString(), '--json'])
    expect(moved.code).toBe(0)
    const result = moved.json()
    expect(result.tables.every((t: { source: number; target: number }) => t.source === t.target)).toBe(true)
    expect(result.next.join(' ')).toContain('DATABASE_URL=')

    const onPostgres: CliEnv = { env: { ...source.env, DATABASE_URL: url.toString() }, dataDir: null, databaseUrl: url.toString(), cleanup: async () => {} }
    const copied = await dump(onPostgres)
    for (const table of Object.keys(original)) expect({ table, rows: copied[table] }).toEqual({ table, rows: original[table] })

    const twice = await rookery(source, ['db', 'move', '--to', url.toString()])
    expect(twice.code).toBe(1)
    expect(twice.stderr).toContain('not empty')
    const bad = await rookery(source, ['db', 'move', '--to', 'mysql://x@y/z'])
    expect(bad.code).toBe(2)
  }, 60_000)
})
