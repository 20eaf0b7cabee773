import { directoryQuery, dismissSuggestion, familiarFollowers, listDirectory, listSuggestions, type SuggestionSource } from '../../core/accounts/discovery'
import { ValidationError } from '../../core/errors'
import { parseStringArray } from '../../core/params'
import type { Base } from '../base'
import { renderAccounts } from '../render/account'

function suggestionLimit(input: Record<string, unknown>): number {
  const raw = input.limit
  if (raw === undefined || raw === '') return 40
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 1) throw new ValidationError('Validation failed: limit must be a whole number of 1 or more')
  return Math.min(n, 80)
}

/** Mastodon's deprecated single `source` of a v2 suggestion. */
const legacySource = (sources: SuggestionSource[]) =>
  sources.includes('featured') ? 'staff' : sources.includes('friends_of_friends') ? 'past_interactions' : 'global'

/** People to follow and find: suggestions, the profile directory, familiar followers. */
export const discoveryApi = (app: Base) =>
  app
    .get('/api/v1/suggestions', async ({ ctx, input, user }) => {
      const list = await listSuggestions(ctx, user, suggestionLimit(input))
      return renderAccounts(ctx, list.map((s) => s.account), user)
    }, { auth: { scopes: ['read'] } })
    .get('/api/v2/suggestions', async ({ ctx, input, user }) => {
      const list = await listSuggestions(ctx, user, suggestionLimit(input))
      const rendered = await renderAccounts(ctx, list.map((s) => s.account), user)
      return list.map((s, i) => ({ source: legacySource(s.sources), sources: s.sources, account: rendered[i] }))
    }, { auth: { scopes: ['read'] } })
    .delete('/api/v1/suggestions/:account_id', async ({ ctx, params, user }) => {
      await dismissSuggestion(ctx, user, params.account_id)
      return {}
    }, { auth: { scopes: ['read'] } })
    .get('/api/v1/directory', async ({ ctx, input, viewer }) =>
      renderAccounts(ctx, await listDirectory(ctx, viewer, directoryQuery(input)), viewer), { auth: 'public' })
    .get('/api/v1/accounts/familiar_followers', async ({ ctx, input, user }) => {
      const found = await familiarFollowers(ctx, user, parseStringArray(input.id))
      const distinct = [...new Map(found.flatMap((f) => f.accounts).map((a) => [a.id, a])).values()]
      const rendered = await renderAccounts(ctx, distinct, user)
      const byId = new Map(distinct.map((a, i) => [a.id, rendered[i]]))
      return found.map((f) => ({ id: f.id, accounts: f.accounts.map((a) => byId.get(a.id)!) }))
    }, { auth: { scopes: ['read:follows'] } })
