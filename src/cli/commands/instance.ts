import { readFileSync } from 'node:fs'
import { Command, Option } from 'commander'
import { deleteInstanceDocument, putInstanceDocument } from '../../core/admin/documents'
import { instanceOverview } from '../../core/admin/instance'
import { NotFoundError } from '../../core/errors'
import { replaceRules } from '../../core/instance/texts'
import { startCommand, withDatabase, type GlobalOptions } from '../context'
import { readStdin } from '../options'

const SETTABLE = ['extended-description', 'privacy-policy', 'terms-of-service', 'instance-panel', 'rules'] as const

/** Rules as written in a file: separated by blank lines, the first line of each the rule, the rest its hint. */
export function parseRulesText(text: string): { text: string; hint: string }[] {
  return text.replace(/\r\n/g, '\n').split(/\n\s*\n/).map((block) => block.trim()).filter(Boolean).map((block) => {
    const [first, ...rest] = block.split('\n')
    return { text: first.trim(), hint: rest.join('\n').trim() }
  })
}

function setCommand() {
  return new Command('set')
    .description('set one of the texts clients show: the about page, privacy policy, terms of service, Pleroma\'s side panel or the rules')
    .argument('<key>', SETTABLE.join(', '))
    .argument('[value]', 'the text (HTML for pages); - reads it from stdin; an empty value goes back to the default')
    .addOption(new Option('--file <path>', 'read the text from this file'))
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `
Rules are separated by blank lines; the first line of each is the rule, the lines after it its longer explanation.
Once set here, they replace the rules of the configuration (instance.rules); an empty value brings those back.

Examples:
  $ rookery instance set privacy-policy --file privacy.html
  $ rookery instance set terms-of-service "<p>Be excellent to each other.</p>"
  $ rookery instance set rules --file rules.txt
  $ rookery instance set extended-description ""`)
    .action(async (key: string, value: string | undefined, opts: { file?: string }, cmd: Command) => {
      if (!(SETTABLE as readonly string[]).includes(key)) {
        cmd.error(`error: unknown key "${key}": use one of ${SETTABLE.join(', ')}`, { exitCode: 2, code: 'rookery.badKey' })
      }
      if (value === undefined && !opts.file) cmd.error('error: give the value, - for stdin, or --file', { exitCode: 2, code: 'rookery.missingValue' })
      if (value !== undefined && opts.file) cmd.error('error: give the value or --file, not both', { exitCode: 2, code: 'rookery.valueAndFile' })
      const text = opts.file ? readFileSync(opts.file, 'utf8') : value === '-' ? await readStdin() : value!
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
        if (key === 'rules') {
          const rules = await replaceRules(ctx, parseRulesText(text))
          await run.out.result({ key, rules: rules.map(({ id, text, hint }) => ({ id, text, hint })) }, [
            { kind: 'success', text: rules.length ? `Set ${rules.length} rules` : 'Removed the rules set here: the configured rules apply' },
            ...(rules.length ? [{ kind: 'table' as const, columns: ['id', 'rule', 'hint'], rows: rules.map((r) => [r.id, r.text, r.hint]), empty: '' }] : []),
          ])
          return
        }
        if (!text.trim()) {
          await deleteInstanceDocument(ctx, key).catch((e) => {
            if (!(e instanceof NotFoundError)) throw e
          })
          await run.out.result({ key, cleared: true }, [{ kind: 'success', text: `Cleared ${key}` }])
          return
        }
        const url = await putInstanceDocument(ctx, key, text)
        await run.out.result({ key, url }, [{ kind: 'success', text: `Set ${key} (${url})` }])
      })
    })
}

function showCommand() {
  return new Command('show')
    .description('show the instance: name, domain, version, registrations and how many users and statuses it has')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `
Users are local users who can log in; statuses are those written by local users.

Examples:
  $ rookery instance show
  $ rookery instance show --json | jq .users`)
    .action(async (_opts: GlobalOptions, cmd: Command) => {
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
        const o = await instanceOverview(ctx)
        await run.out.result({
          name: o.name, domain: o.domain, base_url: o.baseUrl, version: o.version, registrations: o.registrations,
          contact_email: o.contactEmail, users: o.users, active_users_month: o.activeUsersMonth, statuses: o.statuses, known_domains: o.knownDomains,
        }, [{
          kind: 'fields',
          rows: [
            ['Name', o.name],
            ['Domain', o.domain],
            ['URL', o.baseUrl],
            ['Version', `Rookery ${o.version}`],
            ['Registrations', o.registrations],
            ['Contact', o.contactEmail || '(none)'],
            ['Users', `${o.users} (${o.activeUsersMonth} active this month)`],
            ['Statuses', String(o.statuses)],
            ['Known domains', String(o.knownDomains)],
          ],
        }])
      })
    })
}

export function instanceCommand() {
  return new Command('instance')
    .description('information about this instance')
    .addCommand(showCommand())
    .addCommand(setCommand())
    .addHelpText('after', `
Examples:
  $ rookery instance show
  $ rookery instance set privacy-policy --file privacy.html`)
}
