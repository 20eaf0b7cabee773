import { sql, type SQL } from 'drizzle-orm'
import type { Database, DbLike } from '../db/client'

/**
 * Live events for the streaming API, fanned out through PostgreSQL LISTEN/NOTIFY so that every `serve` process on the
 * database delivers them. Writers publish inside their own transaction (`publishEvent(tx, ...)`), so an event leaves
 * only when the change is committed and never for a rolled-back one. Payloads carry ids, never rendered entities:
 * each server process decides per connection who may see what and renders for that viewer.
 */
export const EVENTS_CHANNEL = 'rookery_events'

/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
const MAX_PAYLOAD_BYTES = 7900

export type FollowRelationshipState = 'follow_pending' | 'follow_accept' | 'follow_reject' | 'unfollow'

export type StreamEvent =
  /**
   * A new status or reblog (posted, scheduled, reblogged). `feeds` when its followers' home feeds get it later, from
   * a job (`HomeFanOut`): `author` for the event sent with the status, whose home stream is then only its author's;
   * `others` for the job's, which goes only to the other home streams.
   */
  | { type: 'update'; statusId: string; feeds?: 'author' | 'others' }
  /** an edited status */
  | { type: 'status.update'; statusId: string }
  /**
   * A deleted status. The row is gone when the event is delivered, so the facts deciding who may hear of it travel
   * along: author, visibility, list, origin, media, mentioned accounts and hashtags.
   */
  | {
    type: 'delete'
    statusId: string
    accountId: string
    visibility: string
    listId: string | null
    local: boolean
    reblog: boolean
    media: boolean
    mentions: string[]
    tags: string[]
  }
  /** a notification created for a local user */
  | { type: 'notification'; notificationId: string; accountId: string }
  /** a direct thread got a new status: the participations of these accounts in it changed */
  | { type: 'conversation'; conversationId: string; accountIds: string[] }
  /** Pleroma's `pleroma:chat_update`: the chat `chatId` of `accountId` changed (a message came, went or was read) */
  | { type: 'chat_update'; chatId: string; accountId: string }
  /** the filters of `accountId` changed */
  | { type: 'filters_changed'; accountId: string }
  /** Pleroma's `pleroma:follow_relationships_update`, sent to the follower */
  | { type: 'follow_relationships_update'; followerId: string; followingId: string; state: FollowRelationshipState }
  /** an announcement was published or edited while shown */
  | { type: 'announcement'; announcementId: string }
  /** someone added or removed a reaction `name` to an announcement */
  | { type: 'announcement.reaction'; announcementId: string; name: string }
  /** an announcement was deleted, unpublished or moved out of its shown period */
  | { type: 'announcement.delete'; announcementId: string }
  /** a message was posted to the shoutbox (Pleroma's instance-wide chat room) */
  | { type: 'shout'; shoutId: string }

/**
 * Publishes an event when the caller's transaction commits (immediately when `db` is not a transaction).
 * An event too large for NOTIFY is dropped rather than failing the write it describes.
 */
export async function publishEvent(db: DbLike, event: StreamEvent): Promise<void> {
  const publish = publishEventSql(event)
  if (publish) await db.execute(sql`select ${publish}`)
}

/**
 * `publishEvent` as an expression, for a statement that does more (it is sent when that statement runs, and delivered
 * at commit like any other); null when the event is too large to send.
 */
export function publishEventSql(event: StreamEvent): SQL | null {
  const payload = JSON.stringify(event)
  if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
    console.warn(`[rookery] streaming event ${event.type} dropped: payload of ${Buffer.byteLength(payload)} bytes is too large`)
    return null
  }
  return sql`pg_notify(${EVENTS_CHANNEL}, ${payload})`
}

/** Hook for the conversations feature: the participations of these accounts in the thread changed. */
export const publishConversationUpdate = (db: DbLike, conversationId: string, accountIds: string[]) =>
  publishEvent(db, { type: 'conversation', conversationId, accountIds: [...new Set(accountIds)] })

/** Hook for the filters feature: any change to one of the account's filters, keywords or filtered statuses. */
export const publishFiltersChanged = (db: DbLike, accountId: string) => publishEvent(db, { type: 'filters_changed', accountId })

/** Hook for the relationships feature: a follow was requested, accepted, rejected or undone. */
export const publishFollowRelationshipUpdate = (db: DbLike, followerId: string, followingId: string, state: FollowRelationshipState) =>
  publishEvent(db, { type: 'follow_relationships_update', followerId, followingId, state })

function parseEvent(payload: string): StreamEvent | null {
  try {
    const event = JSON.parse(payload) as StreamEvent
    return event && typeof event === 'object' && typeof event.type === 'string' ? event : null
  } catch {
    return null
  }
}

type PostgresListener = {
  listen(channel: string, fn: (payload: string) => void): Promise<{ unlisten(): Promise<void> }>
}

/** One LISTEN per database for the whole process: every event is parsed once and handed to each subscriber. */
interface SharedListener {
  handlers: Set<(event: StreamEvent) => void>
  /** Resolves to the function that ends the LISTEN, once it is in place. */
  started: Promise<() => Promise<void>>
}

const sharedListeners = new WeakMap<Database, SharedListener>()

async function startListening(database: Database, handle: (payload: string) => void): Promise<() => Promise<void>> {
  if (database.pglite) {
    const unlisten = await database.pglite.listen(EVENTS_CHANNEL, handle)
    return async () => {
      if (!database.pglite!.closed) await unlisten()
    }
  }
  const client = (database.db as unknown as { $client: PostgresListener }).$client
  const { unlisten } = await client.listen(EVENTS_CHANNEL, handle)
  return () => unlisten()
}

/**
 * Calls `onEvent` for every event published on the database (by this process or another) until the returned
 * function is called. The streaming hub, the shoutbox and push delivery share one LISTEN: on PostgreSQL a dedicated
 * connection that postgres.js re-establishes if it drops; on PGlite the embedded engine notifies in-process (only one
 * process can open it anyway). The LISTEN ends when its last subscriber leaves.
 */
export async function listenEvents(database: Database, onEvent: (event: StreamEvent) => void): Promise<() => Promise<void>> {
  let shared = sharedListeners.get(database)
  if (!shared) {
    const handlers = new Set<(event: StreamEvent) => void>()
    const started = startListening(database, (payload) => {
      const event = parseEvent(payload)
      if (!event) return
      for (const handler of handlers) {
        try {
          handler(event)
        } catch (e) {
          console.error(`[rookery] events: a ${event.type} subscriber failed:`, e)
        }
      }
    })
    shared = { handlers, started }
    sharedListeners.set(database, shared)
    // A failed LISTEN is not kept: the next subscriber tries again.
    started.catch(() => { if (sharedListeners.get(database) === shared) sharedListeners.delete(database) })
  }
  const listener = shared
  const handler = (event: StreamEvent) => onEvent(event)
  listener.handlers.add(handler)
  let unlisten: () => Promise<void>
  try {
    unlisten = await listener.started
  } catch (e) {
    listener.handlers.delete(handler)
    throw e
  }
  let left = false
  return async () => {
    if (left) return
    left = true
    listener.handlers.delete(handler)
    if (listener.handlers.size) return
    if (sharedListeners.get(database) === listener) sharedListeners.delete(database)
    await unlisten()
  }
}
