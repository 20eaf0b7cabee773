// Announcements: what staff write for every user, with dismissals and emoji reactions (Mastodon), edited through
// Pleroma's admin API and `rookery announcement`.
import { and, asc, count, desc, eq, inArray, isNotNull, isNull, lte, gte, or, sql, type SQL } from 'drizzle-orm'
import type { DbLike } from '../../db/client'
import { accounts, announcementDismissals, announcementReactions, announcements, statuses, type AnnouncementRow } from '../../db/schema'
import type { Ctx } from '../context'
import { emojiUrl } from '../emoji/paths'
import { findLocalEmoji, loadEmojisFor, shortcodesIn } from '../emoji/queries'
import type { CustomEmoji } from '../instance/emojis'
import { NotFoundError, ValidationError } from '../errors'
import { publishEvent } from '../events'
import { isId } from '../ids'
import { uuidParam } from '../../db/sql'
import { logAction, type Actor } from '../admin/moderation-log'
import { parseBool } from '../params'
import { parseReactionEmoji } from '../reactions/emoji'
import { formatContent } from '../statuses/format'

export const MAX_ANNOUNCEMENT_CHARS = 10_000

export interface AnnouncementInput {
  text?: string
  startsAt?: Date | null
  endsAt?: Date | null
  allDay?: boolean
  published?: boolean
}

function timeParam(input: Record<string, unknown>, key: string): Date | null | undefined {
  const raw = input[key]
  if (raw === undefined) return undefined
  if (raw === null || raw === '') return null
  const date = new Date(String(raw))
  if (Number.isNaN(date.getTime())) throw new ValidationError(`Validation failed: ${key} is not a date`)
  return date
}

function boolParam(input: Record<string, unknown>, key: string): boolean | undefined {
  if (input[key] === undefined) return undefined
  const value = parseBool(input[key])
  if (value === undefined) throw new ValidationError(`Validation failed: ${key} must be true or false`)
  return value
}

/** Pleroma's `content` (or Mastodon's `text`), `starts_at`, `ends_at`, `all_day` and `published`, as given. */
export function announcementInput(input: Record<string, unknown>): AnnouncementInput {
  const raw = input.content ?? input.text
  if (raw !== undefined && typeof raw !== 'string') throw new ValidationError('Validation failed: content must be text')
  return {
    text: raw as string | undefined,
    startsAt: timeParam(input, 'starts_at'),
    endsAt: timeParam(input, 'ends_at'),
    allDay: boolParam(input, 'all_day'),
    published: boolParam(input, 'published'),
  }
}

function checkTimes(startsAt: Date | null, endsAt: Date | null) {
  if (startsAt && endsAt && endsAt <= startsAt) throw new ValidationError('Validation failed: ends_at must be after starts_at')
}

async function formatText(ctx: Ctx, db: DbLike, text: string) {
  const source = text.trim()
  if (!source) throw new ValidationError("Validation failed: content can't be blank")
  if (source.length > MAX_ANNOUNCEMENT_CHARS) throw new ValidationError(`Validation failed: content is longer than ${MAX_ANNOUNCEMENT_CHARS} characters`)
  const formatted = await formatContent(db, source, 'text/plain', { baseUrl: ctx.config.baseUrl, domain: ctx.config.domain })
  return { text: source, content: formatted.html, mentionIds: formatted.mentions, tags: formatted.tags }
}

/** Published, started and not yet ended: what users see. */
function currentSql(): SQL {
  return and(
    isNotNull(announcements.publishedAt),
    or(isNull(announcements.startsAt), lte(announcements.startsAt, sql`now()`)),
    or(isNull(announcements.endsAt), gte(announcements.endsAt, sql`now()`)),
  )!
}

const isCurrent = (row: AnnouncementRow, now = new Date()) =>
  !!row.publishedAt && (!row.startsAt || row.startsAt <= now) && (!row.endsAt || row.endsAt >= now)

/** Tells open user streams: a current announcement is shown (or shown anew), anything else is withdrawn. */
async function publishChange(db: DbLike, row: AnnouncementRow, wasShown: boolean) {
  if (isCurrent(row)) await publishEvent(db, { type: 'announcement', announcementId: row.id })
  else if (wasShown) await publishEvent(db, { type: 'announcement.delete', announcementId: row.id })
}

export async function createAnnouncement(ctx: Ctx, input: AnnouncementInput, actor: Actor = null): Promise<AnnouncementRow> {
  if (input.text === undefined) throw new ValidationError("Validation failed: content can't be blank")
  const startsAt = input.startsAt ?? null
  const endsAt = input.endsAt ?? null
  checkTimes(startsAt, endsAt)
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx.insert(announcements).values({
      ...(await formatText(ctx, tx, input.text!)),
      startsAt,
      endsAt,
      allDay: !!input.allDay && !!(startsAt || endsAt),
      publishedAt: input.published === false ? null : new Date(),
    }).returning()
    await logAction(tx, actor, 'announcement_create', { announcement: { id: row.id } }, (who) => `${who} created announcement ${row.id}`)
    await publishChange(tx, row, false)
    return row
  })
}

export async function getAnnouncementForAdmin(ctx: Ctx, id: string): Promise<AnnouncementRow> {
  if (!isId(id)) throw new NotFoundError()
  const [row] = await ctx.db.select().from(announcements).where(eq(announcements.id, id)).limit(1)
  if (!row) throw new NotFoundError()
  return row
}

export async function updateAnnouncement(ctx: Ctx, id: string, input: AnnouncementInput, actor: Actor = null): Promise<AnnouncementRow> {
  const before = await getAnnouncementForAdmin(ctx, id)
  const startsAt = input.startsAt === undefined ? before.startsAt : input.startsAt
  const endsAt = input.endsAt === undefined ? before.endsAt : input.endsAt
  checkTimes(startsAt, endsAt)
  const allDay = (input.allDay ?? before.allDay) && !!(startsAt || endsAt)
  const publishedAt = input.published === undefined ? before.publishedAt : input.published ? before.publishedAt ?? new Date() : null
  return ctx.db.transaction(async (tx) => {
    const text = input.text === undefined ? {} : await formatText(ctx, tx, input.text)
    const [row] = await tx.update(announcements)
      .set({ ...text, startsAt, endsAt, allDay, publishedAt, updatedAt: new Date() })
      .where(eq(announcements.id, id)).returning()
    if (!row) throw new NotFoundError()
    await logAction(tx, actor, 'announcement_update', { announcement: { id } }, (who) => `${who} updated announcement ${id}`)
    await publishChange(tx, row, isCurrent(before))
    return row
  })
}

export async function deleteAnnouncement(ctx: Ctx, id: string, actor: Actor = null): Promise<void> {
  if (!isId(id)) throw new NotFoundError()
  await ctx.db.transaction(async (tx) => {
    const [gone] = await tx.delete(announcements).where(eq(announcements.id, id)).returning()
    if (!gone) throw new NotFoundError()
    await logAction(tx, actor, 'announcement_delete', { announcement: { id } }, (who) => `${who} deleted announcement ${id}`)
    if (gone.publishedAt) await publishEvent(tx, { type: 'announcement.delete', announcementId: id })
  })
}

/** Every announcement, drafts and past ones too, newest first. */
export async function listAnnouncementsForAdmin(ctx: Ctx, opts: { limit?: number; offset?: number } = {}): Promise<AnnouncementRow[]> {
  return ctx.db.select().from(announcements)
    .orderBy(desc(announcements.id))
    .limit(opts.limit ?? 20)
    .offset(opts.offset ?? 0)
}

/** The current announcements for a user, oldest first; those the user dismissed only with `withDismissed`. */
export async function listAnnouncements(ctx: Ctx, accountId: string, withDismissed: boolean): Promise<AnnouncementRow[]> {
  const conditions = [currentSql()]
  if (!withDismissed) {
    conditions.push(sql`not exists (select 1 from announcement_dismissals d
      where d.announcement_id = ${announcements.id} and d.account_id = ${uuidParam(accountId)})`)
  }
  return ctx.db.select().from(announcements)
    .where(and(...conditions))
    .orderBy(asc(sql`coalesce(${announcements.startsAt}, ${announcements.publishedAt})`), asc(announcements.id))
    .limit(100)
}

/** A current announcement by id; drafts, scheduled and ended ones are 404 for users. */
export async function getCurrentAnnouncement(db: DbLike, id: string): Promise<AnnouncementRow> {
  if (!isId(id)) throw new NotFoundError()
  const [row] = await db.select().from(announcements).where(and(eq(announcements.id, id), currentSql())).limit(1)
  if (!row) throw new NotFoundError()
  return row
}

export async function dismissAnnouncement(ctx: Ctx, accountId: string, id: string): Promise<void> {
  const row = await getCurrentAnnouncement(ctx.db, id)
  await ctx.db.insert(announcementDismissals).values({ announcementId: row.id, accountId }).onConflictDoNothing()
}

/** The stored reaction name: the unicode emoji, or a local custom emoji's shortcode with its image URL. */
async function reactionName(ctx: Ctx, raw: unknown): Promise<{ name: string; url: string | null }> {
  const parsed = parseReactionEmoji(raw)
  if (!parsed) throw new ValidationError(`Validation failed: "${String(raw).slice(0, 100)}" is not an emoji`)
  if (parsed.kind === 'unicode') return { name: parsed.emoji, url: null }
  const custom = await findLocalEmoji(ctx.db, parsed.shortcode)
  if (!custom?.fileKey) throw new ValidationError(`Validation failed: there is no custom emoji ":${parsed.shortcode}:" on this server`)
  return { name: custom.shortcode, url: emojiUrl(ctx.config.baseUrl, custom.fileKey) }
}

export async function addAnnouncementReaction(ctx: Ctx, accountId: string, id: string, raw: unknown): Promise<void> {
  const row = await getCurrentAnnouncement(ctx.db, id)
  const { name, url } = await reactionName(ctx, raw)
  await ctx.db.transaction(async (tx) => {
    const [added] = await tx.insert(announcementReactions).values({ announcementId: row.id, accountId, name, emojiUrl: url })
      .onConflictDoNothing().returning({ id: announcementReactions.id })
    if (added) await publishEvent(tx, { type: 'announcement.reaction', announcementId: row.id, name })
  })
}

export async function removeAnnouncementReaction(ctx: Ctx, accountId: string, id: string, raw: unknown): Promise<void> {
  const row = await getCurrentAnnouncement(ctx.db, id)
  const parsed = parseReactionEmoji(raw)
  if (!parsed) throw new ValidationError(`Validation failed: "${String(raw).slice(0, 100)}" is not an emoji`)
  const name = parsed.kind === 'unicode' ? parsed.emoji : parsed.shortcode
  await ctx.db.transaction(async (tx) => {
    const gone = await tx.delete(announcementReactions).where(and(
      eq(announcementReactions.announcementId, row.id), eq(announcementReactions.accountId, accountId), eq(announcementReactions.name, name),
    )).returning({ id: announcementReactions.id })
    if (gone.length) await publishEvent(tx, { type: 'announcement.reaction', announcementId: row.id, name })
  })
}

export interface AnnouncementReactionSummary {
  name: string
  count: number
  me: boolean
  url: string | null
}

/** Reactions of many announcements in one query, by announcement, in order of first use. */
export async function loadAnnouncementReactions(db: DbLike, ids: string[], accountId: string | null): Promise<Map<string, AnnouncementReactionSummary[]>> {
  const out = new Map<string, AnnouncementReactionSummary[]>()
  if (!ids.length) return out
  const rows = await db.select({
    announcementId: announcementReactions.announcementId,
    name: announcementReactions.name,
    url: sql<string | null>`max(${announcementReactions.emojiUrl})`,
    count: count(),
    me: accountId ? sql<boolean>`bool_or(${eq(announcementReactions.accountId, accountId)})` : sql<boolean>`false`,
  }).from(announcementReactions)
    .where(inArray(announcementReactions.announcementId, ids))
    .groupBy(announcementReactions.announcementId, announcementReactions.name)
    .orderBy(asc(sql`min(${announcementReactions.createdAt})`), asc(announcementReactions.name))
  for (const r of rows) {
    const list = out.get(r.announcementId) ?? []
    list.push({ name: r.name, count: Number(r.count), me: !!r.me, url: r.url })
    out.set(r.announcementId, list)
  }
  return out
}

/** Which of the announcements the account dismissed. */
export async function loadDismissed(db: DbLike, ids: string[], accountId: string): Promise<Set<string>> {
  if (!ids.length) return new Set()
  const rows = await db.select({ id: announcementDismissals.announcementId }).from(announcementDismissals)
    .where(and(inArray(announcementDismissals.announcementId, ids), eq(announcementDismissals.accountId, accountId)))
  return new Set(rows.map((r) => r.id))
}

/** How many have reacted with `name` to the announcement (for `announcement.reaction` events). */
export async function reactionCount(db: DbLike, announcementId: string, name: string): Promise<{ count: number; url: string | null }> {
  if (!isId(announcementId)) return { count: 0, url: null }
  const [row] = await db.select({ count: count(), url: sql<string | null>`max(${announcementReactions.emojiUrl})` })
    .from(announcementReactions)
    .where(and(eq(announcementReactions.announcementId, announcementId), eq(announcementReactions.name, name)))
  return { count: Number(row?.count ?? 0), url: row?.url ?? null }
}

export interface AnnouncementBundle {
  mentions: Map<string, { id: string; username: string; domain: string | null; url: string | null }>
  /** linked statuses by the URL written in the text */
  statuses: Map<string, { id: string; url: string }>
  emojis: Map<string, CustomEmoji[]>
  reactions: Map<string, AnnouncementReactionSummary[]>
  /** null without a user */
  dismissed: Set<string> | null
}

const HREF = /<a\s[^>]*href="([^"]+)"/g

/** Everything rendering a page of announcements reads, one query per kind. */
export async function loadAnnouncementBundle(ctx: Ctx, rows: AnnouncementRow[], accountId: string | null): Promise<AnnouncementBundle> {
  const ids = rows.map((r) => r.id)
  const mentionIds = [...new Set(rows.flatMap((r) => r.mentionIds))].filter(isId)
  const hrefs = [...new Set(rows.flatMap((r) => [...r.content.matchAll(HREF)].map((m) => m[1].replace(/&amp;/g, '&'))))]
  const [mentioned, linked, emojis, reactions, dismissed] = await Promise.all([
    mentionIds.length
      ? ctx.db.select({ id: accounts.id, username: accounts.username, domain: accounts.domain, url: accounts.url }).from(accounts)
        .where(and(inArray(accounts.id, mentionIds), isNull(accounts.deletedAt), isNull(accounts.suspendedAt)))
      : [],
    hrefs.length
      ? ctx.db.select({ id: statuses.id, url: statuses.url, uri: statuses.uri }).from(statuses)
        .where(and(or(inArray(statuses.url, hrefs), inArray(statuses.uri, hrefs)), inArray(statuses.visibility, ['public', 'unlisted']), isNull(statuses.reblogOfId)))
      : [],
    loadEmojisFor(ctx.db, ctx.config.baseUrl, rows.map((r) => ({ key: r.id, domain: null, shortcodes: shortcodesIn(r.text) })).filter((n) => n.shortcodes.length)),
    loadAnnouncementReactions(ctx.db, ids, accountId),
    accountId ? loadDismissed(ctx.db, ids, accountId) : null,
  ])
  const linkedByHref = new Map<string, { id: string; url: string }>()
  for (const s of linked) {
    const url = s.url ?? s.uri ?? ''
    if (s.url) linkedByHref.set(s.url, { id: s.id, url })
    if (s.uri) linkedByHref.set(s.uri, { id: s.id, url })
  }
  return { mentions: new Map(mentioned.map((a) => [a.id, a])), statuses: linkedByHref, emojis, reactions, dismissed }
}
