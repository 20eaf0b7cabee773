import { Elysia } from 'elysia'
import type { Ctx } from '../core/context'
import { createBase, type Base } from './base'
import { compressionPlugin } from './plugins/compression'
import { appsApi } from './api/apps'
import { oauthApi } from './api/oauth'
import { accountsApi } from './api/accounts'
import { pleromaCaptchaApi } from './api/pleroma-captcha'
import { instanceApi } from './api/instance'
import { wellKnownApi } from './api/well-known'
import { statusesApi } from './api/statuses'
import { timelinesApi } from './api/timelines'
import { accountSecurityApi } from './api/account-security'
import { listsApi } from './api/lists'
import { filtersApi } from './api/filters'
import { notificationsApi } from './api/notifications'
import { markersApi } from './api/markers'
import { chatsApi } from './api/chats'
import { conversationsApi } from './api/conversations'
import { pollsApi } from './api/polls'
import { streamingApi } from './api/streaming'
import { mediaApi } from './api/media'
import { relationshipsApi } from './api/relationships'
import { importsApi } from './api/imports'
import { scrobblesApi } from './api/scrobbles'
import { emojiApi } from './api/emoji'
import { emojiPacksApi } from './api/emoji-packs'
import { reactionsApi } from './api/reactions'
import { adminApi } from './api/admin'
import { bookmarkFoldersApi } from './api/bookmark-folders'
import { searchApi } from './api/search'
import { tagsApi } from './api/tags'
import { pushApi } from './api/push'
import { pagesApi } from './pages'
import { frontendsWeb } from './pages/frontends'
import { announcementsApi } from './api/announcements'
import { discoveryApi } from './api/discovery'
import { federationMount } from '../federation/mount'
import { interactionPages } from './pages/interaction'
import { cardsApi } from './api/cards'
import { trendsApi } from './api/trends'
import { backupsApi } from './api/backups'
import { frontendSettingsApi } from './api/frontend-settings'
import { metricsApi } from './api/metrics'
import { shoutboxApi } from './api/shoutbox'

/** Discovery and extras, composed apart so the app's type stays within what TypeScript can instantiate. */
function discoveryFeatures(base: Base) {
  return new Elysia({ name: 'features.discovery' })
    .use(searchApi(base)).use(tagsApi(base)).use(cardsApi(base)).use(trendsApi(base))
    .use(announcementsApi(base)).use(discoveryApi(base))
    .use(bookmarkFoldersApi(base)).use(pushApi(base)).use(backupsApi(base)).use(frontendSettingsApi(base))
    .use(metricsApi(base)).use(shoutboxApi(base))
    .use(interactionPages(base))
}

/** Composes the whole HTTP API; every feature module receives the same base (context + auth macro). */
export function createApp(ctx: Ctx) {
  const base = createBase(ctx)
  return new Elysia({ name: 'rookery' })
    .use(base)
    .use(compressionPlugin)
    .use(federationMount(ctx))
    .use(appsApi(base))
    .use(oauthApi(base))
    .use(accountsApi(base))
    .use(pleromaCaptchaApi(base))
    .use(instanceApi(base))
    .use(wellKnownApi(base))
    .use(statusesApi(base))
    .use(timelinesApi(base))
    .use(listsApi(base))
    .use(filtersApi(base))
    .use(notificationsApi(base)).use(markersApi(base)).use(conversationsApi(base)).use(chatsApi(base)).use(pollsApi(base))
    .use(streamingApi(base))
    .use(mediaApi(base))
    .use(relationshipsApi(base)).use(importsApi(base)).use(scrobblesApi(base))
    .use(emojiApi(base)).use(emojiPacksApi(base)).use(reactionsApi(base))
    .use(accountSecurityApi(base))
    .use(discoveryFeatures(base))
    .use(adminApi(base))
    .use(pagesApi(base))
    .use(frontendsWeb(base))
}

export type App = ReturnType<typeof createApp>
