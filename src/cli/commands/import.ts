import { readFile } from 'node:fs/promises'
import { Command, Option } from 'commander'
import { findLocalUser } from '../../core/admin/users'
import { parseImportList, type ImportKind } from '../../core/imports/parse'
import { runImport, type ImportSummary } from '../../core/imports/run-import'
import { startCommand, withDatabase } from '../context'
import { CliError } from '../errors'
import type { Block } from '../output'
import { readStdin } from '../options'
import { handle } from '../present'

const jsonOption = () => new Option('--json', 'print the summary as JSON')

const NOUNS: Record<ImportKind, { what: string; done: string }> = {
  follows: { what: 'follows', done: 'followed' },
  blocks: { what: 'blocks', done: 'blocked' },
  mutes: { what: 'mutes', done: 'muted' },
}

async function readList(file: string): Promise<string> {
  if (file === '-') return readStdin()
  try {
    return await readFile(file, 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : (e as Error).message
    throw new CliError(`cannot read ${file}: ${why}`)
  }
}

/** At most this many addresses are named in a warning; --json lists them all. */
const SHOWN = 10
const listed = (items: string[]) => items.slice(0, SHOWN).join(', ') + (items.length > SHOWN ? `, and ${items.length - SHOWN} more` : '')

function summaryBlocks(summary: ImportSummary, total: number, who: string): Block[] {
  const blocks: Block[] = [{ kind: 'success', text: `Imported ${summary.imported} of ${total} ${NOUNS[summary.kind].what} for ${who}` }]
  if (summary.skipped.length) blocks.push({ kind: 'warning', text: `${summary.skipped.length} unknown here, skipped: ${listed(summary.skipped)}` })
  if (summary.failed.length) {
    blocks.push({ kind: 'warning', text: `${summary.failed.length} refused: ${listed(summary.failed.map((f) => `${f.address} (${f.error})`))}` })
  }
  return blocks
}

function kindCommand(kind: ImportKind) {
  const { what, done } = NOUNS[kind]
  return new Command(kind)
    .description(`import ${what} for a local user from a list or Mastodon CSV export`)
    .argument('<user>', 'the local user who follows, blocks or mutes (nickname or account id)')
    .argument('<file>', 'the list: a Mastodon CSV export or addresses separated by spaces or lines; - reads standard input')
    .addOption(jsonOption())
    .addHelpText('after', `
Entries are @user@host, user@host or a local nickname. Accounts not known to this server are skipped and reported;
the others are ${done} one at a time, so running the same file again changes nothing it already did.${kind === 'follows'
      ? '\nLocked accounts get a follow request. The Show boosts, Notify on new posts and Languages columns are honoured.'
      : kind === 'mutes' ? '\nThe Hide notifications column is honoured (default: hide them).' : ''}

Examples:
  $ rookery import ${kind} alice ${kind === 'follows' ? 'following_accounts' : kind === 'blocks' ? 'blocked_accounts' : 'muted_accounts'}.csv
  $ printf '%s\\n' bob@example.org carol | rookery import ${kind} alice -
  $ rookery import ${kind} alice list.txt --json`)
    .action(async (nickname: string, file: string, _opts: unknown, cmd: Command) => {
      const entries = parseImportList(await readList(file))
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
        const owner = await findLocalUser(ctx, nickname)
        const who = handle(owner)
        const summary = await run.out.progress(`Importing ${what} for ${who}`, entries.length, (step) =>
          runImport(ctx, owner.account.id, kind, entries, (_n, entry, outcome, error) => {
            step(outcome === 'imported' ? `${done} ${entry.address}` : `${outcome} ${entry.address}${outcome === 'skipped' ? ' (unknown here)' : ` (${error})`}`)
          }))
        await run.out.result({ user: owner.account.username, total: entries.length, ...summary }, summaryBlocks(summary, entries.length, who))
        if (summary.imported === 0) throw new CliError(`nothing was imported: none of the ${entries.length} entries could be ${done}`)
      })
    })
}

export function importCommand() {
  return new Command('import')
    .description('import follows, blocks or mutes (Mastodon CSV exports or plain lists)')
    .addCommand(kindCommand('follows'))
    .addCommand(kindCommand('blocks'))
    .addCommand(kindCommand('mutes'))
    .addHelpText('after', `
Examples:
  $ rookery import follows alice following_accounts.csv
  $ rookery import blocks alice blocked_accounts.csv --json
  $ rookery import mutes alice muted_accounts.csv`)
}
