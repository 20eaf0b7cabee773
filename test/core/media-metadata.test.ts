import { describe, expect, test } from 'bun:test'
import encodeWebp, { init as initWebpEncode } from '@jsquash/webp/encode.js'
import { decodeImage } from '../../src/core/media/codecs'
import { processImage } from '../../src/core/media/image'
import { readImageHeader, stripImageMetadata } from '../../src/core/media/metadata'
import { containsText, gifFixture, jpegFixture, pngFixture } from '../support/media-fixtures'

const text = (s: string) => new TextEncoder().encode(s)

function riffChunk(name: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + body.length + (body.length & 1))
  out.set(text(name))
  new DataView(out.buffer).setUint32(4, body.length, true)
  out.set(body, 8)
  return out
}

/** An extended WebP (VP8X) holding a lossy image, an EXIF chunk and an XMP chunk, with their flags set. */
async function webpWithMetadata(width: number, height: number): Promise<Uint8Array> {
  const wasm = Bun.file(Bun.resolveSync('@jsquash/webp/codec/enc/webp_enc_simd.wasm', import.meta.dir))
  await initWebpEncode(await WebAssembly.compile(await wasm.arrayBuffer()))
  const data = new Uint8ClampedArray(width * height * 4).fill(200)
  const simple = new Uint8Array(await encodeWebp({ data, width, height, colorSpace: 'srgb' } as ImageData))
  const vp8 = simple.subarray(12) // the 'VP8 ' chunk of the simple file format
  const vp8x = new Uint8Array(10)
  vp8x[0] = 0x08 | 0x04 // EXIF and XMP present
  const w = width - 1, h = height - 1
  vp8x.set([w & 0xff, (w >> 8) & 0xff, (w >> 16) & 0xff, h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff], 4)
  const body = [riffChunk('VP8X', vp8x), vp8, riffChunk('EXIF', text('MM\0*GPS 40.7 N 74.0 W')), riffChunk('XMP ', text('<x:xmpmeta>creator</x:xmpmeta>'))]
  const size = body.reduce((n, c) => n + c.length, 4)
  const out = new Uint8Array(8 + size)
  out.set(text('RIFF'))
  new DataView(out.buffer).setUint32(4, size, true)
  out.set(text('WEBP'), 8)
  let at = 12
  for (const c of body) { out.set(c, at); at += c.length }
  return out
}

describe('image headers', () => {
  test('dimensions of every accepted image type without decoding; JPEG orientation turns them', async () => {
    expect(readImageHeader('image/png', pngFixture(31, 17))).toEqual({ width: 31, height: 17, orientation: 1 })
    expect(readImageHeader('image/gif', gifFixture(20, 10))).toEqual({ width: 20, height: 10, orientation: 1 })
    expect(readImageHeader('image/jpeg', await jpegFixture(80, 40))).toEqual({ width: 80, height: 40, orientation: 1 })
    expect(readImageHeader('image/jpeg', await jpegFixture(80, 40, { orientation: 8, description: 'x' }))).toEqual({ width: 40, height: 80, orientation: 8 })
    expect(readImageHeader('image/webp', await webpWithMetadata(33, 21))).toEqual({ width: 33, height: 21, orientation: 1 })
    expect(readImageHeader('image/png', new Uint8Array(10))).toBeNull()
    expect(readImageHeader('image/jpeg', new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 200]))).toBeNull()
  })
})

describe('stripping metadata', () => {
  test('JPEG: Exif goes, the orientation stays, the image data is untouched', async () => {
    const jpeg = await jpegFixture(64, 32, { orientation: 3, description: 'Taken at 51.5007 N 0.1246 W' })
    const clean = stripImageMetadata('image/jpeg', jpeg)
    expect(containsText(jpeg, '51.5007')).toBe(true)
    expect(containsText(clean, '51.5007')).toBe(false)
    expect(readImageHeader('image/jpeg', clean)?.orientation).toBe(3)
    const [a, b] = await Promise.all([decodeImage('image/jpeg', jpeg), decodeImage('image/jpeg', clean)])
    expect(Buffer.from(b.data).equals(Buffer.from(a.data))).toBe(true)
    // without an orientation to keep, no Exif is written at all
    const plain = stripImageMetadata('image/jpeg', await jpegFixture(64, 32, { orientation: 1, description: 'camera serial 123' }))
    expect(containsText(plain, 'Exif')).toBe(false)
  })

  test('PNG: text chunks go, pixels stay', async () => {
    const png = pngFixture(10, 10, [1, 2, 3], 'Software: secret editor')
    const clean = stripImageMetadata('image/png', png)
    expect(containsText(clean, 'secret editor')).toBe(false)
    expect(clean.length).toBe(pngFixture(10, 10, [1, 2, 3]).length)
    expect((await decodeImage('image/png', clean)).data.slice(0, 4)).toEqual(new Uint8ClampedArray([1, 2, 3, 255]))
  })

  test('WebP: EXIF and XMP chunks and their flags go; the result still decodes', async () => {
    const webp = await webpWithMetadata(24, 16)
    const clean = stripImageMetadata('image/webp', webp)
    expect(containsText(clean, 'GPS 40.7')).toBe(false)
    expect(containsText(clean, 'xmpmeta')).toBe(false)
    expect(clean[20] & 0x0c).toBe(0)
    expect(new DataView(clean.buffer).getUint32(4, true)).toBe(clean.length - 8)
    const processed = await processImage('image/webp', webp)
    expect(processed.originalMeta).toMatchObject({ width: 24, height: 16 })
    expect(processed.smallMeta).toMatchObject({ width: 24, height: 16 })
    expect(typeof processed.blurhash).toBe('string')
  })

  test('unparseable files are returned unchanged', () => {
    const junk = new Uint8Array([1, 2, 3, 4, 5])
    for (const mime of ['image/jpeg', 'image/png', 'image/webp', 'image/gif']) expect(stripImageMetadata(mime, junk)).toBe(junk)
  })
})
