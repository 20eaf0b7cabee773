import { deleteMedia, getOwnMedia, updateMedia, uploadMedia, type MediaParams } from '../../core/media/attachments'
import { DEFAULT_MASCOT_PATH, defaultMascotPng, getMascot, setMascot } from '../../core/media/mascot'
import { fetchProxiedMedia } from '../../core/media/remote'
import { mediaStorage } from '../../core/media/storage'
import { NotFoundError } from '../../core/errors'
import type { Base } from '../base'
import { buildMediaAttachment, buildUploadedMedia } from '../render/media'
import { proxiedResponse, serveStoredFile } from '../media-files'

const WRITE_MEDIA = { scopes: ['write:media'] }

const mediaParams = (input: Record<string, unknown>): MediaParams => ({
  file: input.file,
  description: input.description,
  focus: input.focus,
  thumbnail: input.thumbnail,
})

/**
 * Uploads (`/api/v{1,2}/media`), the caller's own uploads by id, Pleroma's mascot, and the local media files.
 * Uploads are processed before answering, so v2 answers 200 with the URL set, as Mastodon does for finished media.
 */
export const mediaApi = (app: Base) =>
  app
    .post('/api/v1/media', async ({ ctx, input, user }) =>
      buildMediaAttachment(await uploadMedia(ctx, user.accountId, mediaParams(input)), mediaStorage(ctx.config)), { auth: WRITE_MEDIA })
    .post('/api/v2/media', async ({ ctx, input, user }) =>
      buildMediaAttachment(await uploadMedia(ctx, user.accountId, mediaParams(input)), mediaStorage(ctx.config)), { auth: WRITE_MEDIA })
    .get('/api/v1/media/:id', async ({ ctx, params, user }) =>
      buildMediaAttachment(await getOwnMedia(ctx, user.accountId, params.id), mediaStorage(ctx.config)), { auth: WRITE_MEDIA })
    .put('/api/v1/media/:id', async ({ ctx, params, input, user }) =>
      buildMediaAttachment(await updateMedia(ctx, user.accountId, params.id, mediaParams(input)), mediaStorage(ctx.config)), { auth: WRITE_MEDIA })
    .delete('/api/v1/media/:id', async ({ ctx, params, user }) => {
      await deleteMedia(ctx, user.accountId, params.id)
      return {}
    }, { auth: WRITE_MEDIA })
    .get('/api/v1/pleroma/mascot', async ({ ctx, user }) => getMascot(ctx, user.userId), { auth: { scopes: ['read:accounts'] } })
    .put('/api/v1/pleroma/mascot', async ({ ctx, input, user }) => {
      const storage = mediaStorage(ctx.config)
      // Older Pleroma documentation names the parameter `image`.
      return setMascot(ctx, user.userId, input.file ?? input.image, (file) => buildUploadedMedia(file.id, file, storage))
    }, { auth: { scopes: ['write:accounts'] } })
    .get(DEFAULT_MASCOT_PATH, () => new Response(new Uint8Array(defaultMascotPng()), {
      headers: { 'content-type': 'image/png', 'cache-control': 'public, max-age=86400' },
    }), { auth: 'public' })
    // Files are public by URL (as on every fediverse server) and read no credentials.
    .get('/media/*', async ({ ctx, params, request }) => serveStoredFile(ctx, params['*'], request), { auth: 'client' })
    .head('/media/*', async ({ ctx, params, request }) => serveStoredFile(ctx, params['*'], request), { auth: 'client' })
    // The media proxy (`remoteMedia.mode: proxy`): remote files a stored status or account names, fetched on request.
    .get('/proxy/media/:id', async ({ ctx, params }) => proxiedResponse(await fetchProxiedMedia(ctx, { attachmentId: params.id })), { auth: 'client' })
    .get('/proxy/:kind/:accountId/:digest', async ({ ctx, params }) => {
      if (params.kind !== 'avatar' && params.kind !== 'header') throw new NotFoundError()
      return proxiedResponse(await fetchProxiedMedia(ctx, { accountId: params.accountId, kind: params.kind, digest: params.digest }))
    }, { auth: 'client' })
