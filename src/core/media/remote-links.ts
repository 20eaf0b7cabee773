import { createHash } from 'node:crypto'
import type { Config } from '../../config'

/** The profile pictures of remote accounts that are cached or proxied. */
export type RemoteProfileImage = 'avatar' | 'header'

/** `<baseUrl>/proxy` when remote media go through the media proxy, else null (clients get cached or remote URLs). */
export function remoteMediaProxyBase(config: Config): string | null {
  return config.remoteMedia.mode === 'proxy' ? `${config.baseUrl}/proxy` : null
}

/** A short digest of a remote URL: part of a proxied profile picture's address, so a new picture gets a new address. */
export function remoteUrlDigest(url: string): string {
  return createHash('sha256').update(url).digest('base64url').slice(0, 16)
}

/**
 * Proxied addresses name a stored row, not a URL, so the proxy fetches only what a remote server published to us and
 * cannot be used to fetch arbitrary addresses.
 */
export const proxiedAttachmentUrl = (proxyBase: string, attachmentId: string) => `${proxyBase}/media/${attachmentId}`

export const proxiedProfileImageUrl = (proxyBase: string, kind: RemoteProfileImage, accountId: string, remoteUrl: string) =>
  `${proxyBase}/${kind}/${accountId}/${remoteUrlDigest(remoteUrl)}`
