// Statuses served to other servers: the status objects themselves, the outbox and the featured (pinned) collection.
import type { Federation } from '@fedify/fedify'
import { Create, Hashtag, Object as APObject } from '@fedify/vocab'
import type { Ctx } from '../core/context'
import { findLocalActor } from '../core/federation/actors'
import { accountFeaturedTags } from '../core/tags/featured-tags'
import {
  findFederatedStatus, loadFederatedStatusData, outboxCount, outboxPage, pinnedPublicStatuses,
} from '../core/federation/statuses'
import { fetchAuthorized } from './authorized-fetch'
import { createActivity, servedStatusObject, statusObject } from './notes'

export const STATUS_PATH = '/users/{username}/statuses/{id}'

export function registerStatusDispatchers(federation: Federation<Ctx>, ctx: Ctx): void {
  // One dispatcher for Notes and Questions alike: the route is the status URI, whatever the object's type.
  federation.setObjectDispatcher(APObject, STATUS_PATH, async (c, values) => {
    // The signer is whoever may see a private or direct status; anonymous readers get public and unlisted ones only.
    const signer = await c.getSignedKeyOwner().catch(() => null)
    const row = await findFederatedStatus(ctx, values.username, values.id, signer?.id?.href ?? null)
    if (!row) return null
    return servedStatusObject(c, row, await loadFederatedStatusData(ctx, [row]))
  }).authorize(fetchAuthorized)

  // The Create's id is dereferenceable too, under the same rule as its status.
  federation.setObjectDispatcher(Create, `${STATUS_PATH}/activity`, async (c, values) => {
    const signer = await c.getSignedKeyOwner().catch(() => null)
    const row = await findFederatedStatus(ctx, values.username, values.id, signer?.id?.href ?? null)
    if (!row) return null
    return createActivity(c, row, await loadFederatedStatusData(ctx, [row]))
  }).authorize(fetchAuthorized)

  federation
    .setOutboxDispatcher('/users/{identifier}/outbox', async (c, identifier, cursor) => {
      const account = await findLocalActor(ctx, identifier)
      if (!account) return null
      if (cursor === null) return { items: [] }
      const page = await outboxPage(ctx, account.id, cursor || null)
      const data = await loadFederatedStatusData(ctx, page.rows)
      return { items: page.rows.map((row) => createActivity(c, row, data)), nextCursor: page.next }
    })
    .setCounter(async (_c, identifier) => {
      const account = await findLocalActor(ctx, identifier)
      return account ? outboxCount(ctx, account.id) : null
    })
    .setFirstCursor(async (_c, identifier) => ((await findLocalActor(ctx, identifier)) ? '' : null))
    .authorize(fetchAuthorized)

  federation.setFeaturedDispatcher('/users/{identifier}/collections/featured', async (c, identifier) => {
    const account = await findLocalActor(ctx, identifier)
    if (!account) return null
    const rows = await pinnedPublicStatuses(ctx, account.id)
    const data = await loadFederatedStatusData(ctx, rows)
    return { items: rows.map((row) => statusObject(c, row, data)) }
  }).authorize(fetchAuthorized)

  federation.setFeaturedTagsDispatcher('/users/{identifier}/collections/tags', async (_c, identifier) => {
    const account = await findLocalActor(ctx, identifier)
    if (!account) return null
    const featured = await accountFeaturedTags(ctx, account.id)
    return {
      items: featured.map((f) => new Hashtag({ href: new URL(`/tags/${encodeURIComponent(f.name)}`, ctx.config.baseUrl), name: `#${f.name}` })),
    }
  }).authorize(fetchAuthorized)
}
