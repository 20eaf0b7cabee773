import { getAccount } from '../../core/accounts/queries'
import { createScrobble, listScrobbles } from '../../core/scrobbles/scrobbles'
import type { ScrobbleRow } from '../../db/schema'
import type { Base } from '../base'
import { pageParams, setLinkFor } from '../pagination'
import { renderAccounts, type AccountEntity } from '../render/account'

/** Pleroma's Scrobble entity. */
const buildScrobble = (row: ScrobbleRow, account: AccountEntity) => ({
  id: row.id,
  account,
  title: row.title,
  artist: row.artist,
  album: row.album,
  length: row.length,
  externalLink: row.externalLink,
  visibility: row.visibility,
  created_at: row.createdAt.toISOString(),
})

/** Pleroma's scrobbles: `POST /api/v1/pleroma/scrobble` and an account's list. */
export const scrobblesApi = (app: Base) =>
  app
    .post('/api/v1/pleroma/scrobble', async ({ ctx, input, user, viewer }) => {
      const row = await createScrobble(ctx, user.accountId, input)
      const account = await getAccount(ctx, user.accountId, viewer)
      const [entity] = await renderAccounts(ctx, [account], viewer)
      return buildScrobble(row, entity)
    }, { auth: { scopes: ['write'] } })
    .get('/api/v1/pleroma/accounts/:id/scrobbles', async ({ ctx, params, input, viewer, request, set }) => {
      const account = await getAccount(ctx, params.id, viewer)
      const rows = await listScrobbles(ctx, account.id, viewer?.accountId ?? null, pageParams(input))
      const [entity] = await renderAccounts(ctx, [account], viewer)
      setLinkFor(set, request, ctx.config.baseUrl, rows)
      return rows.map((row) => buildScrobble(row, entity))
    }, { auth: { scopes: ['read'], optional: true } })
