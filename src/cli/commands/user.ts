import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { Command, Option } from 'commander'
import {
  createUserAsAdmin, deleteUser, findAccountForAdmin, findLocalUser, listUsers, resetUserPassword, setUserActive, signOutUser,
  updateUser, type UserChanges,
} from '../../core/admin/users'
import { importUser, parseUserCsv, type ImportResult } from '../../core/admin/import-users'
import { listUserSessions, revokeUserSessions } from '../../core/admin/sessions'
import { confirmUsers, tagUsers } from '../../core/admin/users'
import { startCommand, withDatabase, type GlobalOptions } from '../context'
import { CliError } from '../errors'
import type { Block } from '../output'
import { positiveInt, readStdin } from '../options'
import { handle, userFields, userJson, usersTable } from '../present'
import { resetMfa } from '../../core/security/mfa'
import { BACKUP_LIFETIME_MS, requestBackup, toBackupEntity, writeBackupTo } from '../../core/backups/backups'

const jsonOption = () => new Option('--json', 'print the result as JSON')

const SHOWN_ONCE = 'It is shown only this once: hand it over now and ask the user to change it.'

async function passwordFrom(opts: { password?: string; passwordStdin?: boolean }): Promise<string | undefined> {
  if (opts.passwordStdin) {
    const password = await readStdin()
    if (!password) throw new CliError('--password-stdin: nothing was read from standard input')
    return password
  }
  return opts.password
}

const passwordOptions = (cmd: Command) => cmd
  .addOption(new Option('--password <password>', 'the password (visible in the process list and shell history; prefer --password-stdin)').conflicts('passwordStdin'))
  .option('--password-stdin', 'read the password from standard input')

const tokens = (n: number) => `${n} token${n === 1 ? '' : 's'}`

function backupCommand() {
  return new Command('backup')
    .description("make a backup of a user's data: profile, posts, likes, bookmarks and uploaded files in a zip")
    .argument('<nickname>', 'nickname or account id')
    .option('-o, --out <file>', 'write the zip to this file instead of keeping it on the server for the user')
    .addOption(jsonOption())
    .addHelpText('after', `
Without --out the backup is kept on the server for a week, listed in the user's backups and its link mailed to them
(when SMTP is set up), as when they ask for one themselves; the one-a-day limit does not apply here. With --out it is only written to the
file, in the same format (ActivityStreams JSON, as Pleroma's backups).

Examples:
  $ rookery user backup alice
  $ rookery user backup alice --out alice.zip --json`)
    .action(async (nickname: string, opts: { out?: string }, cmd: Command) => {
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
        const found = await findLocalUser(ctx, nickname)
        if (opts.out) {
          const path = resolve(opts.out)
          const written = await run.out.task(`Writing the backup of ${handle(found)}`, () => writeBackupTo(ctx, found.account, path))
          await run.out.result({ ...userJson(ctx.config, found), path, file_size: written.size, ...written.summary }, [
            { kind: 'success', text: `Wrote the backup of ${handle(found)} to ${path}` },
            { kind: 'fields', rows: [['Size', `${written.size} bytes`], ['Statuses', String(written.summary.statuses)], ['Likes', String(written.summary.likes)],
              ['Bookmarks', String(written.summary.bookmarks)], ['Files', String(written.summary.files)]] },
          ])
          return
        }
        const backup = await run.out.task(`Making the backup of ${handle(found)}`, () => requestBackup(ctx, found.user.id, { ignoreLimit: true, onlyOverSmtp: true }))
        const entity = toBackupEntity(ctx, backup)
        await run.out.result({ ...userJson(ctx.config, found), backup: entity }, [
          { kind: 'success', text: ctx.config.mail.smtpUrl ? `Made the backup of ${handle(found)} and mailed them its link` : `Made the backup of ${handle(found)}` },
          { kind: 'fields', rows: [['URL', entity.url ?? '(not ready)'], ['Size', `${entity.file_size} bytes`], ['Kept until', new Date(backup.createdAt.getTime() + BACKUP_LIFETIME_MS).toISOString()]] },
        ])
      })
    })
}

function newCommand() {
  return passwordOptions(new Command('new')
    .description('create a local user, confirmed and approved (reserved names are allowed)')
    .argument('<nickname>', 'letters, digits and underscores, up to 30 characters')
    .argument('<email>', 'e-mail address')
    .option('--admin', 'make the user an administrator')
    .option('--moderator', 'make the user a moderator'))
    .option('--display-name <name>', 'display name (default: the nickname)')
    .option('--bio <text>', 'profile text')
    .option('--locale <locale>', 'interface and e-mail language, e.g. en, de, pt-BR', 'en')
    .addOption(jsonOption())
    .addHelpText('after', `
Without --password or --password-stdin a random password is generated and printed once.

Examples:
  $ rookery user new alice alice@example.com
  $ rookery user new admin admin@example.com --admin --display-name "The Admin"
  $ printf '%s' "$PASSWORD" | rookery user new bob bob@example.com --password-stdin --json`)
    .action(async (nickname: string, email: string, opts: { admin?: boolean; moderator?: boolean; password?: string; passwordStdin?: boolean; displayName?: string; bio?: string; locale?: string }, cmd: Command) => {
      const password = await passwordFrom(opts)
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
        const created = await run.out.task(`Creating @${nickname}`, () => createUserAsAdmin(ctx, {
          nickname, email, password, displayName: opts.displayName, bio: opts.bio, locale: opts.locale,
          isAdmin: opts.admin, isModerator: opts.moderator,
        }))
        const role = [created.user.isAdmin && 'admin', created.user.isModerator && 'moderator'].filter(Boolean).join(', ')
        const blocks: Block[] = [
          { kind: 'success', text: `Created ${handle(created)}${role ? ` (${role})` : ''}` },
          userFields(ctx.config, created),
        ]
        if (created.generatedPassword) blocks.push({ kind: 'secret', label: 'Password', value: created.generatedPassword, note: SHOWN_ONCE })
        await run.out.result({ ...userJson(ctx.config, created), ...(created.generatedPassword ? { password: created.generatedPassword } : {}) }, blocks)
      })
    })
}

function listCommand() {
  return new Command('list')
    .description('list accounts, newest first')
    .option('--local', 'only local accounts')
    .option('--admins', 'only administrators')
    .option('--moderators', 'only moderators')
    .option('--deactivated', 'only deactivated users')
    .option('-q, --query <text>', 'part of the nickname, display name, e-mail or domain')
    .option('-n, --limit <n>', 'at most this many', positiveInt, 100)
    .addOption(jsonOption())
    .addHelpText('after', `
Examples:
  $ rookery user list
  $ rookery user list --local --admins
  $ rookery user list --query alice --limit 10
  $ rookery user list --json | jq -r '.[].email'`)
    .action(async (opts: { local?: boolean; admins?: boolean; moderators?: boolean; deactivated?: boolean; query?: string; limit: number }, cmd: Command) => {
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
        const found = await listUsers(ctx, { ...opts, limit: opts.limit + 1 })
        const page = found.slice(0, opts.limit)
        const blocks: Block[] = [usersTable(page)]
        if (found.length > opts.limit) blocks.push({ kind: 'note', text: `Showing the newest ${opts.limit}; raise --limit to see more.` })
        await run.out.result(page.map((e) => userJson(ctx.config, e)), blocks)
      })
    })
}

function showCommand() {
  return new Command('show')
    .description('show one account')
    .argument('<nickname>', 'nickname (alice, @alice), remote handle (bob@example.org) or account id')
    .addOption(jsonOption())
    .addHelpText('after', `
Examples:
  $ rookery user show alice
  $ rookery user show alice --json`)
    .action(async (nickname: string, _opts: GlobalOptions, cmd: Command) => {
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
        const found = await findAccountForAdmin(ctx, nickname)
        await run.out.result(userJson(ctx.config, found), [userFields(ctx.config, found)])
      })
    })
}

function rmCommand() {
  return new Command('rm')
    .alias('delete')
    .description('delete a local user with their account and everything attached to it')
    .argument('<nickname>', 'nickname or account id')
    .option('-y, --yes', 'do not ask for confirmation (required when not on a terminal)')
    .addOption(jsonOption())
    .addHelpText('after', `
This cannot be undone. On a terminal you are asked to confirm; elsewhere pass --yes.

Examples:
  $ rookery user rm spammer
  $ rookery user rm spammer --yes --json`)
    .action(async (nickname: string, opts: { yes?: boolean }, cmd: Command) => {
      const run = await startCommand(cmd)
      if (!opts.yes && !run.out.canPrompt) {
        throw new CliError(`refusing to delete ${nickname} without confirmation: pass --yes (there is no terminal to ask on)`)
      }
      await withDatabase(run, async (ctx) => {
        const found = await findLocalUser(ctx, nickname)
        if (!opts.yes && !(await run.out.confirm(`Delete ${handle(found)} (${found.user.email}) and all their data? This cannot be undone.`))) {
          throw new CliError('cancelled: nothing was deleted')
        }
        const deleted = await run.out.task(`Deleting ${handle(found)}`, () => deleteUser(ctx, found.account.id))
        await run.out.result({ ...userJson(ctx.config, deleted), deleted: true }, [{ kind: 'success', text: `Deleted ${handle(deleted)}` }])
      })
    })
}

function activationCommand(name: 'activate' | 'deactivate') {
  const active = name === 'activate'
  return new Command(name)
    .description(active ? 'allow a deactivated user to log in again' : 'stop a user from logging in and revoke all their tokens')
    .argument('<nickname>', 'nickname or account id')
    .addOption(jsonOption())
    .addHelpText('after', `
Examples:
  $ rookery user ${name} alice
  $ rookery user ${name} alice --json`)
    .action(async (nickname: string, _opts: GlobalOptions, cmd: Command) => {
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
        const changed = await setUserActive(ctx, nickname, active)
        const text = active ? `Activated ${handle(changed)}` : `Deactivated ${handle(changed)} and revoked ${tokens(changed.revokedTokens)}`
        await run.out.result({ ...userJson(ctx.config, changed), revoked_tokens: changed.revokedTokens }, [{ kind: 'success', text }])
      })
    })
}

function setCommand() {
  return new Command('set')
    .description('change roles and flags of a local user')
    .argument('<nickname>', 'nickname or account id')
    .option('--admin', 'grant administrator rights')
    .option('--no-admin', 'take administrator rights away')
    .option('--moderator', 'grant moderator rights')
    .option('--no-moderator', 'take moderator rights away')
    .option('--locked', 'require approval of new followers')
    .option('--no-locked', 'accept followers without approval')
    .option('--confirmed', 'mark the e-mail address as confirmed')
    .option('--no-confirmed', 'mark the e-mail address as unconfirmed')
    .option('--approved', 'approve a registration waiting for approval')
    .option('--no-approved', 'put the user back to waiting for approval')
    .addOption(jsonOption())
    .addHelpText('after', `
Examples:
  $ rookery user set alice --admin
  $ rookery user set bob --no-moderator --locked
  $ rookery user set carol --confirmed --approved --json`)
    .action(async (nickname: string, opts: { admin?: boolean; moderator?: boolean; locked?: boolean; confirmed?: boolean; approved?: boolean }, cmd: Command) => {
      const changes: UserChanges = { isAdmin: opts.admin, isModerator: opts.moderator, locked: opts.locked, confirmed: opts.confirmed, approved: opts.approved }
      const given = Object.entries(changes).filter(([, v]) => v !== undefined)
      if (!given.length) cmd.error('error: nothing to change: pass at least one of --admin, --moderator, --locked, --confirmed, --approved (or their --no- forms)', { exitCode: 2, code: 'rookery.nothingToChange' })
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
        const updated = await updateUser(ctx, nickname, changes)
        const words: Record<string, [string, string]> = {
          isAdmin: ['admin', 'not admin'], isModerator: ['moderator', 'not moderator'], locked: ['locked', 'not locked'],
          confirmed: ['confirmed', 'unconfirmed'], approved: ['approved', 'not approved'],
        }
        const summary = given.map(([k, v]) => words[k][v ? 0 : 1]).join(', ')
        await run.out.result(userJson(ctx.config, updated), [{ kind: 'success', text: `Updated ${handle(updated)}: ${summary}` }, userFields(ctx.config, updated)])
      })
    })
}

function resetPasswordCommand() {
  return passwordOptions(new Command('reset-password')
    .description('set a new password and sign the user out everywhere'))
    .argument('<nickname>', 'nickname or account id')
    .addOption(jsonOption())
    .addHelpText('after', `
Without --password or --password-stdin a random password is generated and printed once.

Examples:
  $ rookery user reset-password alice
  $ rookery user reset-password alice --password-stdin < new-password.txt`)
    .action(async (nickname: string, opts: { password?: string; passwordStdin?: boolean }, cmd: Command) => {
      const password = await passwordFrom(opts)
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
        const reset = await run.out.task('Setting the new password', () => resetUserPassword(ctx, nickname, password))
        const blocks: Block[] = [{ kind: 'success', text: `Set a new password for ${handle(reset)} and revoked ${tokens(reset.revokedTokens)}` }]
        if (reset.generatedPassword) blocks.push({ kind: 'secret', label: 'Password', value: reset.generatedPassword, note: SHOWN_ONCE })
        await run.out.result({
          ...userJson(ctx.config, reset),
          ...(reset.generatedPassword ? { password: reset.generatedPassword } : {}),
          revoked_tokens: reset.revokedTokens,
        }, blocks)
      })
    })
}

function signOutCommand() {
  return new Command('sign-out')
    .description('revoke every token of a user (all apps and sessions)')
    .argument('<nickname>', 'nickname or account id')
    .addOption(jsonOption())
    .addHelpText('after', `
Examples:
  $ rookery user sign-out alice`)
    .action(async (nickname: string, _opts: GlobalOptions, cmd: Command) => {
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
        const done = await signOutUser(ctx, nickname)
        await run.out.result({ ...userJson(ctx.config, done), revoked_tokens: done.revokedTokens }, [{ kind: 'success', text: `Signed ${handle(done)} out: revoked ${tokens(done.revokedTokens)}` }])
      })
    })
}

function resetMfaCommand() {
  return new Command('reset-mfa')
    .description('turn off two-factor authentication of a user who lost their device (they sign in with the password alone)')
    .argument('<nickname>', 'nickname or account id')
    .addOption(jsonOption())
    .addHelpText('after', `
Examples:
  $ rookery user reset-mfa alice`)
    .action(async (nickname: string, _opts: GlobalOptions, cmd: Command) => {
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
        const found = await findLocalUser(ctx, nickname)
        const wasOn = await resetMfa(ctx, found.user.id)
        await run.out.result({ ...userJson(ctx.config, found), mfa_was_enabled: wasOn },
          [{ kind: 'success', text: wasOn ? `Turned off two-factor authentication of ${handle(found)}` : `${handle(found)} had no two-factor authentication` }])
      })
    })
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

function importResultJson(result: ImportResult) {
  const base = { line: result.row.line, nickname: result.row.nickname, email: result.row.email, status: result.status }
  if (result.status === 'created') return { ...base, account_id: result.accountId, ...(result.generatedPassword ? { password: result.generatedPassword } : {}) }
  return { ...base, reason: result.reason }
}

function importLine(result: ImportResult): string {
  const who = result.row.nickname || `(line ${result.row.line})`
  if (result.status === 'created') return `created  ${who}${result.generatedPassword ? `  password: ${result.generatedPassword}` : ''}`
  return `${result.status.padEnd(7)}  ${who}: ${result.reason}`
}

function importCommand() {
  return new Command('import')
    .description('create local users from a CSV file (one transaction per user; existing nicknames are skipped)')
    .argument('<file>', 'CSV file with a header row: nickname,email[,password][,admin][,moderator][,tags]')
    .addOption(jsonOption())
    .addHelpText('after', `
The header row names the columns, in any order: nickname and email are required; password (generated and reported
when empty), admin and moderator (yes/no, true/false, 1/0) and tags (separated by spaces or semicolons) are optional.
Users are created confirmed and approved. A nickname that already exists is skipped, so an interrupted import can be
run again. Exits with 1 when any row failed (after creating the others).

Example file:
  nickname,email,password,admin,moderator,tags
  alice,alice@example.com,,yes,,
  bob,bob@example.com,s3cret-enough,,,"mrf_tag:media-force-nsfw staff"

Examples:
  $ rookery user import people.csv
  $ rookery user import people.csv --json > report.json`)
    .action(async (file: string, _opts: GlobalOptions, cmd: Command) => {
      let text: string
      try {
        text = readFileSync(file, 'utf8')
      } catch (e) {
        throw new CliError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`)
      }
      const rows = parseUserCsv(text)
      if (!rows.length) throw new CliError(`${file} has a header row but no users`)
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
        const results = await run.out.progress(`Importing ${plural(rows.length, 'user')}`, rows.length, async (step) => {
          const done: ImportResult[] = []
          for (const row of rows) {
            const result = await importUser(ctx, row)
            done.push(result)
            step(importLine(result))
          }
          return done
        })
        const count = (status: ImportResult['status']) => results.filter((r) => r.status === status).length
        const [created, skipped, failed] = [count('created'), count('skipped'), count('failed')]
        const summary = `Created ${plural(created, 'user')}, skipped ${skipped} (already there), failed ${failed}`
        const blocks: Block[] = [failed ? { kind: 'warning', text: summary } : { kind: 'success', text: summary }]
        // on a terminal the progress bar is gone: list every row; piped, each row was printed as it was done
        if (run.out.mode === 'tty') {
          blocks.push({
            kind: 'table',
            columns: ['Line', 'Nickname', 'Result', 'Detail'],
            rows: results.map((r) => [String(r.row.line), r.row.nickname, r.status,
              r.status === 'created' ? (r.generatedPassword ? `password: ${r.generatedPassword}` : '') : r.reason]),
            empty: '',
          })
        }
        if (results.some((r) => r.status === 'created' && r.generatedPassword)) {
          blocks.push({ kind: 'note', text: 'Generated passwords are shown only this once: hand them over and ask the users to change them.' })
        }
        await run.out.result({ created, skipped, failed, users: results.map(importResultJson) }, blocks)
        if (failed) throw new CliError(`${plural(failed, 'row')} could not be imported (see above)`)
      })
    })
}

function tagCommand(name: 'tag' | 'untag') {
  const remove = name === 'untag'
  return new Command(name)
    .description(remove ? 'take tags away from a user' : "tag a user (Pleroma's tags, e.g. mrf_tag:media-force-nsfw)")
    .argument('<nickname>', 'nickname or account id')
    .argument('<tags...>', 'one or more tags')
    .addOption(jsonOption())
    .addHelpText('after', `
Examples:
  $ rookery user ${name} alice mrf_tag:media-force-nsfw
  $ rookery user ${name} alice friend staff --json`)
    .action(async (nickname: string, tags: string[], _opts: GlobalOptions, cmd: Command) => {
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
        const [changed] = await tagUsers(ctx, [nickname], tags, { remove })
        const now = changed.user.tags.length ? changed.user.tags.join(', ') : 'none'
        await run.out.result(userJson(ctx.config, changed), [{ kind: 'success', text: `${remove ? 'Untagged' : 'Tagged'} ${handle(changed)}; tags now: ${now}` }])
      })
    })
}

function confirmCommand() {
  return new Command('confirm')
    .description("mark a user's e-mail address as confirmed")
    .argument('<nickname>', 'nickname or account id')
    .addOption(jsonOption())
    .addHelpText('after', `
Examples:
  $ rookery user confirm alice`)
    .action(async (nickname: string, _opts: GlobalOptions, cmd: Command) => {
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
        const [confirmed] = await confirmUsers(ctx, [nickname])
        await run.out.result(userJson(ctx.config, confirmed), [{ kind: 'success', text: `Confirmed the e-mail address of ${handle(confirmed)} (${confirmed.user.email})` }])
      })
    })
}

const when = (d: Date | null) => (d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : '')

function sessionsCommand() {
  const cmd = new Command('sessions')
    .description("list or revoke a user's sessions (apps and browser logins holding a live token)")
    .addHelpText('after', `
Examples:
  $ rookery user sessions list alice
  $ rookery user sessions revoke alice                       # every session
  $ rookery user sessions revoke alice 9xTjSVbMXRYp1bKGnE    # one session, by the id "list" shows`)
  cmd.command('list')
    .alias('ls')
    .description('list the live sessions of a user, newest first')
    .argument('<nickname>', 'nickname or account id')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `
Examples:
  $ rookery user sessions list alice
  $ rookery user sessions list alice --json | jq -r '.[].app'`)
    .action(async (nickname: string, _opts: GlobalOptions, command: Command) => {
      const run = await startCommand(command)
      await withDatabase(run, async (ctx) => {
        const { sessions } = await listUserSessions(ctx, nickname)
        await run.out.result(
          sessions.map((s) => ({
            id: s.id, app: s.appName, website: s.appWebsite, scopes: s.scopes,
            created_at: s.createdAt.toISOString(), last_used_at: s.lastUsedAt?.toISOString() ?? null, expires_at: s.expiresAt?.toISOString() ?? null,
          })),
          [{
            kind: 'table',
            columns: ['ID', 'App', 'Scopes', 'Created', 'Last used'],
            rows: sessions.map((s) => [s.id, s.appName ?? '(browser login)', s.scopes.join(' '), when(s.createdAt), when(s.lastUsedAt) || 'never']),
            empty: `${nickname} has no live sessions.`,
          }],
        )
      })
    })
  cmd.command('revoke')
    .description('sign a user out of the given sessions, or of all of them')
    .argument('<nickname>', 'nickname or account id')
    .argument('[ids...]', 'session ids from "sessions list" (default: every session)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `
Examples:
  $ rookery user sessions revoke alice
  $ rookery user sessions revoke alice 9xTjSVbMXRYp1bKGnE 9xTjT0wZ3kQb2nLrPu`)
    .action(async (nickname: string, ids: string[], _opts: GlobalOptions, command: Command) => {
      const run = await startCommand(command)
      await withDatabase(run, async (ctx) => {
        const done = await revokeUserSessions(ctx, nickname, ids)
        await run.out.result({ ...userJson(ctx.config, done), revoked: done.revoked },
          [{ kind: 'success', text: `Revoked ${plural(done.revoked.length, 'session')} of ${handle(done)}` }])
      })
    })
  return cmd
}

export function userCommand() {
  return new Command('user')
    .description('manage users')
    .addCommand(newCommand())
    .addCommand(listCommand())
    .addCommand(showCommand())
    .addCommand(setCommand())
    .addCommand(activationCommand('activate'))
    .addCommand(activationCommand('deactivate'))
    .addCommand(resetPasswordCommand())
    .addCommand(signOutCommand())
    .addCommand(resetMfaCommand())
    .addCommand(rmCommand())
    .addCommand(importCommand())
    .addCommand(tagCommand('tag'))
    .addCommand(tagCommand('untag'))
    .addCommand(confirmCommand())
    .addCommand(sessionsCommand())
    .addCommand(backupCommand())
    .addHelpText('after', `
Examples:
  $ rookery user new alice alice@example.com --admin
  $ rookery user list --local
  $ rookery user set alice --moderator
  $ rookery user import people.csv
  $ rookery user tag alice mrf_tag:media-force-nsfw
  $ rookery user sessions list alice
  $ rookery user rm spammer --yes`)
}
