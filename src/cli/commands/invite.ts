import { Command, Option } from 'commander'
import { createInvite, listInvites, revokeInvite } from '../../core/invites'
import { startCommand, withDatabase, type GlobalOptions } from '../context'
import type { Block } from '../output'
import { dateOrDay, duration, positiveInt } from '../options'
import { inviteFields, inviteJson, invitesTable, inviteUrl } from '../present'

const jsonOption = () => new Option('--json', 'print the result as JSON')

function newCommand() {
  return new Command('new')
    .alias('create')
    .description('create an invitation link for registration')
    .option('--max-use <n>', 'how many registrations it allows (default: unlimited)', positiveInt)
    .addOption(new Option('--expires-at <date>', 'last valid day (2025-12-31, through the end of that day UTC) or an exact time (2025-12-31T18:00:00Z)')
      .argParser(dateOrDay).conflicts('expiresIn'))
    .addOption(new Option('--expires-in <duration>', 'valid for this long from now: 30m, 12h, 7d, 2w').argParser(duration))
    .addOption(jsonOption())
    .addHelpText('after', `
Invites matter when ROOKERY_REGISTRATIONS=invite; they also work in the other modes.

Examples:
  $ rookery invite new                     # one link, unlimited uses, never expires
  $ rookery invite new --max-use 1         # single use
  $ rookery invite new --max-use 10 --expires-in 7d
  $ rookery invite new --expires-at 2025-12-31 --json`)
    .action(async (opts: { maxUse?: number; expiresAt?: Date; expiresIn?: number }, cmd: Command) => {
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
        const expiresAt = opts.expiresAt ?? (opts.expiresIn ? new Date(Date.now() + opts.expiresIn) : null)
        const invite = await createInvite(ctx, { maxUse: opts.maxUse ?? null, expiresAt })
        await run.out.result(inviteJson(ctx.config, invite), [
          { kind: 'success', text: `Created invite ${inviteUrl(ctx.config, invite)}` },
          inviteFields(ctx.config, invite),
        ])
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
