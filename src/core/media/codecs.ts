// Image codecs compiled to WebAssembly (Squoosh's, packaged by @jsquash), so they run the same under `bun run` and inside
// the single compiled binary: each .wasm file is embedded with `{ type: 'file' }` and compiled from its bytes.
// @ts-ignore: the package types the .wasm module's exports; imported as a file, its default export is the path
import pngWasm from '@jsquash/png/codec/pkg/squoosh_png_bg.wasm' with { type: 'file' }
import jpegDecWasm from '@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm' with { type: 'file' }
import jpegEncWasm from '@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm' with { type: 'file' }
import webpDecWasm from '@jsquash/webp/codec/dec/webp_dec.wasm' with { type: 'file' }
// @ts-ignore: as above
import resizeWasm from '@jsquash/resize/lib/resize/pkg/squoosh_resize_bg.wasm' with { type: 'file' }
import decodePng, { init as initPng } from '@jsquash/png/decode.js'
import decodeJpeg, { init as initJpegDecode } from '@jsquash/jpeg/decode.js'
import encodeJpeg, { init as initJpegEncode } from '@jsquash/jpeg/encode.js'
import decodeWebp, { init as initWebpDecode } from '@jsquash/webp/decode.js'
import resize, { initResize } from '@jsquash/resize'
import { GifReader } from 'omggif'

/** RGBA pixels, 4 bytes per pixel, rows top to bottom (the shape of the browser's ImageData). */
export interface Pixels {
  data: Uint8ClampedArray
  width: number
  height: number
}

// The codecs build results with `new ImageData(...)`, which Bun does not have.
if (!(globalThis as any).ImageData) {
  ;(globalThis as any).ImageData = class ImageData {
    constructor(readonly data: Uint8ClampedArray, readonly width: number, readonly height: number) {}
  }
}

const compile = async (path: string): Promise<WebAssembly.Module> => WebAssembly.compile(await Bun.file(path).arrayBuffer())

let ready: Promise<void> | null = null

/** Compiles and instantiates every codec once per process (about 30 ms). */
function init(): Promise<void> {
  ready ??= (async () => {
    const [png, jpegDec, jpegEnc, webpDec, resizer] = await Promise.all([pngWasm, jpegDecWasm, jpegEncWasm, webpDecWasm, resizeWasm].map(compile))
    await Promise.all([
      initPng(png),
      initJpegDecode(jpegDec),
      initJpegEncode(jpegEnc),
      initWebpDecode(webpDec),
      initResize(resizer),
    ])
  })()
  ready.catch(() => { ready = null })
  return ready
}

const own = (p: { data: Uint8ClampedArray; width: number; height: number }): Pixels => ({ data: p.data, width: p.width, height: p.height })

/** The first frame of a GIF, composed onto a transparent canvas. */
function decodeGif(bytes: Uint8Array): Pixels {
  const reader = new GifReader(bytes)
  const data = new Uint8ClampedArray(reader.width * reader.height * 4)
  reader.decodeAndBlitFrameRGBA(0, data as unknown as number[])
  return { data, width: reader.width, height: reader.height }
}

/** Decodes an image of one of the supported types; JPEGs come out turned upright by their EXIF orientation. */
export async function decodeImage(mime: string, bytes: Uint8Array): Promise<Pixels> {
  await init()
  const buffer = bytes.slice().buffer as ArrayBuffer
  switch (mime) {
    case 'image/png': return own(await decodePng(buffer))
    case 'image/jpeg': return own(await decodeJpeg(buffer, { preserveOrientation: true }))
    case 'image/webp': return own(await decodeWebp(buffer))
    case 'image/gif': return decodeGif(bytes)
    default: throw new Error(`cannot decode ${mime}`)
  }
}

/** Scales to exactly `width` × `height` (callers keep the aspect ratio). */
export async function resizeImage(pixels: Pixels, width: number, height: number): Promise<Pixels> {
  await init()
  if (pixels.width === width && pixels.height === height) return pixels
  // The resizer reads the whole underlying buffer, so hand it one that holds exactly these pixels.
  const input = new ImageData(new Uint8ClampedArray(pixels.data), pixels.width, pixels.height)
  return own(await resize(input, { width, height, method: 'triangle', fitMethod: 'stretch', premultiply: true, linearRGB: false }))
}

/** Encodes as a baseline-compatible JPEG, with transparent areas laid on white. */
export async function encodeJpegImage(pixels: Pixels, quality = 80): Promise<Uint8Array> {
  await init()
  const flat = new Uint8ClampedArray(pixels.data.length)
  for (let i = 0; i < flat.length; i += 4) {
    const a = pixels.data[i + 3] / 255
    flat[i] = pixels.data[i] * a + 255 * (1 - a)
    flat[i + 1] = pixels.data[i + 1] * a + 255 * (1 - a)
    flat[i + 2] = pixels.data[i + 2] * a + 255 * (1 - a)
    flat[i + 3] = 255
  }
  const out = await encodeJpeg(new ImageData(flat, pixels.width, pixels.height), { quality })
  return new Uint8Array(out)
}
