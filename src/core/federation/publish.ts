import type { DbLike } from '../../db/client'
import type { StatusRow, StatusVisibility } from '../../db/schema'
import type { Ctx } from '../context'

export const FEDERATION_PUBLISH_QUEUE = 'federation.publish'

/** Something a local account did that remote servers must hear of; turned into an activity by the federation worker. */
export type PublishEvent =
  /** a local account accepted (or rejected) a remote account's Follow, whose activity id is `followUri` */
  | { type: 'follow.accept' | 'follow.reject'; actorId: string; followerId: string; followUri: string }
  /** a local account asked to follow a remote one (`follow`), or took that back (`follow.undo`) */
  | { type: 'follow' | 'follow.undo'; actorId: string; targetId: string; followUri: string }
  /** a local account posted or edited a status that leaves the instance */
  | { type: 'status.create' | 'status.update'; statusId: string }
  /** a local account's status is gone: what is needed to address its Delete, taken before the row went */
  | StatusDeletion
  /** a local account sent a chat message to a remote one */
  | { type: 'chat.create'; messageId: string }
  /** a local account deleted its chat message to a remote one */
  | { type: 'chat.delete'; actorId: string; recipientId: string; uri: string }
  /** a local account favourited a remote status (`like`), or took it back (`like.undo`); `likeUri` is the Like's id */
  | { type: 'like' | 'like.undo'; accountId: string; statusId: string; likeUri: string }
  /** a local account reblogged a status, or took the reblog back: what is needed to address both, taken before any delete */
  | ReblogAnnouncement
  /** a local account changed its profile */
  | { type: 'actor.update'; accountId: string }
  /** a local account reacted to a remote status with an emoji (`react`), or took it back; `uri` is the EmojiReact's id */
  | { type: 'react' | 'react.undo'; accountId: string; statusId: string; emoji: string; emojiUrl: string | null; uri: string }
  /** a local account blocked a remote one, or unblocked it */
  | { type: 'block' | 'block.undo'; accountId: string; targetId: string; uri: string }
  /** a report about a remote account, forwarded to its instance from the instance actor */
  | { type: 'flag'; reportId: string }
  /** a local account voted on a remote poll: one vote per choice goes to the poll's author */
  | { type: 'poll.vote'; accountId: string; statusId: string; choices: number[] }
  /** the counts of a local poll changed: the Question goes again to those who have it */
  | { type: 'poll.update'; statusId: string }
  /** a local account pinned one of its public statuses (`pin`), or unpinned it: an Add or Remove on its featured collection */
  | { type: 'pin' | 'pin.undo'; accountId: string; statusId: string }
  /** a remote account was seen for the first time: its featured collection is read for its pins */
  | { type: 'featured.sync'; accountId: string; featuredUrl: string }
  /** a local account moved to another one (`targetId`): its remote followers are sent a Move */
  | { type: 'move'; accountId: string; targetId: string }
  /** a local account was deleted: the inboxes that knew it, taken before its follows went */
  | ActorDeletion
  /** a local account scrobbled (Pleroma): a Listen to its followers */
  | { type: 'scrobble.create'; scrobbleId: string }

export interface ReblogAnnouncement {
  type: 'announce' | 'announce.undo'
  accountId: string
  /** the reblog's own uri, the Announce's id */
  uri: string
  visibility: StatusVisibility
  originalUri: string
  originalAuthorId: string
}

export interface ActorDeletion {
  type: 'actor.delete'
  accountId: string
  username: string
  inboxes: { uri: string; inboxUrl: string; sharedInboxUrl: string | null }[]
}

export interface StatusDeletion {
  type: 'status.delete'
  statusId: string
  accountId: string
  uri: string
  visibility: StatusVisibility
  /** everyone it was addressed to (mentioned, silently or not, and the replied-to author) */
  addressedIds: string[]
  /** remote accounts that replied, favourited, reblogged or reacted (public and unlisted statuses only) */
  interactedIds?: string[]
}

/** Visibilities that leave the instance; `local` and list posts never do. */
export const FEDERATED_VISIBILITIES: readonly StatusVisibility[] = ['public', 'unlisted', 'private', 'direct']

/** Whether a status is one this instance tells other servers about: local, not a reblog, of a federated visibility. */
export function federates(row: Pick<StatusRow, 'local' | 'reblogOfId' | 'visibility'>): boolean {
  return row.local && !row.reblogOfId && FEDERATED_VISIBILITIES.includes(row.visibility)
}

/** Enqueues the event in the caller's transaction, so it is sent exactly when the change commits. */
export async function enqueuePublish(ctx: Ctx, tx: DbLike, event: PublishEvent, opts: { startAfterSeconds?: number; singletonKey?: string } = {}): Promise<void> {
  await ctx.jobs?.send(FEDERATION_PUBLISH_QUEUE, event, { within: tx, retryLimit: 5, ...opts })
}

/** A new activity id on this instance, for activities that are not dereferenceable objects (a Follow). */
export function activityUri(ctx: Ctx): string {
  return new URL(`/activities/${crypto.randomUUID()}`, ctx.config.baseUrl).href
}
