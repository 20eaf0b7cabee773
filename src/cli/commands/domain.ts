import { Command, Option } from 'commander'
import { allowDomain, disallowDomain, listDomainAllows } from '../../core/instance/domain-allows'
import { blockDomain, DOMAIN_BLOCK_SEVERITIES, listDomainBlocksForAdmin, unblockDomain, type DomainBlockSeverity } from '../../core/instance/domain-blocks'
import type { InstanceDomainBlockRow } from '../../db/schema'
import { startCommand, withDatabase } from '../context'
import { CliError } from '../errors'

const jsonOption = () => new Option('--json', 'print the result as JSON')

const blockJson = (b: InstanceDomainBlockRow) => ({
  id: b.id, domain: b.domain, severity: b.severity, reject_media: b.rejectMedia, reject_reports: b.rejectReports,
  obfuscate: b.obfuscate, public_comment: b.publicComment, private_comment: b.privateComment, created_at: b.createdAt.toISOString(),
})

const flags = (b: InstanceDomainBlockRow) => [b.rejectMedia && 'reject media', b.rejectReports && 'reject reports', b.obfuscate && 'obfuscated'].filter(Boolean).join(', ')

function blockCommand() {
  return new Command('block')
    .description('block a domain and its subdomains, or change its block')
    .argument('<domain>', 'the domain, e.g. spam.example')
    .addOption(new Option('--severity <severity>', 'suspend: nothing exchanged; silence: its accounts kept off public timelines; noop: only the flags below')
      .choices(DOMAIN_BLOCK_SEVERITIES).default('suspend'))
    .option('--reject-media', 'neither fetch nor show its media')
    .option('--reject-reports', 'ignore its reports')
    .option('--obfuscate', 'star part of the name where the block is shown publicly')
    .option('--public-comment <text>', 'the reason shown to users')
    .option('--private-comment <text>', 'a note for the staff')
    .addOption(jsonOption())
    .addHelpText('after', `
Suspending ends every follow between local accounts and the domain's, hides its accounts and drops its activities.

Examples:
  $ rookery domain block spam.example
  $ rookery domain block loud.example --severity silence --reject-media --public-comment "unmoderated"`)
    .action(async (domain: string, opts: { severity: DomainBlockSeverity; rejectMedia?: boolean; rejectReports?: boolean; obfuscate?: boolean; publicComment?: string; privateComment?: string }, cmd: Command) => {
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
        const block = await blockDomain(ctx, domain, opts.severity, {
          reject_media: opts.rejectMedia ?? false, reject_reports: opts.rejectReports ?? false, obfuscate: opts.obfuscate ?? false,
          public_comment: opts.publicComment, private_comment: opts.privateComment,
        })
        await run.out.result(blockJson(block), [{ kind: 'success', text: `Blocked ${block.domain} (${block.severity}${flags(block) ? `, ${flags(block)}` : ''})` }])
      })
    })
}

function unblockCommand() {
  return new Command('unblock')
    .description('lift the block of a domain (its accounts are restored)')
    .argument('<domain>', 'the blocked domain')
    .addOption(jsonOption())
    .addHelpText('after', `
Examples:
  $ rookery domain unblock spam.example`)
    .action(async (domain: string, _opts: unknown, cmd: Command) => {
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
        if (!(await unblockDomain(ctx, domain))) throw new CliError(`${domain} is not blocked`)
        await run.out.result({ domain, unblocked: true }, [{ kind: 'success', text: `Unblocked ${domain}` }])
      })
    })
}

function allowCommand() {
  return new Command('allow')
    .description('allow a domain to federate in limited federation mode (--remove to take it back)')
    .argument('<domain>', 'the domain, e.g. friends.example')
    .option('--remove', 'remove the domain from the allow list')
    .addOption(jsonOption())
    .addHelpText('after', `
The allow list only matters with limited federation on (ROOKERY_LIMITED_FEDERATION=true or federation.limited in the
configuration file): then only allowed domains federate.

Examples:
  $ rookery domain allow friends.example
  $ rookery domain allow friends.example --remove`)
    .action(async (domain: string, opts: { remove?: boolean }, cmd: Command) => {
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
        if (opts.remove) {
          if (!(await disallowDomain(ctx, domain))) throw new CliError(`${domain} is not on the allow list`)
          await run.out.result({ domain, allowed: false }, [{ kind: 'success', text: `Removed ${domain} from the allow list` }])
          return
        }
        const allow = await allowDomain(ctx, domain, null)
        const note = ctx.config.federation.limited ? '' : ' (limited federation is off: every domain not blocked federates)'
        await run.out.result({ id: allow.id, domain: allow.domain, allowed: true }, [{ kind: 'success', text: `Allowed ${allow.domain}${note}` }])
      })
    })
}

function listCommand() {
  return new Command('list')
    .description('list blocked and allowed domains')
    .addOption(jsonOption())
    .addHelpText('after', `
Examples:
  $ rookery domain list
  $ rookery domain list --json | jq '.blocks[].domain'`)
    .action(async (_opts: unknown, cmd: Command) => {
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
        const [blocks, allows] = await Promise.all([listDomainBlocksForAdmin(ctx), listDomainAllows(ctx)])
        await run.out.result({
          limited_federation: ctx.config.federation.limited,
          blocks: blocks.map(blockJson),
          allows: allows.map((a) => ({ id: a.id, domain: a.domain, created_at: a.createdAt.toISOString() })),
        }, [
          {
            kind: 'table', columns: ['blocked domain', 'severity', 'flags', 'public comment', 'since'], empty: 'No blocked domains.',
            rows: blocks.map((b) => [b.domain, b.severity, flags(b), b.publicComment ?? '', b.createdAt.toISOString()]),
          },
          {
            kind: 'table', columns: ['allowed domain', 'since'],
            empty: ctx.config.federation.limited ? 'No allowed domains: nothing federates.' : 'No allowed domains (limited federation is off).',
            rows: allows.map((a) => [a.domain, a.createdAt.toISOString()]),
          },
        ])
      })
    })
}

export function domainCommand() {
  return new Command('domain')
    .description('moderate other servers: block, unblock, allow and list domains')
    .addCommand(blockCommand())
    .addCommand(unblockCommand())
    .addCommand(allowCommand())
    .addCommand(listCommand())
    .addHelpText('after', `
Examples:
  $ rookery domain list
  $ rookery domain block spam.example --severity suspend`)
}
