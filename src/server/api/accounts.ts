import { DEFAULT_AVATAR_PATH, DEFAULT_HEADER_PATH, defaultAvatarPng, defaultHeaderPng } from '../../core/accounts/default-images'
import { getAccount, getAccountsByIds } from '../../core/accounts/queries'
import { lookupAccountResolving } from '../../core/search/resolve'
import { findAccounts } from '../../core/search/search'
import { registerAccount } from '../../core/accounts/register'
import { buildPreferences, getOwnAccount, getOwnAccountWithCounts, updateCredentials } from '../../core/accounts/update-credentials'
import { tokenResponse } from '../../core/oauth/tokens'
import { parseBool, parseStringArray } from '../../core/params'
import { applyHideFilters } from '../../core/filters/match'
import { accountFavourites } from '../../core/timelines/interaction-lists'
import { accountStatuses } from '../../core/timelines/account-statuses'
import { readTimelineOptions } from '../../core/timelines/options'
import type { Base } from '../base'
import { pageParams, setLink, setLinkFor } from '../pagination'
import { renderStatuses } from '../render/status'
import { renderAccount, renderAccounts, renderCredentialAccount } from '../render/account'
import { renderProfile } from '../render/profile'

const png = (bytes: Buffer) => new Response(new Uint8Array(bytes), {
  headers: { 'content-type': 'image/png', 'cache-control': 'public, max-age=86400' },
})

export const accountsApi = (app: Base) =>
  app
    .post('/api/v1/accounts', async ({ ctx, input, viewer }) => {
      const result = await registerAccount(ctx, input, { appId: viewer?.appId ?? null, scopes: viewer?.scopes ?? [] })
      return { ...tokenResponse(ctx, result.token, result.account.username), ...(result.pending ?? {}) }
    }, { auth: { scopes: ['write:accounts'], app: true } })
    .get('/api/v1/accounts/verify_credentials', async ({ ctx, user }) => {
      const own = await getOwnAccountWithCounts(ctx, user)
      return renderCredentialAccount(ctx, own.account, user, own.user, own.counts)
    }, { auth: { scopes: ['read:accounts'] } })
    .patch('/api/v1/accounts/update_credentials', async ({ ctx, input, user }) => {
      const own = await updateCredentials(ctx, user, input)
      return renderCredentialAccount(ctx, own.account, user, own.user)
    }, { auth: { scopes: ['write:accounts'] } })
    .get('/api/v1/profile', async ({ ctx, user }) => renderProfile(ctx, await getOwnAccount(ctx, user)), { auth: { scopes: ['read:accounts'] } })
    .patch('/api/v1/profile', async ({ ctx, input, user }) => renderProfile(ctx, await updateCredentials(ctx, user, input)),
      { auth: { scopes: ['write:accounts'] } })
    // Mastodon 4.2: removing a picture puts the default one back, as `avatar=""` on update_credentials does.
    .delete('/api/v1/profile/avatar', async ({ ctx, user }) =>
      renderCredentialAccount(ctx, (await updateCredentials(ctx, user, { avatar: '' })).account, user), { auth: { scopes: ['write:accounts'] } })
    .delete('/api/v1/profile/header', async ({ ctx, user }) =>
      renderCredentialAccount(ctx, (await updateCredentials(ctx, user, { header: '' })).account, user), { auth: { scopes: ['write:accounts'] } })
    .get('/api/v1/accounts/lookup', async ({ ctx, input, viewer }) =>
      renderAccount(ctx, await lookupAccountResolving(ctx, input.acct, viewer), viewer), { auth: 'public' })
    .get('/api/v1/accounts/search', async ({ ctx, input, viewer }) => {
      const rows = await findAccounts(ctx, viewer, input.q, {
        limit: input.limit,
        offset: input.offset,
        following: parseBool(input.following) ?? false,
        resolve: parseBool(input.resolve) ?? false,
      })
      return renderAccounts(ctx, rows, viewer)
    }, { auth: { scopes: ['read:accounts'], optional: true } })
    .get('/api/v1/accounts', async ({ ctx, input, viewer }) =>
      renderAccounts(ctx, await getAccountsByIds(ctx, parseStringArray(input.id ?? input.ids), viewer), viewer),
      { auth: { scopes: ['read:accounts'], optional: true } })
    .get('/api/v1/accounts/:id', async ({ ctx, params, input, viewer }) =>
      renderAccount(ctx, await getAccount(ctx, params.id, viewer), viewer, { withRelationships: parseBool(input.with_relationships) ?? false }),
      { auth: { scopes: ['read:accounts'], optional: true } })
    .get('/api/v1/accounts/:id/statuses', async ({ ctx, params, input, viewer, request, set }) => {
      const account = await getAccount(ctx, params.id, viewer)
      const rows = await accountStatuses(ctx, viewer?.accountId ?? null, account, pageParams(input), readTimelineOptions(input), {
        pinned: parseBool(input.pinned) ?? false,
        tagged: typeof input.tagged === 'string' ? input.tagged : null,
      })
      setLinkFor(set, request, ctx.config.baseUrl, rows)
      return applyHideFilters(await renderStatuses(ctx, rows, viewer), 'account')
    }, { auth: { scopes: ['read:statuses'], optional: true } })
    .get('/api/v1/pleroma/accounts/:id/favourites', async ({ ctx, params, input, viewer, request, set }) => {
      const account = await getAccount(ctx, params.id, viewer)
      const page = await accountFavourites(ctx, account, viewer?.accountId ?? null, pageParams(input))
      setLink(set, request, ctx.config.baseUrl, page.firstKey, page.lastKey)
      return renderStatuses(ctx, page.items, viewer)
    }, { auth: { scopes: ['read:favourites'], optional: true } })
    .get('/api/v1/preferences', async ({ ctx, user }) => buildPreferences((await getOwnAccount(ctx, user)).user),
      { auth: { scopes: ['read:accounts'] } })
    .get(DEFAULT_AVATAR_PATH, () => png(defaultAvatarPng()), { auth: 'public' })
    .get(DEFAULT_HEADER_PATH, () => png(defaultHeaderPng()), { auth: 'public' })
