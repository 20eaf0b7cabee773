import { Command, Option } from 'commander'
import { moveMediaToS3, listLocalKeys, type MovedFile, type MoveResult } from '../../core/media/move'
import { DEFAULT_PRUNE_AGE_MS, pruneOrphanMedia, type PruneResult } from '../../core/media/prune'
import { DEFAULT_REMOTE_PRUNE_AGE_MS, pruneRemoteMedia, type RemotePruneResult } from '../../core/media/remote'
import { LocalStorage, mediaStorage } from '../../core/media/storage'
import { startCommand, withDatabase } from '../context'
import { CliError } from '../errors'
import { duration } from '../options'

const jsonOption = () => new Option('--json', 'print the result as JSON')

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`

function pruneJson(r: PruneResult) {
  return { attachments: r.attachments, bytes: r.bytes, files: r.files, dry_run: r.dryRun, older_than: r.olderThan.toISOString() }
}

function remotePruneJson(r: RemotePruneResult) {
  return { attachments: r.attachments, accounts: r.accounts, bytes: r.bytes, files: r.files, dry_run: r.dryRun, older_than: r.olderThan.toISOString() }
}

/** A duration (30m, 12h, 7d) or a bare number of days. */
function durationOrDays(value: string): number {
  return /^\s*\d+\s*$/.test(value) ? duration(`${value.trim()}d`) : duration(value)
}

function pruneCommand() {
  return new Command('prune')
    .description('delete uploads that were never attached to a status, or with --remote cached copies of remote media')
    .addOption(new Option('--older-than <duration>', 'only files older than this: a number of days, or 30m, 12h, 7d, 2w (default: 1d; 7d with --remote)').argParser(durationOrDays))
    .option('--remote', 'remove cached copies of other servers\' media (avatars, headers, attachments) instead; they show their remote URLs again')
    .option('--dry-run', 'only count what would be deleted')
    .addOption(jsonOption())
    .addHelpText('after', `
An upload is an orphan when no status or scheduled status uses it and no earlier revision of an edited status shows it:
an abandoned draft, or media detached by deleting or editing a status. The server prunes orphans older than a day
once a day by itself; run this to reclaim space sooner or to see what would go.

Examples:
  $ rookery media prune --dry-run
  $ rookery media prune --older-than 2h
  $ rookery media prune --json
  $ rookery media prune --remote --older-than 30`)
    .action(async (opts: { olderThan?: number; dryRun?: boolean; remote?: boolean }, cmd: Command) => {
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
        if (opts.remote) {
          const result = await run.out.task(opts.dryRun ? 'Counting cached remote media' : 'Removing cached remote media', () =>
            pruneRemoteMedia(ctx, { olderThanMs: opts.olderThan ?? DEFAULT_REMOTE_PRUNE_AGE_MS, dryRun: opts.dryRun }))
          const what = `cached copies of ${result.attachments} remote attachment${result.attachments === 1 ? '' : 's'} and ${result.accounts} remote profile${result.accounts === 1 ? '' : 's'} (${megabytes(result.bytes)})`
          await run.out.result(remotePruneJson(result), [
            { kind: 'success', text: result.dryRun ? `Would remove ${what}` : `Removed ${what}` },
            { kind: 'note', text: `Copies cached before ${result.olderThan.toISOString()} were considered` },
          ])
          return
        }
        const result = await run.out.task(opts.dryRun ? 'Counting orphaned uploads' : 'Deleting orphaned uploads', () =>
          pruneOrphanMedia(ctx, { olderThanMs: opts.olderThan ?? DEFAULT_PRUNE_AGE_MS, dryRun: opts.dryRun }))
        const what = `${result.attachments} orphaned upload${result.attachments === 1 ? '' : 's'} (${megabytes(result.bytes)})`
        await run.out.result(pruneJson(result), [
          { kind: 'success', text: result.dryRun ? `Would delete ${what}` : `Deleted ${what}` },
          { kind: 'note', text: `Uploads created before ${result.olderThan.toISOString()} were considered` },
        ])
      })
    })
}

const fileLine = (f: MovedFile) =>
  f.outcome === 'failed' ? `failed  ${f.key}: ${f.error}` : `${f.outcome === 'copied' ? 'copied ' : 'skipped'} ${f.key} (${megabytes(f.bytes)})`

function moveJson(r: MoveResult, next: string[]) {
  return {
    files: r.files, copied: r.copied, skipped: r.skipped, bytes: r.bytes, deleted_local: r.deletedLocal,
    urls_rewritten: r.urlsRewritten, failed: r.failed.map((f) => ({ key: f.key, error: f.error })), from: r.from, to: r.to, next,
  }
}

function moveCommand() {
  return new Command('move')
    .description('copy the local media folder into the S3-compatible bucket of the configuration')
    .requiredOption('--to-s3', 'into the bucket set by ROOKERY_S3_* (or "media.s3" in rookery.json)')
    .option('--delete-local', 'delete each local file once its copy in the bucket is verified')
    .addOption(jsonOption())
    .addHelpText('after', `
Every file of the media folder (ROOKERY_MEDIA_DIR, by default <data dir>/media) is uploaded under the same key and
its size in the bucket checked afterwards; files the bucket already holds at the same size are skipped, so an
interrupted move is finished by running it again. Profile pictures, whose full URL is stored, are pointed at the
bucket; everything else is addressed by key and follows the configuration. Local files are kept unless
--delete-local is given. Links to /media/... that other servers kept are redirected to the bucket once the server runs
with the bucket settings.

Examples:
  $ rookery media move --to-s3
  $ rookery media move --to-s3 --delete-local --json
  $ ROOKERY_S3_BUCKET=media ROOKERY_S3_ENDPOINT=https://s3.example ROOKERY_S3_ACCESS_KEY_ID=... \\
    ROOKERY_S3_SECRET_ACCESS_KEY=... rookery media move --to-s3`)
    .action(async (opts: { deleteLocal?: boolean }, cmd: Command) => {
      const run = await startCommand(cmd)
      const s3 = run.config.media.s3
      if (!s3) throw new CliError('no bucket configured: set ROOKERY_S3_BUCKET, ROOKERY_S3_ACCESS_KEY_ID and ROOKERY_S3_SECRET_ACCESS_KEY (and ROOKERY_S3_ENDPOINT for a service other than AWS) first', 2)
      await withDatabase(run, async (ctx) => {
        const source = new LocalStorage(ctx.config.media.dir, () => `${ctx.config.baseUrl}/media`)
        const target = mediaStorage(ctx.config)
        const total = (await listLocalKeys(source.root)).length
        const done = await run.out.progress(`Moving ${total} files to the bucket ${s3.bucket}`, total, (step) =>
          moveMediaToS3(ctx.db, source, target, { deleteLocal: opts.deleteLocal, onFile: (f) => step(fileLine(f)) }))
        const next = done.failed.length
          ? [`${done.failed.length} file${done.failed.length === 1 ? '' : 's'} could not be copied: run the command again to retry them.`]
          : [
            'Next: start "rookery serve" with the same ROOKERY_S3_* settings (environment, or "media.s3" in rookery.json); new uploads then go to the bucket.',
            'Files uploaded until then stayed local: run this command once more afterwards, it copies only those.',
          ]
        await run.out.result(moveJson(done, next), [
          { kind: done.failed.length ? 'warning' : 'success', text: `Copied ${done.copied} of ${done.files} files (${megabytes(done.bytes)}), ${done.skipped} already in the bucket, ${done.failed.length} failed` },
          ...(done.deletedLocal ? [{ kind: 'note' as const, text: `Deleted ${done.deletedLocal} local files after checking their copies` }] : []),
          ...(done.urlsRewritten ? [{ kind: 'note' as const, text: `Pointed ${done.urlsRewritten} profile picture URLs at ${done.to}` }] : []),
          ...next.map((text) => ({ kind: 'note' as const, text })),
        ])
        if (done.failed.length) throw new CliError(`${done.failed.length} file${done.failed.length === 1 ? '' : 's'} not copied; run the command again to retry`)
      })
    })
}

export function mediaCommand() {
  return new Command('media')
    .description('manage uploaded media and the cache of remote media')
    .addCommand(pruneCommand())
    .addCommand(moveCommand())
    .addHelpText('after', `
Examples:
  $ rookery media prune --dry-run
  $ rookery media prune --older-than 7d
  $ rookery media prune --remote --older-than 30
  $ rookery media move --to-s3`)
}
