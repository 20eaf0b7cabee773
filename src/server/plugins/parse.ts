import { Elysia } from 'elysia'
import { BadRequestError } from '../../core/errors'
import { isPlainObject, railsParams } from '../../core/params'
import { isJsonType, readBody, type BodyLimits } from './body'

const decoder = new TextDecoder()

/** A body with a declared length was checked against the limit before reading; only a chunked one needs counting. */
async function readText(request: Request, limit: number): Promise<string> {
  if (request.headers.get('content-length') !== null) return request.text()
  return decoder.decode(await readBody(request, limit))
}

function rejectNul(key: string, value: unknown) {
  if (key.includes('\0') || (typeof value === 'string' && value.includes('\0'))) throw new BadRequestError('Parameters must not contain NUL characters')
  return value
}

function parseJson(text: string): unknown {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new BadRequestError('The request body is not valid JSON')
  }
  // A NUL can only come from a `\u0000` escape: walk the values again only then.
  if (/\\u0000/i.test(text)) JSON.parse(text, rejectNul)
  return parsed
}

/**
 * Parses every body shape clients send: JSON (also activity+json), urlencoded and multipart with Rails brackets,
 * and merges query and body into one `input` object, as Rails and Phoenix do (body wins).
 */
export function parsePlugin(limits: BodyLimits) {
  return new Elysia()
    .onParse({ as: 'global' }, async ({ request, contentType }) => {
      const type = contentType.toLowerCase()
      if (isJsonType(type)) {
        const text = await readText(request, limits.json)
        if (!text.trim()) return {}
        return parseJson(text)
      }
      if (type.startsWith('application/x-www-form-urlencoded')) return railsParams(new URLSearchParams(await readText(request, limits.form)))
      if (type.startsWith('multipart/form-data')) {
        let form: FormData
        try {
          form = request.headers.get('content-length') !== null
            ? await request.formData()
            : await new Response(await readBody(request, limits.other), { headers: { 'content-type': request.headers.get('content-type') ?? contentType } }).formData()
        } catch (e) {
          if (e instanceof Error && 'status' in e) throw e
          throw new BadRequestError('The multipart body could not be parsed')
        }
        return railsParams(form.entries())
      }
      if (type) return (await readBody(request, limits.other), {}) // unknown types carry no parameters we read
    })
    .derive({ as: 'global' }, ({ request, body }) => {
      const url = new URL(request.url)
      const query = railsParams(url.searchParams.entries())
      const input: Record<string, unknown> = isPlainObject(body) ? { ...query, ...body } : query
      return { input }
    })
}
