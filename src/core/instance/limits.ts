/**
 * Limits that clients are told about and that have no setting in Config. The code that enforces each one
 * should import it from here, so the number clients see is the number the server applies.
 */

/** Pinned statuses per account (Mastodon's default). */
export const MAX_PINNED_STATUSES = 5

/** Featured hashtags per account (Mastodon's limit). */
export const MAX_FEATURED_TAGS = 10

/**
 * How many characters a URL counts for in a status. 0 means "its real length", as Pleroma counts, which is
 * never more lenient than the server: a client counting this way cannot produce a post the server refuses.
 */
export const CHARACTERS_RESERVED_PER_URL = 0

/** Longest media description (alt text), in characters. */
export const MEDIA_DESCRIPTION_LIMIT = 1500

/** Largest image / video frame accepted, in pixels (width × height): 4096² and 3840×2160, as Mastodon. */
export const IMAGE_MATRIX_LIMIT = 16_777_216
export const VIDEO_MATRIX_LIMIT = 8_294_400
export const VIDEO_FRAME_RATE_LIMIT = 120

/** Upload types clients may offer; the media endpoints should refuse anything else. */
export const SUPPORTED_MIME_TYPES: readonly string[] = [
  'image/jpeg', 'image/png', 'image/gif', 'image/webp',
  'video/mp4', 'video/webm', 'video/quicktime',
  'audio/mpeg', 'audio/mp3', 'audio/ogg', 'audio/wav', 'audio/wave', 'audio/x-wav', 'audio/flac', 'audio/aac', 'audio/mp4', 'audio/webm',
]

/** Content types a status may be written in (Pleroma's `content_type`). */
export const POST_FORMATS: readonly string[] = ['text/plain', 'text/html', 'text/markdown']

/** Remote profiles may carry more fields than local ones; this many are kept. */
export const MAX_REMOTE_PROFILE_FIELDS = 20
