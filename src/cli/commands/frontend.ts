import { resolve } from 'node:path'
import { Command, Option } from 'commander'
import {
  clearFrontend, installFrontend, listFrontends, readArchiveFile, removeFrontend, useFrontend, type FrontendRole,
} from '../../core/frontends/install'
import { startCommand, withDatabase } from '../context'
import { CliError } from '../errors'

const jsonOption = () => new Option('--json', 'print the result as JSON')

const roleOf = (opts: { admin?: boolean }): FrontendRole => (opts.admin ? 'admin' : 'primary')
const servedAt = (role: FrontendRole) => (role === 'admin' ? '/pleroma/admin/' : '/')

function installCommand() {
  return new Command('install')
    .description('download or unpack a frontend build into <data dir>/frontends/<name>/<ref>/')
    .argument('<name>', 'a known frontend (see `rookery frontend list`) or a name of your choice with --file or --url')
    .option('--ref <ref>', 'the version to install (default: the known frontend\'s, else "local")')
    .addOption(new Option('--file <zip>', 'a build archive on this machine').conflicts('url'))
    .option('--url <url>', 'where to download the build archive (default: the known frontend\'s build URL)')
    .addOption(new Option('--primary', 'serve it at / once installed').conflicts('admin'))
    .option('--admin', 'serve it at /pleroma/admin/ once installed')
    .option('--allow-private-network', 'also download from loopback and private addresses (refused by default)')
    .addOption(jsonOption())
    .addHelpText('after', `
The archive must hold a static build with an index.html at its root or in its one top-level folder. Unsafe
archives (paths leaving the folder, links, too many or too large files) are refused before anything is written.

Examples:
  $ rookery frontend install pleroma-fe --primary
  $ rookery frontend install akkoma-fe --ref stable
  $ rookery frontend install my-fe --file ./dist.zip --primary
  $ rookery frontend install admin-fe --url https://example.org/admin-fe.zip --admin`)
    .action(async (name: string, opts: { ref?: string; file?: string; url?: string; primary?: boolean; admin?: boolean; allowPrivateNetwork?: boolean }, cmd: Command) => {
      const run = await startCommand(cmd)
      const zip = opts.file ? await readArchiveFile(resolve(opts.file)) : undefined
      await withDatabase(run, async (ctx) => {
        const installed = await run.out.task(`Installing ${name}`, () => installFrontend(ctx, { name, ref: opts.ref, zip, url: opts.url }, {
          allowPrivateNetwork: opts.allowPrivateNetwork ? true : ctx.config.fetchPrivateNetwork,
        }))
        const role: FrontendRole | null = opts.primary ? 'primary' : opts.admin ? 'admin' : null
        if (role) await useFrontend(ctx, installed.name, role, installed.ref)
        await run.out.result({ ...installed, role }, [
          { kind: 'success', text: `Installed ${installed.name} ${installed.ref}: ${installed.files} files, ${installed.bytes} bytes` },
          role
            ? { kind: 'success', text: `${installed.name} ${installed.ref} is now served at ${servedAt(role)}` }
            : { kind: 'note', text: `Serve it with \`rookery frontend use ${installed.name}\` (add --admin for /pleroma/admin/).` },
        ])
      })
    })
}

function listCommand() {
  return new Command('list')
    .alias('ls')
    .description('list the known and installed frontends and which ones are served')
    .addOption(jsonOption())
    .addHelpText('after', `
Examples:
  $ rookery frontend list
  $ rookery frontend list --json`)
    .action(async (_opts: unknown, cmd: Command) => {
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
        const list = await listFrontends(ctx)
        await run.out.result(list, [{
          kind: 'table',
          columns: ['Name', 'Installed', 'Served', 'Default ref', 'Build'],
          rows: list.map((f) => [f.name, f.installed_refs.join(', ') || '-', f.active.map(servedAt).join(' ') || '-', f.ref ?? '-', f.build_url ?? '-']),
          empty: 'No frontends.',
        }])
      })
    })
}

function useCommand() {
  return new Command('use')
    .description('serve an installed frontend at / (or at /pleroma/admin/ with --admin); "none" goes back to the built-in pages')
    .argument('<name>', 'an installed frontend, or "none"')
    .option('--ref <ref>', 'which installed version (needed when several are)')
    .option('--admin', 'as the admin frontend')
    .addOption(jsonOption())
    .addHelpText('after', `
Examples:
  $ rookery frontend use pleroma-fe
  $ rookery frontend use admin-fe --admin
  $ rookery frontend use none`)
    .action(async (name: string, opts: { ref?: string; admin?: boolean }, cmd: Command) => {
      const run = await startCommand(cmd)
      const role = roleOf(opts)
      await withDatabase(run, async (ctx) => {
        if (name === 'none') {
          await clearFrontend(ctx, role)
          await run.out.result({ role, name: null }, [{ kind: 'success', text: role === 'admin' ? 'No admin frontend is served now' : 'The built-in pages are served at / now' }])
          return
        }
        const chosen = await useFrontend(ctx, name, role, opts.ref)
        await run.out.result({ role, ...chosen }, [{ kind: 'success', text: `${chosen.name} ${chosen.ref} is now served at ${servedAt(role)}` }])
      })
    })
}

function rmCommand() {
  return new Command('rm')
    .description('delete an installed frontend (all its versions, or one with --ref)')
    .argument('<name>', 'an installed frontend')
    .option('--ref <ref>', 'delete only this version')
    .addOption(jsonOption())
    .addHelpText('after', `
A frontend served at / or /pleroma/admin/ is not deleted: choose another (or "none") first.

Examples:
  $ rookery frontend rm soapbox
  $ rookery frontend rm pleroma-fe --ref v2.6.0`)
    .action(async (name: string, opts: { ref?: string }, cmd: Command) => {
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
        const removed = await removeFrontend(ctx, name, opts.ref)
        if (!removed.length) throw new CliError(`${name} is not installed`)
        await run.out.result({ name, removed }, [{ kind: 'success', text: `Removed ${name} ${removed.join(', ')}` }])
      })
    })
}

export function frontendCommand() {
  return new Command('frontend')
    .description('install and choose the web frontends served at / and /pleroma/admin/')
    .addCommand(installCommand())
    .addCommand(listCommand())
    .addCommand(useCommand())
    .addCommand(rmCommand())
}
