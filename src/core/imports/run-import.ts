import { lookupAccount } from '../accounts/queries'
import type { Ctx } from '../context'
import { AppError, NotFoundError, ValidationError } from '../errors'
import { blockAccount } from '../relationships/block'
import { followAccount, readFollowOptions } from '../relationships/follow'
import { muteAccount } from '../relationships/mute'
import type { AccountRow } from '../../db/schema'
import { resolveRemoteAccount } from '../search/resolve'
import type { ImportEntry, ImportKind } from './parse'

export interface ImportSummary {
  kind: ImportKind
  /** entries that now hold (already holding ones included) */
  imported: number
  /** addresses of accounts that are unknown here or not valid addresses */
  skipped: string[]
  /** entries whose account was found but the action was refused */
  failed: { address: string; error: string }[]
}

export type ImportProgress = (done: number, entry: ImportEntry, outcome: 'imported' | 'skipped' | 'failed', error?: string) => void

async function apply(ctx: Ctx, accountId: string, kind: ImportKind, target: AccountRow, entry: ImportEntry) {
  switch (kind) {
    case 'follows': {
      const languages = entry.languages !== undefined ? { languages: entry.languages ?? [] } : {}
      await followAccount(ctx, accountId, target, readFollowOptions({ reblogs: entry.reblogs, notify: entry.notify, ...languages }))
      return
    }
    case 'blocks': return blockAccount(ctx, accountId, target)
    case 'mutes': return muteAccount(ctx, accountId, target, { notifications: entry.notifications ?? true, durationSeconds: null })
  }
}

/** An address not known here, looked up over federation (WebFinger and the actor); unreachable ones are null. */
async function resolveRemote(ctx: Ctx, address: string): Promise<AccountRow | null> {
  try {
    return await resolveRemoteAccount(ctx, address)
  } catch (e) {
    if (e instanceof AppError) return null
    throw e
  }
}

/**
 * Applies an import list for an account, one entry (and one transaction) at a time, so a long list makes steady
 * progress and a retry repeats nothing harmful: following, blocking or muting again changes nothing. Accounts are
 * looked up among those known here, then remote `user@domain` addresses over federation; unknown ones are skipped, refused ones (e.g. an account that
 * blocks the importer) are reported as failed. Database errors abort, so a job is retried.
 */
export async function runImport(ctx: Ctx, accountId: string, kind: ImportKind, entries: ImportEntry[], onProgress?: ImportProgress): Promise<ImportSummary> {
  const summary: ImportSummary = { kind, imported: 0, skipped: [], failed: [] }
  let done = 0
  for (const entry of entries) {
    let target: AccountRow | null = null
    try {
      target = await lookupAccount(ctx, entry.address, null)
    } catch (e) {
      if (!(e instanceof NotFoundError || e instanceof ValidationError)) throw e
    }
    if (!target) target = await resolveRemote(ctx, entry.address)
    if (!target || target.deletedAt) {
      summary.skipped.push(entry.address)
      onProgress?.(++done, entry, 'skipped')
      continue
    }
    try {
      await apply(ctx, accountId, kind, target, entry)
      summary.imported++
      onProgress?.(++done, entry, 'imported')
    } catch (e) {
      if (!(e instanceof AppError)) throw e
      summary.failed.push({ address: entry.address, error: e.message })
      onProgress?.(++done, entry, 'failed', e.message)
    }
  }
  return summary
}
