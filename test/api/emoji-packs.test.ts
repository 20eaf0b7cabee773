import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { unzipSync, Zip, ZipPassThrough, zipSync } from 'fflate'
import { isPublicAddress } from '../../src/core/net/remote-fetch'
import { addPackFile } from '../../src/core/emoji/pack-files'
import { deletePack, updatePackMetadata } from '../../src/core/emoji/packs'
import { downloadRemotePack, listRemotePacks } from '../../src/core/emoji/remote'
import { emojiTestEnv, GIF, makeAdmin, PNG, pngFile, type EmojiTestEnv } from '../support/emoji'
import { makeUser, uniqueName, type MadeUser } from '../support/factories'
import { call, type CallOptions } from '../support/http'

let env: EmojiTestEnv
let admin: MadeUser
let user: MadeUser
const created: string[] = []

const V1 = '/api/v1/pleroma/emoji'
const api = (method: string, path: string, opts: CallOptions = {}) => call(method, path, { app: env.app, ...opts })
/** A zip holding two entries of the same name (fflate's streaming writer allows it; zipSync cannot). */
function duplicateEntryZip(): Uint8Array {
  const chunks: Uint8Array[] = []
  const zip = new Zip((err, data) => {
    if (err) throw err
    chunks.push(data)
  })
  for (let i = 0; i < 2; i++) {
    const entry = new ZipPassThrough('same.png')
    zip.add(entry)
    entry.push(PNG, true)
  }
  zip.end()
  return Uint8Array.from(chunks.flatMap((c) => [...c]))
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex').toUpperCase()
const code = (prefix: string) => uniqueName(prefix).replace(/_/g, '')

async function newPack(prefix = 'pack'): Promise<string> {
  const name = uniqueName(prefix)
  const res = await api('POST', `${V1}/pack`, { token: admin.token, query: { name } })
  expect(res.status).toBe(200)
  expect(res.json).toBe('ok')
  created.push(name)
  return name
}

const addFile = (pack: string, multipart: Record<string, string | Blob>, token = admin.token) =>
  api('POST', `${V1}/packs/files`, { token, query: { name: pack }, multipart })

beforeAll(async () => {
  env = await emojiTestEnv()
  admin = await makeAdmin(env.ctx)
  user = await makeUser(env.ctx)
})

afterAll(async () => {
  for (const name of created) await deletePack(env.ctx, name).catch(() => {})
  env.cleanup()
})

describe('creating and deleting packs', () => {
  test('POST /pack creates an empty shared pack with its folder and pack.json; twice is 409', async () => {
    const name = await newPack()
    const dir = join(env.dataDir, 'emoji', name)
    expect(JSON.parse(readFileSync(join(dir, 'pack.json'), 'utf8'))).toEqual({
      files: {}, files_count: 0, pack: { license: '', homepage: '', description: '', 'share-files': true },
    })
    const again = await api('POST', `${V1}/pack`, { token: admin.token, query: { name } })
    expect(again.status).toBe(409)
    expect(again.json.error).toBe(`A pack named "${name}" already exists`)

    const shown = await api('GET', `${V1}/pack`, { query: { name } })
    expect(shown.status).toBe(200)
    expect(shown.json).toMatchObject({ files: {}, files_count: 0, pack: { 'share-files': true, 'can-download': true } })
    expect(shown.json.pack['download-sha256']).toMatch(/^[0-9A-F]{64}$/)

    expect((await api('DELETE', `${V1}/pack`, { token: admin.token, query: { name } })).json).toBe('ok')
    expect(existsSync(dir)).toBe(false)
    expect((await api('GET', `${V1}/pack`, { query: { name } })).status).toBe(404)
    expect((await api('DELETE', `${V1}/pack`, { token: admin.token, query: { name } })).status).toBe(404)
  })

  test('names: empty is 400, path traversal and separators are refused before touching the disk', async () => {
    expect((await api('POST', `${V1}/pack`, { token: admin.token, query: { name: ' ' } })).status).toBe(400)
    for (const name of ['../../../../../dump_pack', '..', '.hidden', 'a/b', 'a\\b', 'x'.repeat(80)]) {
      const res = await api('POST', `${V1}/pack`, { token: admin.token, query: { name } })
      expect(res.status).toBe(400)
    }
    expect(readdirSync(env.dataDir).filter((f) => f !== 'emoji')).toEqual([])
    expect((await api('GET', `${V1}/pack`, { query: { name: '../../../../../dump_pack' } })).status).toBe(404)
    expect((await api('GET', `${V1}/packs/archive`, { query: { name: '../../../etc' } })).status).toBe(404)
  })

  test('writes need an admin token with admin:write', async () => {
    const name = uniqueName('denied')
    expect((await api('POST', `${V1}/pack`, { query: { name } })).status).toBe(401)
    expect((await api('POST', `${V1}/pack`, { token: user.token, query: { name } })).status).toBe(403)
    const staffWithoutScope = await makeAdmin(env.ctx, ['read', 'write'])
    expect((await api('POST', `${V1}/pack`, { token: staffWithoutScope.token, query: { name } })).status).toBe(403)
    const scopedNonAdmin = await makeUser(env.ctx, { scopes: ['admin:write'] })
    expect((await api('POST', `${V1}/pack`, { token: scopedNonAdmin.token, query: { name } })).status).toBe(403)
    const pack = await newPack()
    for (const [method, path] of [['PATCH', '/pack'], ['DELETE', '/pack'], ['GET', '/packs/import'], ['GET', '/packs/remote'],
      ['POST', '/packs/download'], ['POST', '/packs/download_zip'], ['POST', '/packs/files'], ['PATCH', '/packs/files'], ['DELETE', '/packs/files']]) {
      expect((await api(method, `${V1}${path}`, { token: user.token, query: { name: pack } })).status).toBe(403)
    }
  })
})

describe('files of a pack', () => {
  test('add by upload, list paged, rename, delete; every change mirrored in pack.json', async () => {
    const pack = await newPack()
    const [a, b, c] = [code('a'), code('b'), code('c')]
    const added = await addFile(pack, { file: pngFile('upload.png'), shortcode: a, filename: `${a}.png` })
    expect(added.status).toBe(200)
    expect(added.json).toEqual({ [a]: `${a}.png` })
    // shortcode from the file name, sub-folders allowed
    expect((await addFile(pack, { file: new File([GIF], `${b}.gif`), filename: `sub/${b}.gif` })).json).toEqual({ [a]: `${a}.png`, [b]: `sub/${b}.gif` })
    await addFile(pack, { file: pngFile(`${c}.png`) })

    const page2 = await api('GET', `${V1}/pack`, { query: { name: pack, page: '2', page_size: '1' } })
    expect(page2.json.files).toEqual({ [b]: `sub/${b}.gif` })
    expect(page2.json.files_count).toBe(3)
    const none = await api('GET', `${V1}/pack`, { query: { name: pack, page_size: '0' } })
    expect(none.json).toMatchObject({ files: {}, files_count: 3 })
    expect((await api('GET', `${V1}/pack`, { query: { name: pack, page: '0' } })).status).toBe(400)

    const served = await api('GET', `/emoji/${pack}/sub/${b}.gif`)
    expect(served.status).toBe(200)
    expect(served.headers.get('content-type')).toBe('image/gif')

    const renamed = await api('PATCH', `${V1}/packs/files`, {
      token: admin.token, query: { name: pack }, json: { shortcode: b, new_shortcode: `${b}x`, new_filename: `${b}x.gif` },
    })
    expect(renamed.status).toBe(200)
    expect(renamed.json[`${b}x`]).toBe(`${b}x.gif`)
    expect(renamed.json[b]).toBeUndefined()
    expect(existsSync(join(env.dataDir, 'emoji', pack, 'sub'))).toBe(false)
    expect(existsSync(join(env.dataDir, 'emoji', pack, `${b}x.gif`))).toBe(true)

    const clash = await api('PATCH', `${V1}/packs/files`, {
      token: admin.token, query: { name: pack }, json: { shortcode: c, new_shortcode: a, new_filename: `${c}.png` },
    })
    expect(clash.status).toBe(409)
    const forced = await api('PATCH', `${V1}/packs/files`, {
      token: admin.token, query: { name: pack }, json: { shortcode: c, new_shortcode: a, new_filename: `${c}.png`, force: true },
    })
    expect(forced.json).toEqual({ [a]: `${c}.png`, [`${b}x`]: `${b}x.gif` })
    expect(existsSync(join(env.dataDir, 'emoji', pack, `${a}.png`))).toBe(false)

    const removed = await api('DELETE', `${V1}/packs/files`, { token: admin.token, query: { name: pack, shortcode: a } })
    expect(removed.json).toEqual({ [`${b}x`]: `${b}x.gif` })
    expect(existsSync(join(env.dataDir, 'emoji', pack, `${c}.png`))).toBe(false)
    expect(JSON.parse(readFileSync(join(env.dataDir, 'emoji', pack, 'pack.json'), 'utf8'))).toMatchObject({ files: { [`${b}x`]: `${b}x.gif` }, files_count: 1 })
    const missing = await api('DELETE', `${V1}/packs/files`, { token: admin.token, query: { name: pack, shortcode: a } })
    expect(missing.status).toBe(400)
    expect(missing.json.error).toBe(`Emoji "${a}" does not exist`)
  })

  test('refuses taken shortcodes, bad shortcodes and file names, non-images and mislabelled images', async () => {
    const pack = await newPack()
    const other = await newPack()
    const a = code('taken')
    await addFile(pack, { file: pngFile(), shortcode: a })
    const taken = await addFile(other, { file: pngFile(), shortcode: a })
    expect(taken.status).toBe(409)
    expect(taken.json.error).toBe(`An emoji with the "${a}" shortcode already exists`)
    expect((await addFile(other, { file: pngFile(), shortcode: a.toUpperCase() })).status).toBe(409)

    for (const shortcode of ['a/b', 'a.b', 'a:b', 'a\\b']) expect((await addFile(other, { file: pngFile(), shortcode })).status).toBe(422)
    for (const filename of ['../escape.png', '/etc/x.png', 'a/../../b.png', 'x.html', 'x.json', 'x']) {
      expect((await addFile(other, { file: pngFile(), shortcode: code('f'), filename })).status).toBe(422)
    }
    const html = await addFile(other, { file: new File(['<html><script>alert(1)</script></html>'], 'evil.png', { type: 'image/png' }), shortcode: code('h') })
    expect(html.status).toBe(422)
    const mislabelled = await addFile(other, { file: new File([GIF], 'gif.png'), shortcode: code('m') })
    expect(mislabelled.status).toBe(422)
    expect((await addFile(other, { shortcode: code('n') })).status).toBe(422)
    expect((await api('POST', `${V1}/packs/files`, { token: admin.token, query: { name: uniqueName('nopack') }, multipart: { file: pngFile() } })).status).toBe(404)
    expect(readdirSync(join(env.dataDir, 'emoji', other))).toEqual(['pack.json'])
  })

  test('a zip upload adds every image, named after its file, skipping taken shortcodes and non-images', async () => {
    const pack = await newPack()
    const existing = code('exists')
    await addFile(pack, { file: pngFile(), shortcode: existing })
    const [x, y] = [code('x'), code('y')]
    const zip = zipSync({ [`${x}.png`]: PNG, [`dir/${y}.gif`]: GIF, [`${existing}.png`]: PNG, 'README.txt': new TextEncoder().encode('hi'), 'fake.png': new TextEncoder().encode('nope') })
    const res = await addFile(pack, { file: new File([zip], 'emoji.zip', { type: 'application/zip' }) })
    expect(res.status).toBe(200)
    expect(Object.keys(res.json).sort()).toEqual([existing, x, y].sort())
    expect(res.json[y]).toBe(`dir/${y}.gif`)
  })

  test('adding from a URL refuses addresses that are not public', async () => {
    const pack = await newPack()
    // the same download where loopback is allowed explicitly (as the CLI's --allow-private-network does)
    const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response(PNG, { headers: { 'content-type': 'image/png' } }) })
    try {
      const fetched = code('fetched')
      const files = await addPackFile(env.ctx, pack, { file: `http://127.0.0.1:${server.port}/img/${fetched}.png` }, { allowPrivateNetwork: true })
      expect(files).toEqual({ [fetched]: `${fetched}.png` })
    } finally {
      server.stop(true)
    }
    for (const url of ['http://127.0.0.1:9/x.png', 'http://localhost:9/x.png', 'http://[::1]:9/x.png', 'http://169.254.169.254/x.png', 'file:///etc/passwd', 'http://user:pw@example.org/x.png']) {
      const res = await addFile(pack, { file: url, shortcode: code('u') })
      expect([400, 422]).toContain(res.status)
      expect(res.json.error).toBeString()
    }
  })
})

describe('metadata and archives', () => {
  test('PATCH replaces the metadata; archives hold pack.json and the files, and match download-sha256', async () => {
    const pack = await newPack()
    const a = code('arch')
    await addFile(pack, { file: pngFile(`${a}.png`), shortcode: a })
    const metadata = { license: 'CC0', homepage: 'https://example.org', description: 'Test pack', 'share-files': true }
    const patched = await api('PATCH', `${V1}/pack`, { token: admin.token, query: { name: pack }, json: { metadata } })
    expect(patched.status).toBe(200)
    expect(patched.json).toEqual(metadata)

    const listed = await api('GET', `${V1}/pack`, { query: { name: pack } })
    expect(listed.json.pack).toMatchObject({ ...metadata, 'can-download': true })
    const archive = await api('GET', `${V1}/packs/archive`, { query: { name: pack } })
    expect(archive.status).toBe(200)
    expect(archive.headers.get('content-type')).toBe('application/zip')
    const bytes = new Uint8Array(await (await env.app.handle(new Request(`http://localhost${V1}/packs/archive?name=${pack}`))).arrayBuffer())
    expect(sha256(bytes)).toBe(listed.json.pack['download-sha256'])
    const entries = unzipSync(bytes)
    expect(Object.keys(entries)).toEqual(['pack.json', `${a}.png`])
    expect(JSON.parse(new TextDecoder().decode(entries['pack.json']))).toMatchObject({ files: { [a]: `${a}.png` }, pack: { license: 'CC0' } })

    const unshared = await api('PATCH', `${V1}/pack`, { token: admin.token, query: { name: pack }, json: { metadata: { ...metadata, 'share-files': false } } })
    expect(unshared.json['share-files']).toBe(false)
    expect((await api('GET', `${V1}/pack`, { query: { name: pack } })).json.pack['can-download']).toBe(false)
    expect((await api('GET', `${V1}/packs/archive`, { query: { name: pack } })).status).toBe(403)
    expect((await api('GET', `${V1}/packs/archive`, { query: { name: uniqueName('none') } })).status).toBe(404)

    expect((await api('PATCH', `${V1}/pack`, { token: admin.token, query: { name: pack }, json: { metadata: 'x' } })).status).toBe(422)
    expect((await api('PATCH', `${V1}/pack`, { token: admin.token, query: { name: pack }, json: { metadata: { 'share-files': 'maybe' } } })).status).toBe(422)
  })

  test('an archive stops being downloadable when a file goes missing', async () => {
    const pack = await newPack()
    const a = code('gone')
    await addFile(pack, { file: pngFile(`${a}.png`), shortcode: a })
    await Bun.file(join(env.dataDir, 'emoji', pack, `${a}.png`)).delete()
    expect((await api('GET', `${V1}/pack`, { query: { name: pack } })).json.pack['can-download']).toBe(false)
    expect((await api('GET', `${V1}/packs/archive`, { query: { name: pack } })).status).toBe(403)
  })
})

describe('GET /packs', () => {
  test('pages through packs by name with the total count; also under /api/pleroma/emoji', async () => {
    const names = [await newPack('list'), await newPack('list'), await newPack('list')]
    const all = await api('GET', `${V1}/packs`, { query: { page_size: '1000' } })
    expect(all.status).toBe(200)
    expect(all.json.count).toBeGreaterThanOrEqual(3)
    const keys = Object.keys(all.json.packs)
    expect(keys).toEqual([...keys].sort())
    for (const n of names) expect(all.json.packs[n]).toMatchObject({ files: {}, files_count: 0, pack: { 'can-download': true } })
    const index = keys.indexOf(names[1])
    const one = await api('GET', `${V1}/packs`, { query: { page: String(index + 1), page_size: '1' } })
    expect(Object.keys(one.json.packs)).toEqual([names[1]])
    expect(one.json.count).toBe(all.json.count)
    const legacy = await api('GET', '/api/pleroma/emoji/packs', { query: { page_size: '1000' } })
    expect(legacy.json).toEqual(all.json)
  })
})

describe('importing from the emoji folder', () => {
  test('folders with pack.json, emoji.txt or plain images become packs; unsafe entries are skipped', async () => {
    const root = join(env.dataDir, 'emoji')
    const [withJson, withTxt, plain] = [uniqueName('json'), uniqueName('txt'), uniqueName('plain')]
    const [j1, t1, p1, p2] = [code('j'), code('t'), code('p'), code('q')]
    mkdirSync(join(root, withJson, 'sub'), { recursive: true })
    writeFileSync(join(root, withJson, 'sub', 'one.png'), PNG)
    writeFileSync(join(root, withJson, 'pack.json'), JSON.stringify({
      files: { [j1]: 'sub/one.png', escape: '../../x.png', [code('missing')]: 'missing.png' }, pack: { license: 'MIT', 'share-files': true },
    }))
    mkdirSync(join(root, withTxt), { recursive: true })
    writeFileSync(join(root, withTxt, 'file.gif'), GIF)
    writeFileSync(join(root, withTxt, 'emoji.txt'), `${t1}, /emoji/${withTxt}/file.gif, Tag\n\ngarbage\n`)
    mkdirSync(join(root, plain, 'nested'), { recursive: true })
    writeFileSync(join(root, plain, `${p1}.png`), PNG)
    writeFileSync(join(root, plain, 'nested', `${p2}.gif`), GIF)
    writeFileSync(join(root, plain, 'notes.txt'), 'not an emoji')
    created.push(withJson, withTxt, plain)

    const res = await api('GET', `${V1}/packs/import`, { token: admin.token })
    expect(res.status).toBe(200)
    expect(res.json).toEqual([withJson, plain, withTxt].sort())
    expect((await api('GET', `${V1}/pack`, { query: { name: withJson } })).json).toMatchObject({ files: { [j1]: 'sub/one.png' }, files_count: 1, pack: { license: 'MIT' } })
    expect((await api('GET', `${V1}/pack`, { query: { name: withTxt } })).json.files).toEqual({ [t1]: 'file.gif' })
    expect((await api('GET', `${V1}/pack`, { query: { name: plain } })).json.files).toEqual({ [p1]: `${p1}.png`, [p2]: `nested/${p2}.gif` })
    expect((await api('GET', `${V1}/packs/import`, { token: admin.token })).json).toEqual([])
  })
})

describe('zip archives are read safely', () => {
  const upload = (name: string, zip: Uint8Array) =>
    api('POST', `${V1}/packs/download_zip`, { token: admin.token, multipart: { name, file: new File([zip as Uint8Array<ArrayBuffer>], 'pack.zip') } })

  test('download_zip installs a zip (pack.json or its images)', async () => {
    const [name, other] = [uniqueName('zip'), uniqueName('zip')]
    const [a, b] = [code('za'), code('zb')]
    const withJson = zipSync({ 'pack.json': new TextEncoder().encode(JSON.stringify({ files: { [a]: 'a.png' }, pack: { description: 'zipped' } })), 'a.png': PNG })
    expect((await upload(name, withJson)).json).toBe('ok')
    created.push(name)
    expect((await api('GET', `${V1}/pack`, { query: { name } })).json).toMatchObject({ files: { [a]: 'a.png' }, pack: { description: 'zipped' } })
    const inFolder = zipSync({ [`top/${b}.png`]: PNG })
    expect((await upload(other, inFolder)).json).toBe('ok')
    created.push(other)
    expect((await api('GET', `${V1}/pack`, { query: { name: other } })).json.files).toEqual({ [b]: `${b}.png` })
    expect((await upload(other, inFolder)).status).toBe(409)
    expect((await api('POST', `${V1}/packs/download_zip`, { token: admin.token, json: { name: uniqueName('zip') } })).status).toBe(400)
  })

  test('zip-slip, absolute, backslash and drive-letter entries, symlinks, duplicates and too many entries are refused before any write', async () => {
    const bad: Record<string, Uint8Array> = {
      slip: zipSync({ '../../evil.png': PNG, 'ok.png': PNG }),
      absolute: zipSync({ '/tmp/evil.png': PNG }),
      backslash: zipSync({ '..\\evil.png': PNG }),
      drive: zipSync({ 'C:/evil.png': PNG }),
      symlink: zipSync({ 'link.png': [new TextEncoder().encode('/etc/passwd'), { os: 3, attrs: 0o120777 << 16 }] }),
      duplicate: duplicateEntryZip(),
      notZip: new TextEncoder().encode('PK\x03\x04 not really a zip'),
    }
    const many: Record<string, Uint8Array> = {}
    for (let i = 0; i < 5001; i++) many[`e${i}.png`] = PNG
    bad.many = zipSync(many, { level: 0 })
    for (const [kind, zip] of Object.entries(bad)) {
      const name = uniqueName(kind)
      const res = await upload(name, zip)
      expect([kind, res.status]).toEqual([kind, 422])
      expect(res.json.error).toStartWith('Invalid archive')
      expect((await api('GET', `${V1}/pack`, { query: { name } })).status).toBe(404)
      expect(existsSync(join(env.dataDir, 'emoji', name))).toBe(false)
    }
    expect(existsSync(join(env.dataDir, 'evil.png'))).toBe(false)
    expect(existsSync(join(env.dataDir, 'emoji', '..', 'evil.png'))).toBe(false)
  })

  test('an entry declaring more bytes than allowed is refused (no zip bombs)', async () => {
    const big = new Uint8Array(3 * 1024 * 1024)
    const res = await upload(uniqueName('bomb'), zipSync({ 'big.png': big }, { level: 9 }))
    expect(res.status).toBe(422)
    expect(res.json.error).toContain('larger than')
  })
})

describe('remote packs', () => {
  test('over HTTP, addresses that are not public are refused with a 4xx', async () => {
    for (const url of ['http://127.0.0.1:1', 'http://localhost:1', 'http://10.0.0.1', 'http://[::ffff:127.0.0.1]:1', 'ftp://example.org']) {
      const remote = await api('GET', `${V1}/packs/remote`, { token: admin.token, query: { url } })
      expect([url, remote.status]).toEqual([url, remote.status >= 400 && remote.status < 500 ? remote.status : -1])
      const download = await api('POST', `${V1}/packs/download`, { token: admin.token, json: { url, name: 'x' } })
      expect(download.status).toBeGreaterThanOrEqual(400)
      expect(download.status).toBeLessThan(500)
    }
    expect((await api('GET', `${V1}/packs/remote`, { token: admin.token })).status).toBe(400)
  })

  test('address classification', () => {
    for (const ip of ['8.8.8.8', '2a00:1450:4001::1', '1.1.1.1']) expect(isPublicAddress(ip)).toBe(true)
    for (const ip of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::', '::1',
      '::ffff:127.0.0.1', '::ffff:10.0.0.1', 'fc00::1', 'fe80::1', '64:ff9b::7f00:1', '2002:7f00:1::', '2001::1', '2001:db8::1', '224.0.0.1']) {
      expect([ip, isPublicAddress(ip)]).toEqual([ip, false])
    }
  })

  test('downloads a shared pack from another server (its archive, checked against download-sha256) and a fallback-src', async () => {
    // "another server": a second app on its own data folder, reached over loopback (allowed here explicitly)
    let remoteEnv: EmojiTestEnv | null = null
    const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: (req) => remoteEnv!.app.handle(req) })
    const origin = `http://127.0.0.1:${server.port}`
    remoteEnv = await emojiTestEnv({ baseUrl: origin, domain: `127.0.0.1:${server.port}` })
    const local = { allowPrivateNetwork: true }
    try {
      const name = uniqueName('remote')
      expect((await call('POST', `${V1}/pack`, { app: remoteEnv!.app, token: admin.token, query: { name } })).status).toBe(200)
      created.push(name)
      const a = code('ra')
      await call('POST', `${V1}/packs/files`, { app: remoteEnv!.app, token: admin.token, query: { name }, multipart: { file: pngFile(`${a}.png`), shortcode: a } })
      await call('PATCH', `${V1}/pack`, { app: remoteEnv!.app, token: admin.token, query: { name }, json: { metadata: { license: 'CC-BY', 'share-files': true } } })

      const listed = await listRemotePacks(origin, { page: 1, pageSize: 1000 }, local)
      expect((listed.packs as Record<string, unknown>)[name]).toMatchObject({ files: { [a]: `${a}.png` } })

      // the database is shared in tests, so the copy takes another name and the emoji are already "taken"
      const copy = uniqueName('copy')
      created.push(copy)
      const result = await downloadRemotePack(env.ctx, { url: origin, name, as: copy }, local)
      expect(result.pack.meta).toMatchObject({ license: 'CC-BY' })
      expect(result.skipped).toEqual([{ shortcode: a, file: `${a}.png`, reason: 'shortcode already exists' }])
      expect(existsSync(join(env.dataDir, 'emoji', copy, 'pack.json'))).toBe(true)
      await expect(downloadRemotePack(env.ctx, { url: origin, name: uniqueName('nope') }, local)).rejects.toThrow()

      // fallback-src: the remote stops sharing but names a zip; setting it makes the server compute its SHA-256
      const fallbackZip = zipSync({ [`${a}.png`]: PNG })
      const zipServer = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response(fallbackZip) })
      try {
        const src = `http://127.0.0.1:${zipServer.port}/fallback.zip`
        const meta = await updatePackMetadata(remoteEnv!.ctx, name, { 'share-files': false, 'fallback-src': src }, local)
        expect(meta).toMatchObject({ 'fallback-src': src, 'fallback-src-sha256': sha256(fallbackZip), 'share-files': false })
        const viaFallback = uniqueName('fallback')
        created.push(viaFallback)
        const installed = await downloadRemotePack(env.ctx, { url: origin, name, as: viaFallback }, local)
        expect(installed.pack.meta.fallbackSrc).toBe(src)
        await expect(updatePackMetadata(remoteEnv!.ctx, name, { 'fallback-src': `http://127.0.0.1:${zipServer.port}/other.zip` })).rejects.toThrow(/not a public address/)
      } finally {
        zipServer.stop(true)
      }
    } finally {
      server.stop(true)
      remoteEnv!.cleanup()
    }
  })
})
