import type { Ctx } from '../context'
import { BadRequestError } from '../errors'
import type { Jobs } from '../jobs'
import { parseImportList, type ImportEntry, type ImportKind } from './parse'
import { runImport, type ImportSummary } from './run-import'

export const IMPORTS_QUEUE = 'imports'

interface ImportJob {
  accountId: string
  kind: ImportKind
  entries: ImportEntry[]
}

/** The `list` parameter: text, or an uploaded file (multipart). */
export async function readListParam(value: unknown): Promise<string> {
  if (value instanceof Blob) return value.text()
  if (typeof value === 'string') return value
  throw new BadRequestError('Missing field: list')
}

/**
 * Starts an import for a user from the text of a list. The list is checked at once (bad input is a 4xx); the work
 * runs as a durable job when the server has a queue, otherwise here and now (tests, tools), returning its summary.
 */
export async function startImport(ctx: Ctx, accountId: string, kind: ImportKind, list: string): Promise<ImportSummary | null> {
  const entries = parseImportList(list)
  if (ctx.jobs) {
    await ctx.jobs.send<ImportJob>(IMPORTS_QUEUE, { accountId, kind, entries }, { retryLimit: 3 })
    return null
  }
  return runImport(ctx, accountId, kind, entries)
}

/** Registers the import worker on the server's queue (call once from `serve`). */
export async function registerImportJobs(ctx: Ctx & { jobs: Jobs }): Promise<void> {
  await ctx.jobs.work<ImportJob>(IMPORTS_QUEUE, async ({ accountId, kind, entries }) => {
    const summary = await runImport(ctx, accountId, kind, entries)
    if (summary.skipped.length || summary.failed.length) {
      console.error(`[rookery] ${kind} import for account ${accountId}: ${summary.imported} imported, `
        + `${summary.skipped.length} unknown (${summary.skipped.slice(0, 10).join(', ')}${summary.skipped.length > 10 ? ', ...' : ''}), `
        + `${summary.failed.length} refused`)
    }
  })
}
