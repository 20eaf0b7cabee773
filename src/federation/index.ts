import { createFederation, importJwk, type Context, type Federation } from '@fedify/fedify'
import {
  Accept, Add, Announce, Application, Block, Create, Delete, Emoji, EmojiReact, Endpoints, Flag, Follow, Image, Like, Listen, Move, Person, PropertyValue, PUBLIC_COLLECTION, Reject, Remove,
  Service, Undo, Update, type Recipient,
} from '@fedify/vocab'
import type { Ctx } from '../core/context'
import { findAccountById, findAccountByUri, findLocalActor, findLocalSigner, findRemoteActor, followUris } from '../core/federation/actors'
import { loadEmojisFor, shortcodesIn } from '../core/emoji/queries'
import { actorKeys, INSTANCE_KEY_OWNER } from '../core/federation/keys'
import type { ActorDeletion, PublishEvent } from '../core/federation/publish'
import { ForbiddenError } from '../core/errors'
import { acceptOutgoingFollow, followAccount, rejectOutgoingFollow, unfollowAccount, type OutgoingFollow } from '../core/relationships/follow'
import { eq } from 'drizzle-orm'
import { users, type AccountRow } from '../db/schema'
import { withChatCapability } from './capabilities'
import { fetchAuthorized } from './authorized-fetch'
import { DELIVERY_RETRY_POLICY, deliverStatusEvent, isStatusEvent, noteDeliveryError } from './deliver'
import { deliverChatEvent, isChatEvent } from './chats'
import { DrizzleKvStore } from './kv'
import { registerStatusDispatchers } from './objects'
import { limitedLoaderFactories } from './loader'
import { federationQueues } from './queue'
import { storeRemoteActor } from './mapping'
import { onCreate, onDelete, onUpdate } from './inbox/activities'
import { deliverInteractionEvent, isInteractionEvent, onAnnounce, onLike, undoAnnounce, undoLike } from './interactions'
import { deliveryTargets } from '../core/federation/statuses'
import { deliverPollEvent, isPollEvent } from './polls'
import { onMove, sendMove } from './moves'
import { deliverPinEvent, isPinEvent, onFeaturedChange } from './pins'
import { deliverReactionEvent, isReactionEvent, onReaction, undoReaction, undoReactionById } from './reactions'
import { deliverModerationEvent, isModerationEvent, onBlock, onFlag, undoBlock } from './moderation'
import { onListen, sendListen } from './listens'

/** The instance actor's identifier; not a valid nickname (no leading underscores are made by registration). */
export const INSTANCE_ACTOR = INSTANCE_KEY_OWNER

const { Temporal } = globalThis as any
const instant = (d: Date) => Temporal.Instant.from(d.toISOString())

/** Builds the ActivityPub side of one instance; one per Ctx, so two instances can run in one process. */
export function buildFederation(ctx: Ctx): Federation<Ctx> {
  const queues = ctx.jobs ? federationQueues(
    ctx.jobs, ctx.config.federation.retryDelaySeconds, ctx.config.federation.deliveryConcurrency, ctx.config.federation.inboxConcurrency,
  ) : undefined
  const kv = new DrizzleKvStore(ctx.db)
  const federation = createFederation<Ctx>({
    kv,
    // Sending side only: the workers listen on these queues themselves (workers.ts).
    queue: queues,
    outboxRetryPolicy: DELIVERY_RETRY_POLICY,
    onOutboxError: noteDeliveryError,
    // Failing hosts are tracked in `unavailable_domains` (outbox.ts), which needs each attempt's real outcome.
    circuitBreaker: false,
    manuallyStartQueue: true,
    // Private addresses, time, size and redirect limits on every fetch (see loader.ts).
    ...limitedLoaderFactories(kv, { allowPrivate: ctx.config.federation.allowPrivate, userAgent: { software: 'Rookery', url: new URL(ctx.config.baseUrl) } }),
    // Pleroma and Pixelfed answer 200 to RFC 9421 signatures they cannot check, so a 9421 first knock is lost there.
    firstKnock: 'draft-cavage-http-signatures-12',
  })

  federation
    .setActorDispatcher('/users/{identifier}', async (c, identifier) => {
      if (identifier === INSTANCE_ACTOR) return instanceActor(c)
      const account = await findLocalActor(ctx, identifier)
      if (!account) return null
      // In authorized-fetch mode an unsigned request still gets the key, which verifying this actor's signatures needs.
      return (await fetchAuthorized(c)) ? localActor(c, account) : keyOnlyActor(c, account)
    })
    .mapActorAlias('/actor', INSTANCE_ACTOR)
    // A deleted account still signs its own Delete, so the signer is any local account, not only a served actor.
    .setKeyPairsDispatcher(async (_c, identifier) => {
      const owner = identifier === INSTANCE_ACTOR ? INSTANCE_ACTOR : (await findLocalSigner(ctx, identifier))?.id
      if (!owner) return []
      const keys = await actorKeys(ctx.db, owner)
      return [
        { publicKey: await importJwk(keys.rsaPublic, 'public'), privateKey: await importJwk(keys.rsaPrivate, 'private') },
        { publicKey: await importJwk(keys.ed25519Public, 'public'), privateKey: await importJwk(keys.ed25519Private, 'private') },
      ]
    })

  const collection = (direction: 'followers' | 'following') => ({
    counter: async (_c: Context<Ctx>, identifier: string) => {
      const account = await findLocalActor(ctx, identifier)
      if (!account || (direction === 'followers' ? account.hideFollowersCount : account.hideFollowsCount)) return null
      return direction === 'followers' ? account.followersCount : account.followingCount
    },
    firstCursor: async (_c: Context<Ctx>, identifier: string) => {
      const account = await findLocalActor(ctx, identifier)
      return account && !(direction === 'followers' ? account.hideFollowers : account.hideFollows) ? '' : null
    },
    page: async (identifier: string, cursor: string | null) => {
      const account = await findLocalActor(ctx, identifier)
      if (!account) return null
      // hidden lists: only the count (when not hidden too) is shown, as Mastodon does
      if ((direction === 'followers' ? account.hideFollowers : account.hideFollows) || cursor === null) return { actors: [], next: null }
      return followUris(ctx, account.id, direction, cursor || null)
    },
  })

  const followers = collection('followers')
  federation
    .setFollowersDispatcher('/users/{identifier}/followers', async (_c, identifier, cursor) => {
      const page = await followers.page(identifier, cursor)
      if (!page) return null
      const items: Recipient[] = page.actors.map((a) => ({
        id: new URL(a.uri),
        inboxId: a.inboxUrl ? new URL(a.inboxUrl) : null,
        endpoints: a.sharedInboxUrl ? { sharedInbox: new URL(a.sharedInboxUrl) } : null,
      }))
      return { items, nextCursor: page.next }
    })
    .setCounter(followers.counter)
    .setFirstCursor(followers.firstCursor)
    .authorize(fetchAuthorized)

  const following = collection('following')
  federation
    .setFollowingDispatcher('/users/{identifier}/following', async (_c, identifier, cursor) => {
      const page = await following.page(identifier, cursor)
      return page ? { items: page.actors.map((a) => new URL(a.uri)), nextCursor: page.next } : null
    })
    .setCounter(following.counter)
    .setFirstCursor(following.firstCursor)
    .authorize(fetchAuthorized)

  registerStatusDispatchers(federation, ctx)

  federation
    .setInboxListeners('/users/{identifier}/inbox', '/inbox')
    .setSharedKeyDispatcher(() => ({ identifier: INSTANCE_ACTOR }))
    .on(Follow, async (c, follow) => {
      if (!follow.id || !follow.objectId) return
      const parsed = c.parseUri(follow.objectId)
      if (parsed?.type !== 'actor' || parsed.identifier === INSTANCE_ACTOR) return
      const target = await findLocalActor(ctx, parsed.identifier)
      if (!target) return
      const follower = await storeRemoteActor(c, await follow.getActor(c))
      if (!follower) return
      try {
        await followAccount(ctx, follower.id, target, { uri: follow.id.href })
      } catch (e) {
        if (!(e instanceof ForbiddenError)) throw e
        await sendFollowAnswer(c, { type: 'follow.reject', actorId: target.id, followerId: follower.id, followUri: follow.id.href })
      }
    })
    .on(Undo, async (c, undo) => {
      const object = await undo.getObject(c).catch(() => null)
      // An Undo naming an activity that cannot be fetched (Pleroma's name their reaction by id) still undoes it.
      if (!object) return undoReactionById(c, undo)
      if (object instanceof Like) return undoLike(c, undo, object)
      if (object instanceof Announce) return undoAnnounce(c, undo, object)
      if (object instanceof EmojiReact) return undoReaction(c, undo, object)
      if (object instanceof Block) return undoBlock(c, undo, object)
      if (!(object instanceof Follow) || !object.objectId || !undo.actorId) return
      // Only the follower may take its Follow back.
      if (object.actorId?.href !== undo.actorId.href) return
      const parsed = c.parseUri(object.objectId)
      if (parsed?.type !== 'actor') return
      const [target, follower] = await Promise.all([findLocalActor(ctx, parsed.identifier), findAccountByUri(ctx, undo.actorId.href)])
      if (target && follower && follower.domain) await unfollowAccount(ctx, follower.id, target)
    })
    .on(Accept, async (c, accept) => {
      const answered = await answeredFollow(c, accept)
      if (answered) await acceptOutgoingFollow(ctx, answered.targetId, answered.which)
    })
    .on(Reject, async (c, reject) => {
      const answered = await answeredFollow(c, reject)
      if (answered) await rejectOutgoingFollow(ctx, answered.targetId, answered.which)
    })
    .on(Like, onLike)
    .on(EmojiReact, async (c, react) => { await onReaction(c, react) })
    .on(Block, onBlock)
    .on(Move, onMove)
    .on(Add, onFeaturedChange)
    .on(Remove, onFeaturedChange)
    .on(Flag, onFlag)
    .on(Announce, onAnnounce)
    .on(Create, onCreate)
    .on(Update, onUpdate)
    .on(Delete, onDelete)
    .on(Listen, onListen)

  /**
   * The local account's Follow that a remote Accept or Reject answers, by the Follow's id, or by its local actor
   * when the answer embeds a Follow with another id. Only the followed account may answer.
   */
  async function answeredFollow(c: Context<Ctx>, answer: Accept | Reject): Promise<{ targetId: string; which: OutgoingFollow } | null> {
    if (!answer.actorId || !answer.objectId) return null
    const target = await findAccountByUri(ctx, answer.actorId.href)
    if (!target?.domain) return null
    // Follows sent from here have ids here: found by id, with no request to dereference them.
    if (answer.objectId.origin === new URL(ctx.config.baseUrl).origin) return { targetId: target.id, which: { uri: answer.objectId.href } }
    const object = await answer.getObject({ documentLoader: c.documentLoader, contextLoader: c.contextLoader, suppressError: true }).catch(() => null)
    if (object instanceof Follow && object.objectId && object.objectId.href !== target.uri) return null
    const own = object instanceof Follow && object.actorId ? c.parseUri(object.actorId) : null
    if (own?.type === 'actor') {
      const follower = await findLocalActor(ctx, own.identifier)
      if (follower) return { targetId: target.id, which: { followerId: follower.id } }
    }
    return { targetId: target.id, which: { uri: answer.objectId.href } }
  }

  return federation
}

async function instanceActor(c: Context<Ctx>) {
  const keys = await c.getActorKeyPairs(INSTANCE_ACTOR)
  return new Application({
    id: c.getActorUri(INSTANCE_ACTOR),
    preferredUsername: c.data.config.domain,
    name: c.data.config.instance.name,
    inbox: c.getInboxUri(INSTANCE_ACTOR),
    outbox: c.getOutboxUri(INSTANCE_ACTOR),
    endpoints: new Endpoints({ sharedInbox: c.getInboxUri() }),
    manuallyApprovesFollowers: true,
    publicKey: keys[0]?.cryptographicKey,
    assertionMethods: keys.map((k) => k.multikey),
  })
}

async function localActor(c: Context<Ctx>, account: AccountRow) {
  const identifier = account.username
  const [keys, movedTo, emojis, acceptsChats] = await Promise.all([
    c.getActorKeyPairs(identifier),
    account.movedToId ? findAccountById(c.data, account.movedToId) : null,
    actorEmojis(c.data, account),
    acceptsChatMessages(c.data, account.id),
  ])
  const Type = account.bot || account.actorType === 'Service' ? Service : Person
  return withChatCapability(new Type({
    id: c.getActorUri(identifier),
    preferredUsername: account.username,
    name: account.displayName || null,
    summary: account.note || null,
    url: account.url ? new URL(account.url) : null,
    published: instant(account.createdAt),
    inbox: c.getInboxUri(identifier),
    outbox: c.getOutboxUri(identifier),
    followers: c.getFollowersUri(identifier),
    following: c.getFollowingUri(identifier),
    featured: c.getFeaturedUri(identifier),
    featuredTags: c.getFeaturedTagsUri(identifier),
    endpoints: new Endpoints({ sharedInbox: c.getInboxUri() }),
    manuallyApprovesFollowers: account.locked,
    discoverable: account.discoverable,
    indexable: account.indexable,
    aliases: account.alsoKnownAs.map((u) => new URL(u)),
    icon: account.avatarUrl ? new Image({ url: new URL(account.avatarUrl, c.data.config.baseUrl) }) : null,
    image: account.headerUrl ? new Image({ url: new URL(account.headerUrl, c.data.config.baseUrl) }) : null,
    attachments: account.fields.map((f) => new PropertyValue({ name: f.name, value: f.value })),
    successor: movedTo?.uri ? new URL(movedTo.uri) : null,
    tags: emojis.map((e) => new Emoji({
      id: new URL(`/emojis/${encodeURIComponent(e.shortcode)}`, c.data.config.baseUrl),
      name: `:${e.shortcode}:`,
      icon: new Image({ url: new URL(e.url, c.data.config.baseUrl) }),
    })),
    publicKey: keys[0]?.cryptographicKey,
    assertionMethods: keys.map((k) => k.multikey),
  }), acceptsChats)
}

async function acceptsChatMessages(ctx: Ctx, accountId: string): Promise<boolean> {
  const [user] = await ctx.db.select({ accepts: users.acceptsChatMessages }).from(users).where(eq(users.accountId, accountId)).limit(1)
  return user?.accepts ?? false
}

/** The instance's custom emoji written in an account's name, bio and fields, for the actor's `tag`. */
async function actorEmojis(ctx: Ctx, account: AccountRow) {
  const shortcodes = shortcodesIn(account.displayName, account.noteSource, ...account.fields.flatMap((f) => [f.name, f.value]))
  if (!shortcodes.length) return []
  return (await loadEmojisFor(ctx.db, ctx.config.baseUrl, [{ key: account.id, domain: null, shortcodes }])).get(account.id) ?? []
}

/** What an unsigned request gets of an actor in authorized-fetch mode: its name, inbox and keys, no profile. */
async function keyOnlyActor(c: Context<Ctx>, account: AccountRow) {
  const identifier = account.username
  const keys = await c.getActorKeyPairs(identifier)
  const Type = account.bot || account.actorType === 'Service' ? Service : Person
  return new Type({
    id: c.getActorUri(identifier),
    preferredUsername: account.username,
    inbox: c.getInboxUri(identifier),
    endpoints: new Endpoints({ sharedInbox: c.getInboxUri() }),
    publicKey: keys[0]?.cryptographicKey,
    assertionMethods: keys.map((k) => k.multikey),
  })
}

async function recipientOf(ctx: Ctx, accountId: string): Promise<Recipient | null> {
  const remote = await findRemoteActor(ctx, accountId)
  if (!remote?.account.uri) return null
  return {
    id: new URL(remote.account.uri),
    inboxId: new URL(remote.endpoints.inboxUrl),
    endpoints: remote.endpoints.sharedInboxUrl ? { sharedInbox: new URL(remote.endpoints.sharedInboxUrl) } : null,
  }
}

/** Sends a local account's Follow of a remote one, or its Undo. */
async function sendFollow(c: Context<Ctx>, event: Extract<PublishEvent, { type: 'follow' | 'follow.undo' }>) {
  const [actor, recipient] = await Promise.all([findAccountById(c.data, event.actorId), recipientOf(c.data, event.targetId)])
  if (!actor || actor.domain || !recipient) return
  const actorUri = c.getActorUri(actor.username)
  const follow = new Follow({ id: new URL(event.followUri), actor: actorUri, object: recipient.id })
  const activity = event.type === 'follow'
    ? follow
    : new Undo({ id: new URL(`${event.followUri}#undo`), actor: actorUri, to: recipient.id, object: follow })
  await c.sendActivity({ identifier: actor.username }, recipient, activity)
}

/** Sends a local account's changed profile to its remote followers, through their shared inboxes. */
async function sendActorUpdate(c: Context<Ctx>, accountId: string) {
  const account = await findAccountById(c.data, accountId)
  if (!account || account.domain || account.suspendedAt || account.deletedAt) return
  const targets = await deliveryTargets(c.data, account.id, 'public', [])
  if (!targets.followers.length) return
  const actor = await localActor(c, account)
  const update = new Update({
    id: new URL(`${actor.id!.href}#updates/${new Date(account.updatedAt).getTime()}`),
    actor: actor.id,
    to: PUBLIC_COLLECTION,
    cc: c.getFollowersUri(account.username),
    updated: instant(new Date(account.updatedAt)),
    object: actor,
  })
  const recipients = targets.followers.map((t): Recipient => ({
    id: new URL(t.uri),
    inboxId: new URL(t.inboxUrl),
    endpoints: t.sharedInboxUrl ? { sharedInbox: new URL(t.sharedInboxUrl) } : null,
  }))
  await c.sendActivity({ identifier: account.username }, recipients, update, {
    preferSharedInbox: true, excludeBaseUris: [new URL(c.data.config.baseUrl)],
  })
}

/** Sends a deleted local account's Delete of itself to the inboxes that knew it, signed with its own key. */
async function sendActorDelete(c: Context<Ctx>, event: ActorDeletion) {
  const actor = c.getActorUri(event.username)
  const del = new Delete({ id: new URL(`${actor.href}#delete`), actor, object: actor, to: PUBLIC_COLLECTION })
  const recipients = event.inboxes.map((t): Recipient => ({
    id: new URL(t.uri),
    inboxId: new URL(t.inboxUrl),
    endpoints: t.sharedInboxUrl ? { sharedInbox: new URL(t.sharedInboxUrl) } : null,
  }))
  await c.sendActivity({ identifier: event.username }, recipients, del, { preferSharedInbox: true, excludeBaseUris: [new URL(c.data.config.baseUrl)] })
}

/** Sends the Accept or Reject of a remote Follow. */
async function sendFollowAnswer(c: Context<Ctx>, event: Extract<PublishEvent, { type: 'follow.accept' | 'follow.reject' }>) {
  const ctx = c.data
  const [actor, follower] = await Promise.all([
    findAccountById(ctx, event.actorId),
    findRemoteActor(ctx, event.followerId),
  ])
  if (!actor || actor.domain || !follower?.account.uri) return
  const actorUri = c.getActorUri(actor.username)
  const recipient: Recipient = {
    id: new URL(follower.account.uri),
    inboxId: new URL(follower.endpoints.inboxUrl),
    endpoints: follower.endpoints.sharedInboxUrl ? { sharedInbox: new URL(follower.endpoints.sharedInboxUrl) } : null,
  }
  const follow = new Follow({ id: new URL(event.followUri), actor: recipient.id, object: actorUri })
  const Answer = event.type === 'follow.accept' ? Accept : Reject
  const answer = new Answer({
    id: new URL(`${actorUri.href}#${event.type === 'follow.accept' ? 'accepts' : 'rejects'}/follows/${encodeURIComponent(event.followUri)}`),
    actor: actorUri,
    to: recipient.id,
    object: follow,
  })
  await c.sendActivity({ identifier: actor.username }, recipient, answer)
}

const federations = new WeakMap<Ctx, Federation<Ctx>>()

/** The federation of a context, built on first use. */
export function federationFor(ctx: Ctx): Federation<Ctx> {
  let federation = federations.get(ctx)
  if (!federation) federations.set(ctx, (federation = buildFederation(ctx)))
  return federation
}

/** A Fedify context for work outside a request (jobs), on the instance's stored base URL. */
export function federationContext(ctx: Ctx): Context<Ctx> {
  return federationFor(ctx).createContext(new URL(ctx.config.baseUrl), ctx)
}

/** Sends what a core action published (a status, a chat message, an interaction, a profile, a follow or its answer). */
export async function publish(ctx: Ctx, event: PublishEvent): Promise<void> {
  const c = federationContext(ctx)
  if (isStatusEvent(event)) await deliverStatusEvent(c, event)
  else if (isChatEvent(event)) await deliverChatEvent(c, event)
  else if (isInteractionEvent(event)) await deliverInteractionEvent(c, event)
  else if (event.type === 'move') await sendMove(c, event)
  else if (isPinEvent(event)) await deliverPinEvent(c, event)
  else if (isPollEvent(event)) await deliverPollEvent(c, event)
  else if (isReactionEvent(event)) await deliverReactionEvent(c, event)
  else if (isModerationEvent(event)) await deliverModerationEvent(c, event)
  else if (event.type === 'actor.delete') await sendActorDelete(c, event)
  else if (event.type === 'actor.update') await sendActorUpdate(c, event.accountId)
  else if (event.type === 'scrobble.create') await sendListen(c, event.scrobbleId)
  else if ('targetId' in event) await sendFollow(c, event)
  else await sendFollowAnswer(c, event)
}

export { startFederationWorkers } from './workers'
