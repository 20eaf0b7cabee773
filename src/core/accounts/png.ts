import { deflateSync } from 'node:zlib'

/** An RGB raster: 3 bytes per pixel, rows top to bottom. */
export interface Raster {
  width: number
  height: number
  pixels: Uint8Array
}

export function createRaster(width: number, height: number, fill: [number, number, number] = [255, 255, 255]): Raster {
  const pixels = new Uint8Array(width * height * 3)
  for (let i = 0; i < pixels.length; i += 3) {
    pixels[i] = fill[0]
    pixels[i + 1] = fill[1]
    pixels[i + 2] = fill[2]
  }
  return { width, height, pixels }
}

/** Blends `colour` into pixel (x, y) with coverage `alpha` (0..1). */
export function blendPixel(r: Raster, x: number, y: number, colour: [number, number, number], alpha: number): void {
  if (alpha <= 0 || x < 0 || y < 0 || x >= r.width || y >= r.height) return
  const a = Math.min(1, alpha)
  const i = (y * r.width + x) * 3
  r.pixels[i] = Math.round(r.pixels[i] * (1 - a) + colour[0] * a)
  r.pixels[i + 1] = Math.round(r.pixels[i + 1] * (1 - a) + colour[1] * a)
  r.pixels[i + 2] = Math.round(r.pixels[i + 2] * (1 - a) + colour[2] * a)
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length)
  out.writeUInt32BE(data.length, 0)
  out.write(type, 4, 'ascii')
  Buffer.from(data).copy(out, 8)
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length)
  return out
}

/** Encodes a raster as an 8-bit truecolour PNG. */
export function encodePng(r: Raster): Buffer {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(r.width, 0)
  header.writeUInt32BE(r.height, 4)
  header[8] = 8 // bit depth
  header[9] = 2 // colour type: truecolour
  const stride = r.width * 3
  const scanlines = Buffer.alloc((stride + 1) * r.height)
  for (let y = 0; y < r.height; y++) {
    scanlines[y * (stride + 1)] = 0 // filter: none
    Buffer.from(r.pixels.buffer, r.pixels.byteOffset + y * stride, stride).copy(scanlines, y * (stride + 1) + 1)
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(scanlines, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ])
}

/** Distance from point (px, py) to the segment (ax, ay)–(bx, by). */
export function segmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax
  const dy = by - ay
  const len2 = dx * dx + dy * dy
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2))
  const x = ax + t * dx - px
  const y = ay + t * dy - py
  return Math.sqrt(x * x + y * y)
}
