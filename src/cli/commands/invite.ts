import { Command, Option } from 'commander'
import { validateEmail } from '../../core/accounts/validation'
import { sendInviteEmail } from '../../core/admin/invites'
import { createInvite, listInvites, revokeInvite } from '../../core/invites'
import { startCommand, withDatabase, type GlobalOptions } from '../context'
import type { Block } from '../output'
import { dateOrDay, duration, positiveInt } from '../options'
import { inviteFields, inviteJson, invitesTable, inviteUrl } from '../present'

const jsonOption = () => new Option('--json', 'print the result as JSON')

function validateEmailOption(cmd: Command, value: string): string {
  try {
    return validateEmail(value)
  } catch {
    return cmd.error(`error: --email: "${value}" is not an e-mail address`, { exitCode: 2, code: 'rookery.badEmail' })
  }
}

function newCommand() {
  return new Command('new')
    .alias('create')
    .description('create an invitation link for registration')
    .option('--max-use <n>', 'how many registrations it allows (default: unlimited)', positiveInt)
    .addOption(new Option('--expires-at <date>', 'last valid day (2025-12-31, through the end of that day UTC) or an exact time (2025-12-31T18:00:00Z)')
      .argParser(dateOrDay).conflicts('expiresIn'))
    .addOption(new Option('--expires-in <duration>', 'valid for this long from now: 30m, 12h, 7d, 2w').argParser(duration))
    .option('--email <address>', 'mail the link to this address (over ROOKERY_SMTP_URL; without it the link is printed to pass on)')
    .option('--name <name>', "the invitee's name, for the greeting of the mail (with --email)")
    .addOption(jsonOption())
    .addHelpText('after', `
Invites matter when ROOKERY_REGISTRATIONS=invite; they also work in the other modes.

Examples:
  $ rookery invite new                     # one link, unlimited uses, never expires
  $ rookery invite new --max-use 1         # single use
  $ rookery invite new --max-use 10 --expires-in 7d
  $ rookery invite new --expires-at 2025-12-31 --json
  $ rookery invite new --max-use 1 --email friend@example.org --name "Sam"`)
    .action(async (opts: { maxUse?: number; expiresAt?: Date; expiresIn?: number; email?: string; name?: string }, cmd: Command) => {
      if (opts.name !== undefined && opts.email === undefined) cmd.error('error: --name goes with --email', { exitCode: 2, code: 'rookery.nameWithoutEmail' })
      const email = opts.email === undefined ? undefined : validateEmailOption(cmd, opts.email)
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
        const expiresAt = opts.expiresAt ?? (opts.expiresIn ? new Date(Date.now() + opts.expiresIn) : null)
        const invite = await createInvite(ctx, { maxUse: opts.maxUse ?? null, expiresAt })
        const blocks: Block[] = [
          { kind: 'success', text: `Created invite ${inviteUrl(ctx.config, invite)}` },
          inviteFields(ctx.config, invite),
        ]
        let mailed: { email: string; delivered: boolean } | null = null
        if (email) {
          mailed = await run.out.task(`Mailing ${email}`, () => sendInviteEmail(ctx, invite, { email, name: opts.name }, { onlyOverSmtp: true }))
          blocks.push(mailed.delivered
            ? { kind: 'success', text: `Mailed the invite to ${email}` }
            : ctx.config.mail.smtpUrl
              ? { kind: 'warning', text: `Could not mail ${email} (see the error above): pass the link on yourself` }
              : { kind: 'warning', text: `No SMTP server is configured (ROOKERY_SMTP_URL): pass the link on to ${email} yourself` })
        }
        await run.out.result({ ...inviteJson(ctx.config, invite), ...(mailed ? { email: mailed.email, mailed: mailed.delivered } : {}) }, blocks)
      })
    })
}

function listCommand() {
  return new Command('list')
    .alias('ls')
    .description('list invites that can still be used, newest first')
    .option('-a, --all', 'also list used up, expired and revoked invites')
    .addOption(jsonOption())
    .addHelpText('after', `
Examples:
  $ rookery invite list
  $ rookery invite list --all --json`)
    .action(async (opts: { all?: boolean }, cmd: Command) => {
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
        const invites = await listInvites(ctx, { includeInactive: opts.all })
        const blocks: Block[] = [invitesTable(invites, Boolean(opts.all))]
        if (invites.length) blocks.push({ kind: 'note', text: `Invite links: ${ctx.config.baseUrl}/registration/<token>` })
        await run.out.result(invites.map((i) => inviteJson(ctx.config, i)), blocks)
      })
    })
}

function revokeCommand() {
  return new Command('revoke')
    .description('revoke an invite so it can no longer be used')
    .argument('<token-or-id>', 'the invite token (last part of its URL) or its id')
    .addOption(jsonOption())
    .addHelpText('after', `
Examples:
  $ rookery invite revoke Xq3vN0bPz7Yk1dRa
  $ rookery invite revoke https://social.example.org/registration/Xq3vN0bPz7Yk1dRa`)
    .action(async (tokenOrId: string, _opts: GlobalOptions, cmd: Command) => {
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
        const token = tokenOrId.trim().replace(/^.*\/registration\//, '').replace(/[?#].*$/, '')
        const invite = await revokeInvite(ctx, token)
        await run.out.result(inviteJson(ctx.config, invite), [{ kind: 'success', text: `Revoked invite ${invite.token}` }])
      })
    })
}

export function inviteCommand() {
  return new Command('invite')
    .description('manage registration invites')
    .addCommand(newCommand())
    .addCommand(listCommand())
    .addCommand(revokeCommand())
    .addHelpText('after', `
Examples:
  $ rookery invite new --max-use 1 --expires-in 7d
  $ rookery invite list
  $ rookery invite revoke Xq3vN0bPz7Yk1dRa`)
}
