import { getAccount } from '../../core/accounts/queries'
import type { Ctx } from '../../core/context'
import type { UserViewer, Viewer } from '../../core/oauth/authenticate'
import { parseBool, parseStringArray } from '../../core/params'
import { blockAccount, unblockAccount } from '../../core/relationships/block'
import { blockDomain, listDomainBlocks, unblockDomain } from '../../core/relationships/domain-blocks'
import { endorseAccount, unendorseAccount } from '../../core/relationships/endorsements'
import {
  authorizeFollowRequest, followAccount, readFollowOptions, rejectFollowRequest, removeFromFollowers, setSubscription, unfollowAccount,
} from '../../core/relationships/follow'
import { muteAccount, readMuteOptions, unmuteAccount } from '../../core/relationships/mute'
import { setAccountNote } from '../../core/relationships/notes'
import {
  accountFollowers, accountFollowing, blockedAccounts, endorsedAccounts, incomingFollowRequests, mutedAccounts, outgoingFollowRequests,
  type AccountPage,
} from '../../core/relationships/queries'
import { relationshipTarget } from '../../core/relationships/target'
import { lookupAccountResolving } from '../../core/search/resolve'
import { ValidationError } from '../../core/errors'
import type { AccountRow } from '../../db/schema'
import type { Base } from '../base'
import { pageParams, setLink } from '../pagination'
import { renderAccount, renderAccounts } from '../render/account'
import { renderMutedAccounts } from '../render/muted-account'
import { renderRelationship, renderRelationships } from '../render/relationship'

/** At most this many ids per relationships request; clients batch their timelines' accounts. */
const MAX_RELATIONSHIP_IDS = 200

type Action = (ctx: Ctx, actorId: string, target: AccountRow, input: Record<string, unknown>) => Promise<unknown>

/** A relationship action on `:id`, answered with the resulting Relationship. */
const relationshipAction = (action: Action) =>
  async ({ ctx, params, input, user }: { ctx: Ctx; params: { id: string }; input: Record<string, unknown>; user: UserViewer }) => {
    const target = await relationshipTarget(ctx, params.id)
    await action(ctx, user.accountId, target, input)
    return renderRelationship(ctx, user.accountId, target.id)
  }

type Setter = { headers: Record<string, unknown> }

/** Renders a page of accounts with its Link header; `with_relationships` embeds Pleroma's `pleroma.relationship`. */
async function accountPage(ctx: Ctx, page: AccountPage, input: Record<string, unknown>, viewer: Viewer | null, set: Setter, request: Request) {
  setLink(set, request, ctx.config.baseUrl, page.firstKey, page.lastKey)
  return renderAccounts(ctx, page.items, viewer, { withRelationships: parseBool(input.with_relationships) ?? false })
}

const listPage = (input: Record<string, unknown>) => pageParams(input, 40, 80)

const followScopes = { scopes: ['write:follows'] }
const subscribeScopes = { scopes: ['follow', 'write:follows'] }
const blockScopes = { scopes: ['write:blocks'] }
const muteScopes = { scopes: ['write:mutes'] }
const accountScopes = { scopes: ['write:accounts'] }

export const relationshipsApi = (app: Base) =>
  app
    .get('/api/v1/accounts/relationships', async ({ ctx, input, user }) => {
      const ids = parseStringArray(input.id ?? input.ids).slice(0, MAX_RELATIONSHIP_IDS)
      return renderRelationships(ctx, user.accountId, ids)
    }, { auth: { scopes: ['read:follows'] } })
    .post('/api/v1/accounts/:id/follow', relationshipAction((ctx, actor, target, input) => followAccount(ctx, actor, target, readFollowOptions(input))),
      { auth: followScopes })
    // Pleroma: follow by address (`user@domain`, a local nickname), looked up through federation when not yet known.
    .post('/api/v1/follows', async ({ ctx, input, user }) => {
      if (typeof input.uri !== 'string' || !input.uri.trim()) throw new ValidationError('Validation failed: uri is missing')
      const account = await lookupAccountResolving(ctx, input.uri, user)
      await followAccount(ctx, user.accountId, await relationshipTarget(ctx, account.id), readFollowOptions(input))
      return renderAccount(ctx, account, user)
    }, { auth: followScopes })
    .post('/api/v1/accounts/:id/unfollow', relationshipAction((ctx, actor, target) => unfollowAccount(ctx, actor, target)), { auth: followScopes })
    .post('/api/v1/accounts/:id/remove_from_followers', relationshipAction((ctx, actor, target) => removeFromFollowers(ctx, actor, target)),
      { auth: followScopes })
    .post('/api/v1/pleroma/accounts/:id/subscribe', relationshipAction((ctx, actor, target) => setSubscription(ctx, actor, target, true)),
      { auth: subscribeScopes })
    .post('/api/v1/pleroma/accounts/:id/unsubscribe', relationshipAction((ctx, actor, target) => setSubscription(ctx, actor, target, false)),
      { auth: subscribeScopes })
    .post('/api/v1/accounts/:id/block', relationshipAction((ctx, actor, target) => blockAccount(ctx, actor, target)), { auth: blockScopes })
    .post('/api/v1/accounts/:id/unblock', relationshipAction((ctx, actor, target) => unblockAccount(ctx, actor, target)), { auth: blockScopes })
    .post('/api/v1/accounts/:id/mute', relationshipAction((ctx, actor, target, input) => muteAccount(ctx, actor, target, readMuteOptions(input))),
      { auth: muteScopes })
    .post('/api/v1/accounts/:id/unmute', relationshipAction((ctx, actor, target) => unmuteAccount(ctx, actor, target)), { auth: muteScopes })
    .post('/api/v1/accounts/:id/note', relationshipAction((ctx, actor, target, input) => setAccountNote(ctx, actor, target, input.comment)),
      { auth: accountScopes })
    .post('/api/v1/accounts/:id/pin', relationshipAction((ctx, actor, target) => endorseAccount(ctx, actor, target)), { auth: accountScopes })
    .post('/api/v1/accounts/:id/unpin', relationshipAction((ctx, actor, target) => unendorseAccount(ctx, actor, target)), { auth: accountScopes })
    .post('/api/v1/accounts/:id/endorse', relationshipAction((ctx, actor, target) => endorseAccount(ctx, actor, target)), { auth: accountScopes })
    .post('/api/v1/accounts/:id/unendorse', relationshipAction((ctx, actor, target) => unendorseAccount(ctx, actor, target)), { auth: accountScopes })

    .get('/api/v1/accounts/:id/followers', async ({ ctx, params, input, viewer, set, request }) => {
      const account = await getAccount(ctx, params.id, viewer)
      return accountPage(ctx, await accountFollowers(ctx, account, viewer, listPage(input)), input, viewer, set, request)
    }, { auth: { scopes: ['read:accounts'], optional: true } })
    .get('/api/v1/accounts/:id/following', async ({ ctx, params, input, viewer, set, request }) => {
      const account = await getAccount(ctx, params.id, viewer)
      return accountPage(ctx, await accountFollowing(ctx, account, viewer, listPage(input)), input, viewer, set, request)
    }, { auth: { scopes: ['read:accounts'], optional: true } })

    .get('/api/v1/follow_requests', async ({ ctx, input, user, set, request }) =>
      accountPage(ctx, await incomingFollowRequests(ctx, user, listPage(input)), input, user, set, request),
      { auth: { scopes: ['read:follows'] } })
    .get('/api/v1/pleroma/outgoing_follow_requests', async ({ ctx, input, user, set, request }) =>
      accountPage(ctx, await outgoingFollowRequests(ctx, user, listPage(input)), input, user, set, request),
      { auth: { scopes: ['follow', 'read:follows'] } })
    .post('/api/v1/follow_requests/:id/authorize', async ({ ctx, params, user }) => {
      const requester = await authorizeFollowRequest(ctx, user.accountId, params.id)
      return renderRelationship(ctx, user.accountId, requester.id)
    }, { auth: followScopes })
    .post('/api/v1/follow_requests/:id/reject', async ({ ctx, params, user }) => {
      const requester = await rejectFollowRequest(ctx, user.accountId, params.id)
      return renderRelationship(ctx, user.accountId, requester.id)
    }, { auth: followScopes })

    .get('/api/v1/blocks', async ({ ctx, input, user, set, request }) =>
      accountPage(ctx, await blockedAccounts(ctx, user, listPage(input)), input, user, set, request),
      { auth: { scopes: ['read:blocks'] } })
    .get('/api/v1/mutes', async ({ ctx, input, user, set, request }) => {
      const page = await mutedAccounts(ctx, user, listPage(input))
      setLink(set, request, ctx.config.baseUrl, page.firstKey, page.lastKey)
      return renderMutedAccounts(ctx, page.items, user, { withRelationships: parseBool(input.with_relationships) ?? false })
    }, { auth: { scopes: ['read:mutes'] } })

    .get('/api/v1/domain_blocks', async ({ ctx, input, user, set, request }) => {
      const page = await listDomainBlocks(ctx, user.accountId, pageParams(input, 100, 200))
      setLink(set, request, ctx.config.baseUrl, page.firstKey, page.lastKey)
      return page.domains
    }, { auth: { scopes: ['read:blocks'] } })
    .post('/api/v1/domain_blocks', async ({ ctx, input, user }) => {
      await blockDomain(ctx, user.accountId, input.domain)
      return {}
    }, { auth: blockScopes })
    .delete('/api/v1/domain_blocks', async ({ ctx, input, user }) => {
      await unblockDomain(ctx, user.accountId, input.domain)
      return {}
    }, { auth: blockScopes })

    .get('/api/v1/endorsements', async ({ ctx, input, user, set, request }) =>
      accountPage(ctx, await endorsedAccounts(ctx, user.accountId, user, listPage(input)), input, user, set, request),
      { auth: { scopes: ['read:accounts'] } })
    .get('/api/v1/accounts/:id/endorsements', async ({ ctx, params, input, viewer, set, request }) => {
      const account = await getAccount(ctx, params.id, viewer)
      return accountPage(ctx, await endorsedAccounts(ctx, account.id, viewer, listPage(input)), input, viewer, set, request)
    }, { auth: { scopes: ['read:accounts'], optional: true } })
    .get('/api/v1/pleroma/accounts/:id/endorsements', async ({ ctx, params, input, viewer, set, request }) => {
      const account = await getAccount(ctx, params.id, viewer)
      return accountPage(ctx, await endorsedAccounts(ctx, account.id, viewer, listPage(input)), input, viewer, set, request)
    }, { auth: { scopes: ['read:accounts'], optional: true } })
