import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createHash, createHmac } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../src/config'
import { defaultS3PublicUrl, isStorageKey, keyFromUrl, LocalStorage, mediaStorage, newStorageKey, S3Storage } from '../../src/core/media/storage'
import { contextWith, testApp, testConfig } from '../support/context'
import { makeUser } from '../support/factories'
import { call } from '../support/http'
import { fileOf, pngFixture } from '../support/media-fixtures'

describe('storage keys', () => {
  test('new keys are dated, random and safe; anything that could leave the folder is refused', () => {
    const key = newStorageKey('attachments', 'png')
    expect(key).toMatch(/^attachments\/\d{4}\/\d{2}\/[0-9a-f]{32}\.png$/)
    expect(newStorageKey('attachments', 'png')).not.toBe(key)
    expect(isStorageKey(key)).toBe(true)
    for (const bad of ['', '../x.png', 'a/../../x', '/etc/passwd', 'a//b.png', 'a\\b.png', 'a/./b.png', '.hidden/x', 'a/b\0.png', 'a/%2e%2e/b']) {
      expect(isStorageKey(bad)).toBe(false)
    }
  })
})

describe('LocalStorage', () => {
  let root: string
  beforeAll(() => { root = mkdtempSync(join(tmpdir(), 'rookery-storage-')) })
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  test('put, get, url and delete, inside its folder only', async () => {
    const storage = new LocalStorage(join(root, 'media'), () => 'https://social.example/media')
    const key = newStorageKey('attachments', 'png')
    await storage.put(key, new Uint8Array([1, 2, 3]), 'image/png')
    const file = await storage.get(key)
    expect(file?.size).toBe(3)
    expect([...new Uint8Array(await file!.blob.arrayBuffer())]).toEqual([1, 2, 3])
    expect(storage.url(key)).toBe(`https://social.example/media/${key}`)
    expect(keyFromUrl(storage, storage.url(key))).toBe(key)
    expect(keyFromUrl(storage, 'https://elsewhere.example/media/x.png')).toBeNull()
    expect(keyFromUrl(storage, 'https://social.example/media/../x.png')).toBeNull()
    // no temporary files are left behind
    expect(readdirSync(join(root, 'media', key, '..'))).toEqual([key.split('/').pop()!])

    expect(storage.pathOf('../outside.txt')).toBeNull()
    expect(await storage.get('../outside.txt')).toBeNull()
    expect(await storage.get('attachments/missing.png')).toBeNull()
    expect(await storage.get('attachments')).toBeNull() // a folder is not a file
    await expect(storage.put('../escape.png', new Uint8Array([1]), 'image/png')).rejects.toThrow('invalid storage key')
    expect(existsSync(join(root, 'escape.png'))).toBe(false)

    await storage.delete(key)
    expect(await storage.get(key)).toBeNull()
    await storage.delete(key) // deleting twice is fine
  })

  test('a stored file is synced to the disk before it is renamed into place, and so are the folders naming it', async () => {
    const synced: { path: string; inPlace: boolean }[] = []
    let finalPath = ''
    const mediaRoot = join(root, 'synced-media')
    const storage = new LocalStorage(mediaRoot, () => '', async (path) => {
      synced.push({ path, inPlace: existsSync(finalPath) })
    })
    const key = 'attachments/2026/12/0123456789abcdef0123456789abcdef.png'
    finalPath = storage.pathOf(key)!
    await storage.put(key, new Uint8Array([9, 8, 7]), 'image/png')
    const folder = join(mediaRoot, 'attachments', '2026', '12')
    // the data first, while only the temporary file exists; then the folder holding it and every folder made for it
    expect(synced[0].path.startsWith(`${finalPath}.`) && synced[0].path.endsWith('.tmp')).toBe(true)
    expect(synced[0].inPlace).toBe(false)
    expect(synced.slice(1)).toEqual([folder, join(mediaRoot, 'attachments', '2026'), join(mediaRoot, 'attachments'), mediaRoot, root]
      .map((path) => ({ path, inPlace: true })))

    // into a folder that exists already, only that folder's entry
    synced.length = 0
    const second = 'attachments/2026/12/fedcba9876543210fedcba9876543210.png'
    finalPath = storage.pathOf(second)!
    writeFileSync(join(root, 'moved.png'), new Uint8Array([1]))
    await storage.putFile(second, join(root, 'moved.png'), 'image/png')
    expect(synced).toEqual([{ path: join(root, 'moved.png'), inPlace: false }, { path: folder, inPlace: true }])
    expect([...new Uint8Array(await (await storage.get(second))!.blob.arrayBuffer())]).toEqual([1])
  })

  test('the real fsync of a file and its folders works here: the file is stored and read back', async () => {
    const storage = new LocalStorage(join(root, 'media'), () => '')
    const key = newStorageKey('attachments', 'png')
    await storage.put(key, new Uint8Array([5, 5]), 'image/png')
    expect((await storage.get(key))?.size).toBe(2)
  })

  test('putFile moves a file in without reading it whole, inside its folder only', async () => {
    const storage = new LocalStorage(join(root, 'media'), () => 'https://social.example/media')
    const source = join(root, 'made.zip')
    writeFileSync(source, new Uint8Array([4, 5, 6, 7]))
    const key = newStorageKey('backups', 'zip')
    await storage.putFile(key, source, 'application/zip')
    expect(existsSync(source)).toBe(false)
    expect([...new Uint8Array(await (await storage.get(key))!.blob.arrayBuffer())]).toEqual([4, 5, 6, 7])
    writeFileSync(source, new Uint8Array([1]))
    await expect(storage.putFile('../escape.zip', source, 'application/zip')).rejects.toThrow('invalid storage key')
    expect(existsSync(join(root, 'escape.zip'))).toBe(false)
  })
})

interface Recorded { method: string; path: string; headers: Record<string, string>; body: Uint8Array<ArrayBuffer> }

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest()
const sha256 = (data: string) => createHash('sha256').update(data).digest('hex')

/** Recomputes an AWS Signature V4 from the request as received, with the secret only the test and the client know. */
function expectedSignature(r: Recorded, secret: string): { signature: string; credential: string } {
  const auth = r.headers.authorization
  const credential = /Credential=([^,]+)/.exec(auth)![1]
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(auth)![1].split(';')
  const [, date, region, service] = credential.split('/')
  const url = new URL(r.path, 'http://x')
  const canonical = [
    r.method,
    url.pathname,
    [...url.searchParams].map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).sort().join('&'),
    ...signedHeaders.map((h) => `${h}:${r.headers[h].trim()}`),
    '',
    signedHeaders.join(';'),
    r.headers['x-amz-content-sha256'],
  ].join('\n')
  const scope = `${date}/${region}/${service}/aws4_request`
  const toSign = ['AWS4-HMAC-SHA256', r.headers['x-amz-date'], scope, sha256(canonical)].join('\n')
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request')
  return { signature: createHmac('sha256', key).update(toSign).digest('hex'), credential }
}

describe('S3Storage', () => {
  let server: ReturnType<typeof Bun.serve>
  const seen: Recorded[] = []
  const objects = new Map<string, { body: Uint8Array<ArrayBuffer>; type: string }>()

  beforeAll(() => {
    // A tiny stand-in for an S3 endpoint (path-style), recording every request.
    server = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      async fetch(req) {
        const url = new URL(req.url)
        const body = new Uint8Array(await req.arrayBuffer())
        seen.push({ method: req.method, path: url.pathname + url.search, headers: Object.fromEntries(req.headers), body })
        const object = objects.get(url.pathname)
        if (req.method === 'PUT') {
          objects.set(url.pathname, { body, type: req.headers.get('content-type') ?? '' })
          return new Response(null, { headers: { etag: '"1"' } })
        }
        if (req.method === 'DELETE') {
          objects.delete(url.pathname)
          return new Response(null, { status: 204 })
        }
        if (!object) return new Response('<Error><Code>NoSuchKey</Code></Error>', { status: 404, headers: { 'content-type': 'application/xml' } })
        return new Response(req.method === 'HEAD' ? null : object.body, {
          headers: { 'content-type': object.type, 'content-length': String(object.body.length), 'last-modified': new Date().toUTCString(), etag: '"1"' },
        })
      },
    })
  })
  afterAll(() => server.stop(true))

  test('writes, reads and deletes objects with signed requests; URLs point at the public base', async () => {
    const endpoint = `http://127.0.0.1:${server.port}`
    const storage = new S3Storage({
      bucket: 'rookery-media', endpoint, region: 'eu-central-1', accessKeyId: 'AKIDTEST', secretAccessKey: 's3cr3t/key', publicUrl: 'https://cdn.example/m/', virtualHostedStyle: false,
    })
    const key = newStorageKey('attachments', 'png')
    await storage.put(key, new Uint8Array([9, 8, 7]), 'image/png')
    const put = seen.at(-1)!
    expect(put.method).toBe('PUT')
    expect(put.path).toBe(`/rookery-media/${key}`)
    expect(put.headers['content-type']).toBe('image/png')
    expect([...put.body]).toEqual([9, 8, 7])
    expect(put.headers.authorization).toStartWith('AWS4-HMAC-SHA256 Credential=AKIDTEST/')
    expect(put.headers.authorization).toContain('/eu-central-1/s3/aws4_request')
    const { signature, credential } = expectedSignature(put, 's3cr3t/key')
    expect(credential).toMatch(/^AKIDTEST\/\d{8}\/eu-central-1\/s3\/aws4_request$/)
    expect(put.headers.authorization).toContain(`Signature=${signature}`)
    expect(expectedSignature(put, 'wrong secret').signature).not.toBe(signature)

    expect(storage.url(key)).toBe(`https://cdn.example/m/${key}`)
    expect(keyFromUrl(storage, `https://cdn.example/m/${key}`)).toBe(key)

    const file = await storage.get(key)
    expect(file?.size).toBe(3)
    expect(await storage.get('attachments/none.png')).toBeNull()

    await storage.delete(key)
    const del = seen.at(-1)!
    expect(del.method).toBe('DELETE')
    expect(del.path).toBe(`/rookery-media/${key}`)
    expect(del.headers.authorization).toContain(`Signature=${expectedSignature(del, 's3cr3t/key').signature}`)
    expect(objects.size).toBe(0)
    await expect(storage.put('../x', new Uint8Array([1]), 'image/png')).rejects.toThrow('invalid storage key')

    const source = join(tmpdir(), `rookery-s3-putfile-${process.pid}.zip`)
    writeFileSync(source, new Uint8Array([3, 1, 4, 1, 5]))
    try {
      const zipKey = newStorageKey('backups', 'zip')
      await storage.putFile(zipKey, source, 'application/zip')
      const sent = seen.at(-1)!
      expect(sent.method).toBe('PUT')
      expect(sent.path).toBe(`/rookery-media/${zipKey}`)
      expect(sent.headers['content-type']).toBe('application/zip')
      expect([...sent.body]).toEqual([3, 1, 4, 1, 5])
      expect(sent.headers.authorization).toContain(`Signature=${expectedSignature(sent, 's3cr3t/key').signature}`)
      await storage.delete(zipKey)
    } finally {
      rmSync(source, { force: true })
    }
  })

  test('uploads through the API land in the bucket, and their URLs point at it', async () => {
    const base = await contextWith({})
    const ctx = await contextWith({
      media: { dir: '/nonexistent', baseUrl: null, s3: {
        bucket: 'api-bucket', endpoint: `http://127.0.0.1:${server.port}`, region: 'us-east-1', accessKeyId: 'AK', secretAccessKey: 'SK',
        publicUrl: 'https://cdn.example', virtualHostedStyle: false,
      } },
      limits: base.config.limits,
    })
    const app = await testApp(ctx)
    const user = await makeUser(ctx)
    const res = await call('POST', '/api/v1/media', { app, token: user.token, multipart: { file: fileOf(pngFixture(), 'image/png', 'p.png') } })
    expect(res.status).toBe(200)
    expect(res.json.url).toStartWith('https://cdn.example/attachments/')
    const key = res.json.url.slice('https://cdn.example/'.length)
    const previewKey = res.json.preview_url.slice('https://cdn.example/'.length)
    expect(objects.get(`/api-bucket/${key}`)?.type).toBe('image/png')
    expect(objects.get(`/api-bucket/${previewKey}`)?.type).toBe('image/jpeg')
    // the app does not serve files kept elsewhere: it sends old /media links to the bucket
    const old = await app.handle(new Request(`http://localhost/media/${key}`))
    expect(old.status).toBe(301)
    expect(old.headers.get('location')).toBe(`https://cdn.example/${key}`)
  })

  test('the public URL defaults to the endpoint and bucket', () => {
    const base = { bucket: 'b', region: 'us-east-1', accessKeyId: 'a', secretAccessKey: 's', publicUrl: null, virtualHostedStyle: false }
    expect(defaultS3PublicUrl({ ...base, endpoint: 'https://s3.example' })).toBe('https://s3.example/b')
    expect(defaultS3PublicUrl({ ...base, endpoint: 'https://s3.example', virtualHostedStyle: true })).toBe('https://b.s3.example')
    expect(defaultS3PublicUrl({ ...base, endpoint: null, region: 'eu-west-3' })).toBe('https://b.s3.eu-west-3.amazonaws.com')
  })
})

describe('media configuration', () => {
  const env = { ROOKERY_CONFIG: undefined, ROOKERY_DOMAIN: 'social.example' }

  test('local storage under the data folder by default, served at <baseUrl>/media', () => {
    const config = loadConfig({ ...env, ROOKERY_DATA_DIR: '/srv/rookery' })
    expect(config.media).toEqual({ dir: '/srv/rookery/media', baseUrl: null, s3: null })
    const storage = mediaStorage(config)
    expect(storage.kind).toBe('local')
    expect(storage.url('a/b.png')).toBe('https://social.example/media/a/b.png')
    expect(mediaStorage(config)).toBe(storage)
    const custom = loadConfig({ ...env, ROOKERY_MEDIA_DIR: '/var/media', ROOKERY_MEDIA_BASE_URL: 'https://files.example/' })
    expect(custom.media).toMatchObject({ dir: '/var/media', baseUrl: 'https://files.example' })
    expect(mediaStorage(custom).url('a.png')).toBe('https://files.example/a.png')
  })

  test('S3 when a bucket is set, from the environment or the config file', () => {
    const config = loadConfig({
      ...env,
      ROOKERY_S3_BUCKET: 'media',
      ROOKERY_S3_ENDPOINT: 'https://s3.example/',
      ROOKERY_S3_REGION: 'nl-ams',
      ROOKERY_S3_ACCESS_KEY_ID: 'AK',
      ROOKERY_S3_SECRET_ACCESS_KEY: 'SK',
      ROOKERY_S3_PUBLIC_URL: 'https://media.social.example',
    })
    expect(config.media.s3).toEqual({
      bucket: 'media', endpoint: 'https://s3.example', region: 'nl-ams', accessKeyId: 'AK', secretAccessKey: 'SK',
      publicUrl: 'https://media.social.example', virtualHostedStyle: false,
    })
    const storage = mediaStorage(config)
    expect(storage.kind).toBe('s3')
    expect(storage.url('a.png')).toBe('https://media.social.example/a.png')

    const fromFile = loadConfig(env, { media: { s3: { bucket: 'b', accessKeyId: 'a', secretAccessKey: 's' } } })
    expect(fromFile.media.s3).toMatchObject({ bucket: 'b', endpoint: null, region: 'us-east-1', publicUrl: null })
    expect(mediaStorage(fromFile).url('k.png')).toBe('https://b.s3.us-east-1.amazonaws.com/k.png')
  })

  test('an incomplete or malformed S3 setup is refused at start', () => {
    expect(() => loadConfig({ ...env, ROOKERY_S3_BUCKET: 'media', ROOKERY_S3_ACCESS_KEY_ID: 'AK' })).toThrow('ROOKERY_S3_SECRET_ACCESS_KEY')
    expect(() => loadConfig({ ...env, ROOKERY_S3_BUCKET: 'm', ROOKERY_S3_ACCESS_KEY_ID: 'a', ROOKERY_S3_SECRET_ACCESS_KEY: 's', ROOKERY_S3_ENDPOINT: 's3.example' }))
      .toThrow('ROOKERY_S3_ENDPOINT must be an http(s) URL')
  })

  test('the test configuration keeps local storage', () => {
    expect(testConfig().media.s3).toBeNull()
  })
})
