import { blendPixel, createRaster, encodePng } from './png'

/** Paths of the images shown for accounts without their own avatar or header. */
export const DEFAULT_AVATAR_PATH = '/images/avi.png'
export const DEFAULT_HEADER_PATH = '/images/banner.png'

const BACKGROUND: [number, number, number] = [214, 217, 224]
const SILHOUETTE: [number, number, number] = [150, 156, 171]

/** 400×400 neutral silhouette, drawn once with anti-aliased edges. */
function drawAvatar(): Buffer {
  const size = 400
  const r = createRaster(size, size, BACKGROUND)
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const head = 78 - Math.hypot(x - 200, y - 160)
      // shoulders: the top half of an ellipse reaching the bottom edge
      const ex = (x - 200) / 150
      const ey = (y - 410) / 130
      const shoulders = (1 - Math.sqrt(ex * ex + ey * ey)) * 130
      blendPixel(r, x, y, SILHOUETTE, Math.max(head, shoulders) + 0.5)
    }
  }
  return encodePng(r)
}

/** 1500×500 soft vertical gradient. */
function drawHeader(): Buffer {
  const width = 1500
  const height = 500
  const r = createRaster(width, height)
  const top: [number, number, number] = [196, 204, 222]
  const bottom: [number, number, number] = [226, 230, 238]
  for (let y = 0; y < height; y++) {
    const t = y / (height - 1)
    const c = top.map((v, i) => Math.round(v + (bottom[i] - v) * t))
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3
      r.pixels[i] = c[0]
      r.pixels[i + 1] = c[1]
      r.pixels[i + 2] = c[2]
    }
  }
  return encodePng(r)
}

let avatar: Buffer | null = null
let header: Buffer | null = null

export function defaultAvatarPng(): Buffer {
  return (avatar ??= drawAvatar())
}

export function defaultHeaderPng(): Buffer {
  return (header ??= drawHeader())
}
