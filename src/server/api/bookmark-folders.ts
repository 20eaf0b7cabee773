import { createFolder, deleteFolder, ownFolders, updateFolder, type BookmarkFolder } from '../../core/bookmarks/folders'
import type { Base } from '../base'

const READ = { scopes: ['read:bookmarks'] }
const WRITE = { scopes: ['write:bookmarks'] }

/** Pleroma's BookmarkFolder entity. */
export function renderBookmarkFolder(folder: BookmarkFolder) {
  return { id: folder.id, name: folder.name, emoji: folder.emoji, emoji_url: folder.emojiUrl }
}

/** Pleroma's bookmark folders; bookmarks are filed with `folder_id` on bookmark and read back with it on `/api/v1/bookmarks`. */
export const bookmarkFoldersApi = (app: Base) =>
  app
    .get('/api/v1/pleroma/bookmark_folders', async ({ ctx, user }) => (await ownFolders(ctx, user.accountId)).map(renderBookmarkFolder), { auth: READ })
    .post('/api/v1/pleroma/bookmark_folders', async ({ ctx, input, user }) => renderBookmarkFolder(await createFolder(ctx, user.accountId, input)), { auth: WRITE })
    .patch('/api/v1/pleroma/bookmark_folders/:id', async ({ ctx, params, input, user }) =>
      renderBookmarkFolder(await updateFolder(ctx, user.accountId, params.id, input)), { auth: WRITE })
    .delete('/api/v1/pleroma/bookmark_folders/:id', async ({ ctx, params, user }) =>
      renderBookmarkFolder(await deleteFolder(ctx, user.accountId, params.id)), { auth: WRITE })
