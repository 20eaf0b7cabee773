import { randomInt } from 'node:crypto'
import { eq, lt, sql } from 'drizzle-orm'
import { captchas } from '../db/schema'
import { blendPixel, createRaster, encodePng, segmentDistance } from './accounts/png'
import type { Ctx } from './context'
import { ValidationError } from './errors'
import { randomToken, safeEqual, sha256 } from './secrets'

/**
 * Pleroma's "native" captcha: a distorted image of a few characters. The server keeps only a hash of the answer
 * (salted with the `answer_data` handed to the client), and each captcha can be answered once, right or wrong.
 */
export const CAPTCHA_SECONDS_VALID = 300
const ANSWER_LENGTH = 5
/** Characters that stay distinguishable when distorted (no 0/O, 1/I, 2/Z, 5/S, 8/B, 6/G). */
const ALPHABET = 'ACDEFHJKLMNPRTUVWXY3479'

export type CaptchaResponse =
  | { type: 'none' }
  | { type: 'native'; token: string; url: string; answer_data: string; seconds_valid: number }

export interface CaptchaSolution {
  token?: unknown
  solution?: unknown
  answerData?: unknown
}

export function captchaEnabled(ctx: Ctx): boolean {
  return ctx.config.captcha
}

/** How an answer is stored: salted with the answer_data given to the client, case-insensitive. */
export function captchaAnswerHash(answerData: string, answer: string): string {
  return sha256(`${answerData}:${answer.trim().toUpperCase()}`)
}

export async function createCaptcha(ctx: Ctx): Promise<CaptchaResponse> {
  if (!captchaEnabled(ctx)) return { type: 'none' }
  const answer = Array.from({ length: ANSWER_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join('')
  const token = randomToken(24)
  const answerData = randomToken(24)
  // Expired captchas are useless; clearing them here keeps the table at about one validity window of rows.
  await ctx.db.delete(captchas).where(lt(captchas.expiresAt, sql`now() - interval '1 hour'`))
  await ctx.db.insert(captchas).values({
    token,
    answerHash: captchaAnswerHash(answerData, answer),
    expiresAt: new Date(Date.now() + CAPTCHA_SECONDS_VALID * 1000),
  })
  const png = renderCaptcha(answer)
  return { type: 'native', token, url: `data:image/png;base64,${png.toString('base64')}`, answer_data: answerData, seconds_valid: CAPTCHA_SECONDS_VALID }
}

function captchaError(code: string, description: string): ValidationError {
  return new ValidationError(`Validation failed: ${description}`, { details: { captcha: [{ error: code, description }] } })
}

/**
 * Checks a solution and uses the captcha up, whatever the outcome, so an answer cannot be guessed repeatedly.
 * Runs outside any registration transaction on purpose: a failed sign-up must not give the captcha back.
 */
export async function verifyCaptcha(ctx: Ctx, input: CaptchaSolution): Promise<void> {
  const { token, solution, answerData } = input
  if (typeof token !== 'string' || !token || typeof solution !== 'string' || !solution.trim() || typeof answerData !== 'string' || !answerData) {
    throw captchaError('ERR_BLANK', "Captcha can't be blank")
  }
  if (token.length > 100 || answerData.length > 100 || solution.length > 100) throw captchaError('ERR_INVALID', 'Invalid CAPTCHA')
  const [used] = await ctx.db.update(captchas).set({ usedAt: sql`now()` as unknown as Date })
    .where(sql`${captchas.token} = ${token} and ${captchas.usedAt} is null`)
    .returning({ answerHash: captchas.answerHash, expiresAt: captchas.expiresAt })
  if (!used) {
    const [known] = await ctx.db.select({ token: captchas.token }).from(captchas).where(eq(captchas.token, token)).limit(1)
    throw known ? captchaError('ERR_TAKEN', 'CAPTCHA already used') : captchaError('ERR_INVALID', 'Invalid CAPTCHA')
  }
  if (used.expiresAt.getTime() <= Date.now()) throw captchaError('ERR_EXPIRED', 'CAPTCHA expired')
  if (!safeEqual(used.answerHash, captchaAnswerHash(answerData, solution))) throw captchaError('ERR_INVALID', 'Invalid CAPTCHA')
}

type Stroke = Array<[number, number]>

/** A stroke font on a 4×6 grid: each glyph is a few polylines, so it can be warped before rasterising. */
const GLYPHS: Record<string, Stroke[]> = {
  A: [[[0, 6], [2, 0], [4, 6]], [[1, 3.6], [3, 3.6]]],
  C: [[[4, 1], [3, 0], [1, 0], [0, 1.5], [0, 4.5], [1, 6], [3, 6], [4, 5]]],
  D: [[[0, 0], [0, 6], [2.5, 6], [4, 4.5], [4, 1.5], [2.5, 0], [0, 0]]],
  E: [[[4, 0], [0, 0], [0, 6], [4, 6]], [[0, 3], [3, 3]]],
  F: [[[4, 0], [0, 0], [0, 6]], [[0, 3], [3, 3]]],
  H: [[[0, 0], [0, 6]], [[4, 0], [4, 6]], [[0, 3], [4, 3]]],
  J: [[[4, 0], [4, 4.5], [3, 6], [1, 6], [0, 4.5]]],
  K: [[[0, 0], [0, 6]], [[4, 0], [0, 3.6]], [[1.4, 2.4], [4, 6]]],
  L: [[[0, 0], [0, 6], [4, 6]]],
  M: [[[0, 6], [0, 0], [2, 3.6], [4, 0], [4, 6]]],
  N: [[[0, 6], [0, 0], [4, 6], [4, 0]]],
  P: [[[0, 6], [0, 0], [3, 0], [4, 1], [4, 2.5], [3, 3.5], [0, 3.5]]],
  R: [[[0, 6], [0, 0], [3, 0], [4, 1], [4, 2.5], [3, 3.5], [0, 3.5]], [[2, 3.5], [4, 6]]],
  T: [[[0, 0], [4, 0]], [[2, 0], [2, 6]]],
  U: [[[0, 0], [0, 4.5], [1, 6], [3, 6], [4, 4.5], [4, 0]]],
  V: [[[0, 0], [2, 6], [4, 0]]],
  W: [[[0, 0], [1, 6], [2, 2.5], [3, 6], [4, 0]]],
  X: [[[0, 0], [4, 6]], [[4, 0], [0, 6]]],
  Y: [[[0, 0], [2, 3]], [[4, 0], [2, 3], [2, 6]]],
  3: [[[0, 0.5], [1, 0], [3, 0], [4, 1], [4, 2], [3, 3], [1.5, 3]], [[3, 3], [4, 4], [4, 5], [3, 6], [1, 6], [0, 5.5]]],
  4: [[[3, 6], [3, 0], [0, 4], [4, 4]]],
  7: [[[0, 0], [4, 0], [1.5, 6]]],
  9: [[[4, 3], [1, 3], [0, 2], [0, 1], [1, 0], [3, 0], [4, 1], [4, 5], [3, 6], [1, 6], [0, 5]]],
}

const WIDTH = 240
const HEIGHT = 80

function rand(min: number, max: number): number {
  return min + Math.random() * (max - min)
}

type Segment = [number, number, number, number, number] // ax, ay, bx, by, half-width

/** Draws the answer with per-glyph rotation, scale and skew, a wave distortion and noise strokes. */
export function renderCaptcha(answer: string): Buffer {
  const background: [number, number, number] = [Math.round(rand(225, 250)), Math.round(rand(225, 250)), Math.round(rand(225, 250))]
  const ink: [number, number, number] = [Math.round(rand(20, 90)), Math.round(rand(20, 90)), Math.round(rand(40, 110))]
  const raster = createRaster(WIDTH, HEIGHT, background)
  const segments: Segment[] = []
  const cell = (WIDTH - 30) / answer.length
  answer.split('').forEach((ch, i) => {
    const strokes = GLYPHS[ch] ?? []
    const scale = rand(6.2, 7.8)
    const angle = rand(-0.35, 0.35)
    const skew = rand(-0.25, 0.25)
    const cx = 15 + cell * (i + 0.5) + rand(-4, 4)
    const cy = HEIGHT / 2 + rand(-6, 6)
    const cos = Math.cos(angle)
    const sin = Math.sin(angle)
    const place = ([gx, gy]: [number, number]): [number, number] => {
      const x = (gx - 2 + skew * (gy - 3)) * scale * rand(0.97, 1.03)
      const y = (gy - 3) * scale * rand(0.97, 1.03)
      return [cx + x * cos - y * sin, cy + x * sin + y * cos]
    }
    const half = rand(1.6, 2.3)
    for (const stroke of strokes) {
      const points = stroke.map(place)
      for (let k = 1; k < points.length; k++) segments.push([...points[k - 1], ...points[k], half])
    }
  })
  // Noise: thin strokes crossing the text, in the same ink so colour does not separate them.
  for (let n = 0; n < 6; n++) {
    let x = rand(0, WIDTH)
    let y = rand(0, HEIGHT)
    for (let k = 0; k < 3; k++) {
      const nx = x + rand(-90, 90)
      const ny = y + rand(-35, 35)
      segments.push([x, y, nx, ny, rand(0.5, 1.1)])
      x = nx
      y = ny
    }
  }
  const waveA = rand(2, 4)
  const waveB = rand(1.5, 3)
  const freqA = rand(0.04, 0.08)
  const freqB = rand(0.03, 0.06)
  const phaseA = rand(0, Math.PI * 2)
  const phaseB = rand(0, Math.PI * 2)
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      const sx = x + waveA * Math.sin(y * freqA + phaseA)
      const sy = y + waveB * Math.sin(x * freqB + phaseB)
      let coverage = 0
      for (const [ax, ay, bx, by, half] of segments) {
        if (sx < Math.min(ax, bx) - half - 1 || sx > Math.max(ax, bx) + half + 1 || sy < Math.min(ay, by) - half - 1 || sy > Math.max(ay, by) + half + 1) continue
        coverage = Math.max(coverage, half + 0.5 - segmentDistance(sx, sy, ax, ay, bx, by))
        if (coverage >= 1) break
      }
      blendPixel(raster, x, y, ink, coverage)
    }
  }
  // Speckles of both colours.
  for (let n = 0; n < 350; n++) {
    blendPixel(raster, randomInt(WIDTH), randomInt(HEIGHT), Math.random() < 0.5 ? ink : background, rand(0.4, 0.9))
  }
  return encodePng(raster)
}
