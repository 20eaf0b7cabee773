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
const discoveryFeatures = (app: Base) =>
  app
    .use(searchApi).use(tagsApi).use(cardsApi).use(trendsApi)
    .use(announcementsApi).use(discoveryApi)
    .use(bookmarkFoldersApi).use(pushApi).use(backupsApi).use(frontendSettingsApi)
    .use(metricsApi).use(shoutboxApi)
    .use(interactionPages)

/**
 * Composes the whole HTTP API. Every feature module is a function that adds its routes to the app itself, after the
 * base (context, body parsing, errors, CORS, the `auth` macro) and compression: each route is registered once. A module
 * that was an Elysia instance of its own had its routes added again by every `.use()` up to the app (1,407 additions
 * for 516 routes), each merging its hooks anew, which took a good part of a start.
 */
export function createApp(ctx: Ctx) {
  return new Elysia({ name: 'rookery' })
    .use(createBase(ctx))
    .use(compressionPlugin)
    .use(federationMount(ctx))
    .use(appsApi)
    .use(oauthApi)
    .use(accountsApi)
    .use(pleromaCaptchaApi)
    .use(instanceApi)
    .use(wellKnownApi)
    .use(statusesApi)
    .use(timelinesApi)
    .use(listsApi)
    .use(filtersApi)
    .use(notificationsApi).use(markersApi).use(conversationsApi).use(chatsApi).use(pollsApi)
    .use(streamingApi)
    .use(mediaApi)
    .use(relationshipsApi).use(importsApi).use(scrobblesApi)
    .use(emojiApi).use(emojiPacksApi).use(reactionsApi)
    .use(accountSecurityApi)
    .use(discoveryFeatures)
    .use(adminApi)
    .use(pagesApi)
    .use(frontendsWeb)
}

export type App = ReturnType<typeof createApp>
