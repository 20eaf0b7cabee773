import { and, desc, eq, gt, inArray, lt } from 'drizzle-orm'
import { follows, scrobbles, type ScrobbleRow, type StatusVisibility } from '../../db/schema'
import type { Ctx } from '../context'
import { ValidationError } from '../errors'
import { enqueuePublish } from '../federation/publish'
import { newId } from '../ids'

/** Pleroma's scrobble visibilities: who may list a scrobble, as for statuses. */
const VISIBILITIES: StatusVisibility[] = ['public', 'unlisted', 'private', 'direct']
const MAX_TEXT = 500

/** `POST /api/v1/pleroma/scrobble` parameters, as the request gave them. */
export interface ScrobbleParams {
  title?: unknown
  artist?: unknown
  album?: unknown
  length?: unknown
  externalLink?: unknown
  external_link?: unknown
  visibility?: unknown
}

const optionalText = (value: unknown, name: string): string | null => {
  if (value === undefined || value === null || value === '') return null
  if (typeof value !== 'string') throw new ValidationError(`Validation failed: ${name} must be text`)
  const text = value.trim()
  if (text.length > MAX_TEXT) throw new ValidationError(`Validation failed: ${name} is too long (maximum is ${MAX_TEXT} characters)`)
  return text || null
}

/** A scrobble's fields checked: a title, optional artist and album, a length in milliseconds, an http(s) link. */
export function readScrobble(params: ScrobbleParams): Pick<ScrobbleRow, 'title' | 'artist' | 'album' | 'length' | 'externalLink' | 'visibility'> {
  const title = optionalText(params.title, 'Title')
  if (!title) throw new ValidationError("Validation failed: Title can't be blank")
  const rawLength = params.length
  const length = rawLength === undefined || rawLength === null || rawLength === '' ? null : Number(rawLength)
  if (length !== null && (!Number.isSafeInteger(length) || length < 0 || length > 2 ** 31 - 1)) {
    throw new ValidationError('Validation failed: Length must be a whole number of milliseconds')
  }
  const externalLink = optionalText(params.externalLink ?? params.external_link, 'External link')
  if (externalLink && !/^https?:\/\/\S+$/i.test(externalLink)) throw new ValidationError('Validation failed: External link must be an http(s) URL')
  const visibility = (optionalText(params.visibility, 'Visibility') ?? 'public') as StatusVisibility
  if (!VISIBILITIES.includes(visibility)) throw new ValidationError(`Validation failed: Visibility must be one of ${VISIBILITIES.join(', ')}`)
  return { title, artist: optionalText(params.artist, 'Artist'), album: optionalText(params.album, 'Album'), length, externalLink, visibility }
}

/** Records what the account listens to; followers on other servers get it as a `Listen` (all but direct ones). */
export async function createScrobble(ctx: Ctx, accountId: string, params: ScrobbleParams): Promise<ScrobbleRow> {
  const fields = readScrobble(params)
  const id = newId()
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx.insert(scrobbles).values({ id, accountId, uri: new URL(`/listens/${id}`, ctx.config.baseUrl).href, ...fields }).returning()
    if (row.visibility !== 'direct') await enqueuePublish(ctx, tx, { type: 'scrobble.create', scrobbleId: row.id })
    return row
  })
}

/** A `Listen` received from another server, stored once by its id. */
export async function receiveScrobble(ctx: Ctx, accountId: string, uri: string, params: ScrobbleParams, createdAt: Date | null): Promise<boolean> {
  let fields
  try {
    fields = readScrobble(params)
  } catch (e) {
    if (e instanceof ValidationError) return false
    throw e
  }
  const published = createdAt && createdAt <= new Date() ? createdAt : null
  // Listed newest first by id: one made from the publication time keeps the sender's order, however they arrived.
  const rows = await ctx.db.insert(scrobbles).values({ id: newId(published ?? Date.now()), accountId, uri, ...fields, ...(published ? { createdAt: published } : {}) })
    .onConflictDoNothing().returning({ id: scrobbles.id })
  return rows.length > 0
}

/**
 * `GET /api/v1/pleroma/accounts/:id/scrobbles`: newest first. Public and unlisted ones for anyone, followers-only
 * ones for followers, and all of them for the account itself.
 */
export async function listScrobbles(ctx: Ctx, accountId: string, viewerAccountId: string | null, page: { maxId?: string; sinceId?: string; minId?: string; limit: number }): Promise<ScrobbleRow[]> {
  const own = viewerAccountId === accountId
  const follower = viewerAccountId && !own
    ? (await ctx.db.select({ id: follows.id }).from(follows).where(and(eq(follows.accountId, viewerAccountId), eq(follows.targetAccountId, accountId))).limit(1)).length > 0
    : false
  const shown: StatusVisibility[] = own ? VISIBILITIES : follower ? ['public', 'unlisted', 'private'] : ['public', 'unlisted']
  const rows = await ctx.db.select().from(scrobbles).where(and(
    eq(scrobbles.accountId, accountId),
    inArray(scrobbles.visibility, shown),
    page.maxId ? lt(scrobbles.id, page.maxId) : undefined,
    page.sinceId ? gt(scrobbles.id, page.sinceId) : undefined,
    page.minId ? gt(scrobbles.id, page.minId) : undefined,
  )).orderBy(page.minId ? scrobbles.id : desc(scrobbles.id)).limit(page.limit)
  return page.minId ? rows.reverse() : rows
}

/** A scrobble by id, for the outgoing Listen. */
export async function findScrobble(ctx: Ctx, id: string): Promise<ScrobbleRow | null> {
  const [row] = await ctx.db.select().from(scrobbles).where(eq(scrobbles.id, id)).limit(1)
  return row ?? null
}

