import { getAccount } from '../../core/accounts/queries'
import {
  accountFeaturedTags, featuredTagSuggestions, featureTag, unfeatureTagById, unfeatureTagByName,
} from '../../core/tags/featured-tags'
import { followedTags, followTag, unfollowTag } from '../../core/tags/follow-tags'
import { getTag } from '../../core/tags/tags'
import type { Base } from '../base'
import { pageParams, setLink } from '../pagination'
import { buildFeaturedTag, renderTag, renderTags } from '../render/tag'

const acctOf = (account: { username: string; domain: string | null }) => (account.domain ? `${account.username}@${account.domain}` : account.username)

/** Hashtags: showing, following and featuring them (Mastodon's tags, followed_tags and featured_tags APIs). */
export const tagsApi = (app: Base) =>
  app
    .get('/api/v1/tags/:name', async ({ ctx, params, viewer }) =>
      renderTag(ctx, await getTag(ctx, params.name), viewer), { auth: { scopes: ['read:follows'], optional: true } })
    .post('/api/v1/tags/:name/follow', async ({ ctx, params, user }) =>
      renderTag(ctx, await followTag(ctx, user.accountId, params.name), user), { auth: { scopes: ['write:follows'] } })
    .post('/api/v1/tags/:name/unfollow', async ({ ctx, params, user }) =>
      renderTag(ctx, await unfollowTag(ctx, user.accountId, params.name), user), { auth: { scopes: ['write:follows'] } })
    .post('/api/v1/tags/:name/feature', async ({ ctx, params, user }) => {
      const featured = await featureTag(ctx, user.accountId, params.name, 'keep')
      return renderTag(ctx, { id: featured.tagId, name: featured.name }, user)
    }, { auth: { scopes: ['write:accounts'] } })
    .post('/api/v1/tags/:name/unfeature', async ({ ctx, params, user }) =>
      renderTag(ctx, await unfeatureTagByName(ctx, user.accountId, params.name), user), { auth: { scopes: ['write:accounts'] } })
    .get('/api/v1/followed_tags', async ({ ctx, input, user, request, set }) => {
      const page = await followedTags(ctx, user.accountId, pageParams(input, 100, 200))
      setLink(set, request, ctx.config.baseUrl, page.firstKey, page.lastKey)
      return renderTags(ctx, page.items, user)
    }, { auth: { scopes: ['read:follows'] } })
    .get('/api/v1/featured_tags', async ({ ctx, user }) =>
      (await accountFeaturedTags(ctx, user.accountId)).map((f) => buildFeaturedTag(ctx.config.baseUrl, user.username, f)),
      { auth: { scopes: ['read:accounts'] } })
    .post('/api/v1/featured_tags', async ({ ctx, input, user }) =>
      buildFeaturedTag(ctx.config.baseUrl, user.username, await featureTag(ctx, user.accountId, input.name, 'error')),
      { auth: { scopes: ['write:accounts'] } })
    .get('/api/v1/featured_tags/suggestions', async ({ ctx, user }) =>
      renderTags(ctx, await featuredTagSuggestions(ctx, user.accountId), user), { auth: { scopes: ['read:accounts'] } })
    .delete('/api/v1/featured_tags/:id', async ({ ctx, params, user }) => {
      await unfeatureTagById(ctx, user.accountId, params.id)
      return {}
    }, { auth: { scopes: ['write:accounts'] } })
    .get('/api/v1/accounts/:id/featured_tags', async ({ ctx, params, viewer }) => {
      const account = await getAccount(ctx, params.id, viewer)
      return (await accountFeaturedTags(ctx, account.id)).map((f) => buildFeaturedTag(ctx.config.baseUrl, acctOf(account), f))
    }, { auth: { scopes: ['read:accounts'], optional: true } })
