import type { Ctx } from '../context'
import { listLocalEmojis } from '../emoji/queries'

/** A custom emoji as the instance offers it to clients. */
export interface CustomEmoji {
  shortcode: string
  /** absolute URL of the image */
  url: string
  /** absolute URL of a non-animated version (the same image when it is static) */
  staticUrl: string
  /** the image's path on this server (`/emoji/<pack>/<file>`), which Pleroma's emoji list gives */
  path: string
  visibleInPicker: boolean
  category: string | null
  /** Pleroma's tags, e.g. `pack:blobs` */
  tags: string[]
}

/** Every enabled local custom emoji (those of the installed emoji packs), sorted by shortcode. */
export async function listCustomEmojis(ctx: Ctx): Promise<CustomEmoji[]> {
  return listLocalEmojis(ctx.db, ctx.config.baseUrl)
}
