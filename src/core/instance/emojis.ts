import type { Ctx } from '../context'

/** A custom emoji as the instance offers it to clients. */
export interface CustomEmoji {
  shortcode: string
  /** absolute URL of the image */
  url: string
  /** absolute URL of a non-animated version (the same image when it is static) */
  staticUrl: string
  visibleInPicker: boolean
  category: string | null
  /** Pleroma's tags, e.g. `pack:blobs` */
  tags: string[]
}

/**
 * Every local custom emoji, sorted by shortcode. Rookery has no emoji storage yet, so the list is empty;
 * the emoji-pack feature replaces this body with its query and every endpoint that lists emoji follows.
 */
export async function listCustomEmojis(_ctx: Ctx): Promise<CustomEmoji[]> {
  return []
}
