import { Command, Option } from 'commander'
import { DEFAULT_PRUNE_AGE_MS, pruneOrphanMedia, type PruneResult } from '../../core/media/prune'
import { startCommand, withDatabase } from '../context'
import { duration } from '../options'

const jsonOption = () => new Option('--json', 'print the result as JSON')

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`

function pruneJson(r: PruneResult) {
  return { attachments: r.attachments, bytes: r.bytes, files: r.files, dry_run: r.dryRun, older_than: r.olderThan.toISOString() }
}

function pruneCommand() {
  return new Command('prune')
    .description('delete uploads that were never attached to a status (files and rows)')
    .addOption(new Option('--older-than <duration>', 'only uploads older than this: 30m, 12h, 7d, 2w (default: 1d)').argParser(duration))
    .option('--dry-run', 'only count what would be deleted')
    .addOption(jsonOption())
    .addHelpText('after', `
An upload is an orphan when no status or scheduled status uses it and no earlier revision of an edited status shows it:
an abandoned draft, or media detached by deleting or editing a status. The server prunes orphans older than a day
once a day by itself; run this to reclaim space sooner or to see what would go.

Examples:
  $ rookery media prune --dry-run
  $ rookery media prune --older-than 2h
  $ rookery media prune --json`)
    .action(async (opts: { olderThan?: number; dryRun?: boolean }, cmd: Command) => {
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
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
    .description('manage uploaded media')
    .addCommand(pruneCommand())
    .addHelpText('after', `
Examples:
  $ rookery media prune --dry-run
  $ rookery media prune --older-than 7d`)
}
