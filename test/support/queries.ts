// Counts the statements a request sends through Drizzle, to pin a page's query count (no N+1).
import type { Ctx } from '../../src/core/context'
import { call, type CallOptions, type CallResult } from './http'

export interface CountedCall extends CallResult {
  /** the text of every statement sent while the request ran, in order */
  statements: string[]
}

/** Sends one request through the app and records the statements it sent (nothing else may run meanwhile). */
export async function callCounting(ctx: Ctx, method: string, path: string, opts: CallOptions = {}): Promise<CountedCall> {
  const statements: string[] = []
  const stop = ctx.database.queries.watch((sql) => statements.push(sql))
  try {
    const res = await call(method, path, opts)
    return { ...res, statements }
  } finally {
    stop()
  }
}
