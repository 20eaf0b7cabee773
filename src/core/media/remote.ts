import { and, asc, eq, inArray, isNotNull, isNull, lt, sql, type SQL } from 'drizzle-orm'
import type { DbLike } from '../../db/client'
import { accounts, mediaAttachments } from '../../db/schema'
import type { Ctx } from '../context'
import { AppError, NotFoundError, ValidationError } from '../errors'
import { isId, uuidToId } from '../ids'
import { domainPolicy } from '../instance/domain-policy'
import type { Jobs } from '../jobs'
import { fetchRemote, type FetchOptions } from '../net/remote-fetch'
import { detectMediaType, type DetectedType } from './detect'
import { remoteUrlDigest, type RemoteProfileImage } from './remote-links'
import { keyFromUrl, mediaStorage } from './storage'
import { deleteStoredFiles, inspectImage, storeImageOnly, storeUpload } from './upload'

export const REMOTE_MEDIA_QUEUE = 'media.remote'
export const REMOTE_MEDIA_PRUNE_QUEUE = 'media.remote.prune'
export const DEFAULT_REMOTE_PRUNE_AGE_MS = 7 * 24 * 60 * 60 * 1000

/** What the cache job fetches: a remote status's attachments, or a remote account's avatar and header. */
export type RemoteMediaJob = { statusId: string } | { accountId: string } | { attachmentId: string }

const REMOTE_FOLDER = 'remote'
const PROFILE_FOLDERS: Record<RemoteProfileImage, string> = { avatar: 'remote/avatars', header: 'remote/headers' }
const BATCH = 200

/**
 * Whether media published by `domain` may be fetched here (cached or proxied). The domain policy decides: nothing
 * from a domain this instance does not federate with, and nothing from one whose media are rejected.
 */
export async function shouldFetchRemoteMedia(ctx: Ctx, domain: string): Promise<boolean> {
  const policy = await domainPolicy(ctx, domain)
  return !policy.reject && !policy.rejectMedia
}

/** Remote media fetches follow the federation's address rules: private addresses only when federation allows them. */
function fetchOptions(ctx: Ctx, maxBytes: number, accept: string): FetchOptions {
  return {
    maxBytes,
    accept,
    timeoutMs: ctx.config.remoteMedia.fetchTimeoutSeconds * 1000,
    allowPrivateNetwork: ctx.config.federation.allowPrivate || ctx.config.fetchPrivateNetwork,
  }
}

/** Enqueues caching in the caller's transaction, when remote media are cached at all. */
export async function enqueueRemoteMediaCache(ctx: Ctx, tx: DbLike, job: RemoteMediaJob): Promise<void> {
  if (ctx.config.remoteMedia.mode !== 'cache' || !ctx.jobs) return
  await ctx.jobs.send(REMOTE_MEDIA_QUEUE, job, { within: tx, retryLimit: 2, retryDelaySeconds: 60 })
}

/** Bytes of a remote file, or null when it cannot be had (refused address, too large, too slow, an error answer). */
async function fetchBytes(ctx: Ctx, url: string, maxBytes: number, accept: string): Promise<Uint8Array | null> {
  try {
    return (await fetchRemote(url, fetchOptions(ctx, maxBytes, accept))).body
  } catch (e) {
    if (e instanceof ValidationError || e instanceof NotFoundError) return null
    throw e
  }
}

/** Caches the uncached remote attachments of a status (see `cacheRemoteAttachments`). */
export async function cacheStatusMedia(ctx: Ctx, statusId: string): Promise<number> {
  if (!isId(statusId)) return 0
  return cacheRemoteAttachments(ctx, eq(mediaAttachments.statusId, statusId))
}

/** Caches one remote attachment that belongs to no status (a chat message's). */
export async function cacheAttachmentMedia(ctx: Ctx, attachmentId: string): Promise<number> {
  if (!isId(attachmentId)) return 0
  return cacheRemoteAttachments(ctx, eq(mediaAttachments.id, attachmentId))
}

/**
 * Caches the uncached remote attachments `which` selects through the upload pipeline: the type comes from the bytes
 * (what is not an accepted media type stays remote), images get a preview and blurhash. Then the cache is held to its
 * cap.
 */
async function cacheRemoteAttachments(ctx: Ctx, which: SQL): Promise<number> {
  const rows = await ctx.db.select({ media: mediaAttachments, domain: accounts.domain }).from(mediaAttachments)
    .innerJoin(accounts, eq(accounts.id, mediaAttachments.accountId))
    .where(and(which, isNotNull(mediaAttachments.remoteUrl), isNull(mediaAttachments.fileKey)))
    .orderBy(asc(mediaAttachments.position))
  const storage = mediaStorage(ctx.config)
  let cached = 0
  for (const { media, domain } of rows) {
    if (!domain || !(await shouldFetchRemoteMedia(ctx, domain))) continue
    const bytes = await fetchBytes(ctx, media.remoteUrl!, ctx.config.limits.uploadLimit, 'image/*, video/*, audio/*')
    const detected = bytes && await detectMediaType(bytes)
    if (!bytes || !detected) continue
    const stored = await storeRemoteFile(ctx, bytes, detected)
    if (!stored) continue
    const [updated] = await ctx.db.update(mediaAttachments).set({
      fileKey: stored.fileKey,
      previewKey: stored.previewKey,
      fileSize: stored.fileSize,
      type: media.type === 'gifv' && stored.type === 'video' ? 'gifv' : stored.type,
      mimeType: stored.mime,
      blurhash: stored.blurhash ?? media.blurhash,
      meta: { ...media.meta, ...(stored.original ? { original: stored.original } : {}), ...(stored.small ? { small: stored.small } : {}) },
      cachedAt: new Date(),
      updatedAt: new Date(),
    }).where(and(eq(mediaAttachments.id, media.id), isNull(mediaAttachments.fileKey))).returning({ id: mediaAttachments.id })
    if (updated) cached++
    else await deleteStoredFiles(storage, [stored.fileKey, stored.previewKey])
  }
  if (cached) await enforceRemoteCacheCap(ctx)
  return cached
}

async function storeRemoteFile(ctx: Ctx, bytes: Uint8Array, detected: DetectedType) {
  try {
    return await storeUpload(mediaStorage(ctx.config), REMOTE_FOLDER, bytes, detected)
  } catch (e) {
    if (e instanceof ValidationError) return null
    throw e
  }
}

const profileColumns = (kind: RemoteProfileImage) => kind === 'avatar'
  ? { shown: accounts.avatarUrl, remote: accounts.avatarRemoteUrl, shownField: 'avatarUrl' as const }
  : { shown: accounts.headerUrl, remote: accounts.headerRemoteUrl, shownField: 'headerUrl' as const }

/** Sizes of a remote account's cached profile pictures, read from storage. */
async function cachedProfileBytes(ctx: Ctx, urls: (string | null)[]): Promise<number> {
  const storage = mediaStorage(ctx.config)
  let total = 0
  for (const key of urls.map((u) => keyFromUrl(storage, u))) {
    if (key) total += (await storage.get(key))?.size ?? 0
  }
  return total
}

/** Caches a remote account's avatar and header (images within the profile picture limits, without their metadata). */
export async function cacheProfileMedia(ctx: Ctx, accountId: string): Promise<number> {
  if (!isId(accountId)) return 0
  const [account] = await ctx.db.select().from(accounts)
    .where(and(eq(accounts.id, accountId), isNotNull(accounts.domain), isNull(accounts.deletedAt))).limit(1)
  if (!account?.domain || !(await shouldFetchRemoteMedia(ctx, account.domain))) return 0
  const storage = mediaStorage(ctx.config)
  const limits = { avatar: ctx.config.limits.avatarUploadLimit, header: ctx.config.limits.bannerUploadLimit }
  let cached = 0
  for (const kind of ['avatar', 'header'] as const) {
    const remote = kind === 'avatar' ? account.avatarRemoteUrl : account.headerRemoteUrl
    const shown = kind === 'avatar' ? account.avatarUrl : account.headerUrl
    if (!remote || shown !== remote) continue
    const bytes = await fetchBytes(ctx, remote, limits[kind], 'image/*')
    if (!bytes) continue
    let key: string
    try {
      key = (await storeImageOnly(storage, PROFILE_FOLDERS[kind], await inspectImage(bytes, kind))).fileKey
    } catch (e) {
      if (e instanceof ValidationError) continue
      throw e
    }
    const columns = profileColumns(kind)
    // the actor may have changed its picture while this one was fetched
    const [updated] = await ctx.db.update(accounts).set({ [columns.shownField]: storage.url(key), profileMediaCachedAt: new Date() })
      .where(and(eq(accounts.id, account.id), eq(columns.remote, remote), eq(columns.shown, remote))).returning({ id: accounts.id })
    if (updated) cached++
    else await deleteStoredFiles(storage, [key])
  }
  if (cached) {
    const [now] = await ctx.db.select({ avatar: accounts.avatarUrl, header: accounts.headerUrl }).from(accounts).where(eq(accounts.id, account.id))
    await ctx.db.update(accounts).set({ profileMediaBytes: await cachedProfileBytes(ctx, [now.avatar, now.header]) }).where(eq(accounts.id, account.id))
    await enforceRemoteCacheCap(ctx)
  }
  return cached
}

/**
 * A remote actor's new avatar or header replaces the cached copy: the account shows the remote URL until the new one
 * is cached. Answers the storage keys of replaced copies, to delete once the change committed.
 */
export function replacedProfileImages(
  ctx: Ctx,
  existing: { avatarUrl: string | null; headerUrl: string | null; avatarRemoteUrl: string | null; headerRemoteUrl: string | null } | null,
  next: { avatarUrl: string | null; headerUrl: string | null },
): { fields: { avatarUrl: string | null; headerUrl: string | null; avatarRemoteUrl: string | null; headerRemoteUrl: string | null }; replacedKeys: string[]; changed: boolean } {
  const storage = mediaStorage(ctx.config)
  const keepAvatar = !!existing && existing.avatarRemoteUrl === next.avatarUrl
  const keepHeader = !!existing && existing.headerRemoteUrl === next.headerUrl
  const replacedKeys = [
    keepAvatar ? null : keyFromUrl(storage, existing?.avatarUrl),
    keepHeader ? null : keyFromUrl(storage, existing?.headerUrl),
  ].filter((k): k is string => !!k)
  return {
    fields: {
      avatarUrl: keepAvatar ? existing!.avatarUrl : next.avatarUrl,
      headerUrl: keepHeader ? existing!.headerUrl : next.headerUrl,
      avatarRemoteUrl: next.avatarUrl,
      headerRemoteUrl: next.headerUrl,
    },
    replacedKeys,
    changed: (!keepAvatar && !!next.avatarUrl) || (!keepHeader && !!next.headerUrl),
  }
}

/** Drops the cached copies of these attachments: they show their remote URL again. Answers bytes and files freed. */
async function uncacheAttachments(ctx: Ctx, ids: string[]): Promise<{ count: number; bytes: number; files: number }> {
  if (!ids.length) return { count: 0, bytes: 0, files: 0 }
  const before = await ctx.db.select({ id: mediaAttachments.id, fileKey: mediaAttachments.fileKey, previewKey: mediaAttachments.previewKey, fileSize: mediaAttachments.fileSize })
    .from(mediaAttachments).where(and(inArray(mediaAttachments.id, ids), isNotNull(mediaAttachments.cachedAt)))
  const done = await ctx.db.update(mediaAttachments).set({ fileKey: null, previewKey: null, fileSize: 0, cachedAt: null })
    .where(and(inArray(mediaAttachments.id, before.map((b) => b.id)), isNotNull(mediaAttachments.cachedAt))).returning({ id: mediaAttachments.id })
  const gone = new Set(done.map((d) => d.id))
  const freed = before.filter((b) => gone.has(b.id))
  const files = await deleteStoredFiles(mediaStorage(ctx.config), freed.flatMap((f) => [f.fileKey, f.previewKey]))
  return { count: freed.length, bytes: freed.reduce((n, f) => n + f.fileSize, 0), files }
}

/** Drops the cached avatars and headers of these accounts: they show their remote URLs again. */
async function uncacheProfiles(ctx: Ctx, ids: string[]): Promise<{ count: number; bytes: number; files: number }> {
  if (!ids.length) return { count: 0, bytes: 0, files: 0 }
  const storage = mediaStorage(ctx.config)
  const before = await ctx.db.select({ id: accounts.id, avatar: accounts.avatarUrl, header: accounts.headerUrl, bytes: accounts.profileMediaBytes })
    .from(accounts).where(and(inArray(accounts.id, ids), isNotNull(accounts.profileMediaCachedAt)))
  const done = await ctx.db.update(accounts).set({
    avatarUrl: sql`${accounts.avatarRemoteUrl}`, headerUrl: sql`${accounts.headerRemoteUrl}`, profileMediaCachedAt: null, profileMediaBytes: 0,
  }).where(and(inArray(accounts.id, before.map((b) => b.id)), isNotNull(accounts.domain), isNotNull(accounts.profileMediaCachedAt)))
    .returning({ id: accounts.id })
  const gone = new Set(done.map((d) => d.id))
  const freed = before.filter((b) => gone.has(b.id))
  const files = await deleteStoredFiles(storage, freed.flatMap((f) => [keyFromUrl(storage, f.avatar), keyFromUrl(storage, f.header)]))
  return { count: freed.length, bytes: freed.reduce((n, f) => n + f.bytes, 0), files }
}

/** Bytes the remote media cache holds. */
export async function remoteCacheBytes(db: DbLike): Promise<number> {
  const [row] = await db.select({
    bytes: sql<string>`(select coalesce(sum(${mediaAttachments.fileSize}), 0) from ${mediaAttachments} where ${mediaAttachments.cachedAt} is not null)
      + (select coalesce(sum(${accounts.profileMediaBytes}), 0) from ${accounts} where ${accounts.profileMediaCachedAt} is not null)`,
  }).from(sql`(select 1) as one`)
  return Number(row.bytes)
}

/** Evicts the longest-cached files until the cache is within `remoteMedia.cacheMaxBytes`. */
export async function enforceRemoteCacheCap(ctx: Ctx): Promise<number> {
  const cap = ctx.config.remoteMedia.cacheMaxBytes
  let total = await remoteCacheBytes(ctx.db)
  let evicted = 0
  for (let round = 0; total > cap && round < 100; round++) {
    const oldest = await ctx.db.execute(sql`
      select 'media' as kind, id, file_size as bytes, cached_at as at from media_attachments where cached_at is not null
      union all
      select 'account' as kind, id, profile_media_bytes as bytes, profile_media_cached_at as at from accounts where profile_media_cached_at is not null
      order by at asc limit ${BATCH}`)
    const rows = ((oldest as { rows?: unknown[] }).rows ?? oldest) as { kind: string; id: string; bytes: number }[]
    if (!rows.length) break
    const media: string[] = []
    const profiles: string[] = []
    for (const r of rows) {
      if (total <= cap) break
      ;(r.kind === 'media' ? media : profiles).push(uuidToId(r.id))
      total -= Number(r.bytes)
    }
    evicted += (await uncacheAttachments(ctx, media)).count + (await uncacheProfiles(ctx, profiles)).count
    total = await remoteCacheBytes(ctx.db)
  }
  return evicted
}

export interface RemotePruneResult {
  /** remote attachments whose cached copy was removed (or, in a dry run, would be) */
  attachments: number
  /** remote accounts whose cached avatar and header were removed */
  accounts: number
  bytes: number
  files: number
  dryRun: boolean
  olderThan: Date
}

/**
 * Removes cached copies of remote media cached before `olderThanMs` ago (`rookery media prune --remote`): the rows stay
 * and show their remote URLs again.
 */
export async function pruneRemoteMedia(ctx: Ctx, opts: { olderThanMs?: number; dryRun?: boolean; now?: Date } = {}): Promise<RemotePruneResult> {
  const olderThan = new Date((opts.now ?? new Date()).getTime() - (opts.olderThanMs ?? DEFAULT_REMOTE_PRUNE_AGE_MS))
  const result: RemotePruneResult = { attachments: 0, accounts: 0, bytes: 0, files: 0, dryRun: !!opts.dryRun, olderThan }
  const oldMedia = lt(mediaAttachments.cachedAt, olderThan)
  const oldProfiles = lt(accounts.profileMediaCachedAt, olderThan)
  if (opts.dryRun) {
    const [m] = await ctx.db.select({ n: sql<string>`count(*)`, bytes: sql<string>`coalesce(sum(${mediaAttachments.fileSize}), 0)` }).from(mediaAttachments).where(oldMedia)
    const [a] = await ctx.db.select({ n: sql<string>`count(*)`, bytes: sql<string>`coalesce(sum(${accounts.profileMediaBytes}), 0)` }).from(accounts).where(oldProfiles)
    return { ...result, attachments: Number(m.n), accounts: Number(a.n), bytes: Number(m.bytes) + Number(a.bytes) }
  }
  for (;;) {
    const ids = (await ctx.db.select({ id: mediaAttachments.id }).from(mediaAttachments).where(oldMedia).limit(BATCH)).map((r) => r.id)
    if (!ids.length) break
    const freed = await uncacheAttachments(ctx, ids)
    result.attachments += freed.count
    result.bytes += freed.bytes
    result.files += freed.files
  }
  for (;;) {
    const ids = (await ctx.db.select({ id: accounts.id }).from(accounts).where(oldProfiles).limit(BATCH)).map((r) => r.id)
    if (!ids.length) break
    const freed = await uncacheProfiles(ctx, ids)
    result.accounts += freed.count
    result.bytes += freed.bytes
    result.files += freed.files
  }
  return result
}

/** What the media proxy answers: an accepted media file, as fetched. */
export interface ProxiedFile {
  bytes: Uint8Array
  mime: string
}

/**
 * `/proxy/media/:id` and `/proxy/{avatar,header}/:accountId/:digest`: the remote file a stored row names, fetched
 * under the federation's address rules and size limits. Only accepted media types are passed on (never HTML or SVG,
 * which would run on this origin); anything else, or a digest of an earlier picture, is not found.
 */
export async function fetchProxiedMedia(ctx: Ctx, target: { attachmentId: string } | { accountId: string; kind: RemoteProfileImage; digest: string }): Promise<ProxiedFile> {
  if (ctx.config.remoteMedia.mode !== 'proxy') throw new NotFoundError()
  let url: string | null = null
  let domain: string | null = null
  let maxBytes = ctx.config.limits.uploadLimit
  if ('attachmentId' in target) {
    if (!isId(target.attachmentId)) throw new NotFoundError()
    const [row] = await ctx.db.select({ url: mediaAttachments.remoteUrl, domain: accounts.domain }).from(mediaAttachments)
      .innerJoin(accounts, eq(accounts.id, mediaAttachments.accountId)).where(eq(mediaAttachments.id, target.attachmentId)).limit(1)
    url = row?.url ?? null
    domain = row?.domain ?? null
  } else {
    if (!isId(target.accountId)) throw new NotFoundError()
    const [row] = await ctx.db.select({ avatar: accounts.avatarRemoteUrl, header: accounts.headerRemoteUrl, domain: accounts.domain }).from(accounts)
      .where(and(eq(accounts.id, target.accountId), isNull(accounts.deletedAt))).limit(1)
    url = (target.kind === 'avatar' ? row?.avatar : row?.header) ?? null
    domain = row?.domain ?? null
    maxBytes = target.kind === 'avatar' ? ctx.config.limits.avatarUploadLimit : ctx.config.limits.bannerUploadLimit
    if (url && remoteUrlDigest(url) !== target.digest) throw new NotFoundError()
  }
  if (!url || !domain || !(await shouldFetchRemoteMedia(ctx, domain))) throw new NotFoundError()
  const bytes = await fetchBytes(ctx, url, maxBytes, 'image/*, video/*, audio/*')
  if (!bytes) throw new BadGatewayError('The remote media could not be fetched')
  const detected = await detectMediaType(bytes)
  if (!detected) throw new BadGatewayError('The remote file is not a supported media type')
  return { bytes, mime: detected.mime }
}

/** The remote server did not give a usable file: 502, as gateways answer. */
export class BadGatewayError extends AppError {
  constructor(message: string) { super(502, message) }
}

/** Registers the cache worker and, with a retention period, the daily prune of old cached copies. */
export async function registerRemoteMediaJobs(ctx: Ctx & { jobs: Jobs }): Promise<void> {
  await ctx.jobs.work<RemoteMediaJob>(REMOTE_MEDIA_QUEUE, async (job) => {
    if (ctx.config.remoteMedia.mode !== 'cache') return
    if ('statusId' in job) await cacheStatusMedia(ctx, job.statusId)
    else if ('attachmentId' in job) await cacheAttachmentMedia(ctx, job.attachmentId)
    else await cacheProfileMedia(ctx, job.accountId)
  }, { concurrency: 2 })
  const days = ctx.config.remoteMedia.retentionDays
  if (days) {
    await ctx.jobs.work(REMOTE_MEDIA_PRUNE_QUEUE, async () => { await pruneRemoteMedia(ctx, { olderThanMs: days * 86_400_000 }) })
    await ctx.jobs.schedule(REMOTE_MEDIA_PRUNE_QUEUE, '37 4 * * *')
  }
}
