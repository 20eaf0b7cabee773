import { Command, Option } from 'commander'
import { DEFAULT_PRUNE_AGE_MS, pruneOrphanMedia, type PruneResult } from '../../core/media/prune'
import { DEFAULT_REMOTE_PRUNE_AGE_MS, pruneRemoteMedia, type RemotePruneResult } from '../../core/media/remote'
import { startCommand, withDatabase } from '../context'
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

export function mediaCommand() {
  return new Command('media')
    .description('manage uploaded media and the cache of remote media')
    .addCommand(pruneCommand())
    .addHelpText('after', `
Examples:
  $ rookery media prune --dry-run
  $ rookery media prune --older-than 7d
  $ rookery media prune --remote --older-than 30`)
}
