import { processCounters } from '../../core/admin/runtime'
import type { Base } from '../base'
import { adminDomainsApi } from './admin-domains'
import { adminFrontendsApi } from './admin-frontends'
import { adminMastodonApi } from './admin-mastodon'
import { adminPleromaApi } from './admin-pleroma'

/**
 * Administration over HTTP: Pleroma's admin API, Mastodon's account and federation moderation, the instance documents' pages,
 * and the request counter behind the runtime figures (`rookery top`).
 */
export const adminApi = (app: Base) =>
  app
    .onRequest(() => processCounters.recordRequest())
    .use(adminPleromaApi)
    .use(adminMastodonApi)
    .use(adminDomainsApi)
    .use(adminFrontendsApi)
