import type { Ctx } from '../../core/context'
import { ownsList } from '../../core/lists/lists'
import type { Viewer } from '../../core/oauth/authenticate'
import { hasAnyScope } from '../../core/oauth/scopes'

/** The streams of Mastodon's streaming API, with Pleroma's `public:remote` by instance and `user:pleroma_chat`. */
export const STREAM_NAMES = [
  'public', 'public:media', 'public:local', 'public:local:media', 'public:remote', 'public:remote:media',
  'hashtag', 'hashtag:local', 'list', 'direct', 'user', 'user:notification', 'user:pleroma_chat',
] as const

export type StreamName = (typeof STREAM_NAMES)[number]

/** One stream a connection listens to. */
export interface Subscription {
  name: StreamName
  /** hashtag streams: the tag, lower-cased, without `#` */
  tag?: string
  /** list streams */
  listId?: string
  /** `public:remote[:media]` with Pleroma's `instance`: only that domain, lower-cased */
  instance?: string
  /** the `stream` attribute of its events, e.g. `["hashtag", "Cats"]` (parameters as the client wrote them) */
  stream: string[]
  /** identifies the subscription within a connection (subscribing twice is ignored) */
  key: string
}

/** Pleroma's error codes in `pleroma:respond`; at the handshake they are 404 and 401. */
export type StreamError = 'bad_topic' | 'unauthorized'

export interface StreamParams {
  tag?: unknown
  list?: unknown
  instance?: unknown
}

const isStreamName = (value: unknown): value is StreamName => STREAM_NAMES.includes(value as StreamName)
const USER_STREAMS: StreamName[] = ['user', 'user:notification', 'direct', 'user:pleroma_chat']

/** A parameter as a string: clients send list ids as numbers or strings alike. */
function text(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  if (typeof value !== 'string') return null
  const trimmed = value.trim()
  return trimmed ? trimmed : null
}

/** A user's token (not an app-only one) holding one of the scopes. */
const userWith = (viewer: Viewer | null, scopes: string[]): viewer is Viewer & { accountId: string } =>
  !!viewer?.accountId && hasAnyScope(viewer.scopes, scopes)

/** Chat updates need a token that may read chats, on `user:pleroma_chat` (which Pleroma opens with `read:statuses`) as on `user`. */
export const canReadChats = (viewer: Viewer | null) => userWith(viewer, ['read:chats'])

/** Notifications on the `user` stream need what `user:notification` needs (Mastodon). */
export const canReadNotifications = (viewer: Viewer | null) => userWith(viewer, ['read:notifications'])

/**
 * Checks a requested stream against the viewer and turns it into a subscription. Public and hashtag streams are open
 * to anyone; the user's own streams need a user token with `read:statuses` (`read:notifications` for
 * `user:notification`); a list stream needs the list to be the viewer's own.
 */
export async function resolveStream(ctx: Ctx, name: unknown, params: StreamParams, viewer: Viewer | null): Promise<Subscription | StreamError> {
  if (!isStreamName(name)) return 'bad_topic'
  switch (name) {
    case 'public':
    case 'public:media':
    case 'public:local':
    case 'public:local:media':
      return { name, stream: [name], key: name }
    case 'public:remote':
    case 'public:remote:media': {
      const instance = text(params.instance)
      if (!instance) return { name, stream: [name], key: name }
      return { name, instance: instance.toLowerCase(), stream: [name, instance], key: `${name}:${instance.toLowerCase()}` }
    }
    case 'hashtag':
    case 'hashtag:local': {
      const tag = text(params.tag)?.replace(/^#/, '')
      if (!tag) return 'bad_topic'
      return { name, tag: tag.toLowerCase(), stream: [name, tag], key: `${name}:${tag.toLowerCase()}` }
    }
    case 'list': {
      if (!userWith(viewer, ['read:statuses', 'read:lists'])) return 'unauthorized'
      const listId = text(params.list)
      if (!listId || !(await ownsList(ctx, viewer.accountId, listId))) return 'bad_topic'
      return { name, listId, stream: [name, listId], key: `list:${listId}` }
    }
    default: {
      if (!USER_STREAMS.includes(name)) return 'bad_topic'
      if (!userWith(viewer, [name === 'user:notification' ? 'read:notifications' : 'read:statuses'])) return 'unauthorized'
      return { name, stream: [name], key: name }
    }
  }
}

/**
 * The stream a Mastodon path names (`/api/v1/streaming/public/local`, `/hashtag/local?tag=x`, ...), as its EventSource
 * endpoints and some WebSocket clients use them; `only_media` picks the media variants of the public streams.
 */
export function streamFromPath(path: string, onlyMedia: boolean): StreamName | null {
  const media = onlyMedia ? ':media' : ''
  switch (path.replace(/^\/+|\/+$/g, '')) {
    case 'user': return 'user'
    case 'user/notification': return 'user:notification'
    case 'public': return `public${media}` as StreamName
    case 'public/local': return `public:local${media}` as StreamName
    case 'public/remote': return `public:remote${media}` as StreamName
    case 'hashtag': return 'hashtag'
    case 'hashtag/local': return 'hashtag:local'
    case 'list': return 'list'
    case 'direct': return 'direct'
    default: return null
  }
}
