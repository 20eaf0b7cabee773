// `rookery emoji ...` as real processes: importing folders and zips, generating pack.json and manifests,
// installing packs from a manifest file or URL (with SHA-256 checks), listing.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { zipSync } from 'fflate'
import { GIF, PNG } from '../support/emoji'
import { cliEnvironment, rookery, unique, type CliEnv } from './run'

let cli: CliEnv
let work: string
let dataDir: string
let server: ReturnType<typeof Bun.serve>

const run = (args: string[]) => rookery(cli, args, { env: { ROOKERY_DATA_DIR: dataDir } })
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex').toUpperCase()

function folder(name: string, files: Record<string, Uint8Array | string>): string {
  const dir = join(work, name)
  for (const [file, data] of Object.entries(files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true })
    writeFileSync(join(dir, file), data)
  }
  return dir
}

beforeAll(async () => {
  cli = await cliEnvironment()
  work = mkdtempSync(join(tmpdir(), 'rookery-emoji-cli-'))
  dataDir = cli.dataDir ?? join(work, 'data')
  // serves files of the work folder over loopback, as a remote emoji index would
  server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: (req) => {
    const path = join(work, decodeURIComponent(new URL(req.url).pathname))
    return path.startsWith(work) && existsSync(path) ? new Response(Bun.file(path)) : new Response('not found', { status: 404 })
  } })
})

afterAll(async () => {
  server?.stop(true)
  await cli?.cleanup()
  rmSync(work, { recursive: true, force: true })
})

describe('emoji import and list', () => {
  test('a folder becomes a pack: files copied, pack.json written, progress lines when piped', async () => {
    const empty = await run(['emoji', 'list'])
    expect(empty.code).toBe(0)
    expect(empty.stdout).toBe('')
    expect(empty.stderr).toContain('No emoji packs')
    expect((await run(['emoji', 'list', '--json'])).json()).toEqual([])

    const [a, b] = [unique('cla'), unique('clb')]
    const dir = folder('blobs', { [`${a}.png`]: PNG, [`sub/${b}.gif`]: GIF, 'README.txt': 'hello', 'fake.png': 'not an image' })
    const res = await run(['emoji', 'import', dir])
    expect(res.code).toBe(0)
    expect(res.stdout).toContain(`added :${a}:\n`)
    expect(res.stdout).toContain(`added :${b}:\n`)
    expect(res.stdout).toContain('skipped :fake:')
    expect(res.stdout).toContain('Imported pack blobs: 2 emoji\n')
    expect(res.stdout).not.toContain('\x1b[')
    expect(res.stderr).toContain('warning: skipped :fake:')
    expect(readFileSync(join(dataDir, 'emoji', 'blobs', `sub/${b}.gif`))).toEqual(Buffer.from(GIF))
    expect(JSON.parse(readFileSync(join(dataDir, 'emoji', 'blobs', 'pack.json'), 'utf8'))).toMatchObject({
      files: { [a]: `${a}.png`, [b]: `sub/${b}.gif` }, files_count: 2,
    })

    const listed = (await run(['emoji', 'list', '--json'])).json()
    expect(listed).toEqual([expect.objectContaining({ name: 'blobs', files_count: 2, 'share-files': true })])
    const plain = await run(['emoji', 'list'])
    expect(plain.stdout).toMatch(/^NAME\s+EMOJI\s+SHARED\s+LICENSE\s+DESCRIPTION\n/)
    expect(plain.stdout).toMatch(/^blobs\s+2\s+yes/m)
    const one = (await run(['emoji', 'list', 'blobs', '--json'])).json()
    expect(one.emoji).toEqual([
      { shortcode: a, file: `${a}.png`, url: `https://cli.rookery.test/emoji/blobs/${a}.png` },
      { shortcode: b, file: `sub/${b}.gif`, url: `https://cli.rookery.test/emoji/blobs/sub/${b}.gif` },
    ].sort((x, y) => (x.shortcode < y.shortcode ? -1 : 1)))

    const again = await run(['emoji', 'import', dir])
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('already exists')
    const missing = await run(['emoji', 'list', 'nope'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toBe('error: Pack nope does not exist\n')
  })

  test('a zip (with a top folder, or a pack.json) becomes a pack; unsafe archives are refused', async () => {
    const c = unique('clc')
    writeFileSync(join(work, 'zipped.zip'), zipSync({ [`zipped/${c}.png`]: PNG }))
    const res = await run(['emoji', 'import', join(work, 'zipped.zip'), '--name', 'fromzip', '--json'])
    expect(res.code).toBe(0)
    expect(res.json()).toMatchObject({ name: 'fromzip', files_count: 1, files: { [c]: `${c}.png` }, skipped: [] })

    writeFileSync(join(work, 'slip.zip'), zipSync({ '../../evil.png': PNG }))
    const slip = await run(['emoji', 'import', join(work, 'slip.zip')])
    expect(slip.code).toBe(1)
    expect(slip.stderr).toContain('Invalid archive: unsafe entry name')
    expect(existsSync(join(dataDir, 'evil.png'))).toBe(false)
    expect(existsSync(join(dataDir, 'emoji', 'slip'))).toBe(false)
    expect((await run(['emoji', 'import', join(work, 'nothing-here')])).code).toBe(1)
  })
})

describe('emoji gen-pack, ls-packs and get-packs', () => {
  test('gen-pack writes the zip, pack.json, the files list and a manifest entry with the SHA-256', async () => {
    const [d, e] = [unique('cld'), unique('cle')]
    const dir = folder('gen', { [`${d}.png`]: PNG, [`${e}.gif`]: GIF })
    const out = join(work, 'index')
    const res = await run(['emoji', 'gen-pack', dir, '--name', 'genpack', '--license', 'CC0', '--homepage', 'https://example.org',
      '--description', 'Generated', '--out', out, '--json'])
    expect(res.code).toBe(0)
    const result = res.json()
    const zip = new Uint8Array(readFileSync(join(out, 'genpack.zip')))
    expect(result.sha256).toBe(sha256(zip))
    expect(result.files).toEqual({ [d]: `${d}.png`, [e]: `${e}.gif` })
    expect(JSON.parse(readFileSync(join(out, 'genpack.json'), 'utf8'))).toEqual({
      genpack: { license: 'CC0', homepage: 'https://example.org', description: 'Generated', src: 'genpack.zip', src_sha256: sha256(zip), files: 'genpack_files.json' },
    })
    expect(JSON.parse(readFileSync(join(out, 'genpack_files.json'), 'utf8'))).toEqual(result.files)
    expect(JSON.parse(readFileSync(join(dir, 'pack.json'), 'utf8'))).toMatchObject({ files: result.files, pack: { license: 'CC0', 'share-files': true } })

    const plain = await run(['emoji', 'gen-pack', dir, '--name', 'genpack', '--dry-run'])
    expect(plain.stdout).toContain('Generated pack genpack: 2 emoji')
    expect(plain.stdout).toMatch(new RegExp(`SHA-256: +${sha256(zip)}`))

    const ls = await run(['emoji', 'ls-packs', join(out, 'genpack.json'), '--json'])
    expect(ls.json()).toEqual([expect.objectContaining({ name: 'genpack', src: 'genpack.zip', srcSha256: sha256(zip) })])

    // installing from the local manifest: src and files resolve next to it
    const installed = await run(['emoji', 'get-packs', join(out, 'genpack.json'), 'genpack'])
    expect(installed.code).toBe(0)
    expect(installed.stdout).toContain('Installed pack genpack: 2 emoji')
    expect(existsSync(join(dataDir, 'emoji', 'genpack', `${d}.png`))).toBe(true)
    expect(JSON.parse(readFileSync(join(dataDir, 'emoji', 'genpack', 'pack.json'), 'utf8')).pack).toMatchObject({ license: 'CC0', 'share-files': true })
  })

  test('get-packs by URL verifies the SHA-256, needs --allow-private-network for loopback, reports failures', async () => {
    const f = unique('clf')
    const dir = folder('remote', { [`${f}.png`]: PNG })
    const out = join(work, 'served')
    const origin = `http://127.0.0.1:${server.port}`
    expect((await run(['emoji', 'gen-pack', dir, '--name', 'remotepack', '--out', out, '--src', `${origin}/served/remotepack.zip`])).code).toBe(0)
    const manifestUrl = `${origin}/served/remotepack.json`

    const refused = await run(['emoji', 'get-packs', manifestUrl])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('is not a public address')

    const manifest = JSON.parse(readFileSync(join(out, 'remotepack.json'), 'utf8'))
    writeFileSync(join(out, 'mixed.json'), JSON.stringify({
      ...manifest,
      badsum: { ...manifest.remotepack, src_sha256: 'A'.repeat(64) },
    }))
    const res = await run(['emoji', 'get-packs', `${origin}/served/mixed.json`, 'remotepack', 'badsum', 'unknown', '--allow-private-network', '--json'])
    expect(res.code).toBe(1)
    const results = res.json()
    expect(results[0]).toMatchObject({
      status: 'installed', name: 'remotepack', files: { [f]: `${f}.png` },
      'fallback-src': `${origin}/served/remotepack.zip`, 'fallback-src-sha256': manifest.remotepack.src_sha256, 'share-files': true,
    })
    expect(results[1]).toMatchObject({ name: 'badsum', status: 'failed' })
    expect(results[1].error).toContain('SHA-256 mismatch')
    expect(results[2]).toEqual({ name: 'unknown', status: 'failed', error: 'No pack named "unknown" found' })
    expect(res.stderr).toContain('error: 2 of 3 packs could not be installed')
    expect(existsSync(join(dataDir, 'emoji', 'badsum'))).toBe(false)
  })
})
