// Parsers for option values; a bad value is a usage error (exit code 2) with a message naming the problem.
import { InvalidArgumentError } from 'commander'

export function positiveInt(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of 1 or more')
  return n
}

export function port(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value.trim()) || n > 65535) throw new InvalidArgumentError('expected a port number from 0 to 65535')
  return n
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 }

/** `90s`, `30m`, `12h`, `7d`, `2w`, or combinations such as `1d12h`, in milliseconds. */
export function duration(value: string): number {
  const text = value.trim().toLowerCase()
  if (!/^(\d+[smhdw])+$/.test(text)) throw new InvalidArgumentError('expected a duration such as 30m, 12h, 7d or 2w')
  let seconds = 0
  for (const [, n, unit] of text.matchAll(/(\d+)([smhdw])/g)) seconds += Number(n) * UNITS[unit]
  if (seconds <= 0) throw new InvalidArgumentError('the duration must be longer than zero')
  return seconds * 1000
}

/**
 * An ISO date or date-time. A bare date (`2025-12-31`) means "through that day": the end of the day in UTC,
 * as Pleroma's date-limited invites work.
 */
export function dateOrDay(value: string): Date {
  const text = value.trim()
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const day = new Date(`${text}T00:00:00Z`)
    if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== text) throw new InvalidArgumentError('expected a valid date such as 2025-12-31')
    return new Date(day.getTime() + 86_400_000)
  }
  const at = new Date(text)
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(text) || Number.isNaN(at.getTime())) {
    throw new InvalidArgumentError('expected a date (2025-12-31) or a date and time (2025-12-31T18:00:00Z)')
  }
  return at
}

/** Everything on stdin, minus one trailing newline (as `echo` and here-strings add one). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk))
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '')
}
