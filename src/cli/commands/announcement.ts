import { Command, InvalidArgumentError, Option } from 'commander'
import { createAnnouncement, deleteAnnouncement, listAnnouncementsForAdmin } from '../../core/announcements/announcements'
import type { AnnouncementRow } from '../../db/schema'
import { startCommand, withDatabase, type GlobalOptions } from '../context'
import { readStdin } from '../options'

const jsonOption = () => new Option('--json', 'print the result as JSON')

function dateTime(value: string): Date {
  const at = new Date(value.trim())
  if (!/^\d{4}-\d{2}-\d{2}/.test(value.trim()) || Number.isNaN(at.getTime())) {
    throw new InvalidArgumentError('expected a date (2025-12-31) or a date and time (2025-12-31T18:00:00Z)')
  }
  return at
}

function stateOf(row: AnnouncementRow, now = new Date()): string {
  if (!row.publishedAt) return 'draft'
  if (row.startsAt && row.startsAt > now) return 'scheduled'
  if (row.endsAt && row.endsAt < now) return 'ended'
  return 'shown'
}

function announcementJson(row: AnnouncementRow) {
  return {
    id: row.id,
    state: stateOf(row),
    text: row.text,
    content: row.content,
    starts_at: row.startsAt?.toISOString() ?? null,
    ends_at: row.endsAt?.toISOString() ?? null,
    all_day: row.allDay,
    published_at: row.publishedAt?.toISOString() ?? null,
    updated_at: row.updatedAt.toISOString(),
  }
}

const oneLine = (text: string, max = 60) => {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat
}

function newCommand() {
  return new Command('new')
    .alias('create')
    .description('announce something to every user (shown by clients until it ends or is removed)')
    .argument('<text>', 'the announcement; links, @mentions, #hashtags and :emoji: work as in statuses; - reads it from stdin')
    .option('--starts-at <date>', 'show it from this day or time', dateTime)
    .option('--ends-at <date>', 'stop showing it after this day or time', dateTime)
    .option('--all-day', 'the times are whole days (clients show dates only)')
    .option('--draft', 'save it without showing it yet')
    .addOption(jsonOption())
    .addHelpText('after', `
Examples:
  $ rookery announcement new "Maintenance tonight from 22:00 UTC"
  $ rookery announcement new "Summer meetup!" --starts-at 2026-07-01 --ends-at 2026-07-02 --all-day
  $ rookery announcement new - < notice.txt`)
    .action(async (text: string, opts: { startsAt?: Date; endsAt?: Date; allDay?: boolean; draft?: boolean }, cmd: Command) => {
      const source = text === '-' ? await readStdin() : text
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
        const row = await createAnnouncement(ctx, {
          text: source, startsAt: opts.startsAt ?? null, endsAt: opts.endsAt ?? null, allDay: opts.allDay, published: !opts.draft,
        })
        await run.out.result(announcementJson(row), [{ kind: 'success', text: `Created announcement ${row.id} (${stateOf(row)})` }])
      })
    })
}

function listCommand() {
  return new Command('list')
    .alias('ls')
    .description('list announcements, newest first: shown, scheduled, ended and drafts')
    .addOption(jsonOption())
    .addHelpText('after', `
Examples:
  $ rookery announcement list
  $ rookery announcement list --json | jq '.[] | select(.state == "shown") | .id'`)
    .action(async (_opts: GlobalOptions, cmd: Command) => {
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
        const rows = await listAnnouncementsForAdmin(ctx, { limit: 1000 })
        await run.out.result(rows.map(announcementJson), [{
          kind: 'table',
          columns: ['id', 'state', 'starts', 'ends', 'text'],
          rows: rows.map((r) => [r.id, stateOf(r), r.startsAt?.toISOString() ?? '-', r.endsAt?.toISOString() ?? '-', oneLine(r.text)]),
          empty: 'No announcements.',
        }])
      })
    })
}

function removeCommand() {
  return new Command('rm')
    .alias('delete')
    .description('delete an announcement (clients drop it at once)')
    .argument('<id>', 'the announcement id, as `announcement list` shows it')
    .addOption(jsonOption())
    .addHelpText('after', `
Examples:
  $ rookery announcement rm AbCdEf0123456789xy`)
    .action(async (id: string, _opts: GlobalOptions, cmd: Command) => {
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
        await deleteAnnouncement(ctx, id.trim())
        await run.out.result({ id: id.trim(), deleted: true }, [{ kind: 'success', text: `Deleted announcement ${id.trim()}` }])
      })
    })
}

export function announcementCommand() {
  return new Command('announcement')
    .description('announcements every user sees in their client')
    .addCommand(newCommand())
    .addCommand(listCommand())
    .addCommand(removeCommand())
    .addHelpText('after', `
Examples:
  $ rookery announcement new "Welcome to our new home!"
  $ rookery announcement list
  $ rookery announcement rm AbCdEf0123456789xy`)
}
