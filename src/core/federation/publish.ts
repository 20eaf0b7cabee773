import type { DbLike } from '../../db/client'
import type { Ctx } from '../context'

export const FEDERATION_PUBLISH_QUEUE = 'federation.publish'

/** Something a local account did that remote servers must hear of; turned into an activity by the federation worker. */
export type PublishEvent =
  /** a local account accepted (or rejected) a remote account's Follow, whose activity id is `followUri` */
  | { type: 'follow.accept' | 'follow.reject'; actorId: string; followerId: string; followUri: string }
  /** a local account asked to follow a remote one (`follow`), or took that back (`follow.undo`) */
  | { type: 'follow' | 'follow.undo'; actorId: string; targetId: string; followUri: string }

/** Enqueues the event in the caller's transaction, so it is sent exactly when the change commits. */
export async function enqueuePublish(ctx: Ctx, tx: DbLike, event: PublishEvent): Promise<void> {
  await ctx.jobs?.send(FEDERATION_PUBLISH_QUEUE, event, { within: tx, retryLimit: 5 })
}

/** A new activity id on this instance, for activities that are not dereferenceable objects (a Follow). */
export function activityUri(ctx: Ctx): string {
  return new URL(`/activities/${crypto.randomUUID()}`, ctx.config.baseUrl).href
}
