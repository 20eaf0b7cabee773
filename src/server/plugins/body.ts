import { Elysia } from 'elysia'
import type { Config } from '../../config'
import { BadRequestError, PayloadTooLargeError } from '../../core/errors'
import { errorResponse } from './errors'

export interface BodyLimits {
  json: number
  form: number
  /** multipart and anything else: an upload plus a thumbnail of the configured size, and the form around them */
  other: number
}

/** The largest request body accepted at all (Bun refuses larger ones before the app sees them). */
export const maxRequestBodySize = (config: Config) =>
  2 * Math.max(config.limits.uploadLimit, config.limits.avatarUploadLimit + config.limits.bannerUploadLimit + config.limits.backgroundUploadLimit) + 1_048_576

export function bodyLimits(config: Config): BodyLimits {
  return { json: 1_000_000, form: 4_000_000, other: maxRequestBodySize(config) }
}

const JSON_TYPES = ['application/json', 'application/activity+json', 'application/ld+json']

export function isJsonType(type: string) {
  return JSON_TYPES.some((t) => type.startsWith(t))
}

export function limitFor(limits: BodyLimits, contentType: string): number {
  const type = contentType.toLowerCase()
  if (isJsonType(type)) return limits.json
  if (type.startsWith('application/x-www-form-urlencoded')) return limits.form
  return limits.other
}

const tooLarge = (limit: number) => new PayloadTooLargeError(`Request body too large (at most ${limit} bytes)`)

/**
 * Reads a whole body, refusing it with 413 as soon as it passes `limit`: a declared length is checked before reading,
 * and a chunked body is cut off at the limit instead of being buffered in full.
 */
export async function readBody(request: Request, limit: number): Promise<Buffer<ArrayBuffer>> {
  const declared = request.headers.get('content-length')
  if (declared !== null && Number(declared) > limit) throw tooLarge(limit)
  if (!request.body) return Buffer.alloc(0) as Buffer<ArrayBuffer>
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > limit) {
      await reader.cancel().catch(() => {})
      throw tooLarge(limit)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks, total) as Buffer<ArrayBuffer>
}

export const withBaseHeaders = (response: Response) => {
  response.headers.set('x-content-type-options', 'nosniff')
  response.headers.set('referrer-policy', 'same-origin')
  return response
}

/**
 * Runs first on every request: refuses a request whose URL cannot be parsed (a malformed `Host` header or path) and a body whose
 * declared length is over the limit for its type, before anything reads it.
 */
export function bodyPlugin(limits: BodyLimits) {
  return new Elysia().onRequest(({ request }) => {
    let url: URL
    try {
      url = new URL(request.url)
    } catch {
      return withBaseHeaders(errorResponse(new BadRequestError('Malformed request URL or Host header')))
    }
    // The router decodes path parameters and hands a broken escape (`/tags/%E0%A4%A`) on as null.
    if (url.pathname.includes('%')) {
      try {
        decodeURIComponent(url.pathname)
      } catch {
        return withBaseHeaders(errorResponse(new BadRequestError('Malformed percent-encoding in the path')))
      }
    }
    const declared = request.headers.get('content-length')
    if (declared === null) return
    const limit = limitFor(limits, request.headers.get('content-type') ?? '')
    if (Number(declared) > limit) return withBaseHeaders(errorResponse(tooLarge(limit)))
  })
}
