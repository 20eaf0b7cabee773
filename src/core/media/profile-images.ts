import type { Ctx } from '../context'
import { ValidationError } from '../errors'
import { deleteStoredFiles, inspectImage, readUploadedFile, storeImageOnly, type InspectedImage } from './upload'
import { keyFromUrl, mediaStorage } from './storage'

/** The three profile pictures: Mastodon's avatar and header, Pleroma's background. */
export type ProfileImageKind = 'avatar' | 'header' | 'background'

const FOLDERS: Record<ProfileImageKind, string> = { avatar: 'avatars', header: 'headers', background: 'backgrounds' }
const NAMES: Record<ProfileImageKind, string> = { avatar: 'Avatar', header: 'Header', background: 'Background image' }

function limitOf(ctx: Ctx, kind: ProfileImageKind): number {
  const l = ctx.config.limits
  return kind === 'avatar' ? l.avatarUploadLimit : kind === 'header' ? l.bannerUploadLimit : l.backgroundUploadLimit
}

/**
 * Reads and checks an uploaded profile picture (an image within its size limit); null when the parameter holds no file.
 * Nothing is stored yet, so every problem of a request can be reported before anything is written.
 */
export async function inspectProfileImage(ctx: Ctx, kind: ProfileImageKind, value: unknown): Promise<InspectedImage | null> {
  if (!(value instanceof Blob)) return null
  const bytes = await readUploadedFile(value, NAMES[kind], limitOf(ctx, kind))
  if (!bytes) return null
  return inspectImage(bytes, NAMES[kind])
}

/** Stores a checked profile picture (without its metadata) and returns its public URL. */
export async function storeProfileImage(ctx: Ctx, kind: ProfileImageKind, image: InspectedImage): Promise<string> {
  const storage = mediaStorage(ctx.config)
  const stored = await storeImageOnly(storage, FOLDERS[kind], image)
  return storage.url(stored.fileKey)
}

/** Removes the files behind replaced profile pictures, when they are ours (defaults and remote URLs are left alone). */
export async function deleteProfileImages(ctx: Ctx, urls: (string | null | undefined)[]): Promise<void> {
  const storage = mediaStorage(ctx.config)
  await deleteStoredFiles(storage, urls.map((url) => keyFromUrl(storage, url)))
}

/** A non-file value other than "" (the reset) is refused. */
export function assertImageParam(kind: ProfileImageKind, value: unknown): void {
  if (value === undefined || value === null || value === '' || value instanceof Blob) return
  throw new ValidationError(`Validation failed: ${NAMES[kind]} must be an image file, or "" to reset it`)
}
