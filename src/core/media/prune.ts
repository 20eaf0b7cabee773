import { and, asc, eq, inArray, isNull, lt, sql, type SQL } from 'drizzle-orm'
import { accounts, mediaAttachments, userBackups, users } from '../../db/schema'
import { uuidParam } from '../../db/sql'
import type { Ctx } from '../context'
import type { Jobs } from '../jobs'
import { keyFromUrl, mediaStorage } from './storage'
import { shownInEarlierRevisions } from './attachments'
import { registerRemoteMediaJobs } from './remote'
import { deleteStoredFiles } from './upload'

export const MEDIA_PRUNE_QUEUE = 'media.prune'
export const DEFAULT_PRUNE_AGE_MS = 24 * 60 * 60 * 1000
const BATCH = 500

export interface PruneOptions {
  /** uploads younger than this are kept (a post may still be on its way) */
  olderThanMs?: number
  /** only count what would go */
  dryRun?: boolean
  now?: Date
}

export interface PruneResult {
  /** attachments removed (or, in a dry run, that would be) */
  attachments: number
  /** their files' total size in bytes */
  bytes: number
  /** stored files deleted */
  files: number
  dryRun: boolean
  olderThan: Date
}

/**
 * Deletes uploads that never made it into a status (or were left behind by a deleted one): not on any status,
 * scheduled status or chat message, older than `olderThanMs`, and not shown by an earlier revision of an edited status. Rows go first,
 * each one only if still unattached, then their files.
 */
export async function pruneOrphanMedia(ctx: Ctx, opts: PruneOptions = {}): Promise<PruneResult> {
  const olderThan = new Date((opts.now ?? new Date()).getTime() - (opts.olderThanMs ?? DEFAULT_PRUNE_AGE_MS))
  const storage = mediaStorage(ctx.config)
  const result: PruneResult = { attachments: 0, bytes: 0, files: 0, dryRun: !!opts.dryRun, olderThan }
  const orphan = and(isNull(mediaAttachments.statusId), isNull(mediaAttachments.scheduledStatusId), lt(mediaAttachments.createdAt, olderThan),
    sql`not exists (select 1 from chat_messages cm where cm.media_id = ${mediaAttachments.id})`)
  let cursor: { createdAt: Date; id: string } | null = null
  for (;;) {
    const after: SQL | undefined = cursor
      ? sql`(${mediaAttachments.createdAt}, ${mediaAttachments.id}) > (${cursor.createdAt.toISOString()}::timestamptz, ${uuidParam(cursor.id)})`
      : undefined
    const candidates: { id: string; createdAt: Date }[] = await ctx.db.select({ id: mediaAttachments.id, createdAt: mediaAttachments.createdAt }).from(mediaAttachments)
      .where(and(orphan, after))
      .orderBy(asc(mediaAttachments.createdAt), asc(mediaAttachments.id)).limit(BATCH)
    if (!candidates.length) break
    cursor = candidates[candidates.length - 1]
    const ids = candidates.map((c) => c.id)
    const shown = await shownInEarlierRevisions(ctx, ids)
    const doomed = ids.filter((id) => !shown.has(id))
    if (!doomed.length) continue
    if (opts.dryRun) {
      const [{ bytes }] = await ctx.db.select({ bytes: sql<string>`coalesce(sum(${mediaAttachments.fileSize}), 0)` })
        .from(mediaAttachments).where(inArray(mediaAttachments.id, doomed))
      result.attachments += doomed.length
      result.bytes += Number(bytes)
      continue
    }
    const gone = await ctx.db.delete(mediaAttachments).where(and(inArray(mediaAttachments.id, doomed), orphan))
      .returning({ fileKey: mediaAttachments.fileKey, previewKey: mediaAttachments.previewKey, fileSize: mediaAttachments.fileSize })
    result.attachments += gone.length
    result.bytes += gone.reduce((n, g) => n + g.fileSize, 0)
    result.files += await deleteStoredFiles(storage, gone.flatMap((g) => [g.fileKey, g.previewKey]))
  }
  return result
}

/** Registers the daily prune on the server's durable queue (call once from `serve`). */
export async function registerMediaJobs(ctx: Ctx & { jobs: Jobs }): Promise<void> {
  await ctx.jobs.work(MEDIA_PRUNE_QUEUE, async () => { await pruneOrphanMedia(ctx) })
  await ctx.jobs.schedule(MEDIA_PRUNE_QUEUE, '17 4 * * *')
  await registerRemoteMediaJobs(ctx)
}

/**
 * The stored files of accounts about to be deleted: their uploads, profile pictures, mascots and backups. Deleting the rows
 * (cascading from the account) leaves the files; call this before, and `deleteStoredFiles` with the result after the
 * deletion committed.
 */
export async function accountMediaKeys(ctx: Ctx, accountIds: string[]): Promise<string[]> {
  if (!accountIds.length) return []
  const storage = mediaStorage(ctx.config)
  const [uploads, profiles, mascots, backups] = await Promise.all([
    ctx.db.select({ fileKey: mediaAttachments.fileKey, previewKey: mediaAttachments.previewKey }).from(mediaAttachments)
      .where(inArray(mediaAttachments.accountId, accountIds)),
    ctx.db.select({ avatar: accounts.avatarUrl, header: accounts.headerUrl, background: accounts.backgroundUrl }).from(accounts)
      .where(inArray(accounts.id, accountIds)),
    ctx.db.select({ mascot: users.mascot }).from(users).where(inArray(users.accountId, accountIds)),
    ctx.db.select({ fileKey: userBackups.fileKey }).from(userBackups).innerJoin(users, eq(users.id, userBackups.userId))
      .where(inArray(users.accountId, accountIds)),
  ])
  const urls = [
    ...profiles.flatMap((p) => [p.avatar, p.header, p.background]),
    ...mascots.flatMap((m) => [m.mascot?.url, m.mascot?.preview_url].map((u) => (typeof u === 'string' ? u : null))),
  ]
  return [...new Set([
    ...uploads.flatMap((u) => [u.fileKey, u.previewKey]),
    ...backups.map((b) => b.fileKey),
    ...urls.map((url) => keyFromUrl(storage, url)),
  ].filter((k): k is string => !!k))]
}
