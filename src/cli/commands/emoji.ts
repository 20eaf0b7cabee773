import { existsSync } from 'node:fs'
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { Command, Option } from 'commander'
import type { Ctx } from '../../core/context'
import { MAX_ARCHIVE_BYTES } from '../../core/emoji/archive'
import { describeSource, folderSource, installPack, zipSource, type InstallResult, type PackDescription, type PackSource } from '../../core/emoji/import'
import { fetchManifestPack, findManifestEntry, generatePack, loadManifest, type Manifest } from '../../core/emoji/manifest'
import { allPacks, getPack, metadataJson, type Pack } from '../../core/emoji/packs'
import { emojiUrl, packDir, packFileKey } from '../../core/emoji/paths'
import { CliError } from '../errors'
import { startCommand, withDatabase, type CommandRun, type GlobalOptions } from '../context'
import type { Block } from '../output'

const jsonOption = () => new Option('--json', 'print the result as JSON')
const privateNetworkOption = () => new Option('--allow-private-network', 'also download from loopback and private addresses (refused by default)')

function packSummaryJson(pack: Pack) {
  return { name: pack.name, files_count: Object.keys(pack.files).length, ...metadataJson(pack.meta) }
}

/** Installs a described pack with a progress bar; skipped entries are reported, not fatal. */
async function install(run: CommandRun, ctx: Ctx, name: string, source: PackSource, description: PackDescription, inPlace = false): Promise<InstallResult> {
  const total = Object.keys(description.files).length
  return run.out.progress(`Installing ${name}`, total, (step) =>
    installPack(ctx, name, source, description, {
      inPlace,
      onEntry: (code, skipped) => step(skipped ? `skipped :${code}: (${skipped.reason})` : `added :${code}:`),
    }))
}

function installJson(result: InstallResult) {
  return { ...packSummaryJson(result.pack), files: result.pack.files, skipped: result.skipped }
}

function installBlocks(result: InstallResult, verb: string): Block[] {
  const count = Object.keys(result.pack.files).length
  const blocks: Block[] = [{ kind: 'success', text: `${verb} pack ${result.pack.name}: ${count} emoji` }]
  for (const s of result.skipped.slice(0, 20)) blocks.push({ kind: 'warning', text: `skipped :${s.shortcode}: (${s.file}): ${s.reason}` })
  if (result.skipped.length > 20) blocks.push({ kind: 'warning', text: `and ${result.skipped.length - 20} more skipped` })
  return blocks
}

function listCommand() {
  return new Command('list')
    .alias('ls')
    .description('list the installed emoji packs, or the emoji of one pack')
    .argument('[pack]', 'a pack name: list its emoji')
    .addOption(jsonOption())
    .addHelpText('after', `
Examples:
  $ rookery emoji list
  $ rookery emoji list blobs --json`)
    .action(async (name: string | undefined, _opts: GlobalOptions, cmd: Command) => {
      const run = await startCommand(cmd)
      await withDatabase(run, async (ctx) => {
        if (name) {
          const pack = await getPack(ctx.db, name)
          const emoji = Object.entries(pack.files).map(([shortcode, file]) => ({ shortcode, file, url: emojiUrl(ctx.config.baseUrl, packFileKey(pack.name, file)) }))
          await run.out.result({ ...packSummaryJson(pack), emoji }, [
            { kind: 'table', columns: ['Shortcode', 'File', 'URL'], rows: emoji.map((e) => [`:${e.shortcode}:`, e.file, e.url]), empty: `Pack ${pack.name} has no emoji.` },
          ])
          return
        }
        const packs = await allPacks(ctx.db)
        await run.out.result(packs.map(packSummaryJson), [{
          kind: 'table',
          columns: ['Name', 'Emoji', 'Shared', 'License', 'Description'],
          rows: packs.map((p) => [p.name, String(Object.keys(p.files).length), p.meta.shareFiles ? 'yes' : 'no', p.meta.license, p.meta.description]),
          empty: 'No emoji packs (add one with `rookery emoji import` or `rookery emoji get-packs`).',
        }])
      })
    })
}

function importCommand() {
  return new Command('import')
    .description('install a pack from a folder or a zip (its pack.json, else its emoji.txt, else every image in it)')
    .argument('<source>', 'a folder of emoji or a .zip file')
    .option('-n, --name <name>', 'pack name (default: the folder or zip name)')
    .addOption(jsonOption())
    .addHelpText('after', `
Files are copied into <data dir>/emoji/<name>/ and a pack.json is written there. A folder already in that place is
registered as it is. Shortcodes already used by another pack are skipped and reported.

Examples:
  $ rookery emoji import ./blobs
  $ rookery emoji import ~/Downloads/finmoji.zip --name finmoji
  $ rookery emoji import ./blobs --json`)
    .action(async (sourcePath: string, opts: { name?: string }, cmd: Command) => {
      const run = await startCommand(cmd)
      const path = resolve(sourcePath)
      const info = await stat(path).catch(() => null)
      if (!info) throw new CliError(`${path} does not exist`)
      const name = opts.name ?? basename(path).replace(/\.zip$/i, '')
      let source: PackSource
      if (info.isDirectory()) {
        source = await folderSource(path)
      } else {
        if (info.size > MAX_ARCHIVE_BYTES) throw new CliError(`${path} is larger than ${MAX_ARCHIVE_BYTES} bytes`)
        source = zipSource(new Uint8Array(await readFile(path)), { stripTopFolder: true })
      }
      const description = await describeSource(source, name)
      await withDatabase(run, async (ctx) => {
        const inPlace = info.isDirectory() && resolve(path) === packDir(ctx.config, name)
        const result = await install(run, ctx, name, source, description, inPlace)
        await run.out.result(installJson(result), installBlocks(result, 'Imported'))
      })
    })
}

function getPacksCommand() {
  return new Command('get-packs')
    .description('download and install packs listed in a Pleroma emoji manifest, checking their SHA-256')
    .argument('<manifest>', 'a manifest JSON file or its http(s) URL')
    .argument('[packs...]', 'names of the packs to install (default: all of them)')
    .addOption(privateNetworkOption())
    .addOption(jsonOption())
    .addHelpText('after', `
A manifest maps pack names to { license, homepage, description, src, src_sha256, files }: src is a zip, files a JSON
file (next to the manifest) mapping shortcodes to paths inside the zip. Installed packs are shared and keep src as
their fallback-src.

Examples:
  $ rookery emoji get-packs https://example.org/emoji/index.json blobs finmoji
  $ rookery emoji get-packs ./manifest.json --json`)
    .action(async (location: string, names: string[], opts: { allowPrivateNetwork?: boolean }, cmd: Command) => {
      const run = await startCommand(cmd)
      const fetchOpts = { allowPrivateNetwork: !!opts.allowPrivateNetwork }
      const manifest: Manifest = await run.out.task('Reading the manifest', () => loadManifest(location, fetchOpts))
      const wanted = names.length ? names : manifest.entries.map((e) => e.name)
      const results: Record<string, unknown>[] = []
      const blocks: Block[] = []
      await withDatabase(run, async (ctx) => {
        for (const name of wanted) {
          try {
            const entry = findManifestEntry(manifest, name)
            const fetched = await run.out.task(`Downloading ${name}`, () => fetchManifestPack(manifest, entry, fetchOpts))
            const result = await install(run, ctx, name, fetched.source, fetched.description)
            results.push({ status: 'installed', ...installJson(result) })
            blocks.push(...installBlocks(result, 'Installed'))
          } catch (e) {
            const message = (e as Error).message
            results.push({ name, status: 'failed', error: message })
            blocks.push({ kind: 'warning', text: `${name}: ${message}` })
          }
        }
      })
      await run.out.result(results, blocks)
      const failed = results.filter((r) => r.status === 'failed').length
      if (failed) throw new CliError(`${failed} of ${results.length} pack${results.length === 1 ? '' : 's'} could not be installed`)
    })
}

function lsPacksCommand() {
  return new Command('ls-packs')
    .description('list the packs of a Pleroma emoji manifest')
    .argument('<manifest>', 'a manifest JSON file or its http(s) URL')
    .addOption(privateNetworkOption())
    .addOption(jsonOption())
    .addHelpText('after', `
Examples:
  $ rookery emoji ls-packs https://example.org/emoji/index.json`)
    .action(async (location: string, opts: { allowPrivateNetwork?: boolean }, cmd: Command) => {
      const run = await startCommand(cmd)
      const manifest = await run.out.task('Reading the manifest', () => loadManifest(location, { allowPrivateNetwork: !!opts.allowPrivateNetwork }))
      await run.out.result(manifest.entries, [{
        kind: 'table',
        columns: ['Name', 'License', 'Homepage', 'Description', 'Source'],
        rows: manifest.entries.map((e) => [e.name, e.license, e.homepage, e.description, e.src]),
        empty: 'The manifest lists no packs.',
      }])
    })
}

function genPackCommand() {
  return new Command('gen-pack')
    .description('build pack.json and a manifest entry (with the zip\'s SHA-256) for a folder of images or a zip')
    .argument('<source>', 'a folder of images, a .zip file, or the URL of a zip')
    .option('-n, --name <name>', 'pack name (default: the folder or zip name)')
    .option('--license <text>', 'license of the emoji')
    .option('--homepage <url>', 'where the pack comes from')
    .option('--description <text>', 'what the pack is')
    .option('--src <url>', 'where the zip will be downloadable (default: the source URL, or <name>.zip)')
    .option('--extensions <list>', 'file extensions to include, comma-separated (default: every image type)')
    .option('-o, --out <dir>', 'folder for <name>.json, <name>_files.json and (for a folder source) <name>.zip', '.')
    .option('--dry-run', 'print the result without writing files')
    .addOption(privateNetworkOption())
    .addOption(jsonOption())
    .addHelpText('after', `
For a folder, the images are zipped into <out>/<name>.zip (without pack.json, so the zip can serve as a fallback-src)
and pack.json is written into the folder. <out>/<name>.json is a manifest entry for get-packs (merged into the file if
it exists) and <out>/<name>_files.json maps shortcodes to paths inside the zip.

Examples:
  $ rookery emoji gen-pack ./blobs --license "Apache 2.0" --homepage https://blobs.gg --src https://example.org/blobs.zip
  $ rookery emoji gen-pack ./finmoji.zip --out ./index --json`)
    .action(async (source: string, opts: {
      name?: string; license?: string; homepage?: string; description?: string; src?: string; extensions?: string; out: string; dryRun?: boolean
      allowPrivateNetwork?: boolean
    }, cmd: Command) => {
      const run = await startCommand(cmd)
      const generated = await run.out.task('Reading the images', () => generatePack({
        source,
        name: opts.name,
        license: opts.license,
        homepage: opts.homepage,
        description: opts.description,
        src: opts.src,
        extensions: opts.extensions?.split(',').map((e) => e.trim()).filter(Boolean),
      }, { allowPrivateNetwork: !!opts.allowPrivateNetwork }))
      const out = resolve(opts.out)
      const written: string[] = []
      if (!opts.dryRun) {
        await mkdir(out, { recursive: true })
        const put = async (path: string, data: string | Uint8Array) => {
          await writeFile(path, data)
          written.push(path)
        }
        if (generated.zip) {
          await put(join(out, `${generated.name}.zip`), generated.zip)
          await put(join(resolve(source), 'pack.json'), JSON.stringify(generated.packJson, null, 2) + '\n')
        }
        await put(join(out, `${generated.name}_files.json`), JSON.stringify(generated.files, null, 2) + '\n')
        const manifestPath = join(out, `${generated.name}.json`)
        let manifest: Record<string, unknown> = {}
        if (existsSync(manifestPath)) {
          try {
            manifest = JSON.parse(await readFile(manifestPath, 'utf8'))
          } catch {
            throw new CliError(`${manifestPath} exists but is not JSON; move it away or choose another --out`)
          }
        }
        await put(manifestPath, JSON.stringify({ ...manifest, ...generated.manifest }, null, 2) + '\n')
      }
      const count = Object.keys(generated.files).length
      const entry = generated.manifest[generated.name]
      await run.out.result({
        name: generated.name,
        sha256: generated.sha256,
        files_count: count,
        files: generated.files,
        pack_json: generated.packJson,
        manifest: generated.manifest,
        written,
      }, [
        { kind: 'success', text: `Generated pack ${generated.name}: ${count} emoji` },
        { kind: 'fields', rows: [['SHA-256', generated.sha256], ['src', entry.src], ...written.map((w): [string, string] => ['wrote', w])] },
        ...(count ? [] : [{ kind: 'warning' as const, text: 'no images found' }]),
      ])
    })
}

export function emojiCommand() {
  return new Command('emoji')
    .description('manage custom emoji and Pleroma emoji packs')
    .addCommand(listCommand())
    .addCommand(importCommand())
    .addCommand(getPacksCommand())
    .addCommand(lsPacksCommand())
    .addCommand(genPackCommand())
    .addHelpText('after', `
Emoji packs live in <data dir>/emoji/<pack>/ and are served at <base URL>/emoji/<pack>/<file>.

Examples:
  $ rookery emoji list
  $ rookery emoji import ./blobs
  $ rookery emoji get-packs https://example.org/emoji/index.json blobs
  $ rookery emoji gen-pack ./blobs --license CC0 --src https://example.org/blobs.zip`)
}
