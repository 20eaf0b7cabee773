import { and, eq, isNull } from 'drizzle-orm'
import type sanitizeHtml from 'sanitize-html'
import { anyId } from '../../db/sql'
import { previewCards, statusPreviewCards, statuses, type PreviewCardRow, type PreviewCardType } from '../../db/schema'
import type { DbLike } from '../../db/client'
import type { Ctx } from '../context'
import { fetchJson, fetchRemote, RemoteFetchError, type FetchOptions } from '../net/remote-fetch'
import { publishEvent } from '../events'
import type { Jobs } from '../jobs'
import { mediaStorage } from '../media/storage'
import { deleteStoredFiles, storeThumbnail } from '../media/upload'
import { ValidationError } from '../errors'
import { firstCardLink } from './links'
import { decodePage, parsePage, readOEmbed, type OEmbed, type PageMetadata } from './parse'

export const PREVIEW_CARD_QUEUE = 'statuses.card'

/** Cards of a URL fetched within this long are reused rather than fetched again. */
const CARD_FRESH_MS = 14 * 24 * 60 * 60 * 1000
const PAGE_MAX_BYTES = 1024 * 1024
const IMAGE_MAX_BYTES = 8 * 1024 * 1024
const OEMBED_MAX_BYTES = 256 * 1024
const FETCH_TIMEOUT_MS = 10_000
const CARDS_FOLDER = 'cards'

const clip = (s: string | null | undefined, max: number) => (s ?? '').replace(/\s+/g, ' ').trim().slice(0, max)

/** Enqueues the card fetch for a status with a previewable link, in the caller's transaction. */
export async function enqueuePreviewCard(ctx: Ctx, tx: DbLike, statusId: string, content: string): Promise<void> {
  if (!ctx.jobs || !firstCardLink(content, ctx.config.baseUrl)) return
  await ctx.jobs.send(PREVIEW_CARD_QUEUE, { statusId }, { within: tx, retryLimit: 2 })
}

/** An edit changed the status's first link: the old card goes, a new one is fetched if there is a link. */
export async function refreshPreviewCard(ctx: Ctx, tx: DbLike, statusId: string, before: string, after: string): Promise<void> {
  const base = ctx.config.baseUrl
  if (firstCardLink(before, base) === firstCardLink(after, base)) return
  await tx.delete(statusPreviewCards).where(eq(statusPreviewCards.statusId, statusId))
  await enqueuePreviewCard(ctx, tx, statusId, after)
}

/** Only http(s) URLs stay; relative ones are resolved against the page. */
function absoluteUrl(value: string | undefined | null, base: string): string | null {
  if (!value) return null
  try {
    const url = new URL(value.trim(), base)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null
  } catch {
    return null
  }
}

/** oEmbed HTML keeps only https iframes with harmless attributes; anything else is dropped. */
export function sanitizeEmbedHtml(html: string | undefined): string {
  if (!html) return ''
  const clean = (require('sanitize-html') as typeof sanitizeHtml)(html, {
    allowedTags: ['iframe'],
    allowedAttributes: { iframe: ['src', 'width', 'height', 'allowfullscreen', 'frameborder', 'allow', 'title', 'loading'] },
    allowedSchemes: ['https'],
    allowedSchemesAppliedToAttributes: ['src'],
    allowProtocolRelative: false,
    disallowedTagsMode: 'discard',
  }).trim()
  return /^<iframe [^>]*src="https:\/\//.test(clean) ? clean : ''
}

function normalizeLanguage(value: string | null | undefined): string | null {
  const m = /^([a-z]{2,3})(?:[-_]|$)/i.exec(value?.trim() ?? '')
  return m ? m[1].toLowerCase() : null
}

function parseDate(value: string | undefined): Date | null {
  if (!value) return null
  const d = new Date(value)
  return Number.isNaN(d.getTime()) ? null : d
}

const positive = (value: string | undefined) => {
  const n = Number(value)
  return Number.isFinite(n) && n > 0 ? Math.min(Math.round(n), 10_000) : 0
}

export interface CardDetails {
  type: PreviewCardType
  title: string
  description: string
  authorName: string
  authorUrl: string
  providerName: string
  providerUrl: string
  html: string
  width: number
  height: number
  imageUrl: string | null
  embedUrl: string
  language: string | null
  publishedAt: Date | null
}

/** Mastodon's rules for a card: oEmbed first, then OpenGraph, then Twitter, then plain HTML. Null without a title. */
export function cardDetails(page: PageMetadata, pageUrl: string, oembed: OEmbed | null): CardDetails | null {
  const m = (...keys: string[]) => keys.map((k) => page.meta.get(k)).find((v) => !!v)
  const html = oembed && (oembed.type === 'video' || oembed.type === 'rich') ? sanitizeEmbedHtml(oembed.html) : ''
  let type: PreviewCardType = 'link'
  if (oembed?.type === 'photo' && absoluteUrl(oembed.url, pageUrl)) type = 'photo'
  else if (html) type = oembed!.type as PreviewCardType
  const title = clip(oembed?.title || m('og:title', 'twitter:title') || page.title, 250)
  if (!title) return null
  const image = type === 'photo'
    ? absoluteUrl(oembed!.url, pageUrl)
    : absoluteUrl(oembed?.thumbnail_url ?? m('og:image:secure_url', 'og:image', 'og:image:url', 'twitter:image', 'twitter:image:src'), pageUrl)
  const author = m('author', 'article:author', 'twitter:creator')
  return {
    type,
    title,
    description: clip(m('og:description', 'twitter:description', 'description'), 500),
    authorName: clip(oembed?.author_name ?? (author && !absoluteUrl(author, 'x:') ? author : ''), 250),
    authorUrl: absoluteUrl(oembed?.author_url, pageUrl) ?? '',
    providerName: clip(oembed?.provider_name ?? m('og:site_name', 'application-name'), 250),
    providerUrl: absoluteUrl(oembed?.provider_url, pageUrl) ?? '',
    html,
    width: type === 'link' ? positive(m('og:image:width')) : oembed?.width ?? 0,
    height: type === 'link' ? positive(m('og:image:height')) : oembed?.height ?? 0,
    imageUrl: image,
    embedUrl: absoluteUrl(m('og:video:secure_url', 'og:video:url', 'og:video', 'twitter:player'), pageUrl) ?? '',
    language: normalizeLanguage(m('og:locale') ?? page.lang),
    publishedAt: parseDate(m('article:published_time', 'og:published_time', 'datepublished')),
  }
}

/** Fetches and reads a page into card details; null when it is not an HTML page with a title. */
export async function fetchCardDetails(url: string, opts: Pick<FetchOptions, 'allowPrivateNetwork'>): Promise<CardDetails | null> {
  const res = await fetchRemote(url, {
    maxBytes: PAGE_MAX_BYTES, truncate: true, timeoutMs: FETCH_TIMEOUT_MS, accept: 'text/html,application/xhtml+xml', ...opts,
  })
  const type = (res.contentType ?? 'text/html').split(';')[0].trim().toLowerCase()
  if (type !== 'text/html' && type !== 'application/xhtml+xml') return null
  const page = parsePage(decodePage(res.body, res.contentType), res.url)
  let oembed: OEmbed | null = null
  if (page.oembedUrl) {
    try {
      oembed = readOEmbed((await fetchJson(page.oembedUrl, { maxBytes: OEMBED_MAX_BYTES, timeoutMs: FETCH_TIMEOUT_MS, ...opts })).json)
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e
    }
  }
  return cardDetails(page, res.url, oembed)
}

/** The card image through the media pipeline (type sniffed, resized to a preview, blurhash); null when unusable. */
async function storeCardImage(ctx: Ctx, imageUrl: string | null): Promise<{ key: string; width: number; height: number; blurhash: string } | null> {
  if (!imageUrl) return null
  try {
    const res = await fetchRemote(imageUrl, {
      maxBytes: IMAGE_MAX_BYTES, timeoutMs: FETCH_TIMEOUT_MS, accept: 'image/*', allowPrivateNetwork: ctx.config.fetchPrivateNetwork,
    })
    const stored = await storeThumbnail(mediaStorage(ctx.config), CARDS_FOLDER, res.body)
    return { key: stored.previewKey, width: stored.small.width, height: stored.small.height, blurhash: stored.blurhash }
  } catch (e) {
    if (e instanceof ValidationError) return null
    throw e
  }
}

/**
 * The job: gives a local status the card of its first link (fetched now, or a fresh one already known) and tells open
 * streams with `status.update`. Pages that cannot be fetched or carry no title give no card.
 */
export async function attachPreviewCard(ctx: Ctx, statusId: string): Promise<PreviewCardRow | null> {
  const [status] = await ctx.db.select({ id: statuses.id, content: statuses.content }).from(statuses)
    .where(and(eq(statuses.id, statusId), eq(statuses.local, true), isNull(statuses.reblogOfId))).limit(1)
  if (!status) return null
  const url = firstCardLink(status.content, ctx.config.baseUrl)
  if (!url) return null

  const [known] = await ctx.db.select().from(previewCards).where(eq(previewCards.url, url)).limit(1)
  let card = known && Date.now() - known.updatedAt.getTime() < CARD_FRESH_MS ? known : null
  let replacedImage: string | null = null
  if (!card) {
    let details: CardDetails | null
    try {
      details = await fetchCardDetails(url, { allowPrivateNetwork: ctx.config.fetchPrivateNetwork })
    } catch (e) {
      if (e instanceof RemoteFetchError || e instanceof ValidationError) return null
      throw e
    }
    if (!details) return null
    const image = await storeCardImage(ctx, details.imageUrl)
    const { imageUrl: _, ...fields } = details
    const values = {
      ...fields,
      imageKey: image?.key ?? null, imageWidth: image?.width ?? null, imageHeight: image?.height ?? null, blurhash: image?.blurhash ?? null,
      updatedAt: new Date(),
    }
    ;[card] = await ctx.db.insert(previewCards).values({ url, ...values })
      .onConflictDoUpdate({ target: previewCards.url, set: values }).returning()
    if (known?.imageKey && known.imageKey !== card.imageKey) replacedImage = known.imageKey
  }

  const linked = await ctx.db.transaction(async (tx) => {
    // The status may have been edited or deleted while the page was fetched.
    const [current] = await tx.select({ content: statuses.content }).from(statuses).where(eq(statuses.id, statusId)).for('update')
    if (!current || firstCardLink(current.content, ctx.config.baseUrl) !== url) return false
    await tx.insert(statusPreviewCards).values({ statusId, cardId: card!.id })
      .onConflictDoUpdate({ target: statusPreviewCards.statusId, set: { cardId: card!.id } })
    await publishEvent(tx, { type: 'status.update', statusId })
    return true
  })
  if (replacedImage) await deleteStoredFiles(mediaStorage(ctx.config), [replacedImage])
  return linked ? card : null
}

export async function registerPreviewCardJobs(ctx: Ctx & { jobs: Jobs }): Promise<void> {
  await ctx.jobs.work<{ statusId: string }>(PREVIEW_CARD_QUEUE, async ({ statusId }) => { await attachPreviewCard(ctx, statusId) })
}

/** The cards of these statuses, one query (for the status bundle). */
export async function loadPreviewCards(db: DbLike, statusIds: string[]): Promise<Map<string, PreviewCardRow>> {
  if (!statusIds.length) return new Map()
  const rows = await db.select({ statusId: statusPreviewCards.statusId, card: previewCards }).from(statusPreviewCards)
    .innerJoin(previewCards, eq(previewCards.id, statusPreviewCards.cardId))
    .where(anyId(statusPreviewCards.statusId, statusIds))
  return new Map(rows.map((r) => [r.statusId, r.card]))
}
