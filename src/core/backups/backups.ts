import { randomBytes } from 'node:crypto'
import { mkdir, rename, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { and, asc, desc, eq, gt, inArray, lt } from 'drizzle-orm'
import { accounts, userBackups, users, type AccountRow, type UserBackupRow, type UserRow } from '../../db/schema'
import type { Ctx } from '../context'
import { BadRequestError, NotFoundError } from '../errors'
import type { Jobs } from '../jobs'
import { sendMail } from '../mail'
import { mediaStorage, newStorageKey } from '../media/storage'
import { deleteStoredFiles } from '../media/upload'
import { writeBackupArchive, type ArchiveSummary } from './archive'

export const BACKUPS_QUEUE = 'backups'
export const BACKUPS_PRUNE_QUEUE = 'backups.prune'
/** One backup a day per user, as Pleroma limits them. */
export const BACKUP_INTERVAL_MS = 24 * 60 * 60 * 1000
export const BACKUP_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000
const CONTENT_TYPE = 'application/zip'

interface BackupJob { backupId: string }

/** With `onlyOverSmtp` the owner is mailed only when SMTP is set up, not through the log (the command line prints the link). */
interface MailOptions { onlyOverSmtp?: boolean }

/** Pleroma's Backup entity. */
export interface BackupEntity {
  id: string
  content_type: string
  file_size: number
  inserted_at: string
  processed: boolean
  processed_number: number
  state: UserBackupRow['state']
  url: string | null
}

export function toBackupEntity(ctx: Ctx, row: UserBackupRow): BackupEntity {
  return {
    id: row.id,
    content_type: row.contentType,
    file_size: row.fileSize,
    inserted_at: row.createdAt.toISOString(),
    processed: row.state === 'complete',
    processed_number: row.processedNumber,
    state: row.state,
    url: row.fileKey && row.state === 'complete' ? mediaStorage(ctx.config).url(row.fileKey) : null,
  }
}

/** The user's backups still kept, newest first. */
export async function listBackups(ctx: Ctx, userId: string, now = new Date()): Promise<UserBackupRow[]> {
  return ctx.db.select().from(userBackups)
    .where(and(eq(userBackups.userId, userId), gt(userBackups.createdAt, new Date(now.getTime() - BACKUP_LIFETIME_MS))))
    .orderBy(desc(userBackups.createdAt))
}

/**
 * Asks for a backup of the user's data: refused when the last one is less than a day old (Pleroma's wording),
 * otherwise recorded and built by a job sent in the same transaction. Without a queue (tools) it is built here.
 */
export async function requestBackup(ctx: Ctx, userId: string, opts: { now?: Date; ignoreLimit?: boolean } & MailOptions = {}): Promise<UserBackupRow> {
  const now = opts.now ?? new Date()
  const row = await ctx.db.transaction(async (tx) => {
    // Serializes concurrent requests of one user, so the daily limit holds.
    const [owner] = await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for('update')
    if (!owner) throw new NotFoundError()
    if (!opts.ignoreLimit) {
      const [last] = await tx.select({ createdAt: userBackups.createdAt }).from(userBackups)
        .where(eq(userBackups.userId, userId)).orderBy(desc(userBackups.createdAt)).limit(1)
      if (last && now.getTime() - last.createdAt.getTime() < BACKUP_INTERVAL_MS) throw new BadRequestError('Last export was less than a day ago')
    }
    const [created] = await tx.insert(userBackups).values({ userId, createdAt: now, updatedAt: now }).returning()
    if (ctx.jobs) await ctx.jobs.send<BackupJob>(BACKUPS_QUEUE, { backupId: created.id }, { within: tx, retryLimit: 3 })
    return created
  })
  return ctx.jobs ? row : runBackup(ctx, row.id, opts)
}

async function ownerOf(ctx: Ctx, userId: string): Promise<{ user: UserRow; account: AccountRow }> {
  const [row] = await ctx.db.select({ user: users, account: accounts }).from(users)
    .innerJoin(accounts, eq(accounts.id, users.accountId)).where(eq(users.id, userId)).limit(1)
  if (!row) throw new NotFoundError()
  return row
}

/** Builds an account's backup zip into a temporary file; the caller moves or deletes it. */
export async function buildBackupFile(ctx: Ctx, account: AccountRow, onProgress?: (done: number) => Promise<void>): Promise<{ path: string; size: number; summary: ArchiveSummary }> {
  const dir = join(tmpdir(), 'rookery-backups')
  await mkdir(dir, { recursive: true })
  const path = join(dir, `${randomBytes(16).toString('hex')}.zip`)
  try {
    const summary = await writeBackupArchive(ctx, account, path, onProgress)
    return { path, size: (await stat(path)).size, summary }
  } catch (e) {
    await rm(path, { force: true })
    throw e
  }
}

/** Writes an account's backup zip straight to `path` (the command line's `--out`), replacing any file there. */
export async function writeBackupTo(ctx: Ctx, account: AccountRow, path: string): Promise<{ size: number; summary: ArchiveSummary }> {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`
  try {
    const summary = await writeBackupArchive(ctx, account, tmp)
    await rename(tmp, path)
    return { size: (await stat(path)).size, summary }
  } finally {
    await rm(tmp, { force: true })
  }
}

/** Builds a recorded backup, stores it and mails its owner the link. A backup already built is left as it is. */
export async function runBackup(ctx: Ctx, backupId: string, opts: MailOptions = {}): Promise<UserBackupRow> {
  const [backup] = await ctx.db.select().from(userBackups).where(eq(userBackups.id, backupId)).limit(1)
  if (!backup) throw new NotFoundError()
  if (backup.state === 'complete') return backup
  const { user, account } = await ownerOf(ctx, backup.userId)
  await ctx.db.update(userBackups).set({ state: 'running', processedNumber: 0, updatedAt: new Date() }).where(eq(userBackups.id, backupId))
  const storage = mediaStorage(ctx.config)
  const stamp = backup.createdAt.toISOString().replace(/[-:]/g, '').slice(0, 15)
  const key = newStorageKey('backups', 'zip', `archive-${account.username}-${stamp}-${randomBytes(16).toString('hex')}`)
  let size: number
  try {
    const file = await buildBackupFile(ctx, account, async (done) => {
      await ctx.db.update(userBackups).set({ processedNumber: done }).where(eq(userBackups.id, backupId))
    })
    size = file.size
    try {
      await storage.putFile(key, file.path, CONTENT_TYPE)
    } finally {
      await rm(file.path, { force: true })
    }
  } catch (e) {
    await ctx.db.update(userBackups).set({ state: 'failed', updatedAt: new Date() }).where(eq(userBackups.id, backupId))
    throw e
  }
  const [done] = await ctx.db.update(userBackups)
    .set({ state: 'complete', fileKey: key, fileSize: size, updatedAt: new Date() })
    .where(eq(userBackups.id, backupId)).returning()
  if (!done) {
    // Deleted with its user while it was being built.
    await storage.delete(key)
    throw new NotFoundError()
  }
  if (opts.onlyOverSmtp && !ctx.config.mail.smtpUrl) return done
  await sendMail(ctx.config, {
    to: user.email,
    subject: `Your backup from ${ctx.config.instance.name} is ready`,
    text: `The backup of @${account.username} on ${ctx.config.domain} you asked for is ready to download:\n\n${storage.url(key)}\n\n`
      + 'The link is private to you and works for seven days.\n',
  })
  return done
}

/** Deletes backups older than a week, rows first, then their files. */
export async function pruneBackups(ctx: Ctx, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - BACKUP_LIFETIME_MS)
  let removed = 0
  for (;;) {
    const old = await ctx.db.select({ id: userBackups.id }).from(userBackups)
      .where(lt(userBackups.createdAt, cutoff)).orderBy(asc(userBackups.createdAt)).limit(200)
    if (!old.length) break
    const gone = await ctx.db.delete(userBackups)
      .where(and(lt(userBackups.createdAt, cutoff), inArray(userBackups.id, old.map((o) => o.id))))
      .returning({ fileKey: userBackups.fileKey })
    await deleteStoredFiles(mediaStorage(ctx.config), gone.map((g) => g.fileKey))
    removed += gone.length
    if (old.length < 200) break
  }
  return removed
}

/** Registers the backup worker and the daily prune on the server's queue (call once from `serve`). */
export async function registerBackupJobs(ctx: Ctx & { jobs: Jobs }): Promise<void> {
  await ctx.jobs.work<BackupJob>(BACKUPS_QUEUE, async ({ backupId }) => {
    try {
      await runBackup(ctx, backupId)
    } catch (e) {
      if (e instanceof NotFoundError) return
      throw e
    }
  })
  await ctx.jobs.work(BACKUPS_PRUNE_QUEUE, async () => { await pruneBackups(ctx) })
  await ctx.jobs.schedule(BACKUPS_PRUNE_QUEUE, '41 4 * * *')
}
