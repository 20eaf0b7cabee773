import type { MediaStorage } from '../../core/media/storage'
import type { PreviewCardRow } from '../../db/schema'

/** Mastodon's PreviewCard entity. */
export interface PreviewCardEntity {
  url: string
  title: string
  description: string
  language: string | null
  type: 'link' | 'photo' | 'video' | 'rich'
  author_name: string
  author_url: string
  provider_name: string
  provider_url: string
  html: string
  width: number
  height: number
  image: string | null
  image_description: string
  embed_url: string
  blurhash: string | null
  published_at: string | null
  authors: { name: string; url: string; account: null }[]
}

export function buildPreviewCard(card: PreviewCardRow, storage: MediaStorage): PreviewCardEntity {
  const image = card.imageKey ? storage.url(card.imageKey) : null
  return {
    url: card.url,
    title: card.title,
    description: card.description,
    language: card.language,
    type: card.type,
    author_name: card.authorName,
    author_url: card.authorUrl,
    provider_name: card.providerName,
    provider_url: card.providerUrl,
    html: card.html,
    width: card.type === 'link' && image ? card.imageWidth ?? card.width : card.width,
    height: card.type === 'link' && image ? card.imageHeight ?? card.height : card.height,
    image,
    image_description: '',
    embed_url: card.embedUrl,
    blurhash: card.blurhash,
    published_at: card.publishedAt ? card.publishedAt.toISOString() : null,
    authors: card.authorName || card.authorUrl ? [{ name: card.authorName, url: card.authorUrl, account: null }] : [],
  }
}
