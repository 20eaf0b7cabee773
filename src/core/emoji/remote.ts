import type { Ctx } from '../context'
import { BadRequestError, ValidationError } from '../errors'
import { isPlainObject } from '../params'
import { MAX_ARCHIVE_BYTES } from './archive'
import { fetchJson, fetchRemote, parseRemoteUrl, RemoteFetchError, type FetchOptions } from '../net/remote-fetch'
import { describeSource, filesFrom, installPack, metadataFrom, zipSource, type InstallResult } from './import'
import { normalizePackName, sha256Hex } from './packs'

/**
 * Packs from elsewhere: another server's shared packs (`GET /packs/remote`, `POST /packs/download`) and zip
 * archives by URL or upload (`POST /packs/download_zip`). Every fetch goes through `fetchRemote`'s rules.
 */

const ARCHIVE_FETCH = { maxBytes: MAX_ARCHIVE_BYTES, timeoutMs: 120_000 }

/** The address rules of an admin's pack fetches: private networks only where federation or the admin allows them. */
export function packFetchOptions(ctx: Ctx): Partial<FetchOptions> {
  return { allowPrivateNetwork: ctx.config.federation.allowPrivate || ctx.config.fetchPrivateNetwork }
}

/** Pleroma first asks the remote's NodeInfo whether it shares emoji packs at all. */
async function assertShareable(origin: URL, fetchOpts: Partial<FetchOptions>): Promise<void> {
  const { json: index } = await fetchJson(new URL('/.well-known/nodeinfo', origin), fetchOpts)
  const links = isPlainObject(index) && Array.isArray(index.links) ? index.links : []
  const href = links.length && isPlainObject(links[links.length - 1]) ? links[links.length - 1].href : null
  if (typeof href !== 'string') throw new RemoteFetchError(`${origin.origin} publishes no NodeInfo`)
  const { json: nodeinfo } = await fetchJson(parseRemoteUrl(href), fetchOpts)
  const features = isPlainObject(nodeinfo) && isPlainObject(nodeinfo.metadata) ? nodeinfo.metadata.features : null
  if (!Array.isArray(features) || !features.includes('shareable_emoji_packs')) {
    throw new ValidationError('The requested instance does not support sharing emoji packs')
  }
}

/** `GET /packs/remote?url=`: the remote's own pack list, passed through. */
export async function listRemotePacks(url: unknown, paging: { page: number; pageSize: number }, fetchOpts: Partial<FetchOptions> = {}) {
  const origin = parseRemoteUrl(url)
  await assertShareable(origin, fetchOpts)
  const { json } = await fetchJson(new URL(`/api/v1/pleroma/emoji/packs?page=${paging.page}&page_size=${paging.pageSize}`, origin), fetchOpts)
  if (!isPlainObject(json)) throw new RemoteFetchError(`${origin.origin} answered an invalid pack list`)
  return json
}

/**
 * `POST /packs/download {url, name, as}`: installs a remote pack as `as` (or its own name), from the remote's
 * archive when it shares one (checked against its `download-sha256`), else from its `fallback-src`.
 */
export async function downloadRemotePack(ctx: Ctx, input: { url?: unknown; name?: unknown; as?: unknown }, fetchOpts: Partial<FetchOptions> = {}): Promise<InstallResult> {
  const origin = parseRemoteUrl(input.url)
  const name = normalizePackName(input.name)
  const localName = typeof input.as === 'string' && input.as.trim() ? normalizePackName(input.as) : name
  await assertShareable(origin, fetchOpts)
  const packUrl = (size: number) => new URL(`/api/v1/pleroma/emoji/pack?name=${encodeURIComponent(name)}&page_size=${size}`, origin)
  const { json: head } = await fetchJson(packUrl(0), fetchOpts)
  const filesCount = isPlainObject(head) ? Number(head.files_count) : NaN
  if (!Number.isSafeInteger(filesCount) || filesCount < 0) throw new RemoteFetchError(`${origin.origin} has no pack named "${name}"`)
  const { json: remote } = await fetchJson(packUrl(Math.max(filesCount, 1)), { maxBytes: 8 * 1024 * 1024, ...fetchOpts })
  if (!isPlainObject(remote) || !isPlainObject(remote.pack)) throw new RemoteFetchError(`${origin.origin} answered an invalid pack`)

  const info = remote.pack
  let archiveUrl: URL
  let sha: unknown
  if (info['share-files'] === true && info['can-download'] === true && typeof info['download-sha256'] === 'string') {
    archiveUrl = new URL(`/api/v1/pleroma/emoji/packs/archive?name=${encodeURIComponent(name)}`, origin)
    sha = info['download-sha256']
  } else if (typeof info['fallback-src'] === 'string') {
    archiveUrl = parseRemoteUrl(info['fallback-src'])
    sha = info['fallback-src-sha256']
  } else {
    throw new ValidationError('The pack was not set as shared and there is no fallback src to download from')
  }
  const archive = await fetchRemote(archiveUrl, { ...ARCHIVE_FETCH, ...fetchOpts })
  if (typeof sha !== 'string' || sha.toUpperCase() !== sha256Hex(archive.body)) {
    throw new ValidationError("SHA256 for the pack doesn't match the one sent by the server")
  }
  const source = zipSource(archive.body)
  return installPack(ctx, localName, source, { files: filesFrom(remote.files), meta: metadataFrom(info) })
}

/**
 * `POST /packs/download_zip {name, url | file}`: installs a zip (its pack.json, else its images) as a new pack.
 * From a URL, the pack remembers it as its `fallback-src`.
 */
export async function downloadZipPack(ctx: Ctx, input: { name?: unknown; url?: unknown; file?: unknown }, fetchOpts: Partial<FetchOptions> = {}): Promise<InstallResult> {
  const name = normalizePackName(input.name)
  let bytes: Uint8Array
  let src: string | null = null
  if (input.file instanceof Blob) {
    if (input.file.size > MAX_ARCHIVE_BYTES) throw new ValidationError(`The archive is larger than ${MAX_ARCHIVE_BYTES} bytes`)
    bytes = new Uint8Array(await input.file.arrayBuffer())
  } else if (typeof input.url === 'string' && input.url.trim()) {
    const res = await fetchRemote(parseRemoteUrl(input.url), { ...ARCHIVE_FETCH, ...fetchOpts })
    bytes = res.body
    src = res.url
  } else {
    throw new BadRequestError('Neither file nor URL was present in the request')
  }
  const source = zipSource(bytes, { stripTopFolder: true })
  const description = await describeSource(source, name)
  if (src && !description.meta.fallbackSrc) description.meta = { ...description.meta, fallbackSrc: src, fallbackSrcSha256: sha256Hex(bytes) }
  return installPack(ctx, name, source, description)
}
