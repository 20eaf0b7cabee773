import { deflateSync } from 'node:zlib'

/** Colours of the default instance artwork (also the PWA theme). */
export const THEME_COLOUR = '#1d3b47'
export const ACCENT_COLOUR = '#f2b544'

/** Square icon sizes we serve, as Mastodon lists its app icon variants. */
export const ICON_SIZES: readonly number[] = [36, 72, 192, 512]

export const THUMBNAIL_WIDTH = 1200
export const THUMBNAIL_HEIGHT = 630

type Rgb = [number, number, number]

function hexToRgb(hex: string): Rgb {
  const n = Number.parseInt(hex.slice(1), 16)
  return [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]
}

function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const out = Buffer.alloc(12 + data.length)
  out.writeUInt32BE(data.length, 0)
  body.copy(out, 4)
  out.writeUInt32BE(Bun.hash.crc32(body) >>> 0, 8 + data.length)
  return out
}

/** Encodes an 8-bit RGB PNG; `pixel` gives each pixel's colour. */
export function encodePng(width: number, height: number, pixel: (x: number, y: number) => Rgb): Uint8Array<ArrayBuffer> {
  const stride = width * 3 + 1
  const raw = Buffer.alloc(stride * height)
  for (let y = 0; y < height; y++) {
    raw[y * stride] = 0 // filter: none
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y)
      const at = y * stride + 1 + x * 3
      raw[at] = r
      raw[at + 1] = g
      raw[at + 2] = b
    }
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header.set([8, 2, 0, 0, 0], 8) // 8-bit depth, truecolour, deflate, adaptive filtering, no interlace
  return new Uint8Array(Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ]))
}

const mix = (a: Rgb, b: Rgb, t: number): Rgb => [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * t)) as Rgb

/** The mark: an accent disc on the theme colour, softened at the edge. */
function mark(cx: number, cy: number, radius: number, background: (x: number, y: number) => Rgb) {
  const accent = hexToRgb(ACCENT_COLOUR)
  return (x: number, y: number): Rgb => {
    const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy) - radius
    const bg = background(x, y)
    return d <= -0.5 ? accent : d >= 0.5 ? bg : mix(accent, bg, d + 0.5)
  }
}

const cache = new Map<string, Uint8Array<ArrayBuffer>>()

function cached(key: string, make: () => Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  let image = cache.get(key)
  if (!image) cache.set(key, (image = make()))
  return image
}

/** The default instance thumbnail (1200×630, the usual link-preview shape). */
export function defaultThumbnail(): Uint8Array<ArrayBuffer> {
  return cached('thumbnail', () => {
    const top = hexToRgb(THEME_COLOUR)
    const bottom = mix(top, [0, 0, 0], 0.45)
    const gradient = (_x: number, y: number) => mix(top, bottom, y / (THUMBNAIL_HEIGHT - 1))
    return encodePng(THUMBNAIL_WIDTH, THUMBNAIL_HEIGHT, mark(THUMBNAIL_WIDTH / 2, THUMBNAIL_HEIGHT / 2, THUMBNAIL_HEIGHT * 0.22, gradient))
  })
}

/** The default square app icon; null for a size we do not serve. */
export function defaultIcon(size: number): Uint8Array<ArrayBuffer> | null {
  if (!ICON_SIZES.includes(size)) return null
  return cached(`icon-${size}`, () => {
    const theme = hexToRgb(THEME_COLOUR)
    return encodePng(size, size, mark(size / 2, size / 2, size * 0.3, () => theme))
  })
}
