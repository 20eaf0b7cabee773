import { findEmojiFile } from '../../core/emoji/serve'
import { NotFoundError } from '../../core/errors'
import type { Base } from '../base'

/**
 * Emoji images at `/emoji/<pack>/<file>`. Only image types are served, never sniffed (`nosniff`), and under a
 * sandboxing CSP so that an SVG opened directly cannot run scripts or load anything.
 */
export const emojiApi = (app: Base) =>
  app
    .get('/emoji/*', async ({ ctx, request }) => {
      const rawPath = new URL(request.url).pathname.slice('/emoji/'.length)
      const file = await findEmojiFile(ctx.config, rawPath)
      if (!file) throw new NotFoundError('Not found')
      return new Response(Bun.file(file.path), {
        headers: {
          'content-type': file.contentType,
          'content-length': String(file.size),
          'last-modified': file.modified.toUTCString(),
          'cache-control': 'public, max-age=86400',
          'x-content-type-options': 'nosniff',
          'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
          'cross-origin-resource-policy': 'cross-origin',
        },
      })
    }, { auth: 'client' })
