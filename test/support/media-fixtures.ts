// Small media files made on the spot: real PNG/JPEG/GIF images (with metadata to strip) and MP4/MP3-like containers.
import { GifWriter } from 'omggif'
import { createRaster, encodePng } from '../../src/core/accounts/png'
import { encodeJpegImage } from '../../src/core/media/codecs'
import { concatBytes } from '../../src/core/media/metadata'

const text = (s: string) => new TextEncoder().encode(s)

const concat = (...parts: Uint8Array[]) => concatBytes(parts)

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const body = concat(text(type), data)
  const out = new Uint8Array(12 + data.length)
  const view = new DataView(out.buffer)
  view.setUint32(0, data.length)
  out.set(body, 4)
  view.setUint32(8 + data.length, Bun.hash.crc32(body))
  return out
}

/** A `width`×`height` PNG in one colour; `comment` adds a tEXt chunk (metadata that uploads must lose). */
export function pngFixture(width = 64, height = 48, colour: [number, number, number] = [200, 40, 40], comment?: string): Uint8Array {
  const png = new Uint8Array(encodePng(createRaster(width, height, colour)))
  if (!comment) return png
  const ihdrEnd = 8 + 25
  return concat(png.subarray(0, ihdrEnd), pngChunk('tEXt', text(`Comment\0${comment}`)), png.subarray(ihdrEnd))
}

/** An Exif APP1 segment with an orientation and an image description (standing in for GPS and camera data). */
function exifSegment(orientation: number, description: string): Uint8Array {
  const desc = text(`${description}\0`)
  const ifdEntries = 2
  const ifdSize = 2 + ifdEntries * 12 + 4
  const tiff = new Uint8Array(8 + ifdSize + desc.length)
  const v = new DataView(tiff.buffer)
  tiff.set(text('MM'), 0)
  v.setUint16(2, 42)
  v.setUint32(4, 8)
  v.setUint16(8, ifdEntries)
  // ImageDescription (ASCII), value stored after the IFD
  v.setUint16(10, 0x010e); v.setUint16(12, 2); v.setUint32(14, desc.length); v.setUint32(18, 8 + ifdSize)
  // Orientation (SHORT)
  v.setUint16(22, 0x0112); v.setUint16(24, 3); v.setUint32(26, 1); v.setUint16(30, orientation)
  v.setUint32(34, 0)
  tiff.set(desc, 8 + ifdSize)
  const body = concat(text('Exif\0\0'), tiff)
  const header = new Uint8Array([0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 0xff])
  return concat(header, body)
}

/** A JPEG `width`×`height`; with `exif`, an Exif block holding an orientation and a description (secret text). */
export async function jpegFixture(width = 80, height = 40, exif?: { orientation: number; description: string }): Promise<Uint8Array> {
  const data = new Uint8ClampedArray(width * height * 4)
  for (let i = 0; i < data.length; i += 4) {
    const x = (i / 4) % width
    data[i] = x < width / 2 ? 30 : 220
    data[i + 1] = 120
    data[i + 2] = 60
    data[i + 3] = 255
  }
  const jpeg = await encodeJpegImage({ data, width, height }, 90)
  if (!exif) return jpeg
  return concat(jpeg.subarray(0, 2), exifSegment(exif.orientation, exif.description), jpeg.subarray(2))
}

/** A two-frame animated GIF. */
export function gifFixture(width = 20, height = 10): Uint8Array {
  const buffer = new Uint8Array(1024 + width * height * 2)
  const writer = new GifWriter(buffer as unknown as number[], width, height, { palette: [0xff0000, 0x00ff00], loop: 0 })
  writer.addFrame(0, 0, width, height, new Array(width * height).fill(0), { delay: 10 })
  writer.addFrame(0, 0, width, height, new Array(width * height).fill(1), { delay: 10 })
  return buffer.slice(0, writer.end())
}

function box(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + body.length)
  new DataView(out.buffer).setUint32(0, out.length)
  out.set(text(type), 4)
  out.set(body, 8)
  return out
}

/** The start of an MP4 file (`ftyp` isom + an empty `mdat`): detected as video/mp4. */
export function mp4Fixture(): Uint8Array {
  return concat(box('ftyp', concat(text('isom'), new Uint8Array([0, 0, 2, 0]), text('isomiso2avc1mp41'))), box('mdat', new Uint8Array(256)))
}

/** An ID3 tag and an MPEG audio frame header: detected as audio/mpeg. */
export function mp3Fixture(): Uint8Array {
  return concat(new Uint8Array([0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 0, 0xff, 0xfb, 0x90, 0x64]), new Uint8Array(400))
}

/** A file of `type` named `name`: what a client's multipart upload carries (type and name are not trusted). */
export const fileOf = (bytes: Uint8Array, type: string, name: string) => new File([bytes as Uint8Array<ArrayBuffer>], name, { type })

/** Whether `needle` occurs in `haystack` as bytes. */
export function containsText(haystack: Uint8Array, needle: string): boolean {
  return Buffer.from(haystack).includes(Buffer.from(needle))
}
