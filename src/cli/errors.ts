import { AppError } from '../core/errors'

/** A command failed in a way the user can act on; the message is printed as is. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message)
  }
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENOENT', 'CONNECT_TIMEOUT'])

/** One line for stderr that says what went wrong, without a stack trace. */
export function errorMessage(error: unknown): string {
  // drizzle wraps driver errors as "Failed query: <sql>" with the real one as the cause
  while (error instanceof Error && /^Failed query:/.test(error.message) && error.cause) error = error.cause
  const e = error as { code?: unknown; message?: unknown; address?: unknown; port?: unknown; errno?: unknown }
  if (error instanceof AppError || error instanceof CliError) return error.message
  if (typeof e?.code === 'string' && CONNECTION_CODES.has(e.code) && (e.address !== undefined || /connect|getaddrinfo/i.test(String(e.message)))) {
    const where = e.address ? ` at ${e.address}${e.port ? `:${e.port}` : ''}` : ''
    return `cannot connect to the database${where} (${e.code}); check DATABASE_URL and that PostgreSQL is running`
  }
  if (typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && typeof e.message === 'string') return `database error: ${e.message}`
  const message = typeof e?.message === 'string' && e.message ? e.message : String(error)
  return message.split('\n')[0]
}
