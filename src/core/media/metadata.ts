// Reading image headers and removing metadata (EXIF with GPS positions, XMP, IPTC, comments) without re-encoding:
// the pixels stay byte for byte as uploaded.

export interface ImageHeader {
  /** as displayed, i.e. after the EXIF orientation is applied */
  width: number
  height: number
  /** EXIF orientation 1..8 (JPEG only; 1 when absent) */
  orientation: number
}

const u16be = (b: Uint8Array, i: number) => (b[i] << 8) | b[i + 1]
const u32be = (b: Uint8Array, i: number) => ((b[i] << 24) >>> 0) + (b[i + 1] << 16) + (b[i + 2] << 8) + b[i + 3]
const u16le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8)
const u24le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16)
const ascii = (b: Uint8Array, i: number, n: number) => String.fromCharCode(...b.subarray(i, i + n))

interface JpegSegment { marker: number; start: number; end: number }

/** The marker segments before the image data (SOS), or null when the file is not a well-formed JPEG. */
function jpegSegments(b: Uint8Array): { segments: JpegSegment[]; dataStart: number } | null {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return null
  const segments: JpegSegment[] = []
  let i = 2
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return null
    const marker = b[i + 1]
    if (marker === 0xff) { i++; continue } // fill byte
    const length = u16be(b, i + 2)
    if (length < 2 || i + 2 + length > b.length) return null
    segments.push({ marker, start: i, end: i + 2 + length })
    if (marker === 0xda) return { segments, dataStart: i + 2 + length }
    i += 2 + length
  }
  return null
}

/** Orientation from an APP1 Exif segment's first IFD; 1 when absent or unreadable. */
function exifOrientation(b: Uint8Array, seg: JpegSegment): number {
  const tiff = seg.start + 10
  if (seg.end - seg.start < 18 || ascii(b, seg.start + 4, 4) !== 'Exif') return 1
  const little = b[tiff] === 0x49
  const u16 = (i: number) => (little ? u16le(b, i) : u16be(b, i))
  const u32 = (i: number) => (little ? (u16le(b, i) + u16le(b, i + 2) * 65536) : u32be(b, i))
  const ifd = tiff + u32(tiff + 4)
  if (ifd + 2 > seg.end) return 1
  const count = u16(ifd)
  for (let n = 0; n < count; n++) {
    const entry = ifd + 2 + n * 12
    if (entry + 12 > seg.end) break
    if (u16(entry) === 0x0112) {
      const value = u16(entry + 8)
      return value >= 1 && value <= 8 ? value : 1
    }
  }
  return 1
}

const SOF_MARKERS = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf])

function jpegHeader(b: Uint8Array): ImageHeader | null {
  const parsed = jpegSegments(b)
  if (!parsed) return null
  let orientation = 1
  let size: { width: number; height: number } | null = null
  for (const seg of parsed.segments) {
    if (seg.marker === 0xe1 && orientation === 1) orientation = exifOrientation(b, seg)
    if (SOF_MARKERS.has(seg.marker) && seg.end - seg.start >= 9) size = { height: u16be(b, seg.start + 5), width: u16be(b, seg.start + 7) }
  }
  if (!size || !size.width || !size.height) return null
  const turned = orientation >= 5
  return { width: turned ? size.height : size.width, height: turned ? size.width : size.height, orientation }
}

function pngHeader(b: Uint8Array): ImageHeader | null {
  if (b.length < 24 || ascii(b, 12, 4) !== 'IHDR') return null
  return { width: u32be(b, 16), height: u32be(b, 20), orientation: 1 }
}

function gifHeader(b: Uint8Array): ImageHeader | null {
  if (b.length < 10 || ascii(b, 0, 3) !== 'GIF') return null
  return { width: u16le(b, 6), height: u16le(b, 8), orientation: 1 }
}

function webpHeader(b: Uint8Array): ImageHeader | null {
  if (b.length < 30 || ascii(b, 0, 4) !== 'RIFF' || ascii(b, 8, 4) !== 'WEBP') return null
  const chunk = ascii(b, 12, 4)
  if (chunk === 'VP8X') return { width: u24le(b, 24) + 1, height: u24le(b, 27) + 1, orientation: 1 }
  if (chunk === 'VP8 ') return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff, orientation: 1 }
  if (chunk === 'VP8L') {
    const bits = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24)
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1, orientation: 1 }
  }
  return null
}

/** Dimensions from the header alone (no decoding), so oversized images are refused before any memory is spent. */
export function readImageHeader(mime: string, bytes: Uint8Array): ImageHeader | null {
  switch (mime) {
    case 'image/jpeg': return jpegHeader(bytes)
    case 'image/png': return pngHeader(bytes)
    case 'image/gif': return gifHeader(bytes)
    case 'image/webp': return webpHeader(bytes)
    default: return null
  }
}

/** A minimal big-endian Exif block holding only the orientation, so a stripped photo still shows upright. */
function orientationApp1(orientation: number): Uint8Array {
  const body = [
    0x45, 0x78, 0x69, 0x66, 0, 0, // "Exif\0\0"
    0x4d, 0x4d, 0, 0x2a, 0, 0, 0, 8, // TIFF header, big-endian, IFD0 at 8
    0, 1, // one entry
    0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, // Orientation, SHORT, count 1, value
    0, 0, 0, 0, // no next IFD
  ]
  return new Uint8Array([0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body])
}

/** Segments that carry only metadata: APP1 (Exif, XMP), APP3..APP13 (IPTC/Photoshop...), APP15 and comments. APP0 (JFIF), APP2 (ICC colours) and APP14 (Adobe colour transform) stay. */
const dropJpegSegment = (marker: number) => marker === 0xfe || marker === 0xe1 || (marker >= 0xe3 && marker <= 0xed) || marker === 0xef

function stripJpeg(b: Uint8Array): Uint8Array {
  const parsed = jpegSegments(b)
  if (!parsed) return b
  const orientation = jpegHeader(b)?.orientation ?? 1
  const parts: Uint8Array[] = [b.subarray(0, 2)]
  let wroteOrientation = orientation === 1
  for (const seg of parsed.segments) {
    if (!wroteOrientation && seg.marker !== 0xe0) {
      parts.push(orientationApp1(orientation))
      wroteOrientation = true
    }
    if (!dropJpegSegment(seg.marker)) parts.push(b.subarray(seg.start, seg.end))
  }
  parts.push(b.subarray(parsed.dataStart))
  return concatBytes(parts)
}

/** PNG text chunks (often carrying editor and location data), the eXIf chunk and the modification time are dropped. */
const DROP_PNG_CHUNKS = new Set(['tEXt', 'zTXt', 'iTXt', 'eXIf', 'tIME'])

function stripPng(b: Uint8Array): Uint8Array {
  if (b.length < 8) return b
  const parts: Uint8Array[] = [b.subarray(0, 8)]
  let i = 8
  while (i + 12 <= b.length) {
    const length = u32be(b, i)
    const end = i + 12 + length
    if (end > b.length) return b
    if (!DROP_PNG_CHUNKS.has(ascii(b, i + 4, 4))) parts.push(b.subarray(i, end))
    i = end
  }
  if (i !== b.length) parts.push(b.subarray(i))
  return concatBytes(parts)
}

/** WebP's EXIF and XMP chunks go, and the extended header's flags say so. */
function stripWebp(b: Uint8Array): Uint8Array {
  if (b.length < 20 || ascii(b, 0, 4) !== 'RIFF' || ascii(b, 8, 4) !== 'WEBP' || ascii(b, 12, 4) !== 'VP8X') return b
  const parts: Uint8Array[] = []
  let i = 12
  while (i + 8 <= b.length) {
    const size = u16le(b, i + 4) + u16le(b, i + 6) * 65536
    const end = i + 8 + size + (size & 1)
    if (i + 8 + size > b.length) return b // truncated: leave the file as it is
    const name = ascii(b, i, 4)
    if (name === 'VP8X') {
      const chunk = b.slice(i, Math.min(end, b.length))
      chunk[8] &= ~(0x08 | 0x04) // EXIF and XMP flags
      parts.push(chunk)
    } else if (name !== 'EXIF' && name !== 'XMP ') {
      parts.push(b.subarray(i, Math.min(end, b.length)))
    }
    i = end
  }
  const body = concatBytes(parts)
  const out = new Uint8Array(12 + body.length)
  out.set(b.subarray(0, 12))
  const riffSize = 4 + body.length
  out[4] = riffSize & 0xff; out[5] = (riffSize >> 8) & 0xff; out[6] = (riffSize >> 16) & 0xff; out[7] = (riffSize >>> 24) & 0xff
  out.set(body, 12)
  return out
}

/** The same image without its metadata; anything it cannot parse is returned unchanged. */
export function stripImageMetadata(mime: string, bytes: Uint8Array): Uint8Array {
  switch (mime) {
    case 'image/jpeg': return stripJpeg(bytes)
    case 'image/png': return stripPng(bytes)
    case 'image/webp': return stripWebp(bytes)
    default: return bytes
  }
}

/** The byte arrays one after another, in one new array. */
export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}
