import { proxiedAttachmentUrl } from '../../core/media/remote-links'
import type { MediaStorage } from '../../core/media/storage'
import type { StoredUpload } from '../../core/media/upload'
import type { MediaAttachmentRow } from '../../db/schema'

/** Mastodon's MediaAttachment with Pleroma's `pleroma.mime_type`. */
export interface MediaAttachmentEntity {
  id: string
  type: MediaAttachmentRow['type']
  url: string | null
  preview_url: string | null
  remote_url: string | null
  preview_remote_url: string | null
  text_url: string | null
  meta: Record<string, unknown>
  description: string | null
  blurhash: string | null
  pleroma: { mime_type: string }
}

/**
 * Pure: file URLs come from the storage's public base, the focal point joins `meta` when set. Remote media show their
 * cached copy once there is one, the media proxy's address with `proxyBase`, else the remote URL; `remote_url` always.
 */
export function buildMediaAttachment(row: MediaAttachmentRow, storage: MediaStorage, proxyBase: string | null = null): MediaAttachmentEntity {
  const url = row.fileKey ? storage.url(row.fileKey) : row.remoteUrl && proxyBase ? proxiedAttachmentUrl(proxyBase, row.id) : row.remoteUrl
  const previewUrl = row.previewKey ? storage.url(row.previewKey) : row.type === 'image' || row.type === 'gifv' ? url : null
  return {
    id: row.id,
    type: row.type,
    url,
    preview_url: previewUrl,
    remote_url: row.remoteUrl,
    preview_remote_url: null,
    text_url: null,
    meta: { ...row.meta, ...(row.focus ? { focus: row.focus } : {}) },
    description: row.description,
    blurhash: row.blurhash,
    pleroma: { mime_type: row.mimeType },
  }
}

/** The entity of a freshly stored upload that has no row of its own (Pleroma's mascot). */
export function buildUploadedMedia(id: string, file: StoredUpload, storage: MediaStorage): MediaAttachmentEntity {
  const url = storage.url(file.fileKey)
  return {
    id,
    type: file.type,
    url,
    preview_url: file.previewKey ? storage.url(file.previewKey) : url,
    remote_url: null,
    preview_remote_url: null,
    text_url: null,
    meta: { ...(file.original ? { original: file.original } : {}), ...(file.small ? { small: file.small } : {}) },
    description: null,
    blurhash: file.blurhash,
    pleroma: { mime_type: file.mime },
  }
}
