import { Elysia } from 'elysia'
import { AppError, OAuthError } from '../../core/errors'
import { PUBLIC_STYLE_HASH } from '../pages/layout'
import { prefersHtml } from '../pages/negotiate'
import { notFoundPage } from '../pages/views'
import { htmlResponse } from '../views/http'
import { logError } from '../observability/log'
import { requestInfo } from '../observability/requests'

const json = (status: number, body: Record<string, unknown>) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8' } })

/** Postgres error codes that mean the client sent something unusable, not that the server broke. */
const PG_CLIENT_ERRORS: Record<string, [number, string]> = {
  '22P02': [422, 'Validation failed: invalid value'],
  '22001': [422, 'Validation failed: value too long'],
  '22003': [422, 'Validation failed: number out of range'],
  '22007': [422, 'Validation failed: invalid date'],
  '22008': [422, 'Validation failed: date out of range'],
  '22021': [422, 'Validation failed: invalid byte sequence'],
  '23505': [422, 'Validation failed: has already been taken'],
}

function pgCode(error: unknown): string | undefined {
  for (let e: any = error, depth = 0; e && depth < 4; e = e.cause, depth++) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code
  }
  return undefined
}

/**
 * Maps any error to Mastodon's `{"error": "..."}` JSON; only AppErrors' messages reach the client. An unexpected
 * error is logged in full under the request's id, which the client gets in `X-Request-Id`.
 */
export function errorResponse(error: unknown, code?: string | number, request?: Request): Response {
  // Elysia wraps whatever a body parser throws; our own parser throws errors meant for the client.
  if (code === 'PARSE' && (error as { cause?: unknown })?.cause instanceof AppError) error = (error as { cause: unknown }).cause
  if (error instanceof OAuthError) return json(error.status, { error: error.code, error_description: error.message })
  if (error instanceof AppError) return json(error.status, { error: error.message, ...error.extra })
  switch (code) {
    case 'NOT_FOUND': return json(404, { error: 'Not found' })
    case 'PARSE': return json(400, { error: 'The request body could not be parsed' })
    case 'VALIDATION': return json(422, { error: validationMessage(error) })
    case 'INVALID_COOKIE_SIGNATURE': return json(400, { error: 'Invalid cookie' })
  }
  if (error instanceof URIError) return json(400, { error: 'Malformed percent-encoding' })
  const status = (error as { status?: unknown })?.status
  if (typeof status === 'number' && status >= 400 && status < 500) return json(status, { error: 'Bad request' })
  const pg = pgCode(error)
  if (pg && PG_CLIENT_ERRORS[pg]) {
    const [s, message] = PG_CLIENT_ERRORS[pg]
    return json(s, { error: message })
  }
  const info = request && requestInfo(request)
  let path: string | undefined
  try {
    path = request && new URL(request.url).pathname
  } catch {}
  logError(info?.logFormat ?? 'text', error, { requestId: info?.id, method: request?.method, path })
  return json(500, { error: 'Internal server error' })
}

function validationMessage(error: unknown): string {
  const e = error as { valueError?: { path?: string; message?: string } }
  const path = e.valueError?.path?.replace(/^\//, '')
  return path ? `Validation failed: ${path} ${e.valueError?.message ?? 'is invalid'}` : 'Validation failed'
}

/** Paths of the APIs and machine documents, which answer JSON errors whatever the client accepts. */
const DATA_PATH = /^\/(api|oauth|\.well-known|nodeinfo|media|proxy|emoji)(\/|$)/

/** A browser that opens a missing page gets a page saying so; clients of the APIs keep Mastodon's JSON errors. */
function htmlNotFound(request: Request, error: unknown, code?: string | number): Response | null {
  const notFound = code === 'NOT_FOUND' || (error instanceof AppError && error.status === 404 && !(error instanceof OAuthError))
  if (!notFound || DATA_PATH.test(new URL(request.url).pathname) || !prefersHtml(request)) return null
  return htmlResponse(notFoundPage(), { status: 404, styleHash: PUBLIC_STYLE_HASH })
}

export const errorsPlugin = new Elysia({ name: 'plugin.errors' })
  .onError({ as: 'global' }, ({ code, error, request }) => htmlNotFound(request, error, code) ?? errorResponse(error, code, request))
