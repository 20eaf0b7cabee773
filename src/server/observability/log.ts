// Server log lines: one per request (when request logging is on) and one per unexpected error, readable text or one
// JSON object per line (`ROOKERY_LOG_FORMAT=json`) for a log collector.
import type { Config } from '../../config'

export type LogFormat = Config['logFormat']

/** Where lines go; tests swap it to read them. */
export const logOutput = {
  write(line: string, stream: 'stdout' | 'stderr') {
    ;(stream === 'stdout' ? process.stdout : process.stderr).write(line + '\n')
  },
}

export interface RequestLine {
  method: string
  path: string
  route: string | null
  status: number
  durationMs: number
  requestId: string
  accountId: string | null
}

export function logRequest(format: LogFormat, r: RequestLine) {
  const duration = Math.round(r.durationMs * 10) / 10
  if (format === 'json') {
    logOutput.write(JSON.stringify({
      time: new Date().toISOString(), level: 'info', msg: 'request', method: r.method, path: r.path, route: r.route,
      status: r.status, duration_ms: duration, request_id: r.requestId, account_id: r.accountId,
    }), 'stdout')
    return
  }
  const account = r.accountId ? ` account=${r.accountId}` : ''
  logOutput.write(`[rookery] ${r.method} ${r.path} ${r.status} ${duration}ms req=${r.requestId}${account}`, 'stdout')
}

/** An error no handler expected: the full error goes to the log under the request's id, never to the client. */
export function logError(format: LogFormat, error: unknown, context: { requestId?: string; method?: string; path?: string } = {}) {
  if (format === 'json') {
    const e = error instanceof Error ? error : null
    logOutput.write(JSON.stringify({
      time: new Date().toISOString(), level: 'error', msg: 'unhandled error', request_id: context.requestId ?? null,
      method: context.method ?? null, path: context.path ?? null,
      error: e ? `${e.name}: ${e.message}` : String(error), stack: e?.stack ?? null,
    }), 'stderr')
    return
  }
  const where = context.requestId ? ` (${context.method} ${context.path} req=${context.requestId})` : ''
  logOutput.write(`[rookery] unhandled error${where}: ${error instanceof Error ? error.stack ?? error.message : String(error)}`, 'stderr')
}
