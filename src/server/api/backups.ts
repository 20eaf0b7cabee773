import { listBackups, requestBackup, toBackupEntity } from '../../core/backups/backups'
import type { Base } from '../base'

/** Pleroma asks `read:backups` for both; creating one answers the list, as Pleroma does. */
const BACKUPS = { scopes: ['read:backups'] }

/**
 * Pleroma's account backups. A finished backup's `url` is its file in media storage under a random 128-bit name:
 * only the owner is ever shown it, and it works as a plain link (Pleroma-FE opens it without a token, and it is
 * served straight from a bucket when media lives in S3).
 */
export const backupsApi = (app: Base) =>
  app
    .get('/api/v1/pleroma/backups', async ({ ctx, user }) =>
      (await listBackups(ctx, user.userId)).map((b) => toBackupEntity(ctx, b)), { auth: BACKUPS })
    .post('/api/v1/pleroma/backups', async ({ ctx, user }) => {
      await requestBackup(ctx, user.userId)
      return (await listBackups(ctx, user.userId)).map((b) => toBackupEntity(ctx, b))
    }, { auth: BACKUPS })
