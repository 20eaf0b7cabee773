import { exportCsv } from '../../core/imports/export'
import type { ImportKind } from '../../core/imports/parse'
import { readListParam, startImport } from '../../core/imports/start-import'
import type { Base } from '../base'

/** Pleroma answers every import with this JSON string, whether the work is done yet or not. */
const jobStarted = () => new Response(JSON.stringify('job started'), { headers: { 'content-type': 'application/json; charset=utf-8' } })

const IMPORTS: { path: string; kind: ImportKind; scope: string }[] = [
  { path: 'follow_import', kind: 'follows', scope: 'write:follows' },
  { path: 'blocks_import', kind: 'blocks', scope: 'write:blocks' },
  { path: 'mutes_import', kind: 'mutes', scope: 'write:mutes' },
]

/** Mastodon's export file names (under /settings/exports) and GoToSocial's API ones (under /api/v1/exports). */
const EXPORTS: { files: string[]; kind: ImportKind; scope: string }[] = [
  { files: ['/settings/exports/follows.csv', '/api/v1/exports/following.csv'], kind: 'follows', scope: 'read:follows' },
  { files: ['/settings/exports/blocks.csv', '/api/v1/exports/blocks.csv'], kind: 'blocks', scope: 'read:blocks' },
  { files: ['/settings/exports/mutes.csv', '/api/v1/exports/mutes.csv'], kind: 'mutes', scope: 'read:mutes' },
]

const csv = (body: string, path: string) => new Response(body, {
  headers: {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="${path.slice(path.lastIndexOf('/') + 1)}"`,
    'cache-control': 'private, no-store',
  },
})

export const importsApi = (app: Base) => {
  for (const { path, kind, scope } of IMPORTS) {
    for (const prefix of ['/api/pleroma', '/api/v1/pleroma']) {
      app.post(`${prefix}/${path}`, async ({ ctx, input, user }) => {
        await startImport(ctx, user.accountId, kind, await readListParam(input.list))
        return jobStarted()
      }, { auth: { scopes: ['follow', scope] } })
    }
  }
  for (const { files, kind, scope } of EXPORTS) {
    for (const file of files) {
      app.get(file, async ({ ctx, user }) => csv(await exportCsv(ctx, user.accountId, kind), file), { auth: { scopes: [scope] } })
    }
  }
  return app
}
