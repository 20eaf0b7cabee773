import { importPacksFromFilesystem } from '../../core/emoji/import'
import { addPackFile, deletePackFile, updatePackFile } from '../../core/emoji/pack-files'
import { createPack, deletePack, listPacks, packArchive, readPaging, showPack, updatePackMetadata } from '../../core/emoji/packs'
import { downloadRemotePack, downloadZipPack, listRemotePacks, packFetchOptions } from '../../core/emoji/remote'
import type { Base } from '../base'

/** Pleroma answers most pack changes with the JSON string "ok". */
const ok = () => new Response('"ok"', { headers: { 'content-type': 'application/json; charset=utf-8' } })

/** Writes need an admin token with `admin:write`, as Pleroma's EmojiPackController and EmojiFileController. */
const ADMIN = { scopes: ['admin:write'], role: 'admin' as const }

/** Pleroma's emoji pack API under one prefix: `/api/v1/pleroma/emoji` (current) or `/api/pleroma/emoji` (older docs). */
const packRoutes = (prefix: string) => (app: Base) =>
  app
    .get(`${prefix}/packs`, ({ ctx, input }) => listPacks(ctx, readPaging(input, 50)), { auth: 'public' })
    .get(`${prefix}/pack`, ({ ctx, input }) => showPack(ctx, input.name, readPaging(input, 30)), { auth: 'public' })
    .post(`${prefix}/pack`, async ({ ctx, input }) => {
      await createPack(ctx, input.name)
      return ok()
    }, { auth: ADMIN })
    .patch(`${prefix}/pack`, ({ ctx, input }) => updatePackMetadata(ctx, input.name, input.metadata), { auth: ADMIN })
    .delete(`${prefix}/pack`, async ({ ctx, input }) => {
      await deletePack(ctx, input.name)
      return ok()
    }, { auth: ADMIN })
    .get(`${prefix}/packs/import`, ({ ctx }) => importPacksFromFilesystem(ctx), { auth: ADMIN })
    .get(`${prefix}/packs/remote`, ({ ctx, input }) => listRemotePacks(input.url, readPaging(input, 50), packFetchOptions(ctx)), { auth: ADMIN })
    .post(`${prefix}/packs/download`, async ({ ctx, input }) => {
      await downloadRemotePack(ctx, { url: input.url, name: input.name, as: input.as }, packFetchOptions(ctx))
      return ok()
    }, { auth: ADMIN })
    .post(`${prefix}/packs/download_zip`, async ({ ctx, input }) => {
      await downloadZipPack(ctx, { name: input.name, url: input.url, file: input.file }, packFetchOptions(ctx))
      return ok()
    }, { auth: ADMIN })
    .get(`${prefix}/packs/archive`, async ({ ctx, input }) => archiveResponse(await packArchive(ctx, input.name)), { auth: 'public' })
    .get(`${prefix}/pack/archive`, async ({ ctx, input }) => archiveResponse(await packArchive(ctx, input.name)), { auth: 'public' })
    .post(`${prefix}/packs/files`, ({ ctx, input }) =>
      addPackFile(ctx, input.name, { shortcode: input.shortcode, filename: input.filename, file: input.file }), { auth: ADMIN })
    .patch(`${prefix}/packs/files`, ({ ctx, input }) =>
      updatePackFile(ctx, input.name, { shortcode: input.shortcode, new_shortcode: input.new_shortcode, new_filename: input.new_filename, force: input.force }),
      { auth: ADMIN })
    .delete(`${prefix}/packs/files`, ({ ctx, input }) => deletePackFile(ctx, input.name, input.shortcode), { auth: ADMIN })
    // the same file routes under `/pack/files`, as some documentation spells them
    .post(`${prefix}/pack/files`, ({ ctx, input }) =>
      addPackFile(ctx, input.name, { shortcode: input.shortcode, filename: input.filename, file: input.file }), { auth: ADMIN })
    .patch(`${prefix}/pack/files`, ({ ctx, input }) =>
      updatePackFile(ctx, input.name, { shortcode: input.shortcode, new_shortcode: input.new_shortcode, new_filename: input.new_filename, force: input.force }),
      { auth: ADMIN })
    .delete(`${prefix}/pack/files`, ({ ctx, input }) => deletePackFile(ctx, input.name, input.shortcode), { auth: ADMIN })

function archiveResponse({ name, zip }: { name: string; zip: Uint8Array }) {
  return new Response(new Blob([zip as Uint8Array<ArrayBuffer>]), {
    headers: {
      'content-type': 'application/zip',
      'content-disposition': `attachment; filename="${name}.zip"`,
      'x-content-type-options': 'nosniff',
    },
  })
}

export const emojiPacksApi = (app: Base) =>
  app
    .use(packRoutes('/api/v1/pleroma/emoji'))
    .use(packRoutes('/api/pleroma/emoji'))
