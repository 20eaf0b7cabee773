import { Command, Option } from 'commander'
import {
  createUserAsAdmin, deleteUser, findAccountForAdmin, findLocalUser, listUsers, resetUserPassword, setUserActive, signOutUser,
  updateUser, type UserChanges,
} from '../../core/admin/users'
import { startCommand, withDatabase, type GlobalOptions } from '../context'
import { CliError } from '../errors'
import type { Block } from '../output'
import { positiveInt, readStdin } from '../options'
import { handle, userFields, userJson, usersTable } from '../present'

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
    .addCommand(rmCommand())
    .addHelpText('after', `
Examples:
  $ rookery user new alice alice@example.com --admin
  $ rookery user list --local
  $ rookery user set alice --moderator
  $ rookery user rm spammer --yes`)
}
