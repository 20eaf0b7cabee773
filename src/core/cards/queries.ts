import { eq } from 'drizzle-orm'
import { accounts, type PreviewCardRow } from '../../db/schema'
import type { Ctx } from '../context'
import { BadRequestError, NotFoundError } from '../errors'
import { isId } from '../ids'
import { escapeHtml } from '../statuses/format'
import { getVisibleStatus } from '../visibility'
import { loadPreviewCards } from './fetch-card'

/** Pleroma's `GET /api/v1/statuses/:id/card`: the card of a status the viewer may see (of the original, for a reblog). */
export async function getStatusCard(ctx: Ctx, viewerAccountId: string | null, id: string): Promise<PreviewCardRow | null> {
  const row = await getVisibleStatus(ctx, viewerAccountId, id)
  const statusId = row.reblogOfId ?? row.id
  return (await loadPreviewCards(ctx.db, [statusId])).get(statusId) ?? null
}

const DEFAULT_EMBED_WIDTH = 400

export interface OEmbedEntity {
  type: 'rich'
  version: '1.0'
  title: string
  author_name: string
  author_url: string
  provider_name: string
  provider_url: string
  cache_age: number
  html: string
  width: number
  height: null
}

/** The status id a URL of ours names: `/@user/:id`, `/users/:user/statuses/:id` or `/notice/:id`. */
function localStatusId(ctx: Ctx, raw: unknown): string {
  if (typeof raw !== 'string' || !raw.trim()) throw new BadRequestError('Missing url parameter')
  let url: URL
  try {
    url = new URL(raw.trim())
  } catch {
    throw new NotFoundError()
  }
  if (url.origin !== new URL(ctx.config.baseUrl).origin) throw new NotFoundError()
  const m = /^\/(?:@[^/]+|users\/[^/]+\/statuses|notice)\/([^/]+)\/?$/.exec(url.pathname)
  if (!m || !isId(m[1])) throw new NotFoundError()
  return m[1]
}

/** `GET /api/oembed`: an embed of one of our own public or unlisted statuses; anything else is not found. */
export async function statusOEmbed(ctx: Ctx, rawUrl: unknown, maxWidth?: unknown): Promise<OEmbedEntity> {
  const row = await getVisibleStatus(ctx, null, localStatusId(ctx, rawUrl))
  if (!row.local || row.reblogOfId || (row.visibility !== 'public' && row.visibility !== 'unlisted')) throw new NotFoundError()
  const [author] = await ctx.db.select({ username: accounts.username, displayName: accounts.displayName, url: accounts.url })
    .from(accounts).where(eq(accounts.id, row.accountId)).limit(1)
  if (!author) throw new NotFoundError()
  const base = ctx.config.baseUrl
  const statusUrl = row.url ?? `${base}/@${author.username}/${row.id}`
  const authorUrl = author.url ?? `${base}/@${author.username}`
  const requested = Number(maxWidth)
  const width = Number.isFinite(requested) && requested > 0 ? Math.min(Math.floor(requested), DEFAULT_EMBED_WIDTH) : DEFAULT_EMBED_WIDTH
  const name = author.displayName || author.username
  const body = row.spoilerText ? `<p>${escapeHtml(row.spoilerText)}</p>` : row.content
  return {
    type: 'rich',
    version: '1.0',
    title: `New status by ${author.username}`,
    author_name: name,
    author_url: authorUrl,
    provider_name: ctx.config.domain,
    provider_url: `${base}/`,
    cache_age: 86_400,
    html: `<blockquote class="rookery-embed" style="max-width: ${width}px">${body}<p>— ${escapeHtml(name)} (<a href="${escapeHtml(authorUrl)}">@${escapeHtml(author.username)}@${escapeHtml(ctx.config.domain)}</a>) <a href="${escapeHtml(statusUrl)}">${escapeHtml(row.createdAt.toISOString())}</a></p></blockquote>`,
    width,
    height: null,
  }
}
