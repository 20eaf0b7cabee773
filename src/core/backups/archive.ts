import { basename } from 'node:path'
import { and, asc, eq, gt, inArray, isNotNull } from 'drizzle-orm'
import { alias } from 'drizzle-orm/pg-core'
import type { Zip } from 'fflate'
import { accounts, bookmarks, favourites, mediaAttachments, statusMentions, statuses, type AccountRow, type MediaAttachmentRow, type StatusRow } from '../../db/schema'
import type { Ctx } from '../context'
import { mediaStorage, type MediaStorage } from '../media/storage'

const BATCH = 200
const PUBLIC = 'https://www.w3.org/ns/activitystreams#Public'
const CONTEXT = ['https://www.w3.org/ns/activitystreams', 'https://w3id.org/security/v1']
const encoder = new TextEncoder()
/** fflate is required by the first archive written, not at start. */
const fflate = () => require('fflate') as typeof import('fflate')

/** What went into an archive. */
export interface ArchiveSummary {
  statuses: number
  likes: number
  bookmarks: number
  files: number
}

/** A zip written to a file as it is built: entries are added one after another, each in chunks. */
class ZipFileWriter {
  private readonly sink: ReturnType<ReturnType<typeof Bun.file>['writer']>
  private readonly zip: Zip
  private failure: Error | null = null

  constructor(path: string) {
    this.sink = Bun.file(path).writer()
    this.zip = new (fflate().Zip)((err, chunk) => {
      if (err) this.failure = err
      else this.sink.write(chunk)
    })
  }

  private check() {
    if (this.failure) throw this.failure
  }

  /** Starts an entry; `compress` false for files that are already compressed (images, video). */
  entry(name: string, compress = true): { push(data: Uint8Array | string): Promise<void>; end(): Promise<void> } {
    const { ZipDeflate, ZipPassThrough } = fflate()
    const file = compress ? new ZipDeflate(name, { level: 6 }) : new ZipPassThrough(name)
    this.zip.add(file)
    return {
      push: async (data) => {
        file.push(typeof data === 'string' ? encoder.encode(data) : data, false)
        this.check()
        await this.sink.flush()
      },
      end: async () => {
        file.push(new Uint8Array(0), true)
        this.check()
        await this.sink.flush()
      },
    }
  }

  async close(): Promise<void> {
    this.zip.end()
    this.check()
    await this.sink.end()
  }

  /** Gives the file back unfinished, after a failure; the caller deletes it. */
  async abort(): Promise<void> {
    this.zip.terminate()
    await Promise.resolve(this.sink.end()).catch(() => {})
  }
}

const actorUri = (ctx: Ctx, a: Pick<AccountRow, 'uri' | 'username'>) => a.uri ?? `${ctx.config.baseUrl}/users/${a.username}`

function actorDocument(ctx: Ctx, account: AccountRow) {
  const id = actorUri(ctx, account)
  return {
    '@context': CONTEXT,
    id,
    type: account.actorType,
    preferredUsername: account.username,
    name: account.displayName,
    summary: account.note,
    url: account.url ?? id,
    inbox: `${id}/inbox`,
    outbox: 'outbox.json',
    followers: `${id}/followers`,
    following: `${id}/following`,
    likes: 'likes.json',
    bookmarks: 'bookmarks.json',
    manuallyApprovesFollowers: account.locked,
    discoverable: account.discoverable,
    alsoKnownAs: account.alsoKnownAs,
    published: account.createdAt.toISOString(),
    attachment: account.fields.map((f) => ({ type: 'PropertyValue', name: f.name, value: f.value })),
    ...(account.avatarUrl ? { icon: { type: 'Image', url: account.avatarUrl } } : {}),
    ...(account.headerUrl ? { image: { type: 'Image', url: account.headerUrl } } : {}),
  }
}

type OutboxRow = { status: StatusRow; parentUri: string | null; boostedUri: string | null }

/** Addressing as the visibility allows: mentioned actors always, followers and the public collection as chosen. */
function addressing(status: StatusRow, actor: string, mentioned: string[]): { to: string[]; cc: string[] } {
  const followers = `${actor}/followers`
  switch (status.visibility) {
    case 'public': return { to: [PUBLIC], cc: [followers, ...mentioned] }
    case 'unlisted': return { to: [followers], cc: [PUBLIC, ...mentioned] }
    case 'direct': return { to: mentioned, cc: [] }
    default: return { to: [followers], cc: mentioned }
  }
}

function outboxActivity(actor: string, row: OutboxRow, mentioned: string[], media: MediaAttachmentRow[], storage: MediaStorage) {
  const s = row.status
  const id = s.uri ?? `${actor}/statuses/${s.id}`
  const { to, cc } = addressing(s, actor, mentioned)
  const published = s.createdAt.toISOString()
  if (s.reblogOfId) {
    return { id, type: 'Announce', actor, published, to, cc, object: row.boostedUri }
  }
  return {
    id: `${id}/activity`,
    type: 'Create',
    actor,
    published,
    to,
    cc,
    object: {
      id,
      type: 'Note',
      attributedTo: actor,
      url: s.url ?? id,
      content: s.content,
      source: { content: s.text, mediaType: s.contentType },
      summary: s.spoilerText || null,
      sensitive: s.sensitive,
      inReplyTo: row.parentUri,
      published,
      ...(s.editedAt ? { updated: s.editedAt.toISOString() } : {}),
      to,
      cc,
      ...(s.language ? { contentMap: { [s.language]: s.content } } : {}),
      attachment: media.map((m) => ({
        type: 'Document',
        mediaType: m.mimeType,
        url: m.fileKey ? storage.url(m.fileKey) : m.remoteUrl,
        name: m.description,
        blurhash: m.blurhash,
      })),
      tag: mentioned.map((href) => ({ type: 'Mention', href })),
    },
  }
}

/** Writes one OrderedCollection entry, reading its items a page at a time from `page(cursor)`. */
async function writeCollection<T>(
  zip: ZipFileWriter, name: string, id: string,
  page: (cursor: string | null) => Promise<{ items: T[]; cursor: string | null }>,
): Promise<number> {
  const entry = zip.entry(name)
  await entry.push(`{"@context":${JSON.stringify(CONTEXT)},"id":${JSON.stringify(id)},"type":"OrderedCollection","orderedItems":[`)
  let total = 0
  let cursor: string | null = null
  for (;;) {
    const result = await page(cursor)
    if (result.items.length) await entry.push(result.items.map((item) => (total++ ? ',' : '') + JSON.stringify(item)).join(''))
    if (!result.cursor) break
    cursor = result.cursor
  }
  await entry.push(`],"totalItems":${total}}`)
  await entry.end()
  return total
}

/** The URIs of statuses the account liked or bookmarked, oldest first. */
function interactionPages(ctx: Ctx, table: typeof favourites | typeof bookmarks, accountId: string) {
  return async (cursor: string | null) => {
    const rows = await ctx.db.select({ id: table.id, uri: statuses.uri }).from(table)
      .innerJoin(statuses, eq(statuses.id, table.statusId))
      .where(and(eq(table.accountId, accountId), cursor ? gt(table.id, cursor) : undefined))
      .orderBy(asc(table.id)).limit(BATCH)
    return { items: rows.map((r) => r.uri).filter((u): u is string => !!u), cursor: rows.length === BATCH ? rows[rows.length - 1].id : null }
  }
}

/**
 * Writes the account's Pleroma-style backup to a zip at `path`: `actor.json`, `outbox.json` (every status and boost
 * it made, whatever the visibility: it is the owner's own data), `likes.json`, `bookmarks.json` and its uploaded files
 * under `media/`. Everything is read in pages and streamed, so the size of the account does not matter.
 */
export async function writeBackupArchive(ctx: Ctx, account: AccountRow, path: string, onProgress?: (done: number) => Promise<void>): Promise<ArchiveSummary> {
  const zip = new ZipFileWriter(path)
  try {
    const summary = await writeEntries(ctx, account, zip, onProgress)
    await zip.close()
    return summary
  } catch (e) {
    await zip.abort()
    throw e
  }
}

async function writeEntries(ctx: Ctx, account: AccountRow, zip: ZipFileWriter, onProgress?: (done: number) => Promise<void>): Promise<ArchiveSummary> {
  const storage = mediaStorage(ctx.config)
  const actor = actorUri(ctx, account)
  const summary: ArchiveSummary = { statuses: 0, likes: 0, bookmarks: 0, files: 0 }
  let done = 0
  const progress = async (n: number) => {
    done += n
    await onProgress?.(done)
  }

  const actorEntry = zip.entry('actor.json')
  await actorEntry.push(JSON.stringify(actorDocument(ctx, account)))
  await actorEntry.end()

  const parent = alias(statuses, 'parent')
  const boosted = alias(statuses, 'boosted')
  summary.statuses = await writeCollection(zip, 'outbox.json', 'outbox.json', async (cursor) => {
    const rows: OutboxRow[] = await ctx.db.select({ status: statuses, parentUri: parent.uri, boostedUri: boosted.uri }).from(statuses)
      .leftJoin(parent, eq(parent.id, statuses.inReplyToId))
      .leftJoin(boosted, eq(boosted.id, statuses.reblogOfId))
      .where(and(eq(statuses.accountId, account.id), cursor ? gt(statuses.id, cursor) : undefined))
      .orderBy(asc(statuses.id)).limit(BATCH)
    const ids = rows.map((r) => r.status.id)
    const [mentions, media] = ids.length
      ? await Promise.all([
        ctx.db.select({ statusId: statusMentions.statusId, uri: accounts.uri, username: accounts.username }).from(statusMentions)
          .innerJoin(accounts, eq(accounts.id, statusMentions.accountId)).where(inArray(statusMentions.statusId, ids)),
        ctx.db.select().from(mediaAttachments).where(inArray(mediaAttachments.statusId, ids)).orderBy(asc(mediaAttachments.position)),
      ])
      : [[], []]
    const mentionsOf = Map.groupBy(mentions, (m) => m.statusId)
    const mediaOf = Map.groupBy(media, (m) => m.statusId!)
    const items = rows.map((r) => outboxActivity(actor, r, (mentionsOf.get(r.status.id) ?? []).map((m) => actorUri(ctx, m)), mediaOf.get(r.status.id) ?? [], storage))
    await progress(rows.length)
    return { items, cursor: rows.length === BATCH ? ids[ids.length - 1] : null }
  })
  summary.likes = await writeCollection(zip, 'likes.json', 'likes.json', interactionPages(ctx, favourites, account.id))
  await progress(summary.likes)
  summary.bookmarks = await writeCollection(zip, 'bookmarks.json', 'bookmarks.json', interactionPages(ctx, bookmarks, account.id))
  await progress(summary.bookmarks)

  let cursor: string | null = null
  for (;;) {
    const files: { id: string; fileKey: string | null }[] = await ctx.db.select({ id: mediaAttachments.id, fileKey: mediaAttachments.fileKey }).from(mediaAttachments)
      .where(and(eq(mediaAttachments.accountId, account.id), isNotNull(mediaAttachments.fileKey), cursor ? gt(mediaAttachments.id, cursor) : undefined))
      .orderBy(asc(mediaAttachments.id)).limit(BATCH)
    for (const f of files) {
      const stored = await storage.get(f.fileKey!)
      if (!stored) continue
      const entry = zip.entry(`media/${basename(f.fileKey!)}`, false)
      for await (const chunk of stored.blob.stream() as unknown as AsyncIterable<Uint8Array>) await entry.push(chunk)
      await entry.end()
      summary.files++
    }
    if (files.length) await progress(files.length)
    if (files.length < BATCH) break
    cursor = files[files.length - 1].id
  }
  return summary
}
