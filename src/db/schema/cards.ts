import { sql } from 'drizzle-orm'
import { doublePrecision, index, integer, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core'
import { createdAt, flakeId, primaryId, timestampTz, updatedAt } from './columns'
import { statuses } from './statuses'

export type PreviewCardType = 'link' | 'photo' | 'video' | 'rich'

/** A link preview (Mastodon's PreviewCard), one per fetched URL, shared by every status linking to it. */
export const previewCards = pgTable('preview_cards', {
  id: primaryId(),
  /** the link as written in statuses */
  url: text('url').notNull(),
  type: text('type').$type<PreviewCardType>().notNull().default('link'),
  title: text('title').notNull().default(''),
  description: text('description').notNull().default(''),
  authorName: text('author_name').notNull().default(''),
  authorUrl: text('author_url').notNull().default(''),
  providerName: text('provider_name').notNull().default(''),
  providerUrl: text('provider_url').notNull().default(''),
  /** sanitized oEmbed HTML (allowed iframes only) */
  html: text('html').notNull().default(''),
  width: integer('width').notNull().default(0),
  height: integer('height').notNull().default(0),
  /** storage key of the image as processed by the media pipeline */
  imageKey: text('image_key'),
  imageWidth: integer('image_width'),
  imageHeight: integer('image_height'),
  blurhash: text('blurhash'),
  embedUrl: text('embed_url').notNull().default(''),
  language: text('language'),
  publishedAt: timestampTz('published_at'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [uniqueIndex('preview_cards_url_uniq').on(t.url)])

export type PreviewCardRow = typeof previewCards.$inferSelect

/** The card of a status (its first link). */
export const statusPreviewCards = pgTable('status_preview_cards', {
  statusId: flakeId('status_id').primaryKey().references(() => statuses.id, { onDelete: 'cascade' }),
  cardId: flakeId('card_id').notNull().references(() => previewCards.id, { onDelete: 'cascade' }),
}, (t) => [index('status_preview_cards_card_idx').on(t.cardId)])

export type TrendKind = 'tag' | 'status' | 'link'
export type TrendReview = 'approved' | 'rejected'

/**
 * Trending tags, statuses and links (preview cards), as last computed by the trends job, with the moderators' verdict
 * (kept across recomputations; rejected ones never show).
 */
export const trends = pgTable('trends', {
  kind: text('kind').$type<TrendKind>().notNull(),
  targetId: flakeId('target_id').notNull(),
  score: doublePrecision('score').notNull().default(0),
  /** distinct accounts behind the score */
  accounts: integer('accounts').notNull().default(0),
  uses: integer('uses').notNull().default(0),
  review: text('review').$type<TrendReview>(),
  reviewedAt: timestampTz('reviewed_at'),
  updatedAt: updatedAt(),
}, (t) => [
  primaryKey({ columns: [t.kind, t.targetId] }),
  index('trends_rank_idx').on(t.kind, t.score).where(sql`${t.score} > 0`),
])

export type TrendRow = typeof trends.$inferSelect
