import type { Ctx } from '../../core/context'
import type { OwnAccount } from '../../core/accounts/update-credentials'
import { accountFeaturedTags } from '../../core/tags/featured-tags'
import { buildFeaturedTag } from './tag'

/**
 * Mastodon 4.6's Profile: the owner's editable profile with source values (the bio and fields as typed, pictures
 * null while unset).
 */
export async function renderProfile(ctx: Ctx, { account }: OwnAccount) {
  const featured = await accountFeaturedTags(ctx, account.id)
  return {
    id: account.id,
    display_name: account.displayName,
    note: account.noteSource,
    fields: account.fields.map((f) => ({ name: f.name, value: f.value, verified_at: f.verified_at ?? null })),
    avatar: account.avatarUrl,
    avatar_static: account.avatarUrl,
    avatar_description: account.avatarDescription,
    header: account.headerUrl,
    header_static: account.headerUrl,
    header_description: account.headerDescription,
    locked: account.locked,
    bot: account.bot,
    hide_collections: account.hideFollowers && account.hideFollows,
    discoverable: account.discoverable,
    indexable: account.indexable,
    show_media: account.showMedia,
    show_media_replies: account.showMediaReplies,
    show_featured: account.showFeatured,
    attribution_domains: account.attributionDomains,
    featured_tags: featured.map((f) => buildFeaturedTag(ctx.config.baseUrl, account.username, f)),
  }
}
