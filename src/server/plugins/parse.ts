import { Elysia } from 'elysia'
import { BadRequestError } from '../../core/errors'
import { isPlainObject, railsParams } from '../../core/params'

const MAX_JSON_BYTES = 1_000_000

/**
 * Parses every body shape clients send: JSON (also activity+json), urlencoded and multipart with Rails brackets,
 * and merges query and body into one `input` object, as Rails and Phoenix do (body wins).
 */
export const parsePlugin = new Elysia({ name: 'plugin.parse' })
  .onParse({ as: 'global' }, async ({ request, contentType }) => {
    const type = contentType.toLowerCase()
    if (type.startsWith('application/json') || type.startsWith('application/activity+json') || type.startsWith('application/ld+json')) {
      const text = await request.text()
      if (text.length > MAX_JSON_BYTES) throw new BadRequestError('Request body too large')
      if (!text.trim()) return {}
      try {
        return JSON.parse(text)
      } catch {
        throw new BadRequestError('The request body is not valid JSON')
      }
    }
    if (type.startsWith('application/x-www-form-urlencoded')) return railsParams(new URLSearchParams(await request.text()))
    if (type.startsWith('multipart/form-data')) {
      try {
        return railsParams((await request.formData()).entries())
      } catch {
        throw new BadRequestError('The multipart body could not be parsed')
      }
    }
    if (type) return (await request.text(), {}) // unknown types carry no parameters we read
  })
  .derive({ as: 'global' }, ({ request, body }) => {
    const url = new URL(request.url)
    const query = railsParams(url.searchParams.entries())
    const input: Record<string, unknown> = isPlainObject(body) ? { ...query, ...body } : query
    return { input }
  })
