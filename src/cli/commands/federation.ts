import { Command, Option } from 'commander'
import { findRemoteAccount } from '../../core/federation/actors'
import { federationDeliveries } from '../../core/federation/deliveries'
import { listKnownInstances, type KnownInstance } from '../../core/federation/instances'
import type { AccountRow } from '../../db/schema'
import { startCommand, withDatabase } from '../context'
import { CliError } from '../errors'
import type { Block } from '../output'

// Fedify comes with these two commands only: the others need not load it.
const lookup = () => import('../../federation/lookup')

const jsonOption = () => new Option('--json', 'print the result as JSON')

const str = (v: unknown): string => (v == null ? '' : typeof v === 'string' ? v : Array.isArray(v) ? str(v[0]) : typeof v === 'object' && 'id' in (v as object) ? str((v as { id: unknown }).id) : String(v))
const textOf = (html: string) => html.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim()
const clip = (s: string, n = 200) => (s.length > n ? `${s.slice(0, n - 1)}…` : s)

/** The fields worth showing of a fetched actor or object, from the document as sent. */
function documentFields(json: Record<string, unknown>): [string, string][] {
  const rows: [string, string][] = [['Type', str(json.type)], ['ID', str(json.id)]]
  const add = (label: string, value: string) => { if (value) rows.push([label, value]) }
  if (json.inbox) {
    const id = str(json.id)
    add('Handle', json.preferredUsername ? `${str(json.preferredUsername)}@${id ? new URL(id).host : ''}` : '')
    add('Name', str(json.name))
    add('Summary', clip(textOf(str(json.summary))))
    add('Inbox', str(json.inbox))
    add('Shared inbox', str((json.endpoints as { sharedInbox?: unknown } | undefined)?.sharedInbox))
    add('Followers', str(json.followers))
    add('Following', str(json.following))
    add('Locked', json.manuallyApprovesFollowers === true ? 'yes' : json.manuallyApprovesFollowers === false ? 'no' : '')
    add('Public key', str((json.publicKey as { id?: unknown } | undefined)?.id))
  } else {
    add('Author', str(json.attributedTo ?? json.actor))
    add('Published', str(json.published))
    add('In reply to', str(json.inReplyTo))
    add('URL', str(json.url))
    add('Content', clip(textOf(str(json.content ?? json.name))))
  }
  return rows
}

function accountJson(a: AccountRow) {
  return { id: a.id, acct: `${a.username}@${a.domain}`, uri: a.uri, display_name: a.displayName, url: a.url, locked: a.locked, bot: a.bot, updated_at: a.updatedAt?.toISOString() ?? null }
}

function lookupCommand() {
  return new Command('lookup')
    .description('fetch a remote actor (user@domain) or object (URL) and show it, without storing it')
    .argument('<acct-or-url>', 'user@domain, @user@domain, or the URL of an actor or object')
    .addOption(jsonOption())
    .addHelpText('after', `
Fetches go out as they do from the server: private and loopback addresses are refused unless
ROOKERY_FEDERATION_ALLOW_PRIVATE=true, with time and size limits. --json prints the document as received.

Examples:
  $ rookery federation lookup alice@social.example
  $ rookery federation lookup https://social.example/users/alice/statuses/1 --json`)
    .action(async (query: string, _opts: unknown, cmd: Command) => {
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
        const found = await run.out.task(`Fetching ${query}`, async () => (await lookup()).lookupRemote(ctx, query))
        if (!found) throw new CliError(`Nothing found at ${query}`)
        const json = found.json as Record<string, unknown>
        await run.out.result(json, [{ kind: 'fields', rows: documentFields(json) }])
      })
    })
}

function deliveriesCommand() {
  return new Command('deliveries')
    .description('federation queue depth, and deliveries waiting or failed per receiving domain')
    .addOption(jsonOption())
    .addHelpText('after', `
Read from the job queue in the database: QUEUED counts deliveries not yet done (first try or a retry), RETRYING those
waiting after a failure, FAILED those given up after every retry.

Examples:
  $ rookery federation deliveries
  $ rookery federation deliveries --json`)
    .action(async (_opts: unknown, cmd: Command) => {
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
        const { queues, domains } = await federationDeliveries(ctx)
        const blocks: Block[] = [
          {
            kind: 'table', columns: ['queue', 'queued', 'retrying', 'active', 'failed'], empty: 'No federation jobs.',
            rows: queues.map((q) => [q.queue, String(q.queued), String(q.retrying), String(q.active), String(q.failed)]),
          },
          {
            kind: 'table', columns: ['domain', 'queued', 'retrying', 'failed', 'last failure', 'last error'], empty: 'No deliveries waiting or failed.',
            rows: domains.map((d) => [d.domain, String(d.queued), String(d.retrying), String(d.failed), d.lastFailedAt?.toISOString() ?? '', clip(d.lastError ?? '', 80)]),
          },
        ]
        await run.out.result({
          queues,
          domains: domains.map((d) => ({ domain: d.domain, queued: d.queued, retrying: d.retrying, failed: d.failed, last_error: d.lastError, last_failed_at: d.lastFailedAt?.toISOString() ?? null })),
        }, blocks)
      })
    })
}

function refreshCommand() {
  return new Command('refresh')
    .description('fetch a stored remote account again and update it (name, profile, inbox, keys)')
    .argument('<acct>', 'user@domain of a remote account this instance knows, or its actor URL')
    .addOption(jsonOption())
    .addHelpText('after', `
Examples:
  $ rookery federation refresh alice@social.example`)
    .action(async (query: string, _opts: unknown, cmd: Command) => {
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
        const stored = await findRemoteAccount(ctx, query)
        if (!stored?.uri) throw new CliError(`No remote account ${query} is known here (look it up first: rookery federation lookup ${query})`)
        const account = await run.out.task(`Fetching ${stored.uri}`, async () => (await lookup()).lookupRemoteAccount(ctx, { url: stored.uri! }, { fresh: true }))
        if (!account) throw new CliError(`Could not fetch ${stored.uri}; the stored account is unchanged`)
        await run.out.result(accountJson(account), [
          { kind: 'success', text: `Refreshed ${account.username}@${account.domain}` },
          { kind: 'fields', rows: [['Name', account.displayName], ['URI', account.uri ?? ''], ['Locked', account.locked ? 'yes' : 'no']] },
        ])
      })
    })
}

const when = (d: Date | null) => d?.toISOString() ?? ''

function instanceJson(i: KnownInstance) {
  return {
    domain: i.domain,
    software: i.software,
    nodeinfo: i.nodeinfo && { fetched_at: i.nodeinfo.fetchedAt?.toISOString() ?? null, error: i.nodeinfo.error },
    first_seen_at: i.firstSeenAt?.toISOString() ?? null,
    reachability: {
      failing_since: i.reachability.failingSince?.toISOString() ?? null,
      failure_count: i.reachability.failureCount,
      unavailable_since: i.reachability.unavailableSince?.toISOString() ?? null,
      last_success_at: i.reachability.lastSuccessAt?.toISOString() ?? null,
    },
    accounts: i.accounts,
    statuses: i.statuses,
    followers: i.followers,
    follows: i.follows,
    reports_from: i.reportsFrom,
    reports_about: i.reportsAbout,
    moderation: i.moderation,
  }
}

const softwareText = (i: KnownInstance) => (i.software ? [i.software.name, i.software.version].filter(Boolean).join(' ') : '')
const reachText = (i: KnownInstance) =>
  i.reachability.unavailableSince ? 'unavailable' : i.reachability.failureCount ? `failing (${i.reachability.failureCount})` : 'ok'
const moderationText = (i: KnownInstance) =>
  [i.moderation.severity, i.moderation.rejected && i.moderation.severity !== 'suspend' ? 'rejected' : null, i.moderation.allowed ? 'allowed' : null]
    .filter(Boolean).join(', ')

function instancesCommand() {
  return new Command('instances')
    .description('the other servers this instance knows: software, reachability, what is here of them, moderation')
    .argument('[domain]', 'show this server only')
    .addOption(jsonOption())
    .addHelpText('after', `
Servers are known from their accounts stored here and from deliveries to them. SOFTWARE is read from each server's
NodeInfo in the background when it is first met, and again at most daily. FOLLOWERS are their accounts following
accounts here, FOLLOWS accounts here following theirs, REPORTS those sent from there.

Examples:
  $ rookery federation instances
  $ rookery federation instances social.example
  $ rookery federation instances --json`)
    .action(async (domain: string | undefined, _opts: unknown, cmd: Command) => {
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
        const list = await listKnownInstances(ctx, domain)
        if (domain) {
          const [i] = list
          if (!i) throw new CliError(`No server ${domain} is known here`)
          await run.out.result(instanceJson(i), [{
            kind: 'fields', rows: [
              ['Domain', i.domain],
              ['Software', softwareText(i) || (i.nodeinfo?.error ? `unknown (${clip(i.nodeinfo.error, 120)})` : 'unknown')],
              ['NodeInfo read', when(i.nodeinfo?.fetchedAt ?? null)],
              ['First seen', when(i.firstSeenAt)],
              ['Reachability', reachText(i)],
              ['Failing since', when(i.reachability.failingSince)],
              ['Unavailable since', when(i.reachability.unavailableSince)],
              ['Last success', when(i.reachability.lastSuccessAt)],
              ['Accounts', String(i.accounts)],
              ['Statuses', String(i.statuses)],
              ['Followers there', String(i.followers)],
              ['Follows there', String(i.follows)],
              ['Reports from there', String(i.reportsFrom)],
              ['Reports about it', String(i.reportsAbout)],
              ['Moderation', moderationText(i) || 'none'],
            ],
          }])
          return
        }
        await run.out.result(list.map(instanceJson), [{
          kind: 'table',
          columns: ['domain', 'software', 'reach', 'accounts', 'statuses', 'followers', 'follows', 'reports', 'moderation'],
          empty: 'No other servers are known yet.',
          rows: list.map((i) => [i.domain, softwareText(i), reachText(i), String(i.accounts), String(i.statuses), String(i.followers), String(i.follows),
            String(i.reportsFrom), moderationText(i)]),
        }])
      })
    })
}

export function federationCommand() {
  return new Command('federation')
    .description('look up remote actors and objects, watch deliveries, refresh remote accounts, list known servers')
    .addCommand(lookupCommand())
    .addCommand(deliveriesCommand())
    .addCommand(refreshCommand())
    .addCommand(instancesCommand())
    .addHelpText('after', `
Examples:
  $ rookery federation instances
  $ rookery federation lookup alice@social.example
  $ rookery federation deliveries
  $ rookery federation refresh alice@social.example`)
}
