/**
 * What this server supports, as Pleroma advertises it in `pleroma.metadata.features` (instance) and
 * `metadata.features` (NodeInfo). Pleroma-FE, Soapbox and other servers' emoji-pack downloader switch
 * features on from these names, so list only what works end to end. When a feature lands, add its name
 * here, in the same change that adds its routes.
 *
 * Names still to add when their feature lands, with what they promise:
 * - "blockers_visible"         blocked users can see who blocks them
 */
export const FEATURES: readonly string[] = [
  // The Mastodon client API (apps, OAuth, instance, accounts...) and Pleroma's /api/pleroma + /api/v1/pleroma extensions.
  'mastodon_api',
  'pleroma_api',
  'pleroma_explicit_addressing',
  'multifetch',
  'editing',
  'quote_posting',
  // /api/v1/pleroma/statuses/:id/reactions with unicode and local custom emoji, and who reacted
  'pleroma_emoji_reactions',
  'pleroma_custom_emoji_reactions',
  'exposable_reactions',
  // /api/v1/pleroma/emoji/packs with archives other servers can download
  'shareable_emoji_packs',
  // polls on statuses: /api/v1/polls/:id and voting
  'polls',
  // `include_types[]` on /api/v1/notifications
  'pleroma:api/v1/notifications:include_types_filter',
  // /api/v1/streaming: WebSocket (and server-sent events) with subscribe/unsubscribe and pleroma:authenticate
  'mastodon_api_streaming',
  // /api/v1/pleroma/bookmark_folders, `folder_id` on bookmarking and on /api/v1/bookmarks
  'pleroma:bookmark_folders',
  // /api/v1/directory of discoverable accounts
  'profile_directory',
  // /api/v2/suggestions with sources, and dismissing one
  'v2_suggestions',
  // /api/v1/pleroma/chats between local accounts, pleroma:chat_mention notifications and pleroma:chat_update events
  'pleroma_chat_messages',
]

/**
 * Pleroma's shoutbox (the `/socket` room, `chat_token`), when the configuration has it on: Pleroma-FE up to 2.2 looks
 * for "chat", later ones for "shout".
 */
export const SHOUTBOX_FEATURES: readonly string[] = ['chat', 'shout']

/** The features list to publish: a fresh copy, so callers cannot change the constants. */
export function instanceFeatures(config: { shoutbox: boolean }): string[] {
  return config.shoutbox ? [...FEATURES, ...SHOUTBOX_FEATURES] : [...FEATURES]
}
