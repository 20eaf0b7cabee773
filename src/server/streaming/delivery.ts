import { getCurrentAnnouncement, reactionCount } from '../../core/announcements/announcements'
import type { Ctx } from '../../core/context'
import type { StreamEvent } from '../../core/events'
import { applyHideFilters } from '../../core/filters/match'
import { getNotificationsByIds } from '../../core/notifications/queries'
import {
  accountSummary, followersAmong, homeFeedOwners, tagFollowersAmong, listsShowing, listsWithMember, loadStatusFacts, participationsIn,
  viewersWhoMayHearOfDeletion, viewersWhoMaySee, type StatusFacts,
} from '../../core/streaming/audience'
import type { FilterContext } from '../../db/schema'
import { renderAnnouncement } from '../render/announcement'
import { chatsByIds } from '../../core/chats/chats'
import { renderChat } from '../render/chat'
import { renderConversation } from '../render/conversation'
import { renderNotification } from '../render/notification'
import { renderStatusForViewers } from '../render/status'
import type { StreamConnection } from './connection'
import { canReadChats, canReadNotifications, type StreamName, type Subscription } from './streams'

/** One subscription of one connection that an event may go to. */
interface Target {
  connection: StreamConnection
  subscription: Subscription
}

const STATUS_STREAMS: StreamName[] = [
  'public', 'public:media', 'public:local', 'public:local:media', 'public:remote', 'public:remote:media',
  'hashtag', 'hashtag:local', 'list', 'direct', 'user',
]

/** The filter context of a stream, for `hide` filters (as the matching timeline applies them). */
const filterContext = (name: StreamName): FilterContext => (name.startsWith('public') || name.startsWith('hashtag') ? 'public' : 'home')

function targetsOf(connections: Iterable<StreamConnection>, accepts: (connection: StreamConnection, subscription: Subscription) => boolean): Target[] {
  const targets: Target[] = []
  for (const connection of connections) {
    for (const subscription of connection.subscriptions.values()) {
      if (accepts(connection, subscription)) targets.push({ connection, subscription })
    }
  }
  return targets
}

/** One frame to write: an event on one subscription of one connection. */
export interface Outgoing {
  target: Target
  event: string
  payload?: string
}

/** Collects an event's frames while it is prepared; they are written later, in the order events were committed. */
type Send = (target: Target, event: string, payload?: string) => void

const viewerKey = (t: Target) => t.connection.accountId ?? ''

/** How many viewers' renderings of one event run at once (each is a few queries on the shared pool). */
const RENDER_CONCURRENCY = 8

/**
 * Renders once per distinct viewer of the targets, several at a time: for events that concern one account (its
 * notifications, chats, conversations) and for announcements. Statuses, which go to many viewers, are rendered
 * for all of them with one bundle instead (`renderStatusForViewers`).
 */
async function renderPerViewer<T>(targets: Target[], render: (connection: StreamConnection) => Promise<T | null>): Promise<Map<string, T | null>> {
  const viewers = new Map<string, StreamConnection>()
  for (const target of targets) if (!viewers.has(viewerKey(target))) viewers.set(viewerKey(target), target.connection)
  const queue = [...viewers]
  const rendered = new Map<string, T | null>()
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) rendered.set(next[0], await render(next[1]))
  }
  await Promise.all(Array.from({ length: Math.min(RENDER_CONCURRENCY, queue.length) }, worker))
  return rendered
}

/** What deciding on the public and hashtag streams takes; known for live statuses and carried by `delete` events. */
interface PublicFacts {
  visibility: string
  reblog: boolean
  local: boolean
  hasMedia: boolean
  tags: string[]
  authorDomain: string | null
}

const publicFactsOf = (f: StatusFacts): PublicFacts => ({
  visibility: f.row.visibility, reblog: !!f.row.reblogOfId, local: f.row.local, hasMedia: f.hasMedia, tags: f.tags, authorDomain: f.authorDomain,
})

/** What the public and hashtag streams show: public (and local-only) statuses, never reblogs, as the public timelines. */
function onPublicStream(subscription: Subscription, facts: PublicFacts): boolean {
  if (!['public', 'local'].includes(facts.visibility) || facts.reblog) return false
  const name = subscription.name
  if (name.endsWith(':media') && !facts.hasMedia) return false
  if ((name.startsWith('public:local') || name === 'hashtag:local') && !facts.local) return false
  if (name.startsWith('public:remote')) {
    if (facts.local) return false
    if (subscription.instance && facts.authorDomain?.toLowerCase() !== subscription.instance) return false
  }
  if (name.startsWith('hashtag')) return facts.tags.includes(subscription.tag!)
  return true
}

/**
 * `update` and `status.update`: public and hashtag streams by their timeline's rules, `user` when the status entered
 * the viewer's home feed, `list` when the list shows it, `direct` for direct statuses; then, for every viewer at once,
 * the visibility rule and the viewer's blocks and mutes. Each viewer gets the status rendered for them.
 */
async function deliverStatus(
  ctx: Ctx, connections: Iterable<StreamConnection>, statusId: string, event: 'update' | 'status.update', send: Send, feeds?: 'author' | 'others',
) {
  // A job's fan-out event is for the home streams alone: the rest heard of the status when it was made.
  const targets = targetsOf(connections, (_, s) => (feeds === 'others' ? s.name === 'user' : STATUS_STREAMS.includes(s.name)))
  if (!targets.length) return
  const facts = await loadStatusFacts(ctx, statusId)
  if (!facts) return
  const author = facts.row.accountId
  const candidates = targets.filter(({ connection, subscription: s }) => {
    if (s.name === 'user') return feeds === 'author' ? connection.accountId === author : feeds === 'others' ? connection.accountId !== author : true
    if (s.name === 'list') return true
    if (s.name === 'direct') return facts.row.visibility === 'direct'
    return onPublicStream(s, publicFactsOf(facts))
  })
  const userTargets = candidates.filter((t) => t.subscription.name === 'user')
  const listTargets = candidates.filter((t) => t.subscription.name === 'list')
  const [feedOwners, shownInLists] = await Promise.all([
    userTargets.length ? homeFeedOwners(ctx, statusId, userTargets.map((t) => t.connection.accountId!)) : new Set<string>(),
    listTargets.length ? listsShowing(ctx, statusId, listTargets.map((t) => t.subscription.listId!)) : new Set<string>(),
  ])
  const matched = candidates.filter(({ connection, subscription }) => {
    if (subscription.name === 'user') return feedOwners.has(connection.accountId!)
    if (subscription.name === 'list') return shownInLists.has(subscription.listId!)
    return true
  })
  if (!matched.length) return
  const allowed = await viewersWhoMaySee(ctx, statusId, matched.map((t) => t.connection.accountId))
  const recipients = matched.filter((t) => allowed.has(t.connection.accountId))
  const viewers = [...new Map(recipients.map((t) => [viewerKey(t), t.connection.viewer])).entries()]
  const entities = await renderStatusForViewers(ctx, facts.row, viewers.map(([, viewer]) => viewer))
  const rendered = new Map(viewers.map(([key], i) => [key, { entity: entities[i], json: JSON.stringify(entities[i]) }]))
  for (const target of recipients) {
    const { entity, json } = rendered.get(viewerKey(target))!
    if (!applyHideFilters([entity], filterContext(target.subscription.name)).length) continue
    send(target, event, json)
  }
}

type DeleteEvent = Extract<StreamEvent, { type: 'delete' }>

/**
 * `delete`: to the streams that showed (or may have shown) the status, for viewers who could have seen it. The row is
 * gone, so stream matching uses the facts the event carries and `user` means "would have entered the home feed":
 * the author, mentioned accounts, followers, followers of its hashtags and, for list posts, the list's members.
 */
async function deliverDelete(ctx: Ctx, connections: Iterable<StreamConnection>, event: DeleteEvent, send: Send) {
  const targets = targetsOf(connections, (_, s) => STATUS_STREAMS.includes(s.name))
  if (!targets.length) return
  const needsDomain = targets.some((t) => t.subscription.instance)
  const domain = needsDomain ? (await accountSummary(ctx, event.accountId))?.domain ?? null : null
  const facts: PublicFacts = { visibility: event.visibility, reblog: event.reblog, local: event.local, hasMedia: event.media, tags: event.tags, authorDomain: domain }
  const userTargets = targets.filter((t) => t.subscription.name === 'user')
  const listTargets = targets.filter((t) => t.subscription.name === 'list')
  const tagged = !event.reblog && ['public', 'local'].includes(event.visibility) && event.tags.length > 0
  const [followers, listsOfAuthor, tagFollowers] = await Promise.all([
    userTargets.length ? followersAmong(ctx, event.accountId, userTargets.map((t) => t.connection.accountId!)) : new Set<string>(),
    listTargets.length ? listsWithMember(ctx, event.accountId, listTargets.map((t) => t.subscription.listId!)) : new Set<string>(),
    userTargets.length && tagged ? tagFollowersAmong(ctx, event.tags, userTargets.map((t) => t.connection.accountId!)) : new Set<string>(),
  ])
  const matched = targets.filter(({ connection, subscription: s }) => {
    const viewer = connection.accountId
    switch (s.name) {
      case 'user':
        return viewer === event.accountId || event.mentions.includes(viewer!) || event.visibility === 'list'
          || (event.visibility !== 'direct' && followers.has(viewer!)) || tagFollowers.has(viewer!)
      case 'list': return listsOfAuthor.has(s.listId!)
      case 'direct': return event.visibility === 'direct'
      default: return onPublicStream(s, facts)
    }
  })
  if (!matched.length) return
  const allowed = await viewersWhoMayHearOfDeletion(ctx, event, matched.map((t) => t.connection.accountId))
  for (const target of matched) {
    if (allowed.has(target.connection.accountId)) send(target, 'delete', event.statusId)
  }
}

/** `notification`: to the recipient's `user:notification` stream, and `user` when the token may read notifications. */
async function deliverNotification(ctx: Ctx, connections: Iterable<StreamConnection>, event: Extract<StreamEvent, { type: 'notification' }>, send: Send) {
  const targets = targetsOf(connections, (c, s) => c.accountId === event.accountId
    && (s.name === 'user:notification' || (s.name === 'user' && canReadNotifications(c.viewer))))
  if (!targets.length) return
  const [row] = await getNotificationsByIds(ctx, event.accountId, [event.notificationId])
  if (!row) return
  const rendered = await renderPerViewer(targets, (connection) => renderNotification(ctx, row, connection.viewer!))
  for (const target of targets) {
    const entity = rendered.get(viewerKey(target))
    if (!entity || !applyHideFilters([entity], 'notifications', (n) => n.status).length) continue
    send(target, 'notification', JSON.stringify(entity))
  }
}

/** `conversation`: each participant's updated Conversation, on their `direct` stream. */
async function deliverConversation(ctx: Ctx, connections: Iterable<StreamConnection>, event: Extract<StreamEvent, { type: 'conversation' }>, send: Send) {
  const targets = targetsOf(connections, (c, s) => s.name === 'direct' && event.accountIds.includes(c.accountId!))
  if (!targets.length) return
  const participations = await participationsIn(ctx, event.conversationId, targets.map((t) => t.connection.accountId!))
  const rendered = await renderPerViewer(targets, async (connection) => {
    const participation = participations.get(connection.accountId!)
    return participation ? renderConversation(ctx, participation, connection.viewer!) : null
  })
  for (const target of targets) {
    const entity = rendered.get(viewerKey(target))
    if (entity) send(target, 'conversation', JSON.stringify(entity))
  }
}

/** Pleroma's `pleroma:chat_update`: the owner's Chat, on their `user:pleroma_chat` and `user` streams when the token may read chats. */
async function deliverChatUpdate(ctx: Ctx, connections: Iterable<StreamConnection>, event: Extract<StreamEvent, { type: 'chat_update' }>, send: Send) {
  const targets = targetsOf(connections, (c, s) => c.accountId === event.accountId
    && (s.name === 'user:pleroma_chat' || s.name === 'user') && canReadChats(c.viewer))
  if (!targets.length) return
  const [chat] = await chatsByIds(ctx.db, [event.chatId])
  if (!chat || chat.accountId !== event.accountId) return
  const rendered = await renderPerViewer(targets, async (connection) => (await renderChat(ctx, chat, connection.viewer!)) ?? null)
  for (const target of targets) {
    const entity = rendered.get(viewerKey(target))
    if (entity) send(target, 'pleroma:chat_update', JSON.stringify(entity))
  }
}

/** Pleroma's `pleroma:follow_relationships_update`, on the follower's `user` stream, with both accounts' counts. */
async function deliverFollowRelationship(ctx: Ctx, connections: Iterable<StreamConnection>, event: Extract<StreamEvent, { type: 'follow_relationships_update' }>, send: Send) {
  const targets = targetsOf(connections, (c, s) => c.accountId === event.followerId && s.name === 'user')
  if (!targets.length) return
  const [follower, following] = await Promise.all([accountSummary(ctx, event.followerId), accountSummary(ctx, event.followingId)])
  if (!follower || !following) return
  const counts = (a: NonNullable<typeof follower>) => ({ id: a.id, follower_count: a.followersCount, following_count: a.followingCount })
  const payload = JSON.stringify({ follower: counts(follower), following: counts(following), state: event.state })
  for (const target of targets) send(target, 'pleroma:follow_relationships_update', payload)
}

/** Announcements go to the `user` stream of every signed-in connection. */
async function deliverAnnouncement(ctx: Ctx, connections: Iterable<StreamConnection>, event: Extract<StreamEvent, { type: `announcement${string}` }>, send: Send) {
  const targets = targetsOf(connections, (c, s) => !!c.accountId && s.name === 'user')
  if (!targets.length) return
  if (event.type === 'announcement.delete') {
    for (const t of targets) send(t, 'announcement.delete', event.announcementId)
    return
  }
  if (event.type === 'announcement.reaction') {
    const { count, url } = await reactionCount(ctx.db, event.announcementId, event.name)
    const payload = JSON.stringify({ name: event.name, count, announcement_id: event.announcementId, ...(url ? { url, static_url: url } : {}) })
    for (const t of targets) send(t, 'announcement.reaction', payload)
    return
  }
  const row = await getCurrentAnnouncement(ctx.db, event.announcementId).catch(() => null)
  if (!row) return
  const rendered = await renderPerViewer(targets, async (connection) => JSON.stringify(await renderAnnouncement(ctx, row, connection.accountId)))
  for (const t of targets) {
    const payload = rendered.get(viewerKey(t))
    if (payload) send(t, 'announcement', payload)
  }
}

/**
 * Works out what one published event sends to the connections (of this process) it concerns: its frames, to be
 * written with `writeOutgoing` once the events committed before it are written.
 */
export async function prepareEvent(ctx: Ctx, connections: Iterable<StreamConnection>, event: StreamEvent): Promise<Outgoing[]> {
  const out: Outgoing[] = []
  await routeEvent(ctx, connections, event, (target, name, payload) => { out.push({ target, event: name, payload }) })
  return out
}

export function writeOutgoing(out: Outgoing[]): void {
  for (const { target, event, payload } of out) target.connection.send(target.subscription, event, payload)
}

async function routeEvent(ctx: Ctx, connections: Iterable<StreamConnection>, event: StreamEvent, send: Send): Promise<void> {
  switch (event.type) {
    case 'update':
      return deliverStatus(ctx, connections, event.statusId, event.type, send, event.feeds)
    case 'status.update':
      return deliverStatus(ctx, connections, event.statusId, event.type, send)
    case 'delete':
      return deliverDelete(ctx, connections, event, send)
    case 'notification':
      return deliverNotification(ctx, connections, event, send)
    case 'conversation':
      return deliverConversation(ctx, connections, event, send)
    case 'filters_changed':
      for (const t of targetsOf(connections, (c, s) => c.accountId === event.accountId && s.name === 'user')) {
        send(t, 'filters_changed')
      }
      return
    case 'follow_relationships_update':
      return deliverFollowRelationship(ctx, connections, event, send)
    case 'chat_update':
      return deliverChatUpdate(ctx, connections, event, send)
    case 'announcement':
    case 'announcement.reaction':
    case 'announcement.delete':
      return deliverAnnouncement(ctx, connections, event, send)
  }
}
